// The op functions of every backend, over an op table (dendrite/ops.h):
//   exports.activationForward, ... (top level)  the cpu kernels (cpu_ops)
//   exports.gemmReference                        the reference GEMM (reference_ops)
//   exports.cuda                                 the CUDA kernels (cuda::device_ops)
//   exports.deviceMath                           the CUDA device math on the CPU (cuda::host_ops)
// plus cudaInfo(). Each function receives its table through the N-API data
// pointer, so one set of binding functions (and argument checks) serves all. An op's error (no driver, out of memory ...)
// is thrown as a JS Error; nothing here needs a GPU to load.
#include <string>
#include <vector>

#include "../kernels/cuda/cuda_api.h"
#include "binding.h"
#include "convert.h"

namespace dendrite {
namespace binding {
namespace {


const Ops& OpsOf(const Napi::CallbackInfo& info) { return *static_cast<const Ops*>(info.Data()); }

void Check(Napi::Env env, const Status& s) {
  if (!s.empty()) throw Napi::Error::New(env, "CUDA backend: " + s);
}

int AsActId(const Napi::Value& v) {
  const size_t id = AsSize(v, "activation id");
  if (id >= static_cast<size_t>(kActCount)) ThrowType(v.Env(), "a known activation id", "activation id");
  return static_cast<int>(id);
}

ActParams AsParams(const Napi::CallbackInfo& info, size_t first) {
  ActParams p;
  p.alpha = AsFloat(info[first], "alpha");
  p.beta = AsFloat(info[first + 1], "beta");
  p.threshold = AsFloat(info[first + 2], "threshold");
  return p;
}

bool AsBool(const Napi::Value& v, const char* name) {
  if (!v.IsBoolean()) ThrowType(v.Env(), "a boolean", name);
  return v.As<Napi::Boolean>().Value();
}

Napi::Value CudaInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const cuda::ProbeInfo p = cuda::probe();
  Napi::Object o = Napi::Object::New(env);
  o.Set("compiled", p.compiled);
  o.Set("cublas", p.cublas);
  o.Set("deviceCount", p.device_count);
  o.Set("error", p.error);
  o.Set("errorName", p.error_name);
  o.Set("deviceName", p.device_name);
  o.Set("computeCapability", std::to_string(p.cc_major) + "." + std::to_string(p.cc_minor));
  o.Set("runtimeVersion", p.runtime_version);
  o.Set("driverVersion", p.driver_version);
  o.Set("archs", p.archs);
  return o;
}

// activationForward(id, x, out, alpha, beta, threshold)
Napi::Value ActivationForward(const Napi::CallbackInfo& info) {
  const int act = AsActId(info[0]);
  const F32View x = AsFloat32(info[1], "x");
  const F32View out = AsFloat32(info[2], "out");
  RequireLength(info.Env(), out.length, x.length, "out");
  Check(info.Env(), OpsOf(info).act_fwd(act, out.data, x.data, x.length, AsParams(info, 3)));
  return info.Env().Undefined();
}

// activationBackward(id, x, dy, out, alpha, beta, threshold)
Napi::Value ActivationBackward(const Napi::CallbackInfo& info) {
  const int act = AsActId(info[0]);
  const F32View x = AsFloat32(info[1], "x");
  const F32View dy = AsFloat32(info[2], "dy");
  const F32View out = AsFloat32(info[3], "out");
  RequireLength(info.Env(), dy.length, x.length, "dy");
  RequireLength(info.Env(), out.length, x.length, "out");
  Check(info.Env(), OpsOf(info).act_bwd(act, out.data, x.data, dy.data, x.length, AsParams(info, 4)));
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
  Check(info.Env(), OpsOf(info).softmax_fwd(out.data, x.data, rows, cols, info[4].ToBoolean()));
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
  Check(info.Env(), OpsOf(info).softmax_bwd(out.data, x.data, dy.data, rows, cols, info[5].ToBoolean()));
  return info.Env().Undefined();
}

void RequireNonEmpty(Napi::Env env, size_t n, const char* name) {
  if (n == 0) ThrowType(env, "a non-empty Float32Array", name);
}

// The element-wise losses: (input, targets of the same length, grad|null) -> mean loss.
using ElementLoss = Status (*const Ops::*)(double*, float*, const float*, const float*, size_t);
Napi::Value ElementwiseLoss(const Napi::CallbackInfo& info, const char* input_name, ElementLoss op) {
  const F32View p = AsFloat32(info[0], input_name);
  const F32View t = AsFloat32(info[1], "targets");
  const F32View g = AsOptionalFloat32(info[2], "grad");
  RequireNonEmpty(info.Env(), p.length, input_name);
  RequireLength(info.Env(), t.length, p.length, "targets");
  if (g.data) RequireLength(info.Env(), g.length, p.length, "grad");
  double loss = 0.0;
  Check(info.Env(), (OpsOf(info).*op)(&loss, g.data, p.data, t.data, p.length));
  return Napi::Number::New(info.Env(), loss);
}

// mse(pred, target, grad|null)
Napi::Value Mse(const Napi::CallbackInfo& info) { return ElementwiseLoss(info, "predictions", &Ops::mse); }

// bceWithLogits(logits, targets, grad|null)
Napi::Value BceWithLogits(const Napi::CallbackInfo& info) { return ElementwiseLoss(info, "logits", &Ops::bce); }

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
  double loss = 0.0;
  Check(env, OpsOf(info).softmax_ce(&loss, g.data, z.data, targets, rows, cols, smoothing));
  return Napi::Number::New(env, loss);
}

// optimizerStep(kind, params, grads, state, slots, coeffs: Float64Array)
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
  Check(env, OpsOf(info).optim_step(static_cast<int>(kind), params.data.data(), grads.data.data(), params.lengths.data(),
                                    params.data.size(), state.data, slots, coeffs));
  return env.Undefined();
}

