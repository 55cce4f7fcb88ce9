// The native GEMM (every ISA variant, 1 and 2 threads) against gemmReference, the
// double-accumulating triple loop: every transpose combination, alpha/beta (beta 0
// ignores a NaN-filled C, beta 1 accumulates, alpha 0 reads neither A nor B), leading
// dimensions wider than the rows, views at odd element offsets, and the fused
// epilogue (bias, bias + activation into actOut, checked against the js backend).
// Padding of every matrix is NaN (A, B: must never be read) or a sentinel (C,
// actOut: must never be written).
import { afterAll, describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { ACTIVATION_KERNELS } from '../../src/backend/kernel-ids.js';
import { nativeAddon } from '../../src/native.js';
import { expectClose, isaVariants, restoreDefaults, rng } from '../helpers.js';

const native = nativeAddon();
const SENTINEL = 12345;
const THREADS = [1, 2];
const TRANSPOSES: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];
const initialThreads = dd.getNumThreads();

interface Case {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
  /** Extra elements per row beyond the stored width (leading dimension = width + pad). */
  pad?: number;
  /** Element offset of every view inside its buffer. */
  offset?: number;
  /** C starts as NaN (only meaningful with beta 0). */
  nanC?: boolean;
  /** NaN in A and B (only with alpha 0, where they must not be read). */
  nanAB?: boolean;
  bias?: boolean;
  act?: 'relu' | 'gelu';
}

interface Matrix {
  view: Float32Array;
  rows: number;
  cols: number;
  ld: number;
}

/** A rows x cols matrix at leading dimension cols + pad, as a view of exactly the needed length at `offset`. */
function matrix(rows: number, cols: number, pad: number, offset: number, padding: number, value: () => number): Matrix {
  const ld = cols + pad;
  const length = rows && cols ? (rows - 1) * ld + cols : 0;
  const buf = new Float32Array(offset + length + 3).fill(padding);
  const view = buf.subarray(offset, offset + length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) view[i * ld + j] = value();
  return { view, rows, cols, ld };
}

function copyMatrix(x: Matrix): Matrix {
  const buf = new Float32Array(x.view.buffer.slice(0));
  return { ...x, view: new Float32Array(buf.buffer, x.view.byteOffset, x.view.length) };
}

/** The rows x cols values of a matrix, packed. */
function compact(x: Matrix): Float32Array {
  const out = new Float32Array(x.rows * x.cols);
  for (let i = 0; i < x.rows; i++) out.set(x.view.subarray(i * x.ld, i * x.ld + x.cols), i * x.cols);
  return out;
}

/** Every element of the buffer outside the matrix still holds `padding`. */
function expectPaddingKept(x: Matrix, padding: number, label: string): void {
  const all = new Float32Array(x.view.buffer);
  const start = x.view.byteOffset / 4;
  for (let e = 0; e < all.length; e++) {
    const rel = e - start;
    const inside = rel >= 0 && rel < x.view.length && rel % x.ld < x.cols;
    if (!inside && !Object.is(all[e], padding)) throw new Error(`${label}: padding element ${e} changed to ${all[e]}`);
  }
}

interface Inputs {
  a: Matrix;
  b: Matrix;
  c: Matrix;
  bias: Float32Array | null;
  out: Matrix | null;
}

function makeInputs(cs: Case, seed: number): Inputs {
  const r = rng(seed);
  const pad = cs.pad ?? 0;
  const offset = cs.offset ?? 0;
  const ab = () => (cs.nanAB ? NaN : r() * 2 - 1);
  const a = cs.transA ? matrix(cs.k, cs.m, pad, offset, NaN, ab) : matrix(cs.m, cs.k, pad, offset, NaN, ab);
  const b = cs.transB ? matrix(cs.n, cs.k, pad + 1, offset, NaN, ab) : matrix(cs.k, cs.n, pad + 1, offset, NaN, ab);
  const c = matrix(cs.m, cs.n, pad + 2, offset, SENTINEL, () => (cs.nanC ? NaN : r() * 4 - 2));
  const bias = cs.bias ? matrix(1, cs.n, 0, offset, NaN, () => r() * 2 - 1).view : null;
  const out = cs.act ? matrix(cs.m, cs.n, pad + 3, offset, SENTINEL, () => NaN) : null;
  return { a, b, c, bias, out };
}

const ACT_PARAMS = { alpha: 0.01, beta: 1, threshold: 20 };

function call(fn: 'gemm' | 'gemmReference', cs: Case, x: Inputs): void {
  native![fn](
    cs.transA, cs.transB, cs.m, cs.n, cs.k, cs.alpha, x.a.view, x.a.ld, x.b.view, x.b.ld, cs.beta, x.c.view, x.c.ld,
    x.bias, cs.act ? ACTIVATION_KERNELS.indexOf(cs.act) : -1, ACT_PARAMS.alpha, ACT_PARAMS.beta, ACT_PARAMS.threshold,
    x.out?.view ?? null, x.out?.ld ?? 0,
  );
}

