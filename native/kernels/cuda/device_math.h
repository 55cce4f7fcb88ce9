// The CUDA backend's per-element math, written once as __host__ __device__
// functions: nvcc compiles them into the kernels of native/kernels/cuda/*.cu, and
// g++ compiles the same header into the CPU addon (device_math_host.cc), where
// test/cuda/device-math.test.ts runs every golden case through it. So the
// numerics of the GPU path are checked on every machine, GPU or not.
//
// Semantics are those of the scalar reference (native/kernels/ref/*.cc, PyTorch
// 1.13: kinks, NaN propagation), computed in float. Where the textbook float
// formula loses precision, a mathematically equal form is used instead:
//   * sigmoid'(x) = s(x) s(-x), and 1 - tanh(x)^2 = 4e / (1 + e)^2 with e = exp(-2|x|):
//     no cancellation in 1 - s or 1 - t^2 for large |x|;
//   * gelu_tanh: 0.5 (1 + tanh(u)) = sigmoid(2u), so the left tail keeps its precision;
//   * gelu: Phi(x) = erfc(-x / sqrt 2) / 2 (as the reference);
//   * mish': 1 - tanh(softplus(x))^2 = 4e / (1 + e)^2 with e = 1 / (1 + exp(x))^2;
//   * hard_sigmoid = (x + 3) / 6, hard_swish' = (2x + 3) / 6 (exact near the zero crossing).
// Reductions (loss totals) accumulate in double, as the reference does.
//
// No N-API, no CUDA headers: only <math.h> functions that exist on both sides
// (expf, expm1f, log1pf, logf, tanhf, erfcf, sqrtf, fabsf, fmaxf).
#ifndef DENDRITE_KERNELS_CUDA_DEVICE_MATH_H_
#define DENDRITE_KERNELS_CUDA_DEVICE_MATH_H_

#include <math.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "dendrite/kernels.h"

#if defined(__CUDACC__)
#define DENDRITE_HD __host__ __device__ __forceinline__
#else
#define DENDRITE_HD inline
#endif