// clipGradNorm(grads, maxNorm) -> norm before clipping
Napi::Value ClipGradNorm(const Napi::CallbackInfo& info) {
  const F32List grads = AsFloat32List(info[0], "grads");
  double norm = 0.0;
  Check(info.Env(), OpsOf(info).clip_norm(&norm, grads.data.data(), grads.lengths.data(), grads.data.size(),
                                          AsFloat(info[1], "maxNorm")));
  return Napi::Number::New(info.Env(), norm);
}

// clipGradValue(grads, value)
Napi::Value ClipGradValue(const Napi::CallbackInfo& info) {
  const F32List grads = AsFloat32List(info[0], "grads");
  Check(info.Env(), OpsOf(info).clip_value(grads.data.data(), grads.lengths.data(), grads.data.size(),
                                           AsFloat(info[1], "value")));
  return info.Env().Undefined();
}

void RequireMatrix(Napi::Env env, const F32View& x, size_t rows, size_t cols, size_t ld, const char* name,
                   const char* ld_name) {
  if (ld < cols) ThrowType(env, "a leading dimension >= " + std::to_string(cols), ld_name);
  if (rows == 0 || cols == 0) return;
  if (x.length < cols || (rows - 1) > (x.length - cols) / ld)
    ThrowType(env, "a Float32Array of at least (" + std::to_string(rows) + " - 1) * " + std::to_string(ld) + " + " +
                       std::to_string(cols) + " elements",
              name);
}

// gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
//      bias | null, actId (-1: none), actAlpha, actBeta, actThreshold, actOut | null, ldo): the cpu contract.
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 20) ThrowType(env, "20 arguments", "gemm");
  GemmCall g;
  g.trans_a = AsBool(info[0], "transA");
  g.trans_b = AsBool(info[1], "transB");
  g.m = AsSize(info[2], "m");
  g.n = AsSize(info[3], "n");
  g.k = AsSize(info[4], "k");
  g.alpha = AsFloat(info[5], "alpha");
  const F32View a = AsFloat32(info[6], "a");
  g.lda = AsSize(info[7], "lda");
  const F32View b = AsFloat32(info[8], "b");
  g.ldb = AsSize(info[9], "ldb");
  g.beta = AsFloat(info[10], "beta");
  const F32View c = AsFloat32(info[11], "c");
  g.ldc = AsSize(info[12], "ldc");
  RequireMatrix(env, a, g.trans_a ? g.k : g.m, g.trans_a ? g.m : g.k, g.lda, "a", "lda");
  RequireMatrix(env, b, g.trans_b ? g.n : g.k, g.trans_b ? g.k : g.n, g.ldb, "b", "ldb");
  RequireMatrix(env, c, g.m, g.n, g.ldc, "c", "ldc");
  g.a = a.data;
  g.a_len = a.length;
  g.b = b.data;
  g.b_len = b.length;
  g.c = c.data;
  g.c_len = c.length;
  const F32View bias = AsOptionalFloat32(info[13], "bias");
  if (bias.data && bias.length < g.n)
    ThrowType(env, "a Float32Array of at least n = " + std::to_string(g.n) + " elements", "bias");
  g.bias = bias.data;
  if (!info[14].IsNumber()) ThrowType(env, "-1 or a known activation id", "actId");
  const double id = info[14].As<Napi::Number>().DoubleValue();
  if (id != -1.0 && !(id >= 0 && id < kActCount && id == static_cast<double>(static_cast<int>(id))))
    ThrowType(env, "-1 or a known activation id", "actId");
  g.act_params.alpha = AsFloat(info[15], "actAlpha");
  g.act_params.beta = AsFloat(info[16], "actBeta");
  g.act_params.threshold = AsFloat(info[17], "actThreshold");
  const F32View out = AsOptionalFloat32(info[18], "actOut");
  const bool has_out = !info[18].IsNull() && !info[18].IsUndefined();
  g.ldo = AsSize(info[19], "ldo");
  if (id >= 0) {
    if (!has_out) ThrowType(env, "a Float32Array when an activation is set", "actOut");
    RequireMatrix(env, out, g.m, g.n, g.ldo, "actOut", "ldo");
    g.act = static_cast<int>(id);
    g.act_out = out.data;
    g.out_len = out.length;
  } else if (has_out) {
    ThrowType(env, "null when no activation is set (actId -1)", "actOut");
  }
  Check(env, OpsOf(info).gemm(g));
  return env.Undefined();
}

