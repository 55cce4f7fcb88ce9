// Reading a layer's native spec (Layer.nativeSpec() in src/layer/layer.ts) into a LayerConfig.
#ifndef DENDRITE_BINDING_LAYER_CONFIG_H_
#define DENDRITE_BINDING_LAYER_CONFIG_H_

#include <napi.h>

#include <string>
#include <vector>

#include "convert.h"
#include "dendrite/layer.h"

namespace dendrite {
namespace binding {

std::string StringAt(const Napi::Object& o, const char* key);
// { type, inShape, outShape, options, tensors, counter? }; the arrays it points into are
// added to *pins (held as long as whatever uses the config, and checked before each use),
// named `<where>.<tensor>`.
LayerConfig ReadLayerConfig(const Napi::Object& spec, std::vector<PinnedArray>* pins, const std::string& where);
// make_layer(config), its std::invalid_argument restated as a JS TypeError.
std::unique_ptr<Layer> MakeLayer(Napi::Env env, const LayerConfig& config);

}  // namespace binding
}  // namespace dendrite

#endif  // DENDRITE_BINDING_LAYER_CONFIG_H_
