#include "dendrite/device_trainer.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace dendrite {

// Device memory owned by the trainer.
struct DeviceTrainer::Buffer {
  Buffer(Device* d, size_t bytes) : device(d), data(d->alloc(bytes)), bytes(bytes) {}
  ~Buffer() { device->release(data); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Device* device;
  void* data;
  size_t bytes;
};

// Buffers for batches of `rows` rows, as Trainer's (z pre-activation, y output, dy, dz).
struct DeviceTrainer::Workspace {
  struct Layer {
    float *z = nullptr, *y = nullptr, *dy = nullptr, *dz = nullptr;
  };
  std::vector<std::unique_ptr<Buffer>> buffers;
  float* input = nullptr;
  std::vector<Layer> layers;
  int32_t* classes = nullptr;
  float* values = nullptr;
  float* alloc(Device* d, size_t n) {
    buffers.push_back(std::make_unique<Buffer>(d, n * sizeof(float)));
    return static_cast<float*>(buffers.back()->data);
  }
};

float* DeviceTrainer::floats(size_t n) {
  buffers_.push_back(std::make_unique<Buffer>(device_.get(), std::max<size_t>(n, 1) * sizeof(float)));
  return static_cast<float*>(buffers_.back()->data);
}

DeviceTrainer::DeviceTrainer(const TrainerSpec& spec, std::unique_ptr<Device> device) : spec_(spec), device_(std::move(device)) {
  for (const DenseSpec& l : spec_.layers) total_ += l.in * l.out + (l.bias ? l.out : 0);
  params_ = floats(total_);
  grads_ = floats(total_);
  state_ = floats(spec_.slots * total_);
  size_t offset = 0;
  auto add = [&](size_t n) {
    param_list_.push_back(params_ + offset);
    grad_list_.push_back(grads_ + offset);
    lengths_.push_back(n);
    offset += n;
  };
  for (const DenseSpec& l : spec_.layers) {
    weight_.push_back(params_ + offset);
    dweight_.push_back(grads_ + offset);
    add(l.in * l.out);
    bias_.push_back(l.bias ? params_ + offset : nullptr);
    dbias_.push_back(l.bias ? grads_ + offset : nullptr);
    if (l.bias) add(l.out);
  }
}

DeviceTrainer::~DeviceTrainer() {
  workspaces_.clear();
  buffers_.clear();
}

// The host arrays are the truth between runs (setWeights, loadStateDict, other backends).
void DeviceTrainer::upload_weights() {
  for (size_t i = 0; i < spec_.layers.size(); ++i) {
    const DenseSpec& l = spec_.layers[i];
    device_->upload(weight_[i], l.weight, l.in * l.out * sizeof(float));
    if (l.bias) device_->upload(bias_[i], l.bias, l.out * sizeof(float));
  }
}

void DeviceTrainer::upload_state() {
  upload_weights();
  if (spec_.slots) device_->upload(state_, spec_.state, spec_.slots * total_ * sizeof(float));
}

void DeviceTrainer::forget_data() {
  data_x_ = nullptr;
  data_targets_ = nullptr;
  data_rows_ = 0;
  x_buf_.reset();
  targets_buf_.reset();
  order_buf_.reset();
  workspaces_.clear();
}

void DeviceTrainer::download_state() {
  for (size_t i = 0; i < spec_.layers.size(); ++i) {
    const DenseSpec& l = spec_.layers[i];
    device_->download(l.weight, weight_[i], l.in * l.out * sizeof(float));
    if (l.bias) device_->download(l.bias, bias_[i], l.out * sizeof(float));
  }
  if (spec_.slots) device_->download(spec_.state, state_, spec_.slots * total_ * sizeof(float));
}

DeviceTrainer::Workspace& DeviceTrainer::workspace(size_t rows) {
  return recent_entry(workspaces_, rows, kMaxWorkspaces, [&] {
    auto ws = std::make_unique<Workspace>();
    Device* d = device_.get();
    ws->input = ws->alloc(d, rows * spec_.layers.front().in);
    for (const DenseSpec& l : spec_.layers) {
      Workspace::Layer b;
      const bool has_act = l.act >= 0 || l.row != RowAct::none;
      b.z = ws->alloc(d, rows * l.out);
      b.dy = ws->alloc(d, rows * l.out);
      b.y = has_act ? ws->alloc(d, rows * l.out) : b.z;
      b.dz = has_act ? ws->alloc(d, rows * l.out) : b.dy;
      ws->layers.push_back(b);
    }
    if (spec_.loss == LossKind::softmax_cross_entropy) {
      ws->buffers.push_back(std::make_unique<Buffer>(d, rows * sizeof(int32_t)));
      ws->classes = static_cast<int32_t*>(ws->buffers.back()->data);
    } else {
      ws->values = ws->alloc(d, rows * spec_.layers.back().out);
    }
    return ws;
  });
}

template <class T>
T* DeviceTrainer::ensure(std::unique_ptr<Buffer>& buffer, size_t bytes) {
  if (!buffer || buffer->bytes < bytes) {
    buffer.reset();  // release first: device memory may be tight
    buffer = std::make_unique<Buffer>(device_.get(), std::max<size_t>(bytes, 1));
  }
  return static_cast<T*>(buffer->data);
}

void DeviceTrainer::upload_data(const EpochData& data) {
  const void* targets = data.classes ? static_cast<const void*>(data.classes) : data.values;
  if (data_x_ == data.x && data_targets_ == targets && data_rows_ == data.rows) return;
  data_x_ = nullptr;  // until both uploads succeed: a failure must not leave a stale match
  const size_t in = spec_.layers.front().in, out = spec_.layers.back().out;
  x_ = ensure<float>(x_buf_, data.rows * in * sizeof(float));
  device_->upload(x_, data.x, data.rows * in * sizeof(float));
  if (data.classes) {
    classes_ = ensure<int32_t>(targets_buf_, data.rows * sizeof(int32_t));
    device_->upload(classes_, data.classes, data.rows * sizeof(int32_t));
  } else {
    values_ = ensure<float>(targets_buf_, data.rows * out * sizeof(float));
    device_->upload(values_, data.values, data.rows * out * sizeof(float));
  }
  data_x_ = data.x;
  data_targets_ = targets;
  data_rows_ = data.rows;
}

size_t DeviceTrainer::run(const EpochData& data, size_t batch_size, size_t first, size_t count, const double* coeffs,
                          double* losses, double* correct, const std::atomic<bool>& abort, GradientReducer* reducer) {
  const size_t in = spec_.layers.front().in, out = spec_.layers.back().out;
  upload_data(data);
  // this span's part of the epoch order: positions [first * B, end), indexed from 0 here
  const size_t begin = std::min(first * batch_size, data.length);
  const size_t end = std::min(data.length, (first + count) * batch_size);
  order_ = ensure<uint32_t>(order_buf_, (end - begin) * sizeof(uint32_t));
  device_->upload(order_, data.order + begin, (end - begin) * sizeof(uint32_t));
  span_ = std::max<size_t>(count, 1);
  slots_ = ensure<double>(slots_buf_, 2 * span_ * sizeof(double));
  upload_state();
  size_t done = 0;
  for (; done < count && !abort.load(std::memory_order_relaxed); ++done) {
    const size_t start = (first + done) * batch_size;
    if (start >= data.length) break;
    const size_t rows = std::min(batch_size, data.length - start);
    Workspace& ws = workspace(rows);
    const uint32_t* index = order_ + (start - begin);
    device_->gather_f32(ws.input, x_, in, index, rows);
    if (data.classes) device_->gather_i32(ws.classes, classes_, index, rows);
    else device_->gather_f32(ws.values, values_, out, index, rows);
    step(ws, rows, done, coeffs + done * spec_.coeff_count, reducer);
    device_->step_done();
  }
  // One copy back for the span: losses [0, done), correct counts [count, count + done).
  std::vector<double> slots(2 * span_);
  device_->download(slots.data(), slots_, slots.size() * sizeof(double));
  std::copy_n(slots.begin(), done, losses);
  if (spec_.accuracy) std::copy_n(slots.begin() + span_, done, correct);  // else never written, as Trainer
  download_state();
  return done;
}

void DeviceTrainer::predict(const float* x, size_t rows, size_t batch_size, float* out) {
  const size_t in = spec_.layers.front().in, units = spec_.layers.back().out;
  upload_weights();
  for (size_t start = 0; start < rows; start += batch_size) {
    const size_t n = std::min(batch_size, rows - start);
    Workspace& ws = workspace(n);
    device_->upload(ws.input, x + start * in, n * in * sizeof(float));
    forward(ws, n);
    device_->download(out + start * units, ws.layers.back().y, n * units * sizeof(float));
  }
}

void DeviceTrainer::forward(Workspace& ws, size_t rows) {
  const float* input = ws.input;
  for (size_t i = 0; i < spec_.layers.size(); ++i) {
    const DenseSpec& l = spec_.layers[i];
    Workspace::Layer& b = ws.layers[i];
    GemmCall g;  // z = input W + bias, y = act(z) in the epilogue
    g.m = rows; g.n = l.out; g.k = l.in;
    g.a = input; g.lda = l.in; g.b = weight_[i]; g.ldb = l.out; g.c = b.z; g.ldc = l.out;
    g.bias = bias_[i];
    if (l.act >= 0) {
      g.act = l.act;
      g.act_params = l.params;
      g.act_out = b.y;
      g.ldo = l.out;
    }
    device_->gemm(g);
    if (l.row != RowAct::none) device_->softmax_fwd(b.y, b.z, rows, l.out, l.row == RowAct::log_softmax);
    input = b.y;
  }
}

void DeviceTrainer::step(Workspace& ws, size_t rows, size_t index, const double* coeffs, GradientReducer* reducer) {
  forward(ws, rows);
  Workspace::Layer& lb = ws.layers.back();
  const size_t out = spec_.layers.back().out;
  device_->loss(spec_.loss, slots_ + index, lb.dy, lb.y, ws.classes, ws.values, rows, out, spec_.label_smoothing);
  if (spec_.accuracy) device_->count_correct(slots_ + span_ + index, lb.y, ws.classes, ws.values, rows, out);
  for (size_t i = spec_.layers.size(); i-- > 0;) {
    const DenseSpec& l = spec_.layers[i];
    Workspace::Layer& b = ws.layers[i];
    const float* layer_input = i == 0 ? ws.input : ws.layers[i - 1].y;
    if (l.act >= 0) device_->act_bwd(l.act, b.dz, b.z, b.dy, rows * l.out, l.params);
    if (l.row != RowAct::none) device_->softmax_bwd(b.dz, b.z, b.dy, rows, l.out, l.row == RowAct::log_softmax);
    if (l.bias) device_->column_sums(dbias_[i], b.dz, rows, l.out);
    GemmCall dw;  // dW = input^T dz
    dw.trans_a = true;
    dw.m = l.in; dw.n = l.out; dw.k = rows;
    dw.a = layer_input; dw.lda = l.in; dw.b = b.dz; dw.ldb = l.out; dw.c = dweight_[i]; dw.ldc = l.out;
    device_->gemm(dw);
    if (i > 0) {  // d loss / d (previous layer's output) = dz W^T
      GemmCall dx;
      dx.trans_b = true;
      dx.m = rows; dx.n = l.in; dx.k = l.out;
      dx.a = b.dz; dx.lda = l.out; dx.b = weight_[i]; dx.ldb = l.out; dx.c = ws.layers[i - 1].dy; dx.ldc = l.in;
      device_->gemm(dx);
    }
  }
  if (reducer) {
    // Data-parallel: MPI gets host memory only (it is not CUDA-aware here), so the gradients
    // go through a host copy, averaged in one piece.
    host_grads_.resize(total_);
    device_->download(host_grads_.data(), grads_, total_ * sizeof(float));
    reducer->submit(host_grads_.data(), total_);
    reducer->wait();
    device_->upload(grads_, host_grads_.data(), total_ * sizeof(float));
  }
  device_->optimizer_step(static_cast<int>(spec_.optim), param_list_.data(), grad_list_.data(), lengths_.data(),
                          param_list_.size(), state_, spec_.slots, coeffs);
}

}  // namespace dendrite
