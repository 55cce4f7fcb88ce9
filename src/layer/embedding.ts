/**
 * Embedding: integer ids [L] per sample to rows of the table weight [inputDim, outputDim]:
 * [L, outputDim]. A model starting with it takes ids as x (Int32Array, number[] or an
 * integer-valued Tensor); ids travel as float32 (exact up to 2^24, the largest inputDim).
 * Repeated ids add their gradient rows; there is no input gradient. Initialised U(-0.05, 0.05)
 * as Keras (torch draws N(0, 1)). Native: native/layers/embedding.cc.
 */
import { invalidParameter } from '../errors.js';
import { checkInteger, checkOptions } from '../validate.js';
import { Layer, type JsStep, type LayerOptions, type WeightSpec } from './layer.js';

export interface EmbeddingOptions extends LayerOptions {
  /** Number of ids (integer in [1, 2^24]). */
  inputDim: number;
  /** Width of each embedding (integer >= 1). */
  outputDim: number;
}

export const MAX_EMBEDDING_IDS = 2 ** 24;

export class Embedding extends Layer {
  readonly className = 'embedding';
  readonly inputDim: number;
  readonly outputDim: number;

  constructor(options: EmbeddingOptions) {
    if (options === undefined) throw invalidParameter('options', 'an object with inputDim and outputDim', options);
    const o = checkOptions(options, ['inputDim', 'outputDim', 'inputShape', 'seed']);
    super({ inputShape: o.inputShape as number[] | undefined, seed: o.seed as number | undefined });
    this.inputDim = checkInteger(o.inputDim, 'inputDim', 1, MAX_EMBEDDING_IDS);
    this.outputDim = checkInteger(o.outputDim, 'outputDim', 1);
  }

  override get takesIds(): boolean {
    return true;
  }

  protected outputShapeFor(inputShape: number[]): number[] {
    return [...inputShape, this.outputDim];
  }

  protected override weightSpecs(): WeightSpec[] {
    return [{ name: 'weight', shape: [this.inputDim, this.outputDim], trainable: true, init: (out, rng) => { for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-0.05, 0.05); } }];
  }

  override checkInput(x: Float32Array, name: string): void {
    for (let i = 0; i < x.length; i++) {
      const id = x[i];
      if (!(Number.isInteger(id) && id >= 0 && id < this.inputDim)) throw invalidParameter(`${name}[${i}]`, `an integer id in [0, ${this.inputDim}) (the embedding's inputDim)`, id);
    }
  }

  forwardJs(s: JsStep): void {
    const d = this.outputDim;
    const table = s.tensors[0];
    for (let r = 0; r < s.rows * this.inputSize; r++) s.y.set(table.subarray(s.x[r] * d, (s.x[r] + 1) * d), r * d);
  }

  backwardJs(s: JsStep): void {
    const d = this.outputDim;
    const grad = s.grads[0]!;
    grad.fill(0);
    for (let r = 0; r < s.rows * this.inputSize; r++) {
      const o = s.x[r] * d;
      for (let j = 0; j < d; j++) grad[o + j] += s.dy[r * d + j];
    }
  }

  protected nativeOptions(): Record<string, number | string | boolean> {
    return { inputDim: this.inputDim, outputDim: this.outputDim };
  }

  protected configOptions(): Record<string, unknown> {
    return { inputDim: this.inputDim, outputDim: this.outputDim };
  }

  toString(): string {
    return `Embedding(${this.inputDim}, ${this.outputDim})`;
  }
}

/** `dd.layers.embedding({ inputDim, outputDim, inputShape?: [L] })`. */
export const embedding = (options: EmbeddingOptions): Embedding => new Embedding(options);
