// Batch normalisation over the last axis (torch's semantics, SCHEMA.md 8): tensors gamma,
// beta (trainable) and movingMean, movingVariance (buffers: updated in training forward).
// Scratch: the mean and 1/std forward normalised with, for backward.
#include <memory>
#include <stdexcept>

#include "dendrite/layer.h"

namespace dendrite {
namespace {

class BatchNorm : public Layer {
 public:
  explicit BatchNorm(const LayerConfig& c) : Layer(shape_size(c.in_shape), shape_size(c.in_shape)) {
    channels_ = c.in_shape.back();
    momentum_ = static_cast<float>(c.number("momentum"));
    eps_ = static_cast<float>(c.number("eps"));
    tensors_.push_back(c.tensor("gamma", channels_));
    tensors_.push_back(c.tensor("beta", channels_));
    tensors_.push_back(c.tensor("movingMean", channels_, false));
    tensors_.push_back(c.tensor("movingVariance", channels_, false));
  }
  size_t scratch_floats(size_t) const override { return 2 * channels_; }
  void forward(Device& d, const LayerStep& s) override {
    BatchNormArgs a = args(s);
    a.x = s.x;
    a.y = s.y;
    d.batch_norm_fwd(a);
  }
  void backward(Device& d, const LayerStep& s) override {
    BatchNormArgs a = args(s);
    a.x = s.x;
    a.dy = s.dy;
    a.dx = s.dx;
    a.dgamma = s.grads[0];
    a.dbeta = s.grads[1];
    d.batch_norm_bwd(a);
  }

 private:
  BatchNormArgs args(const LayerStep& s) const {
    BatchNormArgs a;
    a.rows = s.rows * (in_size_ / channels_);
    a.channels = channels_;
    a.training = s.training;
    a.momentum = momentum_;
    a.eps = eps_;
    a.gamma = s.tensors[0];
    a.beta = s.tensors[1];
    a.running_mean = s.tensors[2];
    a.running_var = s.tensors[3];
    a.mean = s.scratch;
    a.invstd = s.scratch + channels_;
    return a;
  }
  size_t channels_;
  float momentum_, eps_;
};

}  // namespace

std::unique_ptr<Layer> make_batch_norm(const LayerConfig& c) { return std::make_unique<BatchNorm>(c); }

}  // namespace dendrite
