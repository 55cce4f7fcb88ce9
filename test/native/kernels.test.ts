// Every native ISA variant and the js backend against the scalar reference
// kernels, at lengths around the vector width, on views at odd element offsets
// (unaligned memory), and in place. NaN must appear exactly where the reference has it.
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { nativeAddon } from '../../src/native.js';
import { expectClose, isaVariants, restoreDefaults, rng } from '../helpers.js';

const native = nativeAddon();
// Around the vector widths (8 lanes for avx2, 16 for avx512) and their multiples.
const LENGTHS = [0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 1000, 1023];
const OFFSETS = [0, 1, 3];
const RTOL = 1e-5;
const ATOL = 1e-6;
const SPECIALS = [0, -0, 1e-30, -1e-30, 1e-40, -1e-40, 3, -3, 6, 20, -20, 87, -87, 89, -89, 100, -104, 1000, -1000,
  Infinity, -Infinity, NaN, 0.5, -0.5, 9.5, 10.5];

const ELEMENTWISE: [string, () => dd.Activation][] = [
  ['sigmoid', () => dd.activation('sigmoid')], ['tanh', () => dd.activation('tanh')],
  ['relu', () => dd.activation('relu')], ['leakyRelu', () => dd.activation('leakyRelu', { alpha: 0.2 })],
  ['swish', () => dd.activation('swish')], ['gelu', () => dd.activation('gelu')],
  ['gelu tanh', () => dd.activation('gelu', { approximate: 'tanh' })], ['elu', () => dd.activation('elu', { alpha: 1.5 })],
  ['selu', () => dd.activation('selu')], ['softplus', () => dd.activation('softplus')],
  ['softplus b2 t10', () => dd.activation('softplus', { beta: 2, threshold: 10 })], ['mish', () => dd.activation('mish')],
  ['hardSigmoid', () => dd.activation('hardSigmoid')], ['hardSwish', () => dd.activation('hardSwish')],
  ['relu6', () => dd.activation('relu6')], ['linear', () => dd.activation('linear')],
];
const ROWWISE: [string, () => dd.Activation][] = [
  ['softmax', () => dd.activation('softmax')], ['logSoftmax', () => dd.activation('logSoftmax')],
];

/** n inputs: specials first, then a mix of scales. */
function inputs(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const scale = [1, 4, 30, 200][i % 4];
    out[i] = i < SPECIALS.length && n > 40 ? SPECIALS[i] : (r() * 2 - 1) * scale;
  }
  return out;
}

/** A copy of `src` placed at element `offset` inside a larger buffer. */
function view(src: Float32Array, offset: number): Float32Array {
  const buf = new Float32Array(src.length + offset + 2).fill(12345);
  const v = buf.subarray(offset, offset + src.length);
  v.set(src);
  return v;
}

function withReference<T>(compute: () => T): T {
  dd.setBackend('cpu');
  native!.selectIsa('scalar');
  return compute();
}

const candidates = (): { label: string; use: () => void }[] => [
  { label: 'js', use: () => dd.setBackend('js') },
  ...isaVariants().map((isa) => ({ label: `cpu/${isa}`, use: () => { dd.setBackend('cpu'); native!.selectIsa(isa); } })),
];

afterAll(restoreDefaults);

