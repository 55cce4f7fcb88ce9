/**
 * Sequential: a stack of layers (dd.layers) trained by backpropagation and a
 * dendrite optimizer. Batch, mini-batch and stochastic gradient descent are
 * `fit` with batchSize n (or 'full'), 128/256, or 1.
 */
import { activeBackend, backendNamed } from '../backend/registry.js';
import type { Backend, BackendName } from '../backend/backend.js';
import { DendriteError, invalidDescribed, invalidParameter } from '../errors.js';
import { Layer, sameShape } from '../layer/layer.js';
import { Optimizer, type OptimizerConfig } from '../optimizer/optimizer.js';
import { fromConfig } from '../optimizer/index.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { checkInteger, checkOptions, isPlainObject } from '../validate.js';
import { inputRows, targetRows, gatherRows, type Targets } from './data.js';
import { Network } from './network.js';
import { nativeAddon, type NativeTrainer } from '../native.js';
import { nativeInference, type NativeDevice } from './runners.js';
import { Objective } from './objective.js';
import { fitModel, type FitOptions } from './fit.js';
import type { History } from './history.js';
import type { LossName, Loss } from '../loss/index.js';
import { saveModel, saveModelWeights, type SaveOptions, type SaveWeightsOptions } from '../io/save.js';
import { registerModelClass } from '../io/model-classes.js';

export interface CompileOptions {
  /** A dd.optimizers instance, or its getConfig() output. */
  optimizer: Optimizer | ({ className: string } & Record<string, unknown>);
  /** A loss name or dd.loss(...). The last layer outputs logits for the cross-entropies. */
  loss: LossName | Loss;
  /** ['accuracy'] to report accuracy (classification losses only). */
  metrics?: 'accuracy'[];
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
  metrics: 'accuracy'[];
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

export interface EvaluateOptions {
  /** Rows per forward pass (integer >= 1). Default 128. */
  batchSize?: number;
}

/** Batch sizes whose buffers a model keeps (predict calls with many sizes must not grow memory). */
const MAX_CACHED_NETWORKS = 6;

export class Sequential {
  /** The model's layer objects (the same ones it was built from). */
  readonly layers: Layer[];
  readonly seed: number;
  /** The model's own backend (the `backend` option), or undefined: it follows dd.setBackend. */
  readonly backend: BackendName | undefined;
  #backend: Backend | null;
  #optimizer: Optimizer | null = null;
  #objective: Objective | null = null;
  #grads: Float32Array[] | null = null;
  readonly #networks = new Map<number, Network>();
  #busy = false;
  #fitting = false;
  // forward-only native trainers per device, for predictAsync (worker thread) and predict
  readonly #inference = new Map<NativeDevice, NativeTrainer>();
  readonly #syncInference = new Map<NativeDevice, NativeTrainer>();
  #predictions: Promise<unknown> = Promise.resolve();

  constructor(layers: Layer[], options: SequentialOptions = {}) {
    const o = checkOptions(options, ['seed', 'backend']);
    this.seed = checkInteger(o.seed ?? 0, 'seed', 0, 2 ** 32 - 1);
    this.#backend = o.backend === undefined ? null : backendNamed(o.backend as BackendName);
    this.backend = this.#backend?.name;
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

  /** The backend this model computes on now: its own, else the active one (internal). */
  computeBackend(): Backend {
    return this.#backend ?? activeBackend();
  }

  /** Every trainable tensor, layer by layer ([W0, b0, W1, b1, ...]). */
  parameters(): Tensor[] {
    return this.layers.flatMap((l) => l.parameters());
  }

  /** Every tensor, layer by layer, buffers (batch norm's running statistics) included: what getWeights() returns. */
  tensors(): Tensor[] {
    return this.layers.flatMap((l) => l.tensors());
  }

  /** True while a native training span runs on a worker thread and owns the weights. */
  get busy(): boolean {
    return this.#busy;
  }
  set busy(value: boolean) {
    this.#busy = value;
  }

  #checkIdle(action: string): void {
    if (this.#busy) {
      throw new DendriteError(`Expected an idle model for ${action} but received a model whose fit() is running (call it from a callback or after fit resolves)`, 'ERR_DENDRITE_INVALID_STATE');
    }
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
    this.#objective = new Objective(o.loss, o.metrics);
    this.#optimizer = optimizer;
  }

