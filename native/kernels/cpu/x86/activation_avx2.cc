// AVX2+FMA activation kernels (placeholder until the SIMD variant lands).
#include "dendrite/kernels.h"

namespace dendrite {
bool fill_avx2_kernels(KernelTable&) { return false; }
}  // namespace dendrite
