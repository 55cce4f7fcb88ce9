/**
 * `dendrite train`: train one model (from a JSON model file, or a default MLP)
 * on a data set, report its test metrics and save it with model.save(dir).
 * Ctrl-C stops between batches and still saves the model trained so far.
 * Under `mpirun -np N` it trains data-parallel (--batch-size rows per rank);
 * rank 0 prints and saves.
 */
import path from 'node:path';
import { Command } from 'commander';
import * as dd from '../../index.js';
import { argumentError, type Split } from '../../data/index.js';
import { addDataOptions, addOutputOptions, applyRuntime, loadFromFlags, type DataFlags, paragraphs } from '../common.js';
import { jobLine, onRoot, rankOutput, withRankInterrupt } from '../distributed.js';
import { parseIntegerFlag, parseNumberFlag, POSITIVE } from '../options.js';
import { requireFile, requireOutputDirectory } from '../paths.js';
import { ProgressBar } from '../progress.js';
import { isAbort } from '../compare/run.js';
import { buildFromConfig, DEFAULT_MODEL, readModelConfig } from '../train/config.js';
import { writeDataFile } from '../train/data-file.js';

interface TrainFlags extends DataFlags {
  config?: string;
  epochs?: string;
  batchSize?: string;
  lr?: string;
  validationSplit: string;
  seed?: string;
  save?: string;
  backend?: string;
  threads?: string;
  quiet?: boolean;
  json?: boolean;
}

/** The `train` command. */
export function trainCommand(): Command {
  const cmd = new Command('train')
    .summary('train a model from a JSON model file and save it')
    .description(paragraphs([
      'Train the model of --config (default: 2 hidden layers of 64 relu units, Adam) on --data, print the',
      'test loss and accuracy, and save it with model.save(--save) plus dendrite-data.json (the data set,',
      'class names and feature scaling) for `dendrite predict`.',
      '',
      'The epochs\' validation uses the last --validation-split of the training rows, held out before',
      'shuffling (as Keras\' validation_split); the test split is only used for the final evaluation.',
      '',
      'model.json: { "layers": [{ "units": 64, "activation": "relu" }, ...],  (hidden layers; the output',
      '  layer is added), "optimizer": "adam" | "sgd" | ... | { "className": "Adam", "lr": 0.01 },',
      '  "lr": 0.01, "epochs": 50, "batchSize": 128, "seed": 1 }; flags override the file.',
      '',
      'Data-parallel: `mpirun -np 2 npx dendrite train ...` trains across the ranks',
      '(batch size per rank, gradients averaged every step); rank 0 prints and',
      'saves. Ctrl-C then ends the whole job, unsaved.',
    ]));
  addDataOptions(cmd)
    .option('--config <file>', 'JSON model file (see above)')
    .option('--epochs <n>', 'epochs (default: the file\'s, else 50)')
    .option('--batch-size <n>', 'rows per step, per rank under mpirun (default: the file\'s, else 128)')
    .option('--lr <rate>', 'learning rate (overrides the file\'s)')
    .option('--validation-split <fraction>', 'fraction of the training rows, the last ones, held out to validate each epoch, in [0, 1); 0: none', '0.1')
    .option('--seed <n>', 'seed of the weights and the shuffling (default: the file\'s, else 1)')
    .option('--save <dir>', 'save the trained model into this directory')
    .option('--backend <name>', 'cpu (native, default) or js')
    .option('--threads <n>', 'native threads (default: all cores)');
  addOutputOptions(cmd);
  return cmd.action((flags: TrainFlags) => runTrain(flags));
}

