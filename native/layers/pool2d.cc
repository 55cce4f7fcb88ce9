// Pooling over NHWC images: max (padding never wins; the winner's index is kept for
// backward) and average (padded cells not counted). Global average pooling is average
// pooling with the whole image as the window. No tensors.
#include <memory>
#include <stdexcept>

#include "dendrite/layer.h"
#include "window.h"

namespace dendrite {
namespace {

// The pooling window; global pooling's is the whole image.
Window2d window_of(const LayerConfig& c, bool global) {
  if (!global) return window_from(c);
  if (c.in_shape.size() != 3) throw std::invalid_argument("inShape");
  Window2d w;
  w.height = c.in_shape[0];
  w.width = c.in_shape[1];
  w.channels = c.in_shape[2];
  w.kh = w.sh = w.height;
  w.kw = w.sw = w.width;
  w.out_h = w.out_w = 1;
  return w;
}

class MaxPool2d : public Layer {
 public:
  explicit MaxPool2d(const LayerConfig& c) : Layer(shape_size(c.in_shape), shape_size(c.out_shape)), w_(window_of(c, false)) {}
  // the winners' indices, as int32 in float-sized slots
  size_t scratch_floats(size_t rows) const override { return rows * out_size_; }
  void forward(Device& d, const LayerStep& s) override { d.max_pool_fwd(s.y, arg(s), s.x, at(s)); }
  void backward(Device& d, const LayerStep& s) override {
    if (s.dx) d.max_pool_bwd(s.dx, s.dy, arg(s), at(s));
  }

 private:
  static int32_t* arg(const LayerStep& s) { return reinterpret_cast<int32_t*>(s.scratch); }
  Window2d at(const LayerStep& s) const {
    Window2d w = w_;
    w.batch = s.rows;
    return w;
  }
  Window2d w_;
};

class AvgPool2d : public Layer {
 public:
  AvgPool2d(const LayerConfig& c, bool global) : Layer(shape_size(c.in_shape), shape_size(c.out_shape)), w_(window_of(c, global)) {
    if (out_size_ != w_.out_h * w_.out_w * w_.channels) throw std::invalid_argument("outShape");
  }
  void forward(Device& d, const LayerStep& s) override { d.avg_pool_fwd(s.y, s.x, at(s)); }
  void backward(Device& d, const LayerStep& s) override {
    if (s.dx) d.avg_pool_bwd(s.dx, s.dy, at(s));
  }

 private:
  Window2d at(const LayerStep& s) const {
    Window2d w = w_;
    w.batch = s.rows;
    return w;
  }
  Window2d w_;
};

}  // namespace

std::unique_ptr<Layer> make_max_pool2d(const LayerConfig& c) { return std::make_unique<MaxPool2d>(c); }
std::unique_ptr<Layer> make_avg_pool2d(const LayerConfig& c) { return std::make_unique<AvgPool2d>(c, false); }
std::unique_ptr<Layer> make_global_avg_pool2d(const LayerConfig& c) { return std::make_unique<AvgPool2d>(c, true); }

}  // namespace dendrite
