// What the optimizers mean, not just their numbers: they minimise, Adagrad
// favours rare coordinates, Adadelta works at lr 1.0; plus round trips, the
// fused single native call, multi-tensor/threaded steps vs the js reference, clipping.
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { expectClose, restoreDefaults, rng, variants } from '../helpers.js';

afterAll(restoreDefaults);

type Make = () => dd.Optimizer;
// One lr per optimizer that works for both test problems (2000 / 3000 steps).
const ALL: [string, Make][] = [
  ['SGD', () => new dd.optimizers.SGD({ lr: 1e-3 })],
  ['SGD momentum', () => new dd.optimizers.SGD({ lr: 3e-4, momentum: 0.9 })],
  ['SGD nesterov', () => new dd.optimizers.SGD({ lr: 3e-4, momentum: 0.9, nesterov: true })],
  ['Adagrad', () => new dd.optimizers.Adagrad({ lr: 0.3 })],
  ['Adadelta', () => new dd.optimizers.Adadelta({ lr: 1.0 })],
  ['RMSprop', () => new dd.optimizers.RMSprop({ lr: 0.01 })],
  ['RMSprop centered momentum', () => new dd.optimizers.RMSprop({ lr: 1e-3, centered: true, momentum: 0.5 })],
  ['Adam', () => new dd.optimizers.Adam({ lr: 0.03 })],
  ['Adam amsgrad', () => new dd.optimizers.Adam({ lr: 0.1, amsgrad: true })],
  ['AdamW', () => new dd.optimizers.AdamW({ lr: 0.03, weightDecay: 0 })],
  ['Adamax', () => new dd.optimizers.Adamax({ lr: 0.1 })],
  ['NAdam', () => new dd.optimizers.NAdam({ lr: 0.01 })],
  ['RAdam', () => new dd.optimizers.RAdam({ lr: 0.01 })],
];

// f(x) = sum_i c_i (x_i - 1)^2, an ill-conditioned convex bowl with its minimum at 1.
const quadratic = (x: Float32Array, g: Float32Array): number => {
  let f = 0;
  for (let i = 0; i < x.length; i++) {
    const c = 1 + i;
    f += c * (x[i] - 1) ** 2;
    g[i] = 2 * c * (x[i] - 1);
  }
  return f;
};
// Rosenbrock: (1 - x)^2 + 100 (y - x^2)^2, minimum 0 at (1, 1).
const rosenbrock = (p: Float32Array, g: Float32Array): number => {
  const [x, y] = p;
  g[0] = -2 * (1 - x) - 400 * x * (y - x * x);
  g[1] = 200 * (y - x * x);
  return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
};

function minimise(opt: dd.Optimizer, f: typeof quadratic, start: number[], steps: number): [number, number] {
  const x = Float32Array.from(start);
  const g = new Float32Array(x.length);
  const first = f(x, g);
  for (let s = 0; s < steps; s++) {
    f(x, g);
    opt.step([x], [g]);
  }
  return [first, f(x, g)];
}

