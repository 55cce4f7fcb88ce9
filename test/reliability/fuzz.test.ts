// Fuzz: a seeded generator throws >= 10,000 calls with malformed and edge-case
// arguments at every public function. Each call must either work or throw a
// DendriteError in the house format; the process must survive; and at least
// half of the calls must pass validation and reach native code (edge sizes,
// subarray offsets, in place, extreme values), so the kernels are fuzzed too.
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { Random } from '../../src/random.js';
import { restoreDefaults } from '../helpers.js';

afterAll(restoreDefaults);

const HOUSE = /^Expected .+ for .+ but received [\s\S]+$/;
const CALLS = 12_000;

function detachedFloat32(n: number): Float32Array {
  const a = new Float32Array(n);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
}

/** Mostly valid-looking data with edge sizes, offsets and extreme values; sometimes garbage. */
function makeArray(r: Random, n: number): unknown {
  const pick = r.next();
  const extreme = [0, -0, 1e-40, -1e38, 3.4e38, Infinity, -Infinity, NaN, 1000, -1000];
  if (pick < 0.95) {
    const off = r.int(3);
    const buf = new Float32Array(n + off + 1);
    for (let i = 0; i < buf.length; i++) buf[i] = r.next() < 0.1 ? extreme[r.int(extreme.length)] : (r.next() - 0.5) * 20;
    return buf.subarray(off, off + n);
  }
  const garbage: unknown[] = [
    new Float64Array(n), new Int32Array(n), Array.from({ length: n }, () => r.next()), 'x', null, undefined, 42, {},
    Object.freeze([1, 2]), detachedFloat32(n), [[1, 2], [3]], [NaN, 'a'], new Uint8Array(n), Symbol('s'), -1,
  ];
  return garbage[r.int(garbage.length)];
}

function sizeOf(r: Random): number {
  const sizes = [0, 1, 2, 7, 8, 9, 15, 16, 17, 33, 100];
  return sizes[r.int(sizes.length)];
}

function pickOptions(r: Random): unknown {
  const values = [undefined, {}, { alpha: -1 }, { alpha: 0.3 }, { beta: 0 }, { beta: 2, threshold: 5 }, { threshold: NaN },
    { approximate: 'tanh' }, { approximate: 'fast' }, { out: new Float32Array(3) }, 'opts', null, Object.freeze({ alpha: 1 }), { bogus: 1 }];
  return values[r.int(values.length)];
}

type Case = (r: Random) => void;

