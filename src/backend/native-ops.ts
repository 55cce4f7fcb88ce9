/**
 * The `cpu` and `cuda` backends: one thin adapter over an op table of the addon
 * (the same functions and argument checks in native/binding/ops_binding.cc,
 * over the CPU kernels or the CUDA ones). Every method is exactly one native
 * call, counted in dd.debug.nativeCalls.
 *
 * On `cuda` each call copies its host arrays to the device, runs the kernel and
 * copies the results back; fit's training loop instead runs resident on the GPU
 * (native/model/device_trainer.cc, `trainer: 'cuda'`). The same
 * adapter over the addon's `deviceMath` table runs the CUDA device math on the
 * CPU, which is how test/cuda checks the CUDA numerics without a GPU.
 */
import { countNativeCall } from '../debug.js';
import type { NativeOps } from '../native.js';
import type { Backend, BackendName } from './backend.js';
import { kernelIndex, optimizerIndex } from './kernel-ids.js';

export function createNativeBackend(name: Exclude<BackendName, 'js'>, ops: NativeOps): Backend {
  const call = <A extends unknown[], R>(fn: (...args: A) => R) => (...args: A): R => {
    countNativeCall();
    return fn(...args);
  };
  const host = (ops as { name?: string }).name === 'host';  // the deviceMath table
  return {
    name,
    trainer: name === 'cpu' ? 'cpu' : host ? 'deviceMath' : 'cuda',
    activationForward: call((kernel, p, x, out) =>
      ops.activationForward(kernelIndex(kernel), x, out, p.alpha, p.beta, p.threshold)),
    activationBackward: call((kernel, p, x, dy, out) =>
      ops.activationBackward(kernelIndex(kernel), x, dy, out, p.alpha, p.beta, p.threshold)),
    softmaxForward: call((x, out, rows, cols, log) => ops.softmaxForward(x, out, rows, cols, log)),
    softmaxBackward: call((x, dy, out, rows, cols, log) => ops.softmaxBackward(x, dy, out, rows, cols, log)),
    mse: call((pred, target, grad) => ops.mse(pred, target, grad)),
    softmaxCrossEntropy: call((logits, targets, rows, cols, eps, grad) =>
      ops.softmaxCrossEntropy(logits, targets, rows, cols, eps, grad)),
    bceWithLogits: call((logits, targets, grad) => ops.bceWithLogits(logits, targets, grad)),
    optimizerStep: call((kernel, params, grads, state, slots, coeffs) =>
      ops.optimizerStep(optimizerIndex(kernel), params, grads, state, slots, coeffs)),
    clipGradNorm: call((grads, maxNorm) => ops.clipGradNorm(grads, maxNorm)),
    clipGradValue: call((grads, value) => ops.clipGradValue(grads, value)),
    gemm: call((g) => ops.gemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc, g.bias,
      g.act ? kernelIndex(g.act.kernel) : -1, g.act?.params.alpha ?? 0, g.act?.params.beta ?? 1, g.act?.params.threshold ?? 20,
      g.act?.out ?? null, g.act?.ldo ?? 0)),
  };
}
