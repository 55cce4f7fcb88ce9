/*
 * The practical roof of bench/train-mlp.mjs: the same training loop as
 * dendrite's fit (MLP 784-256-128-10, relu, relu, linear logits, softmax
 * cross-entropy, Adam, mini-batches of shuffled rows) written as directly as C
 * allows: OpenBLAS's cblas_sgemm for the 8 GEMMs of a step, one fused pass for
 * each elementwise stage (bias + relu; softmax, cross-entropy and its gradient;
 * relu backward + the bias gradient's column sums) and one fused Adam pass over
 * every parameter (kept in one contiguous buffer). Nothing else: no checks, no
 * metrics. Compiled at run time by the bench:
 *
 *   cc -std=c11 -O3 -mavx2 -mfma -fno-math-errno mlp_roof.c -o build/mlp_roof -lopenblas -lm
 *
 * Usage: mlp_roof THREADS MIN_SECONDS ROWS BATCH
 * OpenBLAS's thread count is THREADS (openblas_set_num_threads; the bench sets
 * OPENBLAS_NUM_THREADS too): the GEMMs run on THREADS threads, the fused passes
 * (under a tenth of a step) on the calling thread. (Splitting Adam over a second
 * thread measured no gain on 2 cores: OpenBLAS's idle worker spins on that core;
 * OpenMP loops next to the pthread OpenBLAS made 2-thread steps 2x slower.)
 * Runs one warm-up epoch, then whole epochs until MIN_SECONDS have passed.
 * Prints one JSON document: samples/s, ms per step and its split into phases
 * (gather, gemm, elementwise, adam), the first and last epochs' mean loss.
 */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void openblas_set_num_threads(int num_threads);

enum { IN = 784, H1 = 256, H2 = 128, OUT = 10 };
/* Parameter offsets in the one contiguous buffer: W1 b1 W2 b2 W3 b3 (W stored [in, out]). */
enum {
  OFF_W1 = 0,
  OFF_B1 = OFF_W1 + IN * H1,
  OFF_W2 = OFF_B1 + H1,
  OFF_B2 = OFF_W2 + H1 * H2,
  OFF_W3 = OFF_B2 + H2,
  OFF_B3 = OFF_W3 + H2 * OUT,
  N_PARAMS = OFF_B3 + OUT
};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static unsigned lcg(unsigned* s) {
  *s = *s * 1664525u + 1013904223u;
  return *s;
}
static float uniform(unsigned* s) { return (float)((lcg(s) >> 8) * (1.0 / 16777216.0)); }

static float* alloc(size_t n) {
  float* p = NULL;
  if (posix_memalign((void**)&p, 64, (n ? n : 1) * sizeof(float)) != 0) abort();
  memset(p, 0, (n ? n : 1) * sizeof(float));
  return p;
}

/* y = max(z + b, 0) in place, rows x n. */
static void bias_relu(float* z, const float* b, int rows, int n) {
  for (int r = 0; r < rows; ++r) {
    float* row = z + (size_t)r * n;
    for (int j = 0; j < n; ++j) {
      const float v = row[j] + b[j];
      row[j] = v > 0.0f ? v : 0.0f;
    }
  }
}

/* z += b, rows x n (the logits). */
static void bias_add(float* z, const float* b, int rows, int n) {
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < n; ++j) z[(size_t)r * n + j] += b[j];
}

/* Softmax cross-entropy of the logits against classes: mean loss; dz = (softmax - onehot) / rows. */
static double softmax_ce(float* dz, const float* z, const int* cls, int rows, int n) {
  double loss = 0;
  const float inv = 1.0f / rows;
  for (int r = 0; r < rows; ++r) {
    const float* zr = z + (size_t)r * n;
    float* dr = dz + (size_t)r * n;
    float mx = zr[0];
    for (int j = 1; j < n; ++j) mx = zr[j] > mx ? zr[j] : mx;
    float sum = 0;
    for (int j = 0; j < n; ++j) sum += (dr[j] = expf(zr[j] - mx));
    const float is = 1.0f / sum;
    loss += logf(sum) + mx - zr[cls[r]];
    for (int j = 0; j < n; ++j) dr[j] *= is * inv;
    dr[cls[r]] -= inv;
  }
  return loss / rows;
}

