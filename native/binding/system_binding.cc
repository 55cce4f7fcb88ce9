// Introspection and settings: which kernel variant runs, which exist, the op
// order, and the thread count.
#include <cstring>

#include "dendrite/dispatch.h"
#include "dendrite/thread_pool.h"
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

Napi::Value NumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), num_threads()); }

// poolWorkers(): the pool's worker threads alive now (tests: shrinking really stops them).
Napi::Value PoolWorkers(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), pool_workers()); }

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

void InitSystem(Napi::Env env, Napi::Object exports) {
  exports.Set("isa", Napi::Function::New(env, Isa));
  exports.Set("isaVariants", Napi::Function::New(env, IsaVariants));
  exports.Set("selectIsa", Napi::Function::New(env, SelectIsa));
  exports.Set("activationNames", Napi::Function::New(env, ActivationNames));
  exports.Set("copyFloat32", Napi::Function::New(env, CopyFloat32));
  exports.Set("numThreads", Napi::Function::New(env, NumThreads));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("poolWorkers", Napi::Function::New(env, PoolWorkers));
  exports.Set("optimizerNames", Napi::Function::New(env, OptimizerNames));
}

}  // namespace binding
}  // namespace dendrite
