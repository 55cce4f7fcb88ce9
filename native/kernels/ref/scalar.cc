// The 'scalar' variant: portable C++ for baseline x86-64 (the compiler may use SSE2)
// and every other architecture. Its activations and losses are the double-precision
// reference (activation_ref.cc, loss_ref.cc); the optimizers and the GEMM are the same sources as the
// vector variants', compiled for one lane (GEMM micro-tile 6 x 8, A always packed).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <utility>

#include "../cpu/simd_scalar.h"
#include "dendrite/gemm.h"
#include "dendrite/kernels.h"

namespace dendrite {

const char* const kOptimNames[kOptimCount] = {
#define DENDRITE_NAME_ENTRY(name) #name,
    DENDRITE_OPTIMIZERS(DENDRITE_NAME_ENTRY)
#undef DENDRITE_NAME_ENTRY
};

namespace isa_scalar {

using S = SimdScalar;
struct T {
  static constexpr size_t kMR = 6, kNV = 8;  // 6 x 8
  static constexpr size_t kMC = 96;          // A~ block: 96 x 256 floats = 96 KiB
  static constexpr size_t kKC = 256;         // B~ panel: 256 x 8 floats = 8 KiB
  static constexpr size_t kNC = 2048;        // B~ block: 2 MiB
  static constexpr size_t kSmallVectors = 8;  // vectors of C per pass of the 1-2 row path
  static constexpr bool kDirectA = false;
};
// op(B) = B^T: src points at B(j0, p0); column j of op(B) is contiguous in p.
inline void pack_b_cols(const float* src, size_t ldb, size_t nr, size_t kc, float* out) {
  constexpr size_t kNR = T::kNV;
  for (size_t p = 0; p < kc; ++p)
    for (size_t j = 0; j < kNR; ++j) out[p * kNR + j] = j < nr ? src[j * ldb + p] : 0.0f;
}
#include "../cpu/gemm_kernels.inc"
#include "../cpu/optim_kernels.inc"

}  // namespace isa_scalar

void fill_scalar_kernels(KernelTable& table) {
  fill_reference_activations(table);
  table.mse = mse_f32;
  table.softmax_ce = softmax_cross_entropy_f32;
  table.bce = bce_with_logits_f32;
  isa_scalar::fill_optim_table(table);
  isa_scalar::fill_gemm_table(table);
}

}  // namespace dendrite
