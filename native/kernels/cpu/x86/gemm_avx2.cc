// AVX2+FMA fp32 GEMM, the 'avx2' variant's gemm entry: one thread's block of C,
// GotoBLAS/BLIS structure (native/runtime/gemm.cc splits C between threads).
//
//   for jc over NC-column blocks of C:
//     for pc over KC-deep slices of the inner dimension:
//       pack op(B)[pc:+kc, jc:+nc] into 16-column panels          (B~: L2/L3)
//       for ic over MC-row blocks:
//         A^T only: pack op(A)[ic:+mc, pc:+kc] into 6-row panels (A~: L2)
//         for each chunk of kEpiCols columns:
//           for jr over the chunk's 16-column panels of B~       (one panel in L1)
//             for ir over 6-row panels of A: 6x16 micro-kernel
//           after the last pc: bias + activation on the finished mc x chunk (in L2)
//
// The micro-kernel keeps a 6x16 tile of C in 12 ymm accumulators and per k step
// loads 2 vectors of B~ and broadcasts 6 scalars of A (12 FMAs, 8 loads); it
// reaches about 93% of the FMA peak on Zen 4. Transposes are handled by the
// packing routines (a non-transposed A needs none: it is read in place), so there
// is one micro-kernel; partial tiles use it instantiated for fewer rows / one
// vector, with masked loads and stores. Blocks are split evenly (K = 784 runs as
// 4 x 196, not 3 x 256 + 16). Compiled with -mavx2 -mfma on x86; elsewhere only
// the stub.
#include "dendrite/gemm.h"

#if defined(__AVX2__) && defined(__FMA__)

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace dendrite {
namespace {

constexpr size_t kMR = 6;           // rows of the micro-tile
constexpr size_t kNR = 16;          // columns of the micro-tile (2 ymm)
constexpr size_t kMC = 144;         // rows of an A block: kMC x kKC floats = 144 KiB, in the 1 MiB L2
constexpr size_t kKC = 256;         // depth: a B~ panel (kKC x 16 floats = 16 KiB) stays in the 32 KiB L1
constexpr size_t kNC = 4080;        // columns of a B~ block (kKC x kNC floats = 4 MiB, in L3)
constexpr size_t kEpiCols = 128;    // columns finished between two epilogue passes (mc x 128 floats, in L2)
constexpr size_t kSlack = 16;       // floats after a packed buffer: the overlapping 8-wide stores spill 2

static_assert(kMC % kMR == 0 && kNC % kNR == 0 && kEpiCols % kNR == 0, "blocking must be whole micro-tiles");

size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }
size_t round_up(size_t a, size_t b) { return ceil_div(a, b) * b; }

// ----------------------------------------------------------------------------
// Per-thread packing buffers, grown on demand and kept (64-byte aligned).

struct PackBuffer {
  float* data = nullptr;
  size_t capacity = 0;
  ~PackBuffer() { std::free(data); }
  float* get(size_t floats) {
    floats += kSlack;
    if (floats > capacity) {
      std::free(data);
      const size_t bytes = round_up(floats * sizeof(float), 64);
      data = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (!data) std::abort();  // kernels cannot throw; a few MiB are always expected to be there
      capacity = bytes / sizeof(float);
    }
    return data;
  }
};
thread_local PackBuffer tls_a, tls_b;

// Lane masks: the first n lanes of tail_mask(n) are set (0 <= n <= 8).
alignas(32) const int32_t kMaskBits[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
inline __m256i tail_mask(size_t n) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskBits + 8 - n)); }

