/** The `cpu` backend: a thin adapter over the native addon's SIMD kernels. */
import type { Backend } from './backend.js';
import { kernelIndex } from './kernel-ids.js';
import type { NativeAddon } from '../native.js';

export function createCpuBackend(native: NativeAddon): Backend {
  return {
    name: 'cpu',
    activationForward: (kernel, p, x, out) =>
      native.activationForward(kernelIndex(kernel), x, out, p.alpha, p.beta, p.threshold),
    activationBackward: (kernel, p, x, dy, out) =>
      native.activationBackward(kernelIndex(kernel), x, dy, out, p.alpha, p.beta, p.threshold),
    softmaxForward: (x, out, rows, cols, log) => native.softmaxForward(x, out, rows, cols, log),
    softmaxBackward: (x, dy, out, rows, cols, log) => native.softmaxBackward(x, dy, out, rows, cols, log),
    mse: (pred, target, grad) => native.mse(pred, target, grad),
    softmaxCrossEntropy: (logits, targets, rows, cols, eps, grad) =>
      native.softmaxCrossEntropy(logits, targets, rows, cols, eps, grad),
    bceWithLogits: (logits, targets, grad) => native.bceWithLogits(logits, targets, grad),
  };
}
