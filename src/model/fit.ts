/**
 * The training loop of Sequential.fit: epochs of shuffled (seeded) batches,
 * forward, loss, backward and one fused optimizer step per batch over
 * preallocated buffers; validation, callbacks, schedules, progress, abort.
 */
import { DendriteError, invalidDescribed, invalidParameter } from '../errors.js';
import { Random } from '../random.js';
import { LRSchedule } from '../schedule/schedule.js';
import { ReduceLROnPlateau } from '../schedule/reduce-lr-on-plateau.js';
import type { TensorLike } from '../tensor.js';
import { checkBoolean, checkInteger, checkNumber, checkOptions } from '../validate.js';
import type { Callback, Logs, TrainingControl } from './callbacks.js';
import { inputRows, targetRows, type Targets } from './data.js';
import { nativeAddon } from '../native.js';
import { JsRunner, NativeRunner, type BatchRunner } from './runners.js';
import { History } from './history.js';
import { Progress } from './progress.js';
import { evaluateRows, type Sequential } from './sequential.js';
import { checkDistributed, type Distributed } from '../distributed/communicator.js';
import { shardLength, shardOrder } from '../distributed/sampler.js';
import { agreeOnSetup, broadcastStart, reduceSpan } from '../distributed/sync.js';

export interface FitOptions {
  /** Passes over the training data (integer >= 1). Default 1. */
  epochs?: number;
  /** Rows per step: 1 = stochastic GD, N or 'full' = batch GD, else mini-batch. Default 32. */
  batchSize?: number | 'full';
  /** Reshuffle the training rows every epoch (seeded). Default true. */
  shuffle?: boolean;
  /** Seed of the shuffling. Default: the model's seed. */
  seed?: number;
  /** Fraction of the rows, taken from the end before shuffling, held out for validation, in [0, 1). Default 0. */
  validationSplit?: number;
  /** Explicit validation data [x, y] (instead of validationSplit). */
  validationData?: [TensorLike, unknown];
  /** Callbacks (hooks, earlyStopping, terminateOnNaN) and lr schedules (stepped once per epoch). */
  callbacks?: (Callback | LRSchedule | ReduceLROnPlateau)[];
  /** 0: silent; 1: a progress bar (plain lines when stdout is not a TTY). Default 0. */
  verbose?: 0 | 1;
  /** Stops training between batches; fit then rejects with an AbortError. */
  signal?: AbortSignal;
  /**
   * Data-parallel training across the ranks of `dd.distributed.init()`: batchSize is per
   * rank; every rank starts from rank 0's weights, optimizer state and shuffle seed, takes
   * its DistributedSampler-style shard of each epoch, and averages gradients every step;
   * every rank gets the same History, only rank 0 shows progress. Every rank must call fit
   * with the same model and options (checked: a mismatch rejects on every rank); any other
   * error on one rank ends the whole job (MPI_Abort) rather than leaving the others waiting.
   */
  distributed?: Distributed;
}

// Errors every rank raises together (from reduced values): fit rejects normally with them.
const COLLECTIVE_ERRORS = new Set(['ERR_DENDRITE_DISTRIBUTED_MISMATCH', 'ERR_DENDRITE_NAN_LOSS']);

export async function fitModel(model: Sequential, x: TensorLike, y: unknown, options: FitOptions): Promise<History> {
  const given = (options !== null && typeof options === 'object' ? options : {}) as FitOptions;
  const dist = checkDistributed(given.distributed);
  if (!dist || dist.size === 1) return fitRanks(model, x, y, options, null);
  try {
    return await fitRanks(model, x, y, options, dist);
  } catch (err) {
    // The other ranks would wait forever in their next collective: end the job.
    if (err instanceof DendriteError && COLLECTIVE_ERRORS.has(err.code)) throw err;
    return dist.abort(err);
  }
}

