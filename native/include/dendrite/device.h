// A compute device for the device-resident training loop (DeviceTrainer): its
// memory and the kernels one training step needs, over device pointers, in
// stream order. Two implementations: the CUDA device (native/kernels/cuda/
// device_cuda.cu; a stub without CUDA) and the host device, which runs the same
// CUDA device math on the CPU over host memory (native/kernels/cuda/
// device_host.cc), so the training loop itself is tested without a GPU.
// Every method throws std::runtime_error on failure; no N-API here.
#ifndef DENDRITE_DEVICE_H_
#define DENDRITE_DEVICE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "dendrite/kernels.h"
#include "dendrite/ops.h"

namespace dendrite {

enum class LossKind;

// A window sliding over NHWC images x [batch, height, width, channels]: conv2d's im2col and
// the pooling layers. Output [batch, out_h, out_w, ...]; window (oh, ow) covers rows
// oh * sh - pad_top + [0, kh) and columns ow * sw - pad_left + [0, kw); cells outside the
// image are padding (pad_top/pad_left before; whatever out_h/out_w imply after).
struct Window2d {
  size_t batch = 0, height = 0, width = 0, channels = 0;
  size_t kh = 1, kw = 1, sh = 1, sw = 1;
  size_t pad_top = 0, pad_left = 0;
  size_t out_h = 0, out_w = 0;
};

// Batch normalisation over the channels of x [rows, channels] (every leading axis counts as
// rows: [N, F] or [N*H*W, C]); torch semantics (SCHEMA.md section 8).
struct BatchNormArgs {
  size_t rows = 0, channels = 0;
  bool training = false;
  float momentum = 0.1f, eps = 1e-5f;
  const float* gamma = nullptr;  // [channels]
  const float* beta = nullptr;   // [channels]
  float* running_mean = nullptr; // [channels]: read in eval; updated in training
  float* running_var = nullptr;  // [channels]: unbiased batch variance goes in
  // [channels], written by forward, read by backward: the statistics y was normalised with
  // (the batch mean and 1/sqrt(biased var + eps) in training, the running ones in eval)
  float* mean = nullptr;
  float* invstd = nullptr;
  // forward
  const float* x = nullptr;
  float* y = nullptr;  // not x: backward reads x
  // backward (dgamma, dbeta: [channels], overwritten)
  const float* dy = nullptr;
  float* dx = nullptr;  // may be null (nothing needs it)
  float* dgamma = nullptr;
  float* dbeta = nullptr;
};

// Layer normalisation over the last axis of x [rows, cols]: y = (x - mean) * rstd * gamma + beta,
// biased variance, rstd = 1/sqrt(var + eps).
struct LayerNormArgs {
  size_t rows = 0, cols = 0;
  float eps = 1e-5f;
  const float* gamma = nullptr;  // [cols]
  const float* beta = nullptr;   // [cols]
  float* mean = nullptr;         // [rows], written by forward
  float* rstd = nullptr;         // [rows], written by forward
  const float* x = nullptr;
  float* y = nullptr;
  const float* dy = nullptr;
  float* dx = nullptr;           // may be null
  float* dgamma = nullptr;       // [cols], overwritten
  float* dbeta = nullptr;        // [cols], overwritten
};

class Device {
 public:
  virtual ~Device() = default;
  virtual const char* name() const = 0;
  // True when the training loop may compute on the caller's host arrays in place (the CPU
  // device): no device copies of the weights, the optimizer state or the data.
  virtual bool computes_on_host_arrays() const { return false; }

  virtual void* alloc(size_t bytes) = 0;
  virtual void release(void* p) = 0;  // never throws (destructors call it); null is a no-op
  // Host -> device (the host buffer may be reused as soon as this returns).
  virtual void upload(void* dst, const void* src, size_t bytes) = 0;
  // Device -> host, after all work queued before it.
  virtual void download(void* dst, const void* src, size_t bytes) = 0;

  // out[r, :] = x[index[r], :] for r < rows (index: device memory).
  virtual void gather_f32(float* out, const float* x, size_t width, const uint32_t* index, size_t rows) = 0;
  virtual void gather_i32(int32_t* out, const int32_t* x, const uint32_t* index, size_t rows) = 0;
  // GemmCall over device pointers (the *_len fields are not used).
  virtual void gemm(const GemmCall& g) = 0;
  virtual void act_fwd(int act, float* y, const float* x, size_t n, const ActParams& p) = 0;
  virtual void act_bwd(int act, float* dx, const float* x, const float* dy, size_t n, const ActParams& p) = 0;
  virtual void softmax_fwd(float* y, const float* x, size_t rows, size_t cols, bool log) = 0;
  virtual void softmax_bwd(float* dx, const float* x, const float* dy, size_t rows, size_t cols, bool log) = 0;
  // The batch's mean loss into *slot (device memory) and its gradient into grad.
  virtual void loss(LossKind kind, double* slot, float* grad, const float* out, const int32_t* classes, const float* values,
                    size_t rows, size_t cols, float label_smoothing) = 0;
  // Correct predictions into *slot: argmax == class per row, or (logit > 0) == (value >= 0.5).
  virtual void count_correct(double* slot, const float* out, const int32_t* classes, const float* values, size_t rows,
                             size_t cols) = 0;
  // out[j] = sum over rows of x[r, j] (bias gradients).
  virtual void column_sums(float* out, const float* x, size_t rows, size_t cols) = 0;
  // Called after each training step: a device that queues work asynchronously waits here for
  // the step before the previous one, so the host runs at most two steps ahead (an abort takes
  // effect at once, and other work on the device does not wait behind a span's whole backlog).
  virtual void step_done() {}
  // One fused step over every tensor (device pointers; lengths on the host), as Ops::optim_step.
  virtual void optimizer_step(int kind, float* const* params, float* const* grads, const size_t* lengths, size_t count,
                              float* state, size_t slots, const double* coeffs) = 0;

