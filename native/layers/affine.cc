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

void Affine::forward(Device& d, size_t rows, const float* x, float* y, const float* w, const float* b, float* scratch) const {
  float* z = has_activation() ? scratch : y;
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

void Affine::backward(Device& d, size_t rows, const float* x, float* dy, float* dx, const float* w, float* dw, float* db,
                      float* scratch) const {
  const float* z = scratch;
  float* dz = has_activation() ? scratch + rows * units : dy;
  if (act >= 0) d.act_bwd(act, dz, z, dy, rows * units, params);
  if (row != RowAct::none) d.softmax_bwd(dz, z, dy, rows, units, row == RowAct::log_softmax);
  if (db) d.column_sums(db, dz, rows, units);
  GemmCall dwc;  // dW = x^T dz
  dwc.trans_a = true;
  dwc.m = in; dwc.n = units; dwc.k = rows;
  dwc.a = x; dwc.lda = in; dwc.b = dz; dwc.ldb = units; dwc.c = dw; dwc.ldc = units;
  d.gemm(dwc);
  if (dx) {  // dx = dz W^T
    GemmCall dxc;
    dxc.trans_b = true;
    dxc.m = rows; dxc.n = in; dxc.k = units;
    dxc.a = dz; dxc.lda = units; dxc.b = w; dxc.ldb = units; dxc.c = dx; dxc.ldc = in;
    d.gemm(dxc);
  }
}

}  // namespace dendrite
