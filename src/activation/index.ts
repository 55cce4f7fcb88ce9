/**
 * The activation registry: public names, their options (validated, with
 * PyTorch's defaults) and the kernel each maps to. The math lives in the backends.
 */
import { activeBackend } from '../backend/registry.js';
import type { ActivationKernel, ActivationParams } from '../backend/kernel-ids.js';
import { invalidDescribed, invalidParameter } from '../errors.js';
import { Tensor, type TensorLike, outputBuffer, toTensor } from '../tensor.js';
import { checkNumber, checkOneOf, checkOptions } from '../validate.js';

/** Options of the parametrised activations (all optional; PyTorch defaults). */
export interface ActivationOptionsByName {
  sigmoid: Record<string, never>;
  tanh: Record<string, never>;
  relu: Record<string, never>;
  /** `alpha`: slope for x <= 0 (torch's negative_slope), finite and >= 0, default 0.01. */
  leakyRelu: { alpha?: number };
  swish: Record<string, never>;
  /** Alias of `swish`: x * sigmoid(x). */
  silu: Record<string, never>;
  /** `approximate`: `'none'` (exact, erf-based; default) or `'tanh'`. */
  gelu: { approximate?: 'none' | 'tanh' };
  /** `alpha`: scale of the negative part alpha*(e^x - 1), finite and >= 0, default 1. */
  elu: { alpha?: number };
  selu: Record<string, never>;
  /** `beta` > 0 (default 1); linear where beta*x > `threshold` (>= 0, default 20). */
  softplus: { beta?: number; threshold?: number };
  mish: Record<string, never>;
  hardSigmoid: Record<string, never>;
  hardSwish: Record<string, never>;
  relu6: Record<string, never>;
  linear: Record<string, never>;
  /** Row-wise over the last axis. */
  softmax: Record<string, never>;
  /** Row-wise over the last axis. */
  logSoftmax: Record<string, never>;
}

export type ActivationName = keyof ActivationOptionsByName;

export type RowKernel = 'softmax' | 'logSoftmax';
interface Spec {
  kernel: ActivationKernel | RowKernel | ((o: Record<string, unknown>) => ActivationKernel);
  /** Option name -> default value and validator. */
  options: Record<string, { default: unknown; check: (v: unknown, name: string) => unknown }>;
}

const nonNegative = (v: unknown, n: string) => checkNumber(v, n, { min: 0 });
const SPECS: Record<ActivationName, Spec> = {
  sigmoid: { kernel: 'sigmoid', options: {} },
  tanh: { kernel: 'tanh', options: {} },
  relu: { kernel: 'relu', options: {} },
  leakyRelu: { kernel: 'leaky_relu', options: { alpha: { default: 0.01, check: nonNegative } } },
  swish: { kernel: 'swish', options: {} },
  silu: { kernel: 'swish', options: {} },
  gelu: {
    kernel: (o) => (o.approximate === 'tanh' ? 'gelu_tanh' : 'gelu'),
    options: { approximate: { default: 'none', check: (v, n) => checkOneOf(v, n, ['none', 'tanh'] as const) } },
  },
  elu: { kernel: 'elu', options: { alpha: { default: 1, check: nonNegative } } },
  selu: { kernel: 'selu', options: {} },
  softplus: {
    kernel: 'softplus',
    options: {
      beta: { default: 1, check: (v, n) => checkNumber(v, n, { min: 0, minExclusive: true }) },
      threshold: { default: 20, check: nonNegative },
    },
  },
  mish: { kernel: 'mish', options: {} },
  hardSigmoid: { kernel: 'hard_sigmoid', options: {} },
  hardSwish: { kernel: 'hard_swish', options: {} },
  relu6: { kernel: 'relu6', options: {} },
  linear: { kernel: 'linear', options: {} },
  softmax: { kernel: 'softmax', options: {} },
  logSoftmax: { kernel: 'logSoftmax', options: {} },
};

/** Every accepted activation name. */
export const ACTIVATION_NAMES = Object.keys(SPECS) as ActivationName[];

/** Options of `forward`/`backward`. */
export interface OpOptions {
  /** Preallocated output (Tensor or Float32Array of the input's length); may be the input itself. */
  out?: Tensor | Float32Array;
}

/** An activation function with its forward pass and its vector-Jacobian product. */
export class Activation<N extends ActivationName = ActivationName> {
  /** The name it was created with. */
  readonly name: N;
  /** The resolved options, defaults included. */
  readonly options: Readonly<Required<ActivationOptionsByName[N]>>;
  /** The kernel this activation runs (low level: used by layers to fuse it into a GEMM). */
  readonly kernel: ActivationKernel | RowKernel;
  /** Every kernel parameter, resolved (low level). */
  readonly params: Readonly<ActivationParams>;

