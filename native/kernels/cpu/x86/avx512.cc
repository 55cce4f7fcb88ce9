// The 'avx512' variant: every kernel source compiled for AVX-512 F/DQ/BW/VL + FMA
// (16 lanes, mask registers for tails). GEMM micro-tile and blocking: see T below. Built with
// -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma -mprefer-vector-width=512 on x86
// (the last so that loops the compiler vectorises itself use zmm; the optimizer loops
// are the measured exception below); elsewhere only the stub.
#include "dendrite/kernels.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__FMA__)

// GCC 12 flags the _mm512_undefined_*() pass-through operands inside its own
// intrinsics as (maybe-)uninitialized; the diagnostic state is taken where the warning
// points, so silencing it around the header leaves dendrite's code checked.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "../simd_math.h"
#include "dendrite/gemm.h"
#include "simd_avx512.h"

namespace dendrite {
namespace isa_avx512 {

using S = SimdAvx512;
struct T {
  // 12 x 32: 24 zmm accumulators; per k step 2 loads of B~ and 12 broadcasts for 24 FMAs.
  // Blocking measured on Zen 5 (48 KiB L1, 1 MiB L2): KC 384 over 256 (+3-5%: fewer C
  // tile round trips), MC 192 over 96 (+5%: the MLP's 128 rows are one block).
  static constexpr size_t kMR = 12, kNV = 2;
  static constexpr size_t kMC = 192;   // A block: 192 x 384 floats = 288 KiB, in L2
  static constexpr size_t kKC = 384;   // a B~ panel: 384 x 32 floats = 48 KiB, streamed through L1
  static constexpr size_t kNC = 4096;  // B~ block: 6 MiB at most, in L3
  static constexpr size_t kSmallVectors = 16;  // vectors of C per pass of the 1-2 row path
  static constexpr bool kDirectA = true;
};
constexpr size_t kPanelCols = T::kNV * S::kLanes;
#include "pack_transpose.inc"
#include "../gemm_kernels.inc"
#include "../activation_kernels.inc"
#include "../loss_kernels.inc"
// The optimizer loops are memory-bound streams (2-5 arrays read, 1-3 written): measured
// on Zen 5, the compiler's zmm loops ran SGD at half the speed of its ymm loops (3.5 vs
// 1.8 ms on 10M parameters, the same in plain C), and Adam no faster. So they use the
// AVX-512 instruction set at 256 bits.
#pragma GCC push_options
#pragma GCC target("prefer-vector-width=256")
#include "../optim_kernels.inc"
#pragma GCC pop_options

}  // namespace isa_avx512

bool fill_avx512_kernels(KernelTable& table) {
  isa_avx512::fill_activation_table(table);
  isa_avx512::fill_loss_table(table);
  isa_avx512::fill_optim_table(table);
  isa_avx512::fill_gemm_table(table);
  return true;
}

}  // namespace dendrite

#else  // no AVX-512 in this translation unit

namespace dendrite {
bool fill_avx512_kernels(KernelTable&) { return false; }
}  // namespace dendrite

#endif
