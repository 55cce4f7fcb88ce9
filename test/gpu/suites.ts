/**
 * The golden and reference suites of the cuda backend, shared by
 *   test/gpu/cuda.test.ts          on the GPU (dd.setBackend('cuda'); skipped without a device)
 *   test/cuda/device-math.test.ts  on the CPU, over the same device math (the `deviceMath` op table)
 * Every golden family (layers and CNN training included) at the acceptance tolerances of /work/shared/golden/SCHEMA.md,
 * plus the GEMM (every transpose, leading dimensions, alpha/beta, fused epilogue)
 * and gradient clipping against the CPU reference.
 */
import { describe, expect, it } from 'vitest';
import * as dd from '../../src/index.js';
import { activeBackend } from '../../src/backend/registry.js';
import { ACTIVATION_KERNELS } from '../../src/backend/kernel-ids.js';
import type { GemmCall } from '../../src/backend/backend.js';
import { nativeAddon, type CudaOps } from '../../src/native.js';
import { expectClose, rng } from '../helpers.js';
import { activationGolden } from '../activation/golden.suite.js';
import { lossGolden } from '../loss/golden.suite.js';
import { layerGolden } from '../layer/golden.suite.js';
import { modelGolden } from '../model/golden.suite.js';
import { optimizerGolden } from '../optimizer/golden.suite.js';

export interface CudaVariant {
  label: string;
  /** Make the backend under test active. */
  use(): void;
  /** The op table behind it (to switch the GEMM precision / implementation). */
  ops(): CudaOps;
}

