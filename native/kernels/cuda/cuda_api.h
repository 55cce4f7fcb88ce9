// The CUDA backend as seen from the binding layer: plain C++, no N-API and no
// CUDA headers. One op table (`Ops`) with two implementations:
//   * device_ops(): the CUDA kernels (runtime.cu), or, in a build without CUDA,
//     a stub whose every op reports "dendrite was built without CUDA support";
//   * host_ops(): the same ops over the same device math (device_math.h) run on
//     the CPU (device_math_host.cc): the CPU-side test of the CUDA numerics.
// Every op takes host arrays (it copies them to the device and back; a
// device-resident training loop is later work) and returns an empty string on
// success, else the error message. Arguments are validated by the binding.
#ifndef DENDRITE_KERNELS_CUDA_CUDA_API_H_
#define DENDRITE_KERNELS_CUDA_CUDA_API_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "dendrite/kernels.h"

namespace dendrite {
namespace cuda {

// What the runtime found: compiled in or not, devices, and why not usable.
struct ProbeInfo {
  bool compiled = false;     // built with DENDRITE_HAVE_CUDA
  bool cublas = false;       // cuBLAS headers found at build time (DENDRITE_HAVE_CUBLAS)
  int device_count = 0;
  std::string error;         // empty when a device is usable
  std::string error_name;    // e.g. cudaErrorInsufficientDriver
  std::string device_name;   // device 0
  int cc_major = 0, cc_minor = 0;
  int runtime_version = 0;   // e.g. 13000
  int driver_version = 0;    // 0 when no driver
  std::string archs;         // the SASS/PTX targets compiled in, e.g. "80-real;90"
};
ProbeInfo probe();

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

const Ops& device_ops();
const Ops& host_ops();

constexpr const char* kNotCompiled = "dendrite was built without CUDA support";

}  // namespace cuda
}  // namespace dendrite

#endif  // DENDRITE_KERNELS_CUDA_CUDA_API_H_
