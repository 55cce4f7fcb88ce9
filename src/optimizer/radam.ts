import { Optimizer, nonNegative, positive, unitOpen } from './optimizer.js';

export interface RAdamOptions {
  /** Learning rate, >= 0. Default 1e-3. */
  lr?: number;
  /** In [0, 1). Default 0.9. */
  beta1?: number;
  /** In [0, 1). Default 0.999. */
  beta2?: number;
  /** Added to sqrt(v), > 0. Default 1e-8. */
  eps?: number;
  /** L2 penalty added to the gradient, >= 0. Default 0. */
  weightDecay?: number;
}

/**
 * RAdam (torch.optim.RAdam): Adam with the variance of the adaptive step rectified;
 * the first steps (rho_t <= 5) are plain momentum SGD.
 *
 * rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t);  mhat = m / (1 - beta1^t);
 * rho_t > 5: r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)),
 *            p = p - lr * mhat * r * sqrt(1 - beta2^t) / (sqrt(v) + eps);
 * else       p = p - lr * mhat
 */
export class RAdam extends Optimizer {
  static override readonly className = 'RAdam';
  protected readonly kernel = 'radam' as const;

  constructor(options?: RAdamOptions) {
    super(options, { beta1: [0.9, unitOpen], beta2: [0.999, unitOpen], eps: [1e-8, positive], weightDecay: [0, nonNegative] });
  }

  protected defaultLr(): number {
    return 1e-3;
  }

  protected slotNames(): string[] {
    return ['expAvg', 'expAvgSq'];
  }

  // [lr, 1 / bc1, beta1, beta2, eps, weightDecay, rectified, r * sqrt(bc2)]
  protected readonly coefficientCount = 8;
  protected coefficients(t: number, c: Float64Array): void {
    const o = this.options as Required<RAdamOptions>;
    const bc2 = 1 - o.beta2 ** t;
    const rhoInf = 2 / (1 - o.beta2) - 1;
    const rho = rhoInf - (2 * t * o.beta2 ** t) / bc2;
    const rectified = rho > 5;
    const r = rectified ? Math.sqrt(((rho - 4) * (rho - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rho)) : 0;
    c[0] = this.lr;
    c[1] = 1 / (1 - o.beta1 ** t);
    c[2] = o.beta1;
    c[3] = o.beta2;
    c[4] = o.eps;
    c[5] = o.weightDecay;
    c[6] = rectified ? 1 : 0;
    c[7] = r * Math.sqrt(bc2);
  }
}