async function runTrain(flags: TrainFlags): Promise<void> {
  // Size 1 without mpirun; under mpirun every rank joins the job (and gets its share of the cores).
  const dist = dd.distributed.init();
  const out = rankOutput(dist, flags);
  applyRuntime(flags.threads, flags.backend);
  if (flags.config) await requireFile(flags.config, '--config');
  if (flags.save) await requireOutputDirectory(flags.save, '--save');  // before training, not after it
  const config = flags.config ? await readModelConfig(flags.config) : { ...DEFAULT_MODEL };
  if (flags.lr !== undefined) config.lr = parseNumberFlag(flags.lr, '--lr', POSITIVE);
  const validationSplit = parseNumberFlag(flags.validationSplit, '--validation-split', { min: 0, max: 1, maxExclusive: true });
  if (flags.seed !== undefined) config.seed = parseIntegerFlag(flags.seed, '--seed', 0, 2 ** 32 - 1);
  const epochs = flags.epochs !== undefined ? parseIntegerFlag(flags.epochs, '--epochs', 1, 1e6) : config.epochs ?? 50;
  const batchSize = flags.batchSize !== undefined ? parseIntegerFlag(flags.batchSize, '--batch-size') : config.batchSize ?? 128;
  const data = await loadFromFlags(flags);
  const model = buildFromConfig(config, data, flags.config ?? 'the default model');
  // Saved in model.json: dd.loadModel(dir) gives the library the data's scaling and class names.
  dd.data.setPreprocessing(model, dd.data.Preprocessing.fromDataset(data));
  out.note(`dendrite train: ${data.description}`);
  out.note(`${model.toString()}, ${model.optimizer?.className} lr ${model.optimizer?.lr}, ${epochs} epochs, batches of ${batchSize}, backend ${dd.getBackend()}`);
  if (dist.size > 1) out.note(jobLine(dist, batchSize));

  // fit holds out the last rows of x (Keras' rule); the same rows are evaluated as "val" below.
  const held = Math.floor(data.train.rows * validationSplit);
  const fitted = data.train.rows - held;
  if (fitted < 1) throw argumentError('--validation-split', `a fraction that leaves training rows (${data.train.rows} in all)`, JSON.stringify(flags.validationSplit));
  const x = dd.tensor(data.train.x, [data.train.rows, data.features]);
  const tx = dd.tensor(data.test.x, [data.test.rows, data.features]);
  const bar = new ProgressBar(out.progress, epochs, 'train');
  const t0 = performance.now();
  const history: dd.Logs[] = [];
  const interrupted = await withRankInterrupt(dist,
    () => { bar.stop(); out.note('\nInterrupted: stopping after the current batch (Ctrl-C again quits at once)'); },
    async (signal) => {
      const logger: dd.Callback = {
        onEpochEnd(epoch, logs) {
          history.push({ ...logs });
          const val = held > 0 ? `, val loss ${logs.valLoss.toFixed(4)}, val accuracy ${logs.valAccuracy.toFixed(4)}` : '';
          const line = `epoch ${epoch + 1}/${epochs}: loss ${logs.loss.toFixed(4)}, accuracy ${logs.accuracy.toFixed(4)}${val}`;
          bar.status(line);
          bar.tick(line);
        },
      };
      try {
        await model.fit(x, data.train.y, {
          epochs, batchSize, shuffle: true, seed: config.seed ?? 1, validationSplit, callbacks: [logger], signal,
          distributed: dist.size > 1 ? dist : undefined, verbose: 0,
        });
        return false;
      } catch (err) {
        if (isAbort(err)) return true;
        throw err;
      } finally {
        bar.stop();
      }
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  const test = model.evaluate(tx, data.test.y, { batchSize: 1024 });
  const train = model.evaluate(rowsOf(data.train, data.features, 0, fitted), data.train.y.subarray(0, fitted), { batchSize: 1024 });
  const validation = held > 0 ? model.evaluate(rowsOf(data.train, data.features, fitted, data.train.rows), data.train.y.subarray(fitted), { batchSize: 1024 }) : null;
  let saved: string | null = null;
  if (flags.save) {
    const dir = flags.save;
    // Every rank holds the same weights: rank 0 writes them while the others wait for it.
    await onRoot(dist, async () => {
      await model.save(dir);
      await writeDataFile(dir, { data: flags.data, dataDir: flags.dataDir, labelColumn: flags.labelColumn }, data);
    });
    saved = path.resolve(dir);
  }
  out.print(`${interrupted ? `Interrupted after ${history.length} epochs` : `Trained ${history.length} epochs`} in ${seconds.toFixed(2)} s`);
  out.print(`train: loss ${train.loss.toFixed(4)}, accuracy ${(train.accuracy * 100).toFixed(2)}%`);
  if (validation) out.print(`val:   loss ${validation.loss.toFixed(4)}, accuracy ${(validation.accuracy * 100).toFixed(2)}% (the last ${held} training rows)`);
  out.print(`test:  loss ${test.loss.toFixed(4)}, accuracy ${(test.accuracy * 100).toFixed(2)}%`);
  if (saved) out.print(`Saved the model to ${saved} (load it with dd.loadModel or \`dendrite predict --model ${flags.save}\`)`);
  out.result({
    data: data.name, epochs: history.length, interrupted, seconds, validationSplit, rows: { train: fitted, validation: held, test: data.test.rows },
    train, validation, test, history, saved, ranks: dist.size,
  });
  if (interrupted) process.exitCode = 130;
}

/** Rows [from, to) of a split as a tensor. */
function rowsOf(split: Split, features: number, from: number, to: number): dd.Tensor {
  return dd.tensor(split.x.subarray(from * features, to * features), [to - from, features]);
}
