#include "affine.h"

#include <stdexcept>
#include <string>

namespace dendrite {

void Affine::configure(const LayerConfig& c, size_t in_width, size_t out_width) {
  in = in_width;
  units = out_width;
  // the activation kernel's name: an element-wise one (kActNames), softmax or logSoftmax
  const std::string& name = c.string("activation");
  act = -1;
  row = name == "softmax" ? RowAct::softmax : name == "logSoftmax" ? RowAct::log_softmax : RowAct::none;
  if (row == RowAct::none && name != "linear") {
    for (int i = 0; i < kActCount; ++i)
      if (name == kActNames[i]) act = i;
    if (act < 0) throw std::invalid_argument("activation");
  }
  params.alpha = static_cast<float>(c.number("alpha"));
  params.beta = static_cast<float>(c.number("beta"));
  params.threshold = static_cast<float>(c.number("threshold"));
}

bool Affine::derivative_from_output() const {
  return act == static_cast<int>(Act::relu) || act == static_cast<int>(Act::leaky_relu) || act == static_cast<int>(Act::relu6);
}

void Affine::forward(Device& d, size_t rows, const float* x, float* y, const float* w, const float* b, float* scratch) const {
  float* z = has_activation() && !derivative_from_output() ? scratch : y;  // else the epilogue runs in place
  GemmCall g;  // z = x W + b, y = act(z) in the epilogue
  g.m = rows; g.n = units; g.k = in;
  g.a = x; g.lda = in; g.b = w; g.ldb = units; g.c = z; g.ldc = units;
  g.bias = b;
  if (act >= 0) {
    g.act = act;
    g.act_params = params;
    g.act_out = y;
    g.ldo = units;
  }
  d.gemm(g);
  if (row != RowAct::none) d.softmax_fwd(y, z, rows, units, row == RowAct::log_softmax);
}

float* Affine::backward_activation(Device& d, size_t rows, const float* y, float* dy, float* db, float* scratch) const {
  const bool in_place = derivative_from_output();
  const float* z = in_place ? y : scratch;
  float* dz = has_activation() && !in_place ? scratch + rows * units : dy;
  if (act >= 0) d.act_bwd(act, dz, z, dy, rows * units, params);
  if (row != RowAct::none) d.softmax_bwd(dz, z, dy, rows, units, row == RowAct::log_softmax);
  if (db) d.column_sums(db, dz, rows, units);
  return dz;
}

void Affine::weight_grad(Device& d, size_t rows, const float* x, const float* dz, float* dw, float beta) const {
  GemmCall g;  // dW = x^T dz (+ beta dW)
  g.trans_a = true;
  g.m = in; g.n = units; g.k = rows;
  g.beta = beta;
  g.a = x; g.lda = in; g.b = dz; g.ldb = units; g.c = dw; g.ldc = units;
  d.gemm(g);
}

void Affine::input_grad(Device& d, size_t rows, const float* dz, const float* w, float* dx) const {
  GemmCall g;  // dx = dz W^T
  g.trans_b = true;
  g.m = rows; g.n = in; g.k = units;
  g.a = dz; g.lda = units; g.b = w; g.ldb = units; g.c = dx; g.ldc = in;
  d.gemm(g);
}

void Affine::backward(Device& d, size_t rows, const float* x, const float* y, float* dy, float* dx, const float* w, float* dw,
                      float* db, float* scratch) const {
  const float* dz = backward_activation(d, rows, y, dy, db, scratch);
  weight_grad(d, rows, x, dz, dw, 0.0f);
  if (dx) input_grad(d, rows, dz, w, dx);
}

}  // namespace dendrite
