/** NaN or Infinity in x, y or validationData rejects fit / evaluate before training (checkFinite: false skips the pass). */
import { describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';

const N = 20;
const clean = () => Array.from({ length: N }, (_, r) => [r / N, Math.sin(r), 1, -r / N]);
const labels = Int32Array.from({ length: N }, (_, r) => r % 2);
const values = () => Array.from({ length: N }, (_, r) => [r / N, 1 - r / N]);

function model(loss: dd.LossName, units: number) {
  const m = dd.sequential([dd.layers.dense({ inputSize: 4, units })], { seed: 1 });
  m.compile({ optimizer: new dd.optimizers.SGD({ lr: 0.1 }), loss });
  return m;
}

describe('checkFinite', () => {
  it('names the row and column of the first NaN or Infinity in x', async () => {
    const x = clean();
    x[12][3] = NaN;
    const m = model('softmaxCrossEntropy', 2);
    await expect(m.fit(x, labels)).rejects.toThrow('Expected finite numbers for x but received NaN at row 12, column 3');
    expect(m.optimizer!.iterations).toBe(0);
    x[12][3] = 0;
    x[4][0] = -Infinity;
    expect(() => m.evaluate(x, labels)).toThrow('Expected finite numbers for x but received -Infinity at row 4, column 0');
  });

  it('checks y: regression values, one-hot rows, class indices', async () => {
    const y = values();
    y[6][1] = Infinity;
    await expect(model('mse', 2).fit(clean(), y)).rejects.toThrow('Expected finite numbers for y but received Infinity at row 6, column 1');
    const oneHot = Array.from(labels, (k) => [k === 0 ? 1 : 0, k === 1 ? 1 : 0]);
    oneHot[3][0] = NaN;
    await expect(model('softmaxCrossEntropy', 2).fit(clean(), oneHot)).rejects.toThrow('Expected finite numbers for y but received NaN at row 3, column 0');
    const indices = Array.from(labels);
    indices[8] = NaN;
    expect(() => model('softmaxCrossEntropy', 2).evaluate(clean(), indices)).toThrow('Expected finite numbers for y but received NaN at row 8');
  });

  it('checks validationData', async () => {
    const vx = clean();
    vx[2][1] = NaN;
    await expect(model('mse', 2).fit(clean(), values(), { validationData: [vx, values()] })).rejects.toThrow(
      'Expected finite numbers for validationData[0] but received NaN at row 2, column 1');
    const vy = values();
    vy[0][0] = NaN;
    await expect(model('mse', 2).fit(clean(), values(), { validationData: [clean(), vy] })).rejects.toThrow(
      'Expected finite numbers for validationData[1] but received NaN at row 0, column 0');
  });

  it('checkFinite: false skips the pass (the loss is then NaN)', async () => {
    const x = clean();
    x[0][0] = NaN;
    const m = model('mse', 2);
    const h = await m.fit(x, values(), { checkFinite: false, batchSize: N });
    expect(h.history.loss[0]).toBeNaN();
    expect(m.evaluate(x, values(), { checkFinite: false }).loss).toBeNaN();
  });

  it('checkFinite must be a boolean', async () => {
    await expect(model('mse', 2).fit(clean(), values(), { checkFinite: 0 as never })).rejects.toThrow('Expected a boolean for checkFinite but received 0');
    expect(() => model('mse', 2).evaluate(clean(), values(), { checkFinite: 'no' as never })).toThrow('Expected a boolean for checkFinite but received "no"');
  });
});
