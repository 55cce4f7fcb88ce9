// The addon's entry point: registers each API area's functions.
#include "binding.h"

namespace {
Napi::Object Init(Napi::Env env, Napi::Object exports) {
  dendrite::binding::InitOps(env, exports);
  dendrite::binding::InitSystem(env, exports);
  dendrite::binding::InitTrainer(env, exports);
  dendrite::binding::InitDistributed(env, exports);
  dendrite::binding::InitLayer(env, exports);
  return exports;
}
}  // namespace

NODE_API_MODULE(NODE_GYP_MODULE_NAME, Init)
