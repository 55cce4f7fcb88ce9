/**
 * Sequential: a stack of layers (dd.layers) trained by backpropagation and a
 * dendrite optimizer. Batch, mini-batch and stochastic gradient descent are
 * `fit` with batchSize n (or 'full'), 128/256, or 1.
 */
import { activeBackend, backendNamed } from '../backend/registry.js';
import type { Backend, BackendName } from '../backend/backend.js';
import { DendriteError, invalidDescribed, invalidParameter } from '../errors.js';
import { Layer, checkNoReaders, sameShape } from '../layer/layer.js';
import { pinMemory } from '../layer/pinned.js';
import { Optimizer, type OptimizerConfig } from '../optimizer/optimizer.js';
import { fromConfig } from '../optimizer/index.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { checkBoolean, checkInteger, checkOptions, isPlainObject } from '../validate.js';
import { inputRows, targetRows, checkFiniteRows } from './data.js';
import { Network } from './network.js';
import { nativeAddon, type NativeTrainer } from '../native.js';
import { nativeError, nativeInference, type NativeDevice } from './runners.js';
import { Objective } from './objective.js';
import { fitModel, type FitOptions } from './fit.js';
import type { History } from './history.js';
import type { LossName, Loss, ClassTargets } from '../loss/index.js';
import type { MetricSpec } from '../metrics/index.js';
import { evaluateRows, metricLogs } from './evaluation.js';
import { saveModel, saveModelWeights, type SaveOptions, type SaveWeightsOptions } from '../io/save.js';
import { registerModelClass } from '../io/model-classes.js';
import { modelToBuffer } from '../io/buffer.js';

export interface CompileOptions {
  /** A dd.optimizers instance, or its getConfig() output. */
  optimizer: Optimizer | ({ className: string } & Record<string, unknown>);
  /** A loss name or dd.loss(...). The last layer outputs logits for the cross-entropies. */
  loss: LossName | Loss;
  /**
   * Metrics reported by fit (History, validation ones as valAccuracy, valAuc ...) and evaluate,
   * by their Keras names. softmaxCrossEntropy: 'accuracy', 'topKAccuracy' (k = 5, or
   * `{ name: 'topKAccuracy', k }`), 'precision' and 'recall' (macro over the classes), 'auc'
   * (2 classes only); binaryCrossEntropyWithLogits: 'accuracy', 'precision', 'recall'
   * (at sigmoid > 0.5), 'auc' (ROC, exact); mse: 'mae', 'mse'. Another combination throws.
   * In fit's logs, the training loss and accuracy are means over the epoch's batches (as Keras);
   * the other training metrics are computed at the epoch's final weights (one forward pass over
   * the training rows in eval mode); the validation ones at the final weights too.
   */
  metrics?: MetricSpec[];
}

/** The compile options as plain data (`model.getCompileConfig()`; what model.json stores). */
export interface CompileConfig {
  /** The optimizer's getConfig() (its current lr included). */
  optimizer: OptimizerConfig;
  /** The loss name. */
  loss: LossName;
  /** The loss options, defaults included (e.g. { labelSmoothing: 0 }). */
  lossOptions: Record<string, unknown>;
  /** The metrics. */
  metrics: MetricSpec[];
}

export interface SequentialOptions {
  /** Seed of the weight initialisation (layer i uses seed + i unless it has its own). Default 0. */
  seed?: number;
  /**
   * The backend this model trains and predicts on ('js' | 'cpu' | 'cuda'), whatever
   * dd.setBackend says. Default: none, the model follows dd.setBackend. Checked at creation
   * (an unavailable backend throws ERR_DENDRITE_BACKEND_UNAVAILABLE); not saved with the model.
   */
  backend?: BackendName;
}

export interface PredictOptions {
  /** Rows per forward pass (integer >= 1). Default 128. */
  batchSize?: number;
}

export interface EvaluateOptions extends PredictOptions {
  /** Check that x and y hold only finite numbers (no NaN or Infinity) first. Default true. */
  checkFinite?: boolean;
}

