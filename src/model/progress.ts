/**
 * fit's progress display, Keras' `verbose`: a live cli-progress bar on a terminal, one
 * line per finished epoch, or nothing. Written on stderr (as the CLI's progress), so that
 * a program's stdout stays its own.
 */
import cliProgress from 'cli-progress';
import { invalidParameter } from '../errors.js';
import type { Logs } from './callbacks.js';

/**
 * fit's `verbose`: `'auto'` a progress bar when stderr is a terminal, else nothing (the
 * default); `0` nothing; `1` a progress bar (one line per epoch when stderr is not a
 * terminal); `2` one line per epoch.
 */
export type Verbosity = 'auto' | 0 | 1 | 2;

/** Where progress is written: process.stderr, or any writable stream (a test's fake). */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean };

const VERBOSITIES: readonly unknown[] = ['auto', 0, 1, 2];

/** fit's `verbose` option, checked (undefined is the default, 'auto'). */
export function checkVerbose(value: unknown): Verbosity {
  if (value === undefined) return 'auto';
  if (!VERBOSITIES.includes(value)) throw invalidParameter('verbose', "'auto', 0, 1 or 2", value);
  return value as Verbosity;
}

/** A metric as Keras prints it: 4 decimals, or 4 significant digits in exponent form below 1e-3. */
export function formatMetric(value: number): string {
  return value === 0 || !Number.isFinite(value) || Math.abs(value) >= 1e-3 ? value.toFixed(4) : value.toExponential(4);
}

/** Every entry of an epoch's logs, `name: value`, the epoch's duration (`time`) last as seconds. */
export function formatLogs(logs: Logs): string {
  const parts = Object.entries(logs).filter(([k]) => k !== 'time').map(([k, v]) => `${k}: ${formatMetric(v)}`);
  if (logs.time !== undefined) parts.push(`${logs.time.toFixed(2)}s`);
  return parts.join(' - ');
}

export class Progress {
  /** 'bar': a live bar, then the epoch's line; 'lines': the epoch's line only. */
  readonly #mode: 'bar' | 'lines' | 'off';
  #bar: cliProgress.SingleBar | null = null;
  #epoch = 0;

  /**
   * @param verbose fit's option (pass 0 on the ranks other than 0 of a distributed fit)
   * @param epochs the number of epochs, shown as `Epoch 3/epochs`
   * @param batches batches per epoch, the bar's total
   * @param stream where to write; its `isTTY` decides between a bar and plain lines
   */
  constructor(verbose: Verbosity, readonly epochs: number, readonly batches: number, readonly stream: ProgressStream = process.stderr) {
    const terminal = stream.isTTY === true;
    this.#mode = verbose === 2 || (verbose === 1 && !terminal) ? 'lines' : (verbose === 1 || verbose === 'auto') && terminal ? 'bar' : 'off';
  }

  /** Whether a live bar is drawn (fit then runs its epochs in about 20 spans, to move it). */
  get live(): boolean {
    return this.#mode === 'bar';
  }

  startEpoch(epoch: number): void {
    this.#epoch = epoch;
    if (this.#mode !== 'bar') return;
    this.stop();
    this.#bar = new cliProgress.SingleBar({
      format: `Epoch ${epoch + 1}/${this.epochs} [{bar}] {value}/{total} | {metrics} | ETA {eta_formatted}`,
      stream: this.stream, hideCursor: true, clearOnComplete: true, etaBuffer: 20, fps: 10,
    }, cliProgress.Presets.shades_classic);
    this.#bar.start(this.batches, 0, { metrics: 'loss: n/a' });
  }

  /** `done` batches of the epoch are done; `running` is the mean loss so far, or running metrics. */
  batch(done: number, running: number | Logs): void {
    if (!this.#bar) return;
    this.#bar.update(done, { metrics: formatLogs(typeof running === 'number' ? { loss: running } : running) });
  }

  /** The epoch's line: every entry of its logs (loss, accuracy, valLoss, ..., time). */
  endEpoch(logs: Logs): void {
    if (this.#mode === 'off') return;
    this.stop();
    this.stream.write(`Epoch ${this.#epoch + 1}/${this.epochs} - ${formatLogs(logs)}\n`);
  }

  /** Remove a live bar (fit calls it when it ends, also by an error, so no bar or hidden cursor is left). */
  stop(): void {
    this.#bar?.stop();
    this.#bar = null;
  }
}
