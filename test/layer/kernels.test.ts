// Every native layer (native/layers/, on the cpu backend at every ISA variant and on the CUDA
// device math run on the CPU) against the js oracle (the TypeScript forwardJs/backwardJs), on
// random inputs at sizes around the vector widths (channels 1, 3, 7, 8, 9, 15, 16, 17, 33),
// odd image sizes, strides 1-3, kernels 1-5 (non-square too), 'valid' and 'same' padding,
// batch 1 and odd batches: y, dx, every gradient, and the running statistics.
//
// Tolerance: |native - js| <= ATOL * scale + RTOL * |js|, scale = max(1, max |js| of the
// tensor). The js oracle accumulates its GEMMs and normalisation statistics in double; the
// native GEMM accumulates in float32 in another order (blocked, FMA). A float32 sum of K terms
// errs by about sqrt(K) * 2^-24 * (the terms' scale), at worst K * 2^-24; K here is at most 825
// (5x5x33 windows) for y and dx and batch * pixels (<= 605) for dW, so ~2e-6 * scale typically.
// The scale is per tensor because gradients are sums over the batch (an element that cancels to
// near 0 keeps the error of its terms). Measured: the largest difference is 0.11 of this budget
// (2.2e-7 * scale, a 5x5x33 'same' conv on the device math), so ATOL 2e-6 / RTOL 2e-5 leave a
// margin of ~9 while still failing on any indexing or padding error (those are O(scale)).
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { expectClose, restoreDefaults } from '../helpers.js';
import { jsVariant, maxAbs, nativeVariants, randomIds, randomWeights, runLayer, sizeOf, uniform, type LayerRun } from './layer-helpers.js';

afterAll(restoreDefaults);

const RTOL = 2e-5;
const ATOL = 2e-6;

interface Case {
  label: string;
  make: () => dd.Layer;
  /** [N, ...inputShape] */
  xShape: number[];
  training?: boolean;
  ids?: number;
}

const close = (got: ArrayLike<number>, want: ArrayLike<number>, label: string) => expectClose(got, want, RTOL, ATOL * maxAbs(want, 1), label);

// ---------------------------------------------------------------------------
// The cases

const CHANNELS = [1, 3, 7, 8, 9, 15, 16, 17, 33];
const ACTS = ['linear', 'relu', 'tanh', 'gelu', 'softmax', 'sigmoid', 'logSoftmax', 'elu', 'swish'] as const;

// conv2d: per channel count, one geometry with 'valid' and the same with 'same'
const CONV: { hw: [number, number]; k: number | [number, number]; s: number | [number, number]; filters: number; batch: number }[] = [
  { hw: [5, 7], k: 1, s: 1, filters: 4, batch: 1 },
  { hw: [9, 6], k: 3, s: 2, filters: 8, batch: 3 },
  { hw: [7, 7], k: [2, 3], s: [1, 2], filters: 9, batch: 2 },
  { hw: [6, 11], k: [5, 1], s: [3, 1], filters: 1, batch: 5 },
  { hw: [5, 5], k: [3, 2], s: [2, 3], filters: 16, batch: 1 },
  { hw: [8, 5], k: 4, s: 3, filters: 17, batch: 3 },
  { hw: [3, 9], k: [1, 5], s: 1, filters: 3, batch: 2 },
  { hw: [11, 4], k: [5, 4], s: [2, 1], filters: 7, batch: 3 },
  { hw: [5, 6], k: 5, s: [3, 2], filters: 33, batch: 2 },
];
const convCases: Case[] = CONV.flatMap((g, i) => (['valid', 'same'] as const).map((padding, j) => {
  const c = CHANNELS[i];
  const activation = ACTS[(i + j) % ACTS.length];
  const useBias = (i + j) % 4 !== 3;
  return {
    label: `conv2d ${g.hw.join('x')}x${c} k${g.k} s${g.s} ${padding} f${g.filters} N${g.batch} ${activation}${useBias ? '' : ' no bias'}`,
    make: () => dd.layers.conv2d({ filters: g.filters, kernelSize: g.k, strides: g.s, padding, activation, useBias, inputShape: [...g.hw, c] }),
    xShape: [g.batch, ...g.hw, c],
  };
}));

