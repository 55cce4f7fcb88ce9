// Introspection: which kernel variant runs, which exist, and the op order.
#include <cstring>

#include "dendrite/dispatch.h"
#include "binding.h"
#include "convert.h"

namespace dendrite {
namespace binding {
namespace {

Napi::Value Isa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), kernels().isa); }

Napi::Value IsaVariants(const Napi::CallbackInfo& info) {
  const auto names = available_isas();
  auto out = Napi::Array::New(info.Env(), names.size());
  for (size_t i = 0; i < names.size(); ++i) out.Set(static_cast<uint32_t>(i), names[i]);
  return out;
}

// selectIsa(name): 'auto' | 'avx2' | 'scalar'; returns false if unavailable.
Napi::Value SelectIsa(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) ThrowType(info.Env(), "a string", "isa");
  return Napi::Boolean::New(info.Env(), select_isa(info[0].As<Napi::String>().Utf8Value()));
}

Napi::Value ActivationNames(const Napi::CallbackInfo& info) {
  auto out = Napi::Array::New(info.Env(), kActCount);
  for (int i = 0; i < kActCount; ++i) out.Set(static_cast<uint32_t>(i), kActNames[i]);
  return out;
}

// copyFloat32(out, x): a plain memcpy, the bandwidth baseline of the benchmarks.
Napi::Value CopyFloat32(const Napi::CallbackInfo& info) {
  const F32View x = AsFloat32(info[1], "x");
  const F32View out = AsFloat32(info[0], "out");
  RequireLength(info.Env(), out.length, x.length, "out");
  if (x.length) std::memcpy(out.data, x.data, x.length * sizeof(float));
  return info.Env().Undefined();
}

}  // namespace

void InitSystem(Napi::Env env, Napi::Object exports) {
  exports.Set("isa", Napi::Function::New(env, Isa));
  exports.Set("isaVariants", Napi::Function::New(env, IsaVariants));
  exports.Set("selectIsa", Napi::Function::New(env, SelectIsa));
  exports.Set("activationNames", Napi::Function::New(env, ActivationNames));
  exports.Set("copyFloat32", Napi::Function::New(env, CopyFloat32));
}

}  // namespace binding
}  // namespace dendrite
