// Registration functions of the binding files (one per API area).
#ifndef DENDRITE_BINDING_BINDING_H_
#define DENDRITE_BINDING_BINDING_H_

#include <napi.h>

namespace dendrite {
namespace binding {
void InitSystem(Napi::Env env, Napi::Object exports);
void InitOps(Napi::Env env, Napi::Object exports);
void InitTrainer(Napi::Env env, Napi::Object exports);
void InitDistributed(Napi::Env env, Napi::Object exports);
void InitLayer(Napi::Env env, Napi::Object exports);
}  // namespace binding
}  // namespace dendrite

#endif  // DENDRITE_BINDING_BINDING_H_
