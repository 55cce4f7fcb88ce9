// The one training loop (and forward pass) of a Sequential model: a list of layers
// (dendrite/layer.h) run over a Device. Per step: gather the batch, forward, the loss and
// its gradient, backward (layers last to first), one fused optimizer step over every
// trainable tensor; over workspaces allocated once per batch size.
//   * On the CPU device (computes_on_host_arrays) the layers compute on the caller's
//     arrays in place: weights, optimizer state and data are never copied.
//   * On another device (the GPU, or the host device that runs the CUDA math in tests)
//     the weights, buffers, optimizer state and training data are uploaded at the start of
//     a run (a span of batches) and the weights, buffers and state downloaded after it;
//     the host arrays stay the truth between runs.
// No N-API: the binding runs Trainer::run on a worker thread.
#ifndef DENDRITE_TRAINER_H_
#define DENDRITE_TRAINER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dendrite/device.h"
#include "dendrite/kernels.h"
#include "dendrite/layer.h"
#include "dendrite/recent.h"

namespace dendrite {

enum class LossKind { softmax_cross_entropy, mse, bce_with_logits };

struct TrainerSpec {
  std::vector<std::unique_ptr<Layer>> layers;
  LossKind loss = LossKind::softmax_cross_entropy;
  float label_smoothing = 0.0f;
  bool accuracy = false;
  Optim optim = Optim::sgd;
  size_t slots = 0;         // optimizer state slots per element
  float* state = nullptr;   // slot-major arena over the trainable tensors, in layer order
  size_t coeff_count = 0;   // coefficients per optimizer step
};

// The data of one epoch: rows of x and their targets, visited in `order` (a
// permutation of the rows, or this rank's shard of one in data-parallel training).
struct EpochData {
  const float* x = nullptr;          // [rows, in]
  size_t rows = 0;
  const int32_t* classes = nullptr;  // [rows] for softmax cross-entropy
  const float* values = nullptr;     // [rows, out] otherwise
  const uint32_t* order = nullptr;   // [length] row indices
  size_t length = 0;
};

// Averages gradients across data-parallel ranks. The trainer submits ranges of its
// gradient arena as the backward pass completes them (last layer first), so their
// reduction overlaps the remaining layers; wait() returns when all hold the average.
class GradientReducer {
 public:
  virtual ~GradientReducer() = default;
  virtual void submit(float* data, size_t n) = 0;
  virtual void wait() = 0;
  virtual size_t bucket_elements() const = 0;  // submit once at least this many are ready
};

// Workspaces (per batch size) a training loop keeps.
constexpr size_t kMaxWorkspaces = 6;

class Trainer {
 public:
  Trainer(TrainerSpec spec, std::unique_ptr<Device> device);
  ~Trainer();

  // Runs batches first .. first+count-1 of the epoch (batch b covers order[b*B .. b*B+B),
  // the last one possibly shorter); step i uses coeffs[i * coeff_count ..]. Writes each
  // batch's mean loss (before its update) to losses[i] and its correct predictions to
  // correct[i]. Stops early when `abort` becomes true; returns the batches done. With a
  // reducer, every step's gradients are averaged across ranks before the update.
  // The data is the caller's and may change while the span runs (in-place edits from JS): every
  // row index and class label is checked as it is read, from a private copy, before any use as
  // an index. A bad one stops the span before its batch (the batches before it are done and
  // reported) and its house-format message goes to *bad_data.
  // Throws std::runtime_error on a device or communication failure.
  size_t run(const EpochData& data, size_t batch_size, size_t first, size_t count, const double* coeffs,
             double* losses, double* correct, const std::atomic<bool>& abort, GradientReducer* reducer,
             std::string* bad_data);
  // Forward pass in eval mode: out[rows, out] for x[rows, in], in batches of batch_size rows;
  // stops between batches once *abort (if given) becomes true.
  void predict(const float* x, size_t rows, size_t batch_size, float* out, const std::atomic<bool>* abort = nullptr);
  // The training data may have changed since the last run (a device re-uploads it); frees
  // the device's copy of it and the device's workspaces.
  void forget_data();

  size_t in_size() const { return spec_.layers.front()->in_size(); }
  size_t out_size() const { return spec_.layers.back()->out_size(); }

 private:
  struct Buffer;
  struct Workspace;
  float* floats(size_t n);
  template <class T>
  T* ensure(std::unique_ptr<Buffer>& buffer, size_t bytes);  // (re)allocated to hold at least `bytes`
  Workspace& workspace(size_t rows);
  void upload_tensors(bool with_state);
  void download_tensors();
  // false (and *bad_data set) when a class label is out of range
  bool upload_data(const EpochData& data, std::string* bad_data);
  // Copies n row indices of the order, checking each against the rows; false (and *bad_data) on a bad one.
  bool copy_indices(const EpochData& data, size_t position, size_t n, uint32_t* out, std::string* bad_data) const;
  // Checks a batch's gathered class labels (host memory); false (and *bad_data) on a bad one.
  bool check_classes(const int32_t* classes, const uint32_t* index, size_t rows, std::string* bad_data) const;
  // What layer i sees in a step over ws.
  LayerStep layer_step(Workspace& ws, size_t i, size_t rows, bool training);
  void forward(Workspace& ws, size_t rows, bool training);
  void step(Workspace& ws, size_t rows, size_t index, const double* coeffs, GradientReducer* reducer);

  TrainerSpec spec_;
  std::unique_ptr<Device> device_;
  const bool on_host_;  // the device computes on the host arrays
  std::vector<std::unique_ptr<Buffer>> buffers_;
  // per layer: its tensors and gradients (device pointers; gradients null for buffers)
  std::vector<std::vector<float*>> tensors_, grads_;
  // the trainable tensors, in order, for the optimizer
  std::vector<float*> param_list_, grad_list_;
  std::vector<size_t> lengths_;
  size_t trainable_ = 0;                // elements of all trainable tensors
  float* grad_arena_ = nullptr;         // their gradients, one block in the same order
  float* state_ = nullptr;              // slot-major optimizer state (the host arena on the CPU)
  std::vector<float> host_grads_;       // staging for a device's allreduce
  // the training data on the device, and which host arrays it came from
  const float* data_x_ = nullptr;
  const void* data_targets_ = nullptr;
  size_t data_rows_ = 0;
  std::unique_ptr<Buffer> x_buf_, targets_buf_, order_buf_, slots_buf_;
  const float* x_ = nullptr;
  const int32_t* classes_ = nullptr;
  const float* values_ = nullptr;
  const uint32_t* order_ = nullptr;
  double* slots_ = nullptr;  // [2 * span]: the span's losses, then its correct counts
  std::vector<uint32_t> host_index_;  // checked copy of the indices of a batch (host) or a span (device)
  std::vector<int32_t> host_classes_;  // checked copy of the labels before a device upload
  size_t span_ = 0;
  RecentEntries<Workspace> workspaces_;  // by rows
};

}  // namespace dendrite

#endif  // DENDRITE_TRAINER_H_
