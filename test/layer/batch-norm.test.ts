// Batch norm, training vs eval (torch's semantics, SCHEMA.md 8), against a double reference on
// js, every cpu ISA variant and the CUDA device math on the CPU: training normalises with the
// batch statistics (biased variance) and updates the running ones with torch's momentum and the
// unbiased variance; eval normalises with the running ones and leaves them alone; backward never
// touches them. A model's fit updates them once per training batch, while predict, predictAsync,
// evaluate and fit's validation run in eval mode.
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { expectClose, restoreDefaults } from '../helpers.js';
import { layerVariants, uniform } from './layer-helpers.js';

afterAll(restoreDefaults);

const TOL = { rtol: 1e-5, atol: 1e-5 };

/** Per channel (last axis) mean, biased and unbiased variance of x [rows, c], in double. */
function stats(x: ArrayLike<number>, c: number): { mean: number[]; biased: number[]; unbiased: number[] } {
  const n = x.length / c;
  const mean = new Array(c).fill(0);
  const sq = new Array(c).fill(0);
  for (let r = 0; r < n; r++) for (let j = 0; j < c; j++) mean[j] += x[r * c + j] / n;
  for (let r = 0; r < n; r++) for (let j = 0; j < c; j++) sq[j] += (x[r * c + j] - mean[j]) ** 2;
  return { mean, biased: sq.map((s) => s / n), unbiased: sq.map((s) => s / (n - 1)) };
}

function normalise(x: ArrayLike<number>, c: number, mean: number[], variance: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, eps: number): Float64Array {
  return Float64Array.from(x, (v, i) => ((v - mean[i % c]) / Math.sqrt(variance[i % c] + eps)) * gamma[i % c] + beta[i % c]);
}

const tensors = (layer: dd.Layer) => Object.fromEntries(Object.entries(layer.getWeights()).map(([k, t]) => [k, Array.from(t!.data)]));