// pooling: windows larger than the stride (overlapping), smaller (gaps), non-square, with padding
const POOL: { hw: [number, number]; p: number | [number, number]; s?: number | [number, number]; batch: number }[] = [
  { hw: [5, 7], p: 2, batch: 1 },
  { hw: [7, 5], p: 3, s: 2, batch: 3 },
  { hw: [6, 9], p: [2, 3], s: [1, 2], batch: 2 },
  { hw: [9, 4], p: [4, 1], s: [3, 1], batch: 1 },
  { hw: [5, 5], p: 2, s: 3, batch: 3 },
  { hw: [4, 11], p: [1, 4], s: [1, 3], batch: 2 },
  { hw: [7, 7], p: 3, s: 1, batch: 1 },
  { hw: [3, 5], p: 3, s: 2, batch: 5 },
  { hw: [6, 6], p: 4, s: 2, batch: 2 },
];
const poolCases: Case[] = POOL.flatMap((g, i) => (['maxPool2d', 'avgPool2d'] as const).flatMap((type) => (['valid', 'same'] as const).map((padding) => ({
  label: `${type} ${g.hw.join('x')}x${CHANNELS[i]} p${g.p} s${g.s ?? g.p} ${padding} N${g.batch}`,
  make: () => dd.layers[type]({ poolSize: g.p, strides: g.s, padding, inputShape: [...g.hw, CHANNELS[i]] }),
  xShape: [g.batch, ...g.hw, CHANNELS[i]],
}))));
const globalCases: Case[] = [[1, 1, 3, 1], [3, 5, 7, 2], [7, 3, 16, 3], [4, 4, 33, 1]].map(([h, w, c, n]) => ({
  label: `globalAvgPool2d ${h}x${w}x${c} N${n}`, make: () => dd.layers.globalAvgPool2d({ inputShape: [h, w, c] }), xShape: [n, h, w, c],
}));

// batch norm on [F] and [H, W, C], training and eval (a batch of 1 image in training: H*W values per channel)
const bnCases: Case[] = CHANNELS.flatMap((c, i) => [
  { shape: [c], batch: [3, 5, 7, 2][i % 4] },
  { shape: [[3, 5], [2, 3], [5, 1]][i % 3].concat(c), batch: [1, 3, 2][i % 3] },
].flatMap(({ shape, batch }) => [true, false].map((training) => ({
  label: `batchNorm [${shape}] N${batch} ${training ? 'training' : 'eval'}`,
  make: () => dd.layers.batchNorm({ momentum: [0.1, 0.3, 1][i % 3], eps: [1e-5, 1e-3][i % 2], inputShape: shape }),
  xShape: [batch, ...shape], training,
}))));

const lnCases: Case[] = CHANNELS.flatMap((c, i) => [[c], [[2, 3, 5][i % 3], c], [2, 3, c]].slice(0, i % 2 ? 3 : 2).map((shape) => ({
  label: `layerNorm [${shape}] N${[1, 3, 5][i % 3]}`,
  make: () => dd.layers.layerNorm({ eps: [1e-5, 1e-2][i % 2], inputShape: shape }),
  xShape: [[1, 3, 5][i % 3], ...shape],
})));

// dense on vectors (every activation) and on N-D inputs (the last axis)
const denseCases: Case[] = [
  ...CHANNELS.map((c, i) => ({ shape: [c], units: CHANNELS[(i + 4) % CHANNELS.length], batch: [1, 3, 7, 16, 5][i % 5], act: ACTS[i] })),
  { shape: [3, 7], units: 9, batch: 3, act: 'tanh' as const },
  { shape: [2, 3, 17], units: 8, batch: 2, act: 'softmax' as const },
  { shape: [5, 1], units: 16, batch: 1, act: 'linear' as const },
].map(({ shape, units, batch, act }, i) => ({
  label: `dense [${shape}] -> ${units} N${batch} ${act}${i % 3 === 2 ? ' no bias' : ''}`,
  make: () => dd.layers.dense({ units, activation: act, useBias: i % 3 !== 2, inputShape: shape }),
  xShape: [batch, ...shape],
}));

const embCases: Case[] = [[5, 1, 7, 3], [3, 7, 3, 2], [33, 8, 16, 5], [2, 9, 17, 1], [17, 15, 33, 3]].map(([vocab, length, dim, batch]) => ({
  label: `embedding ${vocab} x ${dim}, length ${length} N${batch} (repeated ids)`,
  make: () => dd.layers.embedding({ inputDim: vocab, outputDim: dim, inputShape: [length] }),
  xShape: [batch, length], ids: vocab,
}));

