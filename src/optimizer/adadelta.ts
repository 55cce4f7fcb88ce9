import { Optimizer, nonNegative, positive, unitClosed } from './optimizer.js';

export interface AdadeltaOptions {
  /** Scale of the step, >= 0. Default 1.0 (Adadelta needs no tuning). */
  lr?: number;
  /** Decay of the running averages, in [0, 1]. Default 0.9. */
  rho?: number;
  /** Inside both square roots, > 0. Default 1e-6. */
  eps?: number;
  /** L2 penalty added to the gradient, >= 0. Default 0. */
  weightDecay?: number;
}

/**
 * Adadelta (torch.optim.Adadelta): the step is the ratio of the RMS of past
 * updates to the RMS of past gradients, so units match and no learning rate
 * needs tuning.
 *
 * g = grad + weightDecay * p;  v = rho * v + (1 - rho) * g^2;
 * delta = sqrt(u + eps) / sqrt(v + eps) * g;  u = rho * u + (1 - rho) * delta^2;
 * p = p - lr * delta
 */
export class Adadelta extends Optimizer {
  static override readonly className = 'Adadelta';
  protected readonly kernel = 'adadelta' as const;

  constructor(options?: AdadeltaOptions) {
    super(options, { rho: [0.9, unitClosed], eps: [1e-6, positive], weightDecay: [0, nonNegative] });
  }

  protected defaultLr(): number {
    return 1.0;
  }

  protected slotNames(): string[] {
    return ['squareAvg', 'accDelta'];
  }

  // [lr, rho, eps, weightDecay]
  protected readonly coefficientCount = 4;
  protected coefficients(_t: number, c: Float64Array): void {
    const o = this.options as Required<AdadeltaOptions>;
    c[0] = this.lr;
    c[1] = o.rho;
    c[2] = o.eps;
    c[3] = o.weightDecay;
  }
}
