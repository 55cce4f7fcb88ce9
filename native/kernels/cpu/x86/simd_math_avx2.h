// Vectorised float32 math for the AVX2+FMA kernels: 8 lanes, a few ulp, no branches.
// Include only from translation units compiled with -mavx2 -mfma. Every function is
// `static inline` (internal linkage), so no AVX2 code can leak into baseline objects
// through the ODR.
//
// NaN inputs give NaN outputs throughout. Note that _mm256_max_ps/_mm256_min_ps
// return their SECOND operand when either is NaN, so clamps put x second.
#ifndef DENDRITE_KERNELS_CPU_X86_SIMD_MATH_AVX2_H_
#define DENDRITE_KERNELS_CPU_X86_SIMD_MATH_AVX2_H_

#include <immintrin.h>

namespace dendrite {
namespace simd {

static inline __m256 abs_ps(__m256 x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }
static inline __m256 neg_abs_ps(__m256 x) { return _mm256_or_ps(x, _mm256_set1_ps(-0.0f)); }  // -|x|

// 1/d, correctly rounded. A true division: on current x86 cores it is as fast here as
// rcp + a Newton step, and exact where it matters (1/1 = 1 keeps tanh(±1000) = ±1).
static inline __m256 rcp_ps(__m256 d) { return _mm256_div_ps(_mm256_set1_ps(1.0f), d); }

// ln(FLT_MIN): below it exp() would be subnormal, and exp_ps flushes it to 0.
constexpr float kExpLo = -87.3365447f;

// e^x = s * (1 + q) with s = 2^n and q = e^r - 1, r = x - n ln2 in [-ln2/2, ln2/2].
// Valid for x <= 88 (s must stay finite); x below kExpLo is clamped to it.
struct ExpParts {
  __m256 q, s;
};
static inline ExpParts exp_parts_ps(__m256 x) {
  const __m256 xc = _mm256_max_ps(_mm256_set1_ps(kExpLo), x);
  // n = round(x / ln2) by adding 1.5 * 2^23: n then sits in the low mantissa bits of k.
  const __m256 magic = _mm256_set1_ps(12582912.0f);
  const __m256 k = _mm256_fmadd_ps(xc, _mm256_set1_ps(1.44269504f), magic);
  const __m256 n = _mm256_sub_ps(k, magic);
  // Cody-Waite: the first step is exact, so r keeps full precision.
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693145752f), xc);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.42860677e-6f), r);
  // Minimax (e^r - 1 - r) / r^2, degree 4: 0.03 ulp on the reduced range.
  __m256 p = _mm256_set1_ps(0.00138145406f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.00836874545f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.041668389f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.166665211f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.49999994f));
  const __m256 q = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r);
  // 2^n: the bits of k above the mantissa shift out.
  const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_castps_si256(k), _mm256_set1_epi32(127)), 23);
  return {q, _mm256_castsi256_ps(bits)};
}

// e^x for x <= 88; results below FLT_MIN flush to +0 (so -inf gives 0, never NaN).
static inline __m256 exp_ps(__m256 x) {
  const ExpParts e = exp_parts_ps(x);
  const __m256 y = _mm256_fmadd_ps(e.q, e.s, e.s);
  return _mm256_andnot_ps(_mm256_cmp_ps(x, _mm256_set1_ps(kExpLo), _CMP_LT_OQ), y);
}

// e^x - 1 for x <= 88, without cancellation near 0: s*q + (s - 1), where s - 1 is exact.
static inline __m256 expm1_ps(__m256 x) {
  const ExpParts e = exp_parts_ps(x);
  return _mm256_fmadd_ps(e.q, e.s, _mm256_sub_ps(e.s, _mm256_set1_ps(1.0f)));
}

// log(1 + e) for e in [0, 1], as 2 atanh(s) with s = e / (2 + e) in [0, 1/3].
static inline __m256 log1p_unit_ps(__m256 e) {
  const __m256 s = _mm256_mul_ps(e, rcp_ps(_mm256_add_ps(e, _mm256_set1_ps(2.0f))));
  const __m256 z = _mm256_mul_ps(s, s);
  // Minimax (2 atanh(s) - 2s) / s^3 in z = s^2, degree 3.
  __m256 p = _mm256_set1_ps(0.280258626f);
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(0.279992104f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(0.400216699f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(0.666664124f));
  return _mm256_fmadd_ps(_mm256_mul_ps(s, z), p, _mm256_add_ps(s, s));
}

// sigmoid(-|x|) = e / (1 + e) from e = exp(-|x|); sigmoid(x) is 1 - this for x >= 0.
// Both forms, and this times (1 - this) = sigmoid', are free of cancellation.
static inline __m256 sigmoid_neg_abs_ps(__m256 e) {
  return _mm256_mul_ps(e, rcp_ps(_mm256_add_ps(e, _mm256_set1_ps(1.0f))));
}
static inline __m256 sigmoid_ps(__m256 x) {
  const __m256 q = sigmoid_neg_abs_ps(exp_ps(neg_abs_ps(x)));
  const __m256 pos = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GE_OQ);
  return _mm256_blendv_ps(q, _mm256_sub_ps(_mm256_set1_ps(1.0f), q), pos);
}

