// The devices over host memory that the training loop runs on without a GPU: the math of
// an op table (dendrite/ops.h) over HostMemoryDevice's memory and layer ops.
//   * make_cpu_device(): the CPU kernels (cpu_ops(): the active ISA variant, threaded
//     GEMM and element-wise ops), computing on the caller's arrays in place: fit's 'cpu' loop.
//   * make_host_device(): the CUDA backend's device math run on the CPU (host_ops(), the
//     same per-element functions as the kernels), with the device loop's copies: the GPU
//     path's logic and numerics tested without a GPU (test/cuda/device-trainer.test.ts).
#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "../kernels/cuda/cuda_api.h"
#include "dendrite/device.h"
#include "dendrite/ops.h"
#include "dendrite/trainer.h"

namespace dendrite {
namespace {

void check(const Status& s, const char* what) {
  if (!s.empty()) throw std::runtime_error(std::string(what) + ": " + s);
}

class OpsDevice : public HostMemoryDevice {
 public:
  OpsDevice(const Ops& ops, const char* name, bool on_host_arrays) : ops_(ops), name_(name), on_host_arrays_(on_host_arrays) {}
  const char* name() const override { return name_; }
  bool computes_on_host_arrays() const override { return on_host_arrays_; }

  void gemm(const GemmCall& g) override { check(ops_.gemm(g), "gemm"); }
  void act_fwd(int act, float* y, const float* x, size_t n, const ActParams& p) override {
    check(ops_.act_fwd(act, y, x, n, p), "activation");
  }
  void act_bwd(int act, float* dx, const float* x, const float* dy, size_t n, const ActParams& p) override {
    check(ops_.act_bwd(act, dx, x, dy, n, p), "activation backward");
  }
  void softmax_fwd(float* y, const float* x, size_t rows, size_t cols, bool log) override {
    check(ops_.softmax_fwd(y, x, rows, cols, log), "softmax");
  }
  void softmax_bwd(float* dx, const float* x, const float* dy, size_t rows, size_t cols, bool log) override {
    check(ops_.softmax_bwd(dx, x, dy, rows, cols, log), "softmax backward");
  }
  void loss(LossKind kind, double* slot, float* grad, const float* out, const int32_t* classes, const float* values,
            size_t rows, size_t cols, float label_smoothing) override {
    switch (kind) {
      case LossKind::softmax_cross_entropy:
        check(ops_.softmax_ce(slot, grad, out, classes, rows, cols, label_smoothing), "loss");
        break;
      case LossKind::mse:
        check(ops_.mse(slot, grad, out, values, rows * cols), "loss");
        break;
      default:
        check(ops_.bce(slot, grad, out, values, rows * cols), "loss");
    }
  }
  void column_sums(float* out, const float* x, size_t rows, size_t cols) override {
    // as the CUDA kernels: float sums over slabs of 256 rows in order, the slabs added in double
    constexpr size_t kSlab = 256;
    const size_t slab = std::max(kSlab, (rows + 65534) / 65535);
    // the partial sums live in the device (no allocation per step once they have grown)
    std::vector<float>& part = part_;
    std::vector<double>& total = total_;
    part.resize(cols);
    total.assign(cols, 0.0);
    for (size_t begin = 0; begin < rows; begin += slab) {
      std::fill(part.begin(), part.end(), 0.0f);
      for (size_t r = begin; r < std::min(rows, begin + slab); ++r)
        for (size_t j = 0; j < cols; ++j) part[j] += x[r * cols + j];  // rows contiguous: vectorises over j
      for (size_t j = 0; j < cols; ++j) total[j] += part[j];
    }
    for (size_t j = 0; j < cols; ++j) out[j] = static_cast<float>(total[j]);
  }
  void optimizer_step(int kind, float* const* params, float* const* grads, const size_t* lengths, size_t count,
                      float* state, size_t slots, const double* coeffs) override {
    check(ops_.optim_step(kind, params, grads, lengths, count, state, slots, coeffs), "optimizer step");
  }

 private:
  const Ops& ops_;
  const char* name_;
  bool on_host_arrays_;
  std::vector<float> part_;
  std::vector<double> total_;
};

}  // namespace

std::unique_ptr<Device> make_cpu_device() { return std::make_unique<OpsDevice>(cpu_ops(), "cpu", true); }
std::unique_ptr<Device> make_host_device() { return std::make_unique<OpsDevice>(cuda::host_ops(), "host", false); }

}  // namespace dendrite
