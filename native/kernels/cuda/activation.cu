// Element-wise activations, forward and backward: one grid-stride kernel per op
// over the device math (device_math.h), instantiated from DENDRITE_ACTIVATIONS.
#include "common.cuh"

namespace dendrite {
namespace cuda {
namespace {

template <class Op>
__global__ void act_fwd_kernel(float* __restrict__ y, const float* __restrict__ x, size_t n, ActParams p) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<size_t>(gridDim.x) * blockDim.x)
    y[i] = Op::f(x[i], p);
}

template <class Op>
__global__ void act_bwd_kernel(float* __restrict__ dx, const float* __restrict__ x, const float* __restrict__ dy, size_t n,
                               ActParams p) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<size_t>(gridDim.x) * blockDim.x)
    dx[i] = dy[i] * Op::df(x[i], p);
}

}  // namespace

namespace launch {

cudaError_t act_fwd(int act, float* y, const float* x, size_t n, const ActParams& p, cudaStream_t s) {
  switch (act) {
#define DENDRITE_CUDA_FWD(name, Op)                                       \
  case static_cast<int>(Act::name):                                       \
    act_fwd_kernel<dm::Op><<<grid_for(n), kThreads, 0, s>>>(y, x, n, p);  \
    break;
    DENDRITE_ACTIVATIONS(DENDRITE_CUDA_FWD)
#undef DENDRITE_CUDA_FWD
    default: return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

cudaError_t act_bwd(int act, float* dx, const float* x, const float* dy, size_t n, const ActParams& p, cudaStream_t s) {
  switch (act) {
#define DENDRITE_CUDA_BWD(name, Op)                                           \
  case static_cast<int>(Act::name):                                           \
    act_bwd_kernel<dm::Op><<<grid_for(n), kThreads, 0, s>>>(dx, x, dy, n, p); \
    break;
    DENDRITE_ACTIVATIONS(DENDRITE_CUDA_BWD)
#undef DENDRITE_CUDA_BWD
    default: return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

}  // namespace launch
}  // namespace cuda
}  // namespace dendrite
