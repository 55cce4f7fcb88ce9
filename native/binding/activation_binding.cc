// activationForward / activationBackward / softmaxForward / softmaxBackward.
#include "dendrite/dispatch.h"
#include "binding.h"
#include "convert.h"

namespace dendrite {
namespace binding {
namespace {

Act AsAct(const Napi::Value& v) {
  const size_t id = AsSize(v, "activation id");
  if (id >= static_cast<size_t>(kActCount)) ThrowType(v.Env(), "a known activation id", "activation id");
  return static_cast<Act>(id);
}

ActParams AsParams(const Napi::CallbackInfo& info, size_t first) {
  ActParams p;
  p.alpha = AsFloat(info[first], "alpha");
  p.beta = AsFloat(info[first + 1], "beta");
  p.threshold = AsFloat(info[first + 2], "threshold");
  return p;
}

// activationForward(id, x, out, alpha, beta, threshold)
Napi::Value ActivationForward(const Napi::CallbackInfo& info) {
  const Act act = AsAct(info[0]);
  const F32View x = AsFloat32(info[1], "x");
  const F32View out = AsFloat32(info[2], "out");
  RequireLength(info.Env(), out.length, x.length, "out");
  kernels().act_fwd[static_cast<int>(act)](out.data, x.data, x.length, AsParams(info, 3));
  return info.Env().Undefined();
}

// activationBackward(id, x, dy, out, alpha, beta, threshold)
Napi::Value ActivationBackward(const Napi::CallbackInfo& info) {
  const Act act = AsAct(info[0]);
  const F32View x = AsFloat32(info[1], "x");
  const F32View dy = AsFloat32(info[2], "dy");
  const F32View out = AsFloat32(info[3], "out");
  RequireLength(info.Env(), dy.length, x.length, "dy");
  RequireLength(info.Env(), out.length, x.length, "out");
  kernels().act_bwd[static_cast<int>(act)](out.data, x.data, dy.data, x.length, AsParams(info, 4));
  return info.Env().Undefined();
}

void RequireRows(Napi::Env env, size_t length, size_t rows, size_t cols) {
  if (rows * cols != length) ThrowType(env, "rows * cols equal to the data length", "shape");
}

// softmaxForward(x, out, rows, cols, log)
Napi::Value SoftmaxForward(const Napi::CallbackInfo& info) {
  const F32View x = AsFloat32(info[0], "x");
  const F32View out = AsFloat32(info[1], "out");
  const size_t rows = AsSize(info[2], "rows"), cols = AsSize(info[3], "cols");
  RequireRows(info.Env(), x.length, rows, cols);
  RequireLength(info.Env(), out.length, x.length, "out");
  const KernelTable& k = kernels();
  (info[4].ToBoolean() ? k.log_softmax_fwd : k.softmax_fwd)(out.data, x.data, rows, cols);
  return info.Env().Undefined();
}

// softmaxBackward(x, dy, out, rows, cols, log)
Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info) {
  const F32View x = AsFloat32(info[0], "x");
  const F32View dy = AsFloat32(info[1], "dy");
  const F32View out = AsFloat32(info[2], "out");
  const size_t rows = AsSize(info[3], "rows"), cols = AsSize(info[4], "cols");
  RequireRows(info.Env(), x.length, rows, cols);
  RequireLength(info.Env(), dy.length, x.length, "dy");
  RequireLength(info.Env(), out.length, x.length, "out");
  const KernelTable& k = kernels();
  (info[5].ToBoolean() ? k.log_softmax_bwd : k.softmax_bwd)(out.data, x.data, dy.data, rows, cols);
  return info.Env().Undefined();
}

}  // namespace

void InitActivation(Napi::Env env, Napi::Object exports) {
  exports.Set("activationForward", Napi::Function::New(env, ActivationForward));
  exports.Set("activationBackward", Napi::Function::New(env, ActivationBackward));
  exports.Set("softmaxForward", Napi::Function::New(env, SoftmaxForward));
  exports.Set("softmaxBackward", Napi::Function::New(env, SoftmaxBackward));
}

}  // namespace binding
}  // namespace dendrite
