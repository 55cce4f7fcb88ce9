// NativeTrainer: wraps dendrite::Trainer. `run(...)` trains a span of batches on a thread of
// dendrite's (job_runner.h: never the libuv pool) and resolves with the number of batches
// done; `predict(...)` runs the forward pass there; `abort()` stops a run between batches.
// The trainer keeps raw pointers into the weights and the optimizer state (JS arrays it pins
// and checks at the start of every call); each run holds references to its data, which it
// re-reads and checks at its start, and the loop checks every row index and label it reads.
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dendrite/communicator.h"
#include "dendrite/layer.h"
#include "dendrite/trainer.h"
#include "binding.h"
#include "convert.h"
#include "job_runner.h"
#include "layer_config.h"

namespace dendrite {
namespace binding {
namespace {

double NumberAt(const Napi::Object& o, const char* key) {
  const Napi::Value v = o.Get(key);
  if (!v.IsNumber()) ThrowType(o.Env(), "a number", key);
  return v.As<Napi::Number>().DoubleValue();
}

class NativeTrainer : public Napi::ObjectWrap<NativeTrainer> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeTrainer", {InstanceMethod("run", &NativeTrainer::Run), InstanceMethod("predict", &NativeTrainer::Predict),
                                              InstanceMethod("predictSync", &NativeTrainer::PredictSync),
                                              InstanceMethod("abort", &NativeTrainer::Abort),
                                              InstanceMethod("forgetData", &NativeTrainer::ForgetData)});
  }

  // new NativeTrainer({ layers: [{ type, inShape, outShape, options: { key: number | string },
  //   tensors: { name: Float32Array }, counter?: Uint32Array }], loss, labelSmoothing, accuracy,
  //   optimizer, slots, state, coeffCount, device })
  explicit NativeTrainer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeTrainer>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsObject()) ThrowType(env, "a trainer spec object", "spec");
    const Napi::Object spec = info[0].As<Napi::Object>();
    TrainerSpec ts;
    const Napi::Value layers_value = spec.Get("layers");
    if (!layers_value.IsArray()) ThrowType(env, "an array", "layers");
    const Napi::Array layers = layers_value.As<Napi::Array>();
    size_t trainable = 0;
    for (uint32_t i = 0; i < layers.Length(); ++i) {
      if (!layers.Get(i).IsObject()) ThrowType(env, "a layer object", "layers[i]");
      LayerConfig config = ReadLayerConfig(layers.Get(i).As<Napi::Object>(), &pins_, "layers[" + std::to_string(i) + "]");
      if (i > 0 && shape_size(config.in_shape) != ts.layers.back()->out_size()) ThrowType(env, "the previous layer's output size", "inShape");
      ts.layers.push_back(MakeLayer(env, config));
      for (const LayerTensor& t : ts.layers.back()->tensors()) trainable += t.trainable ? t.size : 0;
    }
    if (ts.layers.empty()) ThrowType(env, "at least one layer", "layers");
    const std::string loss = StringAt(spec, "loss");
    if (loss == "softmaxCrossEntropy") ts.loss = LossKind::softmax_cross_entropy;
    else if (loss == "mse") ts.loss = LossKind::mse;
    else if (loss == "binaryCrossEntropyWithLogits") ts.loss = LossKind::bce_with_logits;
    else ThrowType(env, "softmaxCrossEntropy, mse or binaryCrossEntropyWithLogits", "loss");
    ts.label_smoothing = static_cast<float>(NumberAt(spec, "labelSmoothing"));
    ts.accuracy = spec.Get("accuracy").ToBoolean();
    const std::string optim = StringAt(spec, "optimizer");
    int optim_id = -1;
    for (int k = 0; k < kOptimCount; ++k)
      if (optim == kOptimNames[k]) optim_id = k;
    if (optim_id < 0) ThrowType(env, "an optimizer kernel name", "optimizer");
    ts.optim = static_cast<Optim>(optim_id);
    ts.slots = AsSize(spec.Get("slots"), "slots");
    const F32View state = AsFloat32(spec.Get("state"), "state");
    if (ts.slots > static_cast<size_t>(kMaxOptimSlots) || state.length != ts.slots * trainable) ThrowType(env, "slots * parameters elements", "state");
    ts.state = state.data;
    pins_.push_back(PinnedArray::Of(spec.Get("state"), "optimizer state"));
    ts.coeff_count = AsSize(spec.Get("coeffCount"), "coeffCount");
    coeff_count_ = ts.coeff_count;
    classes_ = ts.loss == LossKind::softmax_cross_entropy;
    // device: 'cpu' (default: the CPU kernels over host memory), 'cuda' (device-resident on the
    // GPU), 'deviceMath' (the same device-resident loop over the CUDA math run on the CPU: tests)
    const Napi::Value device = spec.Get("device");
    const std::string where = device.IsString() ? device.As<Napi::String>().Utf8Value() : "cpu";
    std::unique_ptr<Device> d;
    if (where == "cpu") {
      d = make_cpu_device();
    } else if (where == "cuda" || where == "deviceMath") {
      std::string error;
      d = where == "cuda" ? make_cuda_device(&error) : make_host_device();
      if (!d) throw Napi::Error::New(env, "Expected a usable CUDA device for device but received none (" + error + ")");
    } else {
      ThrowType(env, "'cpu', 'cuda' or 'deviceMath'", "device");
    }
    try {
      trainer_ = std::make_shared<Trainer>(std::move(ts), std::move(d));
    } catch (const std::exception& e) {  // e.g. out of device memory
      throw Napi::Error::New(env, std::string(where == "cpu" ? "native trainer: " : "CUDA backend: ") + e.what());
    }
    in_ = trainer_->in_size();
    out_ = trainer_->out_size();
  }

 private:
  // Runs work(trainer, abort, outcome) as one job of the trainer on a job thread; the promise
  // settles with the outcome. The job holds the trainer (shared) and every array it touches until
  // it settles; a terminating environment cancels it through the abort flag. An exception (a
  // device or communication failure) becomes the outcome's error "<what> failed: ...": none
  // crosses the thread.
  using TrainerWork = std::function<void(Trainer&, std::atomic<bool>&, JobOutcome&)>;
  Napi::Promise Start(Napi::Env env, const char* what, TrainerWork work, const Napi::CallbackInfo& info,
                      std::initializer_list<size_t> arrays) {
    abort_->store(false);
    std::shared_ptr<Trainer> trainer = trainer_;
    std::shared_ptr<std::atomic<bool>> running_abort = abort_;
    std::string failed = std::string(what) + " failed: ";
    auto job = [trainer, running_abort, failed, work = std::move(work)]() -> JobOutcome {
      JobOutcome outcome;
      try {
        work(*trainer, *running_abort, outcome);
      } catch (const std::exception& e) {
        outcome.error = failed + e.what();
      }
      return outcome;
    };
    JobSpec spec;
    for (size_t i : arrays) spec.keep.push_back(Napi::Persistent(info[i].As<Napi::Object>()));
    std::shared_ptr<std::atomic<bool>> abort = abort_;
    spec.cancel = [abort] { abort->store(true); };
    spec.settled = [this] {
      running_ = false;
      Unref();
    };
    Ref();
    running_ = true;
    try {
      return RunJob(env, std::move(spec), std::move(job));
    } catch (...) {  // not started (no promise): idle again
      running_ = false;
      Unref();
      throw;
    }
  }

  void RequireIdle(Napi::Env env, const char* action) const {
    if (running_) throw Napi::Error::New(env, std::string("Expected an idle trainer for ") + action + " but received a trainer that is already running");
  }

  // run(x, rows, targets, order, batchSize, first, count, coeffs, losses, correct, totals[, bucketElements])
  //   -> Promise<batches done>; order holds the epoch's row indices (a shard in data-parallel training)
  Napi::Value Run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireIdle(env, "run");
    CheckPinned(env, pins_);
    const F32View x = AsFloat32(info[0], "x");
    const size_t rows = AsSize(info[1], "rows");
    if (x.length != rows * in_) ThrowType(env, "rows * inputSize values", "x");
    EpochData data;
    data.x = x.data;
    data.rows = rows;
    // Labels and row indices are checked by the loop as it reads them (JS may change them while
    // the span runs); here only the lengths.
    if (classes_) {
      size_t n = 0;
      const int32_t* t = AsInt32(info[2], "targets", &n);
      if (n != rows) ThrowType(env, "one class per row", "targets");
      data.classes = t;
    } else {
      const F32View t = AsFloat32(info[2], "targets");
      if (t.length != rows * out_) ThrowType(env, "rows * units values", "targets");
      data.values = t.data;
    }
    size_t length = 0;
    data.order = AsTyped<const uint32_t>(info[3], napi_uint32_array, "a Uint32Array", "order", &length);
    data.length = length;
    const size_t batch_size = AsSize(info[4], "batchSize");
    const size_t first = AsSize(info[5], "first");
    const size_t count = AsSize(info[6], "count");
    if (batch_size == 0) ThrowType(env, "an integer >= 1", "batchSize");
    auto f64 = [&](size_t i, const char* name, size_t need) {
      size_t n = 0;
      double* p = AsTyped<double>(info[i], napi_float64_array, "a Float64Array", name, &n);
      if (n < need) ThrowType(env, "a Float64Array of " + std::to_string(need) + " values", name);
      return p;
    };
    const double* coeffs = f64(7, "coeffs", count * coeff_count_);
    double* losses = f64(8, "losses", count);
    double* correct = f64(9, "correct", count);
    double* totals = f64(10, "totals", 3);
    // Data-parallel: average every step's gradients across ranks, in buckets of this many elements.
    const size_t bucket = info.Length() > 11 ? AsSize(info[11], "bucketElements") : 0;
    if (bucket > 0 && !dist::Communicator::instance().active())
      throw Napi::Error::New(env, "Expected a started communicator for distributed training but received none");
    return Start(env, "native training", [=](Trainer& trainer, std::atomic<bool>& abort, JobOutcome& outcome) {
      std::unique_ptr<dist::CommReducer> reducer = bucket > 0 ? std::make_unique<dist::CommReducer>(bucket) : nullptr;
      std::string bad_data;
      const size_t done = trainer.run(data, batch_size, first, count, coeffs, losses, correct, abort, reducer.get(), &bad_data);
      // totals = [row-weighted loss sum, correct predictions, first non-finite loss or -1]: the
      // caller needs no per-batch JS loop (it would allocate a number per batch).
      totals[0] = totals[1] = 0;
      totals[2] = -1;
      for (size_t i = 0; i < done; ++i) {
        const size_t batch_rows = std::min(batch_size, length - (first + i) * batch_size);
        if (totals[2] < 0 && !std::isfinite(losses[i])) totals[2] = static_cast<double>(i);
        totals[0] += losses[i] * static_cast<double>(batch_rows);
        totals[1] += correct[i];
      }
      outcome.value = static_cast<double>(done);
      outcome.error = bad_data;
    }, info, {0, 2, 3, 7, 8, 9, 10});
  }

  struct PredictArgs {
    F32View x, out;
    size_t rows, batch_size;
  };
  PredictArgs CheckPredict(const Napi::CallbackInfo& info) const {
    Napi::Env env = info.Env();
    RequireIdle(env, "predict");
    CheckPinned(env, pins_);
    PredictArgs a{AsFloat32(info[0], "x"), AsFloat32(info[3], "out"), AsSize(info[1], "rows"), AsSize(info[2], "batchSize")};
    if (a.x.length != a.rows * in_) ThrowType(env, "rows * inputSize values", "x");
    if (a.out.length != a.rows * out_) ThrowType(env, "rows * units values", "out");
    if (a.batch_size == 0) ThrowType(env, "an integer >= 1", "batchSize");
    return a;
  }

  // predictSync(x, rows, batchSize, out): the whole forward pass in one call, on this thread
  // (small inputs: one native call instead of one per layer).
  Napi::Value PredictSync(const Napi::CallbackInfo& info) {
    const PredictArgs a = CheckPredict(info);
    try {
      trainer_->predict(a.x.data, a.rows, a.batch_size, a.out.data);
    } catch (const std::exception& e) {  // a device failure
      throw Napi::Error::New(info.Env(), std::string("native predict failed: ") + e.what());
    }
    return info.Env().Undefined();
  }

  // predict(x, rows, batchSize, out) -> Promise<rows>: the forward pass into out [rows, units]
  Napi::Value Predict(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const PredictArgs a = CheckPredict(info);
    const F32View x = a.x, out = a.out;
    const size_t rows = a.rows, batch_size = a.batch_size;
    return Start(env, "native predict", [=](Trainer& trainer, std::atomic<bool>& abort, JobOutcome& outcome) {
      trainer.predict(x.data, rows, batch_size, out.data, &abort);
      outcome.value = static_cast<double>(rows);
    }, info, {0, 3});
  }

  Napi::Value Abort(const Napi::CallbackInfo& info) {
    abort_->store(true);
    return info.Env().Undefined();
  }

  // forgetData(): the training arrays may have changed (a device trainer uploads them again).
  Napi::Value ForgetData(const Napi::CallbackInfo& info) {
    RequireIdle(info.Env(), "forgetData");
    trainer_->forget_data();
    return info.Env().Undefined();
  }

  // Shared with the running job: it stays alive however the environment ends.
  std::shared_ptr<Trainer> trainer_;
  std::vector<PinnedArray> pins_;  // the weights, buffers, counters and optimizer state
  std::shared_ptr<std::atomic<bool>> abort_ = std::make_shared<std::atomic<bool>>(false);
  bool running_ = false;
  size_t in_ = 0, out_ = 0, coeff_count_ = 0;
  bool classes_ = false;
};

}  // namespace

void InitTrainer(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeTrainer", NativeTrainer::Define(env));
}

}  // namespace binding
}  // namespace dendrite