describe.each(variants())('optimizers on $label', (variant) => {
  it.each(ALL)('%s minimises a convex quadratic and the Rosenbrock function', (name, make) => {
    variant.use();
    const [q0, q1] = minimise(make(), quadratic, [-2, 3, 0.5, 4], 2000);
    expect(q1, `${name} quadratic`).toBeLessThan(q0 * 0.01);
    const [r0, r1] = minimise(make(), rosenbrock, [-1.5, 2], 3000);
    expect(r1, `${name} rosenbrock`).toBeLessThan(r0 * 0.05);
  });

  it('Adagrad: frequently updated coordinates slow down faster than rare ones', () => {
    variant.use();
    const opt = new dd.optimizers.Adagrad({ lr: 0.1 });
    const x = new Float32Array(2);
    const g = new Float32Array(2);
    for (let s = 0; s < 100; s++) {
      g[0] = 1; // every step
      g[1] = s % 10 === 0 ? 1 : 0; // every 10th step
      opt.step([x], [g]);
    }
    // last effective step sizes for a unit gradient: lr / sqrt(accumulated squares)
    const acc = opt.stateDict().slots.sum[0];
    expect(0.1 / Math.sqrt(acc[1])).toBeGreaterThan(3 * (0.1 / Math.sqrt(acc[0])));
  });

  it('Adadelta needs no lr tuning at lr 1.0', () => {
    variant.use();
    const [q0, q1] = minimise(new dd.optimizers.Adadelta({ lr: 1.0 }), quadratic, [-2, 3, 0.5, 4], 3000);
    expect(q1).toBeLessThan(q0 * 0.05);
  });

  it('stateDict / loadStateDict resume gives the identical trajectory', () => {
    variant.use();
    for (const [name, make] of ALL) {
      const a = make();
      const xa = Float32Array.from([0.3, -1, 2]);
      const g = new Float32Array(3);
      for (let s = 0; s < 5; s++) { rosenbrock(xa, g); g[2] = xa[2]; a.step([xa], [g]); }
      const saved = a.stateDict();
      const b = dd.optimizers.fromConfig(a.getConfig());
      b.loadStateDict(saved);
      const xb = xa.slice();
      for (let s = 0; s < 5; s++) {
        rosenbrock(xa, g); g[2] = xa[2]; a.step([xa], [g]);
        rosenbrock(xb, g); g[2] = xb[2]; b.step([xb], [g]);
      }
      expect(Array.from(xb), name).toEqual(Array.from(xa));
      expect(b.iterations).toBe(10);
    }
  });

  it('one step over many tensors matches the js reference, across chunk and thread boundaries', () => {
    const sizes = [1, 7, 8, 9, 33, 40_000, 70_001, 5];
    const r = rng(5);
    const params = sizes.map((n) => Float32Array.from({ length: n }, () => r() * 2 - 1));
    const grads = sizes.map((n) => Float32Array.from({ length: n }, () => r() * 2 - 1));
    for (const [name, make] of ALL) {
      const run = (use: () => void): Float32Array[] => {
        use();
        const ps = params.map((p) => p.slice());
        const opt = make();
        for (let s = 0; s < 3; s++) opt.step(ps, grads);
        return ps;
      };
      const ref = run(() => dd.setBackend('js'));
      const got = run(() => variant.use());
      got.forEach((p, i) => expectClose(p, ref[i], 1e-5, 1e-6, `${name} tensor ${i}`));
    }
  });

  it('clipGradNorm and clipGradValue', () => {
    variant.use();
    const a = Float32Array.of(3, 4);
    const b = dd.tensor([[0, 12]]);
    const norm = dd.clipGradNorm([a, b], 6.5);
    expect(norm).toBeCloseTo(13, 6);
    expectClose(a, [1.5, 2], 1e-6, 1e-6);
    expectClose(b.data, [0, 6], 1e-6, 1e-6);
    expect(dd.clipGradNorm([Float32Array.of(0.1)], 1)).toBeCloseTo(0.1, 7);
    const v = [Float32Array.of(-5, 0.5, 9, NaN)];
    dd.clipGradValue(v, 1);
    expect(Array.from(v[0])).toEqual([-1, 0.5, 1, NaN]);
  });
});

describe('the cpu backend updates all tensors in one native call', () => {
  it.runIf(dd.backends()[1].available)('counts exactly one call per step', () => {
    dd.setBackend('cpu');
    const params = Array.from({ length: 20 }, (_, i) => new Float32Array(10 + i));
    const grads = params.map((p) => p.map(() => 0.5));
    const opt = new dd.optimizers.Adam();
    opt.step(params, grads);
    dd.debug.resetNativeCalls();
    opt.step(params, grads);
    expect(dd.debug.nativeCalls).toBe(1);
    dd.clipGradNorm(grads, 1);
    expect(dd.debug.nativeCalls).toBe(2);
  });
});

