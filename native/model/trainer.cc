#include "dendrite/trainer.h"

#include <algorithm>

#include "dendrite/dispatch.h"
#include "dendrite/gemm.h"
#include "dendrite/multi_tensor.h"

namespace dendrite {

// Buffers for batches of `rows` rows. Per layer: z (pre-activation), y (output;
// z itself when there is no activation), dy (d loss / d y), dz (d loss / d z;
// dy itself when there is no activation).
struct Trainer::Workspace {
  struct Layer {
    std::vector<float> z, y, dy, dz;
    float* y_ptr = nullptr;
    float* dz_ptr = nullptr;
  };
  std::vector<float> input;
  std::vector<Layer> layers;
  std::vector<int32_t> classes;
  std::vector<float> values;
};

Trainer::Trainer(const TrainerSpec& spec) : spec_(spec) {
  size_t offset = 0, total = 0;
  for (const DenseSpec& l : spec_.layers) total += l.in * l.out + (l.bias ? l.out : 0);
  grad_arena_.resize(total);
  auto add = [&](float* param, size_t n) {
    grads_.push_back(grad_arena_.data() + offset);
    OptimTensor t{};
    t.param = param;
    t.grad = grads_.back();
    for (size_t s = 0; s < spec_.slots; ++s) t.slot[s] = spec_.state + s * total + offset;
    tensors_.push_back(t);
    lengths_.push_back(n);
    offset += n;
  };
  grads_.reserve(2 * spec_.layers.size());
  for (const DenseSpec& l : spec_.layers) {
    add(l.weight, l.in * l.out);
    if (l.bias) add(l.bias, l.out);
  }
}

Trainer::~Trainer() = default;

Trainer::Workspace& Trainer::workspace(size_t rows) {
  return recent_entry(workspaces_, rows, kMaxWorkspaces, [&] {
    auto ws = std::make_unique<Workspace>();
    ws->input.resize(rows * spec_.layers.front().in);
    for (const DenseSpec& l : spec_.layers) {
      Workspace::Layer b;
      const bool has_act = l.act >= 0 || l.row != RowAct::none;
      b.z.resize(rows * l.out);
      b.dy.resize(rows * l.out);
      if (has_act) {
        b.y.resize(rows * l.out);
        b.dz.resize(rows * l.out);
      }
      ws->layers.push_back(std::move(b));
    }
    for (auto& b : ws->layers) {  // pointers after the moves
      b.y_ptr = b.y.empty() ? b.z.data() : b.y.data();
      b.dz_ptr = b.dz.empty() ? b.dy.data() : b.dz.data();
    }
    if (spec_.loss == LossKind::softmax_cross_entropy) ws->classes.resize(rows);
    else ws->values.resize(rows * spec_.layers.back().out);
    return ws;
  });
}

size_t Trainer::run(const EpochData& data, size_t batch_size, size_t first, size_t count, const double* coeffs,
                    double* losses, double* correct, const std::atomic<bool>& abort, GradientReducer* reducer) {
  const size_t in = spec_.layers.front().in, out = spec_.layers.back().out;
  size_t done = 0;
  for (; done < count && !abort.load(std::memory_order_relaxed); ++done) {
    const size_t start = (first + done) * batch_size;
    if (start >= data.length) break;
    const size_t rows = std::min(batch_size, data.length - start);
    Workspace& ws = workspace(rows);
    for (size_t r = 0; r < rows; ++r) {
      const size_t src = data.order[start + r];
      std::copy_n(data.x + src * in, in, ws.input.data() + r * in);
      if (data.classes) ws.classes[r] = data.classes[src];
      else std::copy_n(data.values + src * out, out, ws.values.data() + r * out);
    }
    losses[done] = step(ws, rows, coeffs + done * spec_.coeff_count, correct + done, reducer);
  }
  return done;
}

void Trainer::predict(const float* x, size_t rows, size_t batch_size, float* out) {
  const size_t in = spec_.layers.front().in, units = spec_.layers.back().out;
  for (size_t start = 0; start < rows; start += batch_size) {
    const size_t n = std::min(batch_size, rows - start);
    Workspace& ws = workspace(n);
    std::copy_n(x + start * in, n * in, ws.input.data());
    forward(ws, n);
    std::copy_n(ws.layers.back().y_ptr, n * units, out + start * units);
  }
}

void Trainer::forward(Workspace& ws, size_t rows) {
  const KernelTable& k = kernels();
  const float* input = ws.input.data();
  for (size_t i = 0; i < spec_.layers.size(); ++i) {
    const DenseSpec& l = spec_.layers[i];
    Workspace::Layer& b = ws.layers[i];
    GemmEpilogue ep;
    ep.bias = l.bias;
    if (l.act >= 0) {
      ep.act = k.act_fwd[l.act];
      ep.act_params = l.params;
      ep.act_out = b.y_ptr;
      ep.ldo = l.out;
    }
    GemmArgs g;
    g.m = rows; g.n = l.out; g.k = l.in;
    g.a = input; g.lda = l.in; g.b = l.weight; g.ldb = l.out; g.c = b.z.data(); g.ldc = l.out;
    g.epilogue = &ep;
    gemm(g);
    if (l.row == RowAct::softmax) k.softmax_fwd(b.y_ptr, b.z.data(), rows, l.out);
    if (l.row == RowAct::log_softmax) k.log_softmax_fwd(b.y_ptr, b.z.data(), rows, l.out);
    input = b.y_ptr;
  }
}

double Trainer::step(Workspace& ws, size_t rows, const double* coeffs, double* correct, GradientReducer* reducer) {
  const KernelTable& k = kernels();
  const size_t n_layers = spec_.layers.size();
  forward(ws, rows);
  // loss and d loss / d output
  const DenseSpec& last = spec_.layers.back();
  Workspace::Layer& lb = ws.layers.back();
  const size_t out = last.out;
  double loss;
  switch (spec_.loss) {
    case LossKind::softmax_cross_entropy:
      loss = k.softmax_ce(lb.dy.data(), lb.y_ptr, ws.classes.data(), rows, out, spec_.label_smoothing);
      break;
    case LossKind::mse:
      loss = k.mse(lb.dy.data(), lb.y_ptr, ws.values.data(), rows * out);
      break;
    default:
      loss = k.bce(lb.dy.data(), lb.y_ptr, ws.values.data(), rows * out);
  }
  if (spec_.accuracy) {
    size_t hits = 0;
    if (spec_.loss == LossKind::softmax_cross_entropy) {
      for (size_t r = 0; r < rows; ++r) {
        const float* row = lb.y_ptr + r * out;
        const size_t best = static_cast<size_t>(std::max_element(row, row + out) - row);
        hits += static_cast<int32_t>(best) == ws.classes[r];
      }
    } else {
      for (size_t j = 0; j < rows * out; ++j) hits += (lb.y_ptr[j] > 0) == (ws.values[j] >= 0.5f);
    }
    *correct = static_cast<double>(hits);
  }
  // backward; with a reducer, the gradients done so far (the arena's tail) are handed over in
  // buckets so that their allreduce overlaps the layers still to come
  size_t g_index = grads_.size();
  size_t unsent = grad_arena_.size();
  for (size_t i = n_layers; i-- > 0;) {
    const DenseSpec& l = spec_.layers[i];
    Workspace::Layer& b = ws.layers[i];
    const float* layer_input = i == 0 ? ws.input.data() : ws.layers[i - 1].y_ptr;
    if (l.act >= 0) k.act_bwd[l.act](b.dz_ptr, b.z.data(), b.dy.data(), rows * l.out, l.params);
    if (l.row == RowAct::softmax) k.softmax_bwd(b.dz_ptr, b.z.data(), b.dy.data(), rows, l.out);
    if (l.row == RowAct::log_softmax) k.log_softmax_bwd(b.dz_ptr, b.z.data(), b.dy.data(), rows, l.out);
    if (l.bias) {  // db = column sums of dz
      float* db = grads_[--g_index];
      std::fill_n(db, l.out, 0.0f);
      for (size_t r = 0; r < rows; ++r)
        for (size_t j = 0; j < l.out; ++j) db[j] += b.dz_ptr[r * l.out + j];
    }
    GemmArgs dw;  // dW = input^T dz
    dw.trans_a = true;
    dw.m = l.in; dw.n = l.out; dw.k = rows;
    dw.a = layer_input; dw.lda = l.in; dw.b = b.dz_ptr; dw.ldb = l.out; dw.c = grads_[--g_index]; dw.ldc = l.out;
    gemm(dw);
    const size_t ready = static_cast<size_t>(grads_[g_index] - grad_arena_.data());
    if (reducer && (unsent - ready >= reducer->bucket_elements() || i == 0)) {
      reducer->submit(grad_arena_.data() + ready, unsent - ready);
      unsent = ready;
    }
    if (i > 0) {  // d loss / d (previous layer's output) = dz W^T
      GemmArgs dx;
      dx.trans_b = true;
      dx.m = rows; dx.n = l.in; dx.k = l.out;
      dx.a = b.dz_ptr; dx.lda = l.out; dx.b = l.weight; dx.ldb = l.out; dx.c = ws.layers[i - 1].dy.data(); dx.ldc = l.in;
      gemm(dx);
    }
  }
  if (reducer) reducer->wait();
  optimizer_step(spec_.optim, tensors_.data(), lengths_.data(), tensors_.size(), coeffs);
  return loss;
}

}  // namespace dendrite
