// Whole networks: one mixing every image layer (conv2d, batchNorm, maxPool2d, avgPool2d,
// dropout, layerNorm, flatten, dense) and one starting with an embedding (dense on its N-D
// output), trained a few seeded epochs with shuffling and validationSplit on js (the TypeScript
// loop), on cpu at every ISA variant (native/model/trainer.cc over the CPU device) and through
// the device-resident loop over the CUDA device math on the CPU: the same loss history,
// validation metrics, weights (running statistics included), dropout counters, predict,
// predictAsync and evaluate.
//
// Tolerance: rtol 1e-4 + atol 5e-5 * the tensor's scale (max |value|, at least 1). The backends
// differ only in float32 rounding (js accumulates its GEMMs in double, the native kernels in
// float32: ~1e-7 relative per op); 15-20 optimizer steps and ten layers compound it. Measured:
// weights within 1e-5 relative, the loss history within 3e-7, the logits of the trained CNN within
// 7e-6 absolute (5e-6 of their scale: the errors grow through the normalisation layers), i.e.
// at most 0.13 of this budget. Any real difference (a wrong mask, a missed running-statistics
// update, a layer in the wrong mode) changes the first step's loss by O(1e-2) and fails at once.
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { expectClose, restoreDefaults, type Variant } from '../helpers.js';
import { jsVariant, maxAbs, nativeVariants, randomIds, uniform } from './layer-helpers.js';

afterAll(restoreDefaults);

const RTOL = 1e-4;
const ATOL = 5e-5;
const close = (got: ArrayLike<number>, want: ArrayLike<number>, label: string) => expectClose(got, want, RTOL, ATOL * maxAbs(want, 1), label);

interface Setup {
  name: string;
  build: () => dd.Sequential;
  x: () => dd.Tensor | Int32Array;
  y: number[];
  optimizer: () => dd.Optimizer;
  epochs: number;
  batchSize: number;
}

const IMAGE = [9, 9, 3];
const IMAGES = 26;
const TOKENS = 7;
const SENTENCES = 23;

const SETUPS: Setup[] = [
  {
    name: 'conv2d, batchNorm, maxPool2d, conv2d, avgPool2d, dropout, layerNorm, flatten, dense, dense',
    build: () => dd.sequential([
      dd.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'tanh', inputShape: IMAGE }),
      dd.layers.batchNorm({ momentum: 0.2 }),
      dd.layers.maxPool2d({ poolSize: 2, padding: 'same' }),
      dd.layers.conv2d({ filters: 5, kernelSize: [2, 3], strides: [1, 2], activation: 'gelu' }),
      dd.layers.avgPool2d({ poolSize: 2, strides: 1, padding: 'same' }),
      dd.layers.dropout({ rate: 0.3 }),
      dd.layers.layerNorm(),
      dd.layers.flatten(),
      dd.layers.dense({ units: 12, activation: 'tanh' }),
      dd.layers.dense({ units: 4 }),
    ], { seed: 17 }),
    x: () => dd.tensor(uniform(IMAGES * 243, 1, -1, 1), [IMAGES, ...IMAGE]),
    y: Array.from({ length: IMAGES }, (_, i) => (i * 5) % 4),
    optimizer: () => new dd.optimizers.Adam({ lr: 0.01 }),
    epochs: 3,
    batchSize: 5,
  },
  {
    name: 'embedding, dense on [L, D], layerNorm, dropout, flatten, dense',
    build: () => dd.sequential([
      dd.layers.embedding({ inputDim: 13, outputDim: 6, inputShape: [TOKENS] }),
      dd.layers.dense({ units: 5, activation: 'tanh' }),
      dd.layers.layerNorm(),
      dd.layers.dropout({ rate: 0.2 }),
      dd.layers.flatten(),
      dd.layers.dense({ units: 3 }),
    ], { seed: 5 }),
    x: () => randomIds(SENTENCES * TOKENS, 13, 2),
    y: Array.from({ length: SENTENCES }, (_, i) => i % 3),
    optimizer: () => new dd.optimizers.SGD({ lr: 0.1, momentum: 0.5 }),
    epochs: 4,
    batchSize: 4,
  },
];

