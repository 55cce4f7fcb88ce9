// cuda::bench (cuda_api.h) in builds without the device micro-benchmarks: users'
// builds and the prebuilt addon leave them out; bench/gpu builds them with
// -DDENDRITE_CUDA_BENCH=ON (scripts/gpu-check.sh does).
#include "cuda_api.h"

namespace dendrite {
namespace cuda {

Status bench(const char*, size_t, int, double*) {
  return "dendrite was built without the CUDA micro-benchmarks (configure with -DDENDRITE_CUDA_BENCH=ON)";
}

}  // namespace cuda
}  // namespace dendrite
