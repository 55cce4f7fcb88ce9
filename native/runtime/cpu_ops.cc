// The CPU backend's op table (dendrite/ops.h) over the active kernel variant:
// what the binding calls for dd.setBackend('cpu').
#include <algorithm>
#include <cmath>
#include <vector>

#include "dendrite/dispatch.h"
#include "dendrite/gemm.h"
#include "dendrite/multi_tensor.h"
#include "dendrite/ops.h"
#include "dendrite/thread_pool.h"

namespace dendrite {
namespace {

// Element-wise work below this many floats stays on the calling thread (waking a
// worker costs more); above it, ranges of whole cache lines go to the pool.
constexpr size_t kParallelMin = size_t{1} << 16;
constexpr size_t kLine = 16;  // floats per 64-byte cache line

// Calls f(begin, end) over [0, n) in cache-line-aligned ranges, on the pool when n is large.
template <class F>
void split(size_t n, size_t unit, const F& f) {
  if (n * unit < kParallelMin || num_threads() == 1) {
    f(0, n);
    return;
  }
  parallel_for(n, [&](size_t b, size_t e) { f(b, e); });
}

// Element-wise ops: whole cache lines per thread, so no two threads share one.
template <class F>
void split_elements(size_t n, const F& f) {
  split((n + kLine - 1) / kLine, kLine, [&](size_t b, size_t e) { f(b * kLine, std::min(n, e * kLine)); });
}

Status act_fwd(int act, float* y, const float* x, size_t n, const ActParams& p) {
  const ActFwdFn fn = kernels().act_fwd[act];
  split_elements(n, [&](size_t b, size_t e) { fn(y + b, x + b, e - b, p); });
  return {};
}

Status act_bwd(int act, float* dx, const float* x, const float* dy, size_t n, const ActParams& p) {
  const ActBwdFn fn = kernels().act_bwd[act];
  split_elements(n, [&](size_t b, size_t e) { fn(dx + b, x + b, dy + b, e - b, p); });
  return {};
}

Status softmax_fwd(float* y, const float* x, size_t rows, size_t cols, bool log) {
  const KernelTable& k = kernels();
  const RowFwdFn fn = log ? k.log_softmax_fwd : k.softmax_fwd;
  split(rows, cols, [&](size_t b, size_t e) { fn(y + b * cols, x + b * cols, e - b, cols); });
  return {};
}

Status softmax_bwd(float* dx, const float* x, const float* dy, size_t rows, size_t cols, bool log) {
  const KernelTable& k = kernels();
  const RowBwdFn fn = log ? k.log_softmax_bwd : k.softmax_bwd;
  split(rows, cols, [&](size_t b, size_t e) { fn(dx + b * cols, x + b * cols, dy + b * cols, e - b, cols); });
  return {};
}

Status mse(double* loss, float* grad, const float* pred, const float* target, size_t n) {
  *loss = kernels().mse(grad, pred, target, n);
  return {};
}

Status softmax_ce(double* loss, float* grad, const float* logits, const int32_t* targets, size_t rows, size_t cols,
                  float label_smoothing) {
  *loss = kernels().softmax_ce(grad, logits, targets, rows, cols, label_smoothing);
  return {};
}

Status bce(double* loss, float* grad, const float* logits, const float* targets, size_t n) {
  *loss = kernels().bce(grad, logits, targets, n);
  return {};
}

Status optim_step(int kind, float* const* params, float* const* grads, const size_t* lengths, size_t count,
                  float* state, size_t slots, const double* coeffs) {
  size_t total = 0;
  for (size_t t = 0; t < count; ++t) total += lengths[t];
  thread_local std::vector<OptimTensor> tensors;  // reused: the training loop steps from one thread
  tensors.resize(count);
  size_t offset = 0;
  for (size_t t = 0; t < count; ++t) {
    tensors[t].param = params[t];
    tensors[t].grad = grads[t];
    for (size_t s = 0; s < static_cast<size_t>(kMaxOptimSlots); ++s)
      tensors[t].slot[s] = s < slots ? state + s * total + offset : nullptr;
    offset += lengths[t];
  }
  optimizer_step(static_cast<Optim>(kind), tensors.data(), lengths, count, coeffs);
  return {};
}

// torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is < 1
Status clip_norm(double* norm, float* const* grads, const size_t* lengths, size_t count, float max_norm) {
  *norm = std::sqrt(sum_squares_all(grads, lengths, count));
  const double coef = max_norm / (*norm + 1e-6);
  if (coef < 1.0) scale_all(grads, lengths, count, static_cast<float>(coef));
  return {};
}

Status clip_value(float* const* grads, const size_t* lengths, size_t count, float value) {
  clamp_all(grads, lengths, count, -value, value);
  return {};
}

GemmArgs to_args(const GemmCall& c, GemmEpilogue* e) {
  GemmArgs g;
  g.trans_a = c.trans_a;
  g.trans_b = c.trans_b;
  g.m = c.m;
  g.n = c.n;
  g.k = c.k;
  g.alpha = c.alpha;
  g.beta = c.beta;
  g.a = c.a;
  g.lda = c.lda;
  g.b = c.b;
  g.ldb = c.ldb;
  g.c = c.c;
  g.ldc = c.ldc;
  e->bias = c.bias;
  if (c.act >= 0) {
    e->act = kernels().act_fwd[c.act];
    e->act_params = c.act_params;
    e->act_out = c.act_out;
    e->ldo = c.ldo;
  }
  g.epilogue = e;
  return g;
}

Status run_gemm(const GemmCall& c) {
  GemmEpilogue e;
  gemm(to_args(c, &e));
  return {};
}

Status run_gemm_reference(const GemmCall& c) {
  GemmEpilogue e;
  gemm_reference(to_args(c, &e));
  return {};
}

Status configure(const char* key, const char*) { return std::string("the cpu backend has no setting '") + key + "'"; }

std::string gemm_impl() { return std::string("cpu-") + kernels().isa; }

std::string gemm_reference_impl() { return "cpu-reference"; }

}  // namespace

const Ops& cpu_ops() {
  static const Ops ops{"cpu", act_fwd, act_bwd, softmax_fwd, softmax_bwd, mse, softmax_ce, bce, optim_step,
                       clip_norm, clip_value, run_gemm, configure, gemm_impl};
  return ops;
}

const Ops& reference_ops() {
  static const Ops ops{"cpu-reference", act_fwd, act_bwd, softmax_fwd, softmax_bwd, mse, softmax_ce, bce, optim_step,
                       clip_norm, clip_value, run_gemm_reference, configure, gemm_reference_impl};
  return ops;
}

}  // namespace dendrite
