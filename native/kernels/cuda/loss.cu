// Losses (mean reduction): per-element terms from device_math.h, block partial
// sums in double (the host adds the partials: deterministic), gradients written
// in the same pass. Cross-entropy runs one block per row.
#include "common.cuh"

namespace dendrite {
namespace cuda {
namespace {

__global__ void mse_kernel(double* partials, float* grad, const float* pred, const float* target, size_t n, float scale) {
  __shared__ double red[32];
  double acc = 0.0;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<size_t>(gridDim.x) * blockDim.x)
    acc += dm::mse_term(pred[i], target[i], scale, grad ? grad + i : nullptr);
  acc = block_reduce(acc, SumOp(), red);
  if (threadIdx.x == 0) partials[blockIdx.x] = acc;
}

__global__ void bce_kernel(double* partials, float* grad, const float* logits, const float* targets, size_t n, float inv_n) {
  __shared__ double red[32];
  double acc = 0.0;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<size_t>(gridDim.x) * blockDim.x)
    acc += dm::bce_term(logits[i], targets[i], inv_n, grad ? grad + i : nullptr);
  acc = block_reduce(acc, SumOp(), red);
  if (threadIdx.x == 0) partials[blockIdx.x] = acc;
}

__global__ void softmax_ce_kernel(double* row_loss, float* grad, const float* logits, const int32_t* targets, size_t cols,
                                  float eps, float inv_rows) {
  __shared__ float red[32];
  const size_t row = blockIdx.x;
  const float* z = logits + row * cols;
  float m = -INFINITY;
  for (size_t j = threadIdx.x; j < cols; j += blockDim.x) m = dm::max_nan(m, z[j]);
  m = block_reduce(m, MaxNanOp(), red);
  float sum = 0.0f, sum_shifted = 0.0f;
  for (size_t j = threadIdx.x; j < cols; j += blockDim.x) {
    sum += dm::softmax_exp_term(z[j], m);
    sum_shifted += z[j] - m;
  }
  sum = block_reduce(sum, SumOp(), red);
  sum_shifted = block_reduce(sum_shifted, SumOp(), red);
  const float log_sum = logf(sum);
  const size_t y = static_cast<size_t>(targets[row]);
  const float z_target = z[y];
  if (threadIdx.x == 0) row_loss[row] = dm::ce_row_loss(m, log_sum, z_target, sum_shifted, cols, eps);
  if (grad) {
    __syncthreads();  // every thread has read z (grad may alias logits)
    float* g = grad + row * cols;
    for (size_t j = threadIdx.x; j < cols; j += blockDim.x) g[j] = dm::ce_grad(z[j], m, log_sum, j == y, cols, eps, inv_rows);
  }
}

}  // namespace

namespace launch {

cudaError_t mse(double* partials, float* grad, const float* pred, const float* target, size_t n, cudaStream_t s) {
  const float scale = static_cast<float>(2.0 / static_cast<double>(n));
  mse_kernel<<<grid_for(n), kThreads, 0, s>>>(partials, grad, pred, target, n, scale);
  return cudaGetLastError();
}

cudaError_t bce(double* partials, float* grad, const float* logits, const float* targets, size_t n, cudaStream_t s) {
  const float inv_n = static_cast<float>(1.0 / static_cast<double>(n));
  bce_kernel<<<grid_for(n), kThreads, 0, s>>>(partials, grad, logits, targets, n, inv_n);
  return cudaGetLastError();
}

cudaError_t softmax_ce(double* row_loss, float* grad, const float* logits, const int32_t* targets, size_t rows,
                       size_t cols, float eps, cudaStream_t s) {
  const float inv_rows = static_cast<float>(1.0 / static_cast<double>(rows));
  softmax_ce_kernel<<<static_cast<unsigned int>(rows), row_threads(cols), 0, s>>>(row_loss, grad, logits, targets, cols, eps,
                                                                                   inv_rows);
  return cudaGetLastError();
}

}  // namespace launch
}  // namespace cuda
}  // namespace dendrite
