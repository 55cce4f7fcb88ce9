// The native training loop (and forward pass) of a stack of dense layers: gather a batch, forward
// (GEMM with fused bias + activation), loss and its gradient, backward, one
// fused optimizer step; over buffers allocated once per batch size. No N-API:
// the binding runs Trainer::run on a worker thread.
#ifndef DENDRITE_TRAINER_H_
#define DENDRITE_TRAINER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <memory>
#include <vector>

#include "dendrite/kernels.h"
#include "dendrite/recent.h"

namespace dendrite {

enum class RowAct { none, softmax, log_softmax };
enum class LossKind { softmax_cross_entropy, mse, bce_with_logits };

struct DenseSpec {
  size_t in = 0, out = 0;
  float* weight = nullptr;  // [in, out], updated in place
  float* bias = nullptr;    // [out] or null
  int act = -1;             // element-wise Act id; -1 for none (linear or row-wise)
  RowAct row = RowAct::none;
  ActParams params;
};

struct TrainerSpec {
  std::vector<DenseSpec> layers;
  LossKind loss = LossKind::softmax_cross_entropy;
  float label_smoothing = 0.0f;
  bool accuracy = false;
  Optim optim = Optim::sgd;
  size_t slots = 0;         // optimizer state slots per element
  float* state = nullptr;   // slot-major arena over the parameters [W0, b0, W1, b1, ...]
  size_t coeff_count = 0;   // coefficients per optimizer step
};

// The data of one epoch: rows of x and their targets, visited in `order` (a
// permutation of the rows, or this rank's shard of one in data-parallel training).
struct EpochData {
  const float* x = nullptr;        // [rows, in]
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

// A training loop as the binding drives it: Trainer (CPU kernels over host memory) or
// DeviceTrainer (weights, gradients, optimizer state and data resident on a Device).
class TrainingLoop {
 public:
  virtual ~TrainingLoop() = default;
  // See Trainer::run. Throws std::runtime_error on a device or communication failure.
  virtual size_t run(const EpochData& data, size_t batch_size, size_t first, size_t count, const double* coeffs,
                     double* losses, double* correct, const std::atomic<bool>& abort, GradientReducer* reducer) = 0;
  // Forward pass only: out[rows, units] for x[rows, in], in batches of batch_size rows.
  virtual void predict(const float* x, size_t rows, size_t batch_size, float* out) = 0;
  // The training data may have changed since the last run (a device re-uploads it).
  virtual void forget_data() {}
};

// Workspaces (per batch size) a training loop keeps.
constexpr size_t kMaxWorkspaces = 6;

class Trainer : public TrainingLoop {
 public:
  explicit Trainer(const TrainerSpec& spec);
  ~Trainer() override;

  // Runs batches first .. first+count-1 of the epoch (batch b covers order[b*B .. b*B+B),
  // the last one possibly shorter); step i uses coeffs[i * coeff_count ..]. Writes each
  // batch's mean loss (before its update) to losses[i] and its correct predictions to
  // correct[i]. Stops early when `abort` becomes true; returns the batches done. With a
  // reducer, every step's gradients are averaged across ranks before the update.
  size_t run(const EpochData& data, size_t batch_size, size_t first, size_t count, const double* coeffs,
             double* losses, double* correct, const std::atomic<bool>& abort, GradientReducer* reducer = nullptr) override;

  void predict(const float* x, size_t rows, size_t batch_size, float* out) override;

 private:
  struct Workspace;
  Workspace& workspace(size_t rows);
  void forward(Workspace& ws, size_t rows);
  double step(Workspace& ws, size_t rows, const double* coeffs, double* correct, GradientReducer* reducer);

  TrainerSpec spec_;
  std::vector<float> grad_arena_;       // [dW0, db0, dW1, db1, ...]: one buffer, as the optimizer state
  std::vector<float*> grads_;           // each parameter's view into grad_arena_
  std::vector<OptimTensor> tensors_;
  std::vector<size_t> lengths_;
  RecentEntries<Workspace> workspaces_;  // by rows
};

}  // namespace dendrite

#endif  // DENDRITE_TRAINER_H_
