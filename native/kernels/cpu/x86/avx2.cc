// The 'avx2' variant: every kernel source compiled for AVX2 + FMA (8 lanes).
// GEMM micro-tile 6 x 16: 12 ymm accumulators, per k step 2 loads of B~ and 6
// broadcasts of A (about 93% of the FMA peak on Zen 4). Built with -mavx2 -mfma on
// x86; elsewhere only the stub.
#include "dendrite/kernels.h"

#if defined(__AVX2__) && defined(__FMA__)

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "../simd_math.h"
#include "dendrite/gemm.h"
#include "simd_avx2.h"

namespace dendrite {
namespace isa_avx2 {

using S = SimdAvx2;
struct T {
  static constexpr size_t kMR = 6, kNV = 2;  // 6 x 16
  static constexpr size_t kMC = 144;         // A block: 144 x 256 floats = 144 KiB, in the 1 MiB L2
  static constexpr size_t kKC = 256;         // a B~ panel (256 x 16 floats = 16 KiB) stays in the 32 KiB L1
  static constexpr size_t kNC = 4080;        // B~ block: 256 x 4080 floats = 4 MiB, in L3
  static constexpr size_t kSmallVectors = 8;  // vectors of C per pass of the 1-2 row path
  static constexpr bool kDirectA = true;
};
constexpr size_t kPanelCols = T::kNV * S::kLanes;
#include "pack_transpose.inc"
#include "../gemm_kernels.inc"
#include "../activation_kernels.inc"
#include "../loss_kernels.inc"
#include "../optim_kernels.inc"

}  // namespace isa_avx2

bool fill_avx2_kernels(KernelTable& table) {
  isa_avx2::fill_activation_table(table);
  isa_avx2::fill_loss_table(table);
  isa_avx2::fill_optim_table(table);
  isa_avx2::fill_gemm_table(table);
  return true;
}

}  // namespace dendrite

#else  // no AVX2/FMA in this translation unit

namespace dendrite {
bool fill_avx2_kernels(KernelTable&) { return false; }
}  // namespace dendrite

#endif
