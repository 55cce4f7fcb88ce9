// The addon's entry point: registers each API area's functions.
#include "binding.h"

namespace {
Napi::Object Init(Napi::Env env, Napi::Object exports) {
  dendrite::binding::InitActivation(env, exports);
  dendrite::binding::InitLoss(env, exports);
  dendrite::binding::InitSystem(env, exports);
  dendrite::binding::InitOptim(env, exports);
  dendrite::binding::InitTrainer(env, exports);
  dendrite::binding::InitGemm(env, exports);
  dendrite::binding::InitCuda(env, exports);
  return exports;
}
}  // namespace

NODE_API_MODULE(NODE_GYP_MODULE_NAME, Init)