/* dz = dy * (y > 0) in place (y = relu output), and db = column sums of dz. */
static void relu_bwd_bias(float* dy, const float* y, float* db, int rows, int n) {
  memset(db, 0, n * sizeof(float));
  for (int r = 0; r < rows; ++r) {
    float* d = dy + (size_t)r * n;
    const float* yr = y + (size_t)r * n;
    for (int j = 0; j < n; ++j) {
      const float v = yr[j] > 0.0f ? d[j] : 0.0f;
      d[j] = v;
      db[j] += v;
    }
  }
}

static void col_sums(float* db, const float* dz, int rows, int n) {
  memset(db, 0, n * sizeof(float));
  for (int r = 0; r < rows; ++r)
    for (int j = 0; j < n; ++j) db[j] += dz[(size_t)r * n + j];
}

/* One fused Adam pass (PyTorch's Adam, no weight decay) over every parameter. */
static void adam(float* restrict p, const float* restrict g, float* restrict m, float* restrict v, long n, int step,
                 float lr) {
  const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
  const float bc1 = 1.0f - powf(b1, (float)step), bc2 = 1.0f - powf(b2, (float)step);
  const float step_size = lr / bc1, inv_sqrt_bc2 = 1.0f / sqrtf(bc2);
  for (long i = 0; i < n; ++i) {
    const float gi = g[i];
    const float mi = b1 * m[i] + (1.0f - b1) * gi;
    const float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= step_size * mi / (sqrtf(vi) * inv_sqrt_bc2 + eps);
  }
}

static void sgemm(int ta, int tb, int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a, lda, b, ldb,
              0.0f, c, ldc);
}