// tanh(|x|) = -m / (2 + m) with m = expm1(-2|x|): accurate from tiny |x| (m ~ -2|x|)
// to large |x| (m -> -1). Also gives 1 - tanh^2 = 4 e / (1 + e)^2, e = m + 1 = exp(-2|x|).
struct TanhParts {
  __m256 t;       // tanh(x)
  __m256 one_m2;  // 1 - tanh(x)^2
};
static inline TanhParts tanh_parts_ps(__m256 x) {
  const __m256 y = _mm256_mul_ps(_mm256_set1_ps(2.0f), neg_abs_ps(x));
  const ExpParts ep = exp_parts_ps(y);
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 m = _mm256_fmadd_ps(ep.q, ep.s, _mm256_sub_ps(ep.s, one));
  const __m256 e = _mm256_andnot_ps(_mm256_cmp_ps(y, _mm256_set1_ps(kExpLo), _CMP_LT_OQ),
                                    _mm256_fmadd_ps(ep.q, ep.s, ep.s));
  const __m256 r = rcp_ps(_mm256_add_ps(m, _mm256_set1_ps(2.0f)));
  const __m256 t_abs = _mm256_mul_ps(_mm256_sub_ps(_mm256_setzero_ps(), m), r);
  const __m256 sign = _mm256_and_ps(x, _mm256_set1_ps(-0.0f));
  return {_mm256_or_ps(t_abs, sign), _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(4.0f), e), _mm256_mul_ps(r, r))};
}
static inline __m256 tanh_ps(__m256 x) { return tanh_parts_ps(x).t; }

// Standard normal upper tail Q(t) = P(Z > t) = erfc(t / sqrt2) / 2 for t >= 0, with full
// relative precision out to underflow: Q = exp(-t^2/2) * G(t), G a smooth minimax fit in
// s = 1/(1 + 0.34 t) (0.2 ulp on [0, 13.25]). exp(-t^2/2) uses t^2/2 = hi + lo exactly.
// Also returns that exp(-t^2/2) (for the density). t is clamped to 14 (Q, exp -> 0).
struct NormalTail {
  __m256 q;     // Q(t)
  __m256 gauss; // exp(-t^2/2)
};
static inline NormalTail normal_tail_ps(__m256 t_in) {
  const __m256 t = _mm256_min_ps(_mm256_set1_ps(14.0f), t_in);
  const __m256 ht = _mm256_mul_ps(_mm256_set1_ps(0.5f), t);
  const __m256 hi = _mm256_mul_ps(ht, t);
  const __m256 lo = _mm256_fmsub_ps(ht, t, hi);
  const __m256 e_hi = exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), hi));
  const __m256 gauss = _mm256_fnmadd_ps(e_hi, lo, e_hi);  // e^-(hi+lo) ~ e^-hi (1 - lo)
  const __m256 s = rcp_ps(_mm256_fmadd_ps(_mm256_set1_ps(0.34f), t, _mm256_set1_ps(1.0f)));
  __m256 g = _mm256_set1_ps(-0.0264974125f);
  g = _mm256_fmadd_ps(g, s, _mm256_set1_ps(0.141270235f));
  g = _mm256_fmadd_ps(g, s, _mm256_set1_ps(-0.276653558f));
  g = _mm256_fmadd_ps(g, s, _mm256_set1_ps(0.2060408f));
  g = _mm256_fmadd_ps(g, s, _mm256_set1_ps(-0.047258582f));
  g = _mm256_fmadd_ps(g, s, _mm256_set1_ps(0.116384745f));
  g = _mm256_fmadd_ps(g, s, _mm256_set1_ps(0.114950441f));
  g = _mm256_fmadd_ps(g, s, _mm256_set1_ps(0.136144638f));
  g = _mm256_fmadd_ps(g, s, _mm256_set1_ps(0.135618731f));
  g = _mm256_mul_ps(g, s);
  return {_mm256_mul_ps(gauss, g), gauss};
}

}  // namespace simd
}  // namespace dendrite

#endif  // DENDRITE_KERNELS_CPU_X86_SIMD_MATH_AVX2_H_
