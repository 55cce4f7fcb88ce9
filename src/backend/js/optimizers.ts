/**
 * Pure-TS optimizer steps: the reference of the native fused kernels
 * (native/kernels/cpu/optim_kernels.inc), element by element in float64,
 * stored to float32. Coefficient layouts are documented in src/optimizer/.
 * Weight decay (L2) is applied first: g <- g + wd * p.
 */
import type { OptimizerKernel } from '../kernel-ids.js';

/** Updates element i of one tensor; `s` holds this tensor's state slots. */
type ElementStep = (p: Float32Array, g: Float32Array, s: Float32Array[], i: number, c: Float64Array) => void;

const STEPS: Record<OptimizerKernel, ElementStep> = {
  // c = [lr, momentum, dampening, nesterov, weightDecay, firstStep]
  sgd(p, g, s, i, c) {
    const [lr, mu, damp, nesterov, wd, first] = c;
    let d = g[i] + wd * p[i];
    if (mu !== 0) {
      const b = first ? d : mu * s[0][i] + (1 - damp) * d;
      s[0][i] = b;
      d = nesterov ? d + mu * b : b;
    }
    p[i] -= lr * d;
  },
  // c = [lr / (1 + (t-1) lrDecay), weightDecay, eps]
  adagrad(p, g, s, i, c) {
    const gi = g[i] + c[1] * p[i];
    s[0][i] += gi * gi;
    p[i] -= (c[0] * gi) / (Math.sqrt(s[0][i]) + c[2]);
  },
  // c = [lr, rho, eps, weightDecay]
  adadelta(p, g, s, i, c) {
    const [lr, rho, eps, wd] = c;
    const gi = g[i] + wd * p[i];
    s[0][i] = rho * s[0][i] + (1 - rho) * gi * gi;
    const delta = (Math.sqrt(s[1][i] + eps) / Math.sqrt(s[0][i] + eps)) * gi;
    s[1][i] = rho * s[1][i] + (1 - rho) * delta * delta;
    p[i] -= lr * delta;
  },
  // c = [lr, alpha, eps, weightDecay, momentum, centered]; slots: squareAvg, [momentumBuffer], [gradAvg]
  rmsprop(p, g, s, i, c) {
    const [lr, a, eps, wd, mu, centered] = c;
    const gi = g[i] + wd * p[i];
    s[0][i] = a * s[0][i] + (1 - a) * gi * gi;
    let den: number;
    if (centered) {
      const avg = s[mu !== 0 ? 2 : 1];
      avg[i] = a * avg[i] + (1 - a) * gi;
      den = Math.sqrt(s[0][i] - avg[i] * avg[i]) + eps;
    } else {
      den = Math.sqrt(s[0][i]) + eps;
    }
    if (mu !== 0) {
      s[1][i] = mu * s[1][i] + gi / den;
      p[i] -= lr * s[1][i];
    } else {
      p[i] -= (lr * gi) / den;
    }
  },
  // c = [lr / bc1, 1 / sqrt(bc2), beta1, beta2, eps, weightDecay, decoupled decay factor, amsgrad]
  adam(p, g, s, i, c) {
    const [step, invBc2, b1, b2, eps, wd, decay, amsgrad] = c;
    const pi = p[i] * decay;
    const gi = g[i] + wd * pi;
    s[0][i] = b1 * s[0][i] + (1 - b1) * gi;
    s[1][i] = b2 * s[1][i] + (1 - b2) * gi * gi;
    let v = s[1][i];
    if (amsgrad) {
      s[2][i] = Math.max(s[2][i], v);
      v = s[2][i];
    }
    p[i] = pi - (step * s[0][i]) / (Math.sqrt(v) * invBc2 + eps);
  },
  // c = [lr / bc1, beta1, beta2, eps, weightDecay]
  adamax(p, g, s, i, c) {
    const [clr, b1, b2, eps, wd] = c;
    const gi = g[i] + wd * p[i];
    s[0][i] = b1 * s[0][i] + (1 - b1) * gi;
    s[1][i] = Math.max(b2 * s[1][i], Math.abs(gi) + eps);
    p[i] -= (clr * s[0][i]) / s[1][i];
  },
  // c = [lr (1 - mu_t) / (1 - prod_t), lr mu_{t+1} / (1 - prod_{t+1}), beta1, beta2, 1 / sqrt(bc2), eps, weightDecay]
  nadam(p, g, s, i, c) {
    const [cg, cm, b1, b2, invBc2, eps, wd] = c;
    const gi = g[i] + wd * p[i];
    s[0][i] = b1 * s[0][i] + (1 - b1) * gi;
    s[1][i] = b2 * s[1][i] + (1 - b2) * gi * gi;
    p[i] -= (cg * gi + cm * s[0][i]) / (Math.sqrt(s[1][i]) * invBc2 + eps);
  },
  // c = [lr, 1 / bc1, beta1, beta2, eps, weightDecay, rectified, r * sqrt(bc2)]
  radam(p, g, s, i, c) {
    const [lr, invBc1, b1, b2, eps, wd, rectified, rect] = c;
    const gi = g[i] + wd * p[i];
    s[0][i] = b1 * s[0][i] + (1 - b1) * gi;
    s[1][i] = b2 * s[1][i] + (1 - b2) * gi * gi;
    const mhat = s[0][i] * invBc1;
    p[i] -= rectified ? (lr * mhat * rect) / (Math.sqrt(s[1][i]) + eps) : lr * mhat;
  },
};

export function optimizerStep(
  kernel: OptimizerKernel, params: Float32Array[], grads: Float32Array[], state: Float32Array, slots: number, coeffs: Float64Array,
): void {
  const step = STEPS[kernel];
  const total = params.reduce((n, p) => n + p.length, 0);
  let offset = 0;
  params.forEach((p, t) => {
    const s = Array.from({ length: slots }, (_, k) => state.subarray(k * total + offset, k * total + offset + p.length));
    for (let i = 0; i < p.length; i++) step(p, grads[t], s, i, coeffs);
    offset += p.length;
  });
}

export function clipGradNorm(grads: Float32Array[], maxNorm: number): number {
  let sum = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) sum += g[i] * g[i];
  const norm = Math.sqrt(sum);
  const coef = maxNorm / (norm + 1e-6); // torch.nn.utils.clip_grad_norm_
  if (coef < 1) for (const g of grads) for (let i = 0; i < g.length; i++) g[i] *= coef;
  return norm;
}

export function clipGradValue(grads: Float32Array[], value: number): void {
  for (const g of grads) for (let i = 0; i < g.length; i++) g[i] = g[i] < -value ? -value : g[i] > value ? value : g[i];
}
