/**
 * Conv2D over channels-last images [H, W, C] (Keras): weight [kh, kw, inChannels, filters],
 * bias [filters], TensorFlow's 'same' padding. Computed as im2col (one row of
 * kh*kw*inChannels values per output pixel) and the dense core on those rows: on the
 * packed GEMM, with the bias and activation fused (native/layers/conv2d.cc).
 */
import type { Activation } from '../activation/index.js';
import { invalidParameter } from '../errors.js';
import { checkBoolean, checkInteger, checkOneOf, checkOptions } from '../validate.js';
import { Affine, nativeActivation, toActivation, type ActivationSpec } from './affine.js';
import { INITIALIZER_NAMES, type InitializerName, initialize } from './initializers.js';
import { Layer, type JsStep, type LayerOptions, type WeightSpec } from './layer.js';
import { PADDINGS, checkPair, col2im, im2col, window2d, type Padding, type Window2d } from './window.js';

export interface Conv2dOptions extends LayerOptions {
  /** Output channels (integer >= 1). */
  filters: number;
  /** Window size: n or [kh, kw]. */
  kernelSize: number | [number, number];
  /** Steps between windows: n or [sh, sw]. Default 1. */
  strides?: number | [number, number];
  /** 'valid' (no padding; default) or 'same' (TensorFlow's: output ceil(size / stride), the odd padding cell after). */
  padding?: Padding;
  /** Activation after the convolution. Default 'linear'. */
  activation?: ActivationSpec;
  /** Add a bias. Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform' (Keras's; fans kh*kw*inChannels and kh*kw*filters). */
  kernelInitializer?: InitializerName;
  /** Default 'zeros'. */
  biasInitializer?: InitializerName;
}

export class Conv2d extends Layer {
  readonly className = 'conv2d';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  readonly biasInitializer: InitializerName;
  #window: Window2d | null = null;
  #pads: [number, number, number, number] = [0, 0, 0, 0];
  #core: Affine | null = null;

  constructor(options: Conv2dOptions) {
    if (options === undefined) throw invalidParameter('options', 'an object with filters and kernelSize', options);
    const o = checkOptions(options, ['filters', 'kernelSize', 'strides', 'padding', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'inputShape', 'seed']);
    super({ inputShape: o.inputShape as number[] | undefined, seed: o.seed as number | undefined });
    this.filters = checkInteger(o.filters, 'filters', 1);
    this.kernelSize = checkPair(o.kernelSize, 'kernelSize');
    this.strides = checkPair(o.strides ?? 1, 'strides');
    this.padding = checkOneOf(o.padding ?? 'valid', 'padding', PADDINGS);
    this.activation = toActivation(o.activation ?? 'linear');
    this.useBias = o.useBias === undefined ? true : checkBoolean(o.useBias, 'useBias');
    this.kernelInitializer = checkOneOf(o.kernelInitializer ?? 'glorotUniform', 'kernelInitializer', INITIALIZER_NAMES);
    this.biasInitializer = checkOneOf(o.biasInitializer ?? 'zeros', 'biasInitializer', INITIALIZER_NAMES);
  }

  /** The padding [top, bottom, left, right] 'same' resolved to (once built). */
  get pads(): [number, number, number, number] {
    return [...this.#pads];
  }

  protected outputShapeFor(inputShape: number[]): number[] {
    const { window } = window2d(inputShape, this.kernelSize, this.strides, this.padding, 'kernelSize');
    return [window.outH, window.outW, this.filters];
  }

  protected override weightSpecs(inputShape: number[]): WeightSpec[] {
    const [kh, kw] = this.kernelSize;
    const fanIn = kh * kw * inputShape[2];
    const fanOut = kh * kw * this.filters;
    const specs: WeightSpec[] = [{
      name: 'weight', shape: [kh, kw, inputShape[2], this.filters], trainable: true,
      init: (out, rng) => initialize(this.kernelInitializer, out, fanIn, fanOut, rng),
    }];
    if (this.useBias) specs.push({ name: 'bias', shape: [this.filters], trainable: true, init: (out, rng) => initialize(this.biasInitializer, out, fanIn, fanOut, rng) });
    return specs;
  }

  override build(inputShape: number[], seed = 0): void {
    super.build(inputShape, seed);
    const { window, pads } = window2d(inputShape, this.kernelSize, this.strides, this.padding, 'kernelSize');
    this.#window = window;
    this.#pads = pads;
    this.#core = new Affine(this.kernelSize[0] * this.kernelSize[1] * inputShape[2], this.filters, this.activation);
  }

  #pixels(rows: number): number {
    return rows * this.#window!.outH * this.#window!.outW;
  }

  override scratchSize(rows: number): number {
    return this.#pixels(rows) * this.#core!.inputs + this.#core!.scratchSize(this.#pixels(rows));
  }

  forwardJs(s: JsStep): void {
    const pixels = this.#pixels(s.rows);
    const col = s.scratch.subarray(0, pixels * this.#core!.inputs);
    im2col(col, s.x, { ...this.#window!, batch: s.rows });
    this.#core!.forward(s.backend, pixels, col, s.y, s.tensors[0], this.useBias ? s.tensors[1] : null, s.scratch.subarray(col.length));
  }

  backwardJs(s: JsStep): void {
    const pixels = this.#pixels(s.rows);
    const col = s.scratch.subarray(0, pixels * this.#core!.inputs);
    // dcol overwrites col once dW has read it
    this.#core!.backward(s.backend, pixels, col, s.dy, s.dx ? col : null, s.tensors[0], s.grads[0]!, this.useBias ? s.grads[1] : null, s.scratch.subarray(col.length));
    if (s.dx) col2im(s.dx, col, { ...this.#window!, batch: s.rows });
  }

  protected nativeOptions(): Record<string, number | string | boolean> {
    const w = this.#window!;
    return { ...nativeActivation(this.activation), useBias: this.useBias, kh: w.kh, kw: w.kw, sh: w.sh, sw: w.sw, padTop: w.padTop, padLeft: w.padLeft };
  }

  protected configOptions(): Record<string, unknown> {
    return {
      filters: this.filters, kernelSize: [...this.kernelSize], strides: [...this.strides], padding: this.padding,
      activation: this.activation.getConfig(), useBias: this.useBias, kernelInitializer: this.kernelInitializer, biasInitializer: this.biasInitializer,
    };
  }

  toString(): string {
    return `Conv2D(${this.filters}, ${this.kernelSize.join('x')}, ${this.padding}, ${this.activation.name})`;
  }
}

/** `dd.layers.conv2d({ filters, kernelSize, strides?, padding?, activation?, ... })`. */
export function conv2d(options: Conv2dOptions): Conv2d {
  return new Conv2d(options);
}