async function fitRanks(model: Sequential, x: TensorLike, y: unknown, options: FitOptions, parallel: Distributed | null): Promise<History> {
  const objective = model.objective('fit');
  const optimizer = model.optimizer!;
  const o = checkOptions(options, ['epochs', 'batchSize', 'shuffle', 'seed', 'validationSplit', 'validationData', 'callbacks', 'verbose', 'signal', 'distributed']);
  const epochs = checkInteger(o.epochs ?? 1, 'epochs', 1);
  const shuffle = checkBoolean(o.shuffle ?? true, 'shuffle');
  const seed = checkInteger(o.seed ?? model.seed, 'seed', 0, 2 ** 32 - 1);
  const split = checkNumber(o.validationSplit ?? 0, 'validationSplit', { min: 0, max: 1, maxExclusive: true });
  const verbose = o.verbose ?? 0;
  if (verbose !== 0 && verbose !== 1) throw invalidParameter('verbose', '0 or 1', verbose);
  const signal = o.signal as AbortSignal | undefined;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidParameter('signal', 'an AbortSignal', signal);
  const callbacks = (o.callbacks ?? []) as FitOptions['callbacks'];
  if (!Array.isArray(callbacks)) throw invalidParameter('callbacks', 'an array of callbacks', callbacks);

  const units = model.outputSize;
  const width = model.inputSize;
  const classes = objective.classes;
  const unit = objective.loss.name === 'binaryCrossEntropyWithLogits';
  const all = inputRows(x, width);
  const allTargets = targetRows(y, all.rows, units, classes, unit);
  let rows = all.rows;
  let validation: { data: Float32Array; rows: number; targets: Targets } | null = null;
  if (o.validationData !== undefined) {
    if (split > 0) throw invalidDescribed('validationData', 'either validationData or validationSplit', 'both');
    if (!Array.isArray(o.validationData) || o.validationData.length !== 2) throw invalidParameter('validationData', 'an array [x, y]', o.validationData);
    const v = inputRows(o.validationData[0], width, 'validationData[0]');
    validation = { ...v, targets: targetRows(o.validationData[1], v.rows, units, classes, unit, 'validationData[1]') };
  } else if (split > 0) {
    const held = Math.floor(all.rows * split);
    rows = all.rows - held;
    if (held > 0) {
      validation = {
        data: all.data.subarray(rows * width),
        rows: held,
        targets: allTargets.kind === 'classes'
          ? { kind: 'classes', data: allTargets.data.subarray(rows) }
          : { kind: 'values', data: allTargets.data.subarray(rows * units) },
      };
    }
  }
  if (rows < 1) throw invalidDescribed('x', 'at least one training row', `${rows}`);
  // Rows each rank visits per epoch (its shard; all of them in a single process).
  const epochRows = parallel ? shardLength(rows, parallel.size) : rows;
  const ranks = parallel?.size ?? 1;
  const batchSize = o.batchSize === 'full' ? epochRows : checkInteger(o.batchSize ?? 32, 'batchSize', 1);

  const hooks: Callback[] = [];
  const schedules: LRSchedule[] = [];
  const plateaus: ReduceLROnPlateau[] = [];
  let nanGuard = false;
  callbacks.forEach((c, i) => {
    if (c instanceof LRSchedule) schedules.push(c);
    else if (c instanceof ReduceLROnPlateau) plateaus.push(c);
    else if (c && typeof c === 'object') {
      hooks.push(c);
      if ((c as { terminateOnNaN?: boolean }).terminateOnNaN) nanGuard = true;
    } else throw invalidParameter(`callbacks[${i}]`, 'a callback object or a schedule', c);
  });
  const perBatch = hooks.some((h) => h.onBatchBegin || h.onBatchEnd);

  const control: TrainingControl = { stopTraining: false, getWeights: () => model.getWeights(), setWeights: (w) => model.setWeights(w) };
  const history = new History();
  const order = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  const shard = parallel ? new Uint32Array(epochRows) : order;
  const batches = Math.ceil(epochRows / batchSize);
  const targets: Targets = allTargets.kind === 'classes'
    ? { kind: 'classes', data: allTargets.data.subarray(0, rows) }
    : { kind: 'values', data: allTargets.data.subarray(0, rows * units) };
  const trainingSet = { x: all.data.subarray(0, rows * width), rows, targets, batchSize };
  const backend = model.computeBackend();
  const native = backend.name === 'cpu' ? nativeAddon() : null;
  const runner: BatchRunner = native
    ? new NativeRunner(native, model, objective, trainingSet, parallel ? parallel.bucketBytes >> 2 : 0)
    : new JsRunner(model, objective, trainingSet, backend, parallel);
  // Spans of batches per runner call: 1 with per-batch callbacks, ~20 updates per epoch with a progress bar.
  const spanSize = perBatch ? 1 : verbose === 1 ? Math.max(1, Math.ceil(batches / 20)) : batches;
  const losses = new Float64Array(spanSize);
  const correct = new Float64Array(spanSize);
  const totals = new Float64Array(3);
  const reduced = parallel ? new Float64Array(2 * spanSize + 2) : null;
  const progress = new Progress(verbose === 1 && (parallel?.isRoot ?? true), epochs, batches);
  const onAbort = () => runner.abort();
  signal?.addEventListener('abort', onAbort);
  try {
    for (const h of hooks) await h.onTrainBegin?.(control);
    let shuffleSeed = seed;
    if (parallel) {
      const params = model.parameters().map((p) => p.data);
      await agreeOnSetup(parallel, {
        parameters: params.reduce((n, p) => n + p.length, 0),
        rows,
        description: JSON.stringify([
          model.layers.map((l) => [l.inputSize, l.units, l.activation.getConfig(), l.useBias]), objective.loss.name, objective.loss.options,
          objective.accuracy, optimizer.className, epochs, o.batchSize ?? 32, shuffle, split, validation?.rows ?? 0, backend.name,
        ]),
      });
      shuffleSeed = await broadcastStart(parallel, params, optimizer, seed);
    }
    const rng = new Random(shuffleSeed);
    let logs: Logs = {};
    for (let epoch = 0; epoch < epochs && !control.stopTraining; epoch++) {
      const started = performance.now();
      for (const h of hooks) await h.onEpochBegin?.(epoch, control);
      if (shuffle) rng.shuffle(order);
      if (parallel) shardOrder(order, parallel.rank, parallel.size, shard);
      progress.startEpoch(epoch);
      let lossSum = 0;
      let hits = 0;
      for (let first = 0; first < batches; first += spanSize) {
        if (signal?.aborted) throw abortError(signal);
        if (perBatch) for (const h of hooks) await h.onBatchBegin?.(first, control);
        const count = Math.min(spanSize, batches - first);
        const done = await runner.run(shard, first, count, losses, correct, totals);
        if (parallel) await reduceSpan(parallel, done, losses, correct, totals, reduced!);
        if (nanGuard && totals[2] >= 0) {
          const batch = first + totals[2];
          throw new DendriteError(`Expected a finite loss for epoch ${epoch} batch ${batch} but received ${losses[totals[2]]} (terminateOnNaN)`, 'ERR_DENDRITE_NAN_LOSS');
        }
        lossSum += totals[0];
        hits += totals[1];
        if (perBatch) for (let i = 0; i < done; i++) for (const h of hooks) await h.onBatchEnd?.(first + i, { loss: losses[i] }, control);
        if (done < count) throw abortError(signal);
        progress.batch(first + count, lossSum / (Math.min(epochRows, (first + count) * batchSize) * ranks));
      }
      logs = { loss: lossSum / (epochRows * ranks) };
      if (objective.accuracy) logs.accuracy = hits / (epochRows * ranks * objective.perRow(units));
      if (validation) {
        const v = evaluateRows(model, objective, validation.data, validation.rows, validation.targets, Math.max(batchSize, 128));
        logs.valLoss = v.loss;
        if (v.accuracy !== undefined) logs.valAccuracy = v.accuracy;
      }
      logs.time = (performance.now() - started) / 1000;
      history.record(epoch, logs);
      progress.endEpoch(logs);
      for (const h of hooks) await h.onEpochEnd?.(epoch, logs, control);
      if (parallel) {  // one rank's callback stopping training stops every rank
        const stop = await parallel.allreduce(Float64Array.of(control.stopTraining ? 1 : 0), 'max');
        control.stopTraining = stop[0] > 0;
      }
      for (const s of schedules) s.step();
      for (const p of plateaus) p.step(logs.valLoss ?? logs.loss);
    }
    for (const h of hooks) await h.onTrainEnd?.(logs, control);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  return history;
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason = signal?.reason;
  if (reason instanceof Error) return reason;
  const err = new Error('Training was aborted');
  err.name = 'AbortError';
  return err;
}
