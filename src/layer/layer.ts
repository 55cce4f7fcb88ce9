/**
 * The layer contract. Each layer type is one class (one file) that owns its options and
 * their validation, its output shape, its tensors (trainable parameters and buffers such
 * as batch norm's running statistics), its `js` forward/backward (the oracle of the
 * native layers in native/layers/) and the spec the native engine builds it from.
 * Shapes are per sample (no batch axis); images are channels-last [H, W, C].
 *
 * As building blocks, layers compute on their own: `forward(x, { training })` and
 * `backward(x, dy, { training })` run on the active backend (the native layer on `cpu`
 * and `cuda`, the TypeScript oracle on `js`).
 */
import type { Backend } from '../backend/backend.js';
import { activeBackend } from '../backend/registry.js';
import { DendriteError, invalidDescribed, invalidParameter } from '../errors.js';
import { nativeAddon, type NativeLayer } from '../native.js';
import { Random } from '../random.js';
import { Tensor, sizeOf, toTensor, type TensorLike } from '../tensor.js';
import { checkBoolean, checkInteger, checkOptions, isPlainObject } from '../validate.js';
import { pinMemory } from './pinned.js';

/** The names of layer tensors (Keras's, except `weight` for every kernel and table). */
export const WEIGHT_NAMES = ['weight', 'bias', 'gamma', 'beta', 'movingMean', 'movingVariance'] as const;
export type WeightName = (typeof WEIGHT_NAMES)[number];

/** A layer's tensors by name (those it has). */
export type LayerWeights = Partial<Record<WeightName, Tensor>>;

/** One tensor a layer has, once its input shape is known. */
export interface WeightSpec {
  name: WeightName;
  shape: number[];
  /** false for buffers (batch norm's running statistics): saved and loaded, never optimised. */
  trainable: boolean;
  /** The initial values. */
  init(out: Float32Array, rng: Random): void;
}

/** What a layer's js forward and backward get for one batch (the native LayerStep's twin). */
export interface JsStep {
  backend: Backend;
  rows: number;
  training: boolean;
  /** [rows, inputSize]. */
  x: Float32Array;
  /** [rows, outputSize]. */
  y: Float32Array;
  /** d loss / d y (backward may overwrite it). */
  dy: Float32Array;
  /** d loss / d x to write, or null when nothing needs it. */
  dx: Float32Array | null;
  /** The layer's tensors in weightSpecs() order. */
  tensors: Float32Array[];
  /** Their gradients (null for buffers), written (not accumulated) by backward. */
  grads: (Float32Array | null)[];
  /** scratchSize(rows) floats, kept from forward to backward. */
  scratch: Float32Array;
}

/** The native engine's description of a layer (native/include/dendrite/layer.h LayerConfig). */
export interface NativeLayerSpec {
  type: string;
  inShape: number[];
  outShape: number[];
  options: Record<string, number | string | boolean>;
  tensors: Record<string, Float32Array>;
  counter?: Uint32Array;
}

export interface ForwardOptions {
  /** Training mode: batch statistics (batch norm updates its running ones), dropout masks. Default false. */
  training?: boolean;
}

/** The result of `layer.backward`: the input gradient (null for embedding) and one gradient per trainable tensor. */
export interface LayerGradients {
  dx: Tensor | null;
  grads: LayerWeights;
}

export interface LayerOptions {
  /** The per-sample input shape; required on a model's first layer, inferred for the others. */
  inputShape?: number[];
  /** Seed of this layer's initializer (default: derived from the model's seed). */
  seed?: number;
}

let initializing = true;

/**
 * Run `make` (e.g. a Sequential's construction) with layers built with zero tensors instead
 * of their initializers: for a loader that overwrites every tensor from a file, so a big
 * model is not initialised (seconds of main-thread work) only to be overwritten.
 */
export function withoutInitialization<T>(make: () => T): T {
  initializing = false;
  try {
    return make();
  } finally {
    initializing = true;
  }
}

