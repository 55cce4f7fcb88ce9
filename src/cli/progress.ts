/**
 * Progress of a long step: a live bar on stderr when it is a TTY (cli-progress),
 * otherwise one plain line per finished item, or nothing when disabled.
 */
import cliProgress from 'cli-progress';

export class ProgressBar {
  #bar: cliProgress.SingleBar | null = null;
  readonly #live: boolean;

  /**
   * @param enabled false for --quiet / --json
   * @param total the number of items
   * @param label what is counted, shown before the bar
   */
  constructor(readonly enabled: boolean, readonly total: number, label: string) {
    this.#live = enabled && Boolean(process.stderr.isTTY);
    if (this.#live) {
      this.#bar = new cliProgress.SingleBar({
        format: `${label} [{bar}] {value}/{total} | {item} | ETA {eta_formatted}`,
        stream: process.stderr, hideCursor: true, clearOnComplete: true, etaBuffer: 20, fps: 10,
      }, cliProgress.Presets.shades_classic);
      this.#bar.start(total, 0, { item: '' });
    }
  }

  /** Whether a live bar is drawn (status() is a no-op otherwise). */
  get live(): boolean {
    return this.#bar !== null;
  }

  /** Show what is running now (live bar only). */
  status(item: string): void {
    this.#bar?.update({ item });
  }

  /** One more item done; `line` is printed as is when there is no live bar. */
  tick(line: string): void {
    if (this.#bar) this.#bar.increment(1);
    else if (this.enabled) process.stderr.write(`${line}\n`);
  }

  /** Remove the bar. */
  stop(): void {
    this.#bar?.stop();
    this.#bar = null;
  }
}
