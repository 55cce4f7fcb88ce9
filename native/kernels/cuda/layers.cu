// The layer ops of the CUDA device (dendrite/device.h), over the math of
// native/layers/layer_math.h: grid-stride kernels with one thread per output
// element (gradients are gathers, so no atomics but embedding_bwd's), and one block
// per channel (batch norm) or row (layer norm) where a statistic is reduced, in
// double, with block_reduce's fixed order. Launchers are declared in
// device_cuda.cu, which queues them on the device's stream.
#include "../../layers/layer_math.h"
#include "common.cuh"

namespace dendrite {
namespace cuda {
namespace {

#define DENDRITE_GRID_STRIDE(i, n)                                                            \
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < (n); \
       i += static_cast<size_t>(gridDim.x) * blockDim.x)

size_t col_size(const Window2d& w) { return w.batch * w.out_h * w.out_w * lm::col_width(w); }
size_t image_size(const Window2d& w) { return w.batch * lm::sample_size(w); }
size_t pooled_size(const Window2d& w) { return w.batch * w.out_h * w.out_w * w.channels; }

// ---------------------------------------------------------------------------
// Windows

__global__ void im2col_kernel(float* col, const float* x, Window2d w, size_t n) {
  DENDRITE_GRID_STRIDE(i, n) col[i] = lm::im2col_at(x, w, i);
}
__global__ void col2im_kernel(float* dx, const float* col, Window2d w, size_t n) {
  DENDRITE_GRID_STRIDE(i, n) dx[i] = lm::col2im_at(col, w, i);
}
__global__ void max_pool_fwd_kernel(float* y, int32_t* arg, const float* x, Window2d w, size_t n) {
  DENDRITE_GRID_STRIDE(i, n) y[i] = lm::max_pool_at(x, w, i, &arg[i]);
}
__global__ void max_pool_bwd_kernel(float* dx, const float* dy, const int32_t* arg, Window2d w, size_t n) {
  DENDRITE_GRID_STRIDE(i, n) dx[i] = lm::max_pool_bwd_at(dy, arg, w, i);
}
__global__ void avg_pool_fwd_kernel(float* y, const float* x, Window2d w, size_t n) {
  DENDRITE_GRID_STRIDE(i, n) y[i] = lm::avg_pool_at(x, w, i);
}
__global__ void avg_pool_bwd_kernel(float* dx, const float* dy, Window2d w, size_t n) {
  DENDRITE_GRID_STRIDE(i, n) dx[i] = lm::avg_pool_bwd_at(dy, w, i);
}

// ---------------------------------------------------------------------------
// Normalisation. Thread 0 writes a block's statistics; __syncthreads makes them visible to
// the block's other threads, which then read them back through layer_math.h as the host does.

// Block per channel c: statistics over the rows (stride channels), then y.
__global__ void batch_norm_fwd_kernel(BatchNormArgs a) {
  __shared__ double red[32];
  const size_t c = blockIdx.x, C = a.channels;
  if (a.training) {
    double sum = 0.0;
    for (size_t r = threadIdx.x; r < a.rows; r += blockDim.x) sum += a.x[r * C + c];
    const double mean = block_reduce(sum, SumOp(), red) / static_cast<double>(a.rows);
    double sum_sq_dev = 0.0;
    for (size_t r = threadIdx.x; r < a.rows; r += blockDim.x) {
      const double d = a.x[r * C + c] - mean;
      sum_sq_dev += d * d;
    }
    sum_sq_dev = block_reduce(sum_sq_dev, SumOp(), red);
    if (threadIdx.x == 0) lm::batch_norm_train_stats(a, c, mean, sum_sq_dev);
  } else if (threadIdx.x == 0) {
    lm::batch_norm_eval_stats(a, c);
  }
  __syncthreads();
  for (size_t r = threadIdx.x; r < a.rows; r += blockDim.x) a.y[r * C + c] = lm::batch_norm_y(a, r, c);
}

// Block per channel: dbeta, dgamma, then dx (when wanted).
__global__ void batch_norm_bwd_kernel(BatchNormArgs a) {
  __shared__ double red[32];
  const size_t c = blockIdx.x, C = a.channels;
  double sum_dy = 0.0, sum_dy_xhat = 0.0;
  for (size_t r = threadIdx.x; r < a.rows; r += blockDim.x) {
    const double dy = a.dy[r * C + c];
    sum_dy += dy;
    sum_dy_xhat += dy * lm::batch_norm_xhat(a, r, c);
  }
  sum_dy = block_reduce(sum_dy, SumOp(), red);
  sum_dy_xhat = block_reduce(sum_dy_xhat, SumOp(), red);
  if (threadIdx.x == 0) lm::batch_norm_param_grads(a, c, sum_dy, sum_dy_xhat);
  if (!a.dx) return;
  __syncthreads();
  for (size_t r = threadIdx.x; r < a.rows; r += blockDim.x) a.dx[r * C + c] = lm::batch_norm_dx(a, r, c);
}

// Block per row r: mean and rstd, then y.
__global__ void layer_norm_fwd_kernel(LayerNormArgs a) {
  __shared__ double red[32];
  const size_t r = blockIdx.x;
  const float* x = a.x + r * a.cols;
  double sum = 0.0;
  for (size_t j = threadIdx.x; j < a.cols; j += blockDim.x) sum += x[j];
  const double mean = block_reduce(sum, SumOp(), red) / static_cast<double>(a.cols);
  double sum_sq_dev = 0.0;
  for (size_t j = threadIdx.x; j < a.cols; j += blockDim.x) {
    const double d = x[j] - mean;
    sum_sq_dev += d * d;
  }
  sum_sq_dev = block_reduce(sum_sq_dev, SumOp(), red);
  if (threadIdx.x == 0) lm::layer_norm_row_stats(a, r, mean, sum_sq_dev);
  __syncthreads();
  for (size_t j = threadIdx.x; j < a.cols; j += blockDim.x) a.y[r * a.cols + j] = lm::layer_norm_y(a, r, j);
}

// Block per row: dx from the row's sums of dyg and dyg * xhat.
__global__ void layer_norm_dx_kernel(LayerNormArgs a) {
  __shared__ double red[32];
  const size_t r = blockIdx.x;
  double sum_dyg = 0.0, sum_dyg_xhat = 0.0;
  for (size_t j = threadIdx.x; j < a.cols; j += blockDim.x) {
    const double dyg = lm::layer_norm_dyg(a, r, j);
    sum_dyg += dyg;
    sum_dyg_xhat += dyg * lm::layer_norm_xhat(a, r, j);
  }
  const float mean_dyg = lm::row_mean(block_reduce(sum_dyg, SumOp(), red), a.cols);
  const float mean_dyg_xhat = lm::row_mean(block_reduce(sum_dyg_xhat, SumOp(), red), a.cols);
  for (size_t j = threadIdx.x; j < a.cols; j += blockDim.x)
    a.dx[r * a.cols + j] = lm::layer_norm_dx(a, r, j, mean_dyg, mean_dyg_xhat);
}

// Block per column j: dgamma = sum over rows of dy * xhat, dbeta = sum of dy.
__global__ void layer_norm_param_grads_kernel(LayerNormArgs a) {
  __shared__ double red[32];
  const size_t j = blockIdx.x;
  double dgamma = 0.0, dbeta = 0.0;
  for (size_t r = threadIdx.x; r < a.rows; r += blockDim.x) {
    const double dy = a.dy[r * a.cols + j];
    dgamma += dy * lm::layer_norm_xhat(a, r, j);
    dbeta += dy;
  }
  dgamma = block_reduce(dgamma, SumOp(), red);
  dbeta = block_reduce(dbeta, SumOp(), red);
  if (threadIdx.x == 0) {
    a.dgamma[j] = static_cast<float>(dgamma);
    a.dbeta[j] = static_cast<float>(dbeta);
  }
}

// ---------------------------------------------------------------------------
// Element-wise and embedding

__global__ void dropout_kernel(float* y, float* mask, const float* x, size_t n, uint32_t threshold, float scale,
                               uint32_t seed, uint32_t counter) {
  DENDRITE_GRID_STRIDE(i, n) {
    const float m = lm::dropout_mask(seed, counter, i, threshold, scale);
    const float v = x[i];  // y may alias x
    mask[i] = m;
    y[i] = v * m;
  }
}

__global__ void multiply_kernel(float* out, const float* a, const float* b, size_t n) {
  DENDRITE_GRID_STRIDE(i, n) out[i] = a[i] * b[i];
}

// An invalid id (the caller checks them) reads as a row of zeros and gets no gradient.
__global__ void embedding_fwd_kernel(float* y, const float* ids, const float* table, size_t n, size_t dim, size_t vocab) {
  DENDRITE_GRID_STRIDE(i, n) {
    const size_t r = i / dim, j = i - r * dim;
    const float id = ids[r];
    y[i] = lm::embedding_id_valid(id, vocab) ? table[static_cast<size_t>(id) * dim + j] : 0.0f;
  }
}
__global__ void embedding_bwd_kernel(float* dtable, const float* ids, const float* dy, size_t n, size_t dim, size_t vocab) {
  DENDRITE_GRID_STRIDE(i, n) {
    const size_t r = i / dim, j = i - r * dim;
    const float id = ids[r];
    if (lm::embedding_id_valid(id, vocab)) atomicAdd(&dtable[static_cast<size_t>(id) * dim + j], dy[i]);
  }
}

#undef DENDRITE_GRID_STRIDE

// A grid-stride kernel over n outputs (nothing to launch for none).
template <class Kernel, class... Args>
cudaError_t launch_over(size_t n, cudaStream_t s, Kernel kernel, Args... args) {
  if (n == 0) return cudaSuccess;
  kernel<<<grid_for(n), kThreads, 0, s>>>(args...);
  return cudaGetLastError();
}

}  // namespace

namespace launch {

cudaError_t im2col(float* col, const float* x, const Window2d& w, cudaStream_t s) {
  return launch_over(col_size(w), s, im2col_kernel, col, x, w, col_size(w));
}
cudaError_t col2im(float* dx, const float* col, const Window2d& w, cudaStream_t s) {
  return launch_over(image_size(w), s, col2im_kernel, dx, col, w, image_size(w));
}
cudaError_t max_pool_fwd(float* y, int32_t* arg, const float* x, const Window2d& w, cudaStream_t s) {
  return launch_over(pooled_size(w), s, max_pool_fwd_kernel, y, arg, x, w, pooled_size(w));
}
cudaError_t max_pool_bwd(float* dx, const float* dy, const int32_t* arg, const Window2d& w, cudaStream_t s) {
  return launch_over(image_size(w), s, max_pool_bwd_kernel, dx, dy, arg, w, image_size(w));
}
cudaError_t avg_pool_fwd(float* y, const float* x, const Window2d& w, cudaStream_t s) {
  return launch_over(pooled_size(w), s, avg_pool_fwd_kernel, y, x, w, pooled_size(w));
}
cudaError_t avg_pool_bwd(float* dx, const float* dy, const Window2d& w, cudaStream_t s) {
  return launch_over(image_size(w), s, avg_pool_bwd_kernel, dx, dy, w, image_size(w));
}
cudaError_t dropout(float* y, float* mask, const float* x, size_t n, float rate, uint32_t seed, uint32_t counter,
                    cudaStream_t s) {
  return launch_over(n, s, dropout_kernel, y, mask, x, n, lm::dropout_threshold(rate), lm::dropout_scale(rate), seed, counter);
}
cudaError_t multiply(float* out, const float* a, const float* b, size_t n, cudaStream_t s) {
  return launch_over(n, s, multiply_kernel, out, a, b, n);
}
cudaError_t embedding_fwd(float* y, const float* ids, const float* table, size_t count, size_t dim, size_t vocab,
                          cudaStream_t s) {
  return launch_over(count * dim, s, embedding_fwd_kernel, y, ids, table, count * dim, dim, vocab);
}
cudaError_t embedding_bwd(float* dtable, const float* ids, const float* dy, size_t count, size_t dim, size_t vocab,
                          cudaStream_t s) {
  if (vocab * dim == 0) return cudaSuccess;
  const cudaError_t e = cudaMemsetAsync(dtable, 0, vocab * dim * sizeof(float), s);
  if (e != cudaSuccess) return e;
  return launch_over(count * dim, s, embedding_bwd_kernel, dtable, ids, dy, count * dim, dim, vocab);
}

// One block per channel (batch norm) or row/column (layer norm); the caller keeps the
// block counts within a launch's grid.
cudaError_t batch_norm_fwd(const BatchNormArgs& a, cudaStream_t s) {
  if (a.channels == 0) return cudaSuccess;
  batch_norm_fwd_kernel<<<static_cast<unsigned int>(a.channels), row_threads(a.rows), 0, s>>>(a);
  return cudaGetLastError();
}
cudaError_t batch_norm_bwd(const BatchNormArgs& a, cudaStream_t s) {
  if (a.channels == 0) return cudaSuccess;
  batch_norm_bwd_kernel<<<static_cast<unsigned int>(a.channels), row_threads(a.rows), 0, s>>>(a);
  return cudaGetLastError();
}
cudaError_t layer_norm_fwd(const LayerNormArgs& a, cudaStream_t s) {
  if (a.rows == 0 || a.cols == 0) return cudaSuccess;
  layer_norm_fwd_kernel<<<static_cast<unsigned int>(a.rows), row_threads(a.cols), 0, s>>>(a);
  return cudaGetLastError();
}
cudaError_t layer_norm_bwd(const LayerNormArgs& a, cudaStream_t s) {
  if (a.cols == 0) return cudaSuccess;
  if (a.dx && a.rows > 0) {
    layer_norm_dx_kernel<<<static_cast<unsigned int>(a.rows), row_threads(a.cols), 0, s>>>(a);
    const cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) return e;
  }
  layer_norm_param_grads_kernel<<<static_cast<unsigned int>(a.cols), row_threads(a.rows), 0, s>>>(a);
  return cudaGetLastError();
}

}  // namespace launch
}  // namespace cuda
}  // namespace dendrite
