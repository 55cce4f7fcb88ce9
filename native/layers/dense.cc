// Dense: y = act(x W + b) on the last axis of the input (every leading axis is a row, as
// Keras and nn.Linear). Tensors: weight [in, units], bias [units] (optional).
#include <memory>
#include <stdexcept>

#include "affine.h"

namespace dendrite {
namespace {

class Dense : public Layer {
 public:
  explicit Dense(const LayerConfig& c) : Layer(shape_size(c.in_shape), shape_size(c.out_shape)) {
    const size_t in = c.in_shape.back(), units = c.out_shape.back();
    core_.configure(c, in, units);
    groups_ = in_size_ / in;
    if (groups_ * units != out_size_) throw std::invalid_argument("outShape");
    tensors_.push_back(c.tensor("weight", in * units));
    if (c.number("useBias") != 0) tensors_.push_back(c.tensor("bias", units));
  }
  size_t scratch_floats(size_t rows) const override { return core_.scratch_floats(rows * groups_); }
  void forward(Device& d, const LayerStep& s) override {
    core_.forward(d, s.rows * groups_, s.x, s.y, s.tensors[0], bias(s.tensors), s.scratch);
  }
  void backward(Device& d, const LayerStep& s) override {
    core_.backward(d, s.rows * groups_, s.x, s.y, s.dy, s.dx, s.tensors[0], s.grads[0], bias(s.grads), s.scratch);
  }

 private:
  float* bias(float* const* list) const { return tensors_.size() > 1 ? list[1] : nullptr; }
  Affine core_;
  size_t groups_ = 1;  // rows of the affine map per sample
};

}  // namespace

std::unique_ptr<Layer> make_dense(const LayerConfig& c) { return std::make_unique<Dense>(c); }

}  // namespace dendrite
