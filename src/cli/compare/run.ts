/**
 * The compare experiment: one model (an MLP, or a small CNN on images) trained per
 * (seed, mode, activation, optimizer), with per-epoch curves, final metrics and
 * timings. Stops between batches when the AbortSignal fires and returns what it has.
 */
import * as dd from '../../index.js';
import { sampleShape, type Dataset } from '../../data/index.js';
import { batchSizeOf, learningRate, OPTIMIZERS, type Mode } from './grid.js';

/** The models compare trains: an MLP of `hidden` Dense layers, or the small CNN below (images only). */
export const MODELS = ['mlp', 'cnn'] as const;
export type ModelKind = (typeof MODELS)[number];

/** Everything one compare run needs. */
export interface CompareConfig {
  data: Dataset;
  /** Which model each run trains. */
  model: ModelKind;
  activations: string[];
  optimizers: string[];
  modes: Mode[];
  /** Seeds used: 1..seeds (the weight initialisation and the shuffling). */
  seeds: number;
  epochs: number;
  /** Rows per step in minibatch mode. */
  batchSize: number;
  /** Hidden layer widths (the MLP's; [] for the CNN). */
  hidden: number[];
  /** Learning rates given with --lr (per optimizer); the others come from OPTIMIZERS. */
  lr: Record<string, number>;
  /** Validation accuracy that counts as reached (epochs-to-target). */
  target: number;
}

/** Per-epoch values of one run. */
export interface Curves {
  loss: number[];
  accuracy: number[];
  valLoss: number[];
  valAccuracy: number[];
}

/** The outcome of one training run. */
export interface RunResult {
  mode: Mode;
  activation: string;
  optimizer: string;
  lr: number;
  seed: number;
  /** ok; diverged (a non-finite loss stopped it); aborted (Ctrl-C: partial). */
  status: 'ok' | 'diverged' | 'aborted';
  /** Epochs that completed. */
  epochs: number;
  /** Wall time of fit (training and per-epoch validation), seconds. */
  seconds: number;
  /** Final metrics, evaluated after training on the whole training and test splits. */
  final: { loss: number; accuracy: number; valLoss: number; valAccuracy: number };
  /** First epoch (1-based) whose validation accuracy reached the target, or null. */
  epochsToTarget: number | null;
  curves: Curves;
}

/** One cell of the grid. */
export interface GridCell {
  seed: number;
  mode: Mode;
  activation: string;
  optimizer: string;
}

/** The grid in run order: seed, then mode, then activation, then optimizer. */
export function gridCells(config: CompareConfig): GridCell[] {
  const cells: GridCell[] = [];
  for (let seed = 1; seed <= config.seeds; seed++) {
    for (const mode of config.modes) {
      for (const activation of config.activations) {
        for (const optimizer of config.optimizers) cells.push({ seed, mode, activation, optimizer });
      }
    }
  }
  return cells;
}

/**
 * The model of the experiment. 'mlp': hidden Dense layers with `activation`, then one logit
 * per class. 'cnn' (data with an image inputShape [H, W, C]): conv2d(16, 3x3, same) -
 * maxPool2d(2) - conv2d(32, 3x3, same) - maxPool2d(2) - flatten - dense(64) - dense(classes),
 * `activation` after each conv and the hidden dense layer.
 */
export function buildModel(data: Dataset, hidden: number[], activation: string, seed: number, model: ModelKind = 'mlp'): dd.Sequential {
  const act = activation as dd.ActivationName;
  if (model === 'cnn') {
    return dd.sequential([
      dd.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: act, inputShape: sampleShape(data) }),
      dd.layers.maxPool2d({ poolSize: 2 }),
      dd.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: act }),
      dd.layers.maxPool2d({ poolSize: 2 }),
      dd.layers.flatten(),
      dd.layers.dense({ units: 64, activation: act }),
      dd.layers.dense({ units: data.classes }),
    ], { seed });
  }
  const layers = hidden.map((units, i) => dd.layers.dense({
    units, activation: act, ...(i === 0 ? { inputSize: data.features } : {}),
  }));
  layers.push(dd.layers.dense({ units: data.classes, ...(hidden.length === 0 ? { inputSize: data.features } : {}) }));
  return dd.sequential(layers, { seed });
}

