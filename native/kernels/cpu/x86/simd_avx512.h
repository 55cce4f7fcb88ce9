// The SIMD trait of the 'avx512' variant: 16 float lanes in a zmm register and
// mask registers (k0-k7) for comparisons and tails. Same interface as simd_avx2.h.
// Include only from translation units compiled with
// -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma (the variant needs all four
// AVX-512 subsets; native/dispatch/cpu_features.cc checks them and the OS's ZMM state).
//
// NaN conventions as in simd_avx2.h: min/max return their SECOND operand when either
// is NaN, ordered comparisons are false for NaN.
#ifndef DENDRITE_KERNELS_CPU_X86_SIMD_AVX512_H_
#define DENDRITE_KERNELS_CPU_X86_SIMD_AVX512_H_

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace dendrite {

struct SimdAvx512 {
  static constexpr size_t kLanes = 16;
  using V = __m512;     // 16 floats
  using M = __mmask16;  // one bit per lane
  using D = __m512d;    // 8 doubles: half a V

  static V zero() { return _mm512_setzero_ps(); }
  static V set1(float v) { return _mm512_set1_ps(v); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static V load_aligned(const float* p) { return _mm512_load_ps(p); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static void store_aligned(float* p, V v) { _mm512_store_ps(p, v); }
  static V broadcast(const float* p) { return _mm512_set1_ps(*p); }  // folds into the FMA's {1to16} operand

  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V fnma(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }
  static V fms(V a, V b, V c) { return _mm512_fmsub_ps(a, b, c); }
  static V min(V a, V b) { return _mm512_min_ps(a, b); }
  static V max(V a, V b) { return _mm512_max_ps(a, b); }
  // 1/d for finite nonzero d: rcp14 (relative error < 2^-14) and one Newton step, within an
  // ulp, exact where d is a power of two; measured faster than the zmm division (the
  // activations are compute-bound on one core). d = inf would give NaN (inf * 0).
  static V recip(V d) {
    const V r = _mm512_rcp14_ps(d);
    return _mm512_fmadd_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(1.0f)), r);
  }

  static V abs(V x) { return _mm512_andnot_ps(_mm512_set1_ps(-0.0f), x); }
  static V neg_abs(V x) { return _mm512_or_ps(x, _mm512_set1_ps(-0.0f)); }
  static V sign(V x) { return _mm512_and_ps(x, _mm512_set1_ps(-0.0f)); }
  static V or_bits(V a, V b) { return _mm512_or_ps(a, b); }

  static M gt(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static M ge(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
  static M lt(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static M le(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
  static M eq(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  static M mask_and(M a, M b) { return static_cast<M>(a & b); }
  static M mask_or(M a, M b) { return static_cast<M>(a | b); }
  static V select(M m, V a, V b) { return _mm512_mask_blend_ps(m, b, a); }  // m ? a : b
  static V zero_if(M m, V x) { return _mm512_maskz_mov_ps(static_cast<M>(~m), x); }
  static V keep_if(M m, V x) { return _mm512_maskz_mov_ps(m, x); }

  static V pow2_from_magic(V k) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_castps_si512(k), _mm512_set1_epi32(127)), 23));
  }

  static float hmax(V v) { return _mm512_reduce_max_ps(v); }

  static D d_zero() { return _mm512_setzero_pd(); }
  static D d_set1(double v) { return _mm512_set1_pd(v); }
  static D d_lo(V v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
  static D d_hi(V v) { return _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)); }
  static V d_narrow(D lo, D hi) { return _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo)), _mm512_cvtpd_ps(hi), 1); }
  static D d_add(D a, D b) { return _mm512_add_pd(a, b); }
  static D d_sub(D a, D b) { return _mm512_sub_pd(a, b); }
  static D d_mul(D a, D b) { return _mm512_mul_pd(a, b); }
  static D d_fnma(D a, D b, D c) { return _mm512_fnmadd_pd(a, b, c); }
  static D d_max(D a, D b) { return _mm512_max_pd(a, b); }
  static double d_hsum(D v) { return _mm512_reduce_add_pd(v); }

  // The first n lanes (n < 16): masked loads neither read nor fault past the end.
  struct Tail {
    M m;
    explicit Tail(size_t n) : m(static_cast<M>((1u << n) - 1u)) {}
    V load(const float* p) const { return _mm512_maskz_loadu_ps(m, p); }
    void store(float* p, V v) const { _mm512_mask_storeu_ps(p, m, v); }
    V keep(V v) const { return _mm512_maskz_mov_ps(m, v); }
    V keep_or(V v, V fill) const { return _mm512_mask_mov_ps(fill, m, v); }
  };
};

}  // namespace dendrite

#endif  // DENDRITE_KERNELS_CPU_X86_SIMD_AVX512_H_
