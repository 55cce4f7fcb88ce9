// Finite, exact results at extreme inputs on every variant: ±1000, 0, denormals, huge softmax rows.
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../src/index.js';
import { restoreDefaults, variants } from './helpers.js';

afterAll(restoreDefaults);
const DENORMAL = 1e-40;

describe.each(variants())('extreme inputs on $label', (variant) => {
  const fwd = (name: dd.ActivationName, x: number[], options?: object) => {
    variant.use();
    return Array.from(dd.activation(name, options as never).forward(new Float32Array(x)).data);
  };

  it('saturating functions', () => {
    expect(fwd('sigmoid', [-1000, 1000, 0])).toEqual([0, 1, 0.5]);
    expect(fwd('tanh', [-1000, 1000, 0])).toEqual([-1, 1, 0]);
    expect(fwd('softplus', [1000, -1000])).toEqual([1000, 0]);
    expect(fwd('swish', [1000, -1000])).toEqual([1000, -0]);
    expect(fwd('mish', [1000])).toEqual([1000]);
    expect(fwd('gelu', [1000, -1000])).toEqual([1000, -0]);
    expect(fwd('gelu', [1000, -1000], { approximate: 'tanh' })).toEqual([1000, -0]);
    expect(fwd('elu', [-1000])).toEqual([-1]);
    expect(fwd('selu', [1000])[0]).toBeCloseTo(1050.7009873554805, 2);
  });

  it('denormals and zero stay finite', () => {
    for (const name of dd.ACTIVATION_NAMES) {
      for (const v of fwd(name, [DENORMAL, -DENORMAL, 0, -0])) expect(Number.isFinite(v), name).toBe(true);
    }
    expect(fwd('sigmoid', [DENORMAL])).toEqual([0.5]);
  });

  it('softmax rows with huge values do not overflow', () => {
    variant.use();
    const x = dd.tensor([[1000, 1000, -1000], [3.4e38, 0, -3.4e38], [500, 501, 502]]);
    const y = dd.activation('softmax').forward(x).data;
    expect(Array.from(y.subarray(0, 6))).toEqual([0.5, 0.5, 0, 1, 0, 0]);
    expect(y[5 + 3]).toBeCloseTo(0.6652409557748219, 6);
    const ly = dd.activation('logSoftmax').forward(x).data;
    expect(ly.every((v, i) => (i === 2 || i === 4 || i === 5 ? v < -1e3 : Number.isFinite(v)))).toBe(true);
    const huge = dd.tensor([[1e20, 1e20, -1e20], [3e38, 3e38, 3e38]]);
    expect(Array.from(dd.activation('softmax').forward(huge).data)).toEqual([0.5, 0.5, 0, 1 / 3, 1 / 3, 1 / 3].map(Math.fround));
    expect(Array.from(dd.activation('logSoftmax').forward(huge).data.subarray(0, 2))).toEqual([-Math.LN2, -Math.LN2].map(Math.fround));
    expect(dd.loss('softmaxCrossEntropy').forward([[-1000, 1000], [0, 0]], [0, 1])).toBeCloseTo((2000 + Math.LN2) / 2, 3);
    expect(dd.loss('softmaxCrossEntropy').forward([[1e20, 1e20]], [0])).toBeCloseTo(Math.LN2, 6);
    expect(dd.loss('binaryCrossEntropyWithLogits').forward([1000, -1000], [0, 1])).toBe(1000);
  });
});
