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
  /** Each form of `targets` trains, validates and evaluates exactly as the class indices. */
  async function trainsAsIndices(targets: unknown[]) {
    variant.use();
    const reference = model();
    const expected = await reference.fit(x, labels, { epochs: 2, batchSize: 16, validationData: [x, labels] });
    for (const y of targets as dd.Tensor[]) {
      const m = model();
      const h = await m.fit(x, y, { epochs: 2, batchSize: 16, validationData: [x, y] });
      expect(m.getWeights()).toEqual(reference.getWeights());
      expect(h.history.loss).toEqual(expected.history.loss);
      expect(h.history.valAccuracy).toEqual(expected.history.valAccuracy);
      expect(m.evaluate(x, y)).toEqual(reference.evaluate(x, labels));
    }
  }

  it('train exactly as class indices (Tensor [N, C], nested arrays, flat N * C values)', () =>
    trainsAsIndices([dd.tensor(oneHotFlat, [N, C]), oneHotNested, oneHotFlat]));

  it('class indices as a column [N, 1] (Keras sparse targets) train exactly as indices [N]', () =>
    trainsAsIndices([dd.tensor(Float32Array.from(labels), [N, 1]), Array.from(labels, (k) => [k])]));

  it('a label changed in place to an out-of-range class during fit rejects it with the house error naming the row', async () => {
    variant.use();
    const y = labels.slice();
    let batches = 0;
    const callback = { onBatchEnd: () => { if (++batches === 2) y.fill(7); } };
    const err = await model().fit(x, y, { epochs: 2, batchSize: 16, shuffle: false, callbacks: [callback] }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(dd.DendriteError);
    expect((err as Error).message).toBe('Expected class indices in [0, 3) for y but received 7 at row 32');
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

  it('a column [N, 1] is class indices: values out of range or not integers are refused, [N, 2] is not a column', async () => {
    const column = (f: (k: number) => number) => dd.tensor(Float32Array.from(labels, f), [N, 1]);
    await expect(m.fit(x, column((k) => (k === 2 ? 3 : k)))).rejects.toThrow(/^Expected an integer class index in \[0, 2\] for y\[\d+\] but received 3$/);
    expect(() => m.evaluate(x, column((k) => k + 0.5))).toThrow('Expected an integer class index in [0, 2] for y[0] but received 1.5');
    await expect(m.fit(x, labels, { validationData: [x, Array.from(labels, (k) => [k - 1])] })).rejects.toThrow(
      /^Expected an integer class index in \[0, 2\] for validationData\[1\]\[\d+\] but received -1$/);
    await expect(m.fit(x, dd.tensor(new Float32Array(N * 2), [N, 2]))).rejects.toThrow(
      'Expected class indices [120] or one-hot [120, 3] for y but received shape [120, 2]');
  });

  it('with one class, [N, 1] reads as class indices (zeros), not as one-hot rows (ones)', async () => {
    const one = dd.sequential([dd.layers.dense({ inputSize: 2, units: 1 })], { seed: 2 });
    one.compile({ optimizer: new dd.optimizers.SGD({ lr: 0.1 }), loss: 'softmaxCrossEntropy' });
    const zeros = dd.tensor(new Float32Array(N), [N, 1]);
    await expect(one.fit(x, zeros, { epochs: 1 })).resolves.toBeDefined();
    expect(one.evaluate(x, zeros).loss).toBe(0);
    expect(() => one.evaluate(x, dd.tensor(new Float32Array(N).fill(1), [N, 1]))).toThrow('Expected an integer class index in [0, 0] for y[0] but received 1');
  });

  it('one-hot targets whose ArrayBuffer is detached are refused with the house error (flat and as a Tensor)', async () => {
    const flat = oneHotFlat.slice();
    structuredClone(flat.buffer, { transfer: [flat.buffer] });
    await expect(m.fit(x, flat)).rejects.toThrow('Expected a typed array with an attached ArrayBuffer for y but received a Float32Array whose ArrayBuffer is detached');
    const t = dd.tensor(oneHotFlat.slice(), [N, C]);
    structuredClone(t.data.buffer, { transfer: [t.data.buffer as ArrayBuffer] });
    expect(() => m.evaluate(x, t)).toThrow('Expected a typed array with an attached ArrayBuffer for y.data but received a Float32Array whose ArrayBuffer is detached');
  });
});
