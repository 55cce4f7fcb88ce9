// Finite differences for every layer: for the loss L = sum(y * r) with a fixed random r,
// layer.backward(x, r) must give dL/dx and dL/d(every trainable tensor) as the double-sided
// difference (L(v + h) - L(v - h)) / (2h) of each element, on the js backend for every case
// and as a spot check on the cpu backend (the native layers). Batch norm in training and in
// eval mode; dropout with its mask held fixed (the same step counter for every evaluation).
//
// Tolerance: y is float32, so L carries a rounding error of about sqrt(n) * 2^-24 * |y r| ~ 1e-6
// and the difference quotient ~1e-6 / 2h = 1e-4 (h = 5e-3); the truncation error h^2 f'''/6 is
// of the same order for these smooth activations and O(1) inputs. Hence ATOL 2e-4, RTOL 2e-3
// (the largest difference measured is 0.12 of that, batch norm's dx in training): a wrong
// gradient (a missed term, a wrong index or scale) is off by O(|gradient|).
// Piecewise layers stay off their kinks: smooth activations only, and max pooling gets inputs
// spaced more than 2h apart (a permuted grid), so no perturbation changes a window's winner.
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { nativeAddon } from '../../src/native.js';
import { expectClose, restoreDefaults, rng } from '../helpers.js';
import { jsVariant, randomIds, randomWeights, sizeOf, uniform } from './layer-helpers.js';
import type { Variant } from '../helpers.js';

afterAll(restoreDefaults);

const H = 5e-3;
const RTOL = 2e-3;
const ATOL = 2e-4;

interface GradCase {
  label: string;
  make: () => dd.Layer;
  xShape: number[];
  training?: boolean;
  /** x is ids in [0, ids) (no input gradient) */
  ids?: number;
  /** x is a permutation of a grid of distinct values (max pooling) */
  grid?: boolean;
}

const CASES: GradCase[] = [
  { label: 'dense [5] -> 4 tanh N3', make: () => dd.layers.dense({ units: 4, activation: 'tanh', inputShape: [5] }), xShape: [3, 5] },
  { label: 'dense [2, 3] -> 4 softmax (N-D) N2', make: () => dd.layers.dense({ units: 4, activation: 'softmax', inputShape: [2, 3] }), xShape: [2, 2, 3] },
  { label: 'dense [3] -> 2 gelu, no bias N2', make: () => dd.layers.dense({ units: 2, activation: 'gelu', useBias: false, inputShape: [3] }), xShape: [2, 3] },
  {
    label: 'conv2d 5x6x3 k[3,2] s[2,1] same f4 tanh N2',
    make: () => dd.layers.conv2d({ filters: 4, kernelSize: [3, 2], strides: [2, 1], padding: 'same', activation: 'tanh', inputShape: [5, 6, 3] }),
    xShape: [2, 5, 6, 3],
  },
  {
    label: 'conv2d 4x5x2 k3 valid f3 linear no bias N1',
    make: () => dd.layers.conv2d({ filters: 3, kernelSize: 3, useBias: false, inputShape: [4, 5, 2] }), xShape: [1, 4, 5, 2],
  },
  {
    label: 'conv2d 6x5x1 k[1,4] s3 same f2 sigmoid N2',
    make: () => dd.layers.conv2d({ filters: 2, kernelSize: [1, 4], strides: 3, padding: 'same', activation: 'sigmoid', inputShape: [6, 5, 1] }), xShape: [2, 6, 5, 1],
  },
  { label: 'maxPool2d 5x5x2 p2 same N2', make: () => dd.layers.maxPool2d({ poolSize: 2, padding: 'same', inputShape: [5, 5, 2] }), xShape: [2, 5, 5, 2], grid: true },
  { label: 'maxPool2d 4x6x3 p[3,2] s1 valid N1', make: () => dd.layers.maxPool2d({ poolSize: [3, 2], strides: 1, inputShape: [4, 6, 3] }), xShape: [1, 4, 6, 3], grid: true },
  { label: 'avgPool2d 5x4x3 p3 s2 same N2', make: () => dd.layers.avgPool2d({ poolSize: 3, strides: 2, padding: 'same', inputShape: [5, 4, 3] }), xShape: [2, 5, 4, 3] },
  { label: 'avgPool2d 5x5x1 p2 s3 valid N2', make: () => dd.layers.avgPool2d({ poolSize: 2, strides: 3, inputShape: [5, 5, 1] }), xShape: [2, 5, 5, 1] },
  { label: 'globalAvgPool2d 3x4x2 N2', make: () => dd.layers.globalAvgPool2d({ inputShape: [3, 4, 2] }), xShape: [2, 3, 4, 2] },
  { label: 'batchNorm [4] N5 training', make: () => dd.layers.batchNorm({ inputShape: [4] }), xShape: [5, 4], training: true },
  { label: 'batchNorm [3, 3, 2] N2 training', make: () => dd.layers.batchNorm({ eps: 1e-3, inputShape: [3, 3, 2] }), xShape: [2, 3, 3, 2], training: true },
  { label: 'batchNorm [2, 2, 3] N1 training (4 values per channel)', make: () => dd.layers.batchNorm({ inputShape: [2, 2, 3] }), xShape: [1, 2, 2, 3], training: true },
  { label: 'batchNorm [4] N3 eval', make: () => dd.layers.batchNorm({ inputShape: [4] }), xShape: [3, 4] },
  { label: 'layerNorm [6] N3', make: () => dd.layers.layerNorm({ inputShape: [6] }), xShape: [3, 6] },
  { label: 'layerNorm [2, 5] N2', make: () => dd.layers.layerNorm({ eps: 1e-3, inputShape: [2, 5] }), xShape: [2, 2, 5] },
  { label: 'embedding 6 x 3, length 4 N2', make: () => dd.layers.embedding({ inputDim: 6, outputDim: 3, inputShape: [4] }), xShape: [2, 4], ids: 6 },
  { label: 'dropout 0.4 [10] N3 training', make: () => dd.layers.dropout({ rate: 0.4, seed: 3, inputShape: [10] }), xShape: [3, 10], training: true },
  { label: 'dropout 0.4 [10] N3 eval', make: () => dd.layers.dropout({ rate: 0.4, seed: 3, inputShape: [10] }), xShape: [3, 10] },
  { label: 'flatten [2, 3, 2] N2', make: () => dd.layers.flatten({ inputShape: [2, 3, 2] }), xShape: [2, 2, 3, 2] },
];
/** The cases checked on cpu as well. */
const CPU_SPOT = ['dense [2, 3] -> 4 softmax (N-D) N2', 'conv2d 5x6x3 k[3,2] s[2,1] same f4 tanh N2', 'maxPool2d 5x5x2 p2 same N2',
  'avgPool2d 5x4x3 p3 s2 same N2', 'batchNorm [3, 3, 2] N2 training', 'batchNorm [4] N3 eval', 'layerNorm [2, 5] N2', 'embedding 6 x 3, length 4 N2',
  'dropout 0.4 [10] N3 training'];

