// Conv2D over NHWC images: im2col (each output pixel's window as one row of
// kh*kw*inChannels values) and the dense core on those rows, so the convolution runs on
// the packed GEMM with the bias and activation fused. Backward: the core's dW and dcol,
// then col2im for dx. Tensors: weight [kh, kw, inChannels, filters] (= [kh*kw*inChannels,
// filters] row-major), bias [filters].
#include <algorithm>
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
    pixels_ = w_.out_h * w_.out_w;
    chunk_ = std::max<size_t>(1, kChunkFloats / (pixels_ * k));
  }
  // the core's z and dz for the whole batch, then one chunk's col
  size_t scratch_floats(size_t rows) const override {
    return core_.scratch_floats(rows * pixels_) + std::min(rows, chunk_) * pixels_ * core_.in;
  }
  void forward(Device& d, const LayerStep& s) override {
    float* col = s.scratch + core_.scratch_floats(s.rows * pixels_);
    for (size_t n0 = 0; n0 < s.rows; n0 += chunk_) {
      const size_t n = std::min(chunk_, s.rows - n0);
      d.im2col(col, s.x + n0 * in_size_, window(n));
      // the chunk's rows of z (the core's scratch starts with z [rows * pixels, filters])
      core_.forward(d, n * pixels_, col, s.y + n0 * out_size_, s.tensors[0], bias(s.tensors), s.scratch + n0 * out_size_);
    }
  }
  void backward(Device& d, const LayerStep& s) override {
    float* col = s.scratch + core_.scratch_floats(s.rows * pixels_);
    const float* dz = core_.backward_activation(d, s.rows * pixels_, s.y, s.dy, bias(s.grads), s.scratch);
    for (size_t n0 = 0; n0 < s.rows || n0 == 0; n0 += chunk_) {  // once for an empty batch: dW = 0
      const size_t n = std::min(chunk_, s.rows - n0);
      const float* dz_chunk = dz + n0 * out_size_;
      d.im2col(col, s.x + n0 * in_size_, window(n));
      core_.weight_grad(d, n * pixels_, col, dz_chunk, s.grads[0], n0 == 0 ? 0.0f : 1.0f);
      if (s.dx) {  // dcol overwrites col, which dW has read
        core_.input_grad(d, n * pixels_, dz_chunk, s.tensors[0], col);
        d.col2im(s.dx + n0 * in_size_, col, window(n));
      }
    }
  }

 private:
  static constexpr size_t kChunkFloats = size_t{1} << 19;  // col floats per chunk (2 MiB)
  Window2d window(size_t batch) const {
    Window2d w = w_;
    w.batch = batch;
    return w;
  }
  float* bias(float* const* list) const { return tensors_.size() > 1 ? list[1] : nullptr; }
  Window2d w_;
  Affine core_;
  size_t pixels_ = 1;  // output pixels per sample
  size_t chunk_ = 1;   // samples per chunk
};

}  // namespace

std::unique_ptr<Layer> make_conv2d(const LayerConfig& c) { return std::make_unique<Conv2d>(c); }

}  // namespace dendrite
