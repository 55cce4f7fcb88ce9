// Optimizers as one fused multi-tensor kernel: a single launch updates every
// parameter tensor of the step. The kernel walks the concatenation of all
// tensors (grid-stride); each thread finds its tensor by binary search once,
// then advances through the descriptor list as its index grows. The update of
// one element is device_math.h's optim_update (the CPU kernels' math), with
// the optimizer kind as a template argument. Also the clipping kernels.
#include "common.cuh"

namespace dendrite {
namespace cuda {
namespace {

template <int Kind>
__global__ void optim_kernel(const TensorDesc* __restrict__ tensors, int count, size_t total, dm::OptimCoef coef) {
  size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= total) return;
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  int lo = 0, hi = count - 1;  // last tensor whose offset <= i
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (tensors[mid].offset <= i) lo = mid;
    else hi = mid - 1;
  }
  int t = lo;
  for (; i < total; i += stride) {
    while (i >= tensors[t].offset + tensors[t].n) ++t;  // skips empty tensors too
    dm::optim_update<Kind>(tensors[t].t, i - tensors[t].offset, coef);
  }
}

__global__ void sum_squares_kernel(double* partials, const float* x, size_t n) {
  __shared__ double red[32];
  double acc = 0.0;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<size_t>(gridDim.x) * blockDim.x)
    acc += static_cast<double>(x[i]) * x[i];
  acc = block_reduce(acc, SumOp(), red);
  if (threadIdx.x == 0) partials[blockIdx.x] = acc;
}

__global__ void scale_kernel(float* x, size_t n, float factor) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<size_t>(gridDim.x) * blockDim.x)
    x[i] *= factor;
}

__global__ void clamp_kernel(float* x, size_t n, float lo, float hi) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<size_t>(gridDim.x) * blockDim.x)
    x[i] = dm::clamp_value(x[i], lo, hi);
}

}  // namespace

namespace launch {

cudaError_t optim(int kind, const TensorDesc* tensors, size_t count, size_t total, const dm::OptimCoef& coef, cudaStream_t s) {
  const unsigned int blocks = grid_for(total, kThreads, 65536);
  switch (static_cast<Optim>(kind)) {
#define DENDRITE_CUDA_OPTIM(name)                                                                                 \
  case Optim::name:                                                                                               \
    optim_kernel<static_cast<int>(Optim::name)><<<blocks, kThreads, 0, s>>>(tensors, static_cast<int>(count), total, coef); \
    break;
    DENDRITE_OPTIMIZERS(DENDRITE_CUDA_OPTIM)
#undef DENDRITE_CUDA_OPTIM
    default: return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

cudaError_t sum_squares(double* partials, const float* x, size_t n, cudaStream_t s) {
  sum_squares_kernel<<<grid_for(n), kThreads, 0, s>>>(partials, x, n);
  return cudaGetLastError();
}

cudaError_t scale(float* x, size_t n, float factor, cudaStream_t s) {
  scale_kernel<<<grid_for(n), kThreads, 0, s>>>(x, n, factor);
  return cudaGetLastError();
}

cudaError_t clamp(float* x, size_t n, float lo, float hi, cudaStream_t s) {
  clamp_kernel<<<grid_for(n), kThreads, 0, s>>>(x, n, lo, hi);
  return cudaGetLastError();
}

}  // namespace launch
}  // namespace cuda
}  // namespace dendrite
