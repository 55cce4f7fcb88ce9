// The GEMM oracle: a plain triple loop accumulating in double, for the tests and
// the 'cpu-reference' op table. (The scalar variant's GEMM is native/kernels/ref/scalar.cc.)

#include "dendrite/gemm.h"

namespace dendrite {
namespace {

// op(A)(i, p) and op(B)(p, j) of a row-major problem.
inline float op_a(const GemmArgs& g, size_t i, size_t p) { return g.trans_a ? g.a[p * g.lda + i] : g.a[i * g.lda + p]; }
inline float op_b(const GemmArgs& g, size_t p, size_t j) { return g.trans_b ? g.b[j * g.ldb + p] : g.b[p * g.ldb + j]; }

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

}  // namespace dendrite
