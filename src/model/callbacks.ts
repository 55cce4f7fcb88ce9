/** Training callbacks: the hooks `fit` calls, plus earlyStopping and terminateOnNaN (the others are in src/callbacks/). */
import { Monitor, type MonitorMode } from '../callbacks/monitor.js';
import { checkInteger, checkNumber, checkOptions, checkBoolean } from '../validate.js';
import type { Sequential } from './sequential.js';

/**
 * Metrics of one batch or epoch: loss, accuracy, valLoss, valAccuracy ... An epoch's loss and
 * accuracy are means over its batches (as they trained); its other training metrics (mae, auc ...)
 * are computed at the epoch's final weights, as the val ones.
 */
export type Logs = Record<string, number>;

/** Control handed to callbacks: set `stopTraining` to end `fit` after this epoch. */
export interface TrainingControl {
  stopTraining: boolean;
  /** The model being trained (Keras' `callback.model`): e.g. `control.model.save(dir)` at an epoch's end. */
  readonly model: Sequential;
  /**
   * False on the ranks other than 0 of a distributed fit (true otherwise): callbacks that write
   * files or print (modelCheckpoint, csvLogger) do it on rank 0 only, as Keras' chief worker.
   */
  readonly isRoot: boolean;
  /** Current weights (copies) and a way to put weights back (earlyStopping's restoreBestWeights). */
  getWeights(): Float32Array[];
  setWeights(weights: Float32Array[]): void;
}

/** Any subset of these hooks; `fit` awaits them if they return a Promise. */
export interface Callback {
  onTrainBegin?(control: TrainingControl): void | Promise<void>;
  onTrainEnd?(logs: Logs, control: TrainingControl): void | Promise<void>;
  onEpochBegin?(epoch: number, control: TrainingControl): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs, control: TrainingControl): void | Promise<void>;
  onBatchBegin?(batch: number, control: TrainingControl): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs, control: TrainingControl): void | Promise<void>;
}

export interface EarlyStoppingOptions {
  /**
   * The logs entry to watch (e.g. 'valLoss', 'accuracy'). Default 'valLoss' when there is
   * validation data, else 'loss'. A name missing from the logs rejects fit at the first epoch's end.
   */
  monitor?: string;
  /** Epochs without improvement before stopping (integer >= 0). Default 0. */
  patience?: number;
  /** Smallest change that counts as an improvement, >= 0. Default 0. */
  minDelta?: number;
  /** 'min' (losses), 'max' (accuracies) or 'auto' (max for names containing 'acc', 'auc', 'precision' or 'recall'). Default 'auto'. */
  mode?: MonitorMode;
  /** Put back the weights of the best epoch when stopping. Default false. */
  restoreBestWeights?: boolean;
}

/** Stop training when the monitored metric has not improved for `patience` epochs (Keras semantics). */
export function earlyStopping(options: EarlyStoppingOptions = {}): Callback {
  const o = checkOptions(options, ['monitor', 'patience', 'minDelta', 'mode', 'restoreBestWeights']);
  const patience = checkInteger(o.patience ?? 0, 'patience', 0);
  const minDelta = checkNumber(o.minDelta ?? 0, 'minDelta', { min: 0 });
  const monitor = new Monitor(o.monitor, o.mode);
  const restore = checkBoolean(o.restoreBestWeights ?? false, 'restoreBestWeights');
  let best = NaN;
  let wait = 0;
  let bestWeights: Float32Array[] | null = null;
  return {
    onTrainBegin() {
      best = NaN;
      wait = 0;
      bestWeights = null;
    },
    onEpochEnd(_epoch, logs, control) {
      const value = monitor.value(logs, 'earlyStopping');
      if (monitor.improves(value, best, logs, minDelta)) {
        best = value;
        wait = 0;
        if (restore) bestWeights = control.getWeights();
      } else if (++wait > patience) {
        control.stopTraining = true;
        if (restore && bestWeights) control.setWeights(bestWeights);
      }
    },
  };
}

/** Marker for fit: stop with a clear error as soon as a batch loss is NaN or infinite. */
export function terminateOnNaN(): Callback & { terminateOnNaN: true } {
  return { terminateOnNaN: true };
}
