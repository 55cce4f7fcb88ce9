/*
 * Bench-only: which kernels this OpenBLAS build picks on this CPU, and whether
 * they multiply correctly. bench/lib.mjs (openblasSetup) runs it once per bench
 * process, once with the environment as given and once without
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, before it lets the OpenBLAS peers (the C
 * roofs, PyTorch) run on OpenBLAS's own kernel choice. Compiled at run time:
 *
 *   cc -std=c11 -O2 openblas_check.c -o build/openblas_check -lopenblas
 *
 * Prints one JSON document: corename, config, and per case (odd sizes, so that
 * every edge path of the kernels runs; plain and transposed operands; 1 and 2
 * threads; alpha / beta other than 1 / 0 in one case) the largest absolute
 * error of cblas_sgemm against a double-precision reference, and that error over
 * the largest |reference| entry. Inputs are uniform in [-1, 1]: a fp32 product of
 * k = 511 terms is off by ~1e-6 relative; a wrong kernel by O(1).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <cblas.h>

/* Declared here too: not every cblas.h declares them. */
char *openblas_get_corename(void);
char *openblas_get_config(void);
void openblas_set_num_threads(int);

static void fill(float *x, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    x[i] = (float)((seed >> 8) * (1.0 / 16777216.0)) * 2.0f - 1.0f;
  }
}

/* Row-major C = alpha op(A) op(B) + beta C; op(A) m x k, op(B) k x n. */
static void check(int m, int n, int k, int ta, int tb, float alpha, float beta, int threads, int first) {
  const int lda = ta ? m : k, ldb = tb ? k : n;
  float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n), *c = malloc(sizeof(float) * m * n);
  double *ref = malloc(sizeof(double) * m * n);
  fill(a, (size_t)m * k, 1);
  fill(b, (size_t)k * n, 2);
  fill(c, (size_t)m * n, 3);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int p = 0; p < k; ++p) s += (double)(ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
      ref[i * n + j] = alpha * s + (double)beta * c[i * n + j];
    }
  }
  openblas_set_num_threads(threads);
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, n);
  double err = 0, mag = 0;
  for (int i = 0; i < m * n; ++i) {
    const double e = fabs(c[i] - ref[i]);
    if (!(e <= err)) err = e; /* a NaN counts as the worst error */
    if (fabs(ref[i]) > mag) mag = fabs(ref[i]);
  }
  printf("%s{\"m\": %d, \"n\": %d, \"k\": %d, \"transA\": %s, \"transB\": %s, \"alpha\": %g, \"beta\": %g, \"threads\": %d, "
         "\"maxAbsErr\": %.3g, \"maxAbsRef\": %.6g, \"relErr\": %.3g}",
         first ? "" : ", ", m, n, k, ta ? "true" : "false", tb ? "true" : "false", alpha, beta, threads,
         isnan(err) ? 1e30 : err, mag, isnan(err) ? 1e30 : err / (mag > 0 ? mag : 1));
  fflush(stdout);
  free(a);
  free(b);
  free(c);
  free(ref);
}

int main(void) {
  /* Strings with no quotes or backslashes in them (OpenBLAS's own names). */
  printf("{\"corename\": \"%s\", \"config\": \"%s\", \"cases\": [", openblas_get_corename(), openblas_get_config());
  int first = 1;
  for (int threads = 1; threads <= 2; ++threads) {
    check(333, 257, 511, 0, 0, 1.0f, 0.0f, threads, first);
    first = 0;
    check(333, 257, 511, 1, 0, 1.0f, 0.0f, threads, 0);
    check(333, 257, 511, 0, 1, 0.5f, 0.25f, threads, 0);
  }
  printf("]}\n");
  return 0;
}
