// dendrite kernel library: plain C++ declarations, no N-API and no CUDA headers.
// Kernel convention: outputs first, then inputs, then sizes, then parameters.
// Every element-wise kernel may run in place (output == an input); row kernels too.
#ifndef DENDRITE_KERNELS_H_
#define DENDRITE_KERNELS_H_

#include <cstddef>
#include <cstdint>

namespace dendrite {

// The activation kernels, in a fixed order shared with src/backend/kernel-ids.ts
// (a test checks that both lists agree).
#define DENDRITE_ACTIVATIONS(X)                                                     \
  X(sigmoid) X(tanh) X(relu) X(leaky_relu) X(swish) X(gelu) X(gelu_tanh) X(elu)    \
  X(selu) X(softplus) X(mish) X(hard_sigmoid) X(hard_swish) X(relu6) X(linear)

enum class Act : int {
#define DENDRITE_ENUM_ENTRY(name) name,
  DENDRITE_ACTIVATIONS(DENDRITE_ENUM_ENTRY)
#undef DENDRITE_ENUM_ENTRY
};
constexpr int kActCount = 0
#define DENDRITE_COUNT_ENTRY(name) +1
    DENDRITE_ACTIVATIONS(DENDRITE_COUNT_ENTRY)
#undef DENDRITE_COUNT_ENTRY
    ;
extern const char* const kActNames[kActCount];

// Options of the parametrised activations; the TS facade always fills every field.
struct ActParams {
  float alpha = 0.01f;     // leaky_relu negative slope; elu alpha
  float beta = 1.0f;       // softplus beta
  float threshold = 20.0f; // softplus: linear where beta*x > threshold
};

// y[i] = f(x[i])
using ActFwdFn = void (*)(float* y, const float* x, size_t n, const ActParams& p);
// dx[i] = dy[i] * f'(x[i])  (vector-Jacobian product)
using ActBwdFn = void (*)(float* dx, const float* x, const float* dy, size_t n, const ActParams& p);
// Row-wise over the last axis of a [rows, cols] row-major matrix.
using RowFwdFn = void (*)(float* y, const float* x, size_t rows, size_t cols);
// Backward recomputes the softmax from x, so only x and dy are needed.
using RowBwdFn = void (*)(float* dx, const float* x, const float* dy, size_t rows, size_t cols);

// One ISA variant's kernels. Filled once by the dispatcher (native/dispatch/).
struct KernelTable {
  const char* isa = nullptr;
  ActFwdFn act_fwd[kActCount] = {};
  ActBwdFn act_bwd[kActCount] = {};
  RowFwdFn softmax_fwd = nullptr;
  RowBwdFn softmax_bwd = nullptr;
  RowFwdFn log_softmax_fwd = nullptr;
  RowBwdFn log_softmax_bwd = nullptr;
};

// Variant builders. The scalar reference is always present; the AVX2 builder
// returns false when the translation unit was compiled without AVX2 support.
void fill_scalar_kernels(KernelTable& table);
bool fill_avx2_kernels(KernelTable& table);

// Losses (mean reduction). They return the loss, accumulated in double, and
// write d(loss)/d(input) into grad when grad is not null (grad may alias the input).
// mse: mean((p - t)^2) over all n elements.
double mse_f32(float* grad, const float* pred, const float* target, size_t n);
// Cross-entropy of softmax(logits) against class targets in [0, cols), with
// label smoothing eps spread over all cols classes (torch semantics).
double softmax_cross_entropy_f32(float* grad, const float* logits, const int32_t* targets,
                                 size_t rows, size_t cols, float label_smoothing);
// mean(max(z,0) - z*y + log1p(exp(-|z|)))
double bce_with_logits_f32(float* grad, const float* logits, const float* targets, size_t n);

}  // namespace dendrite

#endif  // DENDRITE_KERNELS_H_