describe.each(layerVariants())('batch norm on $label', (variant) => {
  it.each([
    ['[F] = [7], N 5, momentum 0.1', [7], 5, 0.1],
    ['[H, W, C] = [3, 4, 9], N 2, momentum 0.3 (statistics over N*H*W)', [3, 4, 9], 2, 0.3],
    ['[H, W, C] = [2, 3, 17], N 1, momentum 1 (running = batch)', [2, 3, 17], 1, 1],
    ['[F] = [16], N 3, momentum 0 (running never moves)', [16], 3, 0],
  ] as [string, number[], number, number][])('training: %s', (_, shape, batch, momentum) => {
    variant.use();
    const c = shape[shape.length - 1];
    const eps = 1e-3;
    const layer = dd.layers.batchNorm({ momentum, eps, inputShape: shape });
    const w = { gamma: uniform(c, 1, 0.5, 1.5), beta: uniform(c, 2), movingMean: uniform(c, 3), movingVariance: uniform(c, 4, 0.5, 2) };
    layer.setWeights(w);
    const x = uniform(batch * shape.reduce((a, b) => a * b), 5, -2, 3);
    const s = stats(x, c);
    const y = layer.forward(dd.tensor(x, [batch, ...shape]), { training: true });
    expectClose(y.data, normalise(x, c, s.mean, s.biased, w.gamma, w.beta, eps), TOL.rtol, TOL.atol, 'y (batch statistics, biased variance)');
    const after = layer.getWeights();
    expectClose(after.movingMean!.data, s.mean.map((m, j) => (1 - momentum) * w.movingMean[j] + momentum * m), TOL.rtol, 1e-6, 'running mean');
    expectClose(after.movingVariance!.data, s.unbiased.map((v, j) => (1 - momentum) * w.movingVariance[j] + momentum * v), TOL.rtol, 1e-6, 'running variance (unbiased)');
    // backward (in either mode) leaves them as they are
    const before = tensors(layer);
    layer.backward(dd.tensor(x, [batch, ...shape]), uniform(x.length, 6), { training: true });
    layer.backward(dd.tensor(x, [batch, ...shape]), uniform(x.length, 6));
    expect(tensors(layer)).toEqual(before);
  });

  it('eval: the running statistics normalise, unchanged; each row is normalised on its own', () => {
    variant.use();
    const c = 9;
    const layer = dd.layers.batchNorm({ inputShape: [2, c] });
    const w = { gamma: uniform(c, 1, 0.5, 1.5), beta: uniform(c, 2), movingMean: uniform(c, 3), movingVariance: uniform(c, 4, 0.5, 2) };
    layer.setWeights(w);
    const x = uniform(5 * 2 * c, 7, -2, 2);
    const before = tensors(layer);
    const y = layer.forward(dd.tensor(x, [5, 2, c])).data;
    expectClose(y, normalise(x, c, Array.from(w.movingMean), w.movingVariance, w.gamma, w.beta, 1e-5), TOL.rtol, TOL.atol, 'y (running statistics)');
    expect(tensors(layer)).toEqual(before);
    const one = layer.forward(dd.tensor(x.subarray(2 * 2 * c, 3 * 2 * c), [1, 2, c])).data;
    expect(Array.from(one)).toEqual(Array.from(y.subarray(2 * 2 * c, 3 * 2 * c)));
    // eval-mode gradient: the statistics are constants, dx = dy * gamma / sqrt(var + eps)
    const dy = uniform(x.length, 8);
    const { dx } = layer.backward(dd.tensor(x, [5, 2, c]), dy);
    expectClose(dx!.data, Float64Array.from(dy, (g, i) => (g * w.gamma[i % c]) / Math.sqrt(w.movingVariance[i % c] + 1e-5)), TOL.rtol, TOL.atol, 'dx (eval)');
    expect(tensors(layer)).toEqual(before);
  });

  it('the running statistics move once per training forward, never in eval', () => {
    variant.use();
    const layer = dd.layers.batchNorm({ momentum: 0.25, inputShape: [5] });
    const mean = new Array(5).fill(0);
    const variance = new Array(5).fill(1);
    for (let step = 0; step < 4; step++) {
      const x = uniform(6 * 5, 20 + step, -1, 1 + step);
      layer.forward(dd.tensor(x, [6, 5]));  // eval: no update
      layer.forward(dd.tensor(x, [6, 5]), { training: true });
      const s = stats(x, 5);
      for (let j = 0; j < 5; j++) {
        mean[j] = 0.75 * mean[j] + 0.25 * s.mean[j];
        variance[j] = 0.75 * variance[j] + 0.25 * s.unbiased[j];
      }
    }
    expectClose(layer.getWeights().movingMean!.data, mean, 1e-5, 1e-6, 'running mean after 4 steps');
    expectClose(layer.getWeights().movingVariance!.data, variance, 1e-5, 1e-6, 'running variance after 4 steps');
  });

  it('fit updates the running statistics once per batch (the last, partial one included)', async () => {
    variant.use();
    // batch norm first: its input is x itself, so the expected statistics follow from the batches alone
    const model = dd.sequential([dd.layers.batchNorm({ momentum: 0.2, inputShape: [4] }), dd.layers.dense({ units: 3 })], { seed: 1 });
    model.compile({ optimizer: new dd.optimizers.Adam({ lr: 0.01 }), loss: 'softmaxCrossEntropy' });
    const rows = 11;
    const x = uniform(rows * 4, 9, -1, 2);
    const y = Array.from({ length: rows }, (_, i) => i % 3);
    await model.fit(dd.tensor(x, [rows, 4]), y, { epochs: 2, batchSize: 4, shuffle: false });
    const mean = new Array(4).fill(0);
    const variance = new Array(4).fill(1);
    for (let epoch = 0; epoch < 2; epoch++) {
      for (let start = 0; start < rows; start += 4) {
        const s = stats(x.subarray(start * 4, Math.min(rows, start + 4) * 4), 4);
        for (let j = 0; j < 4; j++) {
          mean[j] = 0.8 * mean[j] + 0.2 * s.mean[j];
          variance[j] = 0.8 * variance[j] + 0.2 * s.unbiased[j];
        }
      }
    }
    const bn = model.layers[0] as dd.BatchNorm;
    expectClose(bn.getWeights().movingMean!.data, mean, 1e-5, 1e-6, 'running mean after 6 batches');
    expectClose(bn.getWeights().movingVariance!.data, variance, 1e-5, 1e-6, 'running variance after 6 batches');
  });

  it('predict, predictAsync, evaluate and fit\'s validation run in eval mode', async () => {
    variant.use();
    const build = () => {
      const m = dd.sequential([
        dd.layers.dense({ inputSize: 6, units: 8, activation: 'tanh' }),
        dd.layers.batchNorm({ momentum: 0.5 }),
        dd.layers.dense({ units: 3 }),
      ], { seed: 4 });
      m.compile({ optimizer: new dd.optimizers.SGD({ lr: 0.1, momentum: 0.9 }), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
      return m;
    };
    const x = dd.tensor(uniform(20 * 6, 10), [20, 6]);
    const y = Array.from({ length: 20 }, (_, i) => (i * 7) % 3);
    const xv = dd.tensor(uniform(7 * 6, 11), [7, 6]);
    const yv = [0, 1, 2, 2, 1, 0, 1];
    const withVal = build();
    const history = await withVal.fit(x, y, { epochs: 1, batchSize: 6, seed: 3, validationData: [xv, yv] });
    const without = build();
    await without.fit(x, y, { epochs: 1, batchSize: 6, seed: 3 });
    // the validation pass did not move the running statistics (nor anything else)
    expect(withVal.getWeights().map((w) => Array.from(w))).toEqual(without.getWeights().map((w) => Array.from(w)));
    const bn = withVal.layers[1] as dd.BatchNorm;
    expect(Array.from(bn.getWeights().movingMean!.data).some((v) => v !== 0)).toBe(true);
    const frozen = tensors(bn);
    // the validation loss is evaluate's (eval mode) on the weights after the epoch
    const ev = withVal.evaluate(xv, yv);
    expect(history.history.valLoss[0]).toBeCloseTo(ev.loss, 6);
    expect(history.history.valAccuracy[0]).toBe(ev.accuracy);
    // predict is the layers in eval mode: each row on its own
    const out = withVal.predict(x).data;
    let h: dd.Tensor = x;
    for (const layer of withVal.layers) h = layer.forward(h);
    expectClose(out, h.data, 1e-5, 1e-6, 'predict = layers in eval mode');
    expectClose(withVal.predict(dd.tensor(x.data.slice(0, 6), [1, 6])).data, out.subarray(0, 3), 1e-6, 1e-7, 'one row alone');
    expect(Array.from((await withVal.predictAsync(x, { batchSize: 7 })).data)).toEqual(Array.from(withVal.predict(x, { batchSize: 7 }).data));
    withVal.evaluate(x, y, { batchSize: 1 });  // batches of one row are fine in eval mode
    expect(tensors(bn)).toEqual(frozen);
    // validationSplit holds the last rows out and evaluates them the same way
    const split = build();
    const hs = await split.fit(x, y, { epochs: 1, batchSize: 6, seed: 3, validationSplit: 0.25 });
    const held = split.evaluate(dd.tensor(x.data.slice(15 * 6), [5, 6]), y.slice(15));
    expect(hs.history.valLoss[0]).toBeCloseTo(held.loss, 6);
  });
});