int main(int argc, char** argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: mlp_roof THREADS MIN_SECONDS ROWS BATCH\n");
    return 2;
  }
  const int threads = atoi(argv[1]);
  const double min_seconds = atof(argv[2]);
  const int rows = atoi(argv[3]);
  const int batch = atoi(argv[4]);
  openblas_set_num_threads(threads);

  /* Synthetic data and seeded init (uniform Glorot-like). */
  unsigned seed = 12345u;
  float* x = alloc((size_t)rows * IN);
  int* y = malloc(rows * sizeof(int));
  for (size_t i = 0; i < (size_t)rows * IN; ++i) x[i] = uniform(&seed) * 2.0f - 1.0f;
  for (int i = 0; i < rows; ++i) y[i] = (int)(lcg(&seed) >> 8) % OUT;
  float* p = alloc(N_PARAMS);
  float* g = alloc(N_PARAMS);
  float* m1 = alloc(N_PARAMS);
  float* v1 = alloc(N_PARAMS);
  const int fan[3][2] = {{IN, H1}, {H1, H2}, {H2, OUT}};
  const int woff[3] = {OFF_W1, OFF_W2, OFF_W3};
  for (int l = 0; l < 3; ++l) {
    const float lim = sqrtf(6.0f / (fan[l][0] + fan[l][1]));
    for (int i = 0; i < fan[l][0] * fan[l][1]; ++i) p[woff[l] + i] = (uniform(&seed) * 2.0f - 1.0f) * lim;
  }
  /* Workspace: a batch of inputs and classes, layer outputs and their gradients. */
  float* xb = alloc((size_t)batch * IN);
  int* cb = malloc(batch * sizeof(int));
  float* y1 = alloc((size_t)batch * H1);
  float* y2 = alloc((size_t)batch * H2);
  float* z3 = alloc((size_t)batch * OUT);
  float* d3 = alloc((size_t)batch * OUT);
  float* d2 = alloc((size_t)batch * H2);
  float* d1 = alloc((size_t)batch * H1);
  int* order = malloc(rows * sizeof(int));
  for (int i = 0; i < rows; ++i) order[i] = i;

  double t_gather = 0, t_gemm = 0, t_elem = 0, t_adam = 0;
  long steps_timed = 0;
  int step = 0;
  double first_loss = -1, last_loss = -1;
  int epochs_timed = 0;
  double started = 0, elapsed = 0;
  for (int epoch = 0;; ++epoch) {
    const int timed = epoch > 0; /* epoch 0 warms up */
    if (epoch == 1) started = now();
    for (int i = rows - 1; i > 0; --i) { /* Fisher-Yates */
      const int j = (int)(lcg(&seed) % (unsigned)(i + 1));
      const int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    double loss_sum = 0;
    for (int start = 0; start < rows; start += batch) {
      const int b = rows - start < batch ? rows - start : batch;
      double t0 = now(), t1;
      for (int r = 0; r < b; ++r) {
        memcpy(xb + (size_t)r * IN, x + (size_t)order[start + r] * IN, IN * sizeof(float));
        cb[r] = y[order[start + r]];
      }
      t1 = now(); t_gather += t1 - t0; t0 = t1;
      /* forward */
      sgemm(0, 0, b, H1, IN, xb, IN, p + OFF_W1, H1, y1, H1);
      t1 = now(); t_gemm += t1 - t0; t0 = t1;
      bias_relu(y1, p + OFF_B1, b, H1);
      t1 = now(); t_elem += t1 - t0; t0 = t1;
      sgemm(0, 0, b, H2, H1, y1, H1, p + OFF_W2, H2, y2, H2);
      t1 = now(); t_gemm += t1 - t0; t0 = t1;
      bias_relu(y2, p + OFF_B2, b, H2);
      t1 = now(); t_elem += t1 - t0; t0 = t1;
      sgemm(0, 0, b, OUT, H2, y2, H2, p + OFF_W3, OUT, z3, OUT);
      t1 = now(); t_gemm += t1 - t0; t0 = t1;
      bias_add(z3, p + OFF_B3, b, OUT);
      loss_sum += softmax_ce(d3, z3, cb, b, OUT) * b;
      col_sums(g + OFF_B3, d3, b, OUT);
      t1 = now(); t_elem += t1 - t0; t0 = t1;
      /* backward */
      sgemm(1, 0, H2, OUT, b, y2, H2, d3, OUT, g + OFF_W3, OUT);  /* dW3 = y2^T d3 */
      sgemm(0, 1, b, H2, OUT, d3, OUT, p + OFF_W3, OUT, d2, H2);  /* dy2 = d3 W3^T */
      t1 = now(); t_gemm += t1 - t0; t0 = t1;
      relu_bwd_bias(d2, y2, g + OFF_B2, b, H2);
      t1 = now(); t_elem += t1 - t0; t0 = t1;
      sgemm(1, 0, H1, H2, b, y1, H1, d2, H2, g + OFF_W2, H2);     /* dW2 = y1^T dz2 */
      sgemm(0, 1, b, H1, H2, d2, H2, p + OFF_W2, H2, d1, H1);     /* dy1 = dz2 W2^T */
      t1 = now(); t_gemm += t1 - t0; t0 = t1;
      relu_bwd_bias(d1, y1, g + OFF_B1, b, H1);
      t1 = now(); t_elem += t1 - t0; t0 = t1;
      sgemm(1, 0, IN, H1, b, xb, IN, d1, H1, g + OFF_W1, H1);     /* dW1 = x^T dz1 */
      t1 = now(); t_gemm += t1 - t0; t0 = t1;
      adam(p, g, m1, v1, N_PARAMS, ++step, 1e-3f);
      t1 = now(); t_adam += t1 - t0;
      if (!timed) t_gather = t_gemm = t_elem = t_adam = 0;
      else ++steps_timed;
    }
    const double mean_loss = loss_sum / rows;
    if (epoch == 0) first_loss = mean_loss;
    last_loss = mean_loss;
    if (timed) {
      ++epochs_timed;
      elapsed = now() - started;
      if (elapsed >= min_seconds) break;
    }
  }
  const double per_step = 1e3 / steps_timed;
  printf("{\"threads\": %d, \"rows\": %d, \"batch\": %d, \"epochs\": %d, "
         "\"seconds\": %.6f, \"samplesPerSec\": %.3f, \"stepMs\": %.6f, "
         "\"phasesMs\": {\"gather\": %.6f, \"gemm\": %.6f, \"elementwise\": %.6f, \"adam\": %.6f}, "
         "\"firstEpochLoss\": %.6f, \"lastEpochLoss\": %.6f}\n",
         threads, rows, batch, epochs_timed, elapsed,
         (double)rows * epochs_timed / elapsed, elapsed * 1e3 / steps_timed, t_gather * per_step, t_gemm * per_step,
         t_elem * per_step, t_adam * per_step, first_loss, last_loss);
  return 0;
}