describe('optimizer config and validation', () => {
  it('getConfig / fromConfig round trip with every option and the class name', () => {
    for (const [, make] of ALL) {
      const a = make();
      const b = dd.optimizers.fromConfig(a.getConfig());
      expect(b.getConfig()).toEqual(a.getConfig());
      expect(b).toBeInstanceOf(a.constructor);
    }
    expect(new dd.optimizers.AdamW().getConfig()).toEqual({ className: 'AdamW', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, amsgrad: false });
    expect(new dd.optimizers.NAdam().getConfig()).toMatchObject({ lr: 2e-3, momentumDecay: 4e-3 });
  });

  it('lr is settable and validated', () => {
    const opt = new dd.optimizers.Adam();
    opt.lr = 5e-4;
    expect(opt.lr).toBe(5e-4);
    expect(() => { opt.lr = -1; }).toThrow('Expected a finite number >= 0 for lr but received -1');
  });

  it('bad hyper-parameters get the house message', () => {
    expect(() => new dd.optimizers.Adam({ beta1: 1 })).toThrow('Expected a finite number >= 0 and < 1 for beta1 but received 1');
    expect(() => new dd.optimizers.Adam({ eps: 0 })).toThrow('Expected a finite number > 0 for eps but received 0');
    expect(() => new dd.optimizers.SGD({ lr: NaN })).toThrow('Expected a finite number >= 0 for lr but received NaN');
    expect(() => new dd.optimizers.SGD({ nesterov: true })).toThrow('Expected momentum > 0 and dampening 0 for nesterov but received momentum 0 and dampening 0');
    expect(() => new dd.optimizers.SGD({ momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow('received momentum 0.9 and dampening 0.1');
    expect(() => new dd.optimizers.RMSprop({ centered: 1 as never })).toThrow('Expected a boolean for centered but received 1');
    expect(() => new dd.optimizers.Adagrad({ beta1: 0.9 } as never)).toThrow("Expected one of the option names 'lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps' for options.beta1");
    expect(() => dd.optimizers.fromConfig({ className: 'Lion', lr: 1 })).toThrow('Expected one of SGD, Adagrad, Adadelta, RMSprop, Adam, AdamW, Adamax, NAdam, RAdam for config.className but received "Lion"');
  });

  it('bad step arguments get the house message', () => {
    const opt = new dd.optimizers.SGD({ lr: 0.1 });
    const p = new Float32Array(3);
    expect(() => opt.step(p as never, [p])).toThrow('Expected an array of Tensor or Float32Array for params but received Float32Array(3)');
    expect(() => opt.step([p], [new Float32Array(2)])).toThrow('Expected 3 elements like params[0] for grads[0] but received 2');
    expect(() => opt.step([p], [])).toThrow('Expected 1 gradients (one per parameter) for grads but received 0');
    expect(() => opt.step([p], [[1, 2, 3] as never])).toThrow('Expected a Tensor or Float32Array for grads[0] but received [1, 2, 3]');
    expect(() => opt.step([p], [p])).toThrow('Expected memory separate from its parameter for grads[0]');
    const m = new dd.optimizers.Adam();
    m.step([p], [new Float32Array(3)]);
    expect(() => m.step([p, p], [new Float32Array(3), new Float32Array(3)]))
      .toThrow('Expected the same 1 parameter tensors of sizes [3] as in earlier steps for params but received 2 of sizes [3, 3]');
    expect(() => m.step([new Float32Array(4)], [new Float32Array(4)])).toThrow('sizes [3] as in earlier steps for params but received 1 of sizes [4]');
    expect(() => m.loadStateDict({ ...m.stateDict(), className: 'SGD' })).toThrow("Expected 'Adam' for state.className but received \"SGD\"");
    expect(() => dd.clipGradNorm([p], -1)).toThrow('Expected a finite number >= 0 for maxNorm but received -1');
  });
});
