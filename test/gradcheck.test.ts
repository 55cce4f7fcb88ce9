// Finite-difference gradient checks: for L = sum(f(x) * u), backward(x, u) must
// match (L(x + h e_i) - L(x - h e_i)) / 2h, for every activation and loss, on
// every backend variant. Points stay away from kinks (x = 0, ±3, 6, softplus threshold).
import { afterAll, describe, it } from 'vitest';
import * as dd from '../src/index.js';
import { expectClose, restoreDefaults, rng, variants } from './helpers.js';

afterAll(restoreDefaults);

const H = 1e-2;
// float32 forward + central differences: truncation ~h^2, rounding ~1e-7/h.
const RTOL = 2e-2;
const ATOL = 2e-3;

function numericGrad(f: (x: Float32Array) => number, x: Float32Array): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    x[i] = xi + H;
    const up = f(x);
    x[i] = xi - H;
    const down = f(x);
    x[i] = xi;
    g[i] = (up - down) / (2 * H);
  }
  return g;
}

const sumProduct = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, i) => s + v * b[i], 0);

function smoothPoints(n: number, seed: number, kinks: number[]): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v: number;
    do v = (r() * 2 - 1) * 5; while (kinks.some((k) => Math.abs(v - k) < 0.05));
    x[i] = v;
  }
  return x;
}

const KINKS = [0, -3, 3, 6, 10];
const ACTIVATIONS: [string, () => dd.Activation, number[]][] = [
  ...dd.ACTIVATION_NAMES.map((n) => [n, () => dd.activation(n), [5, 2]] as [string, () => dd.Activation, number[]]),
  ['leakyRelu 0.2', () => dd.activation('leakyRelu', { alpha: 0.2 }), [12]],
  ['elu 1.5', () => dd.activation('elu', { alpha: 1.5 }), [12]],
  ['gelu tanh', () => dd.activation('gelu', { approximate: 'tanh' }), [12]],
  ['softplus b2 t10', () => dd.activation('softplus', { beta: 2, threshold: 10 }), [12]],
];

describe.each(variants())('finite differences on $label', (variant) => {
  it.each(ACTIVATIONS)('%s', (_, make, shape) => {
    variant.use();
    const act = make();
    const size = shape.reduce((a, b) => a * b, 1);
    const x = smoothPoints(size, 3, KINKS);
    const u = smoothPoints(size, 4, []);
    const analytic = act.backward(dd.tensor(x, shape), dd.tensor(u, shape)).data;
    const numeric = numericGrad((xs) => sumProduct(act.forward(dd.tensor(xs, shape)).data, u), x);
    expectClose(analytic, numeric, RTOL, ATOL);
  });

  it('mse', () => {
    variant.use();
    const p = smoothPoints(12, 5, []);
    const t = smoothPoints(12, 6, []);
    const mse = dd.loss('mse');
    expectClose(mse.backward(p, t).data, numericGrad((x) => mse.forward(x, t), p), RTOL, ATOL);
  });

  it.each([0, 0.1])('softmaxCrossEntropy labelSmoothing %s', (labelSmoothing) => {
    variant.use();
    const logits = smoothPoints(4 * 5, 7, []);
    const targets = [0, 4, 2, 2];
    const ce = dd.loss('softmaxCrossEntropy', { labelSmoothing });
    const grad = ce.backward(dd.tensor(logits, [4, 5]), targets).data;
    expectClose(grad, numericGrad((x) => ce.forward(dd.tensor(x, [4, 5]), targets), logits), RTOL, ATOL);
  });

  it('binaryCrossEntropyWithLogits', () => {
    variant.use();
    const z = smoothPoints(10, 8, []);
    const y = Float32Array.from(smoothPoints(10, 9, []), (v) => (v + 5) / 10);
    const bce = dd.loss('binaryCrossEntropyWithLogits');
    expectClose(bce.backward(z, y).data, numericGrad((x) => bce.forward(x, y), z), RTOL, ATOL);
  });
});