export abstract class Layer {
  /** The layer type in configs and the native engine (e.g. 'conv2d'). */
  abstract readonly className: string;
  readonly seed: number | undefined;
  #inputShape: number[] | undefined;
  #outputShape: number[] | undefined;
  #specs: WeightSpec[] = [];
  #tensors: Tensor[] = [];
  #sizes: number[] = [];
  // the native layer of the last backend a standalone call ran on (its scratch is kept between calls)
  #native: { backend: Backend; layer: NativeLayer } | null = null;
  // in-flight predictAsync calls of a model reading these tensors (setWeights must not write under them)
  #readers = 0;

  protected constructor(options: LayerOptions) {
    this.#inputShape = options.inputShape === undefined ? undefined : checkInputShape(options.inputShape, 'inputShape');
    this.seed = options.seed === undefined ? undefined : checkInteger(options.seed, 'seed', 0, 2 ** 32 - 1);
  }

  /** The output shape for an input shape (validated: throws the house error when the input does not fit). */
  protected abstract outputShapeFor(inputShape: number[]): number[];
  /** The tensors for an input shape (none by default). */
  protected weightSpecs(_inputShape: number[]): WeightSpec[] {
    return [];
  }
  /** Floats of per-batch scratch the js forward keeps for backward. */
  scratchSize(_rows: number): number {
    return 0;
  }
  /** True when the output is the input itself (flatten): no compute, shared buffers. */
  get passesThrough(): boolean {
    return false;
  }
  /** True when the input is integer ids rather than values (embedding: no input gradient). */
  get takesIds(): boolean {
    return false;
  }
  /** Checks input values beyond their shape (embedding: ids in range). */
  checkInput(_x: Float32Array, _name: string): void {}
  /** Checks a standalone forward/backward's batch size for the mode (batch norm: two values per channel in training). */
  protected checkBatch(_rows: number, _training: boolean): void {}
  /** js forward of one batch. */
  abstract forwardJs(s: JsStep): void;
  /** js backward of one batch (after forwardJs on the same step). */
  abstract backwardJs(s: JsStep): void;
  /** The options the native layer reads (native/layers/<type>.cc). */
  protected abstract nativeOptions(): Record<string, number | string | boolean>;
  /** The layer's own options (without className, inputShape and seed). */
  protected abstract configOptions(): Record<string, unknown>;
  /** A short description, e.g. 'Conv2D(32, 3x3, same, relu)'. */
  abstract toString(): string;

