// The op table of a backend as the binding layer sees it: every op the JS
// Backend interface needs, over host arrays, already validated by the binding.
// Each op returns "" on success, else the error message. Implementations: the
// CPU kernels (cpu_ops(), native/runtime/cpu_ops.cc), the CUDA kernels and the
// CUDA device math run on the CPU (native/kernels/cuda/cuda_api.h). One set of
// binding functions (native/binding/ops_binding.cc) serves them all.
#ifndef DENDRITE_OPS_H_
#define DENDRITE_OPS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "dendrite/kernels.h"

namespace dendrite {

// One GEMM with its fused epilogue (see dendrite/gemm.h for the BLAS contract).
struct GemmCall {
  bool trans_a = false, trans_b = false;
  size_t m = 0, n = 0, k = 0;
  float alpha = 1.0f, beta = 0.0f;
  const float* a = nullptr;
  size_t lda = 0, a_len = 0;  // a_len etc.: elements the caller's array holds (copied as a span)
  const float* b = nullptr;
  size_t ldb = 0, b_len = 0;
  float* c = nullptr;
  size_t ldc = 0, c_len = 0;
  const float* bias = nullptr;  // [n] or null
  int act = -1;                 // activation id or -1
  ActParams act_params;
  float* act_out = nullptr;     // [m, n] at ldo when act >= 0
  size_t ldo = 0, out_len = 0;
};

using Status = std::string;

struct Ops {
  const char* name;
  Status (*act_fwd)(int act, float* y, const float* x, size_t n, const ActParams& p);
  Status (*act_bwd)(int act, float* dx, const float* x, const float* dy, size_t n, const ActParams& p);
  Status (*softmax_fwd)(float* y, const float* x, size_t rows, size_t cols, bool log);
  Status (*softmax_bwd)(float* dx, const float* x, const float* dy, size_t rows, size_t cols, bool log);
  Status (*mse)(double* loss, float* grad, const float* pred, const float* target, size_t n);
  Status (*softmax_ce)(double* loss, float* grad, const float* logits, const int32_t* targets, size_t rows, size_t cols,
                       float label_smoothing);
  Status (*bce)(double* loss, float* grad, const float* logits, const float* targets, size_t n);
  // Every tensor in one fused launch. state: slot-major arena (slot s of tensor t at s * total + offset(t)).
  Status (*optim_step)(int kind, float* const* params, float* const* grads, const size_t* lengths, size_t count,
                       float* state, size_t slots, const double* coeffs);
  // Global L2 norm of every gradient (returned in *norm); scaled by max_norm / (norm + 1e-6) when that is < 1.
  Status (*clip_norm)(double* norm, float* const* grads, const size_t* lengths, size_t count, float max_norm);
  Status (*clip_value)(float* const* grads, const size_t* lengths, size_t count, float value);
  Status (*gemm)(const GemmCall& call);
  // Settings: "matmulPrecision" = "fp32" | "tf32"; "gemm" = "auto" | "own" | "cublas".
  Status (*configure)(const char* key, const char* value);
  // The GEMM implementation the next call would use ("own-fp32", "own-tf32", "cublas-fp32" ...).
  std::string (*gemm_impl)();
};

// The CPU ops: the active kernel variant, threaded GEMM and multi-tensor steps.
const Ops& cpu_ops();
// The same with the double-accumulation reference GEMM (dendrite::gemm_reference), for tests.
const Ops& reference_ops();

}  // namespace dendrite

#endif  // DENDRITE_OPS_H_
