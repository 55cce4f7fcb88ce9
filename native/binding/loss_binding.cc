// mse / softmaxCrossEntropy / bceWithLogits: each returns the loss and, when a
// grad array is given, writes d(loss)/d(input) into it.
#include "dendrite/kernels.h"
#include "binding.h"
#include "convert.h"

namespace dendrite {
namespace binding {
namespace {

void RequireNonEmpty(Napi::Env env, size_t n, const char* name) {
  if (n == 0) ThrowType(env, "a non-empty Float32Array", name);
}

// mse(pred, target, grad|null)
Napi::Value Mse(const Napi::CallbackInfo& info) {
  const F32View p = AsFloat32(info[0], "predictions");
  const F32View t = AsFloat32(info[1], "targets");
  const F32View g = AsOptionalFloat32(info[2], "grad");
  RequireNonEmpty(info.Env(), p.length, "predictions");
  RequireLength(info.Env(), t.length, p.length, "targets");
  if (g.data) RequireLength(info.Env(), g.length, p.length, "grad");
  return Napi::Number::New(info.Env(), mse_f32(g.data, p.data, t.data, p.length));
}

// softmaxCrossEntropy(logits, targets Int32Array, rows, cols, labelSmoothing, grad|null)
Napi::Value SoftmaxCrossEntropy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const F32View z = AsFloat32(info[0], "logits");
  size_t n_targets = 0;
  const int32_t* targets = AsInt32(info[1], "targets", &n_targets);
  const size_t rows = AsSize(info[2], "rows"), cols = AsSize(info[3], "cols");
  const float smoothing = AsFloat(info[4], "labelSmoothing");
  const F32View g = AsOptionalFloat32(info[5], "grad");
  if (rows == 0 || cols == 0 || rows * cols != z.length) ThrowType(env, "a non-empty [rows, cols] matrix", "logits");
  if (n_targets != rows) ThrowType(env, "one target per row", "targets");
  for (size_t r = 0; r < rows; ++r)
    if (targets[r] < 0 || static_cast<size_t>(targets[r]) >= cols) ThrowType(env, "class indices in [0, cols)", "targets");
  if (g.data) RequireLength(env, g.length, z.length, "grad");
  return Napi::Number::New(env, softmax_cross_entropy_f32(g.data, z.data, targets, rows, cols, smoothing));
}

// bceWithLogits(logits, targets, grad|null)
Napi::Value BceWithLogits(const Napi::CallbackInfo& info) {
  const F32View z = AsFloat32(info[0], "logits");
  const F32View t = AsFloat32(info[1], "targets");
  const F32View g = AsOptionalFloat32(info[2], "grad");
  RequireNonEmpty(info.Env(), z.length, "logits");
  RequireLength(info.Env(), t.length, z.length, "targets");
  if (g.data) RequireLength(info.Env(), g.length, z.length, "grad");
  return Napi::Number::New(info.Env(), bce_with_logits_f32(g.data, z.data, t.data, z.length));
}

}  // namespace

void InitLoss(Napi::Env env, Napi::Object exports) {
  exports.Set("mse", Napi::Function::New(env, Mse));
  exports.Set("softmaxCrossEntropy", Napi::Function::New(env, SoftmaxCrossEntropy));
  exports.Set("bceWithLogits", Napi::Function::New(env, BceWithLogits));
}

}  // namespace binding
}  // namespace dendrite
