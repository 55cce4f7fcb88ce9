/*
 * Bench-only peer of bench/gemm.mjs: OpenBLAS sgemm on the same shapes. Plain C,
 * compiled at run time by the bench (the FMA peak is bench/peak/fma_peak.c's):
 *
 *   cc -std=c11 -O2 gemm_peer.c -o build/gemm_peer -lopenblas
 *
 * Usage: gemm_peer THREADS BATCH_SECONDS BATCHES SHAPE...   SHAPE = m,n,k,transA,transB
 * OpenBLAS's thread count comes from OPENBLAS_NUM_THREADS (set by the bench to
 * THREADS), its kernels from its own choice on this CPU (the bench runs it in
 * lib.mjs's peerEnv()). Prints one JSON document:
 *   blasCore: openblas_get_corename(), the kernels that ran
 *   blas: GFLOP/s per shape, best batch (C = A * B, alpha 1, beta 0, row-major,
 *         compact leading dimensions)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <cblas.h>

/* Declared here too: not every cblas.h declares them. */
char* openblas_get_corename(void);
int openblas_get_num_threads(void);

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

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

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s THREADS BATCH_SECONDS BATCHES m,n,k,ta,tb...\n", argv[0]);
    return 2;
  }
  const int threads = atoi(argv[1]);
  const double batch_seconds = atof(argv[2]);
  const int batches = atoi(argv[3]);
  if (threads < 1 || threads > 64) return 2;
  printf("{\"threads\": %d, \"blasThreads\": %d, \"blasCore\": \"%s\", \"blas\": [", threads, openblas_get_num_threads(),
         openblas_get_corename());
  for (int i = 4; i < argc; ++i) {
    int m, n, k, ta, tb;
    if (sscanf(argv[i], "%d,%d,%d,%d,%d", &m, &n, &k, &ta, &tb) != 5) return 2;
    printf("%s%.3f", i > 4 ? ", " : "", blas_gflops(m, n, k, ta, tb, batch_seconds, batches));
    fflush(stdout);
  }
  printf("]}\n");
  return 0;
}
