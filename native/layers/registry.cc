// make_layer: the layer types by the name the TS facade's native spec gives them. A new
// layer type is its file and one line here.
#include <stdexcept>

#include "dendrite/layer.h"

namespace dendrite {

std::unique_ptr<Layer> make_dense(const LayerConfig& c);
std::unique_ptr<Layer> make_conv2d(const LayerConfig& c);
std::unique_ptr<Layer> make_max_pool2d(const LayerConfig& c);
std::unique_ptr<Layer> make_avg_pool2d(const LayerConfig& c);
std::unique_ptr<Layer> make_global_avg_pool2d(const LayerConfig& c);
std::unique_ptr<Layer> make_batch_norm(const LayerConfig& c);
std::unique_ptr<Layer> make_layer_norm(const LayerConfig& c);
std::unique_ptr<Layer> make_dropout(const LayerConfig& c);
std::unique_ptr<Layer> make_embedding(const LayerConfig& c);

namespace {

// flatten: the NHWC data already is in (h, w, c) order
class Flatten : public Layer {
 public:
  explicit Flatten(const LayerConfig& c) : Layer(shape_size(c.in_shape), shape_size(c.in_shape)) {}
  bool passes_through() const override { return true; }
  void forward(Device&, const LayerStep&) override {}
  void backward(Device&, const LayerStep&) override {}
};

struct Entry {
  const char* type;
  std::unique_ptr<Layer> (*make)(const LayerConfig&);
};

std::unique_ptr<Layer> make_flatten(const LayerConfig& c) { return std::make_unique<Flatten>(c); }

constexpr Entry kLayers[] = {
    {"dense", make_dense},
    {"conv2d", make_conv2d},
    {"maxPool2d", make_max_pool2d},
    {"avgPool2d", make_avg_pool2d},
    {"globalAvgPool2d", make_global_avg_pool2d},
    {"batchNorm", make_batch_norm},
    {"layerNorm", make_layer_norm},
    {"dropout", make_dropout},
    {"embedding", make_embedding},
    {"flatten", make_flatten},
};

}  // namespace

size_t shape_size(const std::vector<size_t>& shape) {
  size_t n = 1;
  for (size_t d : shape) n *= d;
  return n;
}

double LayerConfig::number(const std::string& key) const {
  const auto found = numbers.find(key);
  if (found == numbers.end()) throw std::invalid_argument(key);
  return found->second;
}

const std::string& LayerConfig::string(const std::string& key) const {
  const auto found = strings.find(key);
  if (found == strings.end()) throw std::invalid_argument(key);
  return found->second;
}

LayerTensor LayerConfig::tensor(const std::string& name, size_t size, bool trainable) const {
  for (const LayerTensor& t : tensors)
    if (t.name == name) {
      if (t.size != size) throw std::invalid_argument(name);
      LayerTensor out = t;
      out.trainable = trainable;
      return out;
    }
  throw std::invalid_argument(name);
}

std::unique_ptr<Layer> make_layer(const LayerConfig& config) {
  if (config.in_shape.empty() || config.out_shape.empty() || shape_size(config.in_shape) == 0 ||
      shape_size(config.out_shape) == 0)
    throw std::invalid_argument("inShape");
  for (const Entry& e : kLayers)
    if (config.type == e.type) return e.make(config);
  throw std::invalid_argument("type");
}

}  // namespace dendrite
