/**
 * The training loop of Sequential.fit: epochs of shuffled (seeded) batches,
 * forward, loss, backward and one fused optimizer step per batch over
 * preallocated buffers; validation, callbacks, schedules, progress, abort.
 */
import { DendriteError, invalidDescribed, invalidParameter } from '../errors.js';
import { Random } from '../random.js';
import { LRSchedule } from '../schedule/schedule.js';
import { ReduceLROnPlateau } from '../schedule/reduce-lr-on-plateau.js';
import { checkBoolean, checkInteger, checkNumber, checkOptions } from '../validate.js';
import type { Callback, Logs, TrainingControl } from './callbacks.js';
import { checkFiniteRowsAsync, targetRows, type Targets } from './data.js';
import { BatchNorm } from '../layer/batch-norm.js';
import { nativeAddon } from '../native.js';
import { JsRunner, NativeRunner, type BatchRunner, type TrainingSet } from './runners.js';
import { History } from './history.js';
import { checkVerbose, Progress, type Verbosity } from './progress.js';
import { checkWeights, computeBackend, modelInputRows, modelObjective, weightsWritable, type InputsLike, type Sequential, type TargetsLike } from './sequential.js';
import { pinMemory } from '../layer/pinned.js';
import { evaluateSet, validationLogs } from './evaluation.js';
import { checkDistributed, collective, collectivesIdle, raisedTogether, reserveCollectives, together, type Distributed } from '../distributed/communicator.js';
import { shardLength, shardOrderUnchecked } from '../distributed/sampler.js';
import { agreeOnSetup, broadcastStart, broadcastTensors, reduceSpan } from '../distributed/sync.js';
import type { Objective } from './objective.js';
import type { Optimizer } from '../optimizer/optimizer.js';

