/**
 * Pure-TS activations: the oracle of the test suite and the "pure JS"
 * baseline. Plain float64 math per element, rounded to float32 on store.
 * Semantics match PyTorch 1.13 (kinks included) and native/kernels/ref.
 */
import type { ActivationKernel, ActivationParams } from '../kernel-ids.js';
import { erfc, sigmoid, softplus } from './math.js';

type Fn = (x: number, p: ActivationParams) => number;
interface ActivationMath {
  f: Fn;
  /** f'(x); the backward pass multiplies it by dy. */
  df: Fn;
}

const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327;
const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

const normalCdf = (x: number): number => 0.5 * erfc(-x * SQRT1_2);
const geluTanhInner = (x: number): number => Math.tanh(GELU_K * (x + GELU_C * x * x * x));

// Piecewise ops test their branches so that NaN falls through to arithmetic (NaN in, NaN out).
export const ACTIVATION_MATH: Record<ActivationKernel, ActivationMath> = {
  sigmoid: { f: sigmoid, df: (x) => sigmoid(x) * (1 - sigmoid(x)) },
  tanh: { f: Math.tanh, df: (x) => 1 - Math.tanh(x) ** 2 },
  relu: { f: (x) => (x <= 0 ? 0 : x), df: (x) => (x > 0 ? 1 : 0) },
  leaky_relu: { f: (x, p) => (x > 0 ? x : p.alpha * x), df: (x, p) => (x > 0 ? 1 : p.alpha) },
  swish: { f: (x) => x * sigmoid(x), df: (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x))) },
  gelu: { f: (x) => x * normalCdf(x), df: (x) => normalCdf(x) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x) },
  gelu_tanh: {
    f: (x) => 0.5 * x * (1 + geluTanhInner(x)),
    df: (x) => {
      const t = geluTanhInner(x);
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_K * (1 + 3 * GELU_C * x * x);
    },
  },
  elu: { f: (x, p) => (x > 0 ? x : p.alpha * Math.expm1(x)), df: (x, p) => (x > 0 ? 1 : p.alpha * Math.exp(x)) },
  selu: {
    f: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
    df: (x) => (x > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * Math.exp(x)),
  },
  softplus: {
    f: (x, p) => (p.beta * x > p.threshold ? x : softplus(p.beta * x) / p.beta),
    df: (x, p) => (p.beta * x > p.threshold ? 1 : sigmoid(p.beta * x)),
  },
  mish: {
    f: (x) => x * Math.tanh(softplus(x)),
    df: (x) => {
      const t = Math.tanh(softplus(x));
      return t + x * sigmoid(x) * (1 - t * t);
    },
  },
  hard_sigmoid: {
    f: (x) => (x <= -3 ? 0 : x >= 3 ? 1 : x / 6 + 0.5),
    df: (x) => (x > -3 && x < 3 ? 1 / 6 : 0),
  },
  hard_swish: {
    f: (x) => (x <= -3 ? 0 : x >= 3 ? x : (x * (x + 3)) / 6),
    df: (x) => (x < -3 ? 0 : x < 3 ? x / 3 + 0.5 : 1),
  },
  relu6: { f: (x) => (x <= 0 ? 0 : x >= 6 ? 6 : x), df: (x) => (x > 0 && x < 6 ? 1 : 0) },
  linear: { f: (x) => x, df: () => 1 },
};

export function activationForward(
  kernel: ActivationKernel, p: ActivationParams, x: Float32Array, out: Float32Array,
): void {
  const { f } = ACTIVATION_MATH[kernel];
  for (let i = 0; i < x.length; i++) out[i] = f(x[i], p);
}

export function activationBackward(
  kernel: ActivationKernel, p: ActivationParams, x: Float32Array, dy: Float32Array, out: Float32Array,
): void {
  const { df } = ACTIVATION_MATH[kernel];
  for (let i = 0; i < x.length; i++) out[i] = dy[i] * df(x[i], p);
}
