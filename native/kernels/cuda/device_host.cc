// The host device: the Device interface over host memory, with the CUDA backend's
// device math run on the CPU (host_ops(), the same per-element functions as the
// kernels). The device-resident training loop runs on it unchanged, so its logic
// and the CUDA numerics are tested without a GPU (test/cuda/device-trainer.test.ts).
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "cuda_api.h"
#include "dendrite/device.h"
#include "dendrite/trainer.h"

namespace dendrite {
namespace {

void check(const Status& s, const char* what) {
  if (!s.empty()) throw std::runtime_error(std::string(what) + ": " + s);
}

class HostDevice : public Device {
 public:
  const char* name() const override { return "host"; }

  void* alloc(size_t bytes) override {
    void* p = std::malloc(bytes ? bytes : 1);
    if (!p) throw std::runtime_error("host device: out of memory");
    return p;
  }
  void release(void* p) override { std::free(p); }
  void upload(void* dst, const void* src, size_t bytes) override {
    if (bytes) std::memcpy(dst, src, bytes);
  }
  void download(void* dst, const void* src, size_t bytes) override {
    if (bytes) std::memcpy(dst, src, bytes);
  }

  void gather_f32(float* out, const float* x, size_t width, const uint32_t* index, size_t rows) override {
    for (size_t r = 0; r < rows; ++r) std::memcpy(out + r * width, x + static_cast<size_t>(index[r]) * width, width * sizeof(float));
  }
  void gather_i32(int32_t* out, const int32_t* x, const uint32_t* index, size_t rows) override {
    for (size_t r = 0; r < rows; ++r) out[r] = x[index[r]];
  }
  void gemm(const GemmCall& g) override { check(ops().gemm(g), "gemm"); }
  void act_fwd(int act, float* y, const float* x, size_t n, const ActParams& p) override {
    check(ops().act_fwd(act, y, x, n, p), "activation");
  }
  void act_bwd(int act, float* dx, const float* x, const float* dy, size_t n, const ActParams& p) override {
    check(ops().act_bwd(act, dx, x, dy, n, p), "activation backward");
  }
  void softmax_fwd(float* y, const float* x, size_t rows, size_t cols, bool log) override {
    check(ops().softmax_fwd(y, x, rows, cols, log), "softmax");
  }
  void softmax_bwd(float* dx, const float* x, const float* dy, size_t rows, size_t cols, bool log) override {
    check(ops().softmax_bwd(dx, x, dy, rows, cols, log), "softmax backward");
  }
  void loss(LossKind kind, double* slot, float* grad, const float* out, const int32_t* classes, const float* values,
            size_t rows, size_t cols, float label_smoothing) override {
    switch (kind) {
      case LossKind::softmax_cross_entropy:
        check(ops().softmax_ce(slot, grad, out, classes, rows, cols, label_smoothing), "loss");
        break;
      case LossKind::mse:
        check(ops().mse(slot, grad, out, values, rows * cols), "loss");
        break;
      default:
        check(ops().bce(slot, grad, out, values, rows * cols), "loss");
    }
  }
  void count_correct(double* slot, const float* out, const int32_t* classes, const float* values, size_t rows,
                     size_t cols) override {
    size_t hits = 0;
    if (classes) {
      for (size_t r = 0; r < rows; ++r) {
        const float* row = out + r * cols;
        size_t best = 0;
        for (size_t j = 1; j < cols; ++j)
          if (row[j] > row[best]) best = j;
        hits += static_cast<int32_t>(best) == classes[r];
      }
    } else {
      for (size_t i = 0; i < rows * cols; ++i) hits += (out[i] > 0) == (values[i] >= 0.5f);
    }
    *slot = static_cast<double>(hits);
  }
  void column_sums(float* out, const float* x, size_t rows, size_t cols) override {
    // as the kernels: float sums over slabs of 256 rows in order, the slabs added in double
    constexpr size_t kSlab = 256;
    const size_t slab = std::max(kSlab, (rows + 65534) / 65535);
    for (size_t j = 0; j < cols; ++j) {
      double total = 0.0;
      for (size_t begin = 0; begin < rows; begin += slab) {
        float sum = 0.0f;
        for (size_t r = begin; r < std::min(rows, begin + slab); ++r) sum += x[r * cols + j];
        total += sum;
      }
      out[j] = static_cast<float>(total);
    }
  }
  void optimizer_step(int kind, float* const* params, float* const* grads, const size_t* lengths, size_t count,
                      float* state, size_t slots, const double* coeffs) override {
    check(ops().optim_step(kind, params, grads, lengths, count, state, slots, coeffs), "optimizer step");
  }

 private:
  static const Ops& ops() { return cuda::host_ops(); }
};

}  // namespace

std::unique_ptr<Device> make_host_device() { return std::make_unique<HostDevice>(); }

}  // namespace dendrite
