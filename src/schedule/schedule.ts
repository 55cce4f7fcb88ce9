/**
 * Learning-rate schedules (torch.optim.lr_scheduler): each wraps an optimizer,
 * sets its lr on construction (epoch 0) and on every `step()`.
 */
import { invalidParameter } from '../errors.js';
import { Optimizer } from '../optimizer/optimizer.js';
import { checkOptions } from '../validate.js';

export abstract class LRSchedule {
  /** The optimizer whose lr this schedule sets. */
  readonly optimizer: Optimizer;
  /** The optimizer's lr when the schedule was created. */
  readonly baseLr: number;
  #epoch = 0;

  protected constructor(optimizer: Optimizer, options: unknown, allowed: readonly string[]) {
    if (!(optimizer instanceof Optimizer)) throw invalidParameter('optimizer', 'a dd.optimizers instance', optimizer);
    this.optimizer = optimizer;
    this.baseLr = optimizer.lr;
    this.options = checkOptions(options, allowed);
  }

  /** The options as given (validated by each schedule). */
  protected readonly options: Record<string, unknown>;

  /** Sets the epoch-0 lr; called at the end of each subclass constructor. */
  protected start(): void {
    this.optimizer.lr = this.lrAt(0);
  }

  /** The lr in effect during epoch (or step) e. */
  abstract lrAt(epoch: number): number;

  /** Advance one epoch (or step) and update the optimizer's lr. */
  step(): void {
    this.#epoch++;
    this.optimizer.lr = this.lrAt(this.#epoch);
  }

  /** Epochs (or steps) taken so far. */
  get lastEpoch(): number {
    return this.#epoch;
  }

  /** The lr set by the last step (or by construction). */
  getLastLr(): number {
    return this.optimizer.lr;
  }
}
