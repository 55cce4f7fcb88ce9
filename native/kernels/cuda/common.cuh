// Shared by the CUDA translation units: the launchers each .cu file provides,
// the device-side descriptors, and block-level reductions. Included only by
// nvcc-compiled files (runtime.cu and the kernels).
#ifndef DENDRITE_KERNELS_CUDA_COMMON_CUH_
#define DENDRITE_KERNELS_CUDA_COMMON_CUH_

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "cuda_api.h"
#include "device_math.h"

namespace dendrite {
namespace cuda {

constexpr int kThreads = 256;  // threads per block of the element-wise kernels

inline unsigned int grid_for(size_t n, int threads = kThreads, size_t max_blocks = 8192) {
  const size_t blocks = (n + threads - 1) / threads;
  return static_cast<unsigned int>(blocks < 1 ? 1 : (blocks > max_blocks ? max_blocks : blocks));
}

// Threads for one block per row: a multiple of 32, at least 32, at most 1024.
inline unsigned int row_threads(size_t cols) {
  unsigned int t = 32;
  while (t < cols && t < 1024) t <<= 1;
  return t;
}

struct SumOp {
  template <class T>
  __device__ T operator()(T a, T b) const { return a + b; }
};
struct MaxNanOp {
  __device__ float operator()(float a, float b) const { return dm::max_nan(a, b); }
};

// Reduce v over the block (blockDim.x a multiple of 32); every thread gets the
// result. `shared` holds 32 values. Deterministic: fixed combination order.
template <class T, class Op>
__device__ T block_reduce(T v, Op op, T* shared) {
  for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
  __syncthreads();  // `shared` may still be read from a previous reduction
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  T r = shared[0];
  for (int w = 1; w < warps; ++w) r = op(r, shared[w]);
  return r;
}

// One parameter tensor of the fused optimizer step, on the device.
struct TensorDesc {
  OptimTensor t;  // device pointers
  size_t offset;  // first element in the concatenation of all tensors
  size_t n;
};

// A GEMM with device pointers (k is 0 when alpha is 0: A and B are not read).
struct DeviceGemm {
  bool trans_a, trans_b;
  int m, n, k;
  float alpha, beta;
  const float* a;
  size_t lda;
  const float* b;
  size_t ldb;
  float* c;
  size_t ldc;
  const float* bias;
  int act;
  ActParams act_params;
  float* act_out;
  size_t ldo;
};

// The runtime (runtime.cu) as the CUDA device (device_cuda.cu) shares it.
// Initialises the runtime once (device 0 or DENDRITE_CUDA_DEVICE) and returns its
// device and its stream; every device op is queued on that stream.
Status runtime_acquire(int* device, cudaStream_t* stream);
// One GEMM over device pointers on the runtime's stream, with the runtime's choice
// of implementation (cuBLAS or dendrite's kernels; TF32 or fp32): the same dispatch
// as device_ops().gemm. g.k is 0 when A and B are not read. The caller's thread
// has the runtime's device current.
Status gemm_device(const DeviceGemm& g);
// The runtime's GEMM settings as configure() takes them ("auto"|"own"|"cublas",
// "fp32"|"tf32"): bench.cu saves them, and restores them through configure().
void gemm_settings(std::string* gemm, std::string* precision);

// A GemmCall as a DeviceGemm with the call's own pointers (the per-op path then points them at
// its device copies), or why the kernels cannot run it. k is 0 when A and B are not read.
inline Status to_device_gemm(const GemmCall& g, DeviceGemm* d) {
  if (g.m > 0x7fffffffu || g.n > 0x7fffffffu || g.k > 0x7fffffffu) return "GEMM dimensions beyond 2^31 - 1";
  if ((g.m + 63) / 64 > 65535) return "GEMM with more than 4194240 rows";
  const bool read_ab = g.k > 0 && g.alpha != 0.0f;  // alpha 0 (or k 0): A and B are not read
  d->trans_a = g.trans_a;
  d->trans_b = g.trans_b;
  d->m = static_cast<int>(g.m);
  d->n = static_cast<int>(g.n);
  d->k = read_ab ? static_cast<int>(g.k) : 0;
  d->alpha = g.alpha;
  d->beta = g.beta;
  d->a = g.a;
  d->lda = g.lda;
  d->b = g.b;
  d->ldb = g.ldb;
  d->c = g.c;
  d->ldc = g.ldc;
  d->bias = g.bias;
  d->act = g.act;
  d->act_params = g.act_params;
  d->act_out = g.act >= 0 ? g.act_out : nullptr;
  d->ldo = g.ldo;
  return {};
}

namespace launch {
// Every launcher returns cudaGetLastError() after its launch.
cudaError_t act_fwd(int act, float* y, const float* x, size_t n, const ActParams& p, cudaStream_t s);
cudaError_t act_bwd(int act, float* dx, const float* x, const float* dy, size_t n, const ActParams& p, cudaStream_t s);
cudaError_t softmax_fwd(float* y, const float* x, size_t rows, size_t cols, bool log, cudaStream_t s);
cudaError_t softmax_bwd(float* dx, const float* x, const float* dy, size_t rows, size_t cols, bool log, cudaStream_t s);
// Per-block partial sums (double) of the loss terms into partials[blocks]; blocks = grid_for(n).
cudaError_t mse(double* partials, float* grad, const float* pred, const float* target, size_t n, cudaStream_t s);
cudaError_t bce(double* partials, float* grad, const float* logits, const float* targets, size_t n, cudaStream_t s);
// One block per row; row_loss[rows].
cudaError_t softmax_ce(double* row_loss, float* grad, const float* logits, const int32_t* targets, size_t rows,
                       size_t cols, float eps, cudaStream_t s);
cudaError_t optim(int kind, const TensorDesc* tensors, size_t count, size_t total, const dm::OptimCoef& coef,
                  cudaStream_t s);
cudaError_t sum_squares(double* partials, const float* x, size_t n, cudaStream_t s);
cudaError_t scale(float* x, size_t n, float factor, cudaStream_t s);
cudaError_t clamp(float* x, size_t n, float lo, float hi, cudaStream_t s);
// dendrite's own GEMM with the fused epilogue: fp32 SIMT, or TF32 tensor cores (sm_80+).
cudaError_t gemm(const DeviceGemm& g, bool tf32, cudaStream_t s);
// The epilogue alone (after cuBLAS): C += bias, actOut = act(C).
cudaError_t gemm_epilogue(const DeviceGemm& g, cudaStream_t s);
}  // namespace launch

}  // namespace cuda
}  // namespace dendrite

#endif  // DENDRITE_KERNELS_CUDA_COMMON_CUH_
