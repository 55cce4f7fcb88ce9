// Losses with mean reduction. One implementation for every variant: they are
// reductions over small outputs, accumulated in double for stability.
#include <cmath>

#include "dendrite/kernels.h"

namespace dendrite {

double mse_f32(float* grad, const float* pred, const float* target, size_t n) {
  double sum = 0.0;
  const double scale = 2.0 / static_cast<double>(n);
  for (size_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(pred[i]) - target[i];
    sum += d * d;
    if (grad) grad[i] = static_cast<float>(scale * d);
  }
  return sum / static_cast<double>(n);
}

// Per row: q = (1-eps)*onehot(target) + eps/C; loss = -sum_c q_c log_softmax(z)_c;
// grad = (softmax(z) - q) / rows.
double softmax_cross_entropy_f32(float* grad, const float* logits, const int32_t* targets,
                                 size_t rows, size_t cols, float label_smoothing) {
  const double eps = label_smoothing;
  const double off = eps / static_cast<double>(cols);
  const double inv_rows = 1.0 / static_cast<double>(rows);
  double total = 0.0;
  for (size_t r = 0; r < rows; ++r) {
    const float* z = logits + r * cols;
    double m = -INFINITY;
    for (size_t j = 0; j < cols; ++j) m = std::fmax(m, z[j]);
    double sum = 0.0, sum_z = 0.0;
    for (size_t j = 0; j < cols; ++j) {
      sum += std::exp(z[j] - m);
      sum_z += z[j] - m;
    }
    const double log_sum = std::log(sum);  // lse - m
    const size_t y = static_cast<size_t>(targets[r]);
    const double logp_y = (z[y] - m) - log_sum;
    const double sum_logp = sum_z - static_cast<double>(cols) * log_sum;
    // The smoothing term only where there is smoothing: 0 * (-inf) would make a -inf logit
    // NaN, where torch gives the plain cross-entropy.
    total += -((1.0 - eps) * logp_y + (off != 0.0 ? off * sum_logp : 0.0));
    if (grad) {
      float* g = grad + r * cols;
      for (size_t j = 0; j < cols; ++j) {
        const double q = off + (j == y ? 1.0 - eps : 0.0);
        g[j] = static_cast<float>((std::exp((z[j] - m) - log_sum) - q) * inv_rows);
      }
    }
  }
  return total * inv_rows;
}

double bce_with_logits_f32(float* grad, const float* logits, const float* targets, size_t n) {
  const double inv_n = 1.0 / static_cast<double>(n);
  double total = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double z = logits[i], y = targets[i];
    total += std::fmax(z, 0.0) - z * y + std::log1p(std::exp(-std::fabs(z)));
    if (grad) {
      const double s = z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z));
      grad[i] = static_cast<float>((s - y) * inv_n);
    }
  }
  return total * inv_n;
}

}  // namespace dendrite
