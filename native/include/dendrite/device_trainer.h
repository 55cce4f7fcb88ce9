// The device-resident training loop: the same algorithm as Trainer (forward with the
// bias + activation fused into the GEMM, loss, backward, one fused optimizer step),
// with the weights, gradients, optimizer state, workspaces and the training data in a
// Device's memory. Per step nothing crosses to the host; per run (a span of batches)
// the weights and optimizer state are uploaded first and downloaded after (the host
// arrays stay the source of truth between runs), and the span's losses and correct
// counts come back in one copy. No N-API: the binding runs it on a worker thread.
#ifndef DENDRITE_DEVICE_TRAINER_H_
#define DENDRITE_DEVICE_TRAINER_H_

#include <memory>
#include <utility>
#include <vector>

#include "dendrite/device.h"
#include "dendrite/trainer.h"

namespace dendrite {

class DeviceTrainer : public TrainingLoop {
 public:
  DeviceTrainer(const TrainerSpec& spec, std::unique_ptr<Device> device);
  ~DeviceTrainer() override;

  size_t run(const EpochData& data, size_t batch_size, size_t first, size_t count, const double* coeffs,
             double* losses, double* correct, const std::atomic<bool>& abort, GradientReducer* reducer) override;
  void predict(const float* x, size_t rows, size_t batch_size, float* out) override;
  // Frees the device copy of the training data and the workspaces (the end of a fit).
  void forget_data() override;

 private:
  struct Buffer;  // device memory, released with the trainer
  struct Workspace;
  float* floats(size_t n);
  template <class T>
  T* ensure(std::unique_ptr<Buffer>& buffer, size_t bytes);  // (re)allocated to hold at least `bytes`
  Workspace& workspace(size_t rows);
  void upload_weights();
  void upload_state();  // weights and optimizer state
  void download_state();
  void upload_data(const EpochData& data);
  void forward(Workspace& ws, size_t rows);
  void step(Workspace& ws, size_t rows, size_t index, const double* coeffs, GradientReducer* reducer);

  TrainerSpec spec_;
  std::unique_ptr<Device> device_;
  std::vector<std::unique_ptr<Buffer>> buffers_;
  size_t total_ = 0;                    // parameters
  float* params_ = nullptr;             // [W0, b0, W1, b1, ...] on the device
  float* grads_ = nullptr;              // same layout
  float* state_ = nullptr;              // slot-major, as the host arena
  std::vector<float*> weight_, bias_;   // per layer, views of params_ (bias_ null without one)
  std::vector<float*> dweight_, dbias_; // views of grads_
  std::vector<float*> param_list_, grad_list_;
  std::vector<size_t> lengths_;
  std::vector<float> host_grads_;       // staging for the allreduce of data-parallel training
  // the training data on the device, and which host arrays it came from
  const float* data_x_ = nullptr;
  const void* data_targets_ = nullptr;
  size_t data_rows_ = 0;
  std::unique_ptr<Buffer> x_buf_, targets_buf_, order_buf_, slots_buf_;
  float* x_ = nullptr;
  int32_t* classes_ = nullptr;
  float* values_ = nullptr;
  uint32_t* order_ = nullptr;
  double* slots_ = nullptr;  // [2 * span]: the span's losses, then its correct counts
  size_t span_ = 0;
  RecentEntries<Workspace> workspaces_;  // by rows
};

}  // namespace dendrite

#endif  // DENDRITE_DEVICE_TRAINER_H_