  /** Per-sample input shape, known once built (or when configured). */
  get inputShape(): number[] | undefined {
    return this.#inputShape && [...this.#inputShape];
  }
  /** Per-sample output shape, known once built. */
  get outputShape(): number[] {
    if (!this.#outputShape) throw this.#unbuilt();
    return [...this.#outputShape];
  }
  get inputSize(): number {
    if (!this.#inputShape) throw this.#unbuilt();
    return sizeOf(this.#inputShape);
  }
  get outputSize(): number {
    return sizeOf(this.outputShape);
  }
  /** Whether the tensors exist. */
  get built(): boolean {
    return this.#outputShape !== undefined;
  }

  /**
   * Create the tensors for `inputShape` (seeded: the layer's seed, else `seed`). A layer
   * configured with an inputShape must get that one.
   */
  build(inputShape: number[], seed = 0): void {
    const shape = checkInputShape(inputShape, 'inputShape');
    if (this.#inputShape !== undefined && !sameShape(this.#inputShape, shape)) {
      throw invalidDescribed('inputShape', `[${this.#inputShape.join(', ')}] (as configured)`, `[${shape.join(', ')}] from the previous layer`);
    }
    const out = this.outputShapeFor(shape);
    const specs = this.weightSpecs(shape);
    const rng = new Random(this.seed ?? seed);
    this.#tensors = specs.map((s) => {
      // native code reads and writes this memory from its threads: it must never be detached
      const data = pinMemory(new Float32Array(sizeOf(s.shape)));
      if (initializing) s.init(data, rng); // else zeros: a loader fills every tensor (withoutInitialization)
      return new Tensor(data, s.shape);
    });
    this.#specs = specs;
    this.#sizes = specs.map((s) => sizeOf(s.shape));
    this.#inputShape = shape;
    this.#outputShape = out;
    this.#native = null;
  }

  /**
   * The output shape and the tensors' names and shapes for `inputShape`, computed without
   * allocating anything (a loader checks a config against its weights file before build).
   */
  shapesFor(inputShape: number[]): { outputShape: number[]; tensors: { name: WeightName; shape: number[] }[] } {
    const shape = checkInputShape(inputShape, 'inputShape');
    if (this.#inputShape !== undefined && !sameShape(this.#inputShape, shape)) {
      throw invalidDescribed('inputShape', `[${this.#inputShape.join(', ')}] (as configured)`, `[${shape.join(', ')}] from the previous layer`);
    }
    return { outputShape: this.outputShapeFor(shape), tensors: this.weightSpecs(shape).map((s) => ({ name: s.name, shape: s.shape })) };
  }

  /** Every tensor, in a fixed order (trainable and buffers). */
  tensors(): Tensor[] {
    return [...this.#tensors];
  }
  /** The tensors' descriptions, in tensors() order. */
  specs(): readonly WeightSpec[] {
    return this.#specs;
  }
  /** The trainable tensors, in order (e.g. [weight, bias]). */
  parameters(): Tensor[] {
    return this.#tensors.filter((_, i) => this.#specs[i].trainable);
  }
  /** The non-trainable tensors (batch norm's running statistics). */
  buffers(): Tensor[] {
    return this.#tensors.filter((_, i) => !this.#specs[i].trainable);
  }
  /** The tensor named `name`, or null when the layer has none of that name. */
  tensor(name: WeightName): Tensor | null {
    const i = this.#specs.findIndex((s) => s.name === name);
    return i < 0 ? null : this.#tensors[i];
  }
  /** Number of elements of every tensor (buffers included, as Keras counts). */
  countParams(): number {
    return this.#tensors.reduce((n, t) => n + t.size, 0);
  }

  /** Copies of the layer's tensors, by name. */
  getWeights(): LayerWeights {
    if (!this.built) throw this.#unbuilt();
    const out: LayerWeights = {};
    this.#specs.forEach((s, i) => {
      out[s.name] = new Tensor(this.#tensors[i].data.slice(), s.shape);
    });
    return out;
  }

  /**
   * Overwrite tensors by name (a subset is fine; shapes are checked). An unbuilt layer is
   * built first, from its configured inputShape. Throws while a predictAsync of its model is in
   * flight (see Sequential.setWeights).
   */
  setWeights(weights: LayerWeights | Record<string, TensorLike>): void {
    checkNoReaders(this.#readers, 'layer.setWeights');
    if (!isPlainObject(weights)) throw invalidParameter('weights', `an object of tensors by name${this.built ? ` (${this.#names()})` : ''}`, weights);
    if (!this.built) {
      if (!this.#inputShape) throw invalidDescribed('weights', 'a layer with a known input shape (give inputShape, or call forward first)', `an unbuilt ${this.className} layer`);
      this.build(this.#inputShape);
    }
    const updates = Object.entries(weights).map(([name, value]) => {
      const i = this.#specs.findIndex((s) => s.name === name);
      if (i < 0) throw invalidParameter(`weights.${name}`, `one of this ${this.className} layer's tensors (${this.#names()})`, name);
      const t = toTensor(value, `weights.${name}`);
      const want = this.#specs[i].shape;
      const shapeOk = sameShape(t.shape, want) || (!(value instanceof Tensor) && t.rank === 1 && t.size === sizeOf(want));
      if (!shapeOk) throw invalidDescribed(`weights.${name}`, `shape [${want.join(', ')}]`, `[${t.shape.join(', ')}]`);
      return [i, t.data] as const;
    });
    for (const [i, data] of updates) this.#tensors[i].data.set(data);
  }

  /**
   * @internal Throws the house error when a tensor's memory is gone (its ArrayBuffer detached,
   * e.g. by `ArrayBuffer.prototype.transfer`): native code must never read it. `index`: the
   * layer's position in its model, for the message (-1: a layer on its own).
   */
  checkAttached(action: string, index: number): void {
    const specs = this.#specs;
    for (let k = 0; k < specs.length; k++) {
      const data = this.#tensors[k].data;
      // a detached view has length 0; the shape's size is never 0
      if (data.length !== this.#sizes[k]) {
        throw new DendriteError(`Expected attached weights for ${action} but received a detached ArrayBuffer (${index >= 0 ? `layer ${index} ` : ''}${specs[k].name})`, 'ERR_DENDRITE_INVALID_STATE');
      }
    }
  }

  /** @internal A predictAsync of a model starts (+1) or ends (-1) reading this layer's tensors. */
  leaseRead(delta: 1 | -1): void {
    this.#readers += delta;
  }

  /** The layer's config (className, options, inputShape when known, seed when set). */
  getConfig(): Record<string, unknown> {
    return {
      className: this.className,
      ...this.configOptions(),
      ...(this.#inputShape ? { inputShape: [...this.#inputShape] } : {}),
      ...(this.seed === undefined ? {} : { seed: this.seed }),
    };
  }

  /** The native engine's spec of this built layer (its tensors are the layer's own memory). */
  nativeSpec(): NativeLayerSpec {
    const tensors: Record<string, Float32Array> = {};
    this.#specs.forEach((s, i) => {
      tensors[s.name] = this.#tensors[i].data;
    });
    return { type: this.className, inShape: this.#inputShape!, outShape: this.#outputShape!, options: this.nativeOptions(), tensors, ...this.nativeExtras() };
  }
  /** More of the native spec (dropout's counter). */
  protected nativeExtras(): Partial<NativeLayerSpec> {
    return {};
  }

  /**
   * The layer on a batch x [N, ...inputShape] (built from x's shape at the first call when
   * needed). In training mode batch norm normalises with the batch statistics and updates
   * its running ones, and dropout draws a new mask.
   */
  forward(x: TensorLike | Int32Array | number[], options: ForwardOptions = {}): Tensor {
    const training = checkBoolean(checkOptions(options, ['training']).training ?? false, 'training');
    const { data, rows } = this.#batch(x);
    this.checkBatch(rows, training);
    const y = new Float32Array(rows * this.outputSize);
    this.#run(data, rows, training, y, null);
    return new Tensor(y, [rows, ...this.outputShape]);
  }

  /**
   * Gradients of a batch: `dx` (null for embedding) and one gradient per trainable tensor,
   * for the upstream gradient dy [N, ...outputShape]. It recomputes the forward pass in the
   * same mode (without changing the running statistics again; dropout uses the mask of
   * the last training forward).
   */
  backward(x: TensorLike | Int32Array | number[], dy: TensorLike, options: ForwardOptions = {}): LayerGradients {
    const training = checkBoolean(checkOptions(options, ['training']).training ?? false, 'training');
    const { data, rows } = this.#batch(x);
    this.checkBatch(rows, training);
    const g = toTensor(dy, 'dy');
    if (g.size !== rows * this.outputSize) {
      throw invalidDescribed('dy', `a tensor [${[rows, ...this.outputShape].join(', ')}] (the output's shape)`, `shape [${g.shape.join(', ')}]`);
    }
    const dx = this.takesIds ? null : new Float32Array(rows * this.inputSize);
    const grads = this.#specs.map((s) => (s.trainable ? new Float32Array(sizeOf(s.shape)) : null));
    this.#run(data, rows, training, new Float32Array(rows * this.outputSize), { dy: g.data.slice(), dx, grads });
    const out: LayerWeights = {};
    this.#specs.forEach((s, i) => {
      if (grads[i]) out[s.name] = new Tensor(grads[i]!, s.shape);
    });
    return { dx: dx && new Tensor(dx, [rows, ...this.inputShape!]), grads: out };
  }

  /** Forward (and backward when `grad` is given) of one batch on the active backend. */
  #run(x: Float32Array, rows: number, training: boolean, y: Float32Array,
    grad: { dy: Float32Array; dx: Float32Array | null; grads: (Float32Array | null)[] } | null): void {
    const backend = activeBackend();
    // backward recomputes forward: on copies of the buffers, and with the last forward's dropout step
    const tensors = this.#tensors.map((t, i) => (grad && !this.#specs[i].trainable ? t.data.slice() : t.data));
    const native = backend.trainer ? nativeAddon() : null;
    if (native && backend.trainer) {
      this.checkAttached(grad ? 'layer.backward' : 'layer.forward', -1);
      // a fresh native layer over copies when the call must not touch the layer's own state
      // (backward's forward: buffers, dropout's counter); otherwise the one kept for this backend
      const isolated = grad !== null && (this.buffers().length > 0 || this.nativeExtras().counter !== undefined);
      let layer: NativeLayer;
      if (isolated) {
        const spec = this.nativeSpec();
        this.#specs.forEach((s, i) => {
          spec.tensors[s.name] = tensors[i];
        });
        if (spec.counter) spec.counter = Uint32Array.of(Math.max(0, spec.counter[0] - 1));
        layer = new native.NativeLayer(spec, backend.trainer);
      } else {
        if (this.#native?.backend !== backend) this.#native = { backend, layer: new native.NativeLayer(this.nativeSpec(), backend.trainer) };
        layer = this.#native.layer;
      }
      if (!grad) layer.forward(x, rows, training, y);
      else layer.backward(x, rows, training, y, grad.dy, grad.dx, grad.grads.map((g) => g ?? null));
      return;
    }
    const step: JsStep = {
      backend, rows, training, x, y, dy: grad?.dy ?? new Float32Array(0), dx: grad?.dx ?? null, tensors,
      grads: grad?.grads ?? this.#specs.map(() => null), scratch: new Float32Array(this.scratchSize(rows)),
    };
    const restore = grad ? this.rewindForBackward() : null;
    this.forwardJs(step);
    restore?.();
    if (grad) this.backwardJs(step);
  }

  /** Before a standalone backward's forward: step back what a training forward advances (dropout's counter); returns the undo. */
  protected rewindForBackward(): (() => void) | null {
    return null;
  }

  /** x as rows of inputSize values; builds the layer from x's shape when needed. */
  #batch(x: unknown): { data: Float32Array; rows: number } {
    const t = this.takesIds ? idsTensor(x, 'x') : toTensor(x as TensorLike, 'x');
    if (!this.built) {
      if (t.rank < 2 && !this.#inputShape) throw invalidDescribed('x', 'a batch [N, ...inputShape] (rank >= 2)', `shape [${t.shape.join(', ')}]`);
      this.build(this.#inputShape ?? t.shape.slice(1));
    }
    const want = this.inputShape!;
    let batch: { data: Float32Array; rows: number } | null = null;
    if (t.rank === want.length + 1 && sameShape(t.shape.slice(1), want)) batch = { data: t.data, rows: t.shape[0] };
    // flat ids (an Int32Array or number[] of N * L) are rows too
    else if (this.takesIds && t.rank === 1 && !(x instanceof Tensor) && t.size % this.inputSize === 0) batch = { data: t.data, rows: t.size / this.inputSize };
    if (batch) {
      this.checkInput(batch.data, 'x');
      return batch;
    }
    throw invalidDescribed('x', `a batch [N, ${want.join(', ')}] (the layer's inputShape)`, `shape [${t.shape.join(', ')}]`);
  }

  #names(): string {
    return this.#specs.map((s) => s.name).join(', ') || 'none';
  }

  #unbuilt(): DendriteError {
    return invalidDescribed('layer', 'a built layer (add it to a model, give inputShape, or call forward)', `an unbuilt ${this.className} layer`);
  }
}

/** Throws while predictAsync calls read the tensors (a write would mix old and new weights into their outputs). */
export function checkNoReaders(readers: number, action: string): void {
  if (readers > 0) {
    throw new DendriteError(
      `Expected no predictAsync or save reading the weights for ${action} but received ${readers} in flight (await them first: each must see one set of weights)`,
      'ERR_DENDRITE_INVALID_STATE',
    );
  }
}

/** A per-sample shape: a non-empty array of integers >= 1. */
export function checkInputShape(shape: unknown, name: string): number[] {
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw invalidParameter(name, 'a per-sample shape: a non-empty array of integers >= 1', shape);
  }
  return [...shape];
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Integer ids (Int32Array, number[], nested arrays or an integer-valued Tensor) as a float tensor. */
export function idsTensor(x: unknown, name: string): Tensor {
  if (x instanceof Int32Array) return new Tensor(Float32Array.from(x), [x.length]);
  const t = toTensor(x as TensorLike, name);
  for (let i = 0; i < t.size; i++) {
    if (!Number.isInteger(t.data[i])) throw invalidParameter(`${name}[${i}]`, 'an integer id', t.data[i]);
  }
  return t;
}