// In-register 8x8 transpose: r[i] holds row i; afterwards r[j] holds column j.
inline void transpose8(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// ----------------------------------------------------------------------------
// Packing. A~ panel: out[p * 6 + i] = op(A)(i0 + i, p0 + p), rows past mr are 0.
// B~ panel: out[p * 16 + j] = op(B)(p0 + p, j0 + j), columns past nr are 0.
// A that is not transposed is not packed: the micro-kernel broadcasts from its six
// rows directly (measured as fast as from A~ here, L2 holding the rows in both
// cases), which saves the copy and lets threads that share A skip it altogether.

// op(A) = A^T, A stored k x m: src points at A(p0, i0); the mr values of a step p are contiguous.
void pack_a_cols(const float* src, size_t lda, size_t mr, size_t kc, float* out) {
  const __m256i mask = tail_mask(mr);
  for (size_t p = 0; p < kc; ++p) _mm256_storeu_ps(out + p * kMR, _mm256_maskload_ps(src + p * lda, mask));
}

// op(B) = B, stored k x n: src points at B(p0, j0); each step p is a contiguous row.
void pack_b_rows(const float* src, size_t ldb, size_t nr, size_t kc, float* out) {
  if (nr == kNR) {
    for (size_t p = 0; p < kc; ++p) {
      _mm256_store_ps(out + p * kNR, _mm256_loadu_ps(src + p * ldb));
      _mm256_store_ps(out + p * kNR + 8, _mm256_loadu_ps(src + p * ldb + 8));
    }
    return;
  }
  const __m256i m0 = tail_mask(std::min<size_t>(nr, 8)), m1 = tail_mask(nr > 8 ? nr - 8 : 0);
  for (size_t p = 0; p < kc; ++p) {
    _mm256_store_ps(out + p * kNR, _mm256_maskload_ps(src + p * ldb, m0));
    _mm256_store_ps(out + p * kNR + 8, _mm256_maskload_ps(src + p * ldb + 8, m1));
  }
}

// op(B) = B^T, B stored n x k: src points at B(j0, p0); column j of op(B) is contiguous in p.
void pack_b_cols(const float* src, size_t ldb, size_t nr, size_t kc, float* out) {
  size_t p = 0;
  for (; p + 8 <= kc; p += 8) {
    for (size_t h = 0; h < 2; ++h) {
      __m256 r[8];
      for (size_t j = 0; j < 8; ++j) {
        const size_t col = h * 8 + j;
        r[j] = col < nr ? _mm256_loadu_ps(src + col * ldb + p) : _mm256_setzero_ps();
      }
      transpose8(r);
      for (size_t q = 0; q < 8; ++q) _mm256_store_ps(out + (p + q) * kNR + h * 8, r[q]);
    }
  }
  for (; p < kc; ++p)
    for (size_t j = 0; j < kNR; ++j) out[p * kNR + j] = j < nr ? src[j * ldb + p] : 0.0f;
}

// op(A) = A^T only.
void pack_a(const GemmArgs& g, size_t i0, size_t mc, size_t p0, size_t kc, float* out) {
  for (size_t i = 0; i < mc; i += kMR)
    pack_a_cols(g.a + p0 * g.lda + i0 + i, g.lda, std::min(kMR, mc - i), kc, out + i * kc);
}

void pack_b(const GemmArgs& g, size_t p0, size_t kc, size_t j0, size_t nc, float* out) {
  for (size_t j = 0; j < nc; j += kNR) {
    const size_t nr = std::min(kNR, nc - j);
    if (g.trans_b)
      pack_b_cols(g.b + (j0 + j) * g.ldb + p0, g.ldb, nr, kc, out + j * kc);
    else
      pack_b_rows(g.b + p0 * g.ldb + j0 + j, g.ldb, nr, kc, out + j * kc);
  }
}

// ----------------------------------------------------------------------------
// Micro-kernel: C[0:R, 0:nr] = alpha * A B~ + beta * C (beta == 0: C is not read),
// for R rows (1..6) and NV vectors of 8 columns (nr <= 8 * NV). A is a packed A~
// panel (Direct false: element (i, p) at a[p * 6 + i]) or R rows of the caller's A
// (Direct true: at a[i * lda + p]).

template <size_t R, size_t NV, bool Direct>
void micro_kernel(size_t kc, const float* __restrict a, size_t lda, const float* __restrict b, float* c, size_t ldc,
                  float alpha, float beta, size_t nr) {
  // Row pointers of the direct case (rows past R repeat row 0 and are never read).
  const float* const a0 = a;
  const float* const a1 = a + (R > 1 ? lda : 0);
  const float* const a2 = a + (R > 2 ? 2 * lda : 0);
  const float* const a3 = a + (R > 3 ? 3 * lda : 0);
  const float* const a4 = a + (R > 4 ? 4 * lda : 0);
  const float* const a5 = a + (R > 5 ? 5 * lda : 0);
  for (size_t i = 0; i < R; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
  for (size_t i = 0; i < R; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 8 * NV - 1), _MM_HINT_T0);
  // Named accumulators (an array of __m256 would be kept on the stack by GCC);
  // the ones a smaller tile does not use are never touched and cost nothing.
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
#define DENDRITE_GEMM_ROW(i)                                                    \
  if constexpr (R > i) {                                                        \
    const __m256 av = _mm256_broadcast_ss(Direct ? a##i + p : a + p * kMR + i); \
    c##i##0 = _mm256_fmadd_ps(av, b0, c##i##0);                                 \
    if constexpr (NV > 1) c##i##1 = _mm256_fmadd_ps(av, b1, c##i##1);           \
  }
#pragma GCC unroll 4
  for (size_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = NV > 1 ? _mm256_load_ps(b + 8) : b0;
    DENDRITE_GEMM_ROW(0)
    DENDRITE_GEMM_ROW(1)
    DENDRITE_GEMM_ROW(2)
    DENDRITE_GEMM_ROW(3)
    DENDRITE_GEMM_ROW(4)
    DENDRITE_GEMM_ROW(5)
    b += kNR;
  }
#undef DENDRITE_GEMM_ROW
  const __m256 acc[kMR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};

  const __m256 valpha = _mm256_set1_ps(alpha), vbeta = _mm256_set1_ps(beta);
  if (nr == 8 * NV) {
    for (size_t i = 0; i < R; ++i)
      for (size_t v = 0; v < NV; ++v) {
        float* dst = c + i * ldc + v * 8;
        __m256 out = _mm256_mul_ps(acc[i][v], valpha);
        if (beta != 0.0f) out = _mm256_fmadd_ps(_mm256_loadu_ps(dst), vbeta, out);
        _mm256_storeu_ps(dst, out);
      }
    return;
  }
  for (size_t v = 0; v < NV; ++v) {
    const size_t lanes = nr > v * 8 ? std::min<size_t>(nr - v * 8, 8) : 0;
    const __m256i mask = tail_mask(lanes);
    for (size_t i = 0; i < R; ++i) {
      float* dst = c + i * ldc + v * 8;
      __m256 out = _mm256_mul_ps(acc[i][v], valpha);
      if (beta != 0.0f) out = _mm256_fmadd_ps(_mm256_maskload_ps(dst, mask), vbeta, out);
      _mm256_maskstore_ps(dst, mask, out);
    }
  }
}

using MicroFn = void (*)(size_t, const float*, size_t, const float*, float*, size_t, float, float, size_t);
#define DENDRITE_GEMM_KERNELS(D)                                                                   \
  {{micro_kernel<1, 1, D>, micro_kernel<1, 2, D>}, {micro_kernel<2, 1, D>, micro_kernel<2, 2, D>}, \
   {micro_kernel<3, 1, D>, micro_kernel<3, 2, D>}, {micro_kernel<4, 1, D>, micro_kernel<4, 2, D>}, \
   {micro_kernel<5, 1, D>, micro_kernel<5, 2, D>}, {micro_kernel<6, 1, D>, micro_kernel<6, 2, D>}}
// [direct][rows - 1][two vectors]
const MicroFn kMicro[2][kMR][2] = {DENDRITE_GEMM_KERNELS(false), DENDRITE_GEMM_KERNELS(true)};
#undef DENDRITE_GEMM_KERNELS

// ----------------------------------------------------------------------------
// Epilogue on a finished block: C += bias, then act_out = act(C), row by row.

void epilogue(const GemmArgs& g, size_t i0, size_t i1, size_t j0, size_t j1) {
  const GemmEpilogue* e = g.epilogue;
  if (!e || (!e->bias && !e->act)) return;
  const size_t len = j1 - j0;
  for (size_t i = i0; i < i1; ++i) {
    float* c = g.c + i * g.ldc + j0;
    if (e->bias) {
      const float* bias = e->bias + j0;
      size_t j = 0;
      for (; j + 8 <= len; j += 8)
        _mm256_storeu_ps(c + j, _mm256_add_ps(_mm256_loadu_ps(c + j), _mm256_loadu_ps(bias + j)));
      for (; j < len; ++j) c[j] += bias[j];
    }
    if (e->act) e->act(e->act_out + i * e->ldo + j0, c, len, e->act_params);
  }
}

// k == 0 or alpha == 0: C = beta * C (A and B are not read), then the epilogue.
void scale_only(const GemmArgs& g, size_t m0, size_t m1, size_t n0, size_t n1) {
  for (size_t i = m0; i < m1; ++i) {
    float* c = g.c + i * g.ldc;
    for (size_t j = n0; j < n1; ++j) c[j] = g.beta == 0.0f ? 0.0f : g.beta * c[j];
  }
  epilogue(g, m0, m1, n0, n1);
}

// One or two rows (batch-1 inference): packing all of op(B) would cost more than the
// product itself, so B is streamed in place, 64 columns (8 accumulators) at a time.
constexpr size_t kSmallRows = 2;
constexpr size_t kSmallCols = 64;

// acc[0..V) += a(p) * B[p, j0 .. j0 + 8V) over all p. V is a template argument so the
// accumulators stay in registers (a runtime-sized array would live on the stack).
template <size_t V>
inline void small_rows_dot(const GemmArgs& g, size_t i, size_t j0, __m256 (&acc)[V]) {
  for (size_t v = 0; v < V; ++v) acc[v] = _mm256_setzero_ps();
  const float* b = g.b + j0;
  for (size_t p = 0; p < g.k; ++p, b += g.ldb) {
    const __m256 a = _mm256_set1_ps(g.trans_a ? g.a[p * g.lda + i] : g.a[i * g.lda + p]);
    for (size_t v = 0; v < V; ++v) acc[v] = _mm256_fmadd_ps(a, _mm256_loadu_ps(b + 8 * v), acc[v]);
  }
}

// C[i, j0 .. j0 + 8V) = alpha * acc + beta * C
template <size_t V>
inline void small_rows_store(const GemmArgs& g, size_t i, size_t j0, const __m256 (&acc)[V]) {
  float* c = g.c + i * g.ldc + j0;
  for (size_t v = 0; v < V; ++v) {
    __m256 r = _mm256_mul_ps(_mm256_set1_ps(g.alpha), acc[v]);
    if (g.beta != 0.0f) r = _mm256_fmadd_ps(_mm256_set1_ps(g.beta), _mm256_loadu_ps(c + 8 * v), r);
    _mm256_storeu_ps(c + 8 * v, r);
  }
}

void small_rows_block(const GemmArgs& g, size_t m0, size_t m1, size_t n0, size_t n1) {
  for (size_t i = m0; i < m1; ++i) {
    size_t j = n0;
    for (; j + kSmallCols <= n1; j += kSmallCols) {
      __m256 acc[8];
      small_rows_dot<8>(g, i, j, acc);
      small_rows_store<8>(g, i, j, acc);
    }
    for (; j + 8 <= n1; j += 8) {
      __m256 acc[1];
      small_rows_dot<1>(g, i, j, acc);
      small_rows_store<1>(g, i, j, acc);
    }
    for (; j < n1; ++j) {  // the last < 8 columns
      float sum = 0.0f;
      for (size_t p = 0; p < g.k; ++p) sum += (g.trans_a ? g.a[p * g.lda + i] : g.a[i * g.lda + p]) * g.b[p * g.ldb + j];
      float* c = g.c + i * g.ldc + j;
      *c = g.alpha * sum + (g.beta != 0.0f ? g.beta * *c : 0.0f);
    }
  }
  epilogue(g, m0, m1, n0, n1);
}

void gemm_block(const GemmArgs& g, size_t m0, size_t m1, size_t n0, size_t n1) {
  if (m0 >= m1 || n0 >= n1) return;
  if (g.k == 0 || g.alpha == 0.0f) return scale_only(g, m0, m1, n0, n1);
  if (m1 - m0 <= kSmallRows && !g.trans_b) return small_rows_block(g, m0, m1, n0, n1);
  // Equal blocks no larger than the constants (784 = 4 x 196 deep, not 3 x 256 + 16).
  const size_t K = g.k, M = m1 - m0, N = n1 - n0;
  const size_t kc_step = ceil_div(K, ceil_div(K, kKC));
  const size_t mc_step = round_up(ceil_div(M, ceil_div(M, kMC)), kMR);
  const size_t nc_step = round_up(ceil_div(N, ceil_div(N, kNC)), kNR);
  const bool direct = !g.trans_a;
  float* const abuf = direct ? nullptr : tls_a.get(std::min(mc_step, round_up(M, kMR)) * kc_step);
  float* const bbuf = tls_b.get(std::min(nc_step, round_up(N, kNR)) * kc_step);

  for (size_t jc = n0; jc < n1; jc += nc_step) {
    const size_t nc = std::min(nc_step, n1 - jc);
    for (size_t pc = 0; pc < K; pc += kc_step) {
      const size_t kc = std::min(kc_step, K - pc);
      const float beta = pc == 0 ? g.beta : 1.0f;
      const bool last = pc + kc == K;
      pack_b(g, pc, kc, jc, nc, bbuf);
      for (size_t ic = m0; ic < m1; ic += mc_step) {
        const size_t mc = std::min(mc_step, m1 - ic);
        if (!direct) pack_a(g, ic, mc, pc, kc, abuf);
        for (size_t j0 = 0; j0 < nc; j0 += kEpiCols) {
          const size_t j1 = std::min(nc, j0 + kEpiCols);
          for (size_t jr = j0; jr < j1; jr += kNR) {
            const size_t nr = std::min(kNR, nc - jr);
            const float* bp = bbuf + jr * kc;
            float* cp = g.c + ic * g.ldc + jc + jr;
            for (size_t ir = 0; ir < mc; ir += kMR) {
              const size_t mr = std::min(kMR, mc - ir);
              const float* ap = direct ? g.a + (ic + ir) * g.lda + pc : abuf + ir * kc;
              kMicro[direct][mr - 1][nr > 8](kc, ap, g.lda, bp, cp + ir * g.ldc, g.ldc, g.alpha, beta, nr);
            }
          }
          if (last) epilogue(g, ic, ic + mc, jc + j0, jc + j1);
        }
      }
    }
  }
}

}  // namespace

bool fill_avx2_gemm_kernels(KernelTable& table) {
  table.gemm = gemm_block;
  return true;
}

}  // namespace dendrite

#else  // no AVX2/FMA in this translation unit

namespace dendrite {
bool fill_avx2_gemm_kernels(KernelTable&) { return false; }
}  // namespace dendrite

#endif
