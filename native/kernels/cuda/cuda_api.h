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
#include "dendrite/ops.h"

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

using dendrite::GemmCall;
using dendrite::Ops;
using dendrite::Status;



const Ops& device_ops();
const Ops& host_ops();

// A micro-benchmark over device memory (bench/gpu), on the runtime's device and
// stream: the per-op path above copies host arrays per call, so it cannot show
// kernel bandwidth. `what`: "copy" (device-to-device copy of n floats), "relu" |
// "sigmoid" | "tanh" | "gelu" (activation forward over n floats), "adam" (one
// fused Adam step over one tensor of n parameters), "sgemm-own-fp32" |
// "sgemm-own-tf32" | "sgemm-cublas-fp32" | "sgemm-cublas-tf32" (an n x n x n GEMM
// through the runtime's dispatch; the GEMM settings are restored afterwards).
// One warm-up call, then `reps` calls between two CUDA events: *ms per call.
// Buffers are allocated and freed here; errors come back as the Status.
Status bench(const char* what, size_t n, int reps, double* ms);

constexpr const char* kNotCompiled = "dendrite was built without CUDA support";

}  // namespace cuda
}  // namespace dendrite

#endif  // DENDRITE_KERNELS_CUDA_CUDA_API_H_
