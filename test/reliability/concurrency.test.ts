// Concurrency and faults: the addon in 4 worker threads at once, several fits
// and predictAsync calls in flight on different models (same results as
// sequential runs), a second fit on the same model refused, user-callback
// exceptions and aborts leave a consistent model and a healthy process.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { restoreDefaults } from '../helpers.js';

afterAll(restoreDefaults);
const root = path.join(__dirname, '..', '..');

function dataset(rows = 512, width = 8) {
  const x = new Float32Array(rows * width);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37) * 2;
  const y = Int32Array.from({ length: rows }, (_, i) => (x[i * width] + x[i * width + 1] > 0 ? 1 : 0));
  return { x: dd.tensor(x, [rows, width]), y };
}

function makeModel(seed: number) {
  const m = dd.sequential([dd.layers.dense({ inputSize: 8, units: 32, activation: 'relu' }), dd.layers.dense({ units: 2 })], { seed });
  m.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.01 }), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
  return m;
}

describe('concurrency', () => {
  beforeEach(restoreDefaults);

  it('loads and trains in 4 worker threads at once', async () => {
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const dd = require(workerData.root);
      const rows = 256, width = 8;
      const x = dd.tensor(Float32Array.from({ length: rows * width }, (_, i) => Math.sin(i * 0.37) * 2), [rows, width]);
      const y = Int32Array.from({ length: rows }, (_, i) => (x.data[i * width] > 0 ? 1 : 0));
      const m = dd.sequential([dd.layers.dense({ inputSize: width, units: 16, activation: 'tanh' }), dd.layers.dense({ units: 2 })], { seed: 3 });
      m.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.01 }), loss: 'softmaxCrossEntropy' });
      m.fit(x, y, { epochs: 5, batchSize: 32 }).then(async (h) => {
        const p = await m.predictAsync(x);
        parentPort.postMessage({ backend: dd.getBackend(), loss: h.history.loss.at(-1), sum: p.data.reduce((a, b) => a + b, 0) });
      });`;
    const results = await Promise.all(Array.from({ length: 4 }, () => new Promise<{ backend: string; loss: number; sum: number }>((resolve, reject) => {
      const w = new Worker(code, { eval: true, workerData: { root } });
      w.once('message', (m) => { resolve(m); void w.terminate(); });
      w.once('error', reject);
    })));
    for (const r of results) {
      expect(r.backend).toBe('cpu');
      expect(r.loss).toBe(results[0].loss); // same seed, same data: bit-identical in every thread
      expect(r.sum).toBe(results[0].sum);
    }
  });

  it('concurrent fits and predictAsync on different models give the sequential results', async () => {
    const { x, y } = dataset();
    const sequential: Float32Array[][] = [];
    for (const seed of [1, 2, 3]) {
      const m = makeModel(seed);
      await m.fit(x, y, { epochs: 3, batchSize: 32, seed });
      sequential.push(m.getWeights());
    }
    const models = [1, 2, 3].map(makeModel);
    const probe = makeModel(9);
    const expected = probe.predict(x);
    const [, , , predicted] = await Promise.all([
      ...models.map((m, i) => m.fit(x, y, { epochs: 3, batchSize: 32, seed: i + 1 })),
      probe.predictAsync(x),
    ]);
    models.forEach((m, i) => expect(m.getWeights()).toEqual(sequential[i]));
    expect(Array.from((predicted as dd.Tensor).data)).toEqual(Array.from(expected.data));
  });

  it('refuses a second fit on the same model while one runs', async () => {
    const { x, y } = dataset();
    const m = makeModel(1);
    const first = m.fit(x, y, { epochs: 3, batchSize: 16 });
    await expect(m.fit(x, y)).rejects.toThrow('Expected one fit at a time for model.fit but received a call while another fit of this model is running');
    await first;
    await expect(m.fit(x, y, { epochs: 1 })).resolves.toBeInstanceOf(dd.History);
  });
});

describe('faults', () => {
  beforeEach(restoreDefaults);

  it('an exception in a user callback rejects fit with that error; the model keeps working', async () => {
    const { x, y } = dataset();
    const m = makeModel(1);
    const boom = new Error('callback failed');
    await expect(m.fit(x, y, { epochs: 5, callbacks: [{ onEpochEnd: (e) => { if (e === 1) throw boom; } }] })).rejects.toBe(boom);
    expect(m.optimizer!.iterations).toBe(2 * 16);
    await expect(m.fit(x, y, { epochs: 1, batchSize: 64 })).resolves.toBeInstanceOf(dd.History);
  });

  it('an abort leaves the weights of the last finished batch', async () => {
    const { x, y } = dataset();
    const m = makeModel(1);
    const controller = new AbortController();
    let steps = -1;
    let snapshot: Float32Array[] = [];
    const run = m.fit(x, y, {
      epochs: 100, batchSize: 8, signal: controller.signal,
      callbacks: [{ onBatchEnd: (b) => { if (b === 9) { controller.abort(); steps = m.optimizer!.iterations; snapshot = m.getWeights(); } } }],
    });
    await expect(run).rejects.toThrow(/aborted/);
    expect(m.optimizer!.iterations).toBe(steps);
    expect(m.getWeights()).toEqual(snapshot);
  });

  it('NaN in the inputs is reported by terminateOnNaN instead of training on garbage', async () => {
    const { x, y } = dataset();
    x.data[5 * 8 + 3] = NaN;
    const m = makeModel(1);
    await expect(m.fit(x, y, { epochs: 1, batchSize: 512, shuffle: false, checkFinite: false, callbacks: [dd.callbacks.terminateOnNaN()] }))
      .rejects.toThrow('Expected a finite loss for epoch 0 batch 0 but received NaN (terminateOnNaN)');
  });
});
