// Row-wise softmax / log-softmax, forward and backward: one block per row. The
// row's max (NaN poisons the row) and log-sum-exp are block reductions; the
// per-element math is device_math.h's.
#include "common.cuh"

namespace dendrite {
namespace cuda {
namespace {

struct RowStats {
  float max, log_sum;
};

__device__ RowStats row_stats(const float* x, size_t cols, float* red) {
  float m = -INFINITY;
  for (size_t j = threadIdx.x; j < cols; j += blockDim.x) m = dm::max_nan(m, x[j]);
  m = block_reduce(m, MaxNanOp(), red);
  float sum = 0.0f;
  for (size_t j = threadIdx.x; j < cols; j += blockDim.x) sum += dm::softmax_exp_term(x[j], m);
  sum = block_reduce(sum, SumOp(), red);
  return {m, logf(sum)};
}

template <bool Log>
__global__ void softmax_fwd_kernel(float* y, const float* x, size_t cols) {
  __shared__ float red[32];
  const size_t row = blockIdx.x;
  x += row * cols;
  y += row * cols;
  const RowStats st = row_stats(x, cols, red);
  for (size_t j = threadIdx.x; j < cols; j += blockDim.x)
    y[j] = Log ? dm::log_softmax_value(x[j], st.max, st.log_sum) : dm::softmax_value(x[j], st.max, st.log_sum);
}

template <bool Log>
__global__ void softmax_bwd_kernel(float* dx, const float* x, const float* dy, size_t cols) {
  __shared__ float red[32];
  const size_t row = blockIdx.x;
  x += row * cols;
  dy += row * cols;
  dx += row * cols;
  const RowStats st = row_stats(x, cols, red);
  float acc = 0.0f;  // dot(dy, s) for softmax, sum(dy) for log-softmax
  for (size_t j = threadIdx.x; j < cols; j += blockDim.x)
    acc += Log ? dy[j] : dy[j] * dm::softmax_value(x[j], st.max, st.log_sum);
  acc = block_reduce(acc, SumOp(), red);
  for (size_t j = threadIdx.x; j < cols; j += blockDim.x) {
    const float s = dm::softmax_value(x[j], st.max, st.log_sum);
    dx[j] = Log ? dm::log_softmax_grad(s, dy[j], acc) : dm::softmax_grad(s, dy[j], acc);
  }
}

}  // namespace

namespace launch {

cudaError_t softmax_fwd(float* y, const float* x, size_t rows, size_t cols, bool log, cudaStream_t s) {
  const unsigned int threads = row_threads(cols);
  if (log) softmax_fwd_kernel<true><<<static_cast<unsigned int>(rows), threads, 0, s>>>(y, x, cols);
  else softmax_fwd_kernel<false><<<static_cast<unsigned int>(rows), threads, 0, s>>>(y, x, cols);
  return cudaGetLastError();
}

cudaError_t softmax_bwd(float* dx, const float* x, const float* dy, size_t rows, size_t cols, bool log, cudaStream_t s) {
  const unsigned int threads = row_threads(cols);
  if (log) softmax_bwd_kernel<true><<<static_cast<unsigned int>(rows), threads, 0, s>>>(dx, x, dy, cols);
  else softmax_bwd_kernel<false><<<static_cast<unsigned int>(rows), threads, 0, s>>>(dx, x, dy, cols);
  return cudaGetLastError();
}

}  // namespace launch
}  // namespace cuda
}  // namespace dendrite
