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

[[noreturn]] inline void ThrowDetached(Napi::Env env, const std::string& name) {
  throw Napi::TypeError::New(env, "Expected an attached ArrayBuffer for " + name + " but received a detached one");
}

// A typed array's memory, read now: its data, its length in elements, and whether its buffer
// was detached (transferred to a worker, structuredClone'd with transfer, ArrayBuffer.transfer()).
struct TypedArrayMemory {
  void* data = nullptr;
  size_t length = 0;
  bool detached = false;
};
inline TypedArrayMemory MemoryOf(const Napi::Value& v) {
  TypedArrayMemory m;
  napi_typedarray_type type;
  napi_value buffer = nullptr;
  size_t offset = 0;
  if (napi_get_typedarray_info(v.Env(), v, &type, &m.length, &m.data, &buffer, &offset) != napi_ok) return {nullptr, 0, true};
  // A detached buffer's views have length 0: only then is the (extra) question asked.
  bool detached = false;
  if (m.length == 0 && buffer && napi_is_detached_arraybuffer(v.Env(), buffer, &detached) == napi_ok) m.detached = detached;
  return m;
}

struct F32View {
  float* data;
  size_t length;
};

inline F32View AsFloat32(const Napi::Value& v, const char* name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    ThrowType(v.Env(), "a Float32Array", name);
  const TypedArrayMemory m = MemoryOf(v);
  if (m.detached) ThrowDetached(v.Env(), name);
  return {static_cast<float*>(m.data), m.length};
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
  const TypedArrayMemory m = MemoryOf(v);
  if (m.detached) ThrowDetached(v.Env(), name);
  *length = m.length;
  return static_cast<const int32_t*>(m.data);
}

// A typed array of a given type (napi_uint32_array, ...), attached: its data and length.
template <class T>
inline T* AsTyped(const Napi::Value& v, napi_typedarray_type type, const char* what, const char* name, size_t* length) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) ThrowType(v.Env(), what, name);
  const TypedArrayMemory m = MemoryOf(v);
  if (m.detached) ThrowDetached(v.Env(), name);
  *length = m.length;
  return static_cast<T*>(m.data);
}

// A JS typed array whose memory native code keeps a raw pointer into across calls (a layer's
// weights, the optimizer state): a reference keeps the array alive, and Check() is called at the
// start of every call that uses the pointer: JS can detach the buffer (transfer it to a worker)
// or, for a resizable buffer, shrink it in between.
struct PinnedArray {
  Napi::ObjectReference ref;
  void* data = nullptr;
  size_t length = 0;
  std::string name;

  static PinnedArray Of(const Napi::Value& v, std::string name) {
    PinnedArray p;
    const TypedArrayMemory m = MemoryOf(v);
    if (m.detached) ThrowDetached(v.Env(), name);
    p.ref = Napi::Persistent(v.As<Napi::Object>());
    p.data = m.data;
    p.length = m.length;
    p.name = std::move(name);
    return p;
  }
  void Check(Napi::Env env) const {
    const TypedArrayMemory m = MemoryOf(ref.Value());
    if (m.detached) ThrowDetached(env, name);
    if (m.length != length)
      throw Napi::TypeError::New(env, "Expected a typed array of " + std::to_string(length) + " values (as when it was given) for " +
                                          name + " but received one of " + std::to_string(m.length) + " values");
    if (m.data != data)
      throw Napi::TypeError::New(env, "Expected the same memory (as when it was given) for " + name + " but received a moved buffer");
  }
};

inline void CheckPinned(Napi::Env env, const std::vector<PinnedArray>& pins) {
  for (const PinnedArray& p : pins) p.Check(env);
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
