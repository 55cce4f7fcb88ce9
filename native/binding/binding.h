// Registration functions of the binding files (one per API area).
#ifndef DENDRITE_BINDING_BINDING_H_
#define DENDRITE_BINDING_BINDING_H_

#include <napi.h>

namespace dendrite {
namespace binding {
void InitActivation(Napi::Env env, Napi::Object exports);
void InitLoss(Napi::Env env, Napi::Object exports);
void InitSystem(Napi::Env env, Napi::Object exports);
void InitOptim(Napi::Env env, Napi::Object exports);
void InitTrainer(Napi::Env env, Napi::Object exports);
void InitGemm(Napi::Env env, Napi::Object exports);
void InitCuda(Napi::Env env, Napi::Object exports);
}  // namespace binding
}  // namespace dendrite

#endif  // DENDRITE_BINDING_BINDING_H_