  constructor(name: N, options?: ActivationOptionsByName[N]) {
    const spec = SPECS[name];
    if (!Object.hasOwn(SPECS, name)) throw invalidParameter('name', `one of the activations ${ACTIVATION_NAMES.join(', ')}`, name);
    const given = checkOptions(options, Object.keys(spec.options));
    const resolved: Record<string, unknown> = {};
    for (const [key, { default: def, check }] of Object.entries(spec.options)) {
      resolved[key] = given[key] === undefined ? def : check(given[key], key);
    }
    this.name = name;
    this.options = Object.freeze(resolved) as Readonly<Required<ActivationOptionsByName[N]>>;
    this.kernel = typeof spec.kernel === 'function' ? spec.kernel(resolved) : spec.kernel;
    this.params = {
      alpha: (resolved.alpha as number | undefined) ?? 0,
      beta: (resolved.beta as number | undefined) ?? 1,
      threshold: (resolved.threshold as number | undefined) ?? 20,
    };
  }

  /** Whether this activation works row-wise over the last axis (softmax family). */
  get rowWise(): boolean {
    return this.kernel === 'softmax' || this.kernel === 'logSoftmax';
  }

  /** y = f(x), same shape as x. */
  forward(x: TensorLike, options?: OpOptions): Tensor {
    const { out } = checkOptions(options, ['out']);
    const t = toTensor(x, 'x');
    const y = outputBuffer(out, t.size);
    const backend = activeBackend();
    if (this.kernel === 'softmax' || this.kernel === 'logSoftmax') {
      const [rows, cols] = rowsAndCols(t);
      backend.softmaxForward(t.data, y, rows, cols, this.kernel === 'logSoftmax');
    } else {
      backend.activationForward(this.kernel, this.params, t.data, y);
    }
    return new Tensor(y, t.shape);
  }

  /** dL/dx given x and the upstream gradient dy = dL/dy (same shape as x). */
  backward(x: TensorLike, dy: TensorLike, options?: OpOptions): Tensor {
    const { out } = checkOptions(options, ['out']);
    const t = toTensor(x, 'x');
    const g = toTensor(dy, 'dy');
    checkSameShape(g, t, 'dy');
    const dx = outputBuffer(out, t.size);
    const backend = activeBackend();
    if (this.kernel === 'softmax' || this.kernel === 'logSoftmax') {
      const [rows, cols] = rowsAndCols(t);
      backend.softmaxBackward(t.data, g.data, dx, rows, cols, this.kernel === 'logSoftmax');
    } else {
      backend.activationBackward(this.kernel, this.params, t.data, g.data, dx);
    }
    return new Tensor(dx, t.shape);
  }

  /** `{ name, ...options }`, enough to recreate it with `activation()`. */
  getConfig(): { name: N } & Required<ActivationOptionsByName[N]> {
    return { name: this.name, ...this.options } as { name: N } & Required<ActivationOptionsByName[N]>;
  }
}

/** [rows, cols] of a tensor seen as rows over its last axis. */
function rowsAndCols(t: Tensor): [number, number] {
  if (t.rank === 0) throw invalidDescribed('x', 'a tensor with at least 1 dimension', 'a 0-D tensor');
  const cols = t.shape[t.rank - 1];
  return [cols === 0 ? 0 : t.size / cols, cols];
}

/** `a` must have the shape of `ref` (a 1-D Float32Array may stand for any shape of the same size). */
export function checkSameShape(a: Tensor, ref: Tensor, name: string): void {
  const sameSize = a.size === ref.size;
  const sameShape = a.shape.length === ref.shape.length && a.shape.every((d, i) => d === ref.shape[i]);
  if (!sameSize || (!sameShape && a.rank !== 1)) {
    throw invalidDescribed(name, `shape [${ref.shape.join(', ')}]`, `shape [${a.shape.join(', ')}]`);
  }
}

/**
 * Create an activation by name.
 * @example const act = dd.activation('leakyRelu', { alpha: 0.01 }); act.forward(x); act.backward(x, dy);
 */
export function activation<N extends ActivationName>(name: N, options?: ActivationOptionsByName[N]): Activation<N> {
  if (typeof name !== 'string' || !Object.hasOwn(SPECS, name)) {
    throw invalidParameter('name', `one of the activations ${ACTIVATION_NAMES.join(', ')}`, name);
  }
  return new Activation(name, options);
}
