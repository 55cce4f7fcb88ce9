import { invalidParameter } from '../errors.js';
import { Optimizer } from '../optimizer/optimizer.js';
import { checkInteger, checkNumber, checkOneOf, checkOptions } from '../validate.js';

export interface ReduceLROnPlateauOptions {
  /** 'min' (default): lower is better (a loss); 'max': higher is better (an accuracy). */
  mode?: 'min' | 'max';
  /** lr = lr * factor on a plateau, in [0, 1). Default 0.1. */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (integer >= 0). Default 10. */
  patience?: number;
  /** Minimum change that counts as an improvement, >= 0. Default 1e-4. */
  threshold?: number;
  /** 'rel' (default): relative to the best value; 'abs': absolute. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting again (integer >= 0). Default 0. */
  cooldown?: number;
  /** Lower bound of the lr, >= 0. Default 0. */
  minLr?: number;
  /** Reductions smaller than eps are skipped, >= 0. Default 1e-8. */
  eps?: number;
}

/**
 * Reduce the lr when a metric stops improving (torch.optim.lr_scheduler.ReduceLROnPlateau).
 * Call `step(metric)` once per epoch with the validation loss (or accuracy in 'max' mode).
 */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer;
  readonly #o: Required<ReduceLROnPlateauOptions>;
  #best: number;
  #bad = 0;
  #cooldown = 0;
  #epoch = 0;

  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    if (!(optimizer instanceof Optimizer)) throw invalidParameter('optimizer', 'a dd.optimizers instance', optimizer);
    const o = checkOptions(options, ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps']);
    this.optimizer = optimizer;
    this.#o = {
      mode: checkOneOf(o.mode ?? 'min', 'mode', ['min', 'max'] as const),
      factor: checkNumber(o.factor ?? 0.1, 'factor', { min: 0, max: 1, maxExclusive: true }),
      patience: checkInteger(o.patience ?? 10, 'patience', 0),
      threshold: checkNumber(o.threshold ?? 1e-4, 'threshold', { min: 0 }),
      thresholdMode: checkOneOf(o.thresholdMode ?? 'rel', 'thresholdMode', ['rel', 'abs'] as const),
      cooldown: checkInteger(o.cooldown ?? 0, 'cooldown', 0),
      minLr: checkNumber(o.minLr ?? 0, 'minLr', { min: 0 }),
      eps: checkNumber(o.eps ?? 1e-8, 'eps', { min: 0 }),
    };
    this.#best = this.#o.mode === 'min' ? Infinity : -Infinity;
  }

  #isBetter(value: number): boolean {
    const { mode, threshold, thresholdMode } = this.#o;
    if (mode === 'min') return value < (thresholdMode === 'rel' ? this.#best * (1 - threshold) : this.#best - threshold);
    return value > (thresholdMode === 'rel' ? this.#best * (1 + threshold) : this.#best + threshold);
  }

  /** Record this epoch's metric; reduces the lr after more than `patience` epochs without improvement. */
  step(metric: number): void {
    checkNumber(metric, 'metric');
    this.#epoch++;
    if (this.#isBetter(metric)) {
      this.#best = metric;
      this.#bad = 0;
    } else {
      this.#bad++;
    }
    if (this.#cooldown > 0) {
      this.#cooldown--;
      this.#bad = 0;
    }
    if (this.#bad > this.#o.patience) {
      const lr = this.optimizer.lr;
      const next = Math.max(lr * this.#o.factor, this.#o.minLr);
      if (lr - next > this.#o.eps) this.optimizer.lr = next;
      this.#cooldown = this.#o.cooldown;
      this.#bad = 0;
    }
  }

  /** Epochs recorded so far. */
  get lastEpoch(): number {
    return this.#epoch;
  }

  /** The best metric seen so far. */
  get best(): number {
    return this.#best;
  }
}