/**
 * Targets y of fit and evaluate. softmaxCrossEntropy: class indices [N] (Int32Array, number[],
 * another numeric typed array, a Tensor [N] or a column [N, 1] as Keras' sparse targets) or
 * one-hot rows [N, C] (a Tensor, nested arrays or N * C flat values; exactly one 1 per row). With
 * one class, [N, 1] reads as indices (its values must be 0). Other losses: values [N, units] (a Tensor, nested
 * arrays or a flat Float32Array).
 */
export type TargetsLike = TensorLike | ClassTargets | number[][];

/** Inputs x of fit, evaluate and predict: [N, ...inputShape] or [N, inputSize]; integer ids for an embedding. */
export type InputsLike = TensorLike | Int32Array | number[];

/** Batch sizes whose buffers a model keeps (predict calls with many sizes must not grow memory). */
const MAX_CACHED_NETWORKS = 6;

/**
 * What a model holds beyond its public surface: fit, the batch runners and evaluate reach it
 * through the functions below, so the public type shows none of it.
 */
interface ModelState {
  backend: Backend | null;
  objective: Objective | null;
  grads: Float32Array[] | null;
  readonly networks: Map<number, Network>;
  /** True while a native training span runs on a worker thread and owns the weights. */
  busy: boolean;
  // forward-only native trainers per device, for predictAsync (worker thread) and predict
  readonly inference: Map<NativeDevice, NativeTrainer>;
  readonly syncInference: Map<NativeDevice, NativeTrainer>;
  /** Async passes running on `inference` now: predict then uses `syncInference` (created only then). */
  asyncPasses: number;
  /** predictAsync calls (and fit's validation passes) in flight: they hold a read lease on the weights. */
  readers: number;
  /** A fit waits for the readers to finish before it changes the weights; new readers are refused meanwhile. */
  drained: (() => void) | null;
  /** The queue of async forward passes (one native inference trainer runs one at a time). */
  predictions: Promise<unknown>;
}
const states = new WeakMap<Sequential, ModelState>();
const stateOf = (model: Sequential): ModelState => states.get(model)!;

export class Sequential {
  /** The model's layer objects (the same ones it was built from). */
  readonly layers: Layer[];
  /** Seed of the weight initialisation (layer i uses seed + i unless it has its own). */
  readonly seed: number;
  /** The model's own backend (the `backend` option), or undefined: it follows dd.setBackend. */
  readonly backend: BackendName | undefined;
  #optimizer: Optimizer | null = null;
  #fitting = false;

  constructor(layers: Layer[], options: SequentialOptions = {}) {
    const o = checkOptions(options, ['seed', 'backend']);
    this.seed = checkInteger(o.seed ?? 0, 'seed', 0, 2 ** 32 - 1);
    const backend = o.backend === undefined ? null : backendNamed(o.backend as BackendName);
    this.backend = backend?.name;
    states.set(this, {
      backend, objective: null, grads: null, networks: new Map(), busy: false, inference: new Map(), syncInference: new Map(),
      readers: 0, drained: null, predictions: Promise.resolve(), asyncPasses: 0,
    });
    if (!Array.isArray(layers) || layers.length === 0) throw invalidParameter('layers', 'a non-empty array of layers', layers);
    layers.forEach((layer, i) => {
      if (!(layer instanceof Layer)) throw invalidParameter(`layers[${i}]`, 'a layer from dd.layers', layer);
      if (i > 0 && layer.takesIds) throw invalidDescribed(`layers[${i}]`, 'an embedding only as the first layer (its input is ids)', `an embedding at position ${i}`);
    });
    if (new Set(layers).size !== layers.length) throw invalidDescribed('layers', 'each layer object once', 'a layer object given twice');
    const first = layers[0].inputShape;
    if (first === undefined) throw invalidDescribed('layers[0].inputShape', 'the input shape on the first layer (inputShape, or inputSize for dense)', 'undefined');
    this.layers = [...layers];
    let shape = first;
    this.layers.forEach((layer, i) => {
      if (!layer.built) layer.build(shape, this.seed + i);
      else if (!sameShape(layer.inputShape!, shape)) throw invalidDescribed(`layers[${i}].inputShape`, `[${shape.join(', ')}]`, `[${layer.inputShape!.join(', ')}]`);
      shape = layer.outputShape;
    });
  }