  // ---- Layer ops (the layers of native/layers/). Outputs are overwritten, never accumulated.
  // The math is written once (native/layers/layer_math.h): HostMemoryDevice runs it in CPU
  // loops, the CUDA device in kernels over the same functions.

  // col [batch*out_h*out_w, kh*kw*channels]: row (n, oh, ow) holds the window's cells in
  // (i, j, c) order, 0 for padding.
  virtual void im2col(float* col, const float* x, const Window2d& w) = 0;
  // The adjoint of im2col: dx [batch, height, width, channels] = for each input element, the
  // sum of the col entries that were copied from it.
  virtual void col2im(float* dx, const float* col, const Window2d& w) = 0;
  // y [batch, out_h, out_w, channels] = the window's maximum over its real cells (padding never
  // wins; NaN wins as torch); arg = its index within the sample ((h * width + w) * channels + c).
  virtual void max_pool_fwd(float* y, int32_t* arg, const float* x, const Window2d& w) = 0;
  // dx[n, e] = sum of dy over the outputs of sample n whose arg is e.
  virtual void max_pool_bwd(float* dx, const float* dy, const int32_t* arg, const Window2d& w) = 0;
  // Average over the window's real cells (padding is not counted).
  virtual void avg_pool_fwd(float* y, const float* x, const Window2d& w) = 0;
  virtual void avg_pool_bwd(float* dx, const float* dy, const Window2d& w) = 0;
  virtual void batch_norm_fwd(const BatchNormArgs& a) = 0;
  virtual void batch_norm_bwd(const BatchNormArgs& a) = 0;
  virtual void layer_norm_fwd(const LayerNormArgs& a) = 0;
  virtual void layer_norm_bwd(const LayerNormArgs& a) = 0;
  // Inverted dropout: mask[i] = 1/(1-rate) where dropout_keep(seed, counter, i, rate) (layer_math.h),
  // else 0; y = x * mask (y may alias x).
  virtual void dropout_fwd(float* y, float* mask, const float* x, size_t n, float rate, uint32_t seed, uint32_t counter) = 0;
  // out = a * b element-wise (dropout backward: dx = dy * mask; out may alias a).
  virtual void multiply(float* out, const float* a, const float* b, size_t n) = 0;
  // y [count, dim] = table[ids[r]] (ids: integer-valued floats in [0, vocab), checked by the
  // caller; a device may write zeros for an id outside it).
  virtual void embedding_fwd(float* y, const float* ids, const float* table, size_t count, size_t dim, size_t vocab) = 0;
  // dtable [vocab, dim] = for each row v, the sum of dy[r] over the r with ids[r] == v.
  virtual void embedding_bwd(float* dtable, const float* ids, const float* dy, size_t count, size_t dim, size_t vocab) = 0;
};

// A device whose memory is host memory: alloc/upload/download/gather as the C library does and
// the layer ops as CPU loops over layer_math.h (native/layers/host_layer_ops.cc). The CPU
// device (the dispatched SIMD kernels) and the host device (the CUDA math) derive from it.
class HostMemoryDevice : public Device {
 public:
  void* alloc(size_t bytes) override;
  void release(void* p) override;
  void upload(void* dst, const void* src, size_t bytes) override;
  void download(void* dst, const void* src, size_t bytes) override;
  void gather_f32(float* out, const float* x, size_t width, const uint32_t* index, size_t rows) override;
  void gather_i32(int32_t* out, const int32_t* x, const uint32_t* index, size_t rows) override;
  void count_correct(double* slot, const float* out, const int32_t* classes, const float* values, size_t rows,
                     size_t cols) override;
  void im2col(float* col, const float* x, const Window2d& w) override;
  void col2im(float* dx, const float* col, const Window2d& w) override;
  void max_pool_fwd(float* y, int32_t* arg, const float* x, const Window2d& w) override;
  void max_pool_bwd(float* dx, const float* dy, const int32_t* arg, const Window2d& w) override;
  void avg_pool_fwd(float* y, const float* x, const Window2d& w) override;
  void avg_pool_bwd(float* dx, const float* dy, const Window2d& w) override;
  void batch_norm_fwd(const BatchNormArgs& a) override;
  void batch_norm_bwd(const BatchNormArgs& a) override;
  void layer_norm_fwd(const LayerNormArgs& a) override;
  void layer_norm_bwd(const LayerNormArgs& a) override;
  void dropout_fwd(float* y, float* mask, const float* x, size_t n, float rate, uint32_t seed, uint32_t counter) override;
  void multiply(float* out, const float* a, const float* b, size_t n) override;
  void embedding_fwd(float* y, const float* ids, const float* table, size_t count, size_t dim, size_t vocab) override;
  void embedding_bwd(float* dtable, const float* ids, const float* dy, size_t count, size_t dim, size_t vocab) override;
};

// The CUDA device (device 0, or DENDRITE_CUDA_DEVICE); null with *error set when unavailable.
std::unique_ptr<Device> make_cuda_device(std::string* error);
// The CUDA device math on the CPU, over host memory (tests).
std::unique_ptr<Device> make_host_device();
// The CPU kernels (the active ISA variant, threaded GEMM) over host memory: fit's 'cpu' loop.
std::unique_ptr<Device> make_cpu_device();

}  // namespace dendrite

#endif  // DENDRITE_DEVICE_H_
