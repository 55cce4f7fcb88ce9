// Conv2D over NHWC images: im2col (each output pixel's window as one row of
// kh*kw*inChannels values) and the dense core on those rows, so the convolution runs on
// the packed GEMM with the bias and activation fused. Backward: the core's dW and dcol,
// then col2im for dx. Tensors: weight [kh, kw, inChannels, filters] (= [kh*kw*inChannels,
// filters] row-major), bias [filters].
#include <memory>
#include <stdexcept>

#include "affine.h"
#include "window.h"

namespace dendrite {
namespace {

class Conv2d : public Layer {
 public:
  explicit Conv2d(const LayerConfig& c) : Layer(shape_size(c.in_shape), shape_size(c.out_shape)) {
    w_ = window_from(c);
    const size_t filters = c.out_shape[2], k = w_.kh * w_.kw * w_.channels;
    core_.configure(c, k, filters);
    tensors_.push_back(c.tensor("weight", k * filters));
    if (c.number("useBias") != 0) tensors_.push_back(c.tensor("bias", filters));
  }
  size_t scratch_floats(size_t rows) const override {
    const size_t pixels = rows * w_.out_h * w_.out_w;
    return pixels * core_.in + core_.scratch_floats(pixels);
  }
  void forward(Device& d, const LayerStep& s) override {
    Window2d w = w_;
    w.batch = s.rows;
    float* col = s.scratch;
    d.im2col(col, s.x, w);
    core_.forward(d, pixels(s), col, s.y, s.tensors[0], bias(s.tensors), col + pixels(s) * core_.in);
  }
  void backward(Device& d, const LayerStep& s) override {
    Window2d w = w_;
    w.batch = s.rows;
    float* col = s.scratch;
    // dcol overwrites col once dW has read it (the core computes dW before dx)
    core_.backward(d, pixels(s), col, s.dy, s.dx ? col : nullptr, s.tensors[0], s.grads[0], bias(s.grads),
                   col + pixels(s) * core_.in);
    if (s.dx) d.col2im(s.dx, col, w);
  }

 private:
  size_t pixels(const LayerStep& s) const { return s.rows * w_.out_h * w_.out_w; }
  float* bias(float* const* list) const { return tensors_.size() > 1 ? list[1] : nullptr; }
  Window2d w_;
  Affine core_;
};

}  // namespace

std::unique_ptr<Layer> make_conv2d(const LayerConfig& c) { return std::make_unique<Conv2d>(c); }

}  // namespace dendrite