// configure(key, value): "matmulPrecision" fp32|tf32, "gemm" auto|own|cublas
Napi::Value Configure(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsString()) ThrowType(env, "two strings", "configure(key, value)");
  const std::string key = info[0].As<Napi::String>(), value = info[1].As<Napi::String>();
  Check(env, OpsOf(info).configure(key.c_str(), value.c_str()));
  return env.Undefined();
}

Napi::Value GemmImpl(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), OpsOf(info).gemm_impl()); }

// cuda.bench(what, n, reps) -> ms per call: a micro-benchmark over device memory
// (cuda_api.h: bench; bench/gpu). Synchronous: it blocks the event loop while it runs.
Napi::Value CudaBench(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) ThrowType(env, "a string", "what");
  const std::string what = info[0].As<Napi::String>();
  const size_t n = AsSize(info[1], "n");
  const size_t reps = AsSize(info[2], "reps");
  if (n == 0) ThrowType(env, "a positive integer", "n");
  if (reps == 0 || reps > 1000000) ThrowType(env, "an integer in [1, 1000000]", "reps");
  double ms = 0.0;
  Check(env, cuda::bench(what.c_str(), n, static_cast<int>(reps), &ms));
  return Napi::Number::New(env, ms);
}

Napi::Object OpsObject(Napi::Env env, const Ops& ops) {
  void* data = const_cast<Ops*>(&ops);
  Napi::Object o = Napi::Object::New(env);
  auto add = [&](const char* name, Napi::Value (*fn)(const Napi::CallbackInfo&)) {
    o.Set(name, Napi::Function::New(env, fn, name, data));
  };
  add("activationForward", ActivationForward);
  add("activationBackward", ActivationBackward);
  add("softmaxForward", SoftmaxForward);
  add("softmaxBackward", SoftmaxBackward);
  add("mse", Mse);
  add("softmaxCrossEntropy", SoftmaxCrossEntropy);
  add("bceWithLogits", BceWithLogits);
  add("optimizerStep", OptimizerStep);
  add("clipGradNorm", ClipGradNorm);
  add("clipGradValue", ClipGradValue);
  add("gemm", Gemm);
  add("configure", Configure);
  add("gemmImpl", GemmImpl);
  o.Set("name", Napi::String::New(env, ops.name));
  return o;
}

}  // namespace

void InitOps(Napi::Env env, Napi::Object exports) {
  const Napi::Object cpu = OpsObject(env, cpu_ops());
  for (const char* name : {"activationForward", "activationBackward", "softmaxForward", "softmaxBackward", "mse",
                           "softmaxCrossEntropy", "bceWithLogits", "optimizerStep", "clipGradNorm", "clipGradValue",
                           "gemm"})
    exports.Set(name, cpu.Get(name));
  exports.Set("gemmReference", OpsObject(env, reference_ops()).Get("gemm"));
  exports.Set("cudaInfo", Napi::Function::New(env, CudaInfo, "cudaInfo"));
  Napi::Object cuda_ops = OpsObject(env, cuda::device_ops());
  cuda_ops.Set("bench", Napi::Function::New(env, CudaBench, "bench"));  // device memory only: not on deviceMath
  exports.Set("cuda", cuda_ops);
  exports.Set("deviceMath", OpsObject(env, cuda::host_ops()));
}

}  // namespace binding
}  // namespace dendrite
