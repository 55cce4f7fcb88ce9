import { AdamBase, type AdamOptions } from './adam.js';

export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay, >= 0: p = p * (1 - lr * weightDecay) before the Adam step. Default 0.01. */
  weightDecay?: number;
}

/**
 * AdamW (torch.optim.AdamW): Adam with decoupled weight decay.
 *
 * p = p * (1 - lr * weightDecay);  then the Adam update with the raw gradient (no L2 term).
 */
export class AdamW extends AdamBase {
  static override readonly className = 'AdamW';

  constructor(options?: AdamWOptions) {
    super(options, 0.01);
  }

  protected l2Decay(): number {
    return 0;
  }

  protected decayFactor(): number {
    return 1 - this.lr * (this.options.weightDecay as number);
  }
}
