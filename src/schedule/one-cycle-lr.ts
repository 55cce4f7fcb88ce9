import { DendriteError } from '../errors.js';
import type { Optimizer } from '../optimizer/optimizer.js';
import { checkBoolean, checkInteger, checkNumber, checkOneOf } from '../validate.js';
import { LRSchedule } from './schedule.js';

export interface OneCycleLROptions {
  /** Peak lr, > 0. Required. */
  maxLr: number;
  /** Steps in the cycle (integer >= 2). Required. */
  totalSteps: number;
  /** Fraction of the cycle spent increasing the lr, in (0, 1). Default 0.3. */
  pctStart?: number;
  /** 'cos' (default) or 'linear' annealing. */
  annealStrategy?: 'cos' | 'linear';
  /** initial lr = maxLr / divFactor, > 0. Default 25. */
  divFactor?: number;
  /** min lr = initial lr / finalDivFactor, > 0. Default 1e4. */
  finalDivFactor?: number;
  /** Three phases (up, down to initial, down to min) instead of two. Default false. */
  threePhase?: boolean;
  /**
   * Cycle the optimizer's momentum (SGD/RMSprop `momentum`, Adam family `beta1`)
   * inversely to the lr, between baseMomentum and maxMomentum. Default true (torch).
   */
  cycleMomentum?: boolean;
  /** Default 0.85. */
  baseMomentum?: number;
  /** Default 0.95. */
  maxMomentum?: number;
}

interface Phase { end: number; lr: [number, number]; momentum: [number, number] }

/**
 * The 1cycle policy (torch.optim.lr_scheduler.OneCycleLR), stepped once per
 * batch: lr rises from maxLr/divFactor to maxLr over pctStart of the steps, then
 * anneals to maxLr/(divFactor*finalDivFactor). The optimizer's own lr is ignored.
 */
export class OneCycleLR extends LRSchedule {
  readonly #phases: Phase[];
  readonly #anneal: (start: number, end: number, pct: number) => number;
  readonly #totalSteps: number;
  readonly #cycleMomentum: boolean;

  constructor(optimizer: Optimizer, options: OneCycleLROptions) {
    super(optimizer, options, ['maxLr', 'totalSteps', 'pctStart', 'annealStrategy', 'divFactor', 'finalDivFactor',
      'threePhase', 'cycleMomentum', 'baseMomentum', 'maxMomentum']);
    const o = this.options;
    const maxLr = checkNumber(o.maxLr, 'maxLr', { min: 0, minExclusive: true });
    const total = checkInteger(o.totalSteps, 'totalSteps', 2);
    const pct = checkNumber(o.pctStart ?? 0.3, 'pctStart', { min: 0, max: 1, minExclusive: true, maxExclusive: true });
    const strategy = checkOneOf(o.annealStrategy ?? 'cos', 'annealStrategy', ['cos', 'linear'] as const);
    const div = checkNumber(o.divFactor ?? 25, 'divFactor', { min: 0, minExclusive: true });
    const finalDiv = checkNumber(o.finalDivFactor ?? 1e4, 'finalDivFactor', { min: 0, minExclusive: true });
    const threePhase = checkBoolean(o.threePhase ?? false, 'threePhase');
    this.#cycleMomentum = checkBoolean(o.cycleMomentum ?? true, 'cycleMomentum');
    const baseM = checkNumber(o.baseMomentum ?? 0.85, 'baseMomentum', { min: 0, max: 1 });
    const maxM = checkNumber(o.maxMomentum ?? 0.95, 'maxMomentum', { min: 0, max: 1 });
    if (this.#cycleMomentum && !(optimizer.momentum! > 0)) {
      throw new DendriteError(
        `Expected an optimizer with momentum > 0 or beta1 for cycleMomentum (or cycleMomentum: false) but received ${optimizer.className}${optimizer.momentum === 0 ? ' with momentum 0' : ''}`,
      );
    }
    const initial = maxLr / div;
    const min = initial / finalDiv;
    const up = pct * total - 1;
    this.#phases = threePhase
      ? [
          { end: up, lr: [initial, maxLr], momentum: [maxM, baseM] },
          { end: 2 * pct * total - 2, lr: [maxLr, initial], momentum: [baseM, maxM] },
          { end: total - 1, lr: [initial, min], momentum: [maxM, maxM] },
        ]
      : [
          { end: up, lr: [initial, maxLr], momentum: [maxM, baseM] },
          { end: total - 1, lr: [maxLr, min], momentum: [baseM, maxM] },
        ];
    this.#anneal = strategy === 'cos'
      ? (a, b, p) => b + ((a - b) / 2) * (1 + Math.cos(Math.PI * p))
      : (a, b, p) => a + (b - a) * p;
    this.#totalSteps = total;
    this.start();
  }

  #at(e: number, key: 'lr' | 'momentum'): number {
    let start = 0;
    for (const [i, phase] of this.#phases.entries()) {
      if (e <= phase.end || i === this.#phases.length - 1) {
        // pct is capped at 1: the extra step torch allows after the cycle keeps the final value
        // (torch extrapolates there, which turns the lr negative with linear annealing).
        return this.#anneal(phase[key][0], phase[key][1], Math.min(1, (e - start) / (phase.end - start)));
      }
      start = phase.end;
    }
    return NaN; // unreachable
  }

  lrAt(e: number): number {
    return this.#at(e, 'lr');
  }

  protected override start(): void {
    super.start();
    if (this.#cycleMomentum) this.optimizer.momentum = this.#at(0, 'momentum');
  }

  override step(): void {
    // torch allows totalSteps calls (the last one extrapolates the final phase) and refuses more
    if (this.lastEpoch + 1 > this.#totalSteps) {
      throw new DendriteError(
        `Expected at most ${this.#totalSteps} calls of step() for OneCycleLR (totalSteps ${this.#totalSteps}) but received call ${this.lastEpoch + 1}`,
        'ERR_DENDRITE_INVALID_STATE',
      );
    }
    super.step();
    if (this.#cycleMomentum) this.optimizer.momentum = this.#at(this.lastEpoch, 'momentum');
  }
}
