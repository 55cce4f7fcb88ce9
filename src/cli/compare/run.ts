/**
 * The compare experiment: one MLP trained per (seed, mode, activation,
 * optimizer), with per-epoch curves, final metrics and timings. Stops
 * between batches when the AbortSignal fires and returns what it has.
 */
import * as dd from '../../index.js';
import type { Dataset } from '../../data/index.js';
import { batchSizeOf, learningRate, OPTIMIZERS, type Mode } from './grid.js';

/** Everything one compare run needs. */
export interface CompareConfig {
  data: Dataset;
  activations: string[];
  optimizers: string[];
  modes: Mode[];
  /** Seeds used: 1..seeds (the weight initialisation and the shuffling). */
  seeds: number;
  epochs: number;
  /** Rows per step in minibatch mode. */
  batchSize: number;
  /** Hidden layer widths. */
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

/** The MLP of the experiment: hidden Dense layers with `activation`, then one logit per class. */
export function buildModel(data: Dataset, hidden: number[], activation: string, seed: number): dd.Sequential {
  const layers = hidden.map((units, i) => dd.layers.dense({
    units, activation: activation as dd.ActivationName, ...(i === 0 ? { inputSize: data.features } : {}),
  }));
  layers.push(dd.layers.dense({ units: data.classes, ...(hidden.length === 0 ? { inputSize: data.features } : {}) }));
  return dd.sequential(layers, { seed });
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
  const model = buildModel(data, config.hidden, cell.activation, cell.seed);
  model.compile({ optimizer: OPTIMIZERS[cell.optimizer].make(lr), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
  const x = dd.tensor(data.train.x, [data.train.rows, data.features]);
  const vx = dd.tensor(data.test.x, [data.test.rows, data.features]);
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
      distributed: hooks.distributed,
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
