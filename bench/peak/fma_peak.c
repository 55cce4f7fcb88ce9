/*
 * Bench-only: the machine's fp32 FMA peak at each vector width, the yardstick of
 * the "% of peak" columns (bench/lib.mjs fmaPeak(), used by gemm.mjs and
 * train-mlp.mjs). Plain C, compiled at run time with no -m flags at all: each
 * width's loop carries its own target attribute, so one binary holds both and
 * runs on any x86-64 (never -march=native: the bench names the widths it
 * measures, and the bench asks only for widths /proc/cpuinfo lists):
 *
 *   cc -std=c11 -O2 -pthread fma_peak.c -o build/fma_peak
 *
 * Usage: fma_peak THREADS[,THREADS...] WIDTH...   WIDTH = avx2 | avx512
 * Prints one JSON document: { "avx2": { "1": GFLOP/s, "2": GFLOP/s }, ... },
 * each the best of several runs of THREADS threads, each thread running a
 * register-only loop of independent FMA chains y = y * a + b. Enough chains to
 * cover FMA latency x FMA pipes (Zen 4/5: 4 cycles x 2 pipes = 8 in flight):
 * 12 on 8 lanes (ymm: 16 registers, 2 hold a and b), 16 on 16 lanes (zmm: 32).
 */
#define _POSIX_C_SOURCE 200809L
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

enum { kChains256 = 12, kChains512 = 16 };
/* ~50 ms per run of a thread at ~115 GFLOP/s (256-bit) / ~230 GFLOP/s (512-bit) per core. */
static const long kIters256 = 30000000; /* 12 chains * 8 lanes * 2 flops * 3e7 = 5.76 GFLOP */
static const long kIters512 = 20000000; /* 16 * 16 * 2 * 2e7 = 10.24 GFLOP */

static volatile float g_sink;

__attribute__((target("avx2,fma"))) static void *loop256(void *arg) {
  (void)arg;
  __m256 acc[kChains256];
  for (int i = 0; i < kChains256; ++i) acc[i] = _mm256_set1_ps(1.0f + i * 1e-3f);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long it = 0; it < kIters256; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < kChains256; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  __m256 s = acc[0];
  for (int i = 1; i < kChains256; ++i) s = _mm256_add_ps(s, acc[i]);
  float out[8];
  _mm256_storeu_ps(out, s);
  g_sink = out[0]; /* keeps the loop alive */
  return NULL;
}

__attribute__((target("avx512f"))) static void *loop512(void *arg) {
  (void)arg;
  __m512 acc[kChains512];
  for (int i = 0; i < kChains512; ++i) acc[i] = _mm512_set1_ps(1.0f + i * 1e-3f);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long it = 0; it < kIters512; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < kChains512; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  __m512 s = acc[0];
  for (int i = 1; i < kChains512; ++i) s = _mm512_add_ps(s, acc[i]);
  g_sink = _mm512_reduce_add_ps(s);
  return NULL;
}

/* Best GFLOP/s of `threads` threads running `loop` together, over a few runs (the cores may be shared). */
static double peak(void *(*loop)(void *), double flops_per_thread, int threads) {
  double best = 0;
  for (int rep = 0; rep < 4; ++rep) {
    pthread_t tid[64];
    const double t0 = now();
    for (int t = 1; t < threads; ++t) pthread_create(&tid[t], NULL, loop, NULL);
    loop(NULL);
    for (int t = 1; t < threads; ++t) pthread_join(tid[t], NULL);
    const double gf = threads * flops_per_thread / (now() - t0) / 1e9;
    if (gf > best) best = gf;
  }
  return best;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s THREADS[,THREADS...] avx2|avx512...\n", argv[0]);
    return 2;
  }
  __builtin_cpu_init();
  printf("{");
  for (int w = 2; w < argc; ++w) {
    const int wide = strcmp(argv[w], "avx512") == 0;
    if (!wide && strcmp(argv[w], "avx2") != 0) return 2;
    /* The bench asks only for what /proc/cpuinfo lists; this guards against SIGILL all the same. */
    if (wide ? !__builtin_cpu_supports("avx512f") : !(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) {
      fprintf(stderr, "fma_peak: this CPU has no %s\n", argv[w]);
      return 3;
    }
    printf("%s\"%s\": {", w > 2 ? ", " : "", argv[w]);
    char list[256];
    snprintf(list, sizeof list, "%s", argv[1]);
    int first = 1;
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
      const int threads = atoi(tok);
      if (threads < 1 || threads > 64) return 2;
      const double gf = wide ? peak(loop512, (double)kIters512 * kChains512 * 16 * 2, threads)
                             : peak(loop256, (double)kIters256 * kChains256 * 8 * 2, threads);
      printf("%s\"%d\": %.3f", first ? "" : ", ", threads, gf);
      fflush(stdout);
      first = 0;
    }
    printf("}");
  }
  printf("}\n");
  return 0;
}