const CASES: Case[] = [
  // activations: forward / backward, element-wise and row-wise, in place
  (r) => {
    const name = dd.ACTIVATION_NAMES[r.int(dd.ACTIVATION_NAMES.length)];
    const act = dd.activation(name, (r.next() < 0.9 ? undefined : pickOptions(r)) as never);
    const n = sizeOf(r);
    const x = makeArray(r, n);
    const shapes = [[n], [1, n], n % 2 === 0 ? [2, n / 2] : [n, 1], [n], [1, n], [n + 1]];
    const t = x instanceof Float32Array && r.next() < 0.5 ? dd.tensor(x, shapes[r.int(shapes.length)]) : x;
    if (r.next() < 0.5) act.forward(t as never, r.next() < 0.3 ? { out: x as Float32Array } : undefined);
    else act.backward(t as never, (r.next() < 0.95 ? makeArray(r, n) : makeArray(r, n + 1)) as never, r.next() < 0.3 ? { out: x as Float32Array } : undefined);
  },
  // activation names and options
  (r) => {
    const names = [...dd.ACTIVATION_NAMES, 'relu7', '', 'toString', 42];
    dd.activation(names[r.int(names.length)] as never, pickOptions(r) as never);
  },
  // losses
  (r) => {
    const names = [...dd.LOSS_NAMES, 'hinge'];
    const name = names[r.int(names.length)];
    const loss = dd.loss(name as never, (r.next() < 0.2 ? { labelSmoothing: [0, 0.1, 1, 2, -1, NaN][r.int(6)] } : undefined) as never);
    const rows = 1 + r.int(5);
    const cols = 1 + r.int(6);
    const p = makeArray(r, rows * cols);
    const pred = p instanceof Float32Array && r.next() < 0.8 ? dd.tensor(p, [rows, cols]) : p;
    const targets = name === 'softmaxCrossEntropy'
      ? [Int32Array.from({ length: rows }, () => r.int(cols + (r.next() < 0.1 ? 2 : 0))), Array.from({ length: rows }, () => r.int(cols) + (r.next() < 0.05 ? 0.5 : 0)), Int32Array.from({ length: rows }, () => r.int(cols)), makeArray(r, rows)][r.int(4)]
      : r.next() < 0.7 ? Float32Array.from({ length: rows * cols }, () => r.next()) : makeArray(r, rows * cols);
    if (r.next() < 0.5) loss.forward(pred as never, targets as never);
    else loss.backward(pred as never, targets as never);
  },
  // tensors
  (r) => {
    const n = sizeOf(r);
    const shapes: unknown[] = [[n], [n, 1], [-1], [n + 1], [0.5], 'n', undefined, [2, n]];
    dd.tensor(makeArray(r, n) as never, shapes[r.int(shapes.length)] as never);
  },
  // optimizers: one fused native step over several tensors
  (r) => {
    const names = Object.keys(dd.optimizers).filter((k) => k !== 'fromConfig') as (keyof typeof dd.optimizers)[];
    const Cls = dd.optimizers[names[r.int(names.length)]] as new (o?: object) => dd.Optimizer;
    const hyper = [undefined, { lr: 0.01 }, { lr: -1 }, { lr: 0.5 }, { weightDecay: 0.1 }, undefined, { weightDecay: 0.1 }, { lr: NaN }, { lr: 1e-3 }, {}][r.int(10)];
    const opt = new Cls(hyper as never);
    const count = 1 + r.int(4);
    const sizes = Array.from({ length: count }, () => sizeOf(r));
    const params = sizes.map((n) => makeArray(r, n));
    const grads = sizes.map((n) => (r.next() < 0.97 ? makeArray(r, n) : makeArray(r, n + 1)));
    opt.step(params as never, grads as never);
    if (r.next() < 0.5) opt.step(params as never, grads as never);
  },
  // clipping
  (r) => {
    const grads = Array.from({ length: 1 + r.int(3) }, () => makeArray(r, sizeOf(r)));
    const limit = [1, 0, -1, NaN, 0.5, 1e-30, 100, 2][r.int(8)];
    if (r.next() < 0.5) dd.clipGradNorm(grads as never, limit);
    else dd.clipGradValue(grads as never, limit);
  },
  // models: predict / evaluate on odd inputs
  (r) => {
    const inSize = 1 + r.int(5);
    const model = dd.sequential([dd.layers.dense({ inputSize: inSize, units: 1 + r.int(4), activation: (['relu', 'tanh', 'softmax', 'gelu'] as const)[r.int(4)] }), dd.layers.dense({ units: 2 })]);
    const rows = r.int(4);
    const x = makeArray(r, rows * inSize);
    const input = x instanceof Float32Array && r.next() < 0.7 ? dd.tensor(x, [rows, inSize]) : x;
    model.predict(input as never, (r.next() < 0.8 ? undefined : { batchSize: [0, 1, 2.5, -1][r.int(4)] }) as never);
    if (r.next() < 0.3) {
      model.compile({ optimizer: new dd.optimizers.SGD(), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
      model.evaluate(input as never, Array.from({ length: rows }, () => r.int(3)));
    }
  },
  // settings
  (r) => {
    const v = [1, 2, 0, -1, 1.5, NaN, 'two', 4][r.int(8)];
    if (r.next() < 0.5) dd.setNumThreads(v as never);
    else dd.setBackend((['cpu', 'js', 'cuda', 'gpu'] as const)[r.int(4)] as never);
  },
  // data-parallel sharding and a model's own backend
  (r) => {
    const odd = [0, 1, 2, 3, -1, 0.5, NaN, 2 ** 40, '1', null];
    if (r.next() < 0.6) {
      const n = sizeOf(r);
      const order = r.next() < 0.8 ? Uint32Array.from({ length: n }, () => r.int(100)) : makeArray(r, n);
      dd.distributed.shardOrder(order as never, odd[r.int(odd.length)] as never, odd[r.int(odd.length)] as never);
    } else {
      const backend = (['cpu', 'js', 'cuda', 'tpu', 1, null, undefined] as const)[r.int(7)];
      dd.sequential([dd.layers.dense({ inputSize: 2, units: 2 })], { backend } as never);
    }
  },
];

// Case indices, weighted towards the calls that reach the kernels.
const WEIGHTED = [0, 0, 0, 0, 0, 0, 0, 2, 2, 4, 4, 4, 4, 5, 5, 6, 6, 1, 3, 7, 0, 0, 0, 8];

describe('fuzz', () => {
  it(`${CALLS} malformed and edge-case calls: each works or throws the house error`, () => {
    const r = new Random(20261127);
    let ok = 0;
    let rejected = 0;
    let native = 0;
    const unexpected: string[] = [];
    const byCase: Record<number, number> = {};
    for (let i = 0; i < CALLS; i++) {
      const before = dd.debug.nativeCalls;
      try {
        CASES[WEIGHTED[i % WEIGHTED.length]](r);
        ok++;
      } catch (e) {
        rejected++;
        byCase[WEIGHTED[i % WEIGHTED.length]] = (byCase[WEIGHTED[i % WEIGHTED.length]] ?? 0) + 1;
        const message = e instanceof Error ? e.message : String(e);
        if (!(e instanceof dd.DendriteError) || !HOUSE.test(message)) unexpected.push(`case ${WEIGHTED[i % WEIGHTED.length]}: ${String(e)}`);
      }
      if (dd.debug.nativeCalls > before) native++;
      if (dd.getBackend() !== 'cpu') dd.setBackend('cpu');
    }
    dd.setNumThreads(2);
    console.log(`fuzz: ${CALLS} calls, ${ok} worked, ${rejected} rejected with the house error, ${native} reached native code`, JSON.stringify(byCase));
    expect(unexpected.slice(0, 10)).toEqual([]);
    expect(native).toBeGreaterThanOrEqual(CALLS / 2);
    // still alive and correct afterwards
    expect(Array.from(dd.activation('relu').forward([-1, 2]).data)).toEqual([0, 2]);
  });
});
