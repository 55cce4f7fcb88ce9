// A layer as the training loop (dendrite/trainer.h) runs it: its forward and backward
// over a Device, its tensors (trainable parameters and non-trainable buffers), the
// per-batch scratch it keeps from forward to backward, and its sizes. Each layer type
// is one file under native/layers/; make_layer() (native/layers/registry.cc) builds one
// from the config the binding reads from JS. No N-API here.
#ifndef DENDRITE_LAYER_H_
#define DENDRITE_LAYER_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dendrite/device.h"

namespace dendrite {

// One tensor of a layer, as the caller owns it (host memory, updated in place).
struct LayerTensor {
  std::string name;
  float* host = nullptr;
  size_t size = 0;
  bool trainable = true;  // false: a buffer (batch norm's running statistics)
};

// What a layer's forward and backward see in one step (device pointers).
struct LayerStep {
  size_t rows = 0;              // samples in the batch
  bool training = false;        // batch norm statistics, dropout
  const float* x = nullptr;     // [rows, in_size]
  float* y = nullptr;           // [rows, out_size]
  float* dy = nullptr;          // d loss / d y (a layer may overwrite it in backward)
  float* dx = nullptr;          // d loss / d x to write in backward, or null (nothing needs it)
  float* const* tensors = nullptr;  // the layer's tensors, in tensors() order
  float* const* grads = nullptr;    // their gradients (null for buffers)
  float* scratch = nullptr;         // scratch_floats(rows) floats, kept from forward to backward
};

class Layer {
 public:
  virtual ~Layer() = default;
  // Per-sample sizes.
  size_t in_size() const { return in_size_; }
  size_t out_size() const { return out_size_; }
  const std::vector<LayerTensor>& tensors() const { return tensors_; }
  // Floats of scratch per batch of `rows` samples.
  virtual size_t scratch_floats(size_t rows) const { (void)rows; return 0; }
  // True when the output is the input itself (flatten): the loop aliases the buffers and
  // calls neither forward nor backward.
  virtual bool passes_through() const { return false; }
  virtual void forward(Device& device, const LayerStep& s) = 0;
  // Writes s.dx (when not null) and the gradients of the trainable tensors (overwritten).
  virtual void backward(Device& device, const LayerStep& s) = 0;

 protected:
  Layer(size_t in_size, size_t out_size) : in_size_(in_size), out_size_(out_size) {}
  size_t in_size_, out_size_;
  std::vector<LayerTensor> tensors_;
};

// A layer's configuration as read from JS: its type, numeric options, per-sample input and
// output shapes, its tensors (host arrays) and, for dropout, its step counter.
struct LayerConfig {
  std::string type;
  std::map<std::string, double> numbers;
  std::map<std::string, std::string> strings;
  std::vector<size_t> in_shape, out_shape;
  std::vector<LayerTensor> tensors;
  uint32_t* counter = nullptr;
  // The option `key`; throws std::invalid_argument naming it when missing.
  double number(const std::string& key) const;
  const std::string& string(const std::string& key) const;
  // The tensor named `name` with `size` elements (the caller checked both exist).
  LayerTensor tensor(const std::string& name, size_t size, bool trainable = true) const;
};

// Builds the layer a config describes; throws std::invalid_argument on an unknown type or a
// config that does not fit it.
std::unique_ptr<Layer> make_layer(const LayerConfig& config);

size_t shape_size(const std::vector<size_t>& shape);

}  // namespace dendrite

#endif  // DENDRITE_LAYER_H_
