/**
 * Inverted dropout: in training each element is kept with probability 1 - rate and scaled
 * by 1/(1 - rate); in predict and evaluate it is the identity. The mask is a counter-based
 * hash of (seed, training step, element) that the native layers compute bit for bit the
 * same (native/layers/layer_math.h), so a seeded run repeats exactly on every backend.
 * The step counter counts the layer's training forward passes.
 */
import { checkNumber, checkOptions } from '../validate.js';
import { Layer, type JsStep, type LayerOptions, type NativeLayerSpec } from './layer.js';
import { pinMemory } from './pinned.js';

export interface DropoutOptions extends LayerOptions {
  /** Fraction of elements zeroed in training, in [0, 1). */
  rate: number;
}

/** The hash's 32-bit mixer (lowbias32). */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Whether element i of training step `counter` of a dropout layer seeded `seed` is kept, for threshold dropoutThreshold(rate). */
export function dropoutKeep(seed: number, counter: number, i: number, threshold: number): boolean {
  return mix32((mix32((mix32((seed ^ 0x9e3779b9) >>> 0) + counter) >>> 0) + i) >>> 0) >>> 8 >= threshold;
}

/** ceil(rate * 2^24) of the float32 rate: elements whose 24 hash bits are below it are dropped. */
export function dropoutThreshold(rate: number): number {
  return Math.ceil(Math.fround(rate) * 16777216);
}

export class Dropout extends Layer {
  readonly className = 'dropout';
  readonly rate: number;
  /** Training forward passes so far (the native loop advances it in place). */
  readonly counter = pinMemory(new Uint32Array(1));
  #seed = 0;

  constructor(options: DropoutOptions) {
    const o = checkOptions(options, ['rate', 'inputShape', 'seed']);
    super({ inputShape: o.inputShape as number[] | undefined, seed: o.seed as number | undefined });
    this.rate = checkNumber(o.rate, 'rate', { min: 0, max: 1, maxExclusive: true });
  }

  protected outputShapeFor(inputShape: number[]): number[] {
    return [...inputShape];
  }

  override build(inputShape: number[], seed = 0): void {
    super.build(inputShape, seed);
    this.#seed = (this.seed ?? seed) >>> 0;
  }

  /** The mask, for backward. */
  override scratchSize(rows: number): number {
    return rows * this.inputSize;
  }

  forwardJs(s: JsStep): void {
    const n = s.rows * this.inputSize;
    const rate = s.training ? Math.fround(this.rate) : 0;
    const threshold = dropoutThreshold(rate);
    const scale = Math.fround(1 / Math.fround(1 - rate));
    const step = s.training ? this.counter[0]++ : 0;
    for (let i = 0; i < n; i++) {
      const m = dropoutKeep(this.#seed, step, i, threshold) ? scale : 0;
      s.scratch[i] = m;
      s.y[i] = s.x[i] * m;
    }
  }

  backwardJs(s: JsStep): void {
    if (!s.dx) return;
    for (let i = 0; i < s.rows * this.inputSize; i++) s.dx[i] = s.dy[i] * s.scratch[i];
  }

  protected override rewindForBackward(): (() => void) | null {
    const saved = this.counter[0];
    this.counter[0] = Math.max(0, saved - 1);
    return () => {
      this.counter[0] = saved;
    };
  }

  protected nativeOptions(): Record<string, number | string | boolean> {
    return { rate: this.rate, seed: this.#seed };
  }

  protected override nativeExtras(): Partial<NativeLayerSpec> {
    return { counter: this.counter };
  }

  protected configOptions(): Record<string, unknown> {
    return { rate: this.rate };
  }

  toString(): string {
    return `Dropout(${this.rate})`;
  }
}

/** `dd.layers.dropout({ rate })`. */
export const dropout = (options: DropoutOptions): Dropout => new Dropout(options);