describe.runIf(native)('element-wise kernels vs the scalar reference', () => {
  for (const { label, use } of candidates()) {
    for (const [name, make] of ELEMENTWISE) {
      it(`${name} on ${label}`, () => {
        const act = make();
        for (const n of LENGTHS) {
          const x = inputs(n, n + 7);
          const dy = inputs(n, n + 99);
          const [yRef, dxRef] = withReference(() => [act.forward(x).data, act.backward(x, dy).data]);
          use();
          for (const off of OFFSETS) {
            const xv = view(x, off);
            const dyv = view(dy, off);
            expectClose(act.forward(xv).data, yRef, RTOL, ATOL, `forward n=${n} offset=${off}`);
            expectClose(act.backward(xv, dyv).data, dxRef, RTOL, ATOL, `backward n=${n} offset=${off}`);
            // in place: out === x (forward), out === x or dy (backward)
            expectClose(act.forward(xv, { out: xv }).data, yRef, RTOL, ATOL, `forward in place n=${n}`);
            xv.set(x);
            expectClose(act.backward(xv, dyv, { out: xv }).data, dxRef, RTOL, ATOL, `backward out=x n=${n}`);
            xv.set(x);
            expectClose(act.backward(xv, dyv, { out: dyv }).data, dxRef, RTOL, ATOL, `backward out=dy n=${n}`);
            expect(new Float32Array(xv.buffer)[off + n], 'no write past the end').toBe(12345);
          }
        }
      });
    }
    for (const [name, make] of ROWWISE) {
      it(`${name} on ${label}`, () => {
        const act = make();
        for (const cols of [1, 7, 8, 9, 16, 17, 100]) {
          for (const rows of [1, 3]) {
            const x = inputs(rows * cols, cols);
            if (cols > 8) x[1] = 1000; // a huge value must not overflow
            if (cols === 17 && rows === 3) x[cols] = NaN; // poisons row 1 only
            const dy = inputs(rows * cols, cols + 5);
            const shape = [rows, cols];
            const [yRef, dxRef] = withReference(() => [act.forward(dd.tensor(x, shape)).data, act.backward(dd.tensor(x, shape), dd.tensor(dy, shape)).data]);
            use();
            for (const off of OFFSETS) {
              const xv = dd.tensor(view(x, off), shape);
              const dyv = dd.tensor(view(dy, off), shape);
              expectClose(act.forward(xv).data, yRef, RTOL, ATOL, `forward ${rows}x${cols} offset=${off}`);
              expectClose(act.backward(xv, dyv).data, dxRef, RTOL, ATOL, `backward ${rows}x${cols} offset=${off}`);
              expectClose(act.forward(xv, { out: xv }).data, yRef, RTOL, ATOL, `forward in place ${rows}x${cols}`);
              xv.data.set(x);
              expectClose(act.backward(xv, dyv, { out: xv }).data, dxRef, RTOL, ATOL, `backward out=x ${rows}x${cols}`);
              xv.data.set(x);
              expectClose(act.backward(xv, dyv, { out: dyv }).data, dxRef, RTOL, ATOL, `backward out=dy ${rows}x${cols}`);
            }
          }
        }
      });
    }
  }
});

describe.runIf(native)('large inputs split across the thread pool', () => {
  it('element-wise and row-wise ops on 2 threads match the single-threaded reference, also in place', () => {
    const threads = dd.getNumThreads();
    try {
      for (const [name, make] of [...ELEMENTWISE.slice(0, 6), ...ROWWISE]) {
        const act = make();
        const rowWise = act.rowWise;
        const n = rowWise ? 301 * 333 : 200_003;
        const shape = rowWise ? [301, 333] : [n];
        const x = inputs(n, 11);
        const dy = inputs(n, 12);
        dd.setNumThreads(1);
        const [yRef, dxRef] = withReference(() => [act.forward(dd.tensor(x, shape)).data, act.backward(dd.tensor(x, shape), dd.tensor(dy, shape)).data]);
        dd.setNumThreads(2);
        native!.selectIsa('auto');
        const xv = dd.tensor(view(x, 1), shape);
        expectClose(act.forward(xv).data, yRef, RTOL, ATOL, `${name} forward`);
        expectClose(act.backward(xv, dd.tensor(view(dy, 3), shape)).data, dxRef, RTOL, ATOL, `${name} backward`);
        expectClose(act.forward(xv, { out: xv }).data, yRef, RTOL, ATOL, `${name} forward in place`);
      }
    } finally {
      dd.setNumThreads(threads);
    }
  });
});
