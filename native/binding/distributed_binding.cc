// Data-parallel communication for JS: start/finalize the process's communicator
// and Promise-based collectives. Every collective runs on the communicator's own
// thread (never on the event loop or the libuv pool); its completion comes back
// through one thread-safe function, referenced only while collectives are in
// flight so that an idle communicator never keeps the process alive.
#include <napi.h>

#include <string>

#include "dendrite/communicator.h"
#include "binding.h"
#include "convert.h"

namespace dendrite {
namespace binding {
namespace {

using dist::Communicator;

struct Completion {
  Napi::Promise::Deferred deferred;
  Napi::ObjectReference keep;  // the buffer, alive until the collective is done
  std::future<std::string> result;
};

// Completions reach the main thread through this function (created on first use).
struct Notifier {
  napi_env env = nullptr;
  Napi::ThreadSafeFunction tsfn;
  size_t pending = 0;
  bool released = false;  // after finalize: the queued completions still arrive, nothing new starts
};
Notifier notifier;

void RequireOwner(Napi::Env env) {
  if (notifier.env && notifier.env != static_cast<napi_env>(env))
    throw Napi::Error::New(env, "Expected the main thread for distributed collectives but received a worker thread");
  if (!Communicator::instance().active())
    throw Napi::Error::New(env, "Expected a started communicator for a collective but received none (call distributed.init() under mpirun)");
}

Napi::Promise Settle(Napi::Env env, std::future<std::string> result, Napi::Value keep) {
  if (!notifier.env) {
    notifier.env = env;
    notifier.tsfn = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "dendrite-comm", 0, 1);
    notifier.tsfn.Unref(env);
  }
  auto* c = new Completion{Napi::Promise::Deferred::New(env), {}, std::move(result)};
  if (keep.IsObject()) c->keep = Napi::Persistent(keep.As<Napi::Object>());
  Napi::Promise promise = c->deferred.Promise();
  if (notifier.pending++ == 0) notifier.tsfn.Ref(env);
  // Queued after the collective, so it runs once that one is done.
  Communicator::instance().post([c]() -> std::string {
    notifier.tsfn.NonBlockingCall(c, [](Napi::Env env, Napi::Function, Completion* done) {
      const std::string err = done->result.get();
      if (err.empty()) done->deferred.Resolve(env.Undefined());
      else done->deferred.Reject(Napi::Error::New(env, "MPI collective failed: " + err).Value());
      delete done;
      if (--notifier.pending == 0 && !notifier.released) notifier.tsfn.Unref(env);
    });
    return "";
  });
  return promise;
}

struct Buffer {
  void* data;
  size_t n;
  dist::DType type;
};

Buffer AsBuffer(const Napi::Value& v, const char* name) {
  if (v.IsTypedArray()) {
    const auto a = v.As<Napi::TypedArray>();
    void* p = static_cast<char*>(a.ArrayBuffer().Data()) + a.ByteOffset();
    if (a.TypedArrayType() == napi_float32_array) return {p, a.ElementLength(), dist::DType::f32};
    if (a.TypedArrayType() == napi_float64_array) return {p, a.ElementLength(), dist::DType::f64};
  }
  ThrowType(v.Env(), "a Float32Array or Float64Array", name);
}

Napi::Object InfoObject(Napi::Env env) {
  const Communicator::Info& i = Communicator::instance().info();
  Napi::Object o = Napi::Object::New(env);
  o.Set("mpi", i.mpi);
  o.Set("rank", i.rank);
  o.Set("size", i.size);
  o.Set("localRank", i.local_rank);
  o.Set("localSize", i.local_size);
  o.Set("threadLevel", i.thread_level);
  o.Set("library", i.library);
  return o;
}

// distInit(force, chunkElements) -> info; throws with the reason MPI could not start.
Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const bool force = info[0].ToBoolean();
  const size_t chunk = AsSize(info[1], "chunkElements");
  const std::string err = Communicator::instance().start(force, chunk);
  if (!err.empty()) throw Napi::Error::New(env, err);
  return InfoObject(env);
}

// distLaunch() -> { launched, rank, size, localRank, localSize, compiled, mpiError }: the
// environment, and whether the MPI plugin loads (mpiError: why not, "" when it does).
Napi::Value Launch(const Napi::CallbackInfo& info) {
  const dist::Launch l = dist::detect_launch();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("launched", l.launched);
  o.Set("rank", l.rank);
  o.Set("size", l.size);
  o.Set("localRank", l.local_rank);
  o.Set("localSize", l.local_size);
  o.Set("compiled", dist::mpi_compiled());
  o.Set("mpiError", dist::mpi_unavailable());
  return o;
}

// distAllreduce(array, op: 0 sum | 1 avg | 2 min | 3 max) -> Promise<void>, in place.
Napi::Value Allreduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireOwner(env);
  const Buffer b = AsBuffer(info[0], "array");
  const size_t op = AsSize(info[1], "op");
  if (op > 3) ThrowType(env, "0, 1, 2 or 3", "op");
  return Settle(env, Communicator::instance().allreduce(b.data, b.n, b.type, static_cast<dist::ReduceOp>(op)), info[0]);
}

// distBroadcast(array, root) -> Promise<void>: root's values into every rank's array.
Napi::Value Broadcast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireOwner(env);
  const Buffer b = AsBuffer(info[0], "array");
  const size_t root = AsSize(info[1], "root");
  if (root >= static_cast<size_t>(Communicator::instance().info().size)) ThrowType(env, "a rank", "root");
  const size_t bytes = b.n * (b.type == dist::DType::f32 ? sizeof(float) : sizeof(double));
  return Settle(env, Communicator::instance().broadcast(b.data, bytes, static_cast<int>(root)), info[0]);
}

Napi::Value Barrier(const Napi::CallbackInfo& info) {
  RequireOwner(info.Env());
  return Settle(info.Env(), Communicator::instance().barrier(), info.Env().Undefined());
}

Napi::Value Finalize(const Napi::CallbackInfo& info) {
  Communicator::instance().finalize();  // runs the queued collectives first
  if (notifier.env == static_cast<napi_env>(info.Env()) && notifier.tsfn && !notifier.released) {
    notifier.released = true;
    notifier.tsfn.Release();  // delivers the completions already queued, then goes away
  }
  return info.Env().Undefined();
}

// distAbort(code): ends every rank of the job (MPI_Abort); never returns.
Napi::Value Abort(const Napi::CallbackInfo& info) {
  const size_t code = AsSize(info[0], "code");
  Communicator::instance().abort(static_cast<int>(code));
}

}  // namespace

void InitDistributed(Napi::Env env, Napi::Object exports) {
  exports.Set("distInit", Napi::Function::New(env, Init));
  exports.Set("distLaunch", Napi::Function::New(env, Launch));
  exports.Set("distAllreduce", Napi::Function::New(env, Allreduce));
  exports.Set("distBroadcast", Napi::Function::New(env, Broadcast));
  exports.Set("distBarrier", Napi::Function::New(env, Barrier));
  exports.Set("distFinalize", Napi::Function::New(env, Finalize));
  exports.Set("distAbort", Napi::Function::New(env, Abort));
}

}  // namespace binding
}  // namespace dendrite
