// Reading a layer's native spec (Layer.nativeSpec() in src/layer/layer.ts) into a LayerConfig.
#ifndef DENDRITE_BINDING_LAYER_CONFIG_H_
#define DENDRITE_BINDING_LAYER_CONFIG_H_

#include <napi.h>

#include <string>
#include <vector>

#include "dendrite/layer.h"

namespace dendrite {
namespace binding {

std::string StringAt(const Napi::Object& o, const char* key);
// { type, inShape, outShape, options, tensors, counter? }; the arrays it points into are
// added to *refs (held as long as whatever uses the config).
LayerConfig ReadLayerConfig(const Napi::Object& spec, std::vector<Napi::ObjectReference>* refs);
// make_layer(config), its std::invalid_argument restated as a JS TypeError.
std::unique_ptr<Layer> MakeLayer(Napi::Env env, const LayerConfig& config);

}  // namespace binding
}  // namespace dendrite

#endif  // DENDRITE_BINDING_LAYER_CONFIG_H_
