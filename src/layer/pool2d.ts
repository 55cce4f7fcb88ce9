/**
 * Pooling over channels-last images [H, W, C]: maxPool2d (padding never wins),
 * avgPool2d (padded cells not counted) and globalAvgPool2d (the mean over H and W: [C]).
 * No tensors. Native twin: native/layers/pool2d.cc.
 */
import { invalidParameter } from '../errors.js';
import { checkOneOf, checkOptions } from '../validate.js';
import { Layer, type JsStep, type LayerOptions } from './layer.js';
import { PADDINGS, avgPoolBackward, avgPoolForward, checkPair, maxPoolBackward, maxPoolForward, window2d, type Padding, type Window2d } from './window.js';

export interface Pool2dOptions extends LayerOptions {
  /** Window size: n or [h, w]. Default 2. */
  poolSize?: number | [number, number];
  /** Steps between windows. Default: poolSize. */
  strides?: number | [number, number];
  /** 'valid' (default) or 'same' (TensorFlow's). */
  padding?: Padding;
}

abstract class Pool2d extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  protected window: Window2d | null = null;

  protected constructor(options: Pool2dOptions | undefined) {
    const o = checkOptions(options, ['poolSize', 'strides', 'padding', 'inputShape', 'seed']);
    super({ inputShape: o.inputShape as number[] | undefined });
    this.poolSize = checkPair(o.poolSize ?? 2, 'poolSize');
    this.strides = o.strides === undefined ? [...this.poolSize] : checkPair(o.strides, 'strides');
    this.padding = checkOneOf(o.padding ?? 'valid', 'padding', PADDINGS);
  }

  protected outputShapeFor(inputShape: number[]): number[] {
    const { window } = window2d(inputShape, this.poolSize, this.strides, this.padding, 'poolSize');
    return [window.outH, window.outW, inputShape[2]];
  }

  override build(inputShape: number[], seed = 0): void {
    super.build(inputShape, seed);
    this.window = window2d(inputShape, this.poolSize, this.strides, this.padding, 'poolSize').window;
  }

  protected nativeOptions(): Record<string, number | string | boolean> {
    const w = this.window!;
    return { kh: w.kh, kw: w.kw, sh: w.sh, sw: w.sw, padTop: w.padTop, padLeft: w.padLeft };
  }

  protected configOptions(): Record<string, unknown> {
    return { poolSize: [...this.poolSize], strides: [...this.strides], padding: this.padding };
  }
}

export class MaxPool2d extends Pool2d {
  readonly className = 'maxPool2d';
  constructor(options?: Pool2dOptions) {
    super(options);
  }
  /** The winners' indices (int32 in float slots, as native). */
  override scratchSize(rows: number): number {
    return rows * this.outputSize;
  }
  #arg(s: JsStep): Int32Array {
    return new Int32Array(s.scratch.buffer, s.scratch.byteOffset, s.rows * this.outputSize);
  }
  forwardJs(s: JsStep): void {
    maxPoolForward(s.y, this.#arg(s), s.x, { ...this.window!, batch: s.rows });
  }
  backwardJs(s: JsStep): void {
    if (s.dx) maxPoolBackward(s.dx, s.dy, this.#arg(s), { ...this.window!, batch: s.rows });
  }
  toString(): string {
    return `MaxPool2D(${this.poolSize.join('x')})`;
  }
}

export class AvgPool2d extends Pool2d {
  readonly className = 'avgPool2d';
  constructor(options?: Pool2dOptions) {
    super(options);
  }
  forwardJs(s: JsStep): void {
    avgPoolForward(s.y, s.x, { ...this.window!, batch: s.rows });
  }
  backwardJs(s: JsStep): void {
    if (s.dx) avgPoolBackward(s.dx, s.dy, { ...this.window!, batch: s.rows });
  }
  toString(): string {
    return `AvgPool2D(${this.poolSize.join('x')})`;
  }
}

/** The mean over H and W of [H, W, C]: [C]. */
export class GlobalAvgPool2d extends Layer {
  readonly className = 'globalAvgPool2d';
  #window: Window2d | null = null;
  constructor(options?: LayerOptions) {
    const o = checkOptions(options, ['inputShape', 'seed']);
    super({ inputShape: o.inputShape as number[] | undefined });
  }
  protected outputShapeFor(inputShape: number[]): number[] {
    if (inputShape.length !== 3) throw invalidParameter('inputShape', 'an image shape [height, width, channels] (channels last)', inputShape);
    return [inputShape[2]];
  }
  override build(inputShape: number[], seed = 0): void {
    super.build(inputShape, seed);
    const [h, w] = inputShape;
    this.#window = window2d(inputShape, [h, w], [h, w], 'valid', 'inputShape').window;
  }
  forwardJs(s: JsStep): void {
    avgPoolForward(s.y, s.x, { ...this.#window!, batch: s.rows });
  }
  backwardJs(s: JsStep): void {
    if (s.dx) avgPoolBackward(s.dx, s.dy, { ...this.#window!, batch: s.rows });
  }
  protected nativeOptions(): Record<string, number | string | boolean> {
    return {};
  }
  protected configOptions(): Record<string, unknown> {
    return {};
  }
  toString(): string {
    return 'GlobalAvgPool2D()';
  }
}

/** `dd.layers.maxPool2d({ poolSize = 2, strides = poolSize, padding = 'valid' })`. */
export const maxPool2d = (options?: Pool2dOptions): MaxPool2d => new MaxPool2d(options);
/** `dd.layers.avgPool2d({ poolSize = 2, strides = poolSize, padding = 'valid' })`: padded cells are not counted. */
export const avgPool2d = (options?: Pool2dOptions): AvgPool2d => new AvgPool2d(options);
/** `dd.layers.globalAvgPool2d()`: [H, W, C] to [C]. */
export const globalAvgPool2d = (options?: LayerOptions): GlobalAvgPool2d => new GlobalAvgPool2d(options);
