/**
 * The Backend interface: every computation the facade needs. Three
 * implementations: `js` (pure TypeScript oracle), `cpu` (native SIMD), `cuda`.
 * Arguments arrive validated; `out`/`grad` may alias an input (in place).
 */
import type { ActivationKernel, ActivationParams, OptimizerKernel } from './kernel-ids.js';

export type BackendName = 'js' | 'cpu' | 'cuda';

/**
 * One GEMM call: C[m, n] = alpha * op(A) * op(B) + beta * C (row-major), then, when
 * given, C += bias (one value per column) and act.out = act(C) (C keeps the
 * pre-activation). op(A) is m x k (stored k x m when transA), op(B) is k x n
 * (stored n x k when transB). beta 0 makes C write-only. Callers reuse these
 * objects across steps, so a training step allocates nothing.
 */
export interface GemmCall {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  a: Float32Array;
  lda: number;
  b: Float32Array;
  ldb: number;
  beta: number;
  c: Float32Array;
  ldc: number;
  bias: Float32Array | null;
  act: { kernel: ActivationKernel; params: ActivationParams; out: Float32Array; ldo: number } | null;
}

export interface Backend {
  readonly name: BackendName;
  /**
   * Where fit's native training loop runs for this backend: 'cpu' (the CPU kernels), 'cuda'
   * (resident on the GPU), 'deviceMath' (that device-resident loop over the CUDA math on the
   * CPU: tests), or null (the TypeScript loop over this backend's ops).
   */
  readonly trainer: 'cpu' | 'cuda' | 'deviceMath' | null;
  /** out[i] = f(x[i]). */
  activationForward(kernel: ActivationKernel, params: ActivationParams, x: Float32Array, out: Float32Array): void;
  /** out[i] = dy[i] * f'(x[i]). */
  activationBackward(
    kernel: ActivationKernel, params: ActivationParams, x: Float32Array, dy: Float32Array, out: Float32Array,
  ): void;
  /** Row-wise softmax (or log-softmax) of a [rows, cols] matrix. */
  softmaxForward(x: Float32Array, out: Float32Array, rows: number, cols: number, log: boolean): void;
  /** Vector-Jacobian product of the row-wise softmax (or log-softmax). */
  softmaxBackward(x: Float32Array, dy: Float32Array, out: Float32Array, rows: number, cols: number, log: boolean): void;
  /** Mean squared error; writes the gradient when `grad` is given. */
  mse(pred: Float32Array, target: Float32Array, grad: Float32Array | null): number;
  /** Mean cross-entropy of softmax(logits) vs class indices, with label smoothing. */
  softmaxCrossEntropy(
    logits: Float32Array, targets: Int32Array, rows: number, cols: number, labelSmoothing: number, grad: Float32Array | null,
  ): number;
  /** Mean binary cross-entropy of sigmoid(logits) vs targets in [0, 1]. */
  bceWithLogits(logits: Float32Array, targets: Float32Array, grad: Float32Array | null): number;
  /**
   * One optimizer step over every parameter tensor, in place. `state` is the
   * slot-major arena: slot s of tensor t starts at s * total + offset(t).
   * `coeffs` are the step's coefficients (layout per kernel, see src/optimizer/).
   */
  optimizerStep(
    kernel: OptimizerKernel, params: Float32Array[], grads: Float32Array[], state: Float32Array, slots: number, coeffs: Float64Array,
  ): void;
  /** Scale all gradients so that their global L2 norm is at most maxNorm; returns the norm before clipping. */
  clipGradNorm(grads: Float32Array[], maxNorm: number): number;
  /** Clamp every gradient element to [-value, value]. */
  clipGradValue(grads: Float32Array[], value: number): void;
  /** General matrix product with the dense-layer epilogue (see GemmCall). */
  gemm(call: GemmCall): void;
}

/** One entry of `dendrite.backends()`. */
export interface BackendInfo {
  name: BackendName;
  available: boolean;
  /** Why the backend is unavailable (includes the underlying error). */
  reason?: string;
  /**
   * The CPU kernel variant in use (`'avx512'`, `'avx2'` or `'scalar'`), read from the native dispatch table:
   * the best one this CPU and OS support, or the one `DENDRITE_ISA` names.
   */
  isa?: string;
  /** The CPU kernel variants compiled in and supported here, best first. */
  isaVariants?: string[];
  /** cpu: data-parallel support usable here: 'mpi', or 'none' (single process only). */
  distributed?: 'mpi' | 'none';
  /** cpu: the addon file loaded (the prebuilt binary in prebuilds/, or a build from source in build/Release/). */
  addon?: string;
  /** cuda: the GPU in use, e.g. 'NVIDIA H100 80GB HBM3 (sm_90)'. */
  device?: string;
}