  /** The compile options as plain data, or null before compile. */
  getCompileConfig(): CompileConfig | null {
    if (!this.#optimizer || !this.#objective) return null;
    const { loss, accuracy } = this.#objective;
    return { optimizer: this.#optimizer.getConfig(), loss: loss.name, lossOptions: { ...loss.options }, metrics: accuracy ? ['accuracy'] : [] };
  }

  /** The loss and metrics (throws before compile). */
  objective(action: string): Objective {
    if (!this.#objective) {
      throw new DendriteError(`Expected a compiled model (call model.compile first) for ${action} but received an uncompiled model`, 'ERR_DENDRITE_INVALID_STATE');
    }
    return this.#objective;
  }

  /** The gradient buffers, one per parameter (created once): views of one arena, see gradientArena(). */
  gradients(): Float32Array[] {
    if (!this.#grads) {
      const sizes = this.parameters().map((p) => p.size);
      const arena = new Float32Array(sizes.reduce((a, b) => a + b, 0));
      let offset = 0;
      this.#grads = sizes.map((n) => arena.subarray(offset, (offset += n)));
    }
    return this.#grads;
  }

  /** Every gradient in one contiguous buffer (parameter order): one allreduce covers it. */
  gradientArena(): Float32Array {
    const first = this.gradients()[0];
    return new Float32Array(first.buffer, first.byteOffset, this.parameters().reduce((n, p) => n + p.size, 0));
  }

  /** The js compute core for batches of `batch` rows (cached per batch size). */
  network(batch: number): Network {
    const backend = this.computeBackend();
    let net = this.#networks.get(batch);
    if (net && net.steps[0].backend === backend) {
      this.#networks.delete(batch); // most recently used last
    } else {
      if (net) this.#networks.delete(batch);
      net = new Network(this.layers, batch, this.gradients(), backend);
      // a few sizes are live at once (full batch, last batch, validation, predict); drop the oldest
      if (this.#networks.size >= MAX_CACHED_NETWORKS) this.#networks.delete(this.#networks.keys().next().value!);
    }
    this.#networks.set(batch, net);
    return net;
  }

  /**
   * Train. Resolves with the History once done (or stopped by a callback or
   * the AbortSignal, which rejects with an AbortError between batches).
   * @param x inputs [N, ...inputShape] (or [N, inputSize]); integer ids for a model that starts with an embedding
   * @param y class indices [N] for softmaxCrossEntropy (Tensor, Int32Array, number[]), else values [N, units]
   */
  async fit(x: TensorLike | Int32Array | number[], y: unknown, options: FitOptions = {}): Promise<History> {
    if (this.#fitting) {
      throw new DendriteError('Expected one fit at a time for model.fit but received a call while another fit of this model is running', 'ERR_DENDRITE_INVALID_STATE');
    }
    this.#fitting = true;
    try {
      return await fitModel(this, x, y, options);
    } finally {
      this.#fitting = false;
    }
  }

  /** Run the layers over `rows` rows of `data` in batches; calls visit(net, start, count) after each forward. */
  forEachBatch(data: Float32Array, rows: number, batchSize: number, visit: (output: Float32Array, start: number, count: number) => void): void {
    this.#checkIdle('predict or evaluate');
    const width = this.inputSize;
    const backend = this.computeBackend();
    if (backend.trainer) {
      // the device's forward pass, one native call per batch (not op by op with copies)
      const inference = this.#nativeInference(this.#syncInference)!;
      const out = new Float32Array(Math.min(batchSize, rows) * this.outputSize);
      for (let start = 0; start < rows; start += batchSize) {
        const count = Math.min(batchSize, rows - start);
        const batchOut = out.subarray(0, count * this.outputSize);
        inference.predictSync(data.subarray(start * width, (start + count) * width), count, count, batchOut);
        visit(batchOut, start, count);
      }
      return;
    }
    const order = identity(rows);
    for (let start = 0; start < rows; start += batchSize) {
      const count = Math.min(batchSize, rows - start);
      const net = this.network(count);
      gatherRows(net.input, data, width, order, start, count);
      net.forward(false);
      visit(net.output, start, count);
    }
  }

  /** The rows of x, checked against the model's input (shape; ids for an embedding). */
  inputRows(x: unknown, name = 'x'): { data: Float32Array; rows: number } {
    const rows = inputRows(x, this.inputShape, this.takesIds, name);
    this.layers[0].checkInput(rows.data, name);
    return rows;
  }

  /** Outputs [N, ...outputShape] for inputs [N, ...inputShape], in eval mode. Works without compile. */
  predict(x: TensorLike | Int32Array | number[], options: EvaluateOptions = {}): Tensor {
    const batchSize = checkInteger(checkOptions(options, ['batchSize']).batchSize ?? 128, 'batchSize', 1);
    const { data, rows } = this.inputRows(x);
    const units = this.outputSize;
    const out = new Float32Array(rows * units);
    const inference = this.#nativeInference(this.#syncInference);
    if (inference) {
      // the whole forward pass in one native call (its own trainer: predictAsync may be running)
      this.#checkIdle('predict or evaluate');
      inference.predictSync(data, rows, batchSize, out);
    } else {
      this.forEachBatch(data, rows, batchSize, (output, start, count) => out.set(output.subarray(0, count * units), start * units));
    }
    return new Tensor(out, [rows, ...this.outputShape]);
  }

  /**
   * predict() off the event loop: on `cpu` (and `cuda`, resident on the GPU) the forward
   * pass runs on a native worker thread (calls on one model run one after another); on
   * `js` it runs on a later turn of the event loop.
   */
  predictAsync(x: TensorLike | Int32Array | number[], options: EvaluateOptions = {}): Promise<Tensor> {
    const run = async (): Promise<Tensor> => {
      const batchSize = checkInteger(checkOptions(options, ['batchSize']).batchSize ?? 128, 'batchSize', 1);
      const inference = this.#nativeInference(this.#inference);
      if (!inference) {
        await new Promise((resolve) => setImmediate(resolve));
        return this.predict(x, options);
      }
      this.#checkIdle('predictAsync');
      const { data, rows } = this.inputRows(x);
      const out = new Float32Array(rows * this.outputSize);
      await inference.predict(data, rows, batchSize, out);
      return new Tensor(out, [rows, ...this.outputShape]);
    };
    const result = this.#predictions.then(run, run);
    this.#predictions = result.catch(() => undefined);
    return result;
  }

  /**
   * The native forward pass on this model's backend (the CPU kernels, or resident on the GPU),
   * created once per device in `cache`; null on `js`.
   */
  #nativeInference(cache: Map<NativeDevice, NativeTrainer>): NativeTrainer | null {
    const device = this.computeBackend().trainer;
    const native = device ? nativeAddon() : null;
    if (!native || !device) return null;
    let trainer = cache.get(device);
    if (!trainer) cache.set(device, (trainer = nativeInference(native, this, device)));
    return trainer;
  }

  /** Mean loss (and accuracy when compiled with it) over a data set. */
  evaluate(x: TensorLike | Int32Array | number[], y: unknown, options: EvaluateOptions = {}): Record<string, number> {
    const objective = this.objective('evaluate');
    objective.checkOutput(this.outputShape);
    const batchSize = checkInteger(checkOptions(options, ['batchSize']).batchSize ?? 128, 'batchSize', 1);
    const { data, rows } = this.inputRows(x);
    const targets = targetRows(y, rows, this.outputSize, objective.classes, objective.loss.name === 'binaryCrossEntropyWithLogits');
    return evaluateRows(this, objective, data, rows, targets, batchSize);
  }

  /** Copies of every tensor, layer by layer (as Keras: batch norm's running statistics included). */
  getWeights(): Float32Array[] {
    return this.tensors().map((p) => p.data.slice());
  }

  /** Overwrite every tensor (same order and sizes as getWeights()). */
  setWeights(weights: readonly Float32Array[]): void {
    this.#checkIdle('setWeights');
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
    this.#checkIdle('save');
    await saveModel(this, dir, options);
  }

  /**
   * Write the weights to one safetensors file (atomically), in the dendrite layout (default;
   * `dd.loadWeights` reads it: `layers.<i>.<name>`, i the layer's index) or the torch layout:
   * each layer's PyTorch module state dict named `layers.<i>.<torchName>` (nn.Linear weights
   * [out, in], nn.Conv2d [out, in, kh, kw], batch norm's running_mean/running_var/
   * num_batches_tracked, ...; see SaveWeightsOptions for the mapping of every layer type).
   */
  async saveWeights(file: string, options?: SaveWeightsOptions): Promise<void> {
    this.#checkIdle('saveWeights');
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

  getConfig(): Record<string, unknown> {
    return { className: 'Sequential', seed: this.seed, layers: this.layers.map((l) => l.getConfig()) };
  }

  toString(): string {
    return `Sequential(${this.layers.map(String).join(', ')})`;
  }
}

/** 0, 1, ..., n-1. */
export function identity(n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

/** Mean loss (weighted by rows) and accuracy over rows of a data set. */
export function evaluateRows(model: Sequential, objective: Objective, data: Float32Array, rows: number, targets: Targets, batchSize: number): Record<string, number> {
  const units = model.outputSize;
  const order = identity(rows);
  const backend = model.computeBackend();
  let lossSum = 0;
  let correct = 0;
  const buffers = new Map<number, Int32Array | Float32Array>();
  model.forEachBatch(data, rows, batchSize, (output, start, count) => {
    let buf = buffers.get(count);
    if (!buf) buffers.set(count, (buf = objective.buffer(count, units)));
    objective.gather(buf, targets, units, order, start, count);
    const batch = output.subarray(0, count * units);
    lossSum += objective.batchLoss(backend, batch, buf, count, units, null) * count;
    if (objective.accuracy) correct += objective.correct(batch, buf, count, units);
  });
  const logs: Record<string, number> = { loss: lossSum / rows };
  if (objective.accuracy) logs.accuracy = correct / (rows * objective.perRow(units));
  return logs;
}

registerModelClass('Sequential', Sequential);

/** `dd.sequential([...layers], { seed })`. */
export function sequential(layers: Layer[], options?: SequentialOptions): Sequential {
  return new Sequential(layers, options);
}
