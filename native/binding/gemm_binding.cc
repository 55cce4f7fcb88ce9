// gemm / gemmReference: row-major fp32 GEMM with the fused bias + activation
// epilogue (dendrite/gemm.h), on Float32Arrays with explicit leading dimensions.
#include <string>

#include "dendrite/dispatch.h"
#include "dendrite/gemm.h"
#include "binding.h"
#include "convert.h"

namespace dendrite {
namespace binding {
namespace {

bool AsBool(const Napi::Value& v, const char* name) {
  if (!v.IsBoolean()) ThrowType(v.Env(), "a boolean", name);
  return v.As<Napi::Boolean>().Value();
}

// A rows x cols row-major matrix with leading dimension ld must fit in the array:
// ld >= cols and (rows - 1) * ld + cols <= length (nothing is needed when it is empty).
void RequireMatrix(Napi::Env env, const F32View& x, size_t rows, size_t cols, size_t ld, const char* name,
                   const char* ld_name) {
  if (ld < cols) ThrowType(env, "a leading dimension >= " + std::to_string(cols), ld_name);
  if (rows == 0 || cols == 0) return;
  if (x.length < cols || (rows - 1) > (x.length - cols) / ld)
    ThrowType(env, "a Float32Array of at least (" + std::to_string(rows) + " - 1) * " + std::to_string(ld) + " + " +
                       std::to_string(cols) + " elements",
              name);
}

// (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
//  bias | null, actId (-1: none), actAlpha, actBeta, actThreshold, actOut | null, ldo)
void RunGemm(const Napi::CallbackInfo& info, void (*run)(const GemmArgs&)) {
  Napi::Env env = info.Env();
  if (info.Length() < 20) ThrowType(env, "20 arguments", "gemm");
  GemmArgs g;
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
  // op(A) is m x k: stored k x m when transposed. op(B) is k x n: stored n x k when transposed.
  RequireMatrix(env, a, g.trans_a ? g.k : g.m, g.trans_a ? g.m : g.k, g.lda, "a", "lda");
  RequireMatrix(env, b, g.trans_b ? g.n : g.k, g.trans_b ? g.k : g.n, g.ldb, "b", "ldb");
  RequireMatrix(env, c, g.m, g.n, g.ldc, "c", "ldc");
  g.a = a.data;
  g.b = b.data;
  g.c = c.data;

  GemmEpilogue e;
  const F32View bias = AsOptionalFloat32(info[13], "bias");
  if (bias.data && bias.length < g.n)
    ThrowType(env, "a Float32Array of at least n = " + std::to_string(g.n) + " elements", "bias");
  e.bias = bias.data;
  if (!info[14].IsNumber()) ThrowType(env, "-1 or a known activation id", "actId");
  const double id = info[14].As<Napi::Number>().DoubleValue();
  if (id != -1.0 && !(id >= 0 && id < kActCount && id == static_cast<double>(static_cast<int>(id))))
    ThrowType(env, "-1 or a known activation id", "actId");
  e.act_params.alpha = AsFloat(info[15], "actAlpha");
  e.act_params.beta = AsFloat(info[16], "actBeta");
  e.act_params.threshold = AsFloat(info[17], "actThreshold");
  const F32View out = AsOptionalFloat32(info[18], "actOut");
  const bool has_out = !info[18].IsNull() && !info[18].IsUndefined();
  const size_t ldo = AsSize(info[19], "ldo");
  if (id >= 0) {
    if (!has_out) ThrowType(env, "a Float32Array when an activation is set", "actOut");
    RequireMatrix(env, out, g.m, g.n, ldo, "actOut", "ldo");
    e.act = kernels().act_fwd[static_cast<int>(id)];
    e.act_out = out.data;
    e.ldo = ldo;
  } else if (has_out) {
    ThrowType(env, "null when no activation is set (actId -1)", "actOut");
  }
  if (e.bias || e.act) g.epilogue = &e;
  run(g);
}

Napi::Value Gemm(const Napi::CallbackInfo& info) {
  RunGemm(info, gemm);
  return info.Env().Undefined();
}

Napi::Value GemmReference(const Napi::CallbackInfo& info) {
  RunGemm(info, gemm_reference);
  return info.Env().Undefined();
}

}  // namespace

void InitGemm(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm));
  exports.Set("gemmReference", Napi::Function::New(env, GemmReference));
}

}  // namespace binding
}  // namespace dendrite
