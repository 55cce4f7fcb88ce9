// Dropout: the statistics of its mask (kept fraction 1 - rate, mean preserved, kept values
// scaled by exactly 1/(1 - rate)), identity in eval (forward without training, model.predict,
// predictAsync and evaluate), the counter-based hash (same seed -> same mask, a new mask per
// training forward, reference bits, an independent BigInt copy of the hash) and bit-identical
// masks on js, every cpu ISA variant and the CUDA device math on the CPU.
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { dropoutKeep, dropoutThreshold } from '../../src/layer/dropout.js';
import { restoreDefaults } from '../helpers.js';
import { jsVariant, layerVariants, uniform } from './layer-helpers.js';

afterAll(restoreDefaults);

const ones = (rows: number, width: number) => dd.tensor(new Float32Array(rows * width).fill(1), [rows, width]);

/** lowbias32 and the keep rule in BigInt arithmetic mod 2^32: an independent copy of dropoutKeep. */
function keepBig(seed: number, counter: number, i: number, rate: number): boolean {
  const M = (1n << 32n) - 1n;
  const mix = (v: bigint): bigint => {
    v ^= v >> 16n;
    v = (v * 0x7feb352dn) & M;
    v ^= v >> 15n;
    v = (v * 0x846ca68bn) & M;
    v ^= v >> 16n;
    return v;
  };
  const h = mix((mix((mix(BigInt(seed) ^ 0x9e3779b9n) + BigInt(counter)) & M) + BigInt(i)) & M);
  // drop when the top 24 bits are below ceil(rate * 2^24) (rate as float32)
  return Number(h >> 8n) >= Math.ceil(Math.fround(rate) * 2 ** 24);
}

describe('the dropout hash', () => {
  it('seed 7, counter 3, rate 0.25: the first 8 keep bits are 1 0 1 1 1 1 1 1', () => {
    const t = dropoutThreshold(0.25);
    expect(t).toBe(0.25 * 2 ** 24);
    expect(Array.from({ length: 8 }, (_, i) => (dropoutKeep(7, 3, i, t) ? 1 : 0))).toEqual([1, 0, 1, 1, 1, 1, 1, 1]);
  });

  it('matches an independent BigInt implementation (seeds and counters at the uint32 edges)', () => {
    for (const [seed, counter, rate] of [[7, 3, 0.25], [0, 0, 0.5], [2 ** 32 - 1, 2 ** 32 - 1, 0.1], [123456789, 77, 0.9], [42, 1e9, 0.3]]) {
      const t = dropoutThreshold(rate);
      const got = Array.from({ length: 300 }, (_, i) => dropoutKeep(seed, counter, i, t));
      expect(got, `seed ${seed} counter ${counter}`).toEqual(Array.from({ length: 300 }, (_, i) => keepBig(seed, counter, i, rate)));
    }
  });

  it('rate 0 keeps everything; the threshold is ceil(float32(rate) * 2^24)', () => {
    expect(dropoutThreshold(0)).toBe(0);
    expect(dropoutThreshold(0.1)).toBe(Math.ceil(Math.fround(0.1) * 16777216));
    for (let i = 0; i < 100; i++) expect(dropoutKeep(5, 9, i, 0)).toBe(true);
  });
});

