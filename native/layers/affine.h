// y = act(x W + b) over rows: the compute of dense (on the last axis) and of conv2d (on
// im2col rows). Forward is one GEMM with the bias and an element-wise activation fused
// into its epilogue; backward dz = act'(z) dy, db = column sums of dz, dW = x^T dz,
// dx = dz W^T.
#ifndef DENDRITE_LAYERS_AFFINE_H_
#define DENDRITE_LAYERS_AFFINE_H_

#include <cstddef>

#include "dendrite/device.h"
#include "dendrite/layer.h"

namespace dendrite {

enum class RowAct { none, softmax, log_softmax };

struct Affine {
  size_t in = 0, units = 0;
  int act = -1;              // element-wise activation id, -1 for none (linear or row-wise)
  RowAct row = RowAct::none;
  ActParams params;

  // Reads act, row and the activation options from a layer config.
  void configure(const LayerConfig& c, size_t in_width, size_t out_width);
  bool has_activation() const { return act >= 0 || row != RowAct::none; }
  // relu, leaky_relu, relu6: the derivative at z equals the one at y = act(z) (the kinks map to
  // themselves), so y replaces z and backward works in place on dy: no z, no dz, one pass less.
  bool derivative_from_output() const;
  // z and dz [rows, units] when there is an activation that needs them (else y and dy serve).
  size_t scratch_floats(size_t rows) const { return has_activation() && !derivative_from_output() ? 2 * rows * units : 0; }
  void forward(Device& d, size_t rows, const float* x, float* y, const float* w, const float* b, float* scratch) const;
  // dy may be overwritten; dx may be null; db null without bias.
  void backward(Device& d, size_t rows, const float* x, const float* y, float* dy, float* dx, const float* w, float* dw,
                float* db, float* scratch) const;
  // backward in pieces (conv2d runs the products per chunk of rows):
  // dz = act'(z) dy (dy itself without an activation, or when computed in place), and db = its
  // column sums when db is given
  float* backward_activation(Device& d, size_t rows, const float* y, float* dy, float* db, float* scratch) const;
  // dW = x^T dz + beta dW
  void weight_grad(Device& d, size_t rows, const float* x, const float* dz, float* dw, float beta) const;
  // dx = dz W^T
  void input_grad(Device& d, size_t rows, const float* dz, const float* w, float* dx) const;
};

}  // namespace dendrite

#endif  // DENDRITE_LAYERS_AFFINE_H_
