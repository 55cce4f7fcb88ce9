// Vectorised float32 math over a SIMD trait S (x86/simd_avx2.h, x86/simd_avx512.h):
// exp, expm1, log1p, sigmoid, tanh and the normal tail, a few ulp, no branches, the
// same operations in the same order on every ISA (so every variant rounds alike).
// Templates only: each instantiation is named by its ISA's trait, so code built for
// one ISA is never shared with another through the ODR.
//
// NaN inputs give NaN outputs throughout. min/max return their SECOND operand when
// either is NaN, so clamps put x second.
#ifndef DENDRITE_KERNELS_CPU_SIMD_MATH_H_
#define DENDRITE_KERNELS_CPU_SIMD_MATH_H_

namespace dendrite {
namespace simd {

// 1/d for the bounded denominators of these functions (d in [1, 8], or NaN): the
// trait's reciprocal (a true division on avx2: as fast there as rcp + a Newton step,
// and correctly rounded; on avx512 rcp14 + one Newton step, within an ulp and
// exact at d = 1, so tanh(±1000) stays ±1).
template <class S>
inline typename S::V rcp(typename S::V d) {
  return S::recip(d);
}

// ln(FLT_MIN): below it exp() would be subnormal, and exp() flushes it to 0.
constexpr float kExpLo = -87.3365447f;

// e^x = s * (1 + q) with s = 2^n and q = e^r - 1, r = x - n ln2 in [-ln2/2, ln2/2].
// Valid for x <= 88 (s must stay finite); x below kExpLo is clamped to it.
template <class S>
struct ExpParts {
  typename S::V q, s;
};
template <class S>
inline ExpParts<S> exp_parts(typename S::V x) {
  using V = typename S::V;
  const V xc = S::max(S::set1(kExpLo), x);
  // n = round(x / ln2) by adding 1.5 * 2^23: n then sits in the low mantissa bits of k.
  const V magic = S::set1(12582912.0f);
  const V k = S::fma(xc, S::set1(1.44269504f), magic);
  const V n = S::sub(k, magic);
  // Cody-Waite: the first step is exact, so r keeps full precision.
  V r = S::fnma(n, S::set1(0.693145752f), xc);
  r = S::fnma(n, S::set1(1.42860677e-6f), r);
  // Minimax (e^r - 1 - r) / r^2, degree 4: 0.03 ulp on the reduced range.
  V p = S::set1(0.00138145406f);
  p = S::fma(p, r, S::set1(0.00836874545f));
  p = S::fma(p, r, S::set1(0.041668389f));
  p = S::fma(p, r, S::set1(0.166665211f));
  p = S::fma(p, r, S::set1(0.49999994f));
  const V q = S::fma(p, S::mul(r, r), r);
  return {q, S::pow2_from_magic(k)};
}

// e^x for x <= 88; results below FLT_MIN flush to +0 (so -inf gives 0, never NaN).
template <class S>
inline typename S::V exp(typename S::V x) {
  const ExpParts<S> e = exp_parts<S>(x);
  return S::zero_if(S::lt(x, S::set1(kExpLo)), S::fma(e.q, e.s, e.s));
}

// e^x - 1 for x <= 88, without cancellation near 0: s*q + (s - 1), where s - 1 is exact.
template <class S>
inline typename S::V expm1(typename S::V x) {
  const ExpParts<S> e = exp_parts<S>(x);
  return S::fma(e.q, e.s, S::sub(e.s, S::set1(1.0f)));
}

// log(1 + e) for e in [0, 1], as 2 atanh(s) with s = e / (2 + e) in [0, 1/3].
template <class S>
inline typename S::V log1p_unit(typename S::V e) {
  using V = typename S::V;
  const V s = S::mul(e, rcp<S>(S::add(e, S::set1(2.0f))));
  const V z = S::mul(s, s);
  // Minimax (2 atanh(s) - 2s) / s^3 in z = s^2, degree 3.
  V p = S::set1(0.280258626f);
  p = S::fma(p, z, S::set1(0.279992104f));
  p = S::fma(p, z, S::set1(0.400216699f));
  p = S::fma(p, z, S::set1(0.666664124f));
  return S::fma(S::mul(s, z), p, S::add(s, s));
}

// sigmoid(-|x|) = e / (1 + e) from e = exp(-|x|); sigmoid(x) is 1 - this for x >= 0.
// Both forms, and this times (1 - this) = sigmoid', are free of cancellation.
template <class S>
inline typename S::V sigmoid_neg_abs(typename S::V e) {
  return S::mul(e, rcp<S>(S::add(e, S::set1(1.0f))));
}
template <class S>
inline typename S::V sigmoid(typename S::V x) {
  const typename S::V q = sigmoid_neg_abs<S>(exp<S>(S::neg_abs(x)));
  return S::select(S::ge(x, S::zero()), S::sub(S::set1(1.0f), q), q);
}

// tanh(|x|) = -m / (2 + m) with m = expm1(-2|x|): accurate from tiny |x| (m ~ -2|x|)
// to large |x| (m -> -1). Also gives 1 - tanh^2 = 4 e / (1 + e)^2, e = m + 1 = exp(-2|x|).
template <class S>
struct TanhParts {
  typename S::V t;       // tanh(x)
  typename S::V one_m2;  // 1 - tanh(x)^2
};
template <class S>
inline TanhParts<S> tanh_parts(typename S::V x) {
  using V = typename S::V;
  const V y = S::mul(S::set1(2.0f), S::neg_abs(x));
  const ExpParts<S> ep = exp_parts<S>(y);
  const V one = S::set1(1.0f);
  const V m = S::fma(ep.q, ep.s, S::sub(ep.s, one));
  const V e = S::zero_if(S::lt(y, S::set1(kExpLo)), S::fma(ep.q, ep.s, ep.s));
  const V r = rcp<S>(S::add(m, S::set1(2.0f)));
  const V t_abs = S::mul(S::sub(S::zero(), m), r);
  return {S::or_bits(t_abs, S::sign(x)), S::mul(S::mul(S::set1(4.0f), e), S::mul(r, r))};
}
template <class S>
inline typename S::V tanh(typename S::V x) {
  return tanh_parts<S>(x).t;
}

// Standard normal upper tail Q(t) = P(Z > t) = erfc(t / sqrt2) / 2 for t >= 0, with full
// relative precision out to underflow: Q = exp(-t^2/2) * G(t), G a smooth minimax fit in
// s = 1/(1 + 0.34 t) (0.2 ulp on [0, 13.25]). exp(-t^2/2) uses t^2/2 = hi + lo exactly.
// Also returns that exp(-t^2/2) (for the density). t is clamped to 14 (Q, exp -> 0).
template <class S>
struct NormalTail {
  typename S::V q;      // Q(t)
  typename S::V gauss;  // exp(-t^2/2)
};
template <class S>
inline NormalTail<S> normal_tail(typename S::V t_in) {
  using V = typename S::V;
  const V t = S::min(S::set1(14.0f), t_in);
  const V ht = S::mul(S::set1(0.5f), t);
  const V hi = S::mul(ht, t);
  const V lo = S::fms(ht, t, hi);
  const V e_hi = exp<S>(S::sub(S::zero(), hi));
  const V gauss = S::fnma(e_hi, lo, e_hi);  // e^-(hi+lo) ~ e^-hi (1 - lo)
  const V s = rcp<S>(S::fma(S::set1(0.34f), t, S::set1(1.0f)));
  V g = S::set1(-0.0264974125f);
  g = S::fma(g, s, S::set1(0.141270235f));
  g = S::fma(g, s, S::set1(-0.276653558f));
  g = S::fma(g, s, S::set1(0.2060408f));
  g = S::fma(g, s, S::set1(-0.047258582f));
  g = S::fma(g, s, S::set1(0.116384745f));
  g = S::fma(g, s, S::set1(0.114950441f));
  g = S::fma(g, s, S::set1(0.136144638f));
  g = S::fma(g, s, S::set1(0.135618731f));
  g = S::mul(g, s);
  return {S::mul(gauss, g), gauss};
}

}  // namespace simd
}  // namespace dendrite

#endif  // DENDRITE_KERNELS_CPU_SIMD_MATH_H_
