import { checkBoolean } from '../validate.js';
import { DendriteError } from '../errors.js';
import { Optimizer, nonNegative } from './optimizer.js';

export interface SGDOptions {
  /** Learning rate, >= 0. Default 1e-3 (PyTorch >= 2.0). */
  lr?: number;
  /** Momentum factor mu, >= 0. Default 0 (plain gradient descent). */
  momentum?: number;
  /** Dampening d of the momentum, >= 0. Default 0. */
  dampening?: number;
  /** Nesterov accelerated gradient; needs momentum > 0 and dampening 0. Default false. */
  nesterov?: boolean;
  /** L2 penalty added to the gradient, >= 0. Default 0. */
  weightDecay?: number;
}

/**
 * Stochastic gradient descent, with optional momentum and Nesterov momentum
 * (torch.optim.SGD). Batch, mini-batch or stochastic GD depends only on the
 * batches you feed it.
 *
 * g = grad + weightDecay * p;
 * if momentum: b = g on the first step, else b = mu * b + (1 - d) * g;
 *              g = nesterov ? g + mu * b : b;
 * p = p - lr * g
 */
export class SGD extends Optimizer {
  static override readonly className = 'SGD';
  protected readonly kernel = 'sgd' as const;

  constructor(options?: SGDOptions) {
    super(options, {
      momentum: [0, nonNegative],
      dampening: [0, nonNegative],
      nesterov: [false, checkBoolean],
      weightDecay: [0, nonNegative],
    });
    const { momentum, dampening, nesterov } = this.options as Required<SGDOptions>;
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw new DendriteError(
        `Expected momentum > 0 and dampening 0 for nesterov but received momentum ${momentum} and dampening ${dampening}`,
      );
    }
  }

  protected defaultLr(): number {
    return 1e-3;
  }

  protected slotNames(): string[] {
    return this.options.momentum !== 0 ? ['momentumBuffer'] : [];
  }

  // [lr, momentum, dampening, nesterov, weightDecay, firstStep]
  protected readonly coefficientCount = 6;
  protected coefficients(t: number, c: Float64Array): void {
    const o = this.options as Required<SGDOptions>;
    c[0] = this.lr;
    c[1] = o.momentum;
    c[2] = o.dampening;
    c[3] = o.nesterov ? 1 : 0;
    c[4] = o.weightDecay;
    c[5] = t === 1 ? 1 : 0;
  }
}
