import { checkBoolean } from '../validate.js';
import { Optimizer, nonNegative, positive, unitOpen } from './optimizer.js';

export interface AdamOptions {
  /** Learning rate, >= 0. Default 1e-3. */
  lr?: number;
  /** Decay of the first moment, in [0, 1). Default 0.9. */
  beta1?: number;
  /** Decay of the second moment, in [0, 1). Default 0.999. */
  beta2?: number;
  /** Added to the bias-corrected root of the second moment, > 0. Default 1e-8. */
  eps?: number;
  /** L2 penalty added to the gradient (Adam), >= 0. Default 0. */
  weightDecay?: number;
  /** Use the running maximum of the second moment (AMSGrad). Default false. */
  amsgrad?: boolean;
}

/** The shared core of Adam and AdamW; they differ in how weight decay is applied. */
export abstract class AdamBase extends Optimizer {
  protected readonly kernel = 'adam' as const;

  protected constructor(options: AdamOptions | undefined, defaultWeightDecay: number) {
    super(options, {
      beta1: [0.9, unitOpen],
      beta2: [0.999, unitOpen],
      eps: [1e-8, positive],
      weightDecay: [defaultWeightDecay, nonNegative],
      amsgrad: [false, checkBoolean],
    });
  }

  protected defaultLr(): number {
    return 1e-3;
  }

  protected slotNames(): string[] {
    return ['expAvg', 'expAvgSq', ...(this.options.amsgrad ? ['maxExpAvgSq'] : [])];
  }

  /** The L2 weight decay added to the gradient. */
  protected abstract l2Decay(): number;
  /** The decoupled decay factor applied to p before the update (1: none). */
  protected abstract decayFactor(): number;

  // [lr / bc1, 1 / sqrt(bc2), beta1, beta2, eps, weightDecay (L2), decoupled decay factor, amsgrad]
  protected readonly coefficientCount = 8;
  protected coefficients(t: number, c: Float64Array): void {
    const o = this.options as Required<AdamOptions>;
    c[0] = this.lr / (1 - o.beta1 ** t);
    c[1] = 1 / Math.sqrt(1 - o.beta2 ** t);
    c[2] = o.beta1;
    c[3] = o.beta2;
    c[4] = o.eps;
    c[5] = this.l2Decay();
    c[6] = this.decayFactor();
    c[7] = o.amsgrad ? 1 : 0;
  }
}

/**
 * Adam (torch.optim.Adam), weight decay as L2 added to the gradient.
 *
 * g = grad + weightDecay * p;  m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g^2;
 * vhat = amsgrad ? (vmax = max(vmax, v)) : v;
 * p = p - lr / (1 - beta1^t) * m / (sqrt(vhat) / sqrt(1 - beta2^t) + eps)
 */
export class Adam extends AdamBase {
  static override readonly className = 'Adam';

  constructor(options?: AdamOptions) {
    super(options, 0);
  }

  protected l2Decay(): number {
    return this.options.weightDecay as number;
  }

  protected decayFactor(): number {
    return 1;
  }
}
