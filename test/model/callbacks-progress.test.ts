// fit's progress (Keras' verbose): 'auto' (a bar on a terminal, else nothing), 0, 1, 2, on
// stderr; the Progress class is tested over fake streams, fit over a patched process.stderr.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { checkVerbose, formatLogs, formatMetric, Progress, type ProgressStream } from '../../src/model/progress.js';

/** A writable that records what is written; `isTTY` as given. */
function fakeStream(isTTY: boolean): ProgressStream & { text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({ write(chunk, _encoding, done) { chunks.push(String(chunk)); done(); } }) as Writable & { isTTY?: boolean; columns?: number };
  stream.isTTY = isTTY;
  stream.columns = 200;
  return Object.assign(stream, { text: () => chunks.join('') });
}

const plain = (s: string) => s.replace(/\x1B(\[[0-9;?]*[A-Za-z]|[78])/g, '');
const LOGS = { loss: 0.69314, accuracy: 0.5, valLoss: 0.00012345, valAccuracy: 0.75, time: 0.1234 };
const LINE = 'Epoch 1/2 - loss: 0.6931 - accuracy: 0.5000 - valLoss: 1.2345e-4 - valAccuracy: 0.7500 - 0.12s\n';

describe('Progress', () => {
  it('formats every logs entry as Keras (4 decimals, exponent form below 1e-3), the time last', () => {
    expect(formatMetric(0)).toBe('0.0000');
    expect(formatMetric(12.345678)).toBe('12.3457');
    expect(formatMetric(-0.0000123)).toBe('-1.2300e-5');
    expect(formatMetric(NaN)).toBe('NaN');
    expect(formatLogs({ time: 2, loss: 1, mae: 0.5 })).toBe('loss: 1.0000 - mae: 0.5000 - 2.00s');
  });

  it("verbose 2 (and 1 off a terminal) writes one line per epoch; 0 and 'auto' off a terminal write nothing", () => {
    for (const [verbose, tty, expected] of [[2, true, LINE], [2, false, LINE], [1, false, LINE], [0, true, ''], [0, false, ''], ['auto', false, '']] as const) {
      const stream = fakeStream(tty);
      const progress = new Progress(verbose, 2, 5, stream);
      expect(progress.live).toBe(false);
      progress.startEpoch(0);
      progress.batch(3, 0.7);
      progress.endEpoch(LOGS);
      progress.stop();
      expect(stream.text()).toBe(expected);
    }
  });

  it("'auto' and 1 on a terminal draw a live bar with the running loss, then the epoch's line", () => {
    for (const verbose of ['auto', 1] as const) {
      const stream = fakeStream(true);
      const progress = new Progress(verbose, 2, 5, stream);
      expect(progress.live).toBe(true);
      progress.startEpoch(0);
      expect(plain(stream.text())).toMatch(/^Epoch 1\/2 \[░+\] 0\/5 \| loss: n\/a \| ETA /);
      progress.batch(3, 0.7);
      progress.batch(4, { loss: 0.65, accuracy: 0.5 });
      progress.endEpoch(LOGS);
      const text = stream.text();
      expect(plain(text)).toMatch(/Epoch 1\/2 \[█{32}░{8}\] 4\/5 \| loss: 0.6500 - accuracy: 0.5000 \| ETA /);  // the final redraw
      expect(text.endsWith(LINE)).toBe(true);
      expect(text).toContain('\x1B[?25l');  // the cursor is hidden while the bar runs ...
      expect(text).toContain('\x1B[?25h');  // ... and shown again
      progress.startEpoch(1);
      progress.stop();  // fit stops a bar left by an error
      expect(plain(stream.text())).toContain('Epoch 2/2 [');
      const after = stream.text();
      expect(after.lastIndexOf('\x1B[?25h')).toBeGreaterThan(after.lastIndexOf('\x1B[?25l'));  // cursor shown again
      expect(after.endsWith('\x1B[2K')).toBe(true);  // and the bar's line cleared
    }
  });

  it("checks fit's verbose option: 'auto' (default), 0, 1 or 2", async () => {
    expect(checkVerbose(undefined)).toBe('auto');
    for (const v of ['auto', 0, 1, 2]) expect(checkVerbose(v)).toBe(v);
    for (const v of [3, true, 'yes', null]) expect(() => checkVerbose(v)).toThrow(/^Expected 'auto', 0, 1 or 2 for verbose but received /);
    const m = dd.sequential([dd.layers.dense({ inputSize: 1, units: 1 })], { backend: 'js' });
    m.compile({ optimizer: new dd.optimizers.SGD({ lr: 0.1 }), loss: 'mse' });
    await expect(m.fit([[1]], [[1]], { verbose: 3 as 0 })).rejects.toThrow("Expected 'auto', 0, 1 or 2 for verbose but received 3");
  });
});

describe('fit verbose', () => {
  const write = process.stderr.write;
  const isTTY = process.stderr.isTTY;
  afterEach(() => {
    process.stderr.write = write;
    Object.defineProperty(process.stderr, 'isTTY', { value: isTTY, configurable: true, writable: true });
  });

  /** Run fit with stderr captured (and seen as a terminal or not); returns what was written. */
  async function fitWritten(tty: boolean, verbose?: dd.Verbosity): Promise<string> {
    const m = dd.sequential([dd.layers.dense({ inputSize: 2, units: 4, activation: 'tanh' }), dd.layers.dense({ units: 2 })], { seed: 1, backend: 'js' });
    m.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.05 }), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
    const chunks: string[] = [];
    Object.defineProperty(process.stderr, 'isTTY', { value: tty, configurable: true, writable: true });
    process.stderr.write = ((chunk: string) => { chunks.push(String(chunk)); return true; }) as typeof process.stderr.write;
    try {
      await m.fit(dd.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), [0, 1, 1, 0], { epochs: 2, batchSize: 1, validationSplit: 0.5, ...(verbose === undefined ? {} : { verbose }) });
    } finally {
      process.stderr.write = write;
    }
    return chunks.join('');
  }

  const epochLine = (e: number) => new RegExp(`Epoch ${e}/2 - loss: \\d\\.\\d{4} - accuracy: \\d\\.\\d{4} - valLoss: \\d\\.\\d{4} - valAccuracy: \\d\\.\\d{4} - \\d+\\.\\d\\ds\\n`);

  it("by default ('auto') shows a bar and every epoch's metrics on a terminal, nothing otherwise", async () => {
    expect(await fitWritten(false)).toBe('');
    const text = plain(await fitWritten(true));
    expect(text).toMatch(/Epoch 1\/2 \[[█░]+\] \d\/2 \| loss: /);
    expect(text).toMatch(epochLine(1));
    expect(text).toMatch(epochLine(2));
  });

  it('verbose 2 writes exactly one line per epoch, even on a terminal; 0 nothing', async () => {
    const text = await fitWritten(true, 2);
    expect(text.split('\n')).toHaveLength(3);
    expect(text).toMatch(new RegExp(`^${epochLine(1).source}${epochLine(2).source}$`));
    expect(await fitWritten(true, 0)).toBe('');
  });
});
