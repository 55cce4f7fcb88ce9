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
import { addDataOptions, addOutputOptions, applyRuntime, loadFromFlags, type DataFlags, paragraphs } from '../common.js';
import { jobLine, onRoot, rankOutput, withRankInterrupt } from '../distributed.js';
import { parseIntegerFlag, parseNumberFlag } from '../options.js';
import { ProgressBar } from '../progress.js';
import { isAbort } from '../compare/run.js';
import { buildFromConfig, DEFAULT_MODEL, readModelConfig } from '../train/config.js';
import { writeDataFile } from '../train/data-file.js';

interface TrainFlags extends DataFlags {
  config?: string;
  epochs?: string;
  batchSize?: string;
  lr?: string;
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
  const config = flags.config ? await readModelConfig(flags.config) : { ...DEFAULT_MODEL };
  if (flags.lr !== undefined) config.lr = parseNumberFlag(flags.lr, '--lr', Number.MIN_VALUE, 1e6);
  if (flags.seed !== undefined) config.seed = parseIntegerFlag(flags.seed, '--seed', 0, 2 ** 32 - 1);
  const epochs = flags.epochs !== undefined ? parseIntegerFlag(flags.epochs, '--epochs', 1, 1e6) : config.epochs ?? 50;
  const batchSize = flags.batchSize !== undefined ? parseIntegerFlag(flags.batchSize, '--batch-size') : config.batchSize ?? 128;
  const data = await loadFromFlags(flags);
  const model = buildFromConfig(config, data, flags.config ?? 'the default model');
  out.note(`dendrite train: ${data.description}`);
  out.note(`${model.toString()}, ${model.optimizer?.className} lr ${model.optimizer?.lr}, ${epochs} epochs, batches of ${batchSize}, backend ${dd.getBackend()}`);
  if (dist.size > 1) out.note(jobLine(dist, batchSize));

  const x = dd.tensor(data.train.x, [data.train.rows, data.features]);
  const vx = dd.tensor(data.test.x, [data.test.rows, data.features]);
  const bar = new ProgressBar(out.progress, epochs, 'train');
  const t0 = performance.now();
  const history: dd.Logs[] = [];
  const interrupted = await withRankInterrupt(dist,
    () => { bar.stop(); out.note('\nInterrupted: stopping after the current batch (Ctrl-C again quits at once)'); },
    async (signal) => {
      const logger: dd.Callback = {
        onEpochEnd(epoch, logs) {
          history.push({ ...logs });
          const line = `epoch ${epoch + 1}/${epochs}: loss ${logs.loss.toFixed(4)}, accuracy ${logs.accuracy.toFixed(4)}, val loss ${logs.valLoss.toFixed(4)}, val accuracy ${logs.valAccuracy.toFixed(4)}`;
          bar.status(line);
          bar.tick(line);
        },
      };
      try {
        await model.fit(x, data.train.y, {
          epochs, batchSize, shuffle: true, seed: config.seed ?? 1, validationData: [vx, data.test.y], callbacks: [logger], signal,
          distributed: dist.size > 1 ? dist : undefined,
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
  const test = model.evaluate(vx, data.test.y, { batchSize: 1024 });
  const train = model.evaluate(x, data.train.y, { batchSize: 1024 });
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
  out.print(`test:  loss ${test.loss.toFixed(4)}, accuracy ${(test.accuracy * 100).toFixed(2)}%`);
  if (saved) out.print(`Saved the model to ${saved} (load it with dd.loadModel or \`dendrite predict --model ${flags.save}\`)`);
  out.result({ data: data.name, epochs: history.length, interrupted, seconds, train, test, history, saved, ranks: dist.size });
  if (interrupted) process.exitCode = 130;
}
