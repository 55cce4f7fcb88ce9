/** The closed-form schedules: StepLR, ExponentialLR, CosineAnnealingLR, LinearLR. */
import type { Optimizer } from '../optimizer/optimizer.js';
import { checkInteger, checkNumber } from '../validate.js';
import { LRSchedule } from './schedule.js';

export interface StepLROptions {
  /** Epochs between decays (integer >= 1). Required. */
  stepSize: number;
  /** Multiplicative factor, >= 0. Default 0.1. */
  gamma?: number;
}

/** lr = base * gamma^floor(epoch / stepSize) */
export class StepLR extends LRSchedule {
  readonly #stepSize: number;
  readonly #gamma: number;
  constructor(optimizer: Optimizer, options: StepLROptions) {
    super(optimizer, options, ['stepSize', 'gamma']);
    this.#stepSize = checkInteger(this.options.stepSize, 'stepSize', 1);
    this.#gamma = checkNumber(this.options.gamma ?? 0.1, 'gamma', { min: 0 });
    this.start();
  }
  lrAt(e: number): number {
    return this.baseLr * this.#gamma ** Math.floor(e / this.#stepSize);
  }
}

export interface ExponentialLROptions {
  /** Multiplicative factor per epoch, >= 0. Required. */
  gamma: number;
}

/** lr = base * gamma^epoch */
export class ExponentialLR extends LRSchedule {
  readonly #gamma: number;
  constructor(optimizer: Optimizer, options: ExponentialLROptions) {
    super(optimizer, options, ['gamma']);
    this.#gamma = checkNumber(this.options.gamma, 'gamma', { min: 0 });
    this.start();
  }
  lrAt(e: number): number {
    return this.baseLr * this.#gamma ** e;
  }
}

export interface CosineAnnealingLROptions {
  /** Half-period in epochs (integer >= 1). Required. */
  tMax: number;
  /** Minimum lr, >= 0. Default 0. */
  etaMin?: number;
}

/** lr = etaMin + (base - etaMin) * (1 + cos(pi * epoch / tMax)) / 2 — periodic: it rises again after tMax, as torch. */
export class CosineAnnealingLR extends LRSchedule {
  readonly #tMax: number;
  readonly #etaMin: number;
  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    super(optimizer, options, ['tMax', 'etaMin']);
    this.#tMax = checkInteger(this.options.tMax, 'tMax', 1);
    this.#etaMin = checkNumber(this.options.etaMin ?? 0, 'etaMin', { min: 0 });
    this.start();
  }
  lrAt(e: number): number {
    return this.#etaMin + ((this.baseLr - this.#etaMin) * (1 + Math.cos((Math.PI * e) / this.#tMax))) / 2;
  }
}

export interface LinearLROptions {
  /** Factor at epoch 0, in (0, 1]. Default 1/3. */
  startFactor?: number;
  /** Factor from totalIters on, in [0, 1]. Default 1. */
  endFactor?: number;
  /** Epochs of the linear ramp (integer >= 1). Default 5. */
  totalIters?: number;
}

/** lr = base * (start + (end - start) * min(epoch, totalIters) / totalIters) — e.g. a warm-up. */
export class LinearLR extends LRSchedule {
  readonly #start: number;
  readonly #end: number;
  readonly #total: number;
  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    super(optimizer, options, ['startFactor', 'endFactor', 'totalIters']);
    this.#start = checkNumber(this.options.startFactor ?? 1 / 3, 'startFactor', { min: 0, max: 1, minExclusive: true });
    this.#end = checkNumber(this.options.endFactor ?? 1, 'endFactor', { min: 0, max: 1 });
    this.#total = checkInteger(this.options.totalIters ?? 5, 'totalIters', 1);
    this.start();
  }
  lrAt(e: number): number {
    return this.baseLr * (this.#start + ((this.#end - this.#start) * Math.min(e, this.#total)) / this.#total);
  }
}
