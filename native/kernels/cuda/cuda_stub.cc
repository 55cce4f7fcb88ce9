// The CUDA entry points of a build without CUDA (DENDRITE_CUDA=OFF, no nvcc, or
// the node-gyp fallback): probe() reports "not compiled", every device op fails
// with the same reason, and there is no CUDA device (make_cuda_device). Same
// interface as runtime.cu (cuda_api.h) and device_cuda.cu (dendrite/device.h).
#include "cuda_api.h"
#include "dendrite/device.h"

namespace dendrite {
namespace cuda {
namespace {

Status not_compiled() { return kNotCompiled; }
Status act_fwd(int, float*, const float*, size_t, const ActParams&) { return not_compiled(); }
Status act_bwd(int, float*, const float*, const float*, size_t, const ActParams&) { return not_compiled(); }
Status softmax_fwd(float*, const float*, size_t, size_t, bool) { return not_compiled(); }
Status softmax_bwd(float*, const float*, const float*, size_t, size_t, bool) { return not_compiled(); }
Status mse(double*, float*, const float*, const float*, size_t) { return not_compiled(); }
Status softmax_ce(double*, float*, const float*, const int32_t*, size_t, size_t, float) { return not_compiled(); }
Status bce(double*, float*, const float*, const float*, size_t) { return not_compiled(); }
Status optim_step(int, float* const*, float* const*, const size_t*, size_t, float*, size_t, const double*) {
  return not_compiled();
}
Status clip_norm(double*, float* const*, const size_t*, size_t, float) { return not_compiled(); }
Status clip_value(float* const*, const size_t*, size_t, float) { return not_compiled(); }
Status gemm(const GemmCall&) { return not_compiled(); }
Status configure(const char*, const char*) { return not_compiled(); }
std::string gemm_impl() { return "none"; }

}  // namespace

ProbeInfo probe() {
  ProbeInfo info;
  info.error = kNotCompiled;
  return info;
}

const Ops& device_ops() {
  static const Ops ops = {"none", act_fwd, act_bwd, softmax_fwd, softmax_bwd, mse, softmax_ce, bce,
                          optim_step, clip_norm, clip_value, gemm, configure, gemm_impl};
  return ops;
}

}  // namespace cuda

std::unique_ptr<Device> make_cuda_device(std::string* error) {
  if (error) *error = cuda::kNotCompiled;
  return nullptr;
}

}  // namespace dendrite
