// dendrite's threads: long native work (fit spans, predictAsync) runs on dendrite's own job
// threads, never on the libuv pool, so fs/dns/zlib/crypto stay responsive during 4 concurrent
// fits; the compute threads run below the event-loop thread's priority (Linux: nice 5); and the
// kernel pool's threads follow setNumThreads both ways (shrinking stops the extra workers).
import { readFileSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { nativeAddon } from '../../src/native.js';
import { restoreDefaults } from '../helpers.js';

const native = nativeAddon()!;
const defaultThreads = native.numThreads();
afterAll(() => {
  dd.setNumThreads(defaultThreads);
  restoreDefaults();
});

function model(seed: number, width: number, hidden = 32) {
  const m = dd.sequential([dd.layers.dense({ inputSize: width, units: hidden, activation: 'relu' }), dd.layers.dense({ units: 10 })], { seed });
  m.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.001 }), loss: 'softmaxCrossEntropy' });
  return m;
}

/** The nice value of each thread of this process (Linux /proc), by thread id. */
function threadNice(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), Number(fields[16]));  // field 19 of stat: nice (2 fields precede the cut)
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** A parallel region over every thread of the pool (an element-wise op above the parallel threshold). */
function parallelRegion() {
  const x = new Float32Array(1 << 22).fill(0.5);
  native.activationForward(native.activationNames().indexOf('relu'), x, new Float32Array(x.length), 0, 1, 20);
}

describe('native threads', () => {
  beforeEach(() => {
    restoreDefaults();
    dd.setBackend('cpu');
  });

  it('4 concurrent fits leave the libuv pool free: an fs.readFile meanwhile is not held up', async () => {
    // Epochs of seconds each (one span per epoch, 4 fits sharing the cores): a span holding a libuv pool thread
    // made the read wait for one to end.
    const width = 256, rows = 32768;
    const x = dd.tensor(Float32Array.from({ length: rows * width }, (_, i) => Math.sin(i * 0.37)), [rows, width]);
    const y = Int32Array.from({ length: rows }, (_, i) => i % 10);
    const stop = new AbortController();
    const fits = [1, 2, 3, 4].map((seed) => model(seed, width, 2048).fit(x, y, { epochs: 1000, batchSize: 32, signal: stop.signal }).catch((e: unknown) => e));
    await new Promise((resolve) => setTimeout(resolve, 200));  // every fit is in a span now
    const started = performance.now();
    await readFile(__filename);
    const waited = performance.now() - started;
    stop.abort();
    for (const result of await Promise.all(fits)) expect((result as Error).name).toBe('AbortError');
    // Loose bound (a noisy, shared machine); before, the read waited for a span to end.
    expect(waited).toBeLessThan(500);
  }, 120_000);

  it.runIf(process.platform === 'linux')('compute threads run at nice 5, the event-loop thread keeps its priority', async () => {
    const main = threadNice().get(process.pid)!;
    dd.setNumThreads(Math.max(2, defaultThreads));
    parallelRegion();
    const m = model(1, 16);
    const x = dd.tensor(new Float32Array(64 * 16).fill(0.1), [64, 16]);
    let during = new Map<number, number>();
    await m.fit(x, new Int32Array(64), { epochs: 3, batchSize: 8, callbacks: [{ onBatchEnd: () => { during = threadNice(); } }] });
    expect(threadNice().get(process.pid)).toBe(main);
    if (main < 5) {
      const lowered = [...threadNice().values()].filter((n) => n === 5).length;
      expect(lowered).toBeGreaterThanOrEqual(native.poolWorkers());
      expect(native.poolWorkers()).toBeGreaterThanOrEqual(1);
    }
    expect(during.size).toBeGreaterThan(0);
  });

  it('the pool\'s threads follow setNumThreads up and down', () => {
    const tasks = () => readdirSync('/proc/self/task').length;
    dd.setNumThreads(64);
    parallelRegion();
    expect(native.poolWorkers()).toBe(63);
    const many = tasks();
    dd.setNumThreads(2);
    expect(native.poolWorkers()).toBeLessThanOrEqual(1);
    if (process.platform === 'linux') expect(tasks()).toBeLessThanOrEqual(many - 62);
    parallelRegion();
    expect(native.poolWorkers()).toBe(1);
    dd.setNumThreads(defaultThreads);
    parallelRegion();
    expect(native.poolWorkers()).toBe(defaultThreads - 1);
    expect(dd.getNumThreads()).toBe(defaultThreads);
  });
});