  /** Per-sample input shape. */
  get inputShape(): number[] {
    return this.layers[0].inputShape!;
  }

  /** Per-sample output shape. */
  get outputShape(): number[] {
    return this.layers[this.layers.length - 1].outputShape;
  }

  /** Input values per sample. */
  get inputSize(): number {
    return this.layers[0].inputSize;
  }

  /** Output values per sample. */
  get outputSize(): number {
    return this.layers[this.layers.length - 1].outputSize;
  }

  /** Whether x is integer ids (the model starts with an embedding). */
  get takesIds(): boolean {
    return this.layers[0].takesIds;
  }

  /** Every trainable tensor, layer by layer ([W0, b0, W1, b1, ...]). */
  parameters(): Tensor[] {
    return this.layers.flatMap((l) => l.parameters());
  }

  /** Every tensor, layer by layer, buffers (batch norm's running statistics) included: what getWeights() returns. */
  tensors(): Tensor[] {
    return this.layers.flatMap((l) => l.tensors());
  }

  /** The compiled optimizer (null before compile). */
  get optimizer(): Optimizer | null {
    return this.#optimizer;
  }

  /** Set the optimizer, the loss and the metrics. Required before fit / evaluate. */
  compile(options: CompileOptions): void {
    const o = checkOptions(options, ['optimizer', 'loss', 'metrics']);
    if (options === undefined) throw invalidParameter('options', 'an object with optimizer and loss', options);
    const optimizer = o.optimizer instanceof Optimizer ? o.optimizer
      : isPlainObject(o.optimizer) ? fromConfig(o.optimizer as never)
        : null;
    if (!optimizer) throw invalidParameter('optimizer', 'a dd.optimizers instance or its getConfig()', o.optimizer);
    stateOf(this).objective = new Objective(o.loss, o.metrics, this.outputSize);
    this.#optimizer = optimizer;
  }

