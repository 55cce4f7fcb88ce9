// The SIMD trait of the 'avx2' variant: 8 float lanes in a ymm register, masks as
// all-ones/all-zeros ymm lanes. The kernel sources (native/kernels/cpu/*.inc) are
// written against this interface once and compiled per ISA; simd_avx512.h is the
// other implementation. Include only from translation units compiled with
// -mavx2 -mfma: the trait is named after its ISA and nothing else includes it, so
// its inline functions can never be merged with code built for another ISA.
//
// NaN conventions the kernels rely on: min(a, x) / max(a, x) return x when either is
// NaN (x86 semantics: the SECOND operand), and every ordered comparison is false for NaN.
#ifndef DENDRITE_KERNELS_CPU_X86_SIMD_AVX2_H_
#define DENDRITE_KERNELS_CPU_X86_SIMD_AVX2_H_

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace dendrite {

struct SimdAvx2 {
  static constexpr size_t kLanes = 8;
  using V = __m256;    // 8 floats
  using M = __m256;    // lane mask: all bits set or clear
  using D = __m256d;   // 4 doubles: half a V, for sums and cancellation-prone terms

  static V zero() { return _mm256_setzero_ps(); }
  static V set1(float v) { return _mm256_set1_ps(v); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static V load_aligned(const float* p) { return _mm256_load_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static void store_aligned(float* p, V v) { _mm256_store_ps(p, v); }
  static V broadcast(const float* p) { return _mm256_broadcast_ss(p); }

  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }    // a b + c
  static V fnma(V a, V b, V c) { return _mm256_fnmadd_ps(a, b, c); }  // c - a b
  static V fms(V a, V b, V c) { return _mm256_fmsub_ps(a, b, c); }    // a b - c
  static V min(V a, V b) { return _mm256_min_ps(a, b); }
  static V max(V a, V b) { return _mm256_max_ps(a, b); }
  // 1/d, correctly rounded: on AVX2 cores a division is as fast here as rcp + Newton.
  static V recip(V d) { return _mm256_div_ps(_mm256_set1_ps(1.0f), d); }

  // Sign-bit arithmetic.
  static V abs(V x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }
  static V neg_abs(V x) { return _mm256_or_ps(x, _mm256_set1_ps(-0.0f)); }  // -|x|
  static V sign(V x) { return _mm256_and_ps(x, _mm256_set1_ps(-0.0f)); }     // the sign bit alone
  static V or_bits(V a, V b) { return _mm256_or_ps(a, b); }

  // Comparisons (ordered: false where either side is NaN) and mask algebra.
  static M gt(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  static M ge(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
  static M lt(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static M le(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
  static M eq(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
  static M mask_and(M a, M b) { return _mm256_and_ps(a, b); }
  static M mask_or(M a, M b) { return _mm256_or_ps(a, b); }
  static V select(M m, V a, V b) { return _mm256_blendv_ps(b, a, m); }  // m ? a : b
  static V zero_if(M m, V x) { return _mm256_andnot_ps(m, x); }         // m ? +0 : x
  static V keep_if(M m, V x) { return _mm256_and_ps(m, x); }            // m ? x : +0

  // 2^n for the integer-valued n held in the low mantissa bits of k = n + 1.5 * 2^23.
  static V pow2_from_magic(V k) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_castps_si256(k), _mm256_set1_epi32(127)), 23));
  }

  static float hmax(V v) {
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
    return _mm_cvtss_f32(h);
  }

  // Doubles: the low and high halves of a V widened, and back.
  static D d_zero() { return _mm256_setzero_pd(); }
  static D d_set1(double v) { return _mm256_set1_pd(v); }
  static D d_lo(V v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
  static D d_hi(V v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }
  static V d_narrow(D lo, D hi) { return _mm256_set_m128(_mm256_cvtpd_ps(hi), _mm256_cvtpd_ps(lo)); }
  static D d_add(D a, D b) { return _mm256_add_pd(a, b); }
  static D d_sub(D a, D b) { return _mm256_sub_pd(a, b); }
  static D d_mul(D a, D b) { return _mm256_mul_pd(a, b); }
  static D d_fnma(D a, D b, D c) { return _mm256_fnmadd_pd(a, b, c); }
  static D d_max(D a, D b) { return _mm256_max_pd(a, b); }
  static double d_hsum(D v) {
    const __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
  }

  // The first n lanes (n < kLanes) of a block at the end of an array: loads read 0
  // past the end, stores leave memory there untouched.
  struct Tail {
    __m256i m;
    explicit Tail(size_t n) : m(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTailBits + 8 - n))) {}
    V load(const float* p) const { return _mm256_maskload_ps(p, m); }
    void store(float* p, V v) const { _mm256_maskstore_ps(p, m, v); }
    V keep(V v) const { return _mm256_and_ps(v, _mm256_castsi256_ps(m)); }                 // 0 past the end
    V keep_or(V v, V fill) const { return _mm256_blendv_ps(fill, v, _mm256_castsi256_ps(m)); }  // fill past the end
  };
  alignas(32) static constexpr int32_t kTailBits[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
};

}  // namespace dendrite

#endif  // DENDRITE_KERNELS_CPU_X86_SIMD_AVX2_H_
