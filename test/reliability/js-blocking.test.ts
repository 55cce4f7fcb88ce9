/**
 * Long work inside fit stays off the event loop (issue 16, item 8, the model's part): the
 * validation pass at each epoch's end runs on the native predictAsync path (it used to run
 * synchronously between epochs: 393 ms for 1,024 rows of a 4096-wide model), and the finite
 * check of a large x runs in chunks. The figures for big models are in `npm run test:stress`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { restoreDefaults } from '../helpers.js';

afterAll(restoreDefaults);

describe('fit does not block the event loop', () => {
  it('the validation pass lets timers run while it computes, and gives the sync evaluate()\'s figures', async () => {
    const width = 256;
    const rows = 8192;
    const x = dd.tensor(Float32Array.from({ length: rows * width }, (_, i) => Math.sin(i * 0.37)), [rows, width]);
    const y = Int32Array.from({ length: rows }, (_, i) => i % 10);
    const m = dd.sequential([
      dd.layers.dense({ inputSize: width, units: 1024, activation: 'relu' }),
      dd.layers.dense({ units: 1024, activation: 'relu' }),
      dd.layers.dense({ units: 10 }),
    ], { seed: 1 });
    m.compile({ optimizer: new dd.optimizers.SGD({ lr: 0 }), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
    const started = performance.now();
    const expected = m.evaluate(x, y, { batchSize: 128 });
    const syncMs = performance.now() - started;
    let ticks = 0;
    let counting = false;
    const timer = setInterval(() => {
      if (counting) ticks++;
    }, 1);
    let during = -1;
    const history = await m.fit(x.data.subarray(0, 64 * width), y.subarray(0, 64), {
      epochs: 1, batchSize: 64, validationData: [x, y],
      callbacks: [{
        onBatchEnd: () => {
          counting = true;  // from the end of the only batch to the end of the epoch: the validation
        },
        onEpochEnd: () => {
          during = ticks;
          counting = false;
        },
      }],
    });
    clearInterval(timer);
    // lr 0: the weights are those evaluate() saw; the same batches give the same figures
    expect(history.history.valLoss[0]).toBeCloseTo(expected.loss, 6);
    expect(history.history.valAccuracy[0]).toBe(expected.accuracy);
    // a synchronous pass would let no timer run at all until it ends
    if (syncMs > 30) expect(during).toBeGreaterThanOrEqual(3);
  });

  it('the finite check of a large x runs in chunks and still names the row and column of the first NaN', async () => {
    const width = 100;
    const rows = 20_000;  // 2M values: four chunks
    const x = new Float32Array(rows * width).fill(0.5);
    x[(rows - 3) * width + 7] = NaN;
    const m = dd.sequential([dd.layers.dense({ inputSize: width, units: 2 })]);
    m.compile({ optimizer: new dd.optimizers.SGD(), loss: 'softmaxCrossEntropy' });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    await expect(m.fit(x, new Int32Array(rows), { epochs: 1 })).rejects.toThrow(`Expected finite numbers for x but received NaN at row ${rows - 3}, column 7`);
    clearInterval(timer);
    x[(rows - 3) * width + 7] = 0.5;
    x[5] = Infinity;
    await expect(m.fit(x, new Int32Array(rows), { epochs: 1 })).rejects.toThrow('Expected finite numbers for x but received Infinity at row 0, column 5');
  });
});