export function goldenSuites(v: CudaVariant): void {
  describe(`golden activations on ${v.label}`, () => activationGolden(v));

  describe(`golden losses on ${v.label}`, () => lossGolden(v));

  describe(`golden optimizers on ${v.label}`, () => {
    optimizerGolden(v);

    it('updates several tensors of different sizes in one fused call, like the cpu backend', () => {
      const r = rng(7);
      const sizes = [1, 37, 1000, 5];
      const make = () => sizes.map((n) => Float32Array.from({ length: n }, () => r() * 2 - 1));
      const p0 = make();
      const steps = [make(), make(), make()];
      const run = (useIt: () => void) => {
        useIt();
        const opt = new dd.optimizers.Adam({ lr: 0.01, amsgrad: true, weightDecay: 0.01 });
        const ps = p0.map((p) => p.slice());
        for (const g of steps) opt.step(ps, g);
        return ps;
      };
      const want = run(() => dd.setBackend('cpu'));
      const got = run(() => v.use());
      got.forEach((p, i) => expectClose(p, want[i], 1e-5, 1e-6, `tensor ${i}`));
    });
  });

  describe(`gradient clipping on ${v.label}`, () => {
    it('clipGradNorm and clipGradValue match the cpu backend', () => {
      const r = rng(3);
      const grads = () => [Float32Array.from({ length: 300 }, () => r() * 4 - 2), Float32Array.from({ length: 7 }, () => r() * 4 - 2)];
      const a = grads();
      const b = a.map((g) => g.slice());
      dd.setBackend('cpu');
      const normCpu = dd.clipGradNorm(a, 1.5);
      dd.clipGradValue(a, 0.05);
      v.use();
      const norm = dd.clipGradNorm(b, 1.5);
      dd.clipGradValue(b, 0.05);
      expect(Math.abs(norm - normCpu)).toBeLessThan(1e-6 * normCpu); // cpu sums squares in float blocks
      a.forEach((g, i) => expectClose(b[i], g, 1e-6, 1e-7, `grad ${i}`));
    });
  });

  describe(`golden dense layer and MLP training on ${v.label}`, () => modelGolden(v));

  describe(`golden layers (conv2d, pooling, normalisation, embedding) and CNN training on ${v.label}`, () => layerGolden(v));

  describe(`GEMM vs the double-accumulating reference on ${v.label}`, () => {
    const native = nativeAddon()!;
    const shapes: [number, number, number][] = [[1, 1, 1], [4, 3, 2], [7, 13, 5], [64, 64, 16], [65, 129, 33], [130, 70, 257], [3, 200, 1]];
    const cases: [string, boolean, boolean, [number, number, number], number, number, boolean, number][] = [];
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as [boolean, boolean][]) {
      for (const s of shapes) cases.push([`${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} ${s.join('x')}`, ta, tb, s, 1, 0, false, -1]);
    }
    cases.push(['alpha 0.5 beta 1 padded', false, true, [33, 17, 9], 0.5, 1, false, -1]);
    cases.push(['bias + relu epilogue', false, false, [65, 129, 33], 1, 0, true, ACTIVATION_KERNELS.indexOf('relu')]);
    cases.push(['bias + gelu epilogue, beta 1', true, false, [20, 70, 40], 1, 1, true, ACTIVATION_KERNELS.indexOf('gelu')]);
    cases.push(['alpha 0 reads neither A nor B', false, false, [5, 6, 7], 0, 1, true, -1]);
    cases.push(['k 0', false, false, [5, 6, 0], 1, 0, true, ACTIVATION_KERNELS.indexOf('tanh')]);

    it.each(cases)('%s', (_, transA, transB, [m, n, k], alpha, beta, bias, act) => {
      v.ops().configure('matmulPrecision', 'fp32');
      const r = rng(m * 1000 + n * 10 + k);
      const pad = 3;
      const aRows = transA ? k : m, aCols = transA ? m : k, lda = aCols + pad;
      const bRows = transB ? n : k, bCols = transB ? k : n, ldb = bCols + pad;
      const ldc = n + pad, ldo = n + 1;
      const fill = (rows: number, cols: number, ld: number, pattern: number, value: () => number) => {
        const x = new Float32Array(rows && cols ? (rows - 1) * ld + cols : 0).fill(pattern);
        for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) x[i * ld + j] = value();
        return x;
      };
      const abPad = alpha === 0 ? NaN : 999;
      const a = fill(aRows, aCols, lda, 999, () => (alpha === 0 ? NaN : r() * 2 - 1));
      const b = fill(bRows, bCols, ldb, abPad, () => (alpha === 0 ? NaN : r() * 2 - 1));
      const c0 = fill(m, n, ldc, 12345, () => (beta === 0 ? NaN : r() * 2 - 1));
      const biasArr = bias ? Float32Array.from({ length: n }, () => r() - 0.5) : null;
      const out0 = act >= 0 ? new Float32Array((m - 1) * ldo + n).fill(12345) : null;
      const cWant = c0.slice(), outWant = out0?.slice() ?? null;
      native.gemmReference(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, cWant, ldc, biasArr, act, 0.01, 1, 20, outWant, ldo);
      const cGot = c0.slice(), outGot = out0?.slice() ?? null;
      v.use();
      const call: GemmCall = {
        transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c: cGot, ldc, bias: biasArr,
        act: act >= 0 ? { kernel: ACTIVATION_KERNELS[act], params: { alpha: 0.01, beta: 1, threshold: 20 }, out: outGot!, ldo } : null,
      };
      activeBackend().gemm(call);
      const atol = 2e-6 * Math.max(1, k);
      expectClose(cGot, cWant, 1e-5, atol, 'C');
      if (outGot && outWant) expectClose(outGot, outWant, 1e-5, atol, 'actOut');
    });

    it('TF32 (opt-in) stays within TF32 accuracy and fp32 is restored', () => {
      const m = 96, n = 80, k = 300;
      const r = rng(11);
      const a = Float32Array.from({ length: m * k }, () => r() * 2 - 1);
      const b = Float32Array.from({ length: k * n }, () => r() * 2 - 1);
      const want = new Float32Array(m * n);
      native.gemmReference(false, false, m, n, k, 1, a, k, b, n, 0, want, n, null, -1, 0, 1, 20, null, 0);
      v.use();
      const run = () => {
        const c = new Float32Array(m * n);
        activeBackend().gemm({ transA: false, transB: false, m, n, k, alpha: 1, a, lda: k, b, ldb: n, beta: 0, c, ldc: n, bias: null, act: null });
        return c;
      };
      v.ops().configure('matmulPrecision', 'tf32');
      try {
        expect(v.ops().gemmImpl()).toMatch(/tf32/);
        const c = run();
        // each product carries <= 2 * 2^-11 relative error; sum of |a||b| over k=300 is <= 300
        let worst = 0;
        for (let i = 0; i < c.length; i++) worst = Math.max(worst, Math.abs(c[i] - want[i]));
        expect(worst).toBeLessThan(0.05);
        expect(worst).toBeGreaterThan(0); // it really rounded
      } finally {
        v.ops().configure('matmulPrecision', 'fp32');
      }
      expectClose(run(), want, 1e-5, 2e-6 * k, 'fp32 again');
    });
  });
}
