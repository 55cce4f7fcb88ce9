import { Optimizer, nonNegative, positive } from './optimizer.js';

export interface AdagradOptions {
  /** Learning rate, >= 0. Default 0.01. */
  lr?: number;
  /** Learning-rate decay per step, >= 0. Default 0. */
  lrDecay?: number;
  /** L2 penalty added to the gradient, >= 0. Default 0. */
  weightDecay?: number;
  /** Initial value of the squared-gradient sum, >= 0. Default 0. */
  initialAccumulatorValue?: number;
  /** Added to the square root of the sum, > 0. Default 1e-10. */
  eps?: number;
}

/**
 * Adagrad (torch.optim.Adagrad): per-coordinate steps that shrink with the
 * sum of that coordinate's squared gradients, so frequently updated
 * coordinates slow down while rare ones keep large steps.
 *
 * g = grad + weightDecay * p;  clr = lr / (1 + (t - 1) * lrDecay);
 * S = S + g^2;  p = p - clr * g / (sqrt(S) + eps)
 */
export class Adagrad extends Optimizer {
  static override readonly className = 'Adagrad';
  protected readonly kernel = 'adagrad' as const;

  constructor(options?: AdagradOptions) {
    super(options, {
      lrDecay: [0, nonNegative],
      weightDecay: [0, nonNegative],
      initialAccumulatorValue: [0, nonNegative],
      eps: [1e-10, positive],
    });
  }

  protected defaultLr(): number {
    return 0.01;
  }

  protected slotNames(): string[] {
    return ['sum'];
  }

  protected override initialValue(): number {
    return this.options.initialAccumulatorValue as number;
  }

  // [lr / (1 + (t-1) lrDecay), weightDecay, eps]
  protected readonly coefficientCount = 3;
  protected coefficients(t: number, c: Float64Array): void {
    const o = this.options as Required<AdagradOptions>;
    c[0] = this.lr / (1 + (t - 1) * o.lrDecay);
    c[1] = o.weightDecay;
    c[2] = o.eps;
  }
}
