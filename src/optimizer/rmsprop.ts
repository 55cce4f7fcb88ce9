import { checkBoolean } from '../validate.js';
import { Optimizer, nonNegative, positive, unitClosed } from './optimizer.js';

export interface RMSpropOptions {
  /** Learning rate, >= 0. Default 0.01. */
  lr?: number;
  /** Smoothing constant of the squared-gradient average, in [0, 1]. Default 0.99. */
  alpha?: number;
  /** Added after the square root, > 0. Default 1e-8. */
  eps?: number;
  /** L2 penalty added to the gradient, >= 0. Default 0. */
  weightDecay?: number;
  /** Momentum factor, >= 0. Default 0. */
  momentum?: number;
  /** Normalise by the variance estimate (subtract the squared mean gradient). Default false. */
  centered?: boolean;
}

/**
 * RMSprop (torch.optim.RMSprop): divides the gradient by a running RMS of
 * recent gradients.
 *
 * g = grad + weightDecay * p;  v = alpha * v + (1 - alpha) * g^2;
 * centered: gbar = alpha * gbar + (1 - alpha) * g, den = sqrt(v - gbar^2) + eps; else den = sqrt(v) + eps;
 * momentum > 0: b = momentum * b + g / den, p = p - lr * b;  else p = p - lr * g / den
 */
export class RMSprop extends Optimizer {
  static override readonly className = 'RMSprop';
  protected readonly kernel = 'rmsprop' as const;

  constructor(options?: RMSpropOptions) {
    super(options, {
      alpha: [0.99, unitClosed],
      eps: [1e-8, positive],
      weightDecay: [0, nonNegative],
      momentum: [0, nonNegative],
      centered: [false, checkBoolean],
    });
  }

  protected defaultLr(): number {
    return 0.01;
  }

  protected slotNames(): string[] {
    const o = this.options as Required<RMSpropOptions>;
    return ['squareAvg', ...(o.momentum !== 0 ? ['momentumBuffer'] : []), ...(o.centered ? ['gradAvg'] : [])];
  }

  // [lr, alpha, eps, weightDecay, momentum, centered]
  protected readonly coefficientCount = 6;
  protected coefficients(_t: number, c: Float64Array): void {
    const o = this.options as Required<RMSpropOptions>;
    c[0] = this.lr;
    c[1] = o.alpha;
    c[2] = o.eps;
    c[3] = o.weightDecay;
    c[4] = o.momentum;
    c[5] = o.centered ? 1 : 0;
  }
}