namespace dendrite {
namespace dm {

// ---------------------------------------------------------------------------
// Scalar helpers

// sigma(x) and sigma(-x), both without cancellation or overflow.
struct SigmoidPair {
  float pos, neg;
};
DENDRITE_HD SigmoidPair sigmoid_pair(float x) {
  const float e = expf(-fabsf(x));
  const float big = 1.0f / (1.0f + e), small = e * big;
  return x >= 0.0f ? SigmoidPair{big, small} : SigmoidPair{small, big};  // NaN: both NaN
}
DENDRITE_HD float sigmoid(float x) { return sigmoid_pair(x).pos; }
// log(1 + e^z) without overflow (fmaxf(NaN, 0) is 0, but log1pf(expf(NaN)) keeps the NaN).
DENDRITE_HD float softplus_unbounded(float z) { return fmaxf(z, 0.0f) + log1pf(expf(-fabsf(z))); }
// 1 - tanh(x)^2 without cancellation.
DENDRITE_HD float tanh_grad(float x) {
  const float e = expf(-2.0f * fabsf(x));
  return 4.0f * e / ((1.0f + e) * (1.0f + e));
}
// max that keeps NaN from either side (torch.maximum, the reference's max_nan).
DENDRITE_HD float max_nan(float a, float b) { return (a > b || a != a) ? a : b; }

constexpr float kSeluScale = 1.0507009873554804934193349852946f;
constexpr float kSeluAlpha = 1.6732632423543772848170429916717f;
constexpr float kSeluScaleAlpha = 1.7580993408473768599402175208123f;
constexpr float kSqrt1_2 = 0.70710678118654752440f;
constexpr float kInvSqrt2Pi = 0.39894228040143267794f;
constexpr float kGeluTanhK = 0.79788456080286535588f;  // sqrt(2/pi)
constexpr float kGeluTanhC = 0.044715f;

// ---------------------------------------------------------------------------
// Activations: one struct per DENDRITE_ACTIVATIONS entry (same names), f and df.

struct Sigmoid {
  static DENDRITE_HD float f(float x, const ActParams&) { return sigmoid(x); }
  static DENDRITE_HD float df(float x, const ActParams&) {
    const SigmoidPair s = sigmoid_pair(x);
    return s.pos * s.neg;
  }
};
struct Tanh {
  static DENDRITE_HD float f(float x, const ActParams&) { return tanhf(x); }
  static DENDRITE_HD float df(float x, const ActParams&) { return tanh_grad(x); }
};
struct Relu {
  static DENDRITE_HD float f(float x, const ActParams&) { return x <= 0.0f ? 0.0f : x; }
  static DENDRITE_HD float df(float x, const ActParams&) { return x > 0.0f ? 1.0f : 0.0f; }  // relu'(0) = 0
};
struct LeakyRelu {
  static DENDRITE_HD float f(float x, const ActParams& p) { return x > 0.0f ? x : p.alpha * x; }
  static DENDRITE_HD float df(float x, const ActParams& p) { return x > 0.0f ? 1.0f : p.alpha; }
};
struct Swish {
  static DENDRITE_HD float f(float x, const ActParams&) { return x * sigmoid(x); }
  static DENDRITE_HD float df(float x, const ActParams&) {
    const SigmoidPair s = sigmoid_pair(x);
    return s.pos * (1.0f + x * s.neg);
  }
};
struct Gelu {
  static DENDRITE_HD float cdf(float x) { return 0.5f * erfcf(-x * kSqrt1_2); }
  static DENDRITE_HD float f(float x, const ActParams&) { return x * cdf(x); }
  static DENDRITE_HD float df(float x, const ActParams&) { return cdf(x) + x * kInvSqrt2Pi * expf(-0.5f * x * x); }
};
struct GeluTanh {
  // 0.5 (1 + tanh(u)) = sigmoid(2u); x (1 + c x^2) has no cancellation.
  static DENDRITE_HD SigmoidPair half_one_plus_tanh(float x) {
    return sigmoid_pair(2.0f * kGeluTanhK * x * (1.0f + kGeluTanhC * x * x));
  }
  static DENDRITE_HD float f(float x, const ActParams&) { return x * half_one_plus_tanh(x).pos; }
  static DENDRITE_HD float df(float x, const ActParams&) {
    const SigmoidPair s = half_one_plus_tanh(x);
    // 0.5 x (1 - t^2) k (1 + 3 c x^2) with 1 - t^2 = 4 s(2u) s(-2u); zero (not 0 * inf) in the saturated tails.
    const float tail = (s.pos == 0.0f || s.neg == 0.0f)
                           ? 0.0f * x
                           : 2.0f * x * s.pos * s.neg * kGeluTanhK * (1.0f + 3.0f * kGeluTanhC * x * x);
    return s.pos + tail;
  }
};
struct Elu {
  static DENDRITE_HD float f(float x, const ActParams& p) { return x > 0.0f ? x : p.alpha * expm1f(x); }
  static DENDRITE_HD float df(float x, const ActParams& p) { return x > 0.0f ? 1.0f : p.alpha * expf(x); }  // elu'(0) = alpha
};
struct Selu {
  static DENDRITE_HD float f(float x, const ActParams&) { return x > 0.0f ? kSeluScale * x : kSeluScaleAlpha * expm1f(x); }
  static DENDRITE_HD float df(float x, const ActParams&) { return x > 0.0f ? kSeluScale : kSeluScaleAlpha * expf(x); }
};
struct Softplus {
  // Linear only where beta*x > threshold (strict), as torch.
  static DENDRITE_HD float f(float x, const ActParams& p) {
    const float z = p.beta * x;
    return z > p.threshold ? x : softplus_unbounded(z) / p.beta;
  }
  static DENDRITE_HD float df(float x, const ActParams& p) {
    const float z = p.beta * x;
    return z > p.threshold ? 1.0f : sigmoid(z);
  }
};
struct Mish {
  static DENDRITE_HD float f(float x, const ActParams&) { return x * tanhf(softplus_unbounded(x)); }
  static DENDRITE_HD float df(float x, const ActParams&) {
    const float t = tanhf(softplus_unbounded(x));
    // 1 - t^2 = 4e / (1 + e)^2 with e = exp(-2 softplus(x)) = 1 / (1 + e^x)^2 (0 once e^x overflows).
    const float q = 1.0f + expf(x);
    const float e = 1.0f / (q * q);
    const float one_minus_t2 = 4.0f * e / ((1.0f + e) * (1.0f + e));
    return t + x * sigmoid(x) * one_minus_t2;
  }
};
struct HardSigmoid {
  static DENDRITE_HD float f(float x, const ActParams&) { return x <= -3.0f ? 0.0f : x >= 3.0f ? 1.0f : (x + 3.0f) / 6.0f; }
  static DENDRITE_HD float df(float x, const ActParams&) { return (x > -3.0f && x < 3.0f) ? 1.0f / 6.0f : 0.0f; }
};
struct HardSwish {
  static DENDRITE_HD float f(float x, const ActParams&) { return x <= -3.0f ? 0.0f : x >= 3.0f ? x : x * (x + 3.0f) / 6.0f; }
  // 0 below -3, x/3 + 1/2 on [-3, 3), 1 from 3 on.
  static DENDRITE_HD float df(float x, const ActParams&) {
    return x < -3.0f ? 0.0f : x < 3.0f ? (2.0f * x + 3.0f) / 6.0f : 1.0f;
  }
};
struct Relu6 {
  static DENDRITE_HD float f(float x, const ActParams&) { return x <= 0.0f ? 0.0f : x >= 6.0f ? 6.0f : x; }
  static DENDRITE_HD float df(float x, const ActParams&) { return (x > 0.0f && x < 6.0f) ? 1.0f : 0.0f; }
};
struct Linear {
  static DENDRITE_HD float f(float x, const ActParams&) { return x; }
  static DENDRITE_HD float df(float, const ActParams&) { return 1.0f; }
};

// f and df by kernel id (Act order); used where the id is a run-time value (GEMM epilogue).
DENDRITE_HD float act_f(int id, float x, const ActParams& p) {
  switch (id) {
#define DENDRITE_DM_F_CASE(name, Op) \
  case static_cast<int>(Act::name): return Op::f(x, p);
    DENDRITE_ACTIVATIONS(DENDRITE_DM_F_CASE)
#undef DENDRITE_DM_F_CASE
    default: return x;
  }
}
DENDRITE_HD float act_df(int id, float x, const ActParams& p) {
  switch (id) {
#define DENDRITE_DM_DF_CASE(name, Op) \
  case static_cast<int>(Act::name): return Op::df(x, p);
    DENDRITE_ACTIVATIONS(DENDRITE_DM_DF_CASE)
#undef DENDRITE_DM_DF_CASE
    default: return 1.0f;
  }
}

// ---------------------------------------------------------------------------
// Softmax rows. A row is reduced to its max m (NaN anywhere poisons the row, as
// the reference) and log_sum = log(sum_j exp(x_j - m)); shifting by m first keeps
// huge rows exact. Reductions combine partials with max_nan and +.

DENDRITE_HD float softmax_exp_term(float x, float m) { return expf(x - m); }
DENDRITE_HD float log_softmax_value(float x, float m, float log_sum) { return (x - m) - log_sum; }
DENDRITE_HD float softmax_value(float x, float m, float log_sum) { return expf(log_softmax_value(x, m, log_sum)); }
// dx = s * (dy - sum_j dy_j s_j): `dot` is that sum.
DENDRITE_HD float softmax_grad(float s, float dy, float dot) { return s * (dy - dot); }
// dx = dy - s * sum_j dy_j: `sum_dy` is that sum.
DENDRITE_HD float log_softmax_grad(float s, float dy, float sum_dy) { return dy - s * sum_dy; }

// ---------------------------------------------------------------------------
// Losses (mean reduction): per-element terms; totals accumulate in double.

// mse: returns (p - t)^2 and writes 2 (p - t) / n (scale = 2 / n) into *grad when given.
DENDRITE_HD float mse_term(float p, float t, float scale, float* grad) {
  const float d = p - t;
  if (grad) *grad = scale * d;
  return d * d;
}
// bce with logits: max(z,0) - z y + log1p(exp(-|z|)); grad (sigmoid(z) - y) / n.
DENDRITE_HD float bce_term(float z, float y, float inv_n, float* grad) {
  if (grad) *grad = (sigmoid(z) - y) * inv_n;
  return fmaxf(z, 0.0f) - z * y + log1pf(expf(-fabsf(z)));
}
// Cross-entropy of one row from its stats: m (max), log_sum, the target's logit
// and sum_j (z_j - m); label smoothing eps spread over all cols classes.
DENDRITE_HD float ce_row_loss(float m, float log_sum, float z_target, float sum_shifted, size_t cols, float eps) {
  const float off = eps / static_cast<float>(cols);
  const float logp_y = (z_target - m) - log_sum;
  const float sum_logp = sum_shifted - static_cast<float>(cols) * log_sum;
  return -((1.0f - eps) * logp_y + (off != 0.0f ? off * sum_logp : 0.0f));  // no 0 * -inf without smoothing (torch)
}
// (softmax(z)_j - q_j) / rows, q = (1 - eps) onehot + eps / cols.
DENDRITE_HD float ce_grad(float z, float m, float log_sum, bool is_target, size_t cols, float eps, float inv_rows) {
  const float q = eps / static_cast<float>(cols) + (is_target ? 1.0f - eps : 0.0f);
  return (softmax_value(z, m, log_sum) - q) * inv_rows;
}

// ---------------------------------------------------------------------------
// Optimizers: the per-element updates of native/kernels/cpu/optim_kernels.inc in
// float, from coefficients converted once on the host (same double -> float
// conversions as the CPU kernels). Coefficient layouts (double c[]):
//   sgd      [lr, momentum, dampening, nesterov, weightDecay, firstStep]        slot 0 = momentum buffer
//   adagrad  [lr / (1 + (t-1) lrDecay), weightDecay, eps]                      slot 0 = sum of squares
//   adadelta [lr, rho, eps, weightDecay]                                       slots: square avg, acc delta
//   rmsprop  [lr, alpha, eps, weightDecay, momentum, centered]                 slots: sq avg, [momentum], [grad avg]
//   adam     [lr/bc1, 1/sqrt(bc2), beta1, beta2, eps, weightDecay, 1 - lr wd (AdamW), amsgrad]  slots: m, v, [vmax]
//   adamax   [lr/bc1, beta1, beta2, eps, weightDecay]                          slots: m, u
//   nadam    [lr (1-mu_t)/(1-prod_t), lr mu_{t+1}/(1-prod_{t+1}), beta1, beta2, 1/sqrt(bc2), eps, weightDecay]  slots: m, v
//   radam    [lr, 1/bc1, beta1, beta2, eps, weightDecay, rectified, r sqrt(bc2)]  slots: m, v

constexpr int kOptimCoefs = 10;
struct OptimCoef {
  float k[kOptimCoefs];
  int flags;  // bit 0..3: per-optimizer switches (see optim_coef)
};

enum : int { kFlagA = 1, kFlagB = 2, kFlagC = 4 };

// Host side: the float coefficients of one step (the CPU kernels' conversions).
inline OptimCoef optim_coef(Optim kind, const double* c) {
  OptimCoef o{};
  auto f = [](double v) { return static_cast<float>(v); };
  switch (kind) {
    case Optim::sgd:  // lr, mu, 1 - dampening, wd; A = nesterov, B = first step
      o.k[0] = f(c[0]); o.k[1] = f(c[1]); o.k[2] = f(1.0 - c[2]); o.k[3] = f(c[4]);
      o.flags = (c[3] != 0 ? kFlagA : 0) | (c[5] != 0 ? kFlagB : 0);
      break;
    case Optim::adagrad:  // clr, wd, eps
      o.k[0] = f(c[0]); o.k[1] = f(c[1]); o.k[2] = f(c[2]);
      break;
    case Optim::adadelta:  // lr, rho, eps, wd, 1 - rho
      o.k[0] = f(c[0]); o.k[1] = f(c[1]); o.k[2] = f(c[2]); o.k[3] = f(c[3]); o.k[4] = f(1.0 - c[1]);
      break;
    case Optim::rmsprop:  // lr, alpha, eps, wd, mu, 1 - alpha; A = centered, B = momentum
      o.k[0] = f(c[0]); o.k[1] = f(c[1]); o.k[2] = f(c[2]); o.k[3] = f(c[3]); o.k[4] = f(c[4]); o.k[5] = f(1.0 - c[1]);
      o.flags = (c[5] != 0 ? kFlagA : 0) | (c[4] != 0 ? kFlagB : 0);
      break;
    case Optim::adam:  // step, inv_bc2, b1, b2, eps, 1 - b1, 1 - b2, wd, decay; A = amsgrad
      o.k[0] = f(c[0]); o.k[1] = f(c[1]); o.k[2] = f(c[2]); o.k[3] = f(c[3]); o.k[4] = f(c[4]);
      o.k[5] = f(1.0 - c[2]); o.k[6] = f(1.0 - c[3]); o.k[7] = f(c[5]); o.k[8] = f(c[6]);
      o.flags = c[7] != 0 ? kFlagA : 0;
      break;
    case Optim::adamax:  // clr, b1, b2, eps, wd, 1 - b1
      o.k[0] = f(c[0]); o.k[1] = f(c[1]); o.k[2] = f(c[2]); o.k[3] = f(c[3]); o.k[4] = f(c[4]); o.k[5] = f(1.0 - c[1]);
      break;
    case Optim::nadam:  // cg, cm, b1, b2, inv_bc2, eps, wd, 1 - b1, 1 - b2
      o.k[0] = f(c[0]); o.k[1] = f(c[1]); o.k[2] = f(c[2]); o.k[3] = f(c[3]); o.k[4] = f(c[4]); o.k[5] = f(c[5]);
      o.k[6] = f(c[6]); o.k[7] = f(1.0 - c[2]); o.k[8] = f(1.0 - c[3]);
      break;
    case Optim::radam:  // lr, inv_bc1, b1, b2, eps, wd, rect, 1 - b1, 1 - b2; A = rectified
      o.k[0] = f(c[0]); o.k[1] = f(c[1]); o.k[2] = f(c[2]); o.k[3] = f(c[3]); o.k[4] = f(c[4]); o.k[5] = f(c[5]);
      o.k[6] = f(c[7]); o.k[7] = f(1.0 - c[2]); o.k[8] = f(1.0 - c[3]);
      o.flags = c[6] != 0 ? kFlagA : 0;
      break;
  }
  return o;
}

// Element i of tensor t. Kind is a template argument so every kernel is branch-free on it.
template <int Kind>
DENDRITE_HD void optim_update(const OptimTensor& t, size_t i, const OptimCoef& o) {
  const float* k = o.k;
  float& p = t.param[i];
  if (Kind == static_cast<int>(Optim::sgd)) {
    const float gi = t.grad[i] + k[3] * p;
    if (k[1] == 0.0f) {
      p -= k[0] * gi;
    } else {
      const float b = (o.flags & kFlagB) ? gi : k[1] * t.slot[0][i] + k[2] * gi;  // first step: buf = g
      t.slot[0][i] = b;
      p -= k[0] * ((o.flags & kFlagA) ? gi + k[1] * b : b);
    }
  } else if (Kind == static_cast<int>(Optim::adagrad)) {
    const float gi = t.grad[i] + k[1] * p;
    const float s = t.slot[0][i] + gi * gi;
    t.slot[0][i] = s;
    p -= k[0] * gi / (sqrtf(s) + k[2]);
  } else if (Kind == static_cast<int>(Optim::adadelta)) {
    const float gi = t.grad[i] + k[3] * p;
    const float v = k[1] * t.slot[0][i] + k[4] * gi * gi;
    t.slot[0][i] = v;
    const float delta = sqrtf(t.slot[1][i] + k[2]) / sqrtf(v + k[2]) * gi;
    t.slot[1][i] = k[1] * t.slot[1][i] + k[4] * delta * delta;
    p -= k[0] * delta;
  } else if (Kind == static_cast<int>(Optim::rmsprop)) {
    const bool centered = o.flags & kFlagA, momentum = o.flags & kFlagB;
    const float gi = t.grad[i] + k[3] * p;
    const float v = k[1] * t.slot[0][i] + k[5] * gi * gi;
    t.slot[0][i] = v;
    float den;
    if (centered) {
      float* gavg = t.slot[momentum ? 2 : 1];
      const float m = k[1] * gavg[i] + k[5] * gi;
      gavg[i] = m;
      den = sqrtf(v - m * m) + k[2];
    } else {
      den = sqrtf(v) + k[2];
    }
    if (momentum) {
      const float b = k[4] * t.slot[1][i] + gi / den;
      t.slot[1][i] = b;
      p -= k[0] * b;
    } else {
      p -= k[0] * gi / den;
    }
  } else if (Kind == static_cast<int>(Optim::adam)) {
    const float pi = p * k[8];
    const float gi = t.grad[i] + k[7] * pi;
    const float mi = k[2] * t.slot[0][i] + k[5] * gi;
    float vi = k[3] * t.slot[1][i] + k[6] * gi * gi;
    t.slot[0][i] = mi;
    t.slot[1][i] = vi;
    if (o.flags & kFlagA) {
      vi = max_nan(t.slot[2][i], vi);
      t.slot[2][i] = vi;
    }
    p = pi - k[0] * mi / (sqrtf(vi) * k[1] + k[4]);
  } else if (Kind == static_cast<int>(Optim::adamax)) {
    const float gi = t.grad[i] + k[4] * p;
    const float mi = k[1] * t.slot[0][i] + k[5] * gi;
    const float ui = max_nan(k[2] * t.slot[1][i], fabsf(gi) + k[3]);
    t.slot[0][i] = mi;
    t.slot[1][i] = ui;
    p -= k[0] * mi / ui;
  } else if (Kind == static_cast<int>(Optim::nadam)) {
    const float gi = t.grad[i] + k[6] * p;
    const float mi = k[2] * t.slot[0][i] + k[7] * gi;
    const float vi = k[3] * t.slot[1][i] + k[8] * gi * gi;
    t.slot[0][i] = mi;
    t.slot[1][i] = vi;
    const float den = sqrtf(vi) * k[4] + k[5];
    p -= (k[0] * gi + k[1] * mi) / den;
  } else if (Kind == static_cast<int>(Optim::radam)) {
    const float gi = t.grad[i] + k[5] * p;
    const float mi = k[2] * t.slot[0][i] + k[7] * gi;
    const float vi = k[3] * t.slot[1][i] + k[8] * gi * gi;
    t.slot[0][i] = mi;
    t.slot[1][i] = vi;
    const float mhat = mi * k[1];
    p -= (o.flags & kFlagA) ? k[0] * mhat * k[6] / (sqrtf(vi) + k[4]) : k[0] * mhat;
  }
}

// Gradient clipping: clamp keeps NaN (comparisons are false), as torch.clamp.
DENDRITE_HD float clamp_value(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }

// ---------------------------------------------------------------------------
// GEMM epilogue: C = alpha * acc + beta * C (beta 0: C is not read), then C += bias.
// The activation (act_f) of that value goes to actOut; C keeps the pre-activation.
DENDRITE_HD float gemm_combine(float acc, float alpha, float beta, float c_old) {
  return beta == 0.0f ? alpha * acc : alpha * acc + beta * c_old;
}

// Round to TF32 (10 explicit mantissa bits), to nearest with ties away from zero,
// as cvt.rna.tf32.f32: what the tensor cores see of each A and B element.
DENDRITE_HD float to_tf32(float x) {
#if defined(__CUDA_ARCH__)
  unsigned int u = __float_as_uint(x);
#else
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
#endif
  if ((u & 0x7f800000u) != 0x7f800000u) u = (u + 0x1000u) & 0xffffe000u;  // finite: round; inf/NaN untouched
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float r;
  std::memcpy(&r, &u, sizeof r);
  return r;
#endif
}

}  // namespace dm
}  // namespace dendrite

#endif  // DENDRITE_KERNELS_CUDA_DEVICE_MATH_H_
