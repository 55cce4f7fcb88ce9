/** Pure-TS losses, mean reduction, accumulated in float64. */
import { rowLogSoftmax } from './softmax.js';
import { sigmoid } from './math.js';

export function mse(pred: Float32Array, target: Float32Array, grad: Float32Array | null): number {
  const n = pred.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = pred[i] - target[i];
    sum += d * d;
    if (grad) grad[i] = (2 * d) / n;
  }
  return sum / n;
}

// q = (1 - eps) * onehot(target) + eps / C;  loss = -sum_c q_c log softmax(z)_c;  grad = (softmax(z) - q) / N
export function softmaxCrossEntropy(
  logits: Float32Array, targets: Int32Array, rows: number, cols: number, eps: number, grad: Float32Array | null,
): number {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const logp = rowLogSoftmax(logits, o, cols);
    const y = targets[r];
    let sumLogp = 0;
    for (let j = 0; j < cols; j++) sumLogp += logp(logits[o + j]);
    // the smoothing term only with smoothing: 0 * -Infinity (a -inf logit) would be NaN, torch gives the plain loss
    total -= (1 - eps) * logp(logits[o + y]) + (eps !== 0 ? (eps / cols) * sumLogp : 0);
    if (grad) {
      for (let j = 0; j < cols; j++) {
        const q = eps / cols + (j === y ? 1 - eps : 0);
        grad[o + j] = (Math.exp(logp(logits[o + j])) - q) / rows;
      }
    }
  }
  return total / rows;
}

export function bceWithLogits(logits: Float32Array, targets: Float32Array, grad: Float32Array | null): number {
  const n = logits.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const z = logits[i];
    const y = targets[i];
    total += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
    if (grad) grad[i] = (sigmoid(z) - y) / n;
  }
  return total / n;
}
