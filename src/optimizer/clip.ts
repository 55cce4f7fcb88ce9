/** Gradient clipping over a list of gradients (all tensors in one backend call). */
import { activeBackend } from '../backend/registry.js';
import { invalidParameter } from '../errors.js';
import { Tensor, checkAttached } from '../tensor.js';
import { checkNumber } from '../validate.js';
import type { TensorList } from './optimizer.js';

function gradData(grads: unknown): Float32Array[] {
  if (!Array.isArray(grads)) throw invalidParameter('grads', 'an array of Tensor or Float32Array', grads);
  return grads.map((g, i) => {
    const data = g instanceof Tensor ? g.data : g;
    if (!(data instanceof Float32Array)) throw invalidParameter(`grads[${i}]`, 'a Tensor or Float32Array', g);
    checkAttached(data, `grads[${i}]`);
    return data;
  });
}

/**
 * Scale the gradients in place so that their global L2 norm (over all tensors)
 * is at most `maxNorm` (torch.nn.utils.clip_grad_norm_: factor maxNorm / (norm + 1e-6)).
 * @returns the global norm before clipping.
 */
export function clipGradNorm(grads: TensorList, maxNorm: number): number {
  const data = gradData(grads);
  checkNumber(maxNorm, 'maxNorm', { min: 0 });
  return activeBackend().clipGradNorm(data, maxNorm);
}

/** Clamp every gradient element to [-value, value], in place (torch.nn.utils.clip_grad_value_). */
export function clipGradValue(grads: TensorList, value: number): void {
  const data = gradData(grads);
  checkNumber(value, 'value', { min: 0 });
  activeBackend().clipGradValue(data, value);
}
