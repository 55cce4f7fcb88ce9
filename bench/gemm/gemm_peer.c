/*
 * Bench-only peer of bench/gemm.mjs: OpenBLAS sgemm on the same shapes, and the
 * machine's FMA peak. Plain C, compiled at run time by the bench:
 *
 *   cc -O2 -mavx2 -mfma -pthread gemm_peer.c -o build/gemm_peer -lopenblas
 *   (or with -DNO_BLAS, and without -lopenblas, for the peak alone)
 *
 * Usage: gemm_peer THREADS BATCH_SECONDS BATCHES SHAPE...   SHAPE = m,n,k,transA,transB
 * OpenBLAS's thread count comes from OPENBLAS_NUM_THREADS (set by the bench to
 * THREADS). Prints one JSON document:
 *   peak: GFLOP/s of THREADS threads each running a register-only loop of
 *         independent 8-wide FMAs (12 chains: enough to cover latency x pipes)
 *   blas: GFLOP/s per shape, best batch (C = A * B, alpha 1, beta 0, row-major,
 *         compact leading dimensions), or null with -DNO_BLAS
 */
#define _POSIX_C_SOURCE 200809L
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifndef NO_BLAS
#include <cblas.h>
#endif

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------------------- */
/* FMA peak: 12 independent chains of y = y * a + b on 8 lanes.              */

enum { kChains = 12 };
static const long kPeakIters = 20000000; /* 12 * 8 * 2 * 2e7 = 3.84 GFLOP per thread */

static void* peak_loop(void* arg) {
  float* sink = (float*)arg;
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_ps(1.0f + i * 1e-3f);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long it = 0; it < kPeakIters; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  __m256 s = acc[0];
  for (int i = 1; i < kChains; ++i) s = _mm256_add_ps(s, acc[i]);
  float out[8];
  _mm256_storeu_ps(out, s);
  *sink = out[0];
  return NULL;
}

static double peak_gflops(int threads) {
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    pthread_t tid[64];
    float sink[64];
    const double t0 = now();
    for (int t = 1; t < threads; ++t) pthread_create(&tid[t], NULL, peak_loop, &sink[t]);
    peak_loop(&sink[0]);
    for (int t = 1; t < threads; ++t) pthread_join(tid[t], NULL);
    const double dt = now() - t0;
    const double gf = threads * (double)kPeakIters * kChains * 8 * 2 / dt / 1e9;
    if (gf > best) best = gf;
  }
  return best;
}

/* ------------------------------------------------------------------------- */

#ifndef NO_BLAS
static float* random_matrix(size_t n, unsigned seed) {
  float* x = malloc((n ? n : 1) * sizeof(float));
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    x[i] = (float)((seed >> 8) * (1.0 / 16777216.0)) * 2.0f - 1.0f;
  }
  return x;
}

static double blas_gflops(int m, int n, int k, int ta, int tb, double batch_seconds, int batches) {
  float* a = random_matrix((size_t)m * k, 1);
  float* b = random_matrix((size_t)k * n, 2);
  float* c = random_matrix((size_t)m * n, 3);
  const int lda = ta ? m : k, ldb = tb ? k : n;
#define RUN() cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, \
                          1.0f, a, lda, b, ldb, 0.0f, c, n)
  RUN();
  double t0 = now();
  RUN();
  double once = now() - t0;
  if (once < 1e-7) once = 1e-7;
  long calls = (long)(batch_seconds / once + 0.5);
  if (calls < 1) calls = 1;
  double best = 1e30;
  for (int bt = 0; bt < batches; ++bt) {
    t0 = now();
    for (long i = 0; i < calls; ++i) RUN();
    const double dt = (now() - t0) / calls;
    if (dt < best) best = dt;
  }
#undef RUN
  free(a);
  free(b);
  free(c);
  return 2.0 * m * n * k / best / 1e9;
}
#endif

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s THREADS BATCH_SECONDS BATCHES m,n,k,ta,tb...\n", argv[0]);
    return 2;
  }
  const int threads = atoi(argv[1]);
  const double batch_seconds = atof(argv[2]);
  const int batches = atoi(argv[3]);
  if (threads < 1 || threads > 64) return 2;
  printf("{\"threads\": %d, \"peak\": %.3f", threads, peak_gflops(threads));
#ifndef NO_BLAS
  printf(", \"blasThreads\": %d, \"blasCore\": \"%s\", \"blas\": [", openblas_get_num_threads(), openblas_get_corename());
  for (int i = 4; i < argc; ++i) {
    int m, n, k, ta, tb;
    if (sscanf(argv[i], "%d,%d,%d,%d,%d", &m, &n, &k, &ta, &tb) != 5) return 2;
    printf("%s%.3f", i > 4 ? ", " : "", blas_gflops(m, n, k, ta, tb, batch_seconds, batches));
    fflush(stdout);
  }
  printf("]");
#else
  printf(", \"blas\": null");
#endif
  printf("}\n");
  return 0;
}
