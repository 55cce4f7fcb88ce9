// dendrite's own GEMM (no cuBLAS needed), row-major, with the dense layer's
// epilogue fused: C = alpha op(A) op(B) + beta C, C += bias, actOut = act(C).
//   * fp32 (default): 64x64 block tiles staged in shared memory (BK = 16), each
//     of the 256 threads accumulating a 4x4 register tile; the k loop runs in
//     order, so results match the CPU-run device math up to FMA contraction.
//   * TF32 (opt-in, sm_80+): the same tiling on tensor cores through WMMA
//     (m16n16k8 TF32 fragments, which compile to mma.sync); A and B are rounded
//     to TF32 (cvt.rna, as dm::to_tf32) when staged, accumulation stays fp32.
// Out-of-range rows/columns of a tile are staged as zeros; the epilogue writes
// only valid elements (padding of C and actOut is never touched).
#include <mma.h>

#include "common.cuh"

namespace dendrite {
namespace cuda {
namespace {

constexpr int kBM = 64, kBN = 64, kBK = 16, kTM = 4, kTN = 4;
constexpr int kGemmThreads = (kBM / kTM) * (kBN / kTN);  // 256

__device__ __forceinline__ float load_a(const DeviceGemm& g, int i, int p) {
  if (i >= g.m || p >= g.k) return 0.0f;
  return g.trans_a ? g.a[static_cast<size_t>(p) * g.lda + i] : g.a[static_cast<size_t>(i) * g.lda + p];
}
__device__ __forceinline__ float load_b(const DeviceGemm& g, int p, int j) {
  if (p >= g.k || j >= g.n) return 0.0f;
  return g.trans_b ? g.b[static_cast<size_t>(j) * g.ldb + p] : g.b[static_cast<size_t>(p) * g.ldb + j];
}

__device__ __forceinline__ void epilogue_store(const DeviceGemm& g, int i, int j, float acc) {
  float& c = g.c[static_cast<size_t>(i) * g.ldc + j];
  float v = dm::gemm_combine(acc, g.k == 0 ? 0.0f : g.alpha, g.beta, g.beta == 0.0f ? 0.0f : c);
  if (g.bias) v += g.bias[j];
  c = v;
  if (g.act >= 0) g.act_out[static_cast<size_t>(i) * g.ldo + j] = dm::act_f(g.act, v, g.act_params);
}

__global__ void __launch_bounds__(kGemmThreads) sgemm_kernel(DeviceGemm g) {
  __shared__ float as[kBK][kBM + 4];  // as[p][i] = op(A)(row0 + i, p0 + p)
  __shared__ float bs[kBK][kBN + 4];  // bs[p][j] = op(B)(p0 + p, col0 + j)
  const int tx = threadIdx.x % (kBN / kTN), ty = threadIdx.x / (kBN / kTN);
  const int row0 = blockIdx.y * kBM, col0 = blockIdx.x * kBN;
  float acc[kTM][kTN];
#pragma unroll
  for (int i = 0; i < kTM; ++i)
#pragma unroll
    for (int j = 0; j < kTN; ++j) acc[i][j] = 0.0f;

  for (int p0 = 0; p0 < g.k; p0 += kBK) {
    // Stage the tiles; the index order follows the stored layout so loads coalesce.
    for (int e = threadIdx.x; e < kBM * kBK; e += kGemmThreads) {
      const int i = g.trans_a ? e % kBM : e / kBK, p = g.trans_a ? e / kBM : e % kBK;
      as[p][i] = load_a(g, row0 + i, p0 + p);
    }
    for (int e = threadIdx.x; e < kBK * kBN; e += kGemmThreads) {
      const int j = g.trans_b ? e / kBK : e % kBN, p = g.trans_b ? e % kBK : e / kBN;
      bs[p][j] = load_b(g, p0 + p, col0 + j);
    }
    __syncthreads();
#pragma unroll
    for (int p = 0; p < kBK; ++p) {
      float ar[kTM], br[kTN];
#pragma unroll
      for (int i = 0; i < kTM; ++i) ar[i] = as[p][ty + i * (kBM / kTM)];
#pragma unroll
      for (int j = 0; j < kTN; ++j) br[j] = bs[p][tx + j * (kBN / kTN)];
#pragma unroll
      for (int i = 0; i < kTM; ++i)
#pragma unroll
        for (int j = 0; j < kTN; ++j) acc[i][j] += ar[i] * br[j];
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < kTM; ++i)
#pragma unroll
    for (int j = 0; j < kTN; ++j) {
      const int gi = row0 + ty + i * (kBM / kTM), gj = col0 + tx + j * (kBN / kTN);
      if (gi < g.m && gj < g.n) epilogue_store(g, gi, gj, acc[i][j]);
    }
}

// TF32 tensor cores: 64x64 block tile, BK = 8, four warps each owning 32x32 (2x2 fragments).
constexpr int kTBK = 8, kTThreads = 128;
constexpr int kLdA = kTBK + 4, kLdB = kBN + 4, kLdC = kBN + 4;  // multiples of 4 (WMMA ldm for 32-bit types)

__global__ void __launch_bounds__(kTThreads) tf32_gemm_kernel(DeviceGemm g) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  using namespace nvcuda;
  __shared__ __align__(32) float as[kBM * kLdA];  // row-major op(A) tile, 64 x 8
  __shared__ __align__(32) float bs[kTBK * kLdB];  // row-major op(B) tile, 8 x 64
  __shared__ __align__(32) float cs[kBM * kLdC];   // the block's accumulators, for the epilogue
  const int warp = threadIdx.x / 32, wr = warp / 2, wc = warp % 2;
  const int row0 = blockIdx.y * kBM, col0 = blockIdx.x * kBN;
  wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[2][2];
#pragma unroll
  for (int fi = 0; fi < 2; ++fi)
#pragma unroll
    for (int fj = 0; fj < 2; ++fj) wmma::fill_fragment(acc[fi][fj], 0.0f);

  for (int p0 = 0; p0 < g.k; p0 += kTBK) {
    for (int e = threadIdx.x; e < kBM * kTBK; e += kTThreads) {
      const int i = g.trans_a ? e % kBM : e / kTBK, p = g.trans_a ? e / kBM : e % kTBK;
      as[i * kLdA + p] = dm::to_tf32(load_a(g, row0 + i, p0 + p));
    }
    for (int e = threadIdx.x; e < kTBK * kBN; e += kTThreads) {
      const int j = g.trans_b ? e / kTBK : e % kBN, p = g.trans_b ? e % kTBK : e / kBN;
      bs[p * kLdB + j] = dm::to_tf32(load_b(g, p0 + p, col0 + j));
    }
    __syncthreads();
    wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> af[2];
    wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> bf[2];
#pragma unroll
    for (int f = 0; f < 2; ++f) {
      wmma::load_matrix_sync(af[f], as + (wr * 32 + f * 16) * kLdA, kLdA);
      wmma::load_matrix_sync(bf[f], bs + wc * 32 + f * 16, kLdB);
#pragma unroll
      for (int t = 0; t < af[f].num_elements; ++t) af[f].x[t] = wmma::__float_to_tf32(af[f].x[t]);
#pragma unroll
      for (int t = 0; t < bf[f].num_elements; ++t) bf[f].x[t] = wmma::__float_to_tf32(bf[f].x[t]);
    }
#pragma unroll
    for (int fi = 0; fi < 2; ++fi)
#pragma unroll
      for (int fj = 0; fj < 2; ++fj) wmma::mma_sync(acc[fi][fj], af[fi], bf[fj], acc[fi][fj]);
    __syncthreads();
  }
#pragma unroll
  for (int fi = 0; fi < 2; ++fi)
#pragma unroll
    for (int fj = 0; fj < 2; ++fj)
      wmma::store_matrix_sync(cs + (wr * 32 + fi * 16) * kLdC + wc * 32 + fj * 16, acc[fi][fj], kLdC, wmma::mem_row_major);
  __syncthreads();
  for (int e = threadIdx.x; e < kBM * kBN; e += kTThreads) {
    const int i = e / kBN, j = e % kBN;
    if (row0 + i < g.m && col0 + j < g.n) epilogue_store(g, row0 + i, col0 + j, cs[i * kLdC + j]);
  }
#endif
}

// After cuBLAS: C already holds alpha op(A) op(B) + beta C.
__global__ void epilogue_kernel(DeviceGemm g) {
  const size_t total = static_cast<size_t>(g.m) * g.n;
  for (size_t e = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; e < total; e += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const size_t i = e / g.n, j = e % g.n;
    float& c = g.c[i * g.ldc + j];
    float v = c;
    if (g.bias) v += g.bias[j];
    c = v;
    if (g.act >= 0) g.act_out[i * g.ldo + j] = dm::act_f(g.act, v, g.act_params);
  }
}

}  // namespace

namespace launch {

cudaError_t gemm(const DeviceGemm& g, bool tf32, cudaStream_t s) {
  const dim3 grid(static_cast<unsigned int>((g.n + kBN - 1) / kBN), static_cast<unsigned int>((g.m + kBM - 1) / kBM));
  if (tf32) tf32_gemm_kernel<<<grid, kTThreads, 0, s>>>(g);
  else sgemm_kernel<<<grid, kGemmThreads, 0, s>>>(g);
  return cudaGetLastError();
}

cudaError_t gemm_epilogue(const DeviceGemm& g, cudaStream_t s) {
  epilogue_kernel<<<grid_for(static_cast<size_t>(g.m) * g.n), kThreads, 0, s>>>(g);
  return cudaGetLastError();
}

}  // namespace launch
}  // namespace cuda
}  // namespace dendrite
