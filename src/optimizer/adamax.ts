import { Optimizer, nonNegative, positive, unitOpen } from './optimizer.js';

export interface AdamaxOptions {
  /** Learning rate, >= 0. Default 2e-3. */
  lr?: number;
  /** In [0, 1). Default 0.9. */
  beta1?: number;
  /** In [0, 1). Default 0.999. */
  beta2?: number;
  /** Inside the max, > 0. Default 1e-8. */
  eps?: number;
  /** L2 penalty added to the gradient, >= 0. Default 0. */
  weightDecay?: number;
}

/**
 * Adamax (torch.optim.Adamax): Adam with the infinity norm.
 *
 * g = grad + weightDecay * p;  m = beta1 * m + (1 - beta1) * g;  u = max(beta2 * u, |g| + eps);
 * p = p - lr / (1 - beta1^t) * m / u
 */
export class Adamax extends Optimizer {
  static override readonly className = 'Adamax';
  protected readonly kernel = 'adamax' as const;

  constructor(options?: AdamaxOptions) {
    super(options, { beta1: [0.9, unitOpen], beta2: [0.999, unitOpen], eps: [1e-8, positive], weightDecay: [0, nonNegative] });
  }

  protected defaultLr(): number {
    return 2e-3;
  }

  protected slotNames(): string[] {
    return ['expAvg', 'expInf'];
  }

  // [lr / bc1, beta1, beta2, eps, weightDecay]
  protected readonly coefficientCount = 5;
  protected coefficients(t: number, c: Float64Array): void {
    const o = this.options as Required<AdamaxOptions>;
    c[0] = this.lr / (1 - o.beta1 ** t);
    c[1] = o.beta1;
    c[2] = o.beta2;
    c[3] = o.eps;
    c[4] = o.weightDecay;
  }
}
