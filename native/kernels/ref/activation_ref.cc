// Scalar reference activations: the oracle for every other variant and the
// portable fallback. Each op evaluates its math in double and rounds once,
// so results are (nearly) correctly rounded float32. Semantics follow
// PyTorch 1.13, including the derivative at kinks (see test/fixtures/golden).
#include <cmath>

#include "dendrite/kernels.h"

namespace dendrite {

const char* const kActNames[kActCount] = {
#define DENDRITE_NAME_ENTRY(name, Op) #name,
    DENDRITE_ACTIVATIONS(DENDRITE_NAME_ENTRY)
#undef DENDRITE_NAME_ENTRY
};

namespace {

constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSqrt1_2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kGeluTanhK = 0.79788456080286535588;  // sqrt(2/pi)
constexpr double kGeluTanhC = 0.044715;

double sigmoid(double x) {
  // Two branches so that exp never overflows.
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}
// log(1 + e^z) without overflow.
double softplus_unbounded(double z) { return std::fmax(z, 0.0) + std::log1p(std::exp(-std::fabs(z))); }
// Phi(x), the standard normal CDF, via erfc so the left tail keeps its precision.
double normal_cdf(double x) { return 0.5 * std::erfc(-x * kSqrt1_2); }

// One forward/backward pair per op. NaN inputs give NaN outputs: every
// piecewise op tests its branches so that NaN falls through to an arithmetic path.
struct Sigmoid {
  static double f(double x, const ActParams&) { return sigmoid(x); }
  static double df(double x, const ActParams&) { const double s = sigmoid(x); return s * (1.0 - s); }
};
struct Tanh {
  static double f(double x, const ActParams&) { return std::tanh(x); }
  static double df(double x, const ActParams&) { const double t = std::tanh(x); return 1.0 - t * t; }
};
struct Relu {
  static double f(double x, const ActParams&) { return x <= 0 ? 0.0 : x; }
  static double df(double x, const ActParams&) { return x > 0 ? 1.0 : 0.0; }  // relu'(0) = 0
};
struct LeakyRelu {
  static double f(double x, const ActParams& p) { return x > 0 ? x : p.alpha * x; }
  static double df(double x, const ActParams& p) { return x > 0 ? 1.0 : p.alpha; }
};
struct Swish {
  static double f(double x, const ActParams&) { return x * sigmoid(x); }
  static double df(double x, const ActParams&) { const double s = sigmoid(x); return s * (1.0 + x * (1.0 - s)); }
};
struct Gelu {
  static double f(double x, const ActParams&) { return x * normal_cdf(x); }
  static double df(double x, const ActParams&) {
    return normal_cdf(x) + x * kInvSqrt2Pi * std::exp(-0.5 * x * x);
  }
};
struct GeluTanh {
  static double f(double x, const ActParams&) {
    return 0.5 * x * (1.0 + std::tanh(kGeluTanhK * (x + kGeluTanhC * x * x * x)));
  }
  static double df(double x, const ActParams&) {
    const double t = std::tanh(kGeluTanhK * (x + kGeluTanhC * x * x * x));
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * kGeluTanhK * (1.0 + 3.0 * kGeluTanhC * x * x);
  }
};
struct Elu {
  static double f(double x, const ActParams& p) { return x > 0 ? x : p.alpha * std::expm1(x); }
  static double df(double x, const ActParams& p) { return x > 0 ? 1.0 : p.alpha * std::exp(x); }  // elu'(0) = alpha
};
struct Selu {
  static double f(double x, const ActParams&) { return kSeluScale * (x > 0 ? x : kSeluAlpha * std::expm1(x)); }
  static double df(double x, const ActParams&) { return x > 0 ? kSeluScale : kSeluScale * kSeluAlpha * std::exp(x); }
};
struct Softplus {
  // Linear only where beta*x > threshold (strict), as torch.
  static double f(double x, const ActParams& p) {
    const double z = p.beta * x;
    return z > p.threshold ? x : softplus_unbounded(z) / p.beta;
  }
  static double df(double x, const ActParams& p) {
    const double z = p.beta * x;
    return z > p.threshold ? 1.0 : sigmoid(z);
  }
};
struct Mish {
  static double f(double x, const ActParams&) { return x * std::tanh(softplus_unbounded(x)); }
  static double df(double x, const ActParams&) {
    const double t = std::tanh(softplus_unbounded(x));
    return t + x * sigmoid(x) * (1.0 - t * t);
  }
};
struct HardSigmoid {
  static double f(double x, const ActParams&) { return x <= -3 ? 0.0 : x >= 3 ? 1.0 : x / 6.0 + 0.5; }
  static double df(double x, const ActParams&) { return (x > -3 && x < 3) ? 1.0 / 6.0 : 0.0; }  // open interval
};
struct HardSwish {
  static double f(double x, const ActParams&) { return x <= -3 ? 0.0 : x >= 3 ? x : x * (x + 3.0) / 6.0; }
  // 0 below -3, x/3 + 1/2 on [-3, 3), 1 from 3 on: hardswish'(-3) = -0.5, hardswish'(3) = 1.
  static double df(double x, const ActParams&) { return x < -3 ? 0.0 : x < 3 ? x / 3.0 + 0.5 : 1.0; }
};
struct Relu6 {
  static double f(double x, const ActParams&) { return x <= 0 ? 0.0 : x >= 6 ? 6.0 : x; }
  static double df(double x, const ActParams&) { return (x > 0 && x < 6) ? 1.0 : 0.0; }  // 0 at both kinks
};
struct Linear {
  static double f(double x, const ActParams&) { return x; }
  static double df(double, const ActParams&) { return 1.0; }
};

template <class Op>
void act_fwd(float* y, const float* x, size_t n, const ActParams& p) {
  for (size_t i = 0; i < n; ++i) y[i] = static_cast<float>(Op::f(x[i], p));
}
template <class Op>
void act_bwd(float* dx, const float* x, const float* dy, size_t n, const ActParams& p) {
  for (size_t i = 0; i < n; ++i) dx[i] = static_cast<float>(static_cast<double>(dy[i]) * Op::df(x[i], p));
}

// Row max m and log(sum_j exp(x_j - m)): softmax = exp(x - m - log_sum). Shifting by
// m first keeps it exact even when m itself is huge (x - lse would round to 0 at 1e20).
struct RowStats {
  double max, log_sum;
  double log_softmax(float x) const { return (x - max) - log_sum; }
};
RowStats row_stats(const float* x, size_t cols) {
  double m = -INFINITY;
  for (size_t j = 0; j < cols; ++j) m = std::fmax(m, x[j]);
  for (size_t j = 0; j < cols; ++j)
    if (std::isnan(x[j])) m = NAN;  // NaN anywhere in the row poisons the whole row
  double sum = 0.0;
  for (size_t j = 0; j < cols; ++j) sum += std::exp(x[j] - m);
  return {m, std::log(sum)};
}

void softmax_fwd(float* y, const float* x, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r, x += cols, y += cols) {
    const RowStats st = row_stats(x, cols);
    for (size_t j = 0; j < cols; ++j) y[j] = static_cast<float>(std::exp(st.log_softmax(x[j])));
  }
}
// dx = s * (dy - sum_j dy_j s_j)
void softmax_bwd(float* dx, const float* x, const float* dy, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r, x += cols, dy += cols, dx += cols) {
    const RowStats st = row_stats(x, cols);
    double dot = 0.0;
    for (size_t j = 0; j < cols; ++j) dot += dy[j] * std::exp(st.log_softmax(x[j]));
    for (size_t j = 0; j < cols; ++j) dx[j] = static_cast<float>(std::exp(st.log_softmax(x[j])) * (dy[j] - dot));
  }
}
void log_softmax_fwd(float* y, const float* x, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r, x += cols, y += cols) {
    const RowStats st = row_stats(x, cols);
    for (size_t j = 0; j < cols; ++j) y[j] = static_cast<float>(st.log_softmax(x[j]));
  }
}
// dx = dy - s * sum_j dy_j
void log_softmax_bwd(float* dx, const float* x, const float* dy, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r, x += cols, dy += cols, dx += cols) {
    const RowStats st = row_stats(x, cols);
    double sum = 0.0;
    for (size_t j = 0; j < cols; ++j) sum += dy[j];
    for (size_t j = 0; j < cols; ++j) dx[j] = static_cast<float>(dy[j] - std::exp(st.log_softmax(x[j])) * sum);
  }
}

}  // namespace

void fill_reference_activations(KernelTable& table) {
  DENDRITE_ACTIVATIONS(DENDRITE_FILL_ACTIVATION)
  table.softmax_fwd = softmax_fwd;
  table.softmax_bwd = softmax_bwd;
  table.log_softmax_fwd = log_softmax_fwd;
  table.log_softmax_bwd = log_softmax_bwd;
}

}  // namespace dendrite
