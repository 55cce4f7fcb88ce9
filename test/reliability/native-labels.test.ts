// Class labels changed in place while a cpu fit runs: the native loop reads them from the JS
// array during the span, so it checks every label it reads (from its own copy) before using it
// as an index. A bad one stops the span and rejects fit with the house error naming the row;
// nothing is written out of bounds (large values used to segfault, small ones to corrupt the
// heap). The crash-prone variant runs in a child process first.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { restoreDefaults } from '../helpers.js';

afterAll(restoreDefaults);
const root = path.join(__dirname, '..', '..');
const ROWS = 2048, WIDTH = 16, CLASSES = 10, ROW = 345;

function setup() {
  const x = Float32Array.from({ length: ROWS * WIDTH }, (_, i) => Math.sin(i * 0.37));
  const y = Int32Array.from({ length: ROWS }, (_, i) => i % CLASSES);
  const m = dd.sequential([dd.layers.dense({ inputSize: WIDTH, units: 64, activation: 'relu' }), dd.layers.dense({ units: CLASSES })], { seed: 1 });
  m.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.01 }), loss: 'softmaxCrossEntropy' });
  return { x: dd.tensor(x, [ROWS, WIDTH]), y, m };
}

const BAD = [12, CLASSES, -1, 2 ** 31 - 1, -(2 ** 31), 1_000_000];
const message = (label: number) => `Expected class indices in [0, ${CLASSES}) for y but received ${label} at row ${ROW}`;

describe('labels changed during a cpu fit', () => {
  beforeEach(() => {
    restoreDefaults();
    dd.setBackend('cpu');
  });

  it('a child process survives labels changed to large and small out-of-range values from a timer', () => {
    const code = `
      const dd = require(process.argv[1]);
      dd.setBackend('cpu');
      (async () => {
        const out = [];
        for (const bad of ${JSON.stringify(BAD)}) {
          const x = dd.tensor(Float32Array.from({ length: ${ROWS * WIDTH} }, (_, i) => Math.sin(i * 0.37)), [${ROWS}, ${WIDTH}]);
          const y = Int32Array.from({ length: ${ROWS} }, (_, i) => i % ${CLASSES});
          const m = dd.sequential([dd.layers.dense({ inputSize: ${WIDTH}, units: 64, activation: 'relu' }), dd.layers.dense({ units: ${CLASSES} })], { seed: 1 });
          m.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.01 }), loss: 'softmaxCrossEntropy' });
          const timer = setTimeout(() => { y[${ROW}] = bad; }, 5);
          const error = await m.fit(x, y, { epochs: 200, batchSize: 32 }).then(() => 'resolved', (e) => e.message);
          clearTimeout(timer);
          out.push({ error, finite: m.getWeights().every((w) => w.every(Number.isFinite)) });
        }
        console.log(JSON.stringify(out));
      })();`;
    const r = spawnSync(process.execPath, ['-e', code, root], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { error: string; finite: boolean }[];
    expect(out.map((o) => o.error)).toEqual(BAD.map(message));
    for (const o of out) expect(o.finite).toBe(true);
  }, 130_000);

  it.each(BAD)('label %d set from a timer mid-span rejects fit with the house error; the model trains on after a fix', async (bad) => {
    const { x, y, m } = setup();
    const timer = setTimeout(() => { y[ROW] = bad; }, 5);
    const err = await m.fit(x, y, { epochs: 200, batchSize: 32 }).then(() => null, (e: unknown) => e);
    clearTimeout(timer);
    expect(err).toBeInstanceOf(dd.DendriteError);
    expect((err as dd.DendriteError).message).toBe(message(bad));
    expect((err as dd.DendriteError).code).toBe('ERR_DENDRITE_INVALID_ARGUMENT');
    for (const w of m.getWeights()) expect(w.every(Number.isFinite)).toBe(true);
    y[ROW] = ROW % CLASSES;
    const h = await m.fit(x, y, { epochs: 1, batchSize: 32 });
    expect(Number.isFinite(h.history.loss[0])).toBe(true);
  });

  it('a label changed from a callback between spans is caught by the native loop, before its batch', async () => {
    const { x, y, m } = setup();
    let batches = 0;
    const callback = { onBatchEnd: () => { if (++batches === 3) y[ROW] = -5; } };
    const before = m.optimizer!.iterations;
    const err = await m.fit(x, y, { epochs: 3, batchSize: 32, callbacks: [callback] }).then(() => null, (e: unknown) => e);
    expect((err as Error).message).toBe(message(-5));
    // the optimizer counted exactly the batches that updated the weights
    expect(m.optimizer!.iterations - before).toBeGreaterThanOrEqual(3);
    expect(m.optimizer!.iterations - before).toBeLessThan(3 * Math.ceil(ROWS / 32));
  });
});
