/**
 * One-hot targets [N, C] for softmaxCrossEntropy (Keras' categorical_crossentropy) in fit,
 * evaluate and validationData, on every backend variant: the same training as class indices.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { restoreDefaults, variants } from '../helpers.js';

afterAll(restoreDefaults);

const N = 120;
const C = 3;
const x = dd.tensor(Float32Array.from({ length: N * 2 }, (_, i) => Math.sin(0.37 * i)), [N, 2]);
const labels = Int32Array.from({ length: N }, (_, r) => (x.data[2 * r] > 0.3 ? 0 : x.data[2 * r + 1] > 0 ? 1 : 2));
const oneHotFlat = Float32Array.from({ length: N * C }, (_, i) => (labels[Math.floor(i / C)] === i % C ? 1 : 0));
const oneHotNested = Array.from(labels, (k) => Array.from({ length: C }, (_, j) => (j === k ? 1 : 0)));

function model() {
  const m = dd.sequential([dd.layers.dense({ inputSize: 2, units: 8, activation: 'relu' }), dd.layers.dense({ units: C })], { seed: 2 });
  m.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.01 }), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
  return m;
}

describe.each(variants())('one-hot targets on $label', (variant) => {
  it('train exactly as class indices (Tensor [N, C], nested arrays, flat N * C values)', async () => {
    variant.use();
    const reference = model();
    const expected = await reference.fit(x, labels, { epochs: 2, batchSize: 16, validationData: [x, labels] });
    for (const y of [dd.tensor(oneHotFlat, [N, C]), oneHotNested, oneHotFlat]) {
      const m = model();
      const h = await m.fit(x, y, { epochs: 2, batchSize: 16, validationData: [x, y] });
      expect(m.getWeights()).toEqual(reference.getWeights());
      expect(h.history.loss).toEqual(expected.history.loss);
      expect(h.history.valAccuracy).toEqual(expected.history.valAccuracy);
      expect(m.evaluate(x, y)).toEqual(reference.evaluate(x, labels));
    }
  });

  it('validationSplit holds out the last one-hot rows', async () => {
    variant.use();
    const a = await model().fit(x, labels, { epochs: 1, validationSplit: 0.25 });
    const b = await model().fit(x, oneHotNested, { epochs: 1, validationSplit: 0.25 });
    expect(b.history.valLoss).toEqual(a.history.valLoss);
  });
});

describe('target checks', () => {
  const m = model();
  it('names the expected shapes', async () => {
    await expect(m.fit(x, dd.tensor(new Float32Array(N * 4), [N, 4]))).rejects.toThrow(
      'Expected class indices [120] or one-hot [120, 3] for y but received shape [120, 4]');
    await expect(m.fit(x, new Float32Array(N + 1))).rejects.toThrow(
      'Expected class indices [120] or one-hot [120, 3] (360 values) for y but received Float32Array(121)');
    expect(() => m.evaluate(x, oneHotNested.slice(1))).toThrow('Expected class indices [120] or one-hot [120, 3] for y but received shape [119, 3]');
    await expect(m.fit(x, labels, { validationData: [x, oneHotNested.slice(2)] })).rejects.toThrow(
      'Expected class indices [120] or one-hot [120, 3] for validationData[1] but received shape [118, 3]');
    await expect(m.fit(x, 'abc' as never)).rejects.toThrow(
      'Expected class indices [120] or one-hot [120, 3] as a Tensor, a typed array or an array for y but received "abc"');
  });

  it('refuses soft labels and rows with two 1s (no soft-target loss: labelSmoothing smooths indices)', async () => {
    const soft: number[][] = oneHotNested.map((row) => [...row]);
    soft[5] = [0.2, 0.8, 0];
    await expect(m.fit(x, soft)).rejects.toThrow(
      'Expected a one-hot row (a single 1, zeros elsewhere; soft labels are not supported: give class indices, with the loss option labelSmoothing to smooth them) for y[5] but received [0.2, 0.8, 0]');
    const twice = oneHotNested.map((row) => [...row]);
    twice[7] = [1, 1, 0];
    expect(() => m.evaluate(x, twice)).toThrow(/for y\[7\] but received \[1, 1, 0\]/);
    const none = oneHotFlat.slice();
    none.fill(0, 9 * C, 10 * C);
    expect(() => m.evaluate(x, none)).toThrow(/a one-hot row .* for y\[9\] but received \[0, 0, 0\]/);
  });

  it('class indices keep their checks', async () => {
    await expect(m.fit(x, Int32Array.from(labels, (v) => v + 1))).rejects.toThrow('Expected an integer class index in [0, 2] for y[');
  });
});
