/** The `cpu` backend: a thin adapter over the native addon's SIMD kernels. */
import { countNativeCall } from '../debug.js';
import type { NativeAddon } from '../native.js';
import type { Backend } from './backend.js';
import { kernelIndex, optimizerIndex } from './kernel-ids.js';

export function createCpuBackend(native: NativeAddon): Backend {
  // Every method is exactly one native call, counted in dd.debug.nativeCalls.
  const call = <A extends unknown[], R>(fn: (...args: A) => R) => (...args: A): R => {
    countNativeCall();
    return fn(...args);
  };
  return {
    name: 'cpu',
    activationForward: call((kernel, p, x, out) =>
      native.activationForward(kernelIndex(kernel), x, out, p.alpha, p.beta, p.threshold)),
    activationBackward: call((kernel, p, x, dy, out) =>
      native.activationBackward(kernelIndex(kernel), x, dy, out, p.alpha, p.beta, p.threshold)),
    softmaxForward: call((x, out, rows, cols, log) => native.softmaxForward(x, out, rows, cols, log)),
    softmaxBackward: call((x, dy, out, rows, cols, log) => native.softmaxBackward(x, dy, out, rows, cols, log)),
    mse: call((pred, target, grad) => native.mse(pred, target, grad)),
    softmaxCrossEntropy: call((logits, targets, rows, cols, eps, grad) =>
      native.softmaxCrossEntropy(logits, targets, rows, cols, eps, grad)),
    bceWithLogits: call((logits, targets, grad) => native.bceWithLogits(logits, targets, grad)),
    optimizerStep: call((kernel, params, grads, state, slots, coeffs) =>
      native.optimizerStep(optimizerIndex(kernel), params, grads, state, slots, coeffs)),
    clipGradNorm: call((grads, maxNorm) => native.clipGradNorm(grads, maxNorm)),
    clipGradValue: call((grads, value) => native.clipGradValue(grads, value)),
    gemm: call((g) => native.gemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc, g.bias,
      g.act ? kernelIndex(g.act.kernel) : -1, g.act?.params.alpha ?? 0, g.act?.params.beta ?? 1, g.act?.params.threshold ?? 20,
      g.act?.out ?? null, g.act?.ldo ?? 0)),
  };
}