const dropCases: Case[] = CHANNELS.slice(0, 5).flatMap((c, i) => [true, false].map((training) => ({
  label: `dropout ${[0.1, 0.5, 0.3, 0.9, 0.25][i]} [${c}, 3] N3 ${training ? 'training' : 'eval'}`,
  make: () => dd.layers.dropout({ rate: [0.1, 0.5, 0.3, 0.9, 0.25][i], seed: 11 + i, inputShape: [c, 3] }),
  xShape: [3, c, 3], training,
})));

// edges: a kernel or pool window larger than the image with 'same' padding, 1x1 images, strides
// larger than the window (cells no window covers: their gradient is 0)
const edgeCases: Case[] = [
  { label: "conv2d 3x3x2 k5 'same' f3 N2 (kernel larger than the image)", make: () => dd.layers.conv2d({ filters: 3, kernelSize: 5, padding: 'same', inputShape: [3, 3, 2] }), xShape: [2, 3, 3, 2] },
  { label: "conv2d 1x1x9 k[3,5] s2 'same' f8 N3", make: () => dd.layers.conv2d({ filters: 8, kernelSize: [3, 5], strides: 2, padding: 'same', activation: 'tanh', inputShape: [1, 1, 9] }), xShape: [3, 1, 1, 9] },
  { label: 'conv2d 7x8x3 k2 s3 valid f5 N1 (stride > kernel)', make: () => dd.layers.conv2d({ filters: 5, kernelSize: 2, strides: 3, inputShape: [7, 8, 3] }), xShape: [1, 7, 8, 3] },
  { label: "maxPool2d 2x3x7 p5 s1 'same' N2 (window larger than the image)", make: () => dd.layers.maxPool2d({ poolSize: 5, strides: 1, padding: 'same', inputShape: [2, 3, 7] }), xShape: [2, 2, 3, 7] },
  { label: "avgPool2d 2x3x7 p5 s1 'same' N2 (window larger than the image)", make: () => dd.layers.avgPool2d({ poolSize: 5, strides: 1, padding: 'same', inputShape: [2, 3, 7] }), xShape: [2, 2, 3, 7] },
  { label: "avgPool2d 7x7x3 p2 s3 'same' N1 (stride > window)", make: () => dd.layers.avgPool2d({ poolSize: 2, strides: 3, padding: 'same', inputShape: [7, 7, 3] }), xShape: [1, 7, 7, 3] },
  { label: 'maxPool2d 1x1x16 p1 N3', make: () => dd.layers.maxPool2d({ poolSize: 1, inputShape: [1, 1, 16] }), xShape: [3, 1, 1, 16] },
];

const flattenCases: Case[] = [{ label: 'flatten [3, 5, 7] N3', make: () => dd.layers.flatten({ inputShape: [3, 5, 7] }), xShape: [3, 3, 5, 7] }];

const CASES = [...convCases, ...edgeCases, ...poolCases, ...globalCases, ...bnCases, ...lnCases, ...denseCases, ...embCases, ...dropCases, ...flattenCases];

// ---------------------------------------------------------------------------

/** The case's inputs (seeded by its index) and the js oracle's results. */
function prepare(c: Case, seed: number): { weights: Record<string, Float32Array>; x: dd.Tensor | Int32Array; dy: Float32Array; want: LayerRun } {
  jsVariant.use();
  const probe = c.make();
  probe.build(c.xShape.slice(1));
  const weights = randomWeights(probe, seed);
  const n = sizeOf(c.xShape);
  let x: dd.Tensor | Int32Array;
  if (c.ids) {
    const ids = randomIds(n, c.ids, seed + 1);
    ids[0] = ids[n - 1] = c.ids - 1;  // repeated ids, the largest one included
    x = ids;
  } else {
    x = dd.tensor(uniform(n, seed + 1, -2, 2), c.xShape);
  }
  const dy = uniform(c.xShape[0] * probe.outputSize, seed + 2);
  const want = runLayer(jsVariant, c.make, weights, x, dy, c.training ?? false);
  return { weights, x, dy, want };
}

