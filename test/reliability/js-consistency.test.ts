/**
 * One consistent set of weights per predictAsync (issue 16, item 10), and an optimizer bound to
 * one training model at a time. predictAsync holds a read lease on the weights from its call
 * until it settles: a fit started meanwhile waits for it before its first update, setWeights
 * (model or layer) throws the house error, and the output equals the old weights' output exactly.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { restoreDefaults } from '../helpers.js';

afterAll(restoreDefaults);

const rows = 4096;
const width = 64;
function data() {
  const x = new Float32Array(rows * width);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37) * 2;
  const y = Int32Array.from({ length: rows }, (_, i) => (x[i * width] + x[i * width + 1] > 0 ? 1 : 0));
  return { x: dd.tensor(x, [rows, width]), y };
}
function makeModel(optimizer: dd.Optimizer = new dd.optimizers.Adam({ lr: 0.05 })) {
  // wide enough that a predictAsync of every row takes a while on the worker thread
  const m = dd.sequential([
    dd.layers.dense({ inputSize: width, units: 512, activation: 'relu' }),
    dd.layers.dense({ units: 512, activation: 'relu' }),
    dd.layers.dense({ units: 2 }),
  ], { seed: 5 });
  m.compile({ optimizer, loss: 'softmaxCrossEntropy' });
  return m;
}
const exact = (a: dd.Tensor, b: dd.Tensor) => a.data.length === b.data.length && a.data.every((v, i) => v === b.data[i]);

describe('predictAsync sees one set of weights', () => {
  beforeEach(restoreDefaults);

  it('a fit started while predictAsync runs waits for it: the output is the old weights\' output exactly', async () => {
    const { x, y } = data();
    const m = makeModel();
    const before = m.predict(x, { batchSize: 1 });
    const pending = m.predictAsync(x, { batchSize: 1 });  // one row per pass: long enough to overlap
    const fit = m.fit(x, y, { epochs: 1, batchSize: 8 });
    const out = await pending;
    await fit;
    expect(exact(out, before)).toBe(true);
    expect(exact(m.predict(x, { batchSize: 1 }), before)).toBe(false);  // the fit did change the weights
  });

  it('several predictAsync calls queued before a fit all see the old weights', async () => {
    const { x, y } = data();
    const m = makeModel();
    const before = m.predict(x, { batchSize: 4 });
    const pending = [m.predictAsync(x, { batchSize: 4 }), m.predictAsync(x, { batchSize: 4 })];
    const fit = m.fit(x, y, { epochs: 1, batchSize: 8 });
    for (const out of await Promise.all(pending)) expect(exact(out, before)).toBe(true);
    await fit;
  });

  it('on the js backend too: a predictAsync called during a fit\'s span sees the weights of its call', async () => {
    const { x, y } = data();
    const m = dd.sequential([dd.layers.dense({ inputSize: width, units: 32, activation: 'relu' }), dd.layers.dense({ units: 2 })], { seed: 5, backend: 'js' });
    m.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.05 }), loss: 'softmaxCrossEntropy' });
    let pending: Promise<dd.Tensor> | null = null;
    let before: dd.Tensor | null = null;
    const probe = x.data.subarray(0, 64 * width);
    // a timer fires while the js runner yields between batches of the (only) span
    const timer = setInterval(() => {
      if (pending) return;
      before = m.predict(probe);
      pending = m.predictAsync(probe);
    }, 1);
    await m.fit(x, y, { epochs: 2, batchSize: 8 });
    clearInterval(timer);
    expect(pending).not.toBeNull();
    expect(exact(await pending!, before!)).toBe(true);
  });

  it('setWeights while a predictAsync is in flight throws the house error; afterwards it works', async () => {
    const { x } = data();
    const m = makeModel();
    const before = m.predict(x, { batchSize: 1 });
    const zeros = m.getWeights().map((w) => new Float32Array(w.length));
    const pending = m.predictAsync(x, { batchSize: 1 });
    expect(() => m.setWeights(zeros)).toThrow(new dd.DendriteError(
      'Expected no predictAsync or save reading the weights for setWeights but received 1 in flight (await them first: each must see one set of weights)',
      'ERR_DENDRITE_INVALID_STATE'));
    expect(() => m.layers[0].setWeights({ bias: new Float32Array(512) })).toThrow('Expected no predictAsync or save reading the weights for layer.setWeights but received 1 in flight');
    expect(exact(await pending, before)).toBe(true);
    m.setWeights(zeros);
    m.layers[0].setWeights({ bias: new Float32Array(512) });
    expect(m.predict(x).data.every((v) => v === 0)).toBe(true);
  });

  it('a predictAsync called while fit waits for the running ones is refused (fit is not starved); after fit it works', async () => {
    const { x, y } = data();
    const m = makeModel();
    const first = m.predictAsync(x, { batchSize: 1 });
    const fit = m.fit(x, y, { epochs: 1, batchSize: 64 });
    await new Promise((resolve) => setTimeout(resolve, 1));
    await expect(m.predictAsync(x)).rejects.toThrow('Expected an idle model for predictAsync but received a model whose fit() is running');
    await first;
    await fit;
    expect(exact(await m.predictAsync(x), m.predict(x))).toBe(true);
  });
});

describe('an optimizer trains one model at a time', () => {
  it('a second model fitting with the same optimizer while the first fits is refused with the house error', async () => {
    const { x, y } = data();
    const shared = new dd.optimizers.Adam({ lr: 0.01 });
    const a = makeModel(shared);
    const b = makeModel(shared);
    const first = a.fit(x, y, { epochs: 1, batchSize: 64 });
    await expect(b.fit(x, y, { epochs: 1 })).rejects.toThrow(new dd.DendriteError(
      'Expected an optimizer that no other model is training with for model.fit but received the Adam optimizer of a model whose fit is running ' +
        '(give each model its own optimizer, e.g. dd.optimizers.fromConfig(optimizer.getConfig()))', 'ERR_DENDRITE_INVALID_STATE'));
    await first;
    // its own fit again is fine, and so is the other model once the first is done
    await expect(a.fit(x, y, { epochs: 1, batchSize: 256 })).resolves.toBeInstanceOf(dd.History);
    await expect(b.fit(x, y, { epochs: 1, batchSize: 256 })).resolves.toBeInstanceOf(dd.History);
  });
});