describe.each(layerVariants())('dropout on $label', (variant) => {
  it('reference bits through the layer: seed 7, counter 3, rate 0.25', () => {
    variant.use();
    const layer = dd.layers.dropout({ rate: 0.25, seed: 7, inputShape: [8] });
    layer.build([8]);
    layer.counter[0] = 3;
    const y = layer.forward(ones(1, 8), { training: true }).data;
    const scale = Math.fround(1 / Math.fround(1 - 0.25));
    expect(Array.from(y)).toEqual([1, 0, 1, 1, 1, 1, 1, 1].map((b) => b * scale));
    expect(layer.counter[0]).toBe(4);
  });

  it.each([0.1, 0.25, 0.5, 0.9])('rate %s: kept fraction ~ 1 - rate, kept values x / (1 - rate) exactly, mean preserved', (rate) => {
    variant.use();
    const n = 100_000;
    const layer = dd.layers.dropout({ rate, seed: 99, inputShape: [1000] });
    const x = uniform(n, 5, 0.5, 1.5);
    const y = layer.forward(dd.tensor(x, [100, 1000]), { training: true }).data;
    const scale = Math.fround(1 / Math.fround(1 - Math.fround(rate)));
    let kept = 0;
    let wrong = -1;
    let sumX = 0;
    let sumY = 0;
    for (let i = 0; i < n; i++) {
      if (y[i] !== 0) {
        kept++;
        if (wrong < 0 && y[i] !== Math.fround(x[i] * scale)) wrong = i;
      }
      sumX += x[i];
      sumY += y[i];
    }
    expect(wrong, 'first kept value that is not x / (1 - rate)').toBe(-1);
    // binomial: 5 standard deviations
    expect(Math.abs(kept / n - (1 - rate))).toBeLessThan(5 * Math.sqrt((rate * (1 - rate)) / n));
    // E[y] = x; var(y_i) = x_i^2 rate / (1 - rate), E[x^2] = 13/12
    expect(Math.abs(sumY / sumX - 1)).toBeLessThan(5 * Math.sqrt(((13 / 12) * rate) / (1 - rate) / n));
  });

  it('E[y] ~ x element by element (each column of a batch of copies of x)', () => {
    variant.use();
    const rows = 4000;
    const width = 17;
    const x = uniform(width, 8, -2, 2);
    const batch = new Float32Array(rows * width);
    for (let r = 0; r < rows; r++) batch.set(x, r * width);
    const y = dd.layers.dropout({ rate: 0.25, seed: 1 }).forward(dd.tensor(batch, [rows, width]), { training: true }).data;
    for (let j = 0; j < width; j++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += y[r * width + j];
      // sd of the column mean: |x| sqrt(rate / (1 - rate) / rows) = 0.009 |x|
      expect(Math.abs(s / rows - x[j])).toBeLessThan(5 * 0.0092 * Math.abs(x[j]) + 1e-6);
    }
  });

  it('eval mode is the identity and leaves the counter alone; rate 0 is the identity in training too', () => {
    variant.use();
    const layer = dd.layers.dropout({ rate: 0.6, seed: 4, inputShape: [33] });
    const x = dd.tensor(uniform(5 * 33, 2), [5, 33]);
    expect(Array.from(layer.forward(x).data)).toEqual(Array.from(x.data));
    expect(Array.from(layer.forward(x, { training: false }).data)).toEqual(Array.from(x.data));
    expect(layer.counter[0]).toBe(0);
    const dy = uniform(5 * 33, 3);
    expect(Array.from(layer.backward(x, dy).dx!.data)).toEqual(Array.from(dy));
    expect(layer.counter[0]).toBe(0);
    const none = dd.layers.dropout({ rate: 0, seed: 4, inputShape: [33] });
    expect(Array.from(none.forward(x, { training: true }).data)).toEqual(Array.from(x.data));
    expect(none.counter[0]).toBe(1);
  });

  it('same seed -> same mask, another seed -> another; each training forward advances the counter and draws a new mask', () => {
    variant.use();
    const x = ones(3, 40);
    const a = dd.layers.dropout({ rate: 0.5, seed: 12 });
    const b = dd.layers.dropout({ rate: 0.5, seed: 12 });
    const other = dd.layers.dropout({ rate: 0.5, seed: 13 });
    const a0 = Array.from(a.forward(x, { training: true }).data);
    expect(Array.from(b.forward(x, { training: true }).data)).toEqual(a0);
    expect(Array.from(other.forward(x, { training: true }).data)).not.toEqual(a0);
    expect(a.counter[0]).toBe(1);
    const a1 = Array.from(a.forward(x, { training: true }).data);
    expect(a.counter[0]).toBe(2);
    expect(a1).not.toEqual(a0);
    // the mask is the one of (seed, counter): a layer set to counter 1 repeats a's second mask
    b.counter[0] = 1;
    expect(Array.from(b.forward(x, { training: true }).data)).toEqual(a1);
    // backward uses the mask of the last training forward, without advancing the counter
    const dy = uniform(120, 6);
    const dx = a.backward(x, dy, { training: true }).dx!.data;
    expect(a.counter[0]).toBe(2);
    for (let i = 0; i < 120; i++) expect(dx[i]).toBe(Math.fround(dy[i] * a1[i]));
    // a model's layer i is seeded with the model's seed + i unless it has its own
    const inModel = (modelSeed: number, own?: number) => {
      const layer = dd.layers.dropout({ rate: 0.5, ...(own === undefined ? {} : { seed: own }) });
      dd.sequential([dd.layers.dense({ inputSize: 40, units: 40 }), layer], { seed: modelSeed });
      return Array.from(layer.forward(x, { training: true }).data);
    };
    expect(inModel(11)).toEqual(a0);  // seed 11 + 1
    expect(inModel(30)).not.toEqual(a0);
    expect(inModel(30, 12)).toEqual(a0);
  });

  it('model.fit advances the counter once per training batch; predict, predictAsync and evaluate are the identity', async () => {
    variant.use();
    const make = (withDropout: boolean) => dd.sequential([
      dd.layers.dense({ inputSize: 6, units: 8, activation: 'tanh' }),
      ...(withDropout ? [dd.layers.dropout({ rate: 0.5 })] : []),
      dd.layers.dense({ units: 3 }),
    ], { seed: 2 });
    const model = make(true);
    const plain = make(false);
    const x = dd.tensor(uniform(10 * 6, 1), [10, 6]);
    const y = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0];
    model.compile({ optimizer: new dd.optimizers.SGD({ lr: 0.1 }), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
    plain.compile({ optimizer: new dd.optimizers.SGD({ lr: 0.1 }), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
    const drop = model.layers[1] as dd.Dropout;
    await model.fit(x, y, { epochs: 2, batchSize: 4 });  // 3 batches per epoch
    expect(drop.counter[0]).toBe(6);
    plain.setWeights(model.getWeights());
    const want = Array.from(plain.predict(x).data);
    expect(Array.from(model.predict(x).data)).toEqual(want);
    expect(Array.from((await model.predictAsync(x)).data)).toEqual(want);
    expect(model.evaluate(x, y)).toEqual(plain.evaluate(x, y));
    expect(drop.counter[0]).toBe(6);
  });
});

describe('js and native masks are bit-identical', () => {
  const cases: [string, number, number, number, number][] = [
    ['seed 7 counter 3 rate 0.25, 10007 elements', 7, 3, 0.25, 10007],
    ['seed 2^32-1, counter 2^32-1 (wraps to 0), rate 0.1', 2 ** 32 - 1, 2 ** 32 - 1, 0.1, 4099],
    ['seed 123456789, counter 1e9, rate 0.9', 123456789, 1e9, 0.9, 3001],
    ['seed 0, counter 0, rate 0.5, 17 elements', 0, 0, 0.5, 17],
  ];
  it.each(cases)('%s', (_, seed, counter, rate, n) => {
    const run = (use: () => void) => {
      use();
      const layer = dd.layers.dropout({ rate, seed, inputShape: [n] });
      layer.build([n]);
      layer.counter[0] = counter;
      const x = dd.tensor(uniform(2 * n, 3), [2, n]);
      const y1 = layer.forward(x, { training: true }).data;
      const y2 = layer.forward(x, { training: true }).data;
      return { y1: Array.from(y1), y2: Array.from(y2), counter: layer.counter[0] };
    };
    const want = run(jsVariant.use);
    expect(want.counter).toBe((counter + 2) % 2 ** 32);
    for (const v of layerVariants()) {
      const got = run(v.use);
      expect(got.y1, `${v.label} step ${counter}`).toEqual(want.y1);
      expect(got.y2, `${v.label} step ${counter + 1}`).toEqual(want.y2);
      expect(got.counter, v.label).toBe(want.counter);
    }
    // and the pattern is dropoutKeep's, element index = flat index in the batch
    const t = dropoutThreshold(rate);
    expect(want.y1.map((v) => v !== 0)).toEqual(want.y1.map((_v, i) => dropoutKeep(seed, counter, i, t)));
  });
});
