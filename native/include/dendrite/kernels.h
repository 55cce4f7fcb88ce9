// dendrite kernel library: plain C++ declarations, no N-API and no CUDA headers.
// Kernel convention: outputs first, then inputs, then sizes, then parameters.
// Every element-wise kernel may run in place (output == an input); row kernels too.
#ifndef DENDRITE_KERNELS_H_
#define DENDRITE_KERNELS_H_

#include <cstddef>
#include <cstdint>

namespace dendrite {

// The activation kernels, in a fixed order shared with src/backend/kernel-ids.ts
// (a test checks that both lists agree): X(kernel name, name of the op's struct in
// each variant's translation unit).
#define DENDRITE_ACTIVATIONS(X)                                                      \
  X(sigmoid, Sigmoid) X(tanh, Tanh) X(relu, Relu) X(leaky_relu, LeakyRelu)           \
  X(swish, Swish) X(gelu, Gelu) X(gelu_tanh, GeluTanh) X(elu, Elu) X(selu, Selu)     \
  X(softplus, Softplus) X(mish, Mish) X(hard_sigmoid, HardSigmoid)                   \
  X(hard_swish, HardSwish) X(relu6, Relu6) X(linear, Linear)

// Fills table.act_fwd/act_bwd from the op structs, given templates act_fwd<Op>, act_bwd<Op>.
#define DENDRITE_FILL_ACTIVATION(name, Op)                  \
  table.act_fwd[static_cast<int>(Act::name)] = act_fwd<Op>; \
  table.act_bwd[static_cast<int>(Act::name)] = act_bwd<Op>;

enum class Act : int {
#define DENDRITE_ACT_ENUM_ENTRY(name, Op) name,
  DENDRITE_ACTIVATIONS(DENDRITE_ACT_ENUM_ENTRY)
#undef DENDRITE_ACT_ENUM_ENTRY
};
constexpr int kActCount = 0
#define DENDRITE_ACT_COUNT_ENTRY(name, Op) +1
    DENDRITE_ACTIVATIONS(DENDRITE_ACT_COUNT_ENTRY)
#undef DENDRITE_ACT_COUNT_ENTRY
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

// Optimizers, in the order of src/backend/kernel-ids.ts (OPTIMIZER_KERNELS).
#define DENDRITE_OPTIMIZERS(X) \
  X(sgd) X(adagrad) X(adadelta) X(rmsprop) X(adam) X(adamax) X(nadam) X(radam)

enum class Optim : int {
#define DENDRITE_ENUM_ENTRY(name) name,
  DENDRITE_OPTIMIZERS(DENDRITE_ENUM_ENTRY)
#undef DENDRITE_ENUM_ENTRY
};
constexpr int kOptimCount = 0
#define DENDRITE_COUNT_ENTRY(name) +1
    DENDRITE_OPTIMIZERS(DENDRITE_COUNT_ENTRY)
#undef DENDRITE_COUNT_ENTRY
    ;
extern const char* const kOptimNames[kOptimCount];

// One parameter tensor of an optimizer step: its values, its gradient and its
// state buffers (slot s of this tensor; which slots exist depends on the
// optimizer and its options, see native/kernels/cpu/optim_kernels.inc).
constexpr int kMaxOptimSlots = 3;
struct OptimTensor {
  float* param;
  const float* grad;
  float* slot[kMaxOptimSlots];
};
// Updates elements [begin, end) of one tensor. `c` holds the step's
// coefficients, computed by the caller in double (layout per optimizer in
// src/optimizer/*.ts and optim_kernels.inc).
using OptimFn = void (*)(const OptimTensor& t, size_t begin, size_t end, const double* c);

struct GemmArgs;  // dendrite/gemm.h
// Single-threaded fp32 GEMM of one variant on the block C[m0:m1, n0:n1] of args,
// epilogue included (native/runtime/gemm.cc splits C between threads).
using GemmBlockFn = void (*)(const GemmArgs& args, size_t m0, size_t m1, size_t n0, size_t n1);

// One ISA variant's kernels. Built once by the dispatcher (native/dispatch/): a
// variant's table starts as a copy of the next-lower one and its builder overrides
// what the variant has.
struct KernelTable {
  const char* isa = nullptr;
  ActFwdFn act_fwd[kActCount] = {};
  ActBwdFn act_bwd[kActCount] = {};
  RowFwdFn softmax_fwd = nullptr;
  RowBwdFn softmax_bwd = nullptr;
  RowFwdFn log_softmax_fwd = nullptr;
  RowBwdFn log_softmax_bwd = nullptr;
  OptimFn optim[kOptimCount] = {};
  // sum of squares (accumulated in double) and in-place scale/clamp, for gradient clipping
  double (*sum_squares)(const float* x, size_t n) = nullptr;
  void (*scale)(float* x, size_t n, float s) = nullptr;
  void (*clamp)(float* x, size_t n, float lo, float hi) = nullptr;
  // Losses (mean reduction; see mse_f32 & co. below for the contract).
  double (*mse)(float* grad, const float* pred, const float* target, size_t n) = nullptr;
  double (*softmax_ce)(float* grad, const float* logits, const int32_t* targets, size_t rows, size_t cols,
                       float label_smoothing) = nullptr;
  double (*bce)(float* grad, const float* logits, const float* targets, size_t n) = nullptr;
  GemmBlockFn gemm = nullptr;
  // The GEMM's micro-tile: the thread splitter cuts C on these edges.
  size_t gemm_mr = 1, gemm_nr = 1;
};

// Variant builders. The scalar variant (native/kernels/ref/scalar.cc) fills every
// entry; the vector ones (native/kernels/cpu/x86/avx2.cc, avx512.cc) override what
// they have and return false when the build does not have them (another
// architecture). Call a builder only where cpu_features says the CPU supports it.
void fill_scalar_kernels(KernelTable& table);
bool fill_avx2_kernels(KernelTable& table);
bool fill_avx512_kernels(KernelTable& table);
// The reference activations and softmax (native/kernels/ref/activation_ref.cc).
void fill_reference_activations(KernelTable& table);

// The reference losses (mean reduction, native/kernels/ref/loss_ref.cc; the scalar
// variant's table entries; the vector variants' are native/kernels/cpu/loss_kernels.inc).
// They return the loss, accumulated in double, and write d(loss)/d(input) into grad
// when grad is not null (grad may alias the input).
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