/** n distinct values in [-2, 2), 4/n apart, in random order. */
function grid(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const v = Float32Array.from({ length: n }, (_, i) => -2 + (4 * (i + 0.5)) / n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [v[i], v[j]] = [v[j], v[i]];
  }
  return v;
}

/** d loss / d buf[i] by central differences (the step as float32 rounds it). */
function numericGrad(buf: Float32Array, loss: () => number): Float64Array {
  const g = new Float64Array(buf.length);
  for (let i = 0; i < buf.length; i++) {
    const v = buf[i];
    buf[i] = v + H;
    const up = loss();
    const hi = buf[i];
    buf[i] = v - H;
    const down = loss();
    const lo = buf[i];
    buf[i] = v;
    g[i] = (up - down) / (hi - lo);
  }
  return g;
}

function check(variant: Variant, c: GradCase, seed: number): void {
  variant.use();
  const layer = c.make();
  layer.build(c.xShape.slice(1));
  layer.setWeights(randomWeights(layer, seed));
  const n = sizeOf(c.xShape);
  const xData = c.ids ? Float32Array.from(randomIds(n, c.ids, seed + 1)) : c.grid ? grid(n, seed + 1) : uniform(n, seed + 1, -1.5, 1.5);
  if (c.ids) xData.set([0, 0, c.ids - 1], 0);  // a repeated id: its rows' gradients add
  const x = dd.tensor(xData, c.xShape);
  const r = uniform(c.xShape[0] * layer.outputSize, seed + 2);
  const training = c.training ?? false;
  const dropout = layer instanceof dd.Dropout ? layer : null;
  const loss = () => {
    if (dropout) dropout.counter[0] = 0;  // the same mask every time
    const y = layer.forward(x, { training }).data;
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * r[i];
    return s;
  };
  loss();  // the forward backward's mask comes from
  const { dx, grads } = layer.backward(x, r, { training });
  if (c.ids) expect(dx).toBeNull();
  else expectClose(dx!.data, numericGrad(xData, loss), RTOL, ATOL, 'dx');
  const trainable = layer.specs().filter((s) => s.trainable).map((s) => s.name);
  expect(Object.keys(grads).sort()).toEqual([...trainable].sort());
  for (const name of trainable) expectClose(grads[name]!.data, numericGrad(layer.tensor(name)!.data, loss), RTOL, ATOL, `d${name}`);
  // the gradients are not trivially zero (except where the math says so)
  if (!c.ids && !(layer instanceof dd.LayerNorm && layer.width === 1)) expect(dx!.data.some((v) => Math.abs(v) > 1e-3)).toBe(true);
}

describe('finite differences on js', () => {
  it.each(CASES.map((c, i) => [c.label, c, i] as const))('%s', (_, c, i) => check(jsVariant, c, 100 * i + 1));
});

describe.skipIf(!nativeAddon())('finite differences on cpu (spot check of the native layers)', () => {
  const cpu: Variant = { label: 'cpu', use: () => { restoreDefaults(); dd.setBackend('cpu'); } };
  it.each(CASES.map((c, i) => [c.label, c, i] as const).filter(([label]) => CPU_SPOT.includes(label)))('%s', (_, c, i) => check(cpu, c, 100 * i + 1));
  it('spot list names real cases', () => expect(CPU_SPOT.every((l) => CASES.some((c) => c.label === l))).toBe(true));
});