export interface FitOptions {
  /** Passes over the training data (integer >= 1). Default 1. */
  epochs?: number;
  /** Rows per step: 1 = stochastic GD, N or 'full' = batch GD, else mini-batch. Default 32. */
  batchSize?: number | 'full';
  /** Reshuffle the training rows every epoch (seeded). Default true. */
  shuffle?: boolean;
  /** Seed of the shuffling. Default: the model's seed. */
  seed?: number;
  /**
   * Fraction of the rows held out for validation, in [0, 1): the LAST floor(N * split) rows of x
   * and y, taken before any shuffling (Keras' rule: shuffle the data first if its order means
   * something). Default 0.
   */
  validationSplit?: number;
  /**
   * Validation data [x, y] (instead of validationSplit), in the forms fit takes (one-hot targets
   * included), at least one row: every epoch ends with the loss and metrics over it at the epoch's
   * final weights, logged as valLoss, valAccuracy ...
   */
  validationData?: [InputsLike, TargetsLike];
  /**
   * Check that x, y (and validationData) hold only finite numbers before training: a NaN or an
   * Infinity throws, naming its row and column. false skips the pass. Default true.
   */
  checkFinite?: boolean;
  /** Callbacks (hooks, earlyStopping, terminateOnNaN) and lr schedules (stepped once per epoch). */
  callbacks?: (Callback | LRSchedule | ReduceLROnPlateau)[];
  /**
   * Progress on stderr, as Keras' verbose: 'auto' (default) a live bar when stderr is a terminal,
   * else nothing; 0 nothing; 1 a bar (one line per epoch when stderr is not a terminal); 2 one
   * line per epoch. Each epoch's line shows every entry of its logs. Only rank 0 of a distributed
   * fit shows progress.
   */
  verbose?: Verbosity;
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

export async function fitModel(model: Sequential, x: InputsLike, y: TargetsLike, options: FitOptions): Promise<History> {
  const given = (options !== null && typeof options === 'object' ? options : {}) as FitOptions;
  const dist = checkDistributed(given.distributed);
  if (!dist || dist.size === 1) return train(model, await prepare(model, x, y, options, null), null);
  // One distributed fit at a time: its collectives (some posted by the native training thread)
  // own the communicator. A second one is refused here, before any collective.
  const release = reserveCollectives();
  try {
    // collectives the application called before fit run first, on every rank
    await collectivesIdle();
    // Every rank validates first and then learns whether all succeeded: an invalid argument
    // rejects on every rank (the same error where it was invalid) instead of ending the job.
    let plan: FitPlan | null = null;
    let failure: unknown = null;
    try {
      plan = await prepare(model, x, y, options, dist);
    } catch (err) {
      failure = err;
    }
    const failed = await collective(dist, Float64Array.of(failure === null ? 0 : 1), 'max');
    if (failed[0] > 0) {
      throw together(failure instanceof Error ? failure : new DendriteError(
        'Expected every rank to start fit for distributed but received an invalid argument on another rank (its error is reported there)',
        'ERR_DENDRITE_DISTRIBUTED_PEER',
      ));
    }
    return await train(model, plan!, dist);
  } catch (err) {
    if (raisedTogether(err)) throw err;
    // The other ranks would wait forever in their next collective: end the job.
    return dist.abort(err);
  } finally {
    release();
  }
}

/** Everything fit needs, validated; no collective has run yet. */
interface FitPlan {
  objective: Objective;
  optimizer: Optimizer;
  epochs: number;
  shuffle: boolean;
  seed: number;
  split: number;
  verbose: Verbosity;
  signal: AbortSignal | undefined;
  hooks: Callback[];
  schedules: LRSchedule[];
  plateaus: ReduceLROnPlateau[];
  nanGuard: boolean;
  perBatch: boolean;
  rows: number;
  epochRows: number;
  batchSize: number;
  batchOption: unknown;
  validation: { data: Float32Array; rows: number; targets: Targets } | null;
  trainingSet: TrainingSet;
}

async function prepare(model: Sequential, x: InputsLike, y: TargetsLike, options: FitOptions, parallel: Distributed | null): Promise<FitPlan> {
  const objective = modelObjective(model, 'fit');
  const optimizer = model.optimizer!;
  const o = checkOptions(options, ['epochs', 'batchSize', 'shuffle', 'seed', 'validationSplit', 'validationData', 'callbacks', 'verbose', 'signal', 'distributed', 'checkFinite']);
  const epochs = checkInteger(o.epochs ?? 1, 'epochs', 1);
  const shuffle = checkBoolean(o.shuffle ?? true, 'shuffle');
  const seed = checkInteger(o.seed ?? model.seed, 'seed', 0, 2 ** 32 - 1);
  const split = checkNumber(o.validationSplit ?? 0, 'validationSplit', { min: 0, max: 1, maxExclusive: true });
  const verbose = checkVerbose(o.verbose);
  const signal = o.signal as AbortSignal | undefined;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidParameter('signal', 'an AbortSignal', signal);
  const callbacks = (o.callbacks ?? []) as FitOptions['callbacks'];
  if (!Array.isArray(callbacks)) throw invalidParameter('callbacks', 'an array of callbacks', callbacks);

  const units = model.outputSize;
  const width = model.inputSize;
  checkWeights(model, 'fit');
  const finite = checkBoolean(o.checkFinite ?? true, 'checkFinite');
  objective.checkOutput(model.outputShape);
  // the finite check of a large x in chunks, off the event loop's critical path
  const all = modelInputRows(model, x, 'x');
  if (finite) await checkFiniteRowsAsync(all.data, width, 'x');
  const allTargets = targetRows(y, all.rows, units, objective.kind, 'y', finite);
  let rows = all.rows;
  let validation: FitPlan['validation'] = null;
  if (o.validationData !== undefined) {
    if (split > 0) throw invalidDescribed('validationData', 'either validationData or validationSplit', 'both');
    if (!Array.isArray(o.validationData) || o.validationData.length !== 2) throw invalidParameter('validationData', 'an array [x, y]', o.validationData);
    const v = modelInputRows(model, o.validationData[0], 'validationData[0]');
    // no rows would log a NaN valLoss every epoch
    if (v.rows < 1) throw invalidDescribed('validationData[0]', 'at least one validation row', `${v.rows}`);
    if (finite) await checkFiniteRowsAsync(v.data, width, 'validationData[0]');
    validation = { ...v, targets: targetRows(o.validationData[1], v.rows, units, objective.kind, 'validationData[1]', finite) };
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
  // The native loop reads x and y from its thread for the whole fit: their ArrayBuffers must not
  // be transferred away meanwhile (a transfer then copies them; see pinMemory: the mark stays).
  pinMemory(all.data);
  pinMemory(allTargets.data);
  if (validation) {
    pinMemory(validation.data);
    pinMemory(validation.targets.data);
  }
  // Rows each rank visits per epoch (its shard; all of them in a single process).
  const epochRows = parallel ? shardLength(rows, parallel.size) : rows;
  const batchSize = o.batchSize === 'full' ? epochRows : checkInteger(o.batchSize ?? 32, 'batchSize', 1);
  checkBatchNormBatches(model, epochRows, batchSize);

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
  const targets: Targets = allTargets.kind === 'classes'
    ? { kind: 'classes', data: allTargets.data.subarray(0, rows) }
    : { kind: 'values', data: allTargets.data.subarray(0, rows * units) };
  return {
    objective, optimizer, epochs, shuffle, seed, split, verbose, signal, hooks, schedules, plateaus, nanGuard,
    perBatch: hooks.some((h) => h.onBatchBegin || h.onBatchEnd), rows, epochRows, batchSize, batchOption: o.batchSize ?? 32, validation,
    trainingSet: { x: all.data.subarray(0, rows * width), rows, targets, batchSize },
  };
}

async function train(model: Sequential, plan: FitPlan, parallel: Distributed | null): Promise<History> {
  const { objective, optimizer, epochs, shuffle, verbose, signal, hooks, schedules, plateaus, rows, epochRows, batchSize, validation } = plan;
  const units = model.outputSize;
  const ranks = parallel?.size ?? 1;
  const control: TrainingControl = { stopTraining: false, model, isRoot: parallel?.isRoot ?? true, getWeights: () => model.getWeights(), setWeights: (w) => model.setWeights(w) };
  const history = new History();
  const buffers = model.layers.flatMap((l) => l.buffers().map((t) => t.data));
  const order = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  const shard = parallel ? new Uint32Array(epochRows) : order;
  const batches = Math.ceil(epochRows / batchSize);
  const backend = computeBackend(model);
  // cpu: the native loop; cuda: the same loop resident on the GPU; js: the TypeScript loop.
  const native = backend.trainer ? nativeAddon() : null;
  const runner: BatchRunner = native
    ? new NativeRunner(native, model, objective, plan.trainingSet, parallel ? parallel.bucketBytes >> 2 : 0, backend.trainer!)
    : new JsRunner(model, objective, plan.trainingSet, backend, parallel);
  // Spans of batches per runner call: 1 with per-batch callbacks, ~20 per epoch with a progress bar
  // (or, in a distributed fit, an abort signal: ranks stop together at a span's end).
  const progress = new Progress(parallel && !parallel.isRoot ? 0 : verbose, epochs, batches);
  let spanSize = plan.perBatch ? 1 : progress.live || (parallel && signal) ? Math.max(1, Math.ceil(batches / 20)) : batches;
  let nanGuard = plan.nanGuard;
  let seed = plan.seed;
  if (parallel) {
    // Every rank must run the same collectives: agree on the setup, take the smallest span and
    // the NaN guard if any rank has it, then start from rank 0's weights, optimizer state and seed.
    const params = model.parameters().map((p) => p.data);
    const agreed = await agreeOnSetup(parallel, {
      parameters: params.reduce((n, p) => n + p.length, 0),
      rows,
      description: JSON.stringify([
        model.layers.map((l) => l.getConfig()), objective.loss.name, objective.loss.options,
        objective.specs, optimizer.getConfig(), epochs, plan.batchOption, shuffle, plan.split, validation?.rows ?? 0, backend.name,
        parallel.bucketBytes, schedules.map((s) => s.constructor.name), plateaus.length,
      ]),
      minimum: [spanSize],
      maximum: [nanGuard ? 1 : 0],
    });
    spanSize = agreed.minimum[0];
    nanGuard = agreed.maximum[0] > 0;
  }
  const losses = new Float64Array(spanSize);
  const correct = new Float64Array(spanSize);
  const totals = new Float64Array(3);
  const reduced = parallel ? new Float64Array(2 * spanSize + 3) : null;
  // In a distributed fit an abort is agreed on at the end of each span (ranks must stop together).
  const onAbort = () => runner.abort();
  if (!parallel) signal?.addEventListener('abort', onAbort);
  try {
    for (const h of hooks) await h.onTrainBegin?.(control);
    if (parallel) {
      for (let wait; (wait = weightsWritable(model)); ) await wait;
      // after onTrainBegin, so that weights a callback set on rank 0 reach every rank
      seed = await broadcastStart(parallel, model.parameters().map((p) => p.data), optimizer, seed);
      await broadcastTensors(parallel, buffers);
      control.stopTraining = await anyRank(parallel, control.stopTraining);
    }
    const rng = new Random(seed);
    let logs: Logs = {};
    for (let epoch = 0; epoch < epochs && !control.stopTraining; epoch++) {
      const started = performance.now();
      for (const h of hooks) await h.onEpochBegin?.(epoch, control);
      if (shuffle) rng.shuffle(order);
      if (parallel) shardOrderUnchecked(order, parallel.rank, parallel.size, shard);
      progress.startEpoch(epoch);
      let lossSum = 0;
      let hits = 0;
      for (let first = 0; first < batches; first += spanSize) {
        if (!parallel && signal?.aborted) throw abortError(signal);
        if (plan.perBatch) for (const h of hooks) await h.onBatchBegin?.(first, control);
        const count = Math.min(spanSize, batches - first);
        // predictAsync calls started before this span see the weights they started with
        for (let wait; (wait = weightsWritable(model)); ) await wait;
        checkWeights(model, 'fit');
        const done = await runner.run(shard, first, count, losses, correct, totals);
        if (parallel && (await reduceSpan(parallel, done, losses, correct, totals, reduced!, signal?.aborted ?? false))) {
          throw together(abortError(signal));
        }
        // Batch norm's running statistics follow each rank's own batches: rank 0's win after every
        // span (torch's DistributedDataParallel broadcasts rank 0's buffers before each forward).
        if (parallel) await broadcastTensors(parallel, buffers);
        if (nanGuard && totals[2] >= 0) {
          const batch = first + totals[2];
          throw together(new DendriteError(`Expected a finite loss for epoch ${epoch} batch ${batch} but received ${losses[totals[2]]} (terminateOnNaN)`, 'ERR_DENDRITE_NAN_LOSS'));
        }
        lossSum += totals[0];
        hits += totals[1];
        if (plan.perBatch) for (let i = 0; i < done; i++) for (const h of hooks) await h.onBatchEnd?.(first + i, { loss: losses[i] }, control);
        if (done < count) throw abortError(signal);
        progress.batch(first + count, lossSum / (Math.min(epochRows, (first + count) * batchSize) * ranks));
      }
      // In a distributed fit the padded rows (DistributedSampler repeats a few to even out the
      // shards) count too, as in PyTorch.
      logs = { loss: lossSum / (epochRows * ranks) };
      const evalBatch = Math.max(batchSize, 128);
      if (objective.wholeSet.length) {
        // The native loop counts only the loss and accuracy: the other metrics come from a
        // forward pass over the training rows at the epoch's final weights (eval mode).
        const { x: data, rows: count, targets } = plan.trainingSet;
        const whole = await evaluateSet(model, objective, data, count, targets, evalBatch, parallel);
        for (const m of objective.metrics) logs[m.name] = m.name === 'accuracy' ? hits / (epochRows * ranks * objective.perRow(units)) : whole[m.name];
      } else if (objective.accuracy) {
        logs.accuracy = hits / (epochRows * ranks * objective.perRow(units));
      }
      if (validation) Object.assign(logs, validationLogs(await evaluateSet(model, objective, validation.data, validation.rows, validation.targets, evalBatch, parallel)));
      logs.time = (performance.now() - started) / 1000;
      history.record(epoch, logs);
      progress.endEpoch(logs);
      for (const h of hooks) await h.onEpochEnd?.(epoch, logs, control);
      // one rank's callback stopping training stops every rank
      if (parallel) control.stopTraining = await anyRank(parallel, control.stopTraining);
      for (const s of schedules) s.step();
      for (const p of plateaus) p.step(logs.valLoss ?? logs.loss);
    }
    for (const h of hooks) await h.onTrainEnd?.(logs, control);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    progress.stop();
    runner.release?.();
  }
  return history;
}

/**
 * Batch norm in training needs more than one value per channel (torch refuses a batch of one
 * as well): every batch, the last one included, must give it at least two rows.
 */
function checkBatchNormBatches(model: Sequential, epochRows: number, batchSize: number): void {
  const smallest = Math.min(batchSize, epochRows % batchSize || batchSize, epochRows);
  for (const layer of model.layers) {
    if (!(layer instanceof BatchNorm)) continue;
    const perSample = layer.inputSize / layer.channels;
    if (smallest * perSample < 2) {
      throw invalidDescribed('batchSize', `batches of at least 2 rows for batch norm in training (more than one value per channel; the last batch has ${epochRows % batchSize || batchSize})`,
        `${batchSize} over ${epochRows} rows`);
    }
  }
}

/** Whether `flag` is set on any rank. */
async function anyRank(dist: Distributed, flag: boolean): Promise<boolean> {
  return (await collective(dist, Float64Array.of(flag ? 1 : 0), 'max'))[0] > 0;
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason = signal?.reason;
  if (reason instanceof Error) return reason;
  const err = new Error('Training was aborted');
  err.name = 'AbortError';
  return err;
}
