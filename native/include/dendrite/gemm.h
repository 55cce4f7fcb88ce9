// Single-precision GEMM with a fused epilogue: the dense layer's forward and
// backward products. Row-major throughout.
#ifndef DENDRITE_GEMM_H_
#define DENDRITE_GEMM_H_

#include <cstddef>

#include "dendrite/kernels.h"

namespace dendrite {

// Applied once a block of C is final: C += bias (one value per column), then,
// if act is set, act_out = act(C) (C keeps the pre-activation, which backward needs).
struct GemmEpilogue {
  const float* bias = nullptr;  // [n] or null
  ActFwdFn act = nullptr;       // null: no activation
  ActParams act_params;
  float* act_out = nullptr;     // [m, n] with leading dimension ldo; required when act is set
  size_t ldo = 0;
};

// C[m, n] = alpha * op(A) * op(B) + beta * C, with op(A) m x k and op(B) k x n.
// trans_a: A is stored k x m (lda >= m), else m x k (lda >= k).
// trans_b: B is stored n x k (ldb >= k), else k x n (ldb >= n).
// beta == 0 means C is write-only (NaN/garbage in C is ignored), as in BLAS.
struct GemmArgs {
  bool trans_a = false, trans_b = false;
  size_t m = 0, n = 0, k = 0;
  float alpha = 1.0f;
  const float* a = nullptr;
  size_t lda = 0;
  const float* b = nullptr;
  size_t ldb = 0;
  float beta = 0.0f;
  float* c = nullptr;
  size_t ldc = 0;
  const GemmEpilogue* epilogue = nullptr;  // optional
};

// The threaded GEMM over the active kernel variant (native/runtime/gemm.cc).
void gemm(const GemmArgs& args);

// Plain triple loop with double accumulation: the oracle of the GEMM tests.
void gemm_reference(const GemmArgs& args);

}  // namespace dendrite

#endif  // DENDRITE_GEMM_H_
