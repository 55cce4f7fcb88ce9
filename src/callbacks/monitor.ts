/**
 * The metric a callback watches (earlyStopping, modelCheckpoint): which logs entry, whether
 * lower or higher is better, and a clear error when the logs have no such entry.
 */
import { DendriteError, invalidParameter } from '../errors.js';
import type { Logs } from '../model/callbacks.js';
import { checkOneOf } from '../validate.js';

const HIGHER_IS_BETTER = /acc|auc|precision|recall/i;

/**
 * 'min' (losses, errors), 'max' (accuracies) or 'auto': max for the metrics where higher is better
 * (names containing 'acc', 'auc', 'precision' or 'recall', as Keras), min for the rest.
 */
export type MonitorMode = 'min' | 'max' | 'auto';

export class Monitor {
  readonly #name: string | undefined;
  readonly #mode: MonitorMode;

  /**
   * @param name the logs entry (e.g. 'valLoss'); undefined: 'valLoss' when the logs have it, else 'loss'
   * @param mode see MonitorMode
   */
  constructor(name: unknown, mode: unknown) {
    if (name !== undefined && (typeof name !== 'string' || name === '')) throw invalidParameter('monitor', 'the name of a logs entry (e.g. \'valLoss\')', name);
    this.#name = name;
    this.#mode = checkOneOf(mode ?? 'auto', 'mode', ['min', 'max', 'auto'] as const);
  }

  /** The watched entry's name for these logs. */
  name(logs: Logs): string {
    return this.#name ?? ('valLoss' in logs ? 'valLoss' : 'loss');
  }

  /** The watched value; throws when the logs have no such entry (a typo, or no validation data for 'valLoss'). */
  value(logs: Logs, callback: string): number {
    const name = this.name(logs);
    const value = logs[name];
    if (typeof value !== 'number') {
      throw new DendriteError(
        `Expected one of the logs entries ${Object.keys(logs).map((k) => `'${k}'`).join(', ')} for ${callback} monitor but received '${name}'`
        + (name.startsWith('val') ? ' (validation entries need validationData or validationSplit)' : ''),
      );
    }
    return value;
  }

  /** Whether higher is better for the watched entry. */
  maximizes(logs: Logs): boolean {
    return this.#mode === 'max' || (this.#mode === 'auto' && HIGHER_IS_BETTER.test(this.name(logs)));
  }

  /** Whether `value` beats `best` by more than `minDelta` (any number beats NaN, the start; NaN beats nothing). */
  improves(value: number, best: number, logs: Logs, minDelta = 0): boolean {
    if (Number.isNaN(value)) return false;
    if (Number.isNaN(best)) return true;
    return this.maximizes(logs) ? value > best + minDelta : value < best - minDelta;
  }
}