/** The activation of the reference's pre-activation, by the js backend. */
function jsActivation(kernel: 'relu' | 'gelu', c: Float32Array, m: number, n: number): Float32Array {
  const act = dd.activation(kernel === 'relu' ? 'relu' : 'gelu');
  dd.setBackend('js');
  try {
    return act.forward(dd.tensor(c, [m, n])).data;
  } finally {
    dd.setBackend('cpu');
  }
}

const label = (cs: Case) => [
  `${cs.transA ? 'T' : 'N'}${cs.transB ? 'T' : 'N'} ${cs.m}x${cs.n}x${cs.k} alpha=${cs.alpha} beta=${cs.beta}`,
  cs.pad ? `pad=${cs.pad}` : '', cs.offset ? `offset=${cs.offset}` : '', cs.nanC ? 'NaN C' : '', cs.nanAB ? 'NaN A,B' : '',
  cs.bias ? '+bias' : '', cs.act ?? '',
].filter(Boolean).join(' ');

/** Runs `cs` on every ISA variant at 1 and 2 threads and compares with the reference. */
function check(cs: Case, seed = 1): void {
  const x = makeInputs(cs, seed);
  const ref = { ...x, c: copyMatrix(x.c), out: x.out && copyMatrix(x.out) };
  call('gemmReference', cs, ref);
  const cRef = compact(ref.c);
  const outRef = cs.act ? jsActivation(cs.act, cRef, cs.m, cs.n) : null;
  // Float32 sums of k products of values in [-1, 1]: the error grows like sqrt(k).
  const scale = Math.sqrt(Math.max(cs.k, 1)) * Math.max(1, Math.abs(cs.alpha));
  const tol = 1e-5 * scale;
  for (const isa of isaVariants()) {
    native!.selectIsa(isa);
    for (const threads of THREADS) {
      dd.setNumThreads(threads);
      const got = { ...x, c: copyMatrix(x.c), out: x.out && copyMatrix(x.out) };
      call('gemm', cs, got);
      const where = `${label(cs)} on ${isa}, ${threads} thread(s):`;
      expectClose(compact(got.c), cRef, tol, tol, `${where} C`);
      expectPaddingKept(got.c, SENTINEL, `${where} C`);
      if (outRef) {
        // relu is exact; gelu differs from the js backend by a few float ulps of the kernel.
        expectClose(compact(got.out!), outRef, tol, tol, `${where} actOut`);
        expectPaddingKept(got.out!, SENTINEL, `${where} actOut`);
      }
    }
  }
}

afterAll(() => {
  dd.setNumThreads(initialThreads);
  restoreDefaults();
});

