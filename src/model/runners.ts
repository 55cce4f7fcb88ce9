/**
 * Batch runners: they train a span of an epoch's batches. The native runner
 * runs the whole span in one worker-thread call (no JS work per step); the js
 * runner is the same loop in TypeScript on the active backend.
 */
import type { Backend } from '../backend/backend.js';
import { collective, type Distributed } from '../distributed/communicator.js';
import { DendriteError } from '../errors.js';
import type { NativeAddon, NativeTrainer, NativeTrainerLayer } from '../native.js';
import { gatherRows, type Targets } from './data.js';
import type { Objective } from './objective.js';
import { gradientArena, modelGradients, modelNetwork, setBusy, type Sequential } from './sequential.js';

export interface BatchRunner {
  /**
   * Train batches first .. first+count-1 of the epoch visiting rows in `order` (this
   * rank's shard in data-parallel training, whose gradients are then averaged across ranks):
   * writes each batch's loss (before its update) to losses[i], its correct
   * predictions to correct[i], and [row-weighted loss sum, correct predictions,
   * index of the first non-finite loss or -1] to totals; resolves with the
   * number of batches done (fewer after abort()).
   */
  run(order: Uint32Array, first: number, count: number, losses: Float64Array, correct: Float64Array, totals: Float64Array): Promise<number>;
  /** Stop between batches. */
  abort(): void;
  /** The fit is over: free what it held (a device trainer's copy of the training data). */
  release?(): void;
}

export interface TrainingSet {
  x: Float32Array;
  rows: number;
  targets: Targets;
  batchSize: number;
}

// The js runner yields to the event loop at least this often (ms).
const YIELD_EVERY_MS = 8;

export class JsRunner implements BatchRunner {
  #aborted = false;
  readonly #targetBuffers = new Map<number, Int32Array | Float32Array>();

  constructor(private readonly model: Sequential, private readonly objective: Objective, private readonly data: TrainingSet,
    private readonly backend: Backend, private readonly parallel: Distributed | null = null) {}

  async run(order: Uint32Array, first: number, count: number, losses: Float64Array, correct: Float64Array, totals: Float64Array): Promise<number> {
    this.#aborted = false;
    totals.fill(0);
    totals[2] = -1;
    const { model, objective, data, backend } = this;
    const units = model.outputSize;
    const params = model.parameters().map((p) => p.data);
    const grads = modelGradients(model);
    const gradArena = this.parallel ? gradientArena(model) : null;
    const optimizer = model.optimizer!;
    let lastYield = performance.now();
    for (let i = 0; i < count; i++) {
      if (this.#aborted) return i;
      const start = (first + i) * data.batchSize;
      const rows = Math.min(data.batchSize, order.length - start);
      const net = modelNetwork(model, rows);
      let targets = this.#targetBuffers.get(rows);
      if (!targets) this.#targetBuffers.set(rows, (targets = objective.buffer(rows, units)));
      gatherRows(net.input, data.x, model.inputSize, order, start, rows);
      objective.gather(targets, data.targets, units, order, start, rows);
      net.forward(true);
      losses[i] = objective.batchLoss(backend, net.output, targets, rows, units, net.outputGrad);
      correct[i] = objective.accuracy ? objective.correct(net.output, targets, rows, units) : 0;
      if (totals[2] < 0 && !Number.isFinite(losses[i])) totals[2] = i;
      totals[0] += losses[i] * rows;
      totals[1] += correct[i];
      net.backward();
      if (gradArena) await collective(this.parallel!, gradArena, 'avg');
      optimizer.stepOn(backend, params, grads);
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
    return count;
  }

  abort(): void {
    this.#aborted = true;
  }
}

/**
 * A native trainer's error as the house error: its checks at the start of a call (a detached or
 * resized array) and in its loop (a row index or class label out of range) speak the house
 * format already (`Expected ... for ... but received ...`); anything else (a device failure) is
 * returned unchanged.
 */
export function nativeError(err: unknown): unknown {
  if (err instanceof DendriteError || !(err instanceof Error) || !err.message.startsWith('Expected ')) return err;
  return new DendriteError(err.message, 'ERR_DENDRITE_INVALID_ARGUMENT');
}

/** The model's layers as the native trainer sees them (views of the same tensors). */
export function nativeLayers(model: Sequential): NativeTrainerLayer[] {
  return model.layers.map((l) => l.nativeSpec());
}

/** A native forward-only runner (no optimizer state) for predict and predictAsync. */
export function nativeInference(native: NativeAddon, model: Sequential, device: NativeDevice = 'cpu'): NativeTrainer {
  return new native.NativeTrainer({
    layers: nativeLayers(model), loss: 'mse', labelSmoothing: 0, accuracy: false, optimizer: 'sgd', slots: 0, state: new Float32Array(0), coeffCount: 0,
    device,
  });
}

interface CachedTrainer {
  objective: Objective;
  state: Float32Array;
  device: NativeDevice;
  trainer: NativeTrainer;
}
/** Where a native training loop runs: the CPU kernels, resident on the GPU, or that over the CUDA math on the CPU. */
export type NativeDevice = 'cpu' | 'cuda' | 'deviceMath';
// One native trainer per model, reused by later fits while the compiled objective and the
// optimizer's state arena stay the same (its buffers are allocated once, not per fit).
const trainers = new WeakMap<Sequential, CachedTrainer>();

export class NativeRunner implements BatchRunner {
  readonly #trainer: NativeTrainer;

  /**
   * device 'cuda': the loop runs resident on the GPU (weights, gradients, optimizer state and
   * data stay there within a span). bucketElements > 0: average gradients across the started
   * communicator's ranks (data-parallel).
   */
  constructor(native: NativeAddon, private readonly model: Sequential, objective: Objective, private readonly data: TrainingSet,
    private readonly bucketElements = 0, device: NativeDevice = 'cpu') {
    const optimizer = model.optimizer!;
    const { kernel, slots, state } = optimizer.nativeState(model.parameters().map((p) => p.data));
    const cached = trainers.get(model);
    if (cached && cached.objective === objective && cached.state === state && cached.device === device) {
      this.#trainer = cached.trainer;
      return;
    }
    this.#trainer = new native.NativeTrainer({
      layers: nativeLayers(model),
      loss: objective.loss.name,
      labelSmoothing: (objective.loss.options as { labelSmoothing?: number }).labelSmoothing ?? 0,
      accuracy: objective.accuracy,
      optimizer: kernel,
      slots,
      state,
      coeffCount: optimizer.stepCoefficientCount,
      device,
    });
    trainers.set(model, { objective, state, device, trainer: this.#trainer });
  }

  async run(order: Uint32Array, first: number, count: number, losses: Float64Array, correct: Float64Array, totals: Float64Array): Promise<number> {
    const { data, model } = this;
    const optimizer = model.optimizer!;
    const coeffs = optimizer.planSteps(count);
    setBusy(model, true);
    try {
      const done = await this.#trainer.run(data.x, data.rows, data.targets.data, order, data.batchSize, first, count, coeffs, losses, correct, totals,
        this.bucketElements);
      optimizer.commitSteps(done);
      return done;
    } catch (err) {
      // A span stopped by bad data (e.g. a label changed in place to an out-of-range class) has
      // done `done` batches: their updates are in the weights, so the optimizer counts them.
      const done = (err as { done?: unknown } | null)?.done;
      if (typeof done === 'number' && done > 0) optimizer.commitSteps(done);
      throw nativeError(err);
    } finally {
      setBusy(model, false);
    }
  }

  abort(): void {
    this.#trainer.abort();
  }

  release(): void {
    this.#trainer.forgetData();
  }
}
