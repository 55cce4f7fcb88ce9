/*
 * The practical roof of bench/optimizers.mjs: the best a fused one-pass Adam
 * step can do on this machine, plus the streaming kernels that bound it.
 * Bench-only, plain C with pthreads; compiled at run time by the bench:
 *
 *   cc -O3 -mavx2 -mfma -fno-math-errno -pthread adam_roof.c -o build/adam_roof
 *
 * Usage: adam_roof N [BATCHES [CALLS]]. Prints one JSON document with the
 * seconds per call of each kernel on N float32 elements, at 1 and 2 threads
 * (contiguous halves, like dendrite's pool): after two warm-up calls, the best
 * of BATCHES batches of CALLS calls (as timeCall in bench/lib.mjs does):
 *   triad:  a = b + s * c            (STREAM triad; counted 12 B/element: the
 *                                     write-allocate read of a is not counted)
 *   update: a = a * s + b            (read-modify-write, 12 B/element, no
 *                                     hidden traffic: the shape of an optimizer step)
 *   adam:   one Adam step, the same arithmetic as dendrite's adam_step, reading
 *           p, g, m, v once and writing p, m, v once (28 B/element)
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { K_TRIAD, K_UPDATE, K_ADAM, K_COUNT };
static const char *const kNames[K_COUNT] = {"triad", "update", "adam"};

typedef struct {
  float *restrict p, *restrict g, *restrict m, *restrict v, *restrict a;
  size_t n;
} Arrays;

static void triad(float *restrict a, const float *restrict b, const float *restrict c, size_t lo, size_t hi) {
  const float s = 0.5f;
  for (size_t i = lo; i < hi; ++i) a[i] = b[i] + s * c[i];
}

static void update(float *restrict a, const float *restrict b, size_t lo, size_t hi) {
  const float s = 0.999f;
  for (size_t i = lo; i < hi; ++i) a[i] = a[i] * s + b[i];
}

/* dendrite's adam_step (optim_kernels.inc) without amsgrad, with the coefficients of step 10. */
static void adam(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, size_t lo, size_t hi) {
  const double t = 10, lr = 1e-3;
  const float b1 = 0.9f, b2 = 0.999f, one_b1 = 1.0f - b1, one_b2 = 1.0f - b2, eps = 1e-8f;
  const float step = (float)(lr / (1 - pow(0.9, t))), inv_bc2 = (float)(1 / sqrt(1 - pow(0.999, t)));
  const float wd = 0.0f, decay = 1.0f;
  for (size_t i = lo; i < hi; ++i) {
    const float pi = p[i] * decay;
    const float gi = g[i] + wd * pi;
    const float mi = b1 * m[i] + one_b1 * gi;
    const float vi = b2 * v[i] + one_b2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi - step * mi / (sqrtf(vi) * inv_bc2 + eps);
  }
}

static void run_kernel(int kernel, Arrays *x, size_t lo, size_t hi) {
  switch (kernel) {
    case K_TRIAD: triad(x->a, x->g, x->p, lo, hi); break;
    case K_UPDATE: update(x->a, x->g, lo, hi); break;
    default: adam(x->p, x->g, x->m, x->v, lo, hi); break;
  }
}

/* A persistent pool: the caller takes part 0, workers the rest; two barriers per call. */
typedef struct {
  pthread_barrier_t start, done;
  Arrays *x;
  int kernel, parts, stop;
} Pool;
typedef struct { Pool *pool; int index; } Worker;

static void part(Pool *pool, int index) {
  const size_t n = pool->x->n;
  run_kernel(pool->kernel, pool->x, n * index / pool->parts, n * (index + 1) / pool->parts);
}

static void *worker_main(void *arg) {
  Worker *w = arg;
  for (;;) {
    pthread_barrier_wait(&w->pool->start);
    if (w->pool->stop) return NULL;
    part(w->pool, w->index);
    pthread_barrier_wait(&w->pool->done);
  }
}

static void pool_call(Pool *pool, int kernel) {
  pool->kernel = kernel;
  if (pool->parts == 1) {
    part(pool, 0);
    return;
  }
  pthread_barrier_wait(&pool->start);
  part(pool, 0);
  pthread_barrier_wait(&pool->done);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static float *alloc(size_t n, float value) {
  float *x = aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64);
  if (!x) {
    fprintf(stderr, "adam_roof: out of memory\n");
    exit(1);
  }
  for (size_t i = 0; i < n; ++i) x[i] = value;
  return x;
}

int main(int argc, char **argv) {
  const size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000u;
  const int batches = argc > 2 ? atoi(argv[2]) : 5;
  const int calls = argc > 3 ? atoi(argv[3]) : 5;
  if (n == 0 || batches < 1 || calls < 1) {
    fprintf(stderr, "usage: adam_roof N [BATCHES [CALLS]]\n");
    return 2;
  }
  Arrays x = {alloc(n, 0.5f), alloc(n, 0.0f), alloc(n, 0.0f), alloc(n, 0.0f), alloc(n, 1.0f), n};
  for (size_t i = 0; i < n; ++i) x.g[i] = sinf((float)i * 0.7f);

  printf("{\"n\": %zu, \"batches\": %d, \"calls\": %d, \"bytesPerElement\": {\"triad\": 12, \"update\": 12, \"adam\": 28}, \"threads\": {", n, batches, calls);
  for (int threads = 1; threads <= 2; ++threads) {
    Pool pool = {.x = &x, .parts = threads};
    Worker workers[1];
    pthread_t tids[1];
    if (threads > 1) {
      pthread_barrier_init(&pool.start, NULL, threads);
      pthread_barrier_init(&pool.done, NULL, threads);
      workers[0] = (Worker){&pool, 1};
      pthread_create(&tids[0], NULL, worker_main, &workers[0]);
    }
    printf("%s\"%d\": {", threads > 1 ? ", " : "", threads);
    for (int k = 0; k < K_COUNT; ++k) {
      pool_call(&pool, k);
      pool_call(&pool, k);
      double best = 1e30;
      for (int b = 0; b < batches; ++b) {
        const double t0 = now();
        for (int c = 0; c < calls; ++c) pool_call(&pool, k);
        const double t = (now() - t0) / calls;
        if (t < best) best = t;
      }
      printf("%s\"%s\": %.9f", k ? ", " : "", kNames[k], best);
    }
    printf("}");
    if (threads > 1) {
      pool.stop = 1;
      pthread_barrier_wait(&pool.start);
      pthread_join(tids[0], NULL);
      pthread_barrier_destroy(&pool.start);
      pthread_barrier_destroy(&pool.done);
    }
  }
  /* A checksum keeps the compiler from dropping the work. */
  double check = 0;
  for (size_t i = 0; i < n; i += 4096) check += x.p[i] + x.a[i];
  printf("}, \"checksum\": %.6g}\n", check);
  return 0;
}
