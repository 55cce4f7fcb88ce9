/**
 * A model's own backend (`dd.sequential(layers, { backend })`, `dd.loadModel(dir, { backend })`):
 * it trains and predicts there whatever dd.setBackend says, and gives that backend's results.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';

const x = Array.from({ length: 96 }, (_, i) => [Math.sin(i), Math.cos(3 * i), (i % 7) / 7 - 0.5]);
const y = new Int32Array(96).map((_, i) => (x[i][0] + x[i][1] > 0 ? 1 : 0));

function build(options: dd.SequentialOptions = {}): dd.Sequential {
  const model = dd.sequential([dd.layers.dense({ units: 8, activation: 'tanh', inputSize: 3 }), dd.layers.dense({ units: 2 })], { seed: 3, ...options });
  model.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.01 }), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
  return model;
}

const cpu = dd.backends().find((b) => b.name === 'cpu')!.available;
const original = dd.getBackend();
afterEach(() => dd.setBackend(original));

describe('model backend option', () => {
  it('defaults to following dd.setBackend', () => {
    expect(build().backend).toBeUndefined();
  });

  it.runIf(cpu)("{ backend: 'js' } trains and predicts on js while the active backend is cpu", async () => {
    dd.setBackend('js');
    const reference = build();
    const refHistory = await reference.fit(x, y, { epochs: 3, batchSize: 16, seed: 1 });
    const refOut = reference.predict(x).data;
    dd.setBackend('cpu');
    const model = build({ backend: 'js' });
    expect(model.backend).toBe('js');
    dd.debug.resetNativeCalls();
    const history = await model.fit(x, y, { epochs: 3, batchSize: 16, seed: 1 });
    const out = model.predict(x).data;
    const asyncOut = (await model.predictAsync(x)).data;
    model.evaluate(x, y);
    expect(dd.debug.nativeCalls).toBe(0);  // nothing ran on the cpu backend
    expect(history.history.loss).toEqual(refHistory.history.loss);
    expect(Array.from(out)).toEqual(Array.from(refOut));
    expect(Array.from(asyncOut)).toEqual(Array.from(refOut));
  });

  it.runIf(cpu)("{ backend: 'cpu' } trains natively while the active backend is js", async () => {
    const reference = build();
    await reference.fit(x, y, { epochs: 2, batchSize: 16, seed: 1 });
    const refOut = reference.predict(x).data;
    dd.setBackend('js');
    const model = build({ backend: 'cpu' });
    await model.fit(x, y, { epochs: 2, batchSize: 16, seed: 1 });
    expect(Array.from(model.predict(x).data)).toEqual(Array.from(refOut));
    expect(model.getWeights()).toEqual(reference.getWeights());
  });

  it('loadModel takes the same option; it is not saved with the model', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dendrite-backend-'));
    try {
      const model = build({ backend: 'js' });
      await model.save(dir);
      const plain = await dd.loadModel(dir);
      expect(plain.backend).toBeUndefined();
      const onJs = await dd.loadModel(dir, { backend: 'js' });
      expect(onJs.backend).toBe('js');
      expect(Array.from(onJs.predict(x).data)).toEqual(Array.from(model.predict(x).data));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unknown or unavailable backend is refused at creation with the house message', async () => {
    expect(() => build({ backend: 'gpu' as never })).toThrow(/^Expected one of 'js', 'cpu', 'cuda' for backend but received .gpu./);
    const cuda = dd.backends().find((b) => b.name === 'cuda')!;
    if (!cuda.available) {
      expect(() => build({ backend: 'cuda' })).toThrow(`Expected an available backend for backend but received 'cuda' (${cuda.reason})`);
      await expect(dd.loadModel('/nonexistent', { backend: 'cuda' })).rejects.toThrow(/^Expected an available backend for backend but received 'cuda'/);
    }
    await expect(dd.loadModel('/nonexistent', { nope: 1 } as never)).rejects.toThrow(/for options.nope but received/);
  });
});
