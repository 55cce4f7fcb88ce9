/** validationSplit holds out the LAST rows, before shuffling (Keras' rule); validationData [x, y] as in Keras. */
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { restoreDefaults, variants } from '../helpers.js';

afterAll(restoreDefaults);

const N = 100;
const x = Array.from({ length: N }, (_, r) => [Math.sin(r), Math.cos(2 * r)]);
const y = Int32Array.from(x, ([a, b]) => (a + b > 0 ? 1 : 0));

function model() {
  const m = dd.sequential([dd.layers.dense({ inputSize: 2, units: 6, activation: 'tanh' }), dd.layers.dense({ units: 2 })], { seed: 8 });
  m.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.05 }), loss: 'softmaxCrossEntropy', metrics: ['accuracy', 'auc'] });
  return m;
}

describe.each(variants())('validation on $label', (variant) => {
  it('validationSplit 0.3 is validationData of the last 30 rows, the first 70 trained on', async () => {
    variant.use();
    const split = model();
    const a = await split.fit(x, y, { epochs: 3, batchSize: 16, validationSplit: 0.3, seed: 5 });
    const explicit = model();
    const b = await explicit.fit(x.slice(0, 70), y.slice(0, 70), { epochs: 3, batchSize: 16, validationData: [x.slice(70), y.slice(70)], seed: 5 });
    expect(explicit.getWeights()).toEqual(split.getWeights());
    for (const key of ['loss', 'accuracy', 'auc', 'valLoss', 'valAccuracy', 'valAuc']) expect(b.history[key], key).toEqual(a.history[key]);
    // the last epoch's validation values are evaluate over the last rows at the final weights
    const e = split.evaluate(x.slice(70), y.slice(70));
    expect(a.history.valLoss[2]).toBeCloseTo(e.loss, 6);
    expect(a.history.valAuc[2]).toBeCloseTo(e.auc, 6);
  });

  it('validationData takes one-hot targets', async () => {
    variant.use();
    const oneHot = Array.from(y.slice(70), (k) => [k === 0 ? 1 : 0, k]);
    const a = await model().fit(x.slice(0, 70), y.slice(0, 70), { epochs: 2, validationData: [x.slice(70), oneHot] });
    const b = await model().fit(x.slice(0, 70), y.slice(0, 70), { epochs: 2, validationData: [x.slice(70), y.slice(70)] });
    expect(a.history.valLoss).toEqual(b.history.valLoss);
  });
});

describe('validation options', () => {
  it('refuses both, and a malformed validationData', async () => {
    await expect(model().fit(x, y, { validationSplit: 0.2, validationData: [x, y] })).rejects.toThrow(
      'Expected either validationData or validationSplit for validationData but received both');
    await expect(model().fit(x, y, { validationData: [x] as never })).rejects.toThrow('Expected an array [x, y] for validationData but received [Array(100)]');
  });

  it('refuses validationData of no rows (its valLoss would be NaN every epoch), and evaluate of no rows', async () => {
    await expect(model().fit(x, y, { validationData: [dd.tensor(new Float32Array(0), [0, 2]), new Int32Array(0)] })).rejects.toThrow(
      'Expected at least one validation row for validationData[0] but received 0');
    await expect(model().fit(x, y, { validationData: [[], []] })).rejects.toThrow('Expected at least one validation row for validationData[0] but received 0');
    expect(() => model().evaluate(dd.tensor(new Float32Array(0), [0, 2]), new Int32Array(0))).toThrow('Expected at least one row to evaluate for x but received 0');
    expect(() => model().evaluate([], [])).toThrow('Expected at least one row to evaluate for x but received 0');
  });
});
