import { Optimizer, nonNegative, positive, unitOpen } from './optimizer.js';

export interface NAdamOptions {
  /** Learning rate, >= 0. Default 2e-3. */
  lr?: number;
  /** In [0, 1). Default 0.9. */
  beta1?: number;
  /** In [0, 1). Default 0.999. */
  beta2?: number;
  /** Added after the square root, > 0. Default 1e-8. */
  eps?: number;
  /** L2 penalty added to the gradient, >= 0. Default 0. */
  weightDecay?: number;
  /** Momentum decay psi, >= 0. Default 4e-3. */
  momentumDecay?: number;
}

/**
 * NAdam (torch.optim.NAdam, the corrected formula of PyTorch >= 2.0): Adam with Nesterov momentum.
 *
 * mu_t = beta1 * (1 - 0.5 * 0.96^(t * psi));  P_t = P_{t-1} * mu_t;  P_next = P_t * mu_{t+1};
 * g = grad + weightDecay * p;  m, v as Adam;  den = sqrt(v / (1 - beta2^t)) + eps;
 * p = p - lr * (1 - mu_t) / (1 - P_t) * g / den - lr * mu_{t+1} / (1 - P_next) * m / den
 */
export class NAdam extends Optimizer {
  static override readonly className = 'NAdam';
  protected readonly kernel = 'nadam' as const;
  #muProduct = 1;

  constructor(options?: NAdamOptions) {
    super(options, {
      beta1: [0.9, unitOpen],
      beta2: [0.999, unitOpen],
      eps: [1e-8, positive],
      weightDecay: [0, nonNegative],
      momentumDecay: [4e-3, nonNegative],
    });
  }

  protected defaultLr(): number {
    return 2e-3;
  }

  protected slotNames(): string[] {
    return ['expAvg', 'expAvgSq'];
  }

  protected override get scalars(): Record<string, number> {
    return { muProduct: this.#muProduct };
  }
  protected override set scalars(values: Record<string, number>) {
    this.#muProduct = values.muProduct ?? 1;
  }

  // [lr (1 - mu_t) / (1 - P_t), lr mu_{t+1} / (1 - P_next), beta1, beta2, 1 / sqrt(bc2), eps, weightDecay]
  protected readonly coefficientCount = 7;
  protected coefficients(t: number, c: Float64Array): void {
    const o = this.options as Required<NAdamOptions>;
    const mu = o.beta1 * (1 - 0.5 * 0.96 ** (t * o.momentumDecay));
    const muNext = o.beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * o.momentumDecay));
    this.#muProduct *= mu;
    c[0] = (this.lr * (1 - mu)) / (1 - this.#muProduct);
    c[1] = (this.lr * muNext) / (1 - this.#muProduct * muNext);
    c[2] = o.beta1;
    c[3] = o.beta2;
    c[4] = 1 / Math.sqrt(1 - o.beta2 ** t);
    c[5] = o.eps;
    c[6] = o.weightDecay;
  }

}
