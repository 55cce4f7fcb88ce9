// Optimizer kernels compiled with -mavx2 -mfma (the 'avx2' variant): the
// shared loops of optim_kernels.inc, vectorized by the compiler for 8 floats.
#include <cmath>
#include <cstddef>

#include "dendrite/kernels.h"

namespace dendrite {

#if defined(__AVX2__) && defined(__FMA__)
namespace optim_avx2 {
#include "../optim_kernels.inc"
}  // namespace optim_avx2

bool fill_avx2_optim_kernels(KernelTable& table) {
  optim_avx2::fill_optim_table(table);
  return true;
}
#else
bool fill_avx2_optim_kernels(KernelTable&) { return false; }
#endif

}  // namespace dendrite
