// Layer normalisation over the last axis: tensors gamma, beta; scratch: each row's mean
// and 1/std from forward, for backward.
#include <memory>

#include "dendrite/layer.h"

namespace dendrite {
namespace {

class LayerNorm : public Layer {
 public:
  explicit LayerNorm(const LayerConfig& c) : Layer(shape_size(c.in_shape), shape_size(c.in_shape)) {
    cols_ = c.in_shape.back();
    eps_ = static_cast<float>(c.number("eps"));
    tensors_.push_back(c.tensor("gamma", cols_));
    tensors_.push_back(c.tensor("beta", cols_));
  }
  size_t scratch_floats(size_t rows) const override { return 2 * rows * (in_size_ / cols_); }
  void forward(Device& d, const LayerStep& s) override {
    LayerNormArgs a = args(s);
    a.x = s.x;
    a.y = s.y;
    d.layer_norm_fwd(a);
  }
  void backward(Device& d, const LayerStep& s) override {
    LayerNormArgs a = args(s);
    a.x = s.x;
    a.dy = s.dy;
    a.dx = s.dx;
    a.dgamma = s.grads[0];
    a.dbeta = s.grads[1];
    d.layer_norm_bwd(a);
  }

 private:
  LayerNormArgs args(const LayerStep& s) const {
    LayerNormArgs a;
    a.rows = s.rows * (in_size_ / cols_);
    a.cols = cols_;
    a.eps = eps_;
    a.gamma = s.tensors[0];
    a.beta = s.tensors[1];
    a.mean = s.scratch;
    a.rstd = s.scratch + a.rows;
    return a;
  }
  size_t cols_;
  float eps_;
};

}  // namespace

std::unique_ptr<Layer> make_layer_norm(const LayerConfig& c) { return std::make_unique<LayerNorm>(c); }

}  // namespace dendrite
