// AVX2+FMA activation kernels: float32, 8 lanes, same semantics as the scalar reference
// (native/kernels/ref/activation_ref.cc), including derivatives at kinks and NaN/inf.
// Compiled with -mavx2 -mfma on x86; elsewhere this file only provides the stub.
#include "dendrite/kernels.h"

#if defined(__AVX2__) && defined(__FMA__)

#include <immintrin.h>

#include <cmath>

#include "simd_math_avx2.h"

namespace dendrite {
namespace {

using namespace simd;

inline __m256 set1(float v) { return _mm256_set1_ps(v); }
inline __m256 cmp_gt(__m256 a, __m256 b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
inline __m256 cmp_ge(__m256 a, __m256 b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
inline __m256 cmp_lt(__m256 a, __m256 b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
inline __m256 cmp_le(__m256 a, __m256 b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
// mask ? a : b. An ordered comparison is false for NaN, so NaN takes the `b` side.
inline __m256 select(__m256 mask, __m256 a, __m256 b) { return _mm256_blendv_ps(b, a, mask); }
// 1.0 where mask, else 0.0: multiplying dy by it keeps the reference's dy * 0.0 (NaN for inf dy).
inline __m256 one_if(__m256 mask) { return _mm256_and_ps(mask, set1(1.0f)); }

// Walks n floats in blocks of 8: body(i, block) for each full block, then once more for
// the k < 8 leftovers with a masked block, so the tail runs the same float math.
// A block loads/stores its lanes; keep(v) zeroes the lanes past the end, keep_or(v, fill)
// sets them to fill (both no-ops for a full block). Pointers may be unaligned.
struct FullBlock {
  static __m256 load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, __m256 v) { _mm256_storeu_ps(p, v); }
  static __m256 keep(__m256 v) { return v; }
  static __m256 keep_or(__m256 v, __m256) { return v; }
};
struct TailBlock {
  __m256i m;
  __m256 load(const float* p) const { return _mm256_maskload_ps(p, m); }  // lanes past the end read 0
  void store(float* p, __m256 v) const { _mm256_maskstore_ps(p, m, v); }
  __m256 keep(__m256 v) const { return _mm256_and_ps(v, _mm256_castsi256_ps(m)); }
  __m256 keep_or(__m256 v, __m256 fill) const { return _mm256_blendv_ps(fill, v, _mm256_castsi256_ps(m)); }
};
alignas(32) const int32_t kTailBits[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
template <class Body>
inline void for_blocks(size_t n, Body body) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) body(i, FullBlock{});
  if (i < n) body(i, TailBlock{_mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTailBits + 8 - (n - i)))});
}

constexpr float kSeluScale = 1.0507009873554804934193349852946f;
constexpr float kSeluScaleAlpha = static_cast<float>(1.0507009873554804934193349852946 * 1.6732632423543772848170429916717);
constexpr float kInvSqrt2Pi = 0.39894228040143267794f;
constexpr float kGeluTanhK = 0.79788456080286535588f;  // sqrt(2/pi)
constexpr float kGeluTanhC = 0.044715f;

// One struct per op: f(x) and f'(x) on 8 lanes; bwd multiplies dy by f'(x) as the reference does.
struct Sigmoid {
  explicit Sigmoid(const ActParams&) {}
  __m256 f(__m256 x) const { return sigmoid_ps(x); }
  __m256 df(__m256 x) const {
    const __m256 q = sigmoid_neg_abs_ps(exp_ps(neg_abs_ps(x)));
    return _mm256_fnmadd_ps(q, q, q);  // sigmoid' is symmetric: q (1 - q)
  }
};
struct Tanh {
  explicit Tanh(const ActParams&) {}
  __m256 f(__m256 x) const { return tanh_ps(x); }
  __m256 df(__m256 x) const { return tanh_parts_ps(x).one_m2; }
};
// x <= 0 ? +0 : x, so NaN passes through and -0 gives +0 (a max would lose one of them).
inline __m256 relu(__m256 x) { return _mm256_andnot_ps(cmp_le(x, _mm256_setzero_ps()), x); }
struct Relu {
  explicit Relu(const ActParams&) {}
  __m256 f(__m256 x) const { return relu(x); }
  __m256 df(__m256 x) const { return one_if(cmp_gt(x, _mm256_setzero_ps())); }
};
struct LeakyRelu {
  __m256 alpha;
  explicit LeakyRelu(const ActParams& p) : alpha(set1(p.alpha)) {}
  __m256 f(__m256 x) const { return select(cmp_gt(x, _mm256_setzero_ps()), x, _mm256_mul_ps(alpha, x)); }
  __m256 df(__m256 x) const { return select(cmp_gt(x, _mm256_setzero_ps()), set1(1.0f), alpha); }
};
struct Swish {
  explicit Swish(const ActParams&) {}
  __m256 f(__m256 x) const { return _mm256_mul_ps(x, sigmoid_ps(x)); }
  // s (1 + x (1 - s)), with s and 1 - s both taken from q = sigmoid(-|x|).
  __m256 df(__m256 x) const {
    const __m256 q = sigmoid_neg_abs_ps(exp_ps(neg_abs_ps(x)));
    const __m256 pos = cmp_ge(x, _mm256_setzero_ps());
    const __m256 one_q = _mm256_sub_ps(set1(1.0f), q);
    const __m256 s = select(pos, one_q, q);
    const __m256 c = select(pos, q, one_q);
    return _mm256_mul_ps(s, _mm256_fmadd_ps(x, c, set1(1.0f)));
  }
};
// Phi(x) = Q(|x|) for x < 0, 1 - Q(|x|) otherwise: the left tail keeps its relative precision.
struct Gelu {
  explicit Gelu(const ActParams&) {}
  static __m256 phi(__m256 x, const NormalTail& nt) {
    return select(cmp_lt(x, _mm256_setzero_ps()), nt.q, _mm256_sub_ps(set1(1.0f), nt.q));
  }
  __m256 f(__m256 x) const { return _mm256_mul_ps(x, phi(x, normal_tail_ps(abs_ps(x)))); }
  __m256 df(__m256 x) const {
    const NormalTail nt = normal_tail_ps(abs_ps(x));
    return _mm256_fmadd_ps(x, _mm256_mul_ps(nt.gauss, set1(kInvSqrt2Pi)), phi(x, nt));
  }
};
// 1 + tanh(u) = 2 sigmoid(2u): y = x sigmoid(v), v = 2u, without the cancellation of 1 + tanh.
struct GeluTanh {
  explicit GeluTanh(const ActParams&) {}
  struct Parts {
    __m256 x2, sig, q;  // x2 = min(x^2, 1e30); sig = sigmoid(v); q = sigmoid(-|v|)
  };
  static Parts parts(__m256 x) {
    // Capping x^2 keeps |x| > 1.8e19 finite in f' (0 * inf would be NaN; the reference gives 0/1).
    const __m256 x2 = _mm256_min_ps(set1(1e30f), _mm256_mul_ps(x, x));
    const __m256 v = _mm256_mul_ps(x, _mm256_fmadd_ps(set1(2.0f * kGeluTanhK * kGeluTanhC), x2, set1(2.0f * kGeluTanhK)));
    const __m256 q = sigmoid_neg_abs_ps(exp_ps(neg_abs_ps(v)));
    return {x2, select(cmp_ge(v, _mm256_setzero_ps()), _mm256_sub_ps(set1(1.0f), q), q), q};
  }
  __m256 f(__m256 x) const { return _mm256_mul_ps(x, parts(x).sig); }
  // 0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3c x^2) = sig + x sig (1 - sig) (2k + 6kc x^2).
  __m256 df(__m256 x) const {
    const Parts p = parts(x);
    const __m256 sig1m = _mm256_fnmadd_ps(p.q, p.q, p.q);
    const __m256 k = _mm256_fmadd_ps(set1(6.0f * kGeluTanhK * kGeluTanhC), p.x2, set1(2.0f * kGeluTanhK));
    return _mm256_fmadd_ps(_mm256_mul_ps(x, sig1m), k, p.sig);
  }
};
// elu/selu: exp only on min(x, 0) (NaN kept), so positive lanes never overflow. The forward
// takes x itself at x = +-0 too (same value), which keeps the reference's signed zero.
struct Elu {
  __m256 alpha;
  explicit Elu(const ActParams& p) : alpha(set1(p.alpha)) {}
  __m256 f(__m256 x) const {
    const __m256 neg_part = _mm256_mul_ps(alpha, expm1_ps(_mm256_min_ps(_mm256_setzero_ps(), x)));
    return select(cmp_ge(x, _mm256_setzero_ps()), x, neg_part);
  }
  __m256 df(__m256 x) const {
    const __m256 neg_part = _mm256_mul_ps(alpha, exp_ps(_mm256_min_ps(_mm256_setzero_ps(), x)));
    return select(cmp_gt(x, _mm256_setzero_ps()), set1(1.0f), neg_part);
  }
};
struct Selu {
  explicit Selu(const ActParams&) {}
  __m256 f(__m256 x) const {
    const __m256 neg_part = _mm256_mul_ps(set1(kSeluScaleAlpha), expm1_ps(_mm256_min_ps(_mm256_setzero_ps(), x)));
    return select(cmp_ge(x, _mm256_setzero_ps()), _mm256_mul_ps(set1(kSeluScale), x), neg_part);
  }
  __m256 df(__m256 x) const {
    const __m256 neg_part = _mm256_mul_ps(set1(kSeluScaleAlpha), exp_ps(_mm256_min_ps(_mm256_setzero_ps(), x)));
    return select(cmp_gt(x, _mm256_setzero_ps()), set1(kSeluScale), neg_part);
  }
};
struct Softplus {
  __m256 beta, inv_beta, threshold;
  explicit Softplus(const ActParams& p) : beta(set1(p.beta)), inv_beta(set1(1.0f / p.beta)), threshold(set1(p.threshold)) {}
  // beta*x > threshold, decided on the exact product (z + its rounding error), as the double reference.
  __m256 linear(__m256 x, __m256 z) const {
    const __m256 z_err = _mm256_fmsub_ps(beta, x, z);
    const __m256 at = _mm256_and_ps(_mm256_cmp_ps(z, threshold, _CMP_EQ_OQ), cmp_gt(z_err, _mm256_setzero_ps()));
    return _mm256_or_ps(cmp_gt(z, threshold), at);
  }
  // log(1 + e^z) = max(z, 0) + log1p(e^-|z|).
  __m256 f(__m256 x) const {
    const __m256 z = _mm256_mul_ps(beta, x);
    const __m256 sp = _mm256_add_ps(_mm256_max_ps(z, _mm256_setzero_ps()), log1p_unit_ps(exp_ps(neg_abs_ps(z))));
    return select(linear(x, z), x, _mm256_mul_ps(sp, inv_beta));
  }
  __m256 df(__m256 x) const {
    const __m256 z = _mm256_mul_ps(beta, x);
    return select(linear(x, z), set1(1.0f), sigmoid_ps(z));
  }
};
// tanh(log(1 + e^x)) = N / D, from e = exp(-|x|) so nothing overflows:
//   x <= 0: N = e (e + 2), D = N + 2;   x > 0: N = 1 + 2e, D = N + 2 e^2.
// 1 - tanh = M / D with M = 2 (x <= 0) or 2 e^2 (x > 0), so 1 - t^2 = (M/D)(2 - M/D) has no cancellation.
struct Mish {
  explicit Mish(const ActParams&) {}
  struct Parts {
    __m256 e, t, one_m_t;
  };
  static Parts parts(__m256 x) {
    const __m256 e = exp_ps(neg_abs_ps(x));
    const __m256 pos = cmp_gt(x, _mm256_setzero_ps());
    const __m256 two = set1(2.0f);
    const __m256 e2x2 = _mm256_mul_ps(_mm256_add_ps(e, e), e);
    const __m256 n = select(pos, _mm256_fmadd_ps(two, e, set1(1.0f)), _mm256_mul_ps(e, _mm256_add_ps(e, two)));
    const __m256 m = select(pos, e2x2, two);
    const __m256 r = rcp_ps(_mm256_add_ps(n, m));
    return {e, _mm256_mul_ps(n, r), _mm256_mul_ps(m, r)};
  }
  __m256 f(__m256 x) const { return _mm256_mul_ps(x, parts(x).t); }
  // t + x sigmoid(x) (1 - t^2)
  __m256 df(__m256 x) const {
    const Parts p = parts(x);
    const __m256 q = sigmoid_neg_abs_ps(p.e);
    const __m256 sig = select(cmp_ge(x, _mm256_setzero_ps()), _mm256_sub_ps(set1(1.0f), q), q);
    const __m256 one_m_t2 = _mm256_mul_ps(p.one_m_t, _mm256_sub_ps(set1(2.0f), p.one_m_t));
    return _mm256_fmadd_ps(_mm256_mul_ps(x, sig), one_m_t2, p.t);
  }
};
// clamp(x + 3, 0, 6) / 6, NaN kept (max/min return their second operand on NaN).
inline __m256 hard_sigmoid(__m256 x) {
  const __m256 c = _mm256_max_ps(_mm256_setzero_ps(), _mm256_add_ps(x, set1(3.0f)));
  return _mm256_mul_ps(_mm256_min_ps(set1(6.0f), c), set1(1.0f / 6.0f));
}
struct HardSigmoid {
  explicit HardSigmoid(const ActParams&) {}
  __m256 f(__m256 x) const { return hard_sigmoid(x); }
  __m256 df(__m256 x) const {  // open interval (-3, 3)
    const __m256 in = _mm256_and_ps(cmp_gt(x, set1(-3.0f)), cmp_lt(x, set1(3.0f)));
    return _mm256_and_ps(in, set1(1.0f / 6.0f));
  }
};
struct HardSwish {
  explicit HardSwish(const ActParams&) {}
  // x * hard_sigmoid(x); lanes x <= -3 are forced to +0 (also -inf, where inf * 0 would be NaN).
  __m256 f(__m256 x) const {
    return _mm256_andnot_ps(cmp_le(x, set1(-3.0f)), _mm256_mul_ps(x, hard_sigmoid(x)));
  }
  // 0 below -3, x/3 + 1/2 on [-3, 3), 1 from 3 on; NaN takes the `1` branch, as the reference.
  __m256 df(__m256 x) const {
    const __m256 mid = _mm256_fmadd_ps(x, set1(1.0f / 3.0f), set1(0.5f));
    return _mm256_andnot_ps(cmp_lt(x, set1(-3.0f)), select(cmp_lt(x, set1(3.0f)), mid, set1(1.0f)));
  }
};
struct Relu6 {
  explicit Relu6(const ActParams&) {}
  __m256 f(__m256 x) const { return _mm256_min_ps(set1(6.0f), relu(x)); }
  __m256 df(__m256 x) const {  // 0 at both kinks
    return one_if(_mm256_and_ps(cmp_gt(x, _mm256_setzero_ps()), cmp_lt(x, set1(6.0f))));
  }
};
struct Linear {
  explicit Linear(const ActParams&) {}
  __m256 f(__m256 x) const { return x; }
  __m256 df(__m256) const { return set1(1.0f); }
};

// Each block is loaded before it is stored, so in place (y == x, dx == x, dx == dy) is safe.
template <class Op>
void act_fwd(float* y, const float* x, size_t n, const ActParams& p) {
  const Op op(p);
  for_blocks(n, [&](size_t i, auto b) { b.store(y + i, op.f(b.load(x + i))); });
}
template <class Op>
void act_bwd(float* dx, const float* x, const float* dy, size_t n, const ActParams& p) {
  const Op op(p);
  for_blocks(n, [&](size_t i, auto b) { b.store(dx + i, _mm256_mul_ps(b.load(dy + i), op.df(b.load(x + i)))); });
}

// ---- Row kernels (softmax / log-softmax over the last axis) ----
// Sums are accumulated in double. A NaN in the row is skipped by the max but reaches
// exp(x - max) = NaN, so the sum, and through it every output of the row, is NaN, as in
// the reference. Each output block is written after its inputs were read (in place safe).

// Adds the 8 floats of v, widened to double, to acc.
inline __m256d add_wide(__m256d acc, __m256 v) {
  const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
  const __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
  return _mm256_add_pd(acc, _mm256_add_pd(lo, hi));
}
// f(lo4, hi4) applied to the 8 floats of a and b widened to double, narrowed back to float.
// The softmax VJPs subtract nearly equal terms (dy - dot): in double, as the reference.
template <class F>
inline __m256 in_double(__m256 a, __m256 b, const F& f) {
  const __m256d lo = f(_mm256_cvtps_pd(_mm256_castps256_ps128(a)), _mm256_cvtps_pd(_mm256_castps256_ps128(b)));
  const __m256d hi = f(_mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)), _mm256_cvtps_pd(_mm256_extractf128_ps(b, 1)));
  return _mm256_set_m128(_mm256_cvtpd_ps(hi), _mm256_cvtpd_ps(lo));
}
inline double hsum(__m256d v) {
  const __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}
