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

class Device {
 public:
  virtual ~Device() = default;
  virtual const char* name() const = 0;

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
};

// The CUDA device (device 0, or DENDRITE_CUDA_DEVICE); null with *error set when unavailable.
std::unique_ptr<Device> make_cuda_device(std::string* error);
// The CUDA device math on the CPU, over host memory (tests).
std::unique_ptr<Device> make_host_device();

}  // namespace dendrite

#endif  // DENDRITE_DEVICE_H_
