/**
 * dd.callbacks.modelCheckpoint: save the model at the end of epochs, every epoch or only
 * when the monitored metric improved (Keras' ModelCheckpoint).
 */
import { invalidDescribed, invalidParameter } from '../errors.js';
import type { Callback } from '../model/callbacks.js';
import { checkBoolean, checkOptions } from '../validate.js';
import { Monitor, type MonitorMode } from './monitor.js';
import { PathTemplate } from './path-template.js';

/** Options of dd.callbacks.modelCheckpoint: exactly one of `dir` and `file`. */
export interface ModelCheckpointOptions {
  /**
   * Where `model.save(dir)` writes the whole model (architecture, weights, optimizer state;
   * `dd.loadModel(dir)` restores it). May hold placeholders as Keras' filepath:
   * `{epoch}` (counted from 1) and any logs entry, with an optional spec:
   * `'ckpt/{epoch:03d}-{valLoss:.4f}'`. Without placeholders every save replaces the last.
   */
  dir?: string;
  /** Instead of `dir`: save the weights only, `model.saveWeights(file)` (Keras' save_weights_only); placeholders as `dir`. */
  file?: string;
  /**
   * The logs entry that saveBestOnly watches: 'valLoss', 'accuracy', ... (dendrite's logs are
   * camelCase: Keras' 'val_loss' is 'valLoss'). Default 'valLoss' when there is validation data,
   * else 'loss'. A name missing from the logs rejects fit at the first epoch's end.
   */
  monitor?: string;
  /** 'min', 'max' or 'auto' (max for names containing 'acc', 'auc', 'precision' or 'recall'). Default 'auto'. */
  mode?: MonitorMode;
  /** Save only at the epochs where the monitored value beats every earlier one. Default false. */
  saveBestOnly?: boolean;
}

/**
 * Save the model at the end of each epoch (Keras' ModelCheckpoint). The save is awaited in
 * the epoch's end (the weights are copied synchronously; the event loop stays free while the
 * files are written), so a failed save rejects fit at that epoch. Saves are atomic: an
 * interrupted run leaves the previous checkpoint intact. In a distributed fit only rank 0
 * saves (every rank checks the monitor and the placeholders, so a mistake rejects on all).
 */
export function modelCheckpoint(options: ModelCheckpointOptions): Callback {
  const o = checkOptions(options, ['dir', 'file', 'monitor', 'mode', 'saveBestOnly']);
  if ((o.dir === undefined) === (o.file === undefined)) {
    throw invalidDescribed('options', "exactly one of 'dir' (the model) and 'file' (the weights only)", o.dir === undefined ? 'neither' : 'both');
  }
  const weightsOnly = o.file !== undefined;
  const target = weightsOnly ? o.file : o.dir;
  const option = weightsOnly ? 'file' : 'dir';
  if (typeof target !== 'string' || target === '') throw invalidParameter(option, weightsOnly ? 'a file path' : 'a directory path', target);
  const path = new PathTemplate(target, `modelCheckpoint ${option}`);
  const monitor = new Monitor(o.monitor, o.mode);
  const bestOnly = checkBoolean(o.saveBestOnly ?? false, 'saveBestOnly');
  // An explicit monitor is checked even without saveBestOnly: a typo should not go unnoticed.
  const watched = bestOnly || o.monitor !== undefined;
  let best = NaN;
  return {
    onTrainBegin() {
      best = NaN;
    },
    async onEpochEnd(epoch, logs, control) {
      const value = watched ? monitor.value(logs, 'modelCheckpoint') : NaN;
      const where = path.format(epoch, logs);
      if (bestOnly) {
        if (!monitor.improves(value, best, logs)) return;
        best = value;
      }
      if (!control.isRoot) return;
      if (weightsOnly) await control.model.saveWeights(where);
      else await control.model.save(where);
    },
  };
}
