#include "dendrite/trainer.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace dendrite {

// Device memory owned by the trainer.
struct Trainer::Buffer {
  Buffer(Device* d, size_t bytes) : device(d), data(d->alloc(bytes)), bytes(bytes) {}
  ~Buffer() { device->release(data); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Device* device;
  void* data;
  size_t bytes;
};

// Buffers for batches of `rows` rows: the input, and per layer its output y, the gradient dy
// of that output and its scratch. A layer that passes its input through (flatten) shares
// its neighbours' buffers: its y is its input, and its input's gradient is its dy.
struct Trainer::Workspace {
  std::vector<std::unique_ptr<Buffer>> buffers;
  float* input = nullptr;
  std::vector<float*> y, dy, scratch;
  std::vector<bool> needs_dx;  // whether layer i's input gradient feeds a layer before it
  int32_t* classes = nullptr;
  float* values = nullptr;
  float* alloc(Device* d, size_t n) {
    buffers.push_back(std::make_unique<Buffer>(d, std::max<size_t>(n, 1) * sizeof(float)));
    return static_cast<float*>(buffers.back()->data);
  }
};

float* Trainer::floats(size_t n) {
  buffers_.push_back(std::make_unique<Buffer>(device_.get(), std::max<size_t>(n, 1) * sizeof(float)));
  return static_cast<float*>(buffers_.back()->data);
}

Trainer::Trainer(TrainerSpec spec, std::unique_ptr<Device> device)
    : spec_(std::move(spec)), device_(std::move(device)), on_host_(device_->computes_on_host_arrays()) {
  if (spec_.layers.empty()) throw std::invalid_argument("layers");
  for (const auto& layer : spec_.layers)
    for (const LayerTensor& t : layer->tensors())
      if (t.trainable) trainable_ += t.size;
  grad_arena_ = floats(trainable_);
  state_ = on_host_ ? spec_.state : floats(spec_.slots * trainable_);
  size_t offset = 0;
  for (const auto& layer : spec_.layers) {
    std::vector<float*> tensors, grads;
    for (const LayerTensor& t : layer->tensors()) {
      tensors.push_back(on_host_ ? t.host : floats(t.size));
      grads.push_back(t.trainable ? grad_arena_ + offset : nullptr);
      if (t.trainable) {
        param_list_.push_back(tensors.back());
        grad_list_.push_back(grads.back());
        lengths_.push_back(t.size);
        offset += t.size;
      }
    }
    tensors_.push_back(std::move(tensors));
    grads_.push_back(std::move(grads));
  }
}

Trainer::~Trainer() {
  workspaces_.clear();
  buffers_.clear();
}

void Trainer::upload_tensors(bool with_state) {
  if (on_host_) return;
  for (size_t i = 0; i < spec_.layers.size(); ++i) {
    const auto& list = spec_.layers[i]->tensors();
    for (size_t t = 0; t < list.size(); ++t) device_->upload(tensors_[i][t], list[t].host, list[t].size * sizeof(float));
  }
  if (with_state && spec_.slots) device_->upload(state_, spec_.state, spec_.slots * trainable_ * sizeof(float));
}

void Trainer::download_tensors() {
  if (on_host_) return;
  for (size_t i = 0; i < spec_.layers.size(); ++i) {
    const auto& list = spec_.layers[i]->tensors();
    for (size_t t = 0; t < list.size(); ++t) device_->download(list[t].host, tensors_[i][t], list[t].size * sizeof(float));
  }
  if (spec_.slots) device_->download(spec_.state, state_, spec_.slots * trainable_ * sizeof(float));
}

void Trainer::forget_data() {
  data_x_ = nullptr;
  data_targets_ = nullptr;
  data_rows_ = 0;
  x_buf_.reset();
  targets_buf_.reset();
  order_buf_.reset();
  // A device's memory is released; host workspaces stay (the next fit would fault every page in again)
  if (!on_host_) workspaces_.clear();
}

Trainer::Workspace& Trainer::workspace(size_t rows) {
  return recent_entry(workspaces_, rows, kMaxWorkspaces, [&] {
    auto ws = std::make_unique<Workspace>();
    Device* d = device_.get();
    const size_t n = spec_.layers.size();
    ws->input = ws->alloc(d, rows * in_size());
    ws->y.resize(n);
    ws->dy.resize(n);
    ws->scratch.resize(n);
    ws->needs_dx.resize(n);
    bool real_before = false;
    for (size_t i = 0; i < n; ++i) {
      const Layer& l = *spec_.layers[i];
      ws->needs_dx[i] = real_before;
      ws->y[i] = l.passes_through() ? (i ? ws->y[i - 1] : ws->input) : ws->alloc(d, rows * l.out_size());
      const size_t scratch = l.scratch_floats(rows);
      ws->scratch[i] = scratch ? ws->alloc(d, scratch) : nullptr;
      real_before = real_before || !l.passes_through();
    }
    for (size_t i = n; i-- > 0;)
      ws->dy[i] = i + 1 < n && spec_.layers[i + 1]->passes_through() ? ws->dy[i + 1] : ws->alloc(d, rows * spec_.layers[i]->out_size());
    if (spec_.loss == LossKind::softmax_cross_entropy) {
      ws->buffers.push_back(std::make_unique<Buffer>(d, std::max<size_t>(rows, 1) * sizeof(int32_t)));
      ws->classes = static_cast<int32_t*>(ws->buffers.back()->data);
    } else {
      ws->values = ws->alloc(d, rows * out_size());
    }
    return ws;
  });
}

template <class T>
T* Trainer::ensure(std::unique_ptr<Buffer>& buffer, size_t bytes) {
  if (!buffer || buffer->bytes < bytes) {
    buffer.reset();  // release first: device memory may be tight
    buffer = std::make_unique<Buffer>(device_.get(), std::max<size_t>(bytes, 1));
  }
  return static_cast<T*>(buffer->data);
}

namespace {
std::string bad_class(int32_t label, size_t classes, size_t row) {
  return "Expected class indices in [0, " + std::to_string(classes) + ") for y but received " + std::to_string(label) +
         " at row " + std::to_string(row);
}
}  // namespace

bool Trainer::copy_indices(const EpochData& data, size_t position, size_t n, uint32_t* out, std::string* bad_data) const {
  for (size_t i = 0; i < n; ++i) {
    // One read per index: JS may rewrite the order meanwhile, the copy is what gets used.
    const uint32_t r = reinterpret_cast<const volatile uint32_t*>(data.order)[position + i];
    if (r >= data.rows) {
      *bad_data = "Expected row indices in [0, " + std::to_string(data.rows) + ") for order but received " + std::to_string(r) +
                  " at position " + std::to_string(position + i);
      return false;
    }
    out[i] = r;
  }
  return true;
}

bool Trainer::check_classes(const int32_t* classes, const uint32_t* index, size_t rows, std::string* bad_data) const {
  const size_t out = out_size();
  for (size_t i = 0; i < rows; ++i) {
    if (classes[i] < 0 || static_cast<size_t>(classes[i]) >= out) {
      *bad_data = bad_class(classes[i], out, index[i]);
      return false;
    }
  }
  return true;
}

bool Trainer::upload_data(const EpochData& data, std::string* bad_data) {
  if (on_host_) {
    x_ = data.x;
    classes_ = data.classes;
    values_ = data.values;
    return true;
  }
  const void* targets = data.classes ? static_cast<const void*>(data.classes) : data.values;
  if (data_x_ == data.x && data_targets_ == targets && data_rows_ == data.rows) return true;
  data_x_ = nullptr;  // until both uploads succeed: a failure must not leave a stale match
  float* x = ensure<float>(x_buf_, data.rows * in_size() * sizeof(float));
  device_->upload(x, data.x, data.rows * in_size() * sizeof(float));
  x_ = x;
  if (data.classes) {
    // The device's gathers and losses index by these labels: check a private copy, upload that.
    host_classes_.resize(data.rows);
    const volatile int32_t* src = data.classes;
    const size_t out = out_size();
    for (size_t r = 0; r < data.rows; ++r) {
      host_classes_[r] = src[r];
      if (host_classes_[r] < 0 || static_cast<size_t>(host_classes_[r]) >= out) {
        *bad_data = bad_class(host_classes_[r], out, r);
        return false;
      }
    }
    int32_t* classes = ensure<int32_t>(targets_buf_, data.rows * sizeof(int32_t));
    device_->upload(classes, host_classes_.data(), data.rows * sizeof(int32_t));
    classes_ = classes;
    values_ = nullptr;
  } else {
    float* values = ensure<float>(targets_buf_, data.rows * out_size() * sizeof(float));
    device_->upload(values, data.values, data.rows * out_size() * sizeof(float));
    values_ = values;
    classes_ = nullptr;
  }
  data_x_ = data.x;
  data_targets_ = targets;
  data_rows_ = data.rows;
  return true;
}

size_t Trainer::run(const EpochData& data, size_t batch_size, size_t first, size_t count, const double* coeffs,
                    double* losses, double* correct, const std::atomic<bool>& abort, GradientReducer* reducer,
                    std::string* bad_data) {
  if (!upload_data(data, bad_data)) return 0;
  // this span's part of the epoch order: positions [first * B, end), indexed from 0 here
  const size_t begin = std::min(first * batch_size, data.length);
  const size_t end = std::min(data.length, (first + count) * batch_size);
  if (!on_host_) {
    host_index_.resize(end - begin);
    if (!copy_indices(data, begin, end - begin, host_index_.data(), bad_data)) return 0;
    uint32_t* order = ensure<uint32_t>(order_buf_, (end - begin) * sizeof(uint32_t));
    device_->upload(order, host_index_.data(), (end - begin) * sizeof(uint32_t));
    order_ = order;
  } else {
    host_index_.resize(std::min(batch_size, end - begin));
  }
  span_ = std::max<size_t>(count, 1);
  slots_ = ensure<double>(slots_buf_, 2 * span_ * sizeof(double));
  upload_tensors(true);
  size_t done = 0;
  for (; done < count && !abort.load(std::memory_order_relaxed); ++done) {
    const size_t start = (first + done) * batch_size;
    if (start >= data.length) break;
    const size_t rows = std::min(batch_size, data.length - start);
    Workspace& ws = workspace(rows);
    const uint32_t* index;
    if (on_host_) {  // the batch's indices, checked, from a copy (JS may rewrite the order meanwhile)
      if (!copy_indices(data, start, rows, host_index_.data(), bad_data)) break;
      index = host_index_.data();
    } else {
      index = order_ + (start - begin);
    }
    device_->gather_f32(ws.input, x_, in_size(), index, rows);
    if (classes_) {
      device_->gather_i32(ws.classes, classes_, index, rows);
      // On the host the labels come straight from the JS array: the gathered copy is checked
      // (a device's copy was checked before its upload).
      if (on_host_ && !check_classes(ws.classes, index, rows, bad_data)) break;
    } else {
      device_->gather_f32(ws.values, values_, out_size(), index, rows);
    }
    step(ws, rows, done, coeffs + done * spec_.coeff_count, reducer);
    device_->step_done();
  }
  // One copy back for the span: losses [0, done), correct counts [span, span + done).
  std::vector<double> slots(2 * span_);
  device_->download(slots.data(), slots_, slots.size() * sizeof(double));
  std::copy_n(slots.begin(), done, losses);
  if (spec_.accuracy) std::copy_n(slots.begin() + span_, done, correct);  // else never written
  download_tensors();
  return done;
}

void Trainer::predict(const float* x, size_t rows, size_t batch_size, float* out, const std::atomic<bool>* abort) {
  upload_tensors(false);
  for (size_t start = 0; start < rows; start += batch_size) {
    if (abort && abort->load(std::memory_order_relaxed)) return;
    const size_t n = std::min(batch_size, rows - start);
    Workspace& ws = workspace(n);
    device_->upload(ws.input, x + start * in_size(), n * in_size() * sizeof(float));
    forward(ws, n, false);
    device_->download(out + start * out_size(), ws.y.back(), n * out_size() * sizeof(float));
  }
}

LayerStep Trainer::layer_step(Workspace& ws, size_t i, size_t rows, bool training) {
  LayerStep s;
  s.rows = rows;
  s.training = training;
  s.x = i ? ws.y[i - 1] : ws.input;
  s.y = ws.y[i];
  s.dy = ws.dy[i];
  s.dx = ws.needs_dx[i] ? ws.dy[i - 1] : nullptr;
  s.tensors = tensors_[i].data();
  s.grads = grads_[i].data();
  s.scratch = ws.scratch[i];
  return s;
}

void Trainer::forward(Workspace& ws, size_t rows, bool training) {
  for (size_t i = 0; i < spec_.layers.size(); ++i) {
    Layer& l = *spec_.layers[i];
    if (!l.passes_through()) l.forward(*device_, layer_step(ws, i, rows, training));
  }
}

void Trainer::step(Workspace& ws, size_t rows, size_t index, const double* coeffs, GradientReducer* reducer) {
  forward(ws, rows, true);
  const size_t out = out_size();
  device_->loss(spec_.loss, slots_ + index, ws.dy.back(), ws.y.back(), ws.classes, ws.values, rows, out, spec_.label_smoothing);
  if (spec_.accuracy) device_->count_correct(slots_ + span_ + index, ws.y.back(), ws.classes, ws.values, rows, out);
  // Backward. On host arrays with a reducer, the gradients done so far (the arena's tail) are
  // handed over in buckets so that their allreduce overlaps the layers still to come.
  size_t unsent = trainable_;
  size_t ready = trainable_;
  for (size_t i = spec_.layers.size(); i-- > 0;) {
    Layer& l = *spec_.layers[i];
    if (l.passes_through()) continue;
    l.backward(*device_, layer_step(ws, i, rows, true));
    for (const LayerTensor& t : l.tensors()) ready -= t.trainable ? t.size : 0;
    if (reducer && on_host_ && unsent > ready && (unsent - ready >= reducer->bucket_elements() || ready == 0)) {
      reducer->submit(grad_arena_ + ready, unsent - ready);
      unsent = ready;
    }
  }
  if (reducer && on_host_ && unsent > 0) reducer->submit(grad_arena_, unsent);
  if (reducer && !on_host_) {
    // MPI gets host memory only (it is not CUDA-aware here): the gradients go through a
    // host copy, averaged in one piece.
    host_grads_.resize(trainable_);
    device_->download(host_grads_.data(), grad_arena_, trainable_ * sizeof(float));
    reducer->submit(host_grads_.data(), trainable_);
    reducer->wait();
    device_->upload(grad_arena_, host_grads_.data(), trainable_ * sizeof(float));
  } else if (reducer) {
    reducer->wait();
  }
  if (!param_list_.empty())
    device_->optimizer_step(static_cast<int>(spec_.optim), param_list_.data(), grad_list_.data(), lengths_.data(),
                            param_list_.size(), state_, spec_.slots, coeffs);
}

}  // namespace dendrite
