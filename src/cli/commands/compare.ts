/**
 * `dendrite compare`: the same MLP (or, with --model cnn, a small CNN on image data)
 * trained for every activation x optimizer (x gradient-descent mode x seed) on one
 * data set; a ranked table, results files and curve plots. Ctrl-C stops between batches and still writes what ran.
 * With --distributed under `mpirun -np N`, each run trains data-parallel across
 * the ranks: every rank runs the same grid in the same order; rank 0 reports.
 */
import path from 'node:path';
import { Command } from 'commander';
import * as dd from '../../index.js';
import { argumentError, headRows, type Dataset } from '../../data/index.js';
import { addDataOptions, addOutputOptions, applyRuntime, loadFromFlags, type DataFlags, paragraphs } from '../common.js';
import { jobLine, onRoot, QuietExit, rankOutput, withRankInterrupt } from '../distributed.js';
import { parseIntegerFlag, parseIntegerList, parseNumberFlag } from '../options.js';
import { requireOutputDirectory } from '../paths.js';
import { ProgressBar } from '../progress.js';
import {
  activationChoices, DEFAULT_ACTIVATIONS, DEFAULT_OPTIMIZERS, MODES, OPTIMIZERS, parseLearningRates, parseList, type Mode,
} from '../compare/grid.js';
import { describeModel, MODELS, runGrid, type CompareConfig, type ModelKind } from '../compare/run.js';
import { summarize } from '../compare/summary.js';
import { compareWithJs } from '../compare/versus-js.js';
import { rankedTable, verdict, writeCompareFiles, type CompareReport } from '../compare/report.js';

interface CompareFlags extends DataFlags {
  model: string;
  activations?: string;
  optimizers?: string;
  modes: string;
  batchSize: string;
  seeds: string;
  epochs?: string;
  hidden?: string;
  lr?: string;
  target?: string;
  baseline: boolean;
  js: boolean;
  plots: boolean;
  distributed?: boolean;
  backend?: string;
  threads?: string;
  out: string;
  quiet?: boolean;
  json?: boolean;
}

/** The data sets --model cnn accepts (those with images). */
const IMAGE_DATA = ['fashion-mnist', 'mnist'];

/** Training images the CNN uses by default (--limit overrides it): keeps each run to a few seconds. */
export const CNN_DEFAULT_LIMIT = 10000;

/**
 * Default epochs and hidden widths per data set and model (flags override them), and for the
 * CNN the default training subset.
 */
export function dataDefaults(data: Dataset, model: ModelKind = 'mlp'): { epochs: number; hidden: number[]; limit?: number } {
  if (model === 'cnn') return { epochs: 2, hidden: [], limit: CNN_DEFAULT_LIMIT };
  if (data.name === 'fashion-mnist' || data.name === 'mnist') return { epochs: 5, hidden: [128, 64] };
  if (data.name.startsWith('csv:')) return { epochs: 50, hidden: [32, 32] };
  return { epochs: 100, hidden: [32, 32] };
}

/** The `compare` command. */
export function compareCommand(): Command {
  const cmd = new Command('compare')
    .summary('train one MLP (or CNN) per activation x optimizer (x mode x seed) and rank them')
    .description(paragraphs([
      'Train the same MLP for every combination of activation, optimizer and gradient-descent mode, over',
      'one or more seeds, then print a ranked table and write results.json, results.csv, results.md and',
      'loss / accuracy plots (SVG and PNG) into --out. A linear model (no activation) is the baseline.',
      '',
      'Default (no flags): 7 activations x 8 optimizers in mini-batch mode, 1 seed, 100 epochs on the',
      'generated spirals: a few seconds. The full grid, --modes batch,stochastic,minibatch --seeds 5,',
      'is 15x the runs, and stochastic epochs take about 10x longer: a few minutes on 2 cores.',
      '',
      `--model cnn (with --data fashion-mnist or mnist) trains a small CNN on the 28x28x1 images instead:`,
      'conv2d(16, 3x3, same) - maxPool2d(2) - conv2d(32, 3x3, same) - maxPool2d(2) - flatten - dense(64) -',
      'dense(10), the activation after both convolutions and the dense(64). Its defaults: 2 epochs on the',
      `first ${CNN_DEFAULT_LIMIT.toLocaleString('en-US')} training images (--limit for more), the whole test set for validation, the wide-data`,
      'learning rates: 3-5 s per run, about 4.5 minutes for the default grid (56 runs) on 2 cores. That budget',
      'ranks the combinations; for accuracy give it more (e.g. --limit 60000 --epochs 5, about 10x the time).',
      '',
      'Data-parallel: `mpirun -np 2 npx dendrite compare --distributed` trains',
      'every run across the ranks (--batch-size rows per rank, gradients averaged',
      'every step); rank 0 prints and writes the results.',
    ]));
  addDataOptions(cmd)
    .option('--model <kind>', `the model of every run: ${MODELS.join(' | ')} (cnn: image data only, fashion-mnist or mnist)`, 'mlp')
    .option('--activations <list>', `activations, comma-separated, among ${activationChoices().join(', ')}; 'default' = ${DEFAULT_ACTIVATIONS.filter((a) => a !== 'linear').join(',')}; 'all'`)
    .option('--optimizers <list>', `optimizers among ${Object.keys(OPTIMIZERS).join(', ')}; 'default' = ${DEFAULT_OPTIMIZERS.join(',')}; 'all'`)
    .option('--modes <list>', 'gradient-descent modes: batch (all rows per step), stochastic (1 row), minibatch (--batch-size rows)', 'minibatch')
    .option('--batch-size <n>', 'rows per step in minibatch mode', '128')
    .option('--seeds <n>', 'seeds per combination (weights and shuffling); the table shows mean ± std', '1')
    .option('--epochs <n>', 'epochs per run (default: 100 on generated data, 5 on (fashion-)mnist, 50 on csv; 2 with --model cnn)')
    .option('--hidden <widths>', "MLP hidden layer widths, e.g. 64,64 (default 32,32; 128,64 on (fashion-)mnist; 'none' for no hidden layer)")
    .option('--lr <rate>', 'learning rate for every optimizer, or per optimizer: adam=0.001,sgd=0.5 (defaults: README, "Command line")')
    .option('--target <accuracy>', 'validation accuracy counted in "epochs to" (default 0.9; 0.85 fashion-mnist; 0.97 mnist)')
    .option('--no-baseline', 'leave out the linear baseline')
    .option('--no-js', 'skip the native-versus-pure-JS timing of the best combination')
    .option('--no-plots', 'skip the SVG / PNG plots')
    .option('--distributed', 'train each run data-parallel across the ranks of an MPI job (launch with mpirun -np N; batch size per rank)')
    .option('--backend <name>', 'backend of the grid: cpu (native, default) or js (pure TypeScript)')
    .option('--threads <n>', 'native threads (default: all cores)')
    .option('--out <dir>', 'directory for results.* and the plots', 'dendrite-out');
  addOutputOptions(cmd);
  return cmd.action((flags: CompareFlags) => runCompare(flags));
}

