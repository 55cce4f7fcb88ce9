// Inverted dropout: in training each element is kept with probability 1 - rate and scaled
// by 1/(1 - rate), by a counter-based hash of (seed, step counter, element) that the js
// backend reproduces (layer_math.h), so a seeded run repeats exactly on every backend. The
// counter (the caller's, host memory) counts training forward passes. In eval mode it is
// the identity (rate 0: every mask value 1). Scratch: the mask, for backward.
#include <memory>
#include <stdexcept>

#include "dendrite/layer.h"

namespace dendrite {
namespace {

class Dropout : public Layer {
 public:
  explicit Dropout(const LayerConfig& c) : Layer(shape_size(c.in_shape), shape_size(c.in_shape)) {
    rate_ = static_cast<float>(c.number("rate"));
    seed_ = static_cast<uint32_t>(c.number("seed"));
    counter_ = c.counter;
    if (!(rate_ >= 0.0f && rate_ < 1.0f) || !counter_) throw std::invalid_argument("rate");
  }
  size_t scratch_floats(size_t rows) const override { return rows * in_size_; }
  void forward(Device& d, const LayerStep& s) override {
    const uint32_t step = s.training ? (*counter_)++ : 0;
    d.dropout_fwd(s.y, s.scratch, s.x, s.rows * in_size_, s.training ? rate_ : 0.0f, seed_, step);
  }
  void backward(Device& d, const LayerStep& s) override {
    if (s.dx) d.multiply(s.dx, s.dy, s.scratch, s.rows * in_size_);
  }

 private:
  float rate_;
  uint32_t seed_;
  uint32_t* counter_;
};

}  // namespace

std::unique_ptr<Layer> make_dropout(const LayerConfig& c) { return std::make_unique<Dropout>(c); }

}  // namespace dendrite
