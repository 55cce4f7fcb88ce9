/** Pure-TS GEMM with the dense epilogue: the reference of the native GEMM. */
import type { GemmCall } from '../backend.js';
import { activationForward } from './activations.js';

/**
 * C = alpha * op(A) * op(B) + beta * C, then C += bias (per column) and
 * actOut = act(C) when requested. Row-major; float64 accumulation.
 */
export function gemm(g: GemmCall): void {
  const { transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc } = g;
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let p = 0; p < k; p++) {
      const aip = transA ? a[p * lda + i] : a[i * lda + p];
      if (aip === 0) continue;
      if (transB) for (let j = 0; j < n; j++) row[j] += aip * b[j * ldb + p];
      else for (let j = 0, o = p * ldb; j < n; j++) row[j] += aip * b[o + j];
    }
    const o = i * ldc;
    for (let j = 0; j < n; j++) {
      const prev = beta === 0 ? 0 : beta * c[o + j]; // beta 0: C is write-only, as in BLAS
      c[o + j] = alpha * row[j] + prev + (g.bias ? g.bias[j] : 0);
    }
    if (g.act) {
      const out = g.act.out.subarray(i * g.act.ldo, i * g.act.ldo + n);
      activationForward(g.act.kernel, g.act.params, c.subarray(o, o + n), out);
    }
  }
}
