/** fit's progress display: a cli-progress bar on a TTY, plain lines otherwise. */
import cliProgress from 'cli-progress';

export class Progress {
  #bar: cliProgress.SingleBar | null = null;
  #epoch = 0;

  constructor(readonly enabled: boolean, readonly epochs: number, readonly batches: number) {}

  startEpoch(epoch: number): void {
    this.#epoch = epoch;
    if (!this.enabled || !process.stdout.isTTY) return;
    this.#bar = new cliProgress.SingleBar(
      { format: `Epoch ${epoch + 1}/${this.epochs} [{bar}] {value}/{total} | loss {loss} | {eta}s`, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    this.#bar.start(this.batches, 0, { loss: 'n/a' });
  }

  batch(done: number, meanLoss: number): void {
    this.#bar?.update(done, { loss: meanLoss.toFixed(4) });
  }

  endEpoch(logs: Record<string, number>): void {
    if (!this.enabled) return;
    this.#bar?.stop();
    this.#bar = null;
    const parts = Object.entries(logs).map(([k, v]) => (k === 'time' ? `${v.toFixed(2)}s` : `${k} ${v.toFixed(4)}`));
    process.stdout.write(`Epoch ${this.#epoch + 1}/${this.epochs} - ${parts.join(' - ')}\n`);
  }
}