async function runCompare(flags: CompareFlags): Promise<void> {
  // Size 1 without mpirun; under mpirun every rank joins the job (and gets its share of the cores).
  const dist = dd.distributed.init();
  const out = rankOutput(dist, flags);
  if (dist.size > 1 && !flags.distributed) {
    // Without it every rank would run the whole grid on its own and write the same files.
    if (!dist.isRoot) throw new QuietExit(2);
    throw argumentError(`dendrite compare under mpirun (${dist.size} ranks)`, '--distributed', 'no --distributed (without it, every rank would run the whole grid alone and write the same files)');
  }
  if (flags.distributed && dist.size === 1) {
    out.note(`note: --distributed runs as a single rank (${dd.distributed.launched ? 'mpirun -np 1' : 'not launched by mpirun'}); for data-parallel runs, launch it as `
      + `\`mpirun -np 2 npx dendrite compare --distributed\`${dd.distributed.compiled ? '' : ' (this build has no MPI: install libopenmpi-dev and rebuild)'}`);
  }
  const kind = MODELS.find((m) => m === flags.model.trim().toLowerCase());
  if (!kind) throw argumentError('--model', `one of ${MODELS.join(', ')}`, JSON.stringify(flags.model));
  if (kind === 'cnn' && !IMAGE_DATA.includes(flags.data)) {
    throw argumentError('--model cnn', `image data (--data ${IMAGE_DATA.join(' or ')})`, `--data ${flags.data}`);
  }
  if (kind === 'cnn' && flags.hidden !== undefined) throw argumentError('--hidden', 'no --hidden with --model cnn (its layers are fixed)', JSON.stringify(flags.hidden));
  const threads = applyRuntime(flags.threads, flags.backend);
  const activations = parseList(flags.activations ?? 'default', '--activations', activationChoices(), DEFAULT_ACTIVATIONS.filter((a) => a !== 'linear'));
  if (flags.baseline && !activations.includes('linear')) activations.unshift('linear');
  const optimizers = parseList(flags.optimizers ?? 'default', '--optimizers', Object.keys(OPTIMIZERS), DEFAULT_OPTIMIZERS);
  const modes = parseList(flags.modes, '--modes', MODES, ['minibatch']) as Mode[];
  const batchSize = parseIntegerFlag(flags.batchSize, '--batch-size');
  const seeds = parseIntegerFlag(flags.seeds, '--seeds', 1, 1000);
  const lr = parseLearningRates(flags.lr);
  await requireOutputDirectory(flags.out, '--out');  // before the grid runs, not after it
  let data = await loadFromFlags(flags, { shape: kind === 'cnn' ? 'image' : 'flat' });
  const defaults = dataDefaults(data, kind);
  if (defaults.limit !== undefined && flags.limit === undefined && data.train.rows > defaults.limit) {
    data = {
      ...data, train: headRows(data.train, data.features, defaults.limit),
      description: `${data.description}; the first ${defaults.limit} training images (the --model cnn default; --limit for more)`,
    };
  }
  const config: CompareConfig = {
    data, model: kind, activations, optimizers, modes, seeds, batchSize, lr,
    epochs: flags.epochs === undefined ? defaults.epochs : parseIntegerFlag(flags.epochs, '--epochs', 1, 1e6),
    hidden: flags.hidden === undefined ? defaults.hidden : parseIntegerList(flags.hidden, '--hidden'),
    target: flags.target === undefined ? data.targetAccuracy : parseNumberFlag(flags.target, '--target', { min: 0, max: 1 }),
  };
  const total = activations.length * optimizers.length * modes.length * seeds;
  const started = performance.now();
  let live = new ProgressBar(false, total, 'compare');
  const { runs, interrupted, jsComparison } = await withRankInterrupt(dist,
    () => { live.stop(); out.note('\nInterrupted: stopping after the current batch and writing the results so far (Ctrl-C again quits at once)'); },
    async (signal) => {
      out.note(`dendrite compare: ${data.description}`);
      out.note(`${total} runs (${activations.length} activations x ${optimizers.length} optimizers x ${modes.length} mode(s) x ${seeds} seed(s)), `
        + `${describeModel(kind, data, config.hidden)}, ${config.epochs} epochs, backend ${dd.getBackend()}, ${threads} thread(s)`);
      if (dist.size > 1) out.note(jobLine(dist, batchSize) + (modes.some((m) => m !== 'minibatch') ? ' in minibatch mode (stochastic: 1 row per rank; batch: every row)' : ''));
      const native = dd.backends().find((b) => b.name === 'cpu');
      if (dd.getBackend() === 'js' && !native?.available) out.note(`note: the native backend is unavailable (${native?.reason}); running on pure JS, which is much slower`);
      live = new ProgressBar(out.progress, total, 'compare');
      const grid = await runGrid(config, {
        signal,
        distributed: dist.size > 1 ? dist : undefined,
        onRunStart: (c) => live.status(`${c.activation} + ${c.optimizer} (${c.mode}${seeds > 1 ? `, seed ${c.seed}` : ''})`),
        onEpoch: (c, epoch) => {
          if (live.live) live.status(`${c.activation} + ${c.optimizer} (${c.mode}${seeds > 1 ? `, seed ${c.seed}` : ''}) epoch ${epoch + 1}/${config.epochs}`);
        },
        onRunEnd: (r, i) => live.tick(`[${String(i + 1).padStart(String(total).length)}/${total}] ${r.activation.padEnd(10)} ${r.optimizer.padEnd(9)} ${r.mode.padEnd(10)}`
          + `${seeds > 1 ? ` seed ${r.seed}` : ''} val acc ${Number.isFinite(r.final.valAccuracy) ? r.final.valAccuracy.toFixed(3) : r.status}  ${r.seconds.toFixed(2)}s`),
      });
      live.stop();
      const best = summarize(grid.runs)[0];
      let versus = null;
      if (flags.js && dist.size > 1) {
        // It times one process against another; ranks sharing the cores would skew it. Skipped on every rank.
        out.note('note: skipping the native-versus-pure-JS timing under mpirun (it times a single process; run `dendrite compare` without mpirun for it)');
      } else if (flags.js && !grid.interrupted && best && dd.getBackend() === 'cpu') {
        out.note(`Timing the best combination (${best.activation} + ${best.optimizer}) on the pure-JS backend next to native ...`);
        versus = await compareWithJs({ data, model: kind, hidden: config.hidden, batchSize, lr, mode: best.mode, activation: best.activation, optimizer: best.optimizer, maxEpochs: config.epochs }, { signal })
          .catch((err) => { if (signal.aborted) return null; throw err; });
      }
      return { ...grid, interrupted: grid.interrupted || signal.aborted, jsComparison: versus };
    },
  );

  const backend = dd.backends().find((b) => b.name === dd.getBackend());
  const { data: _data, ...rest } = config;
  const report: CompareReport = {
    dendrite: { version: dd.version, backend: dd.getBackend(), isa: backend?.isa, threads, ranks: dist.size },
    data: {
      name: data.name, description: data.description, features: data.features, ...(data.inputShape ? { inputShape: data.inputShape } : {}),
      classes: data.classes, trainRows: data.train.rows, testRows: data.test.rows,
    },
    config: rest,
    interrupted,
    seconds: (performance.now() - started) / 1000,
    summary: summarize(runs),
    jsComparison,
    runs,
  };
  // Every rank has the same results: rank 0 writes and prints them while the others wait for it.
  const written = await onRoot(dist, () => writeCompareFiles(flags.out, report, flags.plots));
  if (!written) return;
  out.print(rankedTable(report));
  out.print();
  for (const line of verdict(report)) out.print(line);
  out.print();
  out.print(`Wrote ${written.files.map((f) => path.basename(f)).join(', ')} to ${path.resolve(flags.out)} (${report.seconds.toFixed(1)} s)`);
  if (written.note) out.note(written.note);
  const { runs: _runs, ...brief } = report;
  out.result({ ...brief, files: written.files });
  if (interrupted) process.exitCode = 130;
}