__m256 row_max(const float* x, size_t cols) {
  const __m256 ninf = set1(-INFINITY);
  __m256 vm = ninf;
  for_blocks(cols, [&](size_t j, auto b) { vm = _mm256_max_ps(b.keep_or(b.load(x + j), ninf), vm); });  // NaN lanes keep vm
  __m128 h = _mm_max_ps(_mm256_castps256_ps128(vm), _mm256_extractf128_ps(vm, 1));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
  return _mm256_broadcastss_ps(h);
}

void softmax_fwd(float* y, const float* x, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r, x += cols, y += cols) {
    const __m256 vmax = row_max(x, cols);
    __m256d sum = _mm256_setzero_pd();
    for_blocks(cols, [&](size_t j, auto b) {  // y = e_j = exp(x_j - max), scaled below
      const __m256 e = b.keep(exp_ps(_mm256_sub_ps(b.load(x + j), vmax)));
      b.store(y + j, e);
      sum = add_wide(sum, e);
    });
    const __m256 inv = set1(static_cast<float>(1.0 / hsum(sum)));
    for_blocks(cols, [&](size_t j, auto b) { b.store(y + j, _mm256_mul_ps(b.load(y + j), inv)); });
  }
}
// dx = s * (dy - sum_j dy_j s_j)
void softmax_bwd(float* dx, const float* x, const float* dy, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r, x += cols, dy += cols, dx += cols) {
    const __m256 vmax = row_max(x, cols);
    __m256d sum = _mm256_setzero_pd(), dot = _mm256_setzero_pd();
    for_blocks(cols, [&](size_t j, auto b) {
      const __m256 e = b.keep(exp_ps(_mm256_sub_ps(b.load(x + j), vmax)));
      sum = add_wide(sum, e);
      dot = add_wide(dot, _mm256_mul_ps(b.load(dy + j), e));
    });
    const double total = hsum(sum);
    const __m256 inv = set1(static_cast<float>(1.0 / total));
    const __m256d vdot = _mm256_set1_pd(hsum(dot) / total);
    for_blocks(cols, [&](size_t j, auto b) {
      const __m256 s = _mm256_mul_ps(exp_ps(_mm256_sub_ps(b.load(x + j), vmax)), inv);
      b.store(dx + j, in_double(s, b.load(dy + j), [&](__m256d sv, __m256d d) {
        return _mm256_mul_pd(sv, _mm256_sub_pd(d, vdot));
      }));
    });
  }
}
// y = (x - max) - log(sum_j e_j)
void log_softmax_fwd(float* y, const float* x, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r, x += cols, y += cols) {
    const __m256 vmax = row_max(x, cols);
    __m256d sum = _mm256_setzero_pd();
    for_blocks(cols, [&](size_t j, auto b) { sum = add_wide(sum, b.keep(exp_ps(_mm256_sub_ps(b.load(x + j), vmax)))); });
    const __m256 log_sum = set1(static_cast<float>(std::log(hsum(sum))));
    for_blocks(cols, [&](size_t j, auto b) { b.store(y + j, _mm256_sub_ps(_mm256_sub_ps(b.load(x + j), vmax), log_sum)); });
  }
}
// dx = dy - s * sum_j dy_j
void log_softmax_bwd(float* dx, const float* x, const float* dy, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r, x += cols, dy += cols, dx += cols) {
    const __m256 vmax = row_max(x, cols);
    __m256d sum = _mm256_setzero_pd(), sum_dy = _mm256_setzero_pd();
    for_blocks(cols, [&](size_t j, auto b) {
      sum = add_wide(sum, b.keep(exp_ps(_mm256_sub_ps(b.load(x + j), vmax))));
      sum_dy = add_wide(sum_dy, b.load(dy + j));
    });
    const __m256d c = _mm256_set1_pd(hsum(sum_dy) / hsum(sum));
    for_blocks(cols, [&](size_t j, auto b) {
      const __m256 e = exp_ps(_mm256_sub_ps(b.load(x + j), vmax));
      b.store(dx + j, in_double(e, b.load(dy + j), [&](__m256d ev, __m256d d) { return _mm256_fnmadd_pd(ev, c, d); }));
    });
  }
}

}  // namespace

bool fill_avx2_kernels(KernelTable& table) {
  table.isa = "avx2";
  DENDRITE_ACTIVATIONS(DENDRITE_FILL_ACTIVATION)
  table.softmax_fwd = softmax_fwd;
  table.softmax_bwd = softmax_bwd;
  table.log_softmax_fwd = log_softmax_fwd;
  table.log_softmax_bwd = log_softmax_bwd;
  return true;
}

}  // namespace dendrite

#else  // no AVX2/FMA in this translation unit

namespace dendrite {
bool fill_avx2_kernels(KernelTable&) { return false; }
}  // namespace dendrite

#endif