describe.each(nativeVariants())('native layers vs the js oracle on $label', (variant) => {
  it.each(CASES.map((c, i) => [c.label, c, i] as const))('%s', (_, c, i) => {
    const { weights, x, dy, want } = prepare(c, 1000 * i + 7);
    const got = runLayer(variant, c.make, weights, x, dy, c.training ?? false);
    close(got.y, want.y, 'y');
    if (want.dx) close(got.dx!, want.dx, 'dx');
    else expect(got.dx).toBeNull();
    expect(Object.keys(got.grads).sort()).toEqual(Object.keys(want.grads).sort());
    for (const [name, g] of Object.entries(want.grads)) close(got.grads[name], g, `d${name}`);
    for (const [name, t] of Object.entries(want.after)) close(got.after[name], t, `${name} after forward`);
    if (c.make() instanceof dd.Dropout) {
      // the masks are the same bits: y and dx exactly
      expect(Array.from(got.y)).toEqual(Array.from(want.y));
      expect(Array.from(got.dx!)).toEqual(Array.from(want.dx!));
      expect(got.counter).toBe(want.counter);
    }
  });

  it('dense on an N-D input maps the last axis (rows [N*2*3, F]), against a double reference', () => {
    variant.use();
    // dense on [N, 2, 3, F] is dense on the rows [N*2*3, F]
    const layer = dd.layers.dense({ units: 5, activation: 'tanh', inputShape: [2, 3, 9] });
    const flat = dd.layers.dense({ units: 5, activation: 'tanh', inputShape: [9] });
    layer.build([2, 3, 9]);
    const w = randomWeights(layer, 3);
    layer.setWeights(w);
    flat.setWeights(w);
    const x = uniform(4 * 2 * 3 * 9, 5);
    const dy = uniform(4 * 2 * 3 * 5, 6);
    const y = layer.forward(dd.tensor(x, [4, 2, 3, 9]));
    expect(y.shape).toEqual([4, 2, 3, 5]);
    expect(layer.outputShape).toEqual([2, 3, 5]);
    expect(Array.from(y.data)).toEqual(Array.from(flat.forward(dd.tensor(x, [24, 9])).data));
    const g = layer.backward(dd.tensor(x, [4, 2, 3, 9]), dy);
    const gf = flat.backward(dd.tensor(x, [24, 9]), dy);
    expect(g.dx!.shape).toEqual([4, 2, 3, 9]);
    expect(Array.from(g.dx!.data)).toEqual(Array.from(gf.dx!.data));
    expect(Array.from(g.grads.weight!.data)).toEqual(Array.from(gf.grads.weight!.data));
    expect(Array.from(g.grads.bias!.data)).toEqual(Array.from(gf.grads.bias!.data));
    // and the rows really are x W + b (double reference)
    const W = w.weight;
    const b = w.bias;
    const ref = new Float64Array(24 * 5);
    for (let r = 0; r < 24; r++) {
      for (let j = 0; j < 5; j++) {
        let s = b[j];
        for (let k = 0; k < 9; k++) s += x[r * 9 + k] * W[k * 5 + j];
        ref[r * 5 + j] = Math.tanh(s);
      }
    }
    expectClose(y.data, ref, 1e-5, 1e-6, 'dense N-D vs double reference');
  });
});

describe('the case list covers what it claims', () => {
  it('channels around the vector widths, strides 1-3, kernels 1-5, both paddings, batch 1 and odd batches', () => {
    const convs = CASES.map((c) => c.make()).filter((l): l is dd.Conv2d => l instanceof dd.Conv2d);
    expect(new Set(convCases.map((c) => c.xShape[3]))).toEqual(new Set(CHANNELS));
    expect(new Set(convs.flatMap((l) => l.strides))).toEqual(new Set([1, 2, 3]));
    expect(new Set(convs.flatMap((l) => l.kernelSize))).toEqual(new Set([1, 2, 3, 4, 5]));
    expect(convs.some((l) => l.kernelSize[0] !== l.kernelSize[1])).toBe(true);
    expect(new Set(convs.map((l) => l.padding))).toEqual(new Set(['valid', 'same']));
    expect(new Set(CASES.map((c) => c.xShape[0]))).toEqual(new Set([1, 2, 3, 5, 7, 16]));
    // 'same' pads on some pooling cases, and some images are not square
    expect(poolCases.some((c) => { const l = c.make() as dd.MaxPool2d; l.build(c.xShape.slice(1)); return l.padding === 'same' && l.outputShape[0] * l.strides[0] > c.xShape[1]; })).toBe(true);
  });
});