describe.runIf(native)('gemm vs gemmReference', () => {
  // 1 and 2 rows take the unpacked small-rows path (batch-1 inference); 63/64/65/300 columns cross its 64-column chunks.
  const shapes: [number, number, number][] = [[1, 1, 1], [1, 65, 13], [2, 300, 784], [2, 63, 7], [1, 64, 5], [7, 13, 5], [16, 16, 16], [129, 257, 63]];
  for (const [m, n, k] of shapes) {
    it(`${m}x${n}x${k}: transposes, alpha/beta, NaN C with beta 0`, () => {
      for (const [transA, transB] of TRANSPOSES) {
        const base = { transA, transB, m, n, k };
        check({ ...base, alpha: 1, beta: 0, nanC: true });
        check({ ...base, alpha: 1, beta: 1 }, 2);
        check({ ...base, alpha: -1.5, beta: 0.5 }, 3);
        check({ ...base, alpha: 0.75, beta: 0, nanC: true }, 4);
      }
    });
    it(`${m}x${n}x${k}: leading dimensions, offsets, epilogue`, () => {
      for (const [transA, transB] of TRANSPOSES) {
        const base = { transA, transB, m, n, k };
        check({ ...base, alpha: 1, beta: 1, pad: 3, offset: 1 }, 5);
        check({ ...base, alpha: 1.25, beta: 0, nanC: true, pad: 5, offset: 3 }, 6);
        check({ ...base, alpha: 1, beta: 0, nanC: true, bias: true, offset: 1 }, 7);
        check({ ...base, alpha: 1, beta: 1, bias: true, act: 'relu', pad: 2 }, 8);
        check({ ...base, alpha: 1, beta: 0, bias: true, act: 'gelu', offset: 3 }, 9);
      }
    });
  }

  it('MLP shapes 128x256x784 (forward), 784x256x128 (dW), 128x784x256 (dX)', () => {
    check({ transA: false, transB: false, m: 128, n: 256, k: 784, alpha: 1, beta: 0, nanC: true, bias: true, act: 'relu' });
    check({ transA: true, transB: false, m: 784, n: 256, k: 128, alpha: 1, beta: 1, pad: 1 }, 2);
    check({ transA: false, transB: true, m: 128, n: 784, k: 256, alpha: 1, beta: 0, nanC: true, offset: 1 }, 3);
    check({ transA: true, transB: true, m: 100, n: 300, k: 600, alpha: 0.5, beta: -1, bias: true, act: 'gelu', pad: 3 }, 4);
  });

  it('edge sizes around the micro-tiles and blocks', () => {
    // On 2 threads, 600x20x300 is cut into row strips (the MLP shapes above test both cuts too).
    // avx2's tile is 6x16, avx512's 12x32 (A blocks of 96 rows), the scalar one 6x8; the small-rows path
    // streams 8 vectors (64 / 128 columns) at a time.
    const shapes = [[5, 15, 1], [6, 16, 8], [13, 33, 257], [145, 17, 300], [2, 1000, 9], [300, 3, 520], [600, 20, 300],
      [11, 31, 3], [12, 32, 16], [24, 64, 9], [25, 97, 31], [97, 129, 260], [1, 129, 13], [2, 127, 7]] as const;
    for (const [m, n, k] of shapes) {
      for (const [transA, transB] of TRANSPOSES) {
        check({ transA, transB, m, n, k, alpha: 1, beta: 0.5, pad: 1, offset: 1 }, m + n + k);
      }
    }
  });

  it('degenerate sizes: k = 0 scales C by beta, alpha = 0 reads neither A nor B, m or n = 0 does nothing', () => {
    for (const [transA, transB] of TRANSPOSES) {
      check({ transA, transB, m: 9, n: 20, k: 0, alpha: 1, beta: 0.5, bias: true, act: 'relu' });
      check({ transA, transB, m: 9, n: 20, k: 0, alpha: 1, beta: 0, nanC: true });
      check({ transA, transB, m: 9, n: 20, k: 7, alpha: 0, beta: 2, nanAB: true, bias: true });
      check({ transA, transB, m: 0, n: 20, k: 7, alpha: 1, beta: 1 });
      check({ transA, transB, m: 9, n: 0, k: 7, alpha: 1, beta: 1 });
    }
  });
});

describe.runIf(native)('gemm argument validation', () => {
  const f = (n: number) => new Float32Array(n);
  // A valid call: 2x3 * 3x4, then one argument replaced.
  const args = (): unknown[] => [false, false, 2, 4, 3, 1, f(6), 3, f(12), 4, 0, f(8), 4, null, -1, 0.01, 1, 20, null, 0];
  const bad = (index: number, value: unknown) => {
    const a = args();
    a[index] = value;
    return a;
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const run = (fn: 'gemm' | 'gemmReference', a: unknown[]) => (native as any)[fn](...a);

  it('accepts exact lengths', () => {
    expect(() => run('gemm', args())).not.toThrow();
    expect(() => run('gemm', bad(19, 4).map((v, i) => (i === 14 ? 2 : i === 18 ? f(8) : v)))).not.toThrow();
  });

  for (const fn of ['gemm', 'gemmReference'] as const) {
    it(`${fn} throws TypeError on bad arguments`, () => {
      const cases: [string, unknown[]][] = [
        ['transA not boolean', bad(0, 1)],
        ['m negative', bad(2, -1)],
        ['n fractional', bad(3, 1.5)],
        ['a not Float32Array', bad(6, new Float64Array(6))],
        ['a too short', bad(6, f(5))],
        ['lda < k', bad(7, 2)],
        ['a too short for lda', bad(7, 4)],
        ['b too short', bad(8, f(11))],
        ['ldb < n', bad(9, 3)],
        ['c too short', bad(11, f(7))],
        ['c as array', bad(11, [0, 0, 0, 0, 0, 0, 0, 0])],
        ['ldc < n', bad(12, 3)],
        ['bias too short', bad(13, f(3))],
        ['act id out of range', bad(14, 99)],
        ['act id fractional', bad(14, 0.5)],
        ['act without actOut', bad(14, 2)],
        ['actOut without act', bad(18, f(8))],
        ['alpha not a number', bad(5, '1')],
        ['transposed a too short', bad(0, true)], // A stored 3 x 2 with lda 3: needs 2*3+2 = 8 > 6
        ['missing arguments', args().slice(0, 12)],
      ];
      for (const [what, a] of cases) expect(() => run(fn, a), what).toThrow(TypeError);
      const small = bad(14, 2);
      small[18] = f(7);
      small[19] = 4;
      expect(() => run(fn, small), 'actOut too short').toThrow(TypeError);
      small[18] = f(8);
      small[19] = 3;
      expect(() => run(fn, small), 'ldo < n').toThrow(TypeError);
    });
  }
});
