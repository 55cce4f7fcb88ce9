// The GEMM oracle (gemm_reference: a plain triple loop accumulating in double)
// and the scalar variant's gemm entry: portable C++ with the same blocked
// structure as the AVX2 kernel (packed 6-row A panels and 8-column B panels,
// a 6x8 register tile), compiled for baseline x86-64 (the compiler may use SSE2).
#include <algorithm>
#include <vector>

#include "dendrite/gemm.h"

namespace dendrite {
namespace {

// op(A)(i, p) and op(B)(p, j) of a row-major problem.
inline float op_a(const GemmArgs& g, size_t i, size_t p) { return g.trans_a ? g.a[p * g.lda + i] : g.a[i * g.lda + p]; }
inline float op_b(const GemmArgs& g, size_t p, size_t j) { return g.trans_b ? g.b[j * g.ldb + p] : g.b[p * g.ldb + j]; }

// ----------------------------------------------------------------------------
// Scalar variant.

constexpr size_t kMR = 6, kNR = 8;
constexpr size_t kMC = 96;    // A~ block: 96 x 256 floats = 96 KiB
constexpr size_t kKC = 256;   // B~ panel: 256 x 8 floats = 8 KiB
constexpr size_t kNC = 2048;  // B~ block: 2 MiB
constexpr size_t kEpiCols = 128;

size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }
size_t round_up(size_t a, size_t b) { return ceil_div(a, b) * b; }

thread_local std::vector<float> tls_a, tls_b;

// A~ panels: out[p * kMR + i] = op(A)(i0 + i, p0 + p); B~ panels: out[p * kNR + j] = op(B)(p0 + p, j0 + j).
// Rows / columns past the edge are zero.
void pack_a(const GemmArgs& g, size_t i0, size_t mc, size_t p0, size_t kc, float* out) {
  for (size_t i = 0; i < mc; i += kMR, out += kMR * kc) {
    const size_t mr = std::min(kMR, mc - i);
    for (size_t p = 0; p < kc; ++p)
      for (size_t r = 0; r < kMR; ++r) out[p * kMR + r] = r < mr ? op_a(g, i0 + i + r, p0 + p) : 0.0f;
  }
}

void pack_b(const GemmArgs& g, size_t p0, size_t kc, size_t j0, size_t nc, float* out) {
  for (size_t j = 0; j < nc; j += kNR, out += kNR * kc) {
    const size_t nr = std::min(kNR, nc - j);
    for (size_t p = 0; p < kc; ++p)
      for (size_t c = 0; c < kNR; ++c) out[p * kNR + c] = c < nr ? op_b(g, p0 + p, j0 + j + c) : 0.0f;
  }
}

// C[0:mr, 0:nr] = alpha * A~ B~ + beta * C (beta == 0: C is not read).
void micro_kernel(size_t kc, const float* __restrict a, const float* __restrict b, float* c, size_t ldc, float alpha,
                  float beta, size_t mr, size_t nr) {
  float acc[kMR][kNR] = {};
  for (size_t p = 0; p < kc; ++p, a += kMR, b += kNR)
    for (size_t i = 0; i < kMR; ++i)
      for (size_t j = 0; j < kNR; ++j) acc[i][j] += a[i] * b[j];
  for (size_t i = 0; i < mr; ++i)
    for (size_t j = 0; j < nr; ++j) {
      float& dst = c[i * ldc + j];
      dst = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * dst;
    }
}

void epilogue(const GemmArgs& g, size_t i0, size_t i1, size_t j0, size_t j1) {
  const GemmEpilogue* e = g.epilogue;
  if (!e || (!e->bias && !e->act)) return;
  for (size_t i = i0; i < i1; ++i) {
    float* c = g.c + i * g.ldc + j0;
    if (e->bias)
      for (size_t j = 0; j < j1 - j0; ++j) c[j] += e->bias[j0 + j];
    if (e->act) e->act(e->act_out + i * e->ldo + j0, c, j1 - j0, e->act_params);
  }
}

void gemm_block(const GemmArgs& g, size_t m0, size_t m1, size_t n0, size_t n1) {
  if (m0 >= m1 || n0 >= n1) return;
  if (g.k == 0 || g.alpha == 0.0f) {  // C = beta * C; A and B are not read
    for (size_t i = m0; i < m1; ++i)
      for (size_t j = n0; j < n1; ++j) g.c[i * g.ldc + j] = g.beta == 0.0f ? 0.0f : g.beta * g.c[i * g.ldc + j];
    epilogue(g, m0, m1, n0, n1);
    return;
  }
  const size_t K = g.k, M = m1 - m0, N = n1 - n0;
  const size_t kc_step = ceil_div(K, ceil_div(K, kKC));
  const size_t mc_step = round_up(ceil_div(M, ceil_div(M, kMC)), kMR);
  const size_t nc_step = round_up(ceil_div(N, ceil_div(N, kNC)), kNR);
  const size_t a_size = std::min(mc_step, round_up(M, kMR)) * kc_step;
  const size_t b_size = std::min(nc_step, round_up(N, kNR)) * kc_step;
  if (tls_a.size() < a_size) tls_a.resize(a_size);
  if (tls_b.size() < b_size) tls_b.resize(b_size);
  float* const abuf = tls_a.data();
  float* const bbuf = tls_b.data();

  for (size_t jc = n0; jc < n1; jc += nc_step) {
    const size_t nc = std::min(nc_step, n1 - jc);
    for (size_t pc = 0; pc < K; pc += kc_step) {
      const size_t kc = std::min(kc_step, K - pc);
      const float beta = pc == 0 ? g.beta : 1.0f;
      pack_b(g, pc, kc, jc, nc, bbuf);
      for (size_t ic = m0; ic < m1; ic += mc_step) {
        const size_t mc = std::min(mc_step, m1 - ic);
        pack_a(g, ic, mc, pc, kc, abuf);
        for (size_t j0 = 0; j0 < nc; j0 += kEpiCols) {
          const size_t j1 = std::min(nc, j0 + kEpiCols);
          for (size_t jr = j0; jr < j1; jr += kNR)
            for (size_t ir = 0; ir < mc; ir += kMR)
              micro_kernel(kc, abuf + ir * kc, bbuf + jr * kc, g.c + (ic + ir) * g.ldc + jc + jr, g.ldc, g.alpha, beta,
                           std::min(kMR, mc - ir), std::min(kNR, nc - jr));
          if (pc + kc == K) epilogue(g, ic, ic + mc, jc + j0, jc + j1);
        }
      }
    }
  }
}

}  // namespace

// ----------------------------------------------------------------------------
// Oracle: every product and sum in double, one rounding per output (bias included).

void gemm_reference(const GemmArgs& g) {
  const GemmEpilogue* e = g.epilogue;
  for (size_t i = 0; i < g.m; ++i) {
    float* c = g.c + i * g.ldc;
    for (size_t j = 0; j < g.n; ++j) {
      double s = 0.0;
      if (g.alpha != 0.0f)  // alpha == 0: A and B are not read (BLAS)
        for (size_t p = 0; p < g.k; ++p) s += static_cast<double>(op_a(g, i, p)) * static_cast<double>(op_b(g, p, j));
      double v = static_cast<double>(g.alpha) * s;
      if (g.beta != 0.0f) v += static_cast<double>(g.beta) * static_cast<double>(c[j]);
      if (e && e->bias) v += static_cast<double>(e->bias[j]);
      c[j] = static_cast<float>(v);
    }
    if (e && e->act) e->act(e->act_out + i * e->ldo, c, g.n, e->act_params);
  }
}

void fill_scalar_gemm_kernels(KernelTable& table) { table.gemm = gemm_block; }

}  // namespace dendrite