/** The model in one line, e.g. 'MLP 784-128-64-10' or 'CNN 28x28x1 conv16-pool-conv32-pool-64-10'. */
export function describeModel(model: ModelKind, data: Pick<Dataset, 'features' | 'inputShape' | 'classes'>, hidden: number[]): string {
  if (model === 'cnn') return `CNN ${sampleShape(data).join('x')} conv16-pool-conv32-pool-64-${data.classes}`;
  return `MLP ${[data.features, ...hidden, data.classes].join('-')}`;
}

/** Hooks of runGrid. */
export interface GridHooks {
  signal?: AbortSignal;
  /** Train each run data-parallel across this job's ranks (every rank runs the same grid). */
  distributed?: dd.Distributed;
  onRunStart?(cell: GridCell, index: number, total: number): void;
  onEpoch?(cell: GridCell, epoch: number, logs: dd.Logs): void;
  onRunEnd?(result: RunResult, index: number, total: number): void;
}

/** Train every cell of the grid in order; stops early (interrupted) when the signal aborts. */
export async function runGrid(config: CompareConfig, hooks: GridHooks = {}): Promise<{ runs: RunResult[]; interrupted: boolean }> {
  const cells = gridCells(config);
  const runs: RunResult[] = [];
  for (const [index, cell] of cells.entries()) {
    if (hooks.signal?.aborted) return { runs, interrupted: true };
    hooks.onRunStart?.(cell, index, cells.length);
    const result = await trainOne(config, cell, hooks);
    runs.push(result);
    hooks.onRunEnd?.(result, index, cells.length);
    if (result.status === 'aborted') return { runs, interrupted: true };
  }
  return { runs, interrupted: false };
}

/** Train one cell: fit with the test split as validation data, then evaluate both splits. */
export async function trainOne(config: CompareConfig, cell: GridCell, hooks: GridHooks = {}): Promise<RunResult> {
  const { data } = config;
  const lr = learningRate(cell.optimizer, cell.mode, config.lr, config.data.features);
  const model = buildModel(data, config.hidden, cell.activation, cell.seed, config.model);
  model.compile({ optimizer: OPTIMIZERS[cell.optimizer].make(lr), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
  const x = dd.tensor(data.train.x, [data.train.rows, ...sampleShape(data)]);
  const vx = dd.tensor(data.test.x, [data.test.rows, ...sampleShape(data)]);
  const curves: Curves = { loss: [], accuracy: [], valLoss: [], valAccuracy: [] };
  let epochsToTarget: number | null = null;
  const recorder: dd.Callback = {
    onEpochEnd(epoch, logs) {
      curves.loss.push(logs.loss);
      curves.accuracy.push(logs.accuracy);
      curves.valLoss.push(logs.valLoss);
      curves.valAccuracy.push(logs.valAccuracy);
      if (epochsToTarget === null && logs.valAccuracy >= config.target) epochsToTarget = epoch + 1;
      hooks.onEpoch?.(cell, epoch, logs);
    },
  };
  let status: RunResult['status'] = 'ok';
  const t0 = performance.now();
  try {
    await model.fit(x, data.train.y, {
      epochs: config.epochs, batchSize: batchSizeOf(cell.mode, config.batchSize), shuffle: true, seed: cell.seed,
      validationData: [vx, data.test.y], callbacks: [recorder, dd.callbacks.terminateOnNaN()], signal: hooks.signal,
      distributed: hooks.distributed, verbose: 0,
    });
  } catch (err) {
    if (isAbort(err)) status = 'aborted';
    else if (err instanceof dd.DendriteError && err.code === 'ERR_DENDRITE_NAN_LOSS') status = 'diverged';
    else throw err;
  }
  const seconds = (performance.now() - t0) / 1000;
  const train = status === 'diverged' ? null : model.evaluate(x, data.train.y, { batchSize: 1024 });
  const test = status === 'diverged' ? null : model.evaluate(vx, data.test.y, { batchSize: 1024 });
  return {
    ...cell, lr, status, epochs: curves.loss.length, seconds,
    final: {
      loss: train?.loss ?? NaN, accuracy: train?.accuracy ?? NaN,
      valLoss: test?.loss ?? NaN, valAccuracy: test?.accuracy ?? NaN,
    },
    epochsToTarget, curves,
  };
}

/** True for the AbortError fit rejects with when its signal fires. */
export function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || (err as { code?: string }).code === 'ABORT_ERR');
}
