// Introspection: which kernel variant runs, which exist, and the op order.
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

}  // namespace

void InitSystem(Napi::Env env, Napi::Object exports) {
  exports.Set("isa", Napi::Function::New(env, Isa));
  exports.Set("isaVariants", Napi::Function::New(env, IsaVariants));
  exports.Set("selectIsa", Napi::Function::New(env, SelectIsa));
  exports.Set("activationNames", Napi::Function::New(env, ActivationNames));
}

}  // namespace binding
}  // namespace dendrite
