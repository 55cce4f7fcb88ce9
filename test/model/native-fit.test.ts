// The native training loop's promises: predictAsync matches predict, steady-state
// training allocates (almost) nothing on the JS heap, and the event loop keeps
// running while fit works on a worker thread.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { Random } from '../../src/random.js';
import { restoreDefaults, variants } from '../helpers.js';

afterAll(restoreDefaults);
const root = path.join(__dirname, '..', '..');

function data(rows: number, width: number, classes: number, seed = 1): { x: dd.Tensor; y: Int32Array } {
  const r = new Random(seed);
  const x = new Float32Array(rows * width);
  for (let i = 0; i < x.length; i++) x[i] = r.normal();
  const y = Int32Array.from({ length: rows }, () => r.int(classes));
  return { x: dd.tensor(x, [rows, width]), y };
}

describe.each(variants())('predictAsync on $label', (variant) => {
  it('matches predict, also for concurrent calls', async () => {
    variant.use();
    const model = dd.sequential([dd.layers.dense({ inputSize: 20, units: 32, activation: 'gelu' }), dd.layers.dense({ units: 5, activation: 'softmax' })]);
    const { x } = data(300, 20, 5);
    const expected = model.predict(x, { batchSize: 64 });
    const [a, b] = await Promise.all([model.predictAsync(x, { batchSize: 64 }), model.predictAsync(x)]);
    expect(a.shape).toEqual([300, 5]);
    expect(Array.from(a.data)).toEqual(Array.from(expected.data));
    expect(b.data.every((v, i) => Math.abs(v - expected.data[i]) < 1e-6)).toBe(true);
  });
});

describe.runIf(dd.backends()[1].available)('native fit', () => {
  beforeEach(restoreDefaults);

  it('1000 steady-state training steps allocate < 100 KB on the JS heap', () => {
    // In a child process whose young generation is big enough that no GC runs: the growth of
    // the young generation between two epoch ends is what one epoch of 1000 steps allocated
    // (node 20's V8 has no total_allocated_bytes counter).
    const code = `
      const dd = require('.');
      const v8 = require('v8');
      const { PerformanceObserver } = require('perf_hooks');
      let gcs = 0;
      new PerformanceObserver((list) => { gcs += list.getEntries().length; }).observe({ entryTypes: ['gc'] });
      const young = () => v8.getHeapSpaceStatistics().filter((s) => s.space_name.startsWith('new')).reduce((n, s) => n + s.space_used_size, 0);
      const rows = 8000, width = 16;
      const x = dd.tensor(Float32Array.from({ length: rows * width }, (_, i) => Math.sin(i)), [rows, width]);
      const y = Int32Array.from({ length: rows }, (_, i) => i % 3);
      const model = dd.sequential([dd.layers.dense({ inputSize: width, units: 32, activation: 'relu' }), dd.layers.dense({ units: 3 })]);
      model.compile({ optimizer: new dd.optimizers.Adam(), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
      const marks = [];
      (async () => {
        await model.fit(x, y, { epochs: 2, batchSize: 8 });   // warm-up: buffers, JIT
        await model.fit(x, y, { epochs: 4, batchSize: 8, callbacks: [{ onEpochEnd: () => { marks.push([young(), gcs]); } }] });
        const pairs = marks.slice(1).map(([y, g], i) => (g === marks[i][1] ? y - marks[i][0] : null)).filter((v) => v !== null);
        const grown = pairs.length ? Math.max(...pairs) : Infinity;
        console.log(JSON.stringify({ grown, steps: model.optimizer.iterations }));
      })();`;
    const out = execFileSync(process.execPath, ['--min-semi-space-size=64', '--max-semi-space-size=64', '-e', code], { cwd: root, encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    expect(r.steps).toBe(6000);
    expect(r.grown).toBeLessThan(100 * 1024);
  });

  it('the event loop keeps running while fit trains on a worker thread', async () => {
    const { x, y } = data(4096, 784, 10);
    const model = dd.sequential([
      dd.layers.dense({ inputSize: 784, units: 256, activation: 'relu' }),
      dd.layers.dense({ units: 128, activation: 'relu' }),
      dd.layers.dense({ units: 10 }),
    ]);
    model.compile({ optimizer: new dd.optimizers.Adam(), loss: 'softmaxCrossEntropy' });
    const controller = new AbortController();
    let last = performance.now();
    let maxLag = 0;
    let ticks = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxLag = Math.max(maxLag, now - last - 5);
      last = now;
      ticks++;
    }, 5);
    setTimeout(() => controller.abort(), 1200);
    const started = performance.now();
    await expect(model.fit(x, y, { epochs: 1000, batchSize: 128, signal: controller.signal })).rejects.toThrow(/aborted/);
    clearInterval(timer);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    expect(ticks).toBeGreaterThan(50);
    expect(maxLag).toBeLessThan(100); // loose: a noisy machine must not fail it; the benchmark reports the real figure
  });

  it('predict and setWeights wait for a running native span', async () => {
    const { x, y } = data(2048, 64, 4);
    const model = dd.sequential([dd.layers.dense({ inputSize: 64, units: 64, activation: 'relu' }), dd.layers.dense({ units: 4 })]);
    model.compile({ optimizer: new dd.optimizers.SGD({ lr: 0.01 }), loss: 'softmaxCrossEntropy' });
    const run = model.fit(x, y, { epochs: 2, batchSize: 16 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(() => model.predict(x)).toThrow('Expected an idle model for predict or evaluate but received a model whose fit() is running');
    await run;
    expect(model.predict(x).shape).toEqual([2048, 4]);
  });
});
