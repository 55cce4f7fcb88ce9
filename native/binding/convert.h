// JS <-> native conversion for the binding layer. The TS facade validates every
// argument first; these checks are the last line of defence so that a direct
// call with bad arguments throws a JS error instead of touching bad memory.
#ifndef DENDRITE_BINDING_CONVERT_H_
#define DENDRITE_BINDING_CONVERT_H_

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace dendrite {
namespace binding {

[[noreturn]] inline void ThrowType(Napi::Env env, const std::string& what, const char* name) {
  throw Napi::TypeError::New(env, "Expected " + what + " for " + name);
}

struct F32View {
  float* data;
  size_t length;
};

inline F32View AsFloat32(const Napi::Value& v, const char* name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    ThrowType(v.Env(), "a Float32Array", name);
  auto a = v.As<Napi::Float32Array>();
  return {a.Data(), a.ElementLength()};
}

// A Float32Array, or null/undefined for "not wanted".
inline F32View AsOptionalFloat32(const Napi::Value& v, const char* name) {
  if (v.IsNull() || v.IsUndefined()) return {nullptr, 0};
  return AsFloat32(v, name);
}

// An array of Float32Arrays, as pointers and lengths.
struct F32List {
  std::vector<float*> data;
  std::vector<size_t> lengths;
  size_t total = 0;
};

inline F32List AsFloat32List(const Napi::Value& v, const char* name) {
  if (!v.IsArray()) ThrowType(v.Env(), "an array of Float32Array", name);
  auto arr = v.As<Napi::Array>();
  F32List out;
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    const F32View x = AsFloat32(arr.Get(i), name);
    out.data.push_back(x.data);
    out.lengths.push_back(x.length);
    out.total += x.length;
  }
  return out;
}

inline const int32_t* AsInt32(const Napi::Value& v, const char* name, size_t* length) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    ThrowType(v.Env(), "an Int32Array", name);
  auto a = v.As<Napi::Int32Array>();
  *length = a.ElementLength();
  return a.Data();
}

inline size_t AsSize(const Napi::Value& v, const char* name) {
  if (!v.IsNumber()) ThrowType(v.Env(), "a non-negative integer", name);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d != static_cast<double>(static_cast<int64_t>(d))) ThrowType(v.Env(), "a non-negative integer", name);
  return static_cast<size_t>(d);
}

inline float AsFloat(const Napi::Value& v, const char* name) {
  if (!v.IsNumber()) ThrowType(v.Env(), "a number", name);
  return static_cast<float>(v.As<Napi::Number>().DoubleValue());
}

inline void RequireLength(Napi::Env env, size_t got, size_t want, const char* name) {
  if (got != want) ThrowType(env, "a Float32Array of length " + std::to_string(want), name);
}

}  // namespace binding
}  // namespace dendrite

#endif  // DENDRITE_BINDING_CONVERT_H_