  /** The compile options as plain data, or null before compile. */
  getCompileConfig(): CompileConfig | null {
    const objective = stateOf(this).objective;
    if (!this.#optimizer || !objective) return null;
    const { loss } = objective;
    return { optimizer: this.#optimizer.getConfig(), loss: loss.name, lossOptions: { ...loss.options }, metrics: objective.specs.map((m) => (typeof m === 'string' ? m : { ...m })) };
  }

  /**
   * Train. Resolves with the History once done (or stopped by a callback or
   * the AbortSignal, which rejects with an AbortError between batches).
   * @param x inputs [N, ...inputShape] (or [N, inputSize]); integer ids for a model that starts with an embedding
   * @param y softmaxCrossEntropy: class indices [N] or one-hot rows [N, C]; else values [N, units] (see TargetsLike)
   * @returns the History of each epoch's logs: `loss` and `accuracy` are means over the epoch's
   *   batches, as they trained; the other training metrics (mae, auc ...) are computed at the
   *   epoch's final weights (a forward pass over the training rows in eval mode), as the `val`
   *   ones over the validation rows.
   */
  async fit(x: InputsLike, y: TargetsLike, options: FitOptions = {}): Promise<History> {
    if (this.#fitting) {
      throw new DendriteError('Expected one fit at a time for model.fit but received a call while another fit of this model is running', 'ERR_DENDRITE_INVALID_STATE');
    }
    // the optimizer's state belongs to this model's parameters while it trains
    const release = this.#optimizer?.claimFor(this, 'model.fit');
    this.#fitting = true;
    try {
      return await fitModel(this, x, y, options);
    } finally {
      this.#fitting = false;
      release?.();
    }
  }

  /** Outputs [N, ...outputShape] for inputs [N, ...inputShape], in eval mode. Works without compile. */
  predict(x: InputsLike, options: PredictOptions = {}): Tensor {
    const batchSize = checkInteger(checkOptions(options, ['batchSize']).batchSize ?? 128, 'batchSize', 1);
    const { data, rows } = modelInputRows(this, x);
    const units = this.outputSize;
    const out = new Float32Array(rows * units);
    checkWeights(this, 'predict');
    const inference = nativeInferenceOf(this, syncCache(this));
    if (inference) {
      // the whole forward pass in one native call (its own trainer: predictAsync may be running)
      checkIdle(this, 'predict or evaluate');
      inference.predictSync(data, rows, batchSize, out);
    } else {
      forEachBatch(this, data, rows, batchSize, (output, start, count) => out.set(output.subarray(0, count * units), start * units));
    }
    return new Tensor(out, [rows, ...this.outputShape]);
  }

  /**
   * predict() off the event loop: on `cpu` (and `cuda`, resident on the GPU) the forward
   * pass runs on a native worker thread (calls on one model run one after another); on
   * `js` it runs on the event loop's thread once the calling code returns. The output comes from the weights as they
   * were when predictAsync was called: from then until it settles it holds a read lease on them
   * (a `fit` waits for it before its first update; `setWeights` throws meanwhile).
   */
  predictAsync(x: InputsLike, options: PredictOptions = {}): Promise<Tensor> {
    const state = stateOf(this);
    let input: { data: Float32Array; rows: number };
    let batchSize: number;
    try {
      checkIdle(this, 'predictAsync');
      if (state.drained) throw busyError('predictAsync');
      batchSize = checkInteger(checkOptions(options, ['batchSize']).batchSize ?? 128, 'batchSize', 1);
      // x is taken now, as the weights are: a worker thread reads it later, so it must not be
      // transferred away meanwhile (a transfer then copies it, see pinMemory)
      input = modelInputRows(this, x);
      pinMemory(input.data);
    } catch (err) {
      return Promise.reject(err);
    }
    const release = leaseWeights(this);
    return enqueue(this, async (): Promise<Tensor> => {
      const { data, rows } = input;
      checkWeights(this, 'predictAsync');
      const inference = nativeInferenceOf(this, state.inference);
      // js: computed on this thread as soon as the calling code returns (a fit on js updates the
      // weights between its batches on later turns: waiting for one would let it update them)
      if (!inference) return this.predict(new Tensor(data, [rows, this.inputSize]), { batchSize });
      const out = pinMemory(new Float32Array(rows * this.outputSize));
      await asyncPass(state, () => inference.predict(data, rows, batchSize, out));
      return new Tensor(out, [rows, ...this.outputShape]);
    }).finally(release);
  }

  /**
   * The mean loss and the compiled metrics over a data set, in eval mode: `{ loss, accuracy, ... }`
   * in compile order. x and y as for fit; NaN or Infinity in them throws unless `checkFinite: false`;
   * so does an x of no rows (a mean over nothing).
   */
  evaluate(x: InputsLike, y: TargetsLike, options: EvaluateOptions = {}): Record<string, number> {
    const objective = modelObjective(this, 'evaluate');
    objective.checkOutput(this.outputShape);
    const o = checkOptions(options, ['batchSize', 'checkFinite']);
    const batchSize = checkInteger(o.batchSize ?? 128, 'batchSize', 1);
    const finite = checkBoolean(o.checkFinite ?? true, 'checkFinite');
    const { data, rows } = modelInputRows(this, x, 'x', finite);
    // a mean over no rows is NaN: nothing to report
    if (rows < 1) throw invalidDescribed('x', 'at least one row to evaluate', `${rows}`);
    const targets = targetRows(y, rows, this.outputSize, objective.kind, 'y', finite);
    const outputs = objective.wholeSet.length ? new Float32Array(rows * this.outputSize) : null;
    const sums = evaluateRows(this, objective, data, rows, targets, batchSize, outputs);
    return metricLogs(objective, this.outputSize, rows, sums, outputs, targets);
  }

  /** Copies of every tensor, layer by layer (as Keras: batch norm's running statistics included). */
  getWeights(): Float32Array[] {
    return this.tensors().map((p) => p.data.slice());
  }

  /**
   * Overwrite every tensor (same order and sizes as getWeights()). Throws (ERR_DENDRITE_INVALID_STATE)
   * while a predictAsync is in flight: its output must come from one set of weights (await it first).
   */
  setWeights(weights: readonly Float32Array[]): void {
    checkIdle(this, 'setWeights');
    checkNoReaders(stateOf(this).readers, 'setWeights');
    const params = this.tensors();
    if (!Array.isArray(weights) || weights.length !== params.length) {
      throw invalidDescribed('weights', `${params.length} arrays (one per layer tensor)`, Array.isArray(weights) ? `${weights.length}` : String(weights));
    }
    weights.forEach((w, i) => {
      if (!(w instanceof Float32Array) || w.length !== params[i].size) throw invalidParameter(`weights[${i}]`, `a Float32Array of length ${params[i].size}`, w);
    });
    weights.forEach((w, i) => params[i].data.set(w));
  }

  /**
   * Save the model into `dir` (created if needed): model.json (architecture,
   * compile options, versions), weights.safetensors and, with the optimizer
   * state, optimizer.safetensors; `dd.loadModel(dir)` restores it. The files
   * are replaced atomically: a failed save leaves an earlier save intact.
   * Snapshots the weights when called (callbacks may save during fit).
   */
  async save(dir: string, options?: SaveOptions): Promise<void> {
    checkIdle(this, 'save');
    await saveModel(this, dir, options);
  }

  /**
   * The files of `save()` (model.json, weights, and the optimizer state per `options`) in one
   * Buffer, for a worker thread, HTTP or a database; `dd.modelFromBuffer(buffer)` restores it.
   * The buffer has its own ArrayBuffer (transferable). Snapshots the weights when called.
   */
  async toBuffer(options?: SaveOptions): Promise<Buffer<ArrayBuffer>> {
    checkIdle(this, 'toBuffer');
    return modelToBuffer(this, options);
  }

  /**
   * Write the weights to one safetensors file (atomically), in the dendrite layout (default;
   * `dd.loadWeights` reads it: `layers.<i>.<name>`, i the layer's index) or the torch layout:
   * each layer's PyTorch module state dict named `layers.<i>.<torchName>` (nn.Linear weights
   * [out, in], nn.Conv2d [out, in, kh, kw], batch norm's running_mean/running_var/
   * num_batches_tracked, ...; see SaveWeightsOptions for the mapping of every layer type).
   */
  async saveWeights(file: string, options?: SaveWeightsOptions): Promise<void> {
    checkIdle(this, 'saveWeights');
    await saveModelWeights(this, file, options);
  }

  /** A table of the layers, their output shapes and parameter counts (as Keras's model.summary()). */
  summary(): string {
    const rows = this.layers.map((l, i) => [`${l.className}_${i} (${l.toString()})`, `[null, ${l.outputShape.join(', ')}]`, String(l.countParams())]);
    const header = ['Layer (type)', 'Output shape', 'Params'];
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
    const line = (r: string[]) => r.map((v, c) => v.padEnd(widths[c])).join('  ');
    const total = this.layers.reduce((n, l) => n + l.countParams(), 0);
    const trainable = this.parameters().reduce((n, p) => n + p.size, 0);
    return [
      line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line),
      `Total params: ${total}`, `Trainable params: ${trainable}`, `Non-trainable params: ${total - trainable}`,
    ].join('\n');
  }

  /** The architecture as plain data: { className, seed, layers } (what model.json stores). */
  getConfig(): Record<string, unknown> {
    return { className: 'Sequential', seed: this.seed, layers: this.layers.map((l) => l.getConfig()) };
  }

  /** e.g. 'Sequential(Dense(64, tanh), Dense(2))'. */
  toString(): string {
    return `Sequential(${this.layers.map(String).join(', ')})`;
  }
}


// Internals of a model, for fit, the batch runners and evaluation (not exported by the package).

/** Throws while a native fit span owns the weights. */
function checkIdle(model: Sequential, action: string): void {
  if (stateOf(model).busy) throw busyError(action);
}

function busyError(action: string): DendriteError {
  return new DendriteError(`Expected an idle model for ${action} but received a model whose fit() is running (call it from a callback or after fit resolves)`, 'ERR_DENDRITE_INVALID_STATE');
}

/** Throws the house error when a tensor of the model has lost its memory (see Layer.checkAttached). */
export function checkWeights(model: Sequential, action: string): void {
  const layers = model.layers;
  for (let i = 0; i < layers.length; i++) layers[i].checkAttached(action, i);
}

/** Take a read lease on the model's weights; returns its release (call it once). Also used by src/io's save. */
export function leaseWeights(model: Sequential): () => void {
  const state = stateOf(model);
  state.readers++;
  for (const l of model.layers) l.leaseRead(1);
  return () => {
    state.readers--;
    for (const l of model.layers) l.leaseRead(-1);
    if (state.readers === 0 && state.drained) state.drained();
  };
}

/**
 * The trainers predict() runs on: the async one (its workspaces are then shared: a model used
 * both ways holds one set of them) unless an async pass is running on it right now.
 */
function syncCache(model: Sequential): Map<NativeDevice, NativeTrainer> {
  const state = stateOf(model);
  return state.asyncPasses > 0 ? state.syncInference : state.inference;
}

async function asyncPass(state: ModelState, pass: () => Promise<unknown>): Promise<void> {
  state.asyncPasses++;
  try {
    await pass();
  } catch (err) {
    throw nativeError(err);  // the native checks' messages as the house error
  } finally {
    state.asyncPasses--;
  }
}

/** Run an async forward pass after those queued before it (one inference trainer, one pass at a time). */
function enqueue<T>(model: Sequential, job: () => Promise<T>): Promise<T> {
  const state = stateOf(model);
  const result = state.predictions.then(job, job);
  state.predictions = result.catch(() => undefined);
  return result;
}

/**
 * null when no predictAsync reads the weights now, else a promise of the moment the last one
 * ends. fit calls it in a loop right before it changes the weights (`while ((wait =
 * weightsWritable(m))) await wait;`): the final check and the change are in one synchronous
 * stretch. New predictAsync calls are refused while it waits, so that a stream of them cannot
 * starve fit.
 */
export function weightsWritable(model: Sequential): Promise<void> | null {
  const state = stateOf(model);
  if (state.readers === 0) return null;
  return new Promise<void>((resolve) => {
    state.drained = () => {
      state.drained = null;
      resolve();
    };
  });
}

/**
 * The eval-mode forward pass of `rows` rows of data into out, off the event loop where the
 * backend is native (the predictAsync path, batches of batchSize); null on `js` (the caller
 * runs it batch by batch). Holds a read lease meanwhile.
 */
export function forwardAsync(model: Sequential, data: Float32Array, rows: number, batchSize: number, out: Float32Array): Promise<void> | null {
  const state = stateOf(model);
  checkWeights(model, 'fit (validation)');
  if (!nativeInferenceOf(model, state.inference)) return null;
  const release = leaseWeights(model);
  return enqueue(model, async () => {
    checkWeights(model, 'fit (validation)');
    const inference = nativeInferenceOf(model, state.inference)!;
    await asyncPass(state, () => inference.predict(pinMemory(data), rows, batchSize, pinMemory(out)));
  }).finally(release);
}

/** Mark a native training span as running on a worker thread (it owns the weights meanwhile). */
export function setBusy(model: Sequential, busy: boolean): void {
  stateOf(model).busy = busy;
}

/** The backend a model computes on now: its own, else the active one. */
export function computeBackend(model: Sequential): Backend {
  return stateOf(model).backend ?? activeBackend();
}

/** The loss and metrics (throws before compile). */
export function modelObjective(model: Sequential, action: string): Objective {
  const objective = stateOf(model).objective;
  if (!objective) {
    throw new DendriteError(`Expected a compiled model (call model.compile first) for ${action} but received an uncompiled model`, 'ERR_DENDRITE_INVALID_STATE');
  }
  return objective;
}

/** The gradient buffers, one per parameter (created once): views of one arena, see gradientArena(). */
export function modelGradients(model: Sequential): Float32Array[] {
  const state = stateOf(model);
  if (!state.grads) {
    const sizes = model.parameters().map((p) => p.size);
    // native training and the distributed reducer write it from their threads (see pinMemory)
    const arena = pinMemory(new Float32Array(sizes.reduce((a, b) => a + b, 0)));
    let offset = 0;
    state.grads = sizes.map((n) => arena.subarray(offset, (offset += n)));
  }
  return state.grads;
}

/** Every gradient in one contiguous buffer (parameter order): one allreduce covers it. */
export function gradientArena(model: Sequential): Float32Array {
  const first = modelGradients(model)[0];
  return new Float32Array(first.buffer, first.byteOffset, model.parameters().reduce((n, p) => n + p.size, 0));
}

/** The js compute core for batches of `batch` rows (cached per batch size). */
export function modelNetwork(model: Sequential, batch: number): Network {
  const backend = computeBackend(model);
  const networks = stateOf(model).networks;
  let net = networks.get(batch);
  if (net && net.steps[0].backend === backend) {
    networks.delete(batch); // most recently used last
  } else {
    if (net) networks.delete(batch);
    net = new Network(model.layers, batch, modelGradients(model), backend);
    // a few sizes are live at once (full batch, last batch, validation, predict); drop the oldest
    if (networks.size >= MAX_CACHED_NETWORKS) networks.delete(networks.keys().next().value!);
  }
  networks.set(batch, net);
  return net;
}

/** Run the layers over `rows` rows of `data` in batches; calls visit(output, start, count) after each forward. */
export function forEachBatch(model: Sequential, data: Float32Array, rows: number, batchSize: number,
  visit: (output: Float32Array, start: number, count: number) => void): void {
  checkIdle(model, 'predict or evaluate');
  checkWeights(model, 'predict or evaluate');
  const width = model.inputSize;
  if (computeBackend(model).trainer) {
    // the device's forward pass, one native call per batch (not op by op with copies)
    const inference = nativeInferenceOf(model, syncCache(model))!;
    const out = new Float32Array(Math.min(batchSize, rows) * model.outputSize);
    for (let start = 0; start < rows; start += batchSize) {
      const count = Math.min(batchSize, rows - start);
      const batchOut = out.subarray(0, count * model.outputSize);
      inference.predictSync(data.subarray(start * width, (start + count) * width), count, count, batchOut);
      visit(batchOut, start, count);
    }
    return;
  }
  for (let start = 0; start < rows; start += batchSize) {
    const count = Math.min(batchSize, rows - start);
    visit(forwardRows(model, data, start, count), start, count);
  }
}

/** The js forward pass in eval mode over rows start..start+count of `data`: the network's output (reused by the next pass). */
export function forwardRows(model: Sequential, data: Float32Array, start: number, count: number): Float32Array {
  const width = model.inputSize;
  const net = modelNetwork(model, count);
  net.input.set(data.subarray(start * width, (start + count) * width));
  net.forward(false);
  return net.output;
}

/** The rows of x, checked against the model's input (shape; ids for an embedding; finite numbers when `finite`). */
export function modelInputRows(model: Sequential, x: unknown, name = 'x', finite = false): { data: Float32Array; rows: number } {
  const rows = inputRows(x, model.inputShape, model.takesIds, name);
  model.layers[0].checkInput(rows.data, name);
  if (finite) checkFiniteRows(rows.data, model.inputSize, name);
  return rows;
}

/**
 * The native forward pass on the model's backend (the CPU kernels, or resident on the GPU),
 * created once per device in `cache`; null on `js`.
 */
function nativeInferenceOf(model: Sequential, cache: Map<NativeDevice, NativeTrainer>): NativeTrainer | null {
  const device = computeBackend(model).trainer;
  const native = device ? nativeAddon() : null;
  if (!native || !device) return null;
  let trainer = cache.get(device);
  if (!trainer) cache.set(device, (trainer = nativeInference(native, model, device)));
  return trainer;
}

/** 0, 1, ..., n-1. */
export function identity(n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

registerModelClass('Sequential', Sequential);

/** `dd.sequential([...layers], { seed })`. */
export function sequential(layers: Layer[], options?: SequentialOptions): Sequential {
  return new Sequential(layers, options);
}
