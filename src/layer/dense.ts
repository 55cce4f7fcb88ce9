/**
 * Dense (fully connected): y = act(x W + b) on the last axis of the input (every leading
 * axis is a row, as Keras and nn.Linear). weight [in, units] (torch's nn.Linear stores
 * W^T), bias [units].
 */
import type { Activation } from '../activation/index.js';
import { invalidParameter } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkBoolean, checkInteger, checkOneOf, checkOptions } from '../validate.js';
import { Affine, nativeActivation, toActivation, type ActivationSpec } from './affine.js';
import { INITIALIZER_NAMES, type InitializerName, initialize } from './initializers.js';
import { Layer, type JsStep, type LayerOptions, type WeightSpec } from './layer.js';

export type { ActivationSpec } from './affine.js';

export interface DenseOptions extends LayerOptions {
  /** Output width (integer >= 1). */
  units: number;
  /** Input width (= inputShape [inputSize]); required on the first layer unless inputShape is given. */
  inputSize?: number;
  /** Activation after the affine map. Default 'linear'. */
  activation?: ActivationSpec;
  /** Add a bias. Default true. */
  useBias?: boolean;
  /** Weight initializer. Default 'glorotUniform' (Keras's; torch's nn.Linear draws U(±1/√fanIn)). */
  kernelInitializer?: InitializerName;
  /** Bias initializer. Default 'zeros'. */
  biasInitializer?: InitializerName;
}

export class Dense extends Layer {
  readonly className = 'dense';
  readonly units: number;
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  readonly biasInitializer: InitializerName;
  #core: Affine | null = null;

  constructor(options: DenseOptions) {
    if (options === undefined) throw invalidParameter('options', 'an object with units', options);
    const o = checkOptions(options, ['units', 'inputSize', 'inputShape', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'seed']);
    const inputSize = o.inputSize === undefined ? undefined : checkInteger(o.inputSize, 'inputSize', 1);
    if (inputSize !== undefined && o.inputShape !== undefined) throw invalidParameter('inputSize', 'either inputSize or inputShape', o.inputSize);
    super({ inputShape: (o.inputShape as number[] | undefined) ?? (inputSize === undefined ? undefined : [inputSize]), seed: o.seed as number | undefined });
    this.units = checkInteger(o.units, 'units', 1);
    this.activation = toActivation(o.activation ?? 'linear');
    this.useBias = o.useBias === undefined ? true : checkBoolean(o.useBias, 'useBias');
    this.kernelInitializer = checkOneOf(o.kernelInitializer ?? 'glorotUniform', 'kernelInitializer', INITIALIZER_NAMES);
    this.biasInitializer = checkOneOf(o.biasInitializer ?? 'zeros', 'biasInitializer', INITIALIZER_NAMES);
  }

  /** weight [in, units]. */
  get weight(): Tensor {
    const w = this.tensor('weight');
    if (!w) return this.outputShape && (null as never);  // outputShape throws the unbuilt error
    return w;
  }

  /** bias [units], or null without one. */
  get bias(): Tensor | null {
    return this.tensor('bias');
  }

  /** The input width (the last axis of the input), once known. */
  get inputWidth(): number | undefined {
    const shape = this.inputShape;
    return shape?.[shape.length - 1];
  }

  protected outputShapeFor(inputShape: number[]): number[] {
    return [...inputShape.slice(0, -1), this.units];
  }

  protected override weightSpecs(inputShape: number[]): WeightSpec[] {
    const fanIn = inputShape[inputShape.length - 1];
    const specs: WeightSpec[] = [{
      name: 'weight', shape: [fanIn, this.units], trainable: true,
      init: (out, rng) => initialize(this.kernelInitializer, out, fanIn, this.units, rng),
    }];
    if (this.useBias) {
      specs.push({ name: 'bias', shape: [this.units], trainable: true, init: (out, rng) => initialize(this.biasInitializer, out, fanIn, this.units, rng) });
    }
    return specs;
  }

  override build(inputShape: number[], seed = 0): void {
    super.build(inputShape, seed);
    this.#core = new Affine(this.inputWidth!, this.units, this.activation);
  }

  /** Affine rows per sample (1 on a vector input). */
  #groups(): number {
    return this.inputSize / this.inputWidth!;
  }

  override scratchSize(rows: number): number {
    return this.#core!.scratchSize(rows * this.#groups());
  }

  forwardJs(s: JsStep): void {
    this.#core!.forward(s.backend, s.rows * this.#groups(), s.x, s.y, s.tensors[0], this.useBias ? s.tensors[1] : null, s.scratch);
  }

  backwardJs(s: JsStep): void {
    this.#core!.backward(s.backend, s.rows * this.#groups(), s.x, s.dy, s.dx, s.tensors[0], s.grads[0]!, this.useBias ? s.grads[1] : null, s.scratch);
  }

  protected nativeOptions(): Record<string, number | string | boolean> {
    return { ...nativeActivation(this.activation), useBias: this.useBias };
  }

  protected configOptions(): Record<string, unknown> {
    return {
      units: this.units,
      activation: this.activation.getConfig(),
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
    };
  }

  toString(): string {
    return `Dense(${this.inputWidth ?? '?'} -> ${this.units}, ${this.activation.name})`;
  }
}

/** `dd.layers.dense({ units, inputSize?, activation?, ... })`. */
export function dense(options: DenseOptions): Dense {
  return new Dense(options);
}
