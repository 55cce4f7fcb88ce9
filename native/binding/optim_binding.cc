// optimizerStep (every tensor of a step in one call), clipGradNorm,
// clipGradValue, and the thread-count setting.
#include <cmath>

#include "dendrite/multi_tensor.h"
#include "dendrite/thread_pool.h"
#include "binding.h"
#include "convert.h"

namespace dendrite {
namespace binding {
namespace {

// optimizerStep(kind, params: Float32Array[], grads: Float32Array[], state: Float32Array, slots, coeffs: Float64Array)
// State is slot-major: slot s of tensor t starts at s * total + offset(t).
Napi::Value OptimizerStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const size_t kind = AsSize(info[0], "optimizer id");
  if (kind >= static_cast<size_t>(kOptimCount)) ThrowType(env, "a known optimizer id", "optimizer id");
  const F32List params = AsFloat32List(info[1], "params");
  const F32List grads = AsFloat32List(info[2], "grads");
  const F32View state = AsFloat32(info[3], "state");
  const size_t slots = AsSize(info[4], "slots");
  if (!info[5].IsTypedArray() || info[5].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    ThrowType(env, "a Float64Array", "coeffs");
  const double* coeffs = info[5].As<Napi::Float64Array>().Data();
  if (grads.lengths != params.lengths) ThrowType(env, "one gradient of the same length per parameter", "grads");
  if (slots > static_cast<size_t>(kMaxOptimSlots) || state.length != slots * params.total)
    ThrowType(env, "slots * total parameters state elements", "state");
  std::vector<OptimTensor> tensors(params.data.size());
  size_t offset = 0;
  for (size_t t = 0; t < tensors.size(); ++t) {
    tensors[t].param = params.data[t];
    tensors[t].grad = grads.data[t];
    for (size_t s = 0; s < static_cast<size_t>(kMaxOptimSlots); ++s)
      tensors[t].slot[s] = s < slots ? state.data + s * params.total + offset : nullptr;
    offset += params.lengths[t];
  }
  optimizer_step(static_cast<Optim>(kind), tensors.data(), params.lengths.data(), tensors.size(), coeffs);
  return env.Undefined();
}

// clipGradNorm(grads, maxNorm) -> total L2 norm before clipping (torch: scale by maxNorm / (norm + 1e-6) when < 1)
Napi::Value ClipGradNorm(const Napi::CallbackInfo& info) {
  const F32List grads = AsFloat32List(info[0], "grads");
  const double max_norm = AsFloat(info[1], "maxNorm");
  const double norm = std::sqrt(sum_squares_all(grads.data.data(), grads.lengths.data(), grads.data.size()));
  const double coef = max_norm / (norm + 1e-6);
  if (coef < 1.0) scale_all(grads.data.data(), grads.lengths.data(), grads.data.size(), static_cast<float>(coef));
  return Napi::Number::New(info.Env(), norm);
}

// clipGradValue(grads, value): clamp every element to [-value, value]
Napi::Value ClipGradValue(const Napi::CallbackInfo& info) {
  const F32List grads = AsFloat32List(info[0], "grads");
  const float v = AsFloat(info[1], "value");
  clamp_all(grads.data.data(), grads.lengths.data(), grads.data.size(), -v, v);
  return info.Env().Undefined();
}

Napi::Value NumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), num_threads()); }

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  const size_t n = AsSize(info[0], "threads");
  if (n < 1) ThrowType(info.Env(), "an integer >= 1", "threads");
  set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value OptimizerNames(const Napi::CallbackInfo& info) {
  auto out = Napi::Array::New(info.Env(), kOptimCount);
  for (int i = 0; i < kOptimCount; ++i) out.Set(static_cast<uint32_t>(i), kOptimNames[i]);
  return out;
}

}  // namespace

void InitOptim(Napi::Env env, Napi::Object exports) {
  exports.Set("optimizerStep", Napi::Function::New(env, OptimizerStep));
  exports.Set("clipGradNorm", Napi::Function::New(env, ClipGradNorm));
  exports.Set("clipGradValue", Napi::Function::New(env, ClipGradValue));
  exports.Set("numThreads", Napi::Function::New(env, NumThreads));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("optimizerNames", Napi::Function::New(env, OptimizerNames));
}

}  // namespace binding
}  // namespace dendrite
