// host_ops(): the CUDA backend's ops run on the CPU over the same device math
// (device_math.h) as the kernels, element for element. The loops mirror the
// kernels: per-element terms in float, per-row stats in float, loss totals in
// double, the optimizer update of every tensor, the GEMM's float accumulation
// (TF32 rounding of A and B when that precision is selected) and its epilogue.
// Only reduction order differs from the GPU. Compiled by g++ into every build,
// so test/cuda/device-math.test.ts checks the CUDA numerics without a GPU.
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "cuda_api.h"
#include "device_math.h"

namespace dendrite {
namespace cuda {
namespace {

bool g_tf32 = false;

template <class Op>
void fwd_loop(float* y, const float* x, size_t n, const ActParams& p) {
  for (size_t i = 0; i < n; ++i) y[i] = Op::f(x[i], p);
}
template <class Op>
void bwd_loop(float* dx, const float* x, const float* dy, size_t n, const ActParams& p) {
  for (size_t i = 0; i < n; ++i) dx[i] = dy[i] * Op::df(x[i], p);
}

Status act_fwd(int act, float* y, const float* x, size_t n, const ActParams& p) {
  switch (act) {
#define DENDRITE_HOST_FWD(name, Op) \
  case static_cast<int>(Act::name): fwd_loop<dm::Op>(y, x, n, p); return {};
    DENDRITE_ACTIVATIONS(DENDRITE_HOST_FWD)
#undef DENDRITE_HOST_FWD
  }
  return "unknown activation id";
}

Status act_bwd(int act, float* dx, const float* x, const float* dy, size_t n, const ActParams& p) {
  switch (act) {
#define DENDRITE_HOST_BWD(name, Op) \
  case static_cast<int>(Act::name): bwd_loop<dm::Op>(dx, x, dy, n, p); return {};
    DENDRITE_ACTIVATIONS(DENDRITE_HOST_BWD)
#undef DENDRITE_HOST_BWD
  }
  return "unknown activation id";
}

struct RowStats {
  float max, log_sum;
};
RowStats row_stats(const float* x, size_t cols) {
  float m = -INFINITY;
  for (size_t j = 0; j < cols; ++j) m = dm::max_nan(m, x[j]);
  float sum = 0.0f;
  for (size_t j = 0; j < cols; ++j) sum += dm::softmax_exp_term(x[j], m);
  return {m, logf(sum)};
}

Status softmax_fwd(float* y, const float* x, size_t rows, size_t cols, bool log) {
  std::vector<float> row(cols);
  for (size_t r = 0; r < rows; ++r, x += cols, y += cols) {
    std::memcpy(row.data(), x, cols * sizeof(float));  // y may alias x
    const RowStats st = row_stats(row.data(), cols);
    for (size_t j = 0; j < cols; ++j)
      y[j] = log ? dm::log_softmax_value(row[j], st.max, st.log_sum) : dm::softmax_value(row[j], st.max, st.log_sum);
  }
  return {};
}

Status softmax_bwd(float* dx, const float* x, const float* dy, size_t rows, size_t cols, bool log) {
  std::vector<float> xr(cols), dyr(cols);
  for (size_t r = 0; r < rows; ++r, x += cols, dy += cols, dx += cols) {
    std::memcpy(xr.data(), x, cols * sizeof(float));
    std::memcpy(dyr.data(), dy, cols * sizeof(float));
    const RowStats st = row_stats(xr.data(), cols);
    float acc = 0.0f;  // dot(dy, s) for softmax, sum(dy) for log-softmax
    for (size_t j = 0; j < cols; ++j) acc += log ? dyr[j] : dyr[j] * dm::softmax_value(xr[j], st.max, st.log_sum);
    for (size_t j = 0; j < cols; ++j) {
      const float s = dm::softmax_value(xr[j], st.max, st.log_sum);
      dx[j] = log ? dm::log_softmax_grad(s, dyr[j], acc) : dm::softmax_grad(s, dyr[j], acc);
    }
  }
  return {};
}

Status mse(double* loss, float* grad, const float* pred, const float* target, size_t n) {
  const float scale = static_cast<float>(2.0 / static_cast<double>(n));
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) sum += dm::mse_term(pred[i], target[i], scale, grad ? grad + i : nullptr);
  *loss = sum / static_cast<double>(n);
  return {};
}

Status bce(double* loss, float* grad, const float* logits, const float* targets, size_t n) {
  const float inv_n = static_cast<float>(1.0 / static_cast<double>(n));
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) sum += dm::bce_term(logits[i], targets[i], inv_n, grad ? grad + i : nullptr);
  *loss = sum / static_cast<double>(n);
  return {};
}

Status softmax_ce(double* loss, float* grad, const float* logits, const int32_t* targets, size_t rows, size_t cols,
                  float eps) {
  const float inv_rows = static_cast<float>(1.0 / static_cast<double>(rows));
  double total = 0.0;
  std::vector<float> z(cols);
  for (size_t r = 0; r < rows; ++r) {
    std::memcpy(z.data(), logits + r * cols, cols * sizeof(float));  // grad may alias logits
    const RowStats st = row_stats(z.data(), cols);
    float sum_shifted = 0.0f;
    for (size_t j = 0; j < cols; ++j) sum_shifted += z[j] - st.max;
    const size_t y = static_cast<size_t>(targets[r]);
    total += dm::ce_row_loss(st.max, st.log_sum, z[y], sum_shifted, cols, eps);
    if (grad)
      for (size_t j = 0; j < cols; ++j) grad[r * cols + j] = dm::ce_grad(z[j], st.max, st.log_sum, j == y, cols, eps, inv_rows);
  }
  *loss = total / static_cast<double>(rows);
  return {};
}

template <int Kind>
void optim_tensors(const OptimTensor* ts, const size_t* lengths, size_t count, const dm::OptimCoef& o) {
  for (size_t t = 0; t < count; ++t)
    for (size_t i = 0; i < lengths[t]; ++i) dm::optim_update<Kind>(ts[t], i, o);
}

Status optim_step(int kind, float* const* params, float* const* grads, const size_t* lengths, size_t count, float* state,
                  size_t slots, const double* coeffs) {
  if (kind < 0 || kind >= kOptimCount) return "unknown optimizer id";
  size_t total = 0;
  for (size_t t = 0; t < count; ++t) total += lengths[t];
  std::vector<OptimTensor> ts(count);
  for (size_t t = 0, offset = 0; t < count; offset += lengths[t], ++t) {
    ts[t].param = params[t];
    ts[t].grad = grads[t];
    for (size_t s = 0; s < static_cast<size_t>(kMaxOptimSlots); ++s)
      ts[t].slot[s] = s < slots ? state + s * total + offset : nullptr;
  }
  const dm::OptimCoef o = dm::optim_coef(static_cast<Optim>(kind), coeffs);
  switch (static_cast<Optim>(kind)) {
#define DENDRITE_HOST_OPTIM(name) \
  case Optim::name: optim_tensors<static_cast<int>(Optim::name)>(ts.data(), lengths, count, o); break;
    DENDRITE_OPTIMIZERS(DENDRITE_HOST_OPTIM)
#undef DENDRITE_HOST_OPTIM
  }
  return {};
}

Status clip_norm(double* norm, float* const* grads, const size_t* lengths, size_t count, float max_norm) {
  double sum = 0.0;
  for (size_t t = 0; t < count; ++t)
    for (size_t i = 0; i < lengths[t]; ++i) sum += static_cast<double>(grads[t][i]) * grads[t][i];
  *norm = std::sqrt(sum);
  const double coef = static_cast<double>(max_norm) / (*norm + 1e-6);
  if (coef < 1.0) {
    const float s = static_cast<float>(coef);
    for (size_t t = 0; t < count; ++t)
      for (size_t i = 0; i < lengths[t]; ++i) grads[t][i] *= s;
  }
  return {};
}

Status clip_value(float* const* grads, const size_t* lengths, size_t count, float value) {
  for (size_t t = 0; t < count; ++t)
    for (size_t i = 0; i < lengths[t]; ++i) grads[t][i] = dm::clamp_value(grads[t][i], -value, value);
  return {};
}

// The kernels' arithmetic: float accumulation over k in order (the GPU splits k
// into tiles but also sums in order within a thread), then the epilogue.
Status gemm(const GemmCall& g) {
  const bool skip_ab = g.k == 0 || g.alpha == 0.0f;  // A and B are not read
  for (size_t i = 0; i < g.m; ++i)
    for (size_t j = 0; j < g.n; ++j) {
      float acc = 0.0f;
      if (!skip_ab)
        for (size_t p = 0; p < g.k; ++p) {
          float a = g.trans_a ? g.a[p * g.lda + i] : g.a[i * g.lda + p];
          float b = g.trans_b ? g.b[j * g.ldb + p] : g.b[p * g.ldb + j];
          if (g_tf32) {
            a = dm::to_tf32(a);
            b = dm::to_tf32(b);
          }
          acc += a * b;
        }
      float& c = g.c[i * g.ldc + j];
      float v = dm::gemm_combine(acc, skip_ab ? 0.0f : g.alpha, g.beta, c);
      if (g.bias) v += g.bias[j];
      c = v;
      if (g.act >= 0) g.act_out[i * g.ldo + j] = dm::act_f(g.act, v, g.act_params);
    }
  return {};
}

Status configure(const char* key, const char* value) {
  if (std::strcmp(key, "matmulPrecision") == 0) {
    if (std::strcmp(value, "fp32") == 0) g_tf32 = false;
    else if (std::strcmp(value, "tf32") == 0) g_tf32 = true;
    else return std::string("unknown matmul precision '") + value + "'";
    return {};
  }
  if (std::strcmp(key, "gemm") == 0) {
    if (std::strcmp(value, "auto") == 0 || std::strcmp(value, "own") == 0) return {};
    return std::string("the host emulation has no GEMM implementation '") + value + "'";
  }
  return std::string("unknown setting '") + key + "'";
}

std::string gemm_impl() { return g_tf32 ? "own-tf32" : "own-fp32"; }

}  // namespace

const Ops& host_ops() {
  static const Ops ops = {"host", act_fwd, act_bwd, softmax_fwd, softmax_bwd, mse, softmax_ce, bce,
                          optim_step, clip_norm, clip_value, gemm, configure, gemm_impl};
  return ops;
}

}  // namespace cuda
}  // namespace dendrite