interface Trained {
  history: Record<string, number[]>;
  weights: Float32Array[];
  counters: number[];
  predicted: Float32Array;
  predictedAsync: Float32Array;
  evaluated: Record<string, number>;
  iterations: number;
}

async function train(s: Setup, variant: Variant): Promise<Trained> {
  variant.use();
  const model = s.build();
  model.compile({ optimizer: s.optimizer(), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
  const x = s.x();
  const history = await model.fit(x, s.y, { epochs: s.epochs, batchSize: s.batchSize, seed: 9, validationSplit: 0.2 });
  const predicted = model.predict(x, { batchSize: 8 }).data;
  const predictedAsync = (await model.predictAsync(x, { batchSize: 5 })).data;
  return {
    history: history.history,
    weights: model.getWeights(),
    counters: model.layers.filter((l): l is dd.Dropout => l instanceof dd.Dropout).map((l) => l.counter[0]),
    predicted,
    predictedAsync,
    evaluated: model.evaluate(x, s.y, { batchSize: 6 }),
    iterations: model.optimizer!.iterations,
  };
}

describe.each(SETUPS.map((s) => [s.name, s] as const))('%s', (_, s) => {
  let reference: Trained | null = null;
  const js = async () => (reference ??= await train(s, jsVariant));

  it('trains on js: the loss falls, the loop ran every batch, predictAsync = predict', async () => {
    const r = await js();
    const rows = s.y.length - Math.floor(s.y.length * 0.2);
    const batches = Math.ceil(rows / s.batchSize);
    expect(r.iterations).toBe(s.epochs * batches);
    expect(r.counters).toEqual([s.epochs * batches]);
    expect(r.history.loss.length).toBe(s.epochs);
    expect(r.history.loss[s.epochs - 1]).toBeLessThan(r.history.loss[0]);
    expect(r.history.valLoss.every(Number.isFinite)).toBe(true);
    expect(Array.from(r.predictedAsync)).toEqual(Array.from(r.predicted));
  });

  it.each(nativeVariants().map((v) => [v.label, v] as const))('%s gives the js result', async (_label, variant) => {
    const want = await js();
    const got = await train(s, variant);
    expect(got.iterations).toBe(want.iterations);
    expect(got.counters).toEqual(want.counters);
    for (const key of ['loss', 'accuracy', 'valLoss', 'valAccuracy']) close(got.history[key], want.history[key], `history.${key}`);
    got.weights.forEach((w, i) => close(w, want.weights[i], `weights[${i}]`));
    close(got.predicted, want.predicted, 'predict');
    expect(Array.from(got.predictedAsync), 'predictAsync = predict').toEqual(Array.from(got.predicted));
    close([got.evaluated.loss, got.evaluated.accuracy], [want.evaluated.loss, want.evaluated.accuracy], 'evaluate');
  });
});

describe('the same trained model predicts alike on every backend', () => {
  it('predict and evaluate of one set of weights on js, cpu and the device math', async () => {
    const s = SETUPS[0];
    jsVariant.use();
    const model = s.build();
    model.compile({ optimizer: s.optimizer(), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
    const x = s.x();
    await model.fit(x, s.y, { epochs: 1, batchSize: 7, seed: 1 });
    const want = model.predict(x).data;
    const wantEval = model.evaluate(x, s.y);
    const weights = model.getWeights();
    for (const v of nativeVariants()) {
      v.use();
      expectClose(model.predict(x, { batchSize: 4 }).data, want, 1e-5, 1e-5 * maxAbs(want, 1), `${v.label} predict`);
      expectClose((await model.predictAsync(x)).data, want, 1e-5, 1e-5 * maxAbs(want, 1), `${v.label} predictAsync`);
      const ev = model.evaluate(x, s.y, { batchSize: 9 });
      expect(ev.loss, v.label).toBeCloseTo(wantEval.loss, 5);
      expect(ev.accuracy, v.label).toBe(wantEval.accuracy);
      // eval passes change nothing
      model.getWeights().forEach((w, i) => expect(Array.from(w), `${v.label} weights[${i}]`).toEqual(Array.from(weights[i])));
    }
  });
});
