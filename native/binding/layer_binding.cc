// NativeLayer: one layer (native/layers/) on its own over a device, for the building-block
// API (Layer.forward / Layer.backward on the cpu and cuda backends). Synchronous: a single
// layer on one batch. `forward(x, rows, training, y)`; `backward(x, rows, training, y, dy,
// dx|null, grads)` runs forward again (the scratch backward needs) and then backward. On a
// device that computes on host arrays the layer works on the JS arrays in place; otherwise
// they are copied in and the results out (buffers such as batch norm's running statistics
// come back after a forward; a backward leaves them alone).
#include <napi.h>

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "binding.h"
#include "convert.h"
#include "dendrite/device.h"
#include "dendrite/layer.h"
#include "layer_config.h"

namespace dendrite {
namespace binding {

std::string StringAt(const Napi::Object& o, const char* key) {
  const Napi::Value v = o.Get(key);
  if (!v.IsString()) ThrowType(o.Env(), "a string", key);
  return v.As<Napi::String>().Utf8Value();
}

namespace {

std::vector<size_t> ShapeAt(const Napi::Object& o, const char* key) {
  const Napi::Value v = o.Get(key);
  if (!v.IsArray()) ThrowType(o.Env(), "an array of sizes", key);
  const Napi::Array a = v.As<Napi::Array>();
  std::vector<size_t> shape;
  for (uint32_t i = 0; i < a.Length(); ++i) shape.push_back(AsSize(a.Get(i), key));
  return shape;
}

}  // namespace

LayerConfig ReadLayerConfig(const Napi::Object& lo, std::vector<PinnedArray>* pins, const std::string& where) {
  Napi::Env env = lo.Env();
  LayerConfig c;
  c.type = StringAt(lo, "type");
  c.in_shape = ShapeAt(lo, "inShape");
  c.out_shape = ShapeAt(lo, "outShape");
  const Napi::Value options = lo.Get("options");
  if (!options.IsObject()) ThrowType(env, "an object", "options");
  const Napi::Object oo = options.As<Napi::Object>();
  const Napi::Array keys = oo.GetPropertyNames();
  for (uint32_t k = 0; k < keys.Length(); ++k) {
    const std::string key = keys.Get(k).As<Napi::String>().Utf8Value();
    const Napi::Value v = oo.Get(key);
    if (v.IsNumber()) c.numbers[key] = v.As<Napi::Number>().DoubleValue();
    else if (v.IsString()) c.strings[key] = v.As<Napi::String>().Utf8Value();
    else if (v.IsBoolean()) c.numbers[key] = v.As<Napi::Boolean>().Value() ? 1 : 0;
    else ThrowType(env, "numbers, strings or booleans", "options");
  }
  const Napi::Value tensors = lo.Get("tensors");
  if (!tensors.IsObject()) ThrowType(env, "an object of Float32Arrays", "tensors");
  const Napi::Object to = tensors.As<Napi::Object>();
  const Napi::Array names = to.GetPropertyNames();
  for (uint32_t k = 0; k < names.Length(); ++k) {
    const std::string name = names.Get(k).As<Napi::String>().Utf8Value();
    const F32View t = AsFloat32(to.Get(name), "tensors");
    c.tensors.push_back(LayerTensor{name, t.data, t.length, true});
    pins->push_back(PinnedArray::Of(to.Get(name), where + "." + name));
  }
  const Napi::Value counter = lo.Get("counter");
  if (!counter.IsUndefined()) {
    if (!counter.IsTypedArray() || counter.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array ||
        counter.As<Napi::Uint32Array>().ElementLength() < 1)
      ThrowType(env, "a Uint32Array", "counter");
    pins->push_back(PinnedArray::Of(counter, where + ".counter"));
    c.counter = static_cast<uint32_t*>(pins->back().data);
  }
  return c;
}

std::unique_ptr<Layer> MakeLayer(Napi::Env env, const LayerConfig& config) {
  try {
    return make_layer(config);
  } catch (const std::invalid_argument& e) {
    ThrowType(env, std::string("a valid ") + e.what() + " for a " + config.type + " layer", "layer spec");
  }
}

namespace {

class NativeLayer : public Napi::ObjectWrap<NativeLayer> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeLayer", {InstanceMethod("forward", &NativeLayer::Forward),
                                            InstanceMethod("backward", &NativeLayer::Backward)});
  }

  // new NativeLayer(spec, device)
  explicit NativeLayer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeLayer>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsObject()) ThrowType(env, "a layer spec object", "spec");
    const LayerConfig config = ReadLayerConfig(info[0].As<Napi::Object>(), &pins_, "layer");
    layer_ = MakeLayer(env, config);
    const std::string where = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "cpu";
    std::string error;
    if (where == "cpu") device_ = make_cpu_device();
    else if (where == "deviceMath") device_ = make_host_device();
    else if (where == "cuda") device_ = make_cuda_device(&error);
    else ThrowType(env, "'cpu', 'cuda' or 'deviceMath'", "device");
    if (!device_) throw Napi::Error::New(env, "Expected a usable CUDA device for device but received none (" + error + ")");
  }

 private:
  // Device memory for one call.
  struct Memory {
    Device* device;
    std::vector<void*> blocks;
    ~Memory() {
      for (void* p : blocks) device->release(p);
    }
    float* floats(size_t n) {
      blocks.push_back(device->alloc(std::max<size_t>(n, 1) * sizeof(float)));
      return static_cast<float*>(blocks.back());
    }
  };

  Napi::Value Forward(const Napi::CallbackInfo& info) { return Run(info, false); }
  Napi::Value Backward(const Napi::CallbackInfo& info) { return Run(info, true); }

  Napi::Value Run(const Napi::CallbackInfo& info, bool backward) {
    Napi::Env env = info.Env();
    CheckPinned(env, pins_);  // the layer computes on them in place
    const F32View x = AsFloat32(info[0], "x");
    const size_t rows = AsSize(info[1], "rows");
    const bool training = info[2].ToBoolean();
    const F32View y = AsFloat32(info[3], "y");
    const size_t in = layer_->in_size(), out = layer_->out_size();
    if (x.length != rows * in) ThrowType(env, "rows * inputSize values", "x");
    if (y.length != rows * out) ThrowType(env, "rows * outputSize values", "y");
    F32View dy{nullptr, 0}, dx{nullptr, 0};
    const auto& list = layer_->tensors();
    std::vector<F32View> grads(list.size(), F32View{nullptr, 0});
    if (backward) {
      dy = AsFloat32(info[4], "dy");
      dx = AsOptionalFloat32(info[5], "dx");
      if (dy.length != rows * out) ThrowType(env, "rows * outputSize values", "dy");
      if (dx.data && dx.length != rows * in) ThrowType(env, "rows * inputSize values", "dx");
      if (!info[6].IsArray() || info[6].As<Napi::Array>().Length() != list.size()) ThrowType(env, "one entry per tensor", "grads");
      const Napi::Array g = info[6].As<Napi::Array>();
      for (size_t t = 0; t < list.size(); ++t) {
        if (!list[t].trainable) continue;
        grads[t] = AsFloat32(g.Get(static_cast<uint32_t>(t)), "grads");
        if (grads[t].length != list[t].size) ThrowType(env, "one gradient per trainable tensor, of its size", "grads");
      }
    }
    try {
      Compute(rows, training, x, y, dy, dx, grads, backward);
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, std::string("native layer failed: ") + e.what());
    }
    return env.Undefined();
  }

  void Compute(size_t rows, bool training, F32View x, F32View y, F32View dy, F32View dx, const std::vector<F32View>& grads, bool backward) {
    Device& d = *device_;
    const bool on_host = d.computes_on_host_arrays();
    Memory mem{&d, {}};
    auto in_device = [&](float* host, size_t n, bool copy_in) {
      if (on_host || !host) return host;
      float* p = mem.floats(n);
      if (copy_in) d.upload(p, host, n * sizeof(float));
      return p;
    };
    const auto& list = layer_->tensors();
    std::vector<float*> tensors, gradients;
    for (size_t t = 0; t < list.size(); ++t) {
      tensors.push_back(in_device(list[t].host, list[t].size, true));
      gradients.push_back(in_device(grads[t].data, grads[t].length, false));
    }
    LayerStep s;
    s.rows = rows;
    s.training = training;
    s.x = in_device(x.data, x.length, true);
    s.y = in_device(y.data, y.length, false);
    s.tensors = tensors.data();
    s.grads = gradients.data();
    s.scratch = Scratch(layer_->scratch_floats(rows));
    if (layer_->passes_through()) {  // flatten: the output is the input
      std::memcpy(y.data, x.data, x.length * sizeof(float));
      if (backward && dx.data) std::memcpy(dx.data, dy.data, dy.length * sizeof(float));
      return;
    }
    layer_->forward(d, s);
    if (backward) {
      s.dy = in_device(dy.data, dy.length, true);
      s.dx = in_device(dx.data, dx.length, false);
      layer_->backward(d, s);
    }
    if (on_host) return;
    d.download(y.data, s.y, y.length * sizeof(float));
    if (backward) {
      if (dx.data) d.download(dx.data, s.dx, dx.length * sizeof(float));
      for (size_t t = 0; t < list.size(); ++t)
        if (grads[t].data) d.download(grads[t].data, gradients[t], grads[t].length * sizeof(float));
    } else {
      for (size_t t = 0; t < list.size(); ++t)
        if (!list[t].trainable) d.download(list[t].host, tensors[t], list[t].size * sizeof(float));
    }
  }

  // The scratch, kept between calls (a fresh block per call would fault every page in again).
  float* Scratch(size_t floats) {
    if (floats > scratch_floats_ || !scratch_) {
      if (scratch_) device_->release(scratch_);
      scratch_ = nullptr;
      scratch_ = static_cast<float*>(device_->alloc(std::max<size_t>(floats, 1) * sizeof(float)));
      scratch_floats_ = floats;
    }
    return scratch_;
  }

  std::unique_ptr<Layer> layer_;
  std::unique_ptr<Device> device_;
  std::vector<PinnedArray> pins_;
  float* scratch_ = nullptr;
  size_t scratch_floats_ = 0;

 public:
  ~NativeLayer() override {
    if (scratch_) device_->release(scratch_);
  }
};

}  // namespace

void InitLayer(Napi::Env env, Napi::Object exports) { exports.Set("NativeLayer", NativeLayer::Define(env)); }

}  // namespace binding
}  // namespace dendrite
