// The Window2d of a conv2d or pooling layer from its config: input [H, W, C] and output
// [OH, OW, ...] shapes, window kh x kw, strides sh, sw and the padding before (padTop,
// padLeft), as the TS layers resolve them (src/layer/window.ts).
#ifndef DENDRITE_LAYERS_WINDOW_H_
#define DENDRITE_LAYERS_WINDOW_H_

#include <stdexcept>

#include "dendrite/device.h"
#include "dendrite/layer.h"

namespace dendrite {

inline Window2d window_from(const LayerConfig& c) {
  if (c.in_shape.size() != 3 || c.out_shape.size() != 3) throw std::invalid_argument("inShape");
  Window2d w;
  w.height = c.in_shape[0];
  w.width = c.in_shape[1];
  w.channels = c.in_shape[2];
  w.out_h = c.out_shape[0];
  w.out_w = c.out_shape[1];
  w.kh = static_cast<size_t>(c.number("kh"));
  w.kw = static_cast<size_t>(c.number("kw"));
  w.sh = static_cast<size_t>(c.number("sh"));
  w.sw = static_cast<size_t>(c.number("sw"));
  w.pad_top = static_cast<size_t>(c.number("padTop"));
  w.pad_left = static_cast<size_t>(c.number("padLeft"));
  // every window must hold a real cell: padding smaller than the window, the last window starting inside
  if (w.kh == 0 || w.kw == 0 || w.sh == 0 || w.sw == 0 || w.pad_top >= w.kh || w.pad_left >= w.kw || w.out_h == 0 ||
      w.out_w == 0 || (w.out_h - 1) * w.sh >= w.height + w.pad_top || (w.out_w - 1) * w.sw >= w.width + w.pad_left)
    throw std::invalid_argument("kernelSize");
  return w;
}

}  // namespace dendrite

#endif  // DENDRITE_LAYERS_WINDOW_H_
