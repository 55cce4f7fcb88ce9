// Data-parallel communication for JS: start/finalize the process's communicator
// and Promise-based collectives. Every collective runs on the communicator's own
// thread (never on the event loop or the libuv pool); its completion comes back
// through the job runner (job_runner.h: referenced only while collectives are in flight,
// so that an idle communicator never keeps the process alive; safe at the env's end).
#include <napi.h>

#include <memory>
#include <string>

#include "dendrite/communicator.h"
#include "binding.h"
#include "convert.h"
#include "job_runner.h"

namespace dendrite {
namespace binding {
namespace {

using dist::Communicator;

// The environment that issued the first collective: only it may issue more (the main thread).
napi_env owner = nullptr;

void RequireOwner(Napi::Env env) {
  if (owner && owner != static_cast<napi_env>(env))
    throw Napi::Error::New(env, "Expected the main thread for distributed collectives but received a worker thread");
  if (!Communicator::instance().active())
    throw Napi::Error::New(env, "Expected a started communicator for a collective but received none (call distributed.init() under mpirun)");
}

Napi::Promise Settle(Napi::Env env, std::future<std::string> result, Napi::Value keep) {
  if (!owner) owner = env;
  JobSpec spec;
  if (keep.IsObject()) spec.keep.push_back(Napi::Persistent(keep.As<Napi::Object>()));  // the buffer, until it is done
  spec.resolves_undefined = true;
  auto pending = std::make_shared<std::future<std::string>>(std::move(result));
  return AwaitJob(env, std::move(spec), [pending](JobFinish finish) {
    // Queued after the collective, so it runs once that one is done.
    Communicator::instance().post([pending, finish]() -> std::string {
      const std::string err = pending->get();
      finish(JobOutcome{0, err.empty() ? std::string() : "MPI collective failed: " + err});
      return "";
    });
  });
}

struct Buffer {
  void* data;
  size_t n;
  dist::DType type;
};

Buffer AsBuffer(const Napi::Value& v, const char* name) {
  if (v.IsTypedArray()) {
    const napi_typedarray_type type = v.As<Napi::TypedArray>().TypedArrayType();
    if (type == napi_float32_array || type == napi_float64_array) {
      const TypedArrayMemory m = MemoryOf(v);
      if (m.detached) ThrowDetached(v.Env(), name);
      return {m.data, m.length, type == napi_float32_array ? dist::DType::f32 : dist::DType::f64};
    }
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
  Communicator::instance().finalize();  // runs the queued collectives first (their completions follow)
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
