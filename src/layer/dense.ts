/**
 * Dense (fully connected) layer: y = act(x W + b), W stored [inputSize, units]
 * row-major (torch's nn.Linear stores W^T), b [units].
 */
import { Activation, ACTIVATION_NAMES, type ActivationName, activation } from '../activation/index.js';
import { invalidDescribed, invalidParameter } from '../errors.js';
import { Random } from '../random.js';
import { Tensor } from '../tensor.js';
import { checkBoolean, checkInteger, checkOneOf, checkOptions, isPlainObject } from '../validate.js';
import { INITIALIZER_NAMES, type InitializerName, initialize } from './initializers.js';
import type { Layer } from './layer.js';

/** An activation: a name from the registry, a `{ name, ...options }` config, or an Activation. */
export type ActivationSpec = ActivationName | ({ name: ActivationName } & Record<string, unknown>) | Activation;

export interface DenseOptions {
  /** Output width (integer >= 1). */
  units: number;
  /** Input width; required on the first layer, inferred for the others. */
  inputSize?: number;
  /** Activation after the affine map. Default 'linear'. */
  activation?: ActivationSpec;
  /** Add a bias. Default true. */
  useBias?: boolean;
  /** Weight initializer. Default 'glorotUniform'. */
  kernelInitializer?: InitializerName;
  /** Bias initializer. Default 'zeros'. */
  biasInitializer?: InitializerName;
  /** Seed of this layer's initializer (default: derived from the model's seed). */
  seed?: number;
}

function toActivation(spec: unknown): Activation {
  if (spec instanceof Activation) return spec as Activation;
  if (typeof spec === 'string') return activation(spec as ActivationName);
  if (isPlainObject(spec) && typeof spec.name === 'string') {
    const { name, ...options } = spec;
    return activation(name as ActivationName, options as never);
  }
  throw invalidParameter('activation', `an activation name (${ACTIVATION_NAMES.join(', ')}), { name, ...options } or an Activation`, spec);
}

export class Dense implements Layer {
  readonly className = 'dense';
  readonly units: number;
  readonly activation: Activation;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  readonly biasInitializer: InitializerName;
  readonly seed: number | undefined;
  #inputSize: number | undefined;
  #weight: Tensor | null = null;
  #bias: Tensor | null = null;

  constructor(options: DenseOptions) {
    const o = checkOptions(options, ['units', 'inputSize', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'seed']);
    if (options === undefined) throw invalidParameter('options', 'an object with units', options);
    this.units = checkInteger(o.units, 'units', 1);
    this.#inputSize = o.inputSize === undefined ? undefined : checkInteger(o.inputSize, 'inputSize', 1);
    this.activation = toActivation(o.activation ?? 'linear');
    this.useBias = o.useBias === undefined ? true : checkBoolean(o.useBias, 'useBias');
    this.kernelInitializer = checkOneOf(o.kernelInitializer ?? 'glorotUniform', 'kernelInitializer', INITIALIZER_NAMES);
    this.biasInitializer = checkOneOf(o.biasInitializer ?? 'zeros', 'biasInitializer', INITIALIZER_NAMES);
    this.seed = o.seed === undefined ? undefined : checkInteger(o.seed, 'seed', 0, 2 ** 32 - 1);
  }

  get inputSize(): number | undefined {
    return this.#inputSize;
  }

  /** Whether the weights exist. */
  get built(): boolean {
    return this.#weight !== null;
  }

  /** W [inputSize, units]. */
  get weight(): Tensor {
    if (!this.#weight) throw invalidDescribed('layer', 'a built layer (add it to a model or call build())', 'an unbuilt Dense layer');
    return this.#weight;
  }

  /** b [units], or null without bias. */
  get bias(): Tensor | null {
    return this.#bias;
  }

  /** Create the weights for `inputSize` inputs (seeded: the layer's seed, else `seed`). */
  build(inputSize: number, seed = 0): void {
    if (this.#inputSize !== undefined && this.#inputSize !== inputSize) {
      throw invalidDescribed('inputSize', `${this.#inputSize} (as configured)`, `${inputSize} from the previous layer`);
    }
    this.#inputSize = checkInteger(inputSize, 'inputSize', 1);
    const rng = new Random(this.seed ?? seed);
    const w = new Float32Array(inputSize * this.units);
    initialize(this.kernelInitializer, w, inputSize, this.units, rng);
    this.#weight = new Tensor(w, [inputSize, this.units]);
    if (this.useBias) {
      const b = new Float32Array(this.units);
      initialize(this.biasInitializer, b, inputSize, this.units, rng);
      this.#bias = new Tensor(b, [this.units]);
    }
  }

  parameters(): Tensor[] {
    return this.#bias ? [this.weight, this.#bias] : [this.weight];
  }

  getConfig(): Record<string, unknown> {
    return {
      className: this.className,
      units: this.units,
      inputSize: this.#inputSize,
      activation: this.activation.getConfig(),
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
      ...(this.seed === undefined ? {} : { seed: this.seed }),
    };
  }

  toString(): string {
    return `Dense(${this.#inputSize ?? '?'} -> ${this.units}, ${this.activation.name})`;
  }
}

/** `dd.layers.dense({ units, inputSize?, activation?, ... })`. */
export function dense(options: DenseOptions): Dense {
  return new Dense(options);
}
