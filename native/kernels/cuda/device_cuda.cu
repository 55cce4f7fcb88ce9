// The CUDA device: the Device interface (dendrite/device.h) over device memory,
// for the device-resident training loop. It shares the runtime's device, stream
// and GEMM dispatch (runtime.cu: runtime_acquire, gemm_device), so settings such
// as matmulPrecision and gemm apply to both paths. Everything is queued on that
// one stream; only upload/download (and growing a scratch buffer) wait for it.
// Losses and counts are reduced on the device into a double slot: per-block
// partials, then one block that adds them in a fixed order (deterministic).
// Errors throw std::runtime_error ("what failed: message (cudaErrorName)").
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "common.cuh"
#include "dendrite/device.h"
#include "dendrite/trainer.h"

namespace dendrite {
namespace cuda {

// The layer ops' launchers (layers.cu): each returns the first error of its launches.
namespace launch {
cudaError_t im2col(float* col, const float* x, const Window2d& w, cudaStream_t s);
cudaError_t col2im(float* dx, const float* col, const Window2d& w, cudaStream_t s);
cudaError_t max_pool_fwd(float* y, int32_t* arg, const float* x, const Window2d& w, cudaStream_t s);
cudaError_t max_pool_bwd(float* dx, const float* dy, const int32_t* arg, const Window2d& w, cudaStream_t s);
cudaError_t avg_pool_fwd(float* y, const float* x, const Window2d& w, cudaStream_t s);
cudaError_t avg_pool_bwd(float* dx, const float* dy, const Window2d& w, cudaStream_t s);
cudaError_t batch_norm_fwd(const BatchNormArgs& a, cudaStream_t s);
cudaError_t batch_norm_bwd(const BatchNormArgs& a, cudaStream_t s);
cudaError_t layer_norm_fwd(const LayerNormArgs& a, cudaStream_t s);
cudaError_t layer_norm_bwd(const LayerNormArgs& a, cudaStream_t s);
cudaError_t dropout(float* y, float* mask, const float* x, size_t n, float rate, uint32_t seed, uint32_t counter,
                    cudaStream_t s);
cudaError_t multiply(float* out, const float* a, const float* b, size_t n, cudaStream_t s);
cudaError_t embedding_fwd(float* y, const float* ids, const float* table, size_t count, size_t dim, size_t vocab,
                          cudaStream_t s);
cudaError_t embedding_bwd(float* dtable, const float* ids, const float* dy, size_t count, size_t dim, size_t vocab,
                          cudaStream_t s);
}  // namespace launch

namespace {

std::string describe(cudaError_t e, const char* what) {
  return std::string(what) + ": " + cudaGetErrorString(e) + " (" + cudaGetErrorName(e) + ")";
}

void check(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return;
  cudaGetLastError();  // clear a non-sticky error so that later calls do not report it again
  throw std::runtime_error(describe(e, what));
}

void check(const Status& s, const char* what) {
  if (!s.empty()) throw std::runtime_error(std::string(what) + ": " + s);
}

// ---------------------------------------------------------------------------
// Kernels (grid-stride)

__global__ void gather_f32_kernel(float* out, const float* x, size_t width, const uint32_t* index, size_t rows) {
  const size_t n = rows * width;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const size_t r = i / width, c = i - r * width;
    out[i] = x[static_cast<size_t>(index[r]) * width + c];
  }
}

__global__ void gather_i32_kernel(int32_t* out, const int32_t* x, const uint32_t* index, size_t rows) {
  for (size_t r = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; r < rows; r += static_cast<size_t>(gridDim.x) * blockDim.x)
    out[r] = x[index[r]];
}

// Column sums in two deterministic stages: each block sums a slab of rows per column
// (rows in order, in float; adjacent threads read adjacent columns), then one thread per
// column adds the slabs in order. A single pass with one thread per column would walk
// every row serially: with 10 columns and 16384 rows, one warp doing all the work.
constexpr size_t kSlabRows = 256;
__global__ void column_slab_sums_kernel(double* partials, const float* x, size_t rows, size_t cols, size_t slab_rows) {
  const size_t j = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (j >= cols) return;
  const size_t begin = blockIdx.y * slab_rows, end = begin + slab_rows < rows ? begin + slab_rows : rows;
  float sum = 0.0f;
  for (size_t r = begin; r < end; ++r) sum += x[r * cols + j];
  partials[blockIdx.y * cols + j] = sum;
}
__global__ void column_total_kernel(float* out, const double* partials, size_t slabs, size_t cols) {
  for (size_t j = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; j < cols; j += static_cast<size_t>(gridDim.x) * blockDim.x) {
    double sum = 0.0;
    for (size_t s = 0; s < slabs; ++s) sum += partials[s * cols + j];
    out[j] = static_cast<float>(sum);
  }
}

// Rows whose argmax (the first maximum; `>` as std::max_element, so NaN never
// wins unless first) is the class; one thread per row, per-block partial counts.
__global__ void count_classes_kernel(double* partials, const float* out, const int32_t* classes, size_t rows, size_t cols) {
  __shared__ unsigned long long red[32];
  unsigned long long hits = 0;
  for (size_t r = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; r < rows; r += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const float* row = out + r * cols;
    size_t best = 0;
    for (size_t j = 1; j < cols; ++j)
      if (row[j] > row[best]) best = j;
    hits += static_cast<int32_t>(best) == classes[r];
  }
  hits = block_reduce(hits, SumOp(), red);
  if (threadIdx.x == 0) partials[blockIdx.x] = static_cast<double>(hits);
}

// Elements where (logit > 0) == (value >= 0.5); per-block partial counts.
__global__ void count_values_kernel(double* partials, const float* out, const float* values, size_t n) {
  __shared__ unsigned long long red[32];
  unsigned long long hits = 0;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<size_t>(gridDim.x) * blockDim.x)
    hits += (out[i] > 0.0f) == (values[i] >= 0.5f);
  hits = block_reduce(hits, SumOp(), red);
  if (threadIdx.x == 0) partials[blockIdx.x] = static_cast<double>(hits);
}

// One block: *slot = (x[0] + ... + x[n-1]) / divisor, in double, in a fixed order.
__global__ void sum_to_slot_kernel(double* slot, const double* x, size_t n, double divisor) {
  __shared__ double red[32];
  double acc = 0.0;
  for (size_t i = threadIdx.x; i < n; i += blockDim.x) acc += x[i];
  acc = block_reduce(acc, SumOp(), red);
  if (threadIdx.x == 0) *slot = acc / divisor;
}

// ---------------------------------------------------------------------------

class CudaDevice : public Device {
 public:
  CudaDevice(int device, cudaStream_t stream) : device_(device), stream_(stream) {}

  ~CudaDevice() override {
    // No throwing here; cudaFree waits for the work that may still use the buffers.
    cudaSetDevice(device_);
    cudaStreamSynchronize(stream_);
    if (scratch_) cudaFree(scratch_);
    if (descs_) cudaFree(descs_);
    for (cudaEvent_t& e : steps_)
      if (e) cudaEventDestroy(e);
    cudaGetLastError();
  }

  // Two events in turn: after step i is queued, wait for step i - 1 to finish.
  void step_done() override {
    enter();
    cudaEvent_t& e = steps_[next_step_];
    if (!e) check(cudaEventCreateWithFlags(&e, cudaEventDisableTiming), "cudaEventCreate");
    check(cudaEventRecord(e, stream_), "cudaEventRecord");
    next_step_ ^= 1;
    if (steps_[next_step_]) check(cudaEventSynchronize(steps_[next_step_]), "cudaEventSynchronize");
  }

  const char* name() const override { return "cuda"; }

  void* alloc(size_t bytes) override {
    enter();
    if (bytes == 0) return nullptr;
    void* p = nullptr;
    check(cudaMalloc(&p, bytes), "cudaMalloc");
    return p;
  }

  // Never throws (the training loop releases from destructors): a failure here is
  // that of earlier work, which the next call that checks reports.
  void release(void* p) override {
    if (!p) return;
    cudaSetDevice(device_);
    cudaStreamSynchronize(stream_);  // work queued on p finishes first
    cudaFree(p);
    cudaGetLastError();
  }

  void upload(void* dst, const void* src, size_t bytes) override {
    if (bytes == 0) return;
    enter();
    check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_), "cudaMemcpyAsync (upload)");
    check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize (upload)");  // src may be reused on return
  }

  void download(void* dst, const void* src, size_t bytes) override {
    if (bytes == 0) return;
    enter();
    check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_), "cudaMemcpyAsync (download)");
    check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize (download)");
  }

  void gather_f32(float* out, const float* x, size_t width, const uint32_t* index, size_t rows) override {
    const size_t n = rows * width;
    if (n == 0) return;
    enter();
    gather_f32_kernel<<<grid_for(n), kThreads, 0, stream_>>>(out, x, width, index, rows);
    check(cudaGetLastError(), "gather_f32 launch");
  }

  void gather_i32(int32_t* out, const int32_t* x, const uint32_t* index, size_t rows) override {
    if (rows == 0) return;
    enter();
    gather_i32_kernel<<<grid_for(rows), kThreads, 0, stream_>>>(out, x, index, rows);
    check(cudaGetLastError(), "gather_i32 launch");
  }

  void gemm(const GemmCall& g) override {
    if (g.m == 0 || g.n == 0) return;
    DeviceGemm d;
    const Status s = to_device_gemm(g, &d);
    if (!s.empty()) throw std::runtime_error("gemm: " + s);
    enter();
    check(gemm_device(d), "gemm");
  }

  void act_fwd(int act, float* y, const float* x, size_t n, const ActParams& p) override {
    if (n == 0) return;
    enter();
    check(launch::act_fwd(act, y, x, n, p, stream_), "activation launch");
  }

  void act_bwd(int act, float* dx, const float* x, const float* dy, size_t n, const ActParams& p) override {
    if (n == 0) return;
    enter();
    check(launch::act_bwd(act, dx, x, dy, n, p, stream_), "activation backward launch");
  }

  void softmax_fwd(float* y, const float* x, size_t rows, size_t cols, bool log) override {
    if (rows == 0 || cols == 0) return;
    check_rows(rows);
    enter();
    check(launch::softmax_fwd(y, x, rows, cols, log, stream_), "softmax launch");
  }

  void softmax_bwd(float* dx, const float* x, const float* dy, size_t rows, size_t cols, bool log) override {
    if (rows == 0 || cols == 0) return;
    check_rows(rows);
    enter();
    check(launch::softmax_bwd(dx, x, dy, rows, cols, log, stream_), "softmax backward launch");
  }

  // The scaling of device_ops: the kernels write the gradient of the mean; the
  // loss is (sum of row losses) / rows, or (sum of element terms) / n.
  void loss(LossKind kind, double* slot, float* grad, const float* out, const int32_t* classes, const float* values,
            size_t rows, size_t cols, float label_smoothing) override {
    const size_t n = rows * cols;
    enter();
    if (n == 0) {  // nothing to average (the kernels cannot launch empty)
      check(cudaMemsetAsync(slot, 0, sizeof(double), stream_), "cudaMemsetAsync (loss)");
      return;
    }
    if (kind == LossKind::softmax_cross_entropy) {
      check_rows(rows);
      double* row_loss = scratch(rows);
      check(launch::softmax_ce(row_loss, grad, out, classes, rows, cols, label_smoothing, stream_), "softmax_ce launch");
      sum_to_slot(slot, row_loss, rows, static_cast<double>(rows));
      return;
    }
    double* partials = scratch(grid_for(n));
    if (kind == LossKind::mse) check(launch::mse(partials, grad, out, values, n, stream_), "mse launch");
    else check(launch::bce(partials, grad, out, values, n, stream_), "bce launch");
    sum_to_slot(slot, partials, grid_for(n), static_cast<double>(n));
  }

  void count_correct(double* slot, const float* out, const int32_t* classes, const float* values, size_t rows,
                     size_t cols) override {
    const size_t items = classes ? rows : rows * cols;
    enter();
    if (items == 0) {
      check(cudaMemsetAsync(slot, 0, sizeof(double), stream_), "cudaMemsetAsync (count_correct)");
      return;
    }
    const unsigned int blocks = grid_for(items);
    double* partials = scratch(blocks);
    if (classes) count_classes_kernel<<<blocks, kThreads, 0, stream_>>>(partials, out, classes, rows, cols);
    else count_values_kernel<<<blocks, kThreads, 0, stream_>>>(partials, out, values, items);
    check(cudaGetLastError(), "count_correct launch");
    sum_to_slot(slot, partials, blocks, 1.0);  // integer counts: exact in double
  }

  void column_sums(float* out, const float* x, size_t rows, size_t cols) override {
    if (cols == 0) return;
    enter();
    const size_t slab_rows = std::max(kSlabRows, (rows + 65534) / 65535);  // grid.y <= 65535
    const size_t slabs = std::max<size_t>(1, (rows + slab_rows - 1) / slab_rows);
    if (cols > 0x7fffffffu) throw std::runtime_error("column_sums: more than 2^31 - 1 columns");
    double* partials = scratch(slabs * cols);
    const unsigned int threads = 128;
    const dim3 grid(static_cast<unsigned int>((cols + threads - 1) / threads), static_cast<unsigned int>(slabs));
    column_slab_sums_kernel<<<grid, threads, 0, stream_>>>(partials, x, rows, cols, slab_rows);
    check(cudaGetLastError(), "column_sums launch");
    column_total_kernel<<<grid_for(cols), kThreads, 0, stream_>>>(out, partials, slabs, cols);
    check(cudaGetLastError(), "column_sums launch");
  }

  // One fused launch over every tensor, as device_ops: descriptors point at the
  // caller's device buffers; slot s of tensor t at state + s * total + offset(t).
  void optimizer_step(int kind, float* const* params, float* const* grads, const size_t* lengths, size_t count,
                      float* state, size_t slots, const double* coeffs) override {
    if (kind < 0 || kind >= kOptimCount) throw std::runtime_error("optimizer step: unknown optimizer id");
    if (slots > static_cast<size_t>(kMaxOptimSlots)) throw std::runtime_error("optimizer step: too many state slots");
    size_t total = 0;
    for (size_t t = 0; t < count; ++t) total += lengths[t];
    if (total == 0) return;
    enter();
    std::vector<TensorDesc> descs(count);
    for (size_t t = 0, offset = 0; t < count; offset += lengths[t], ++t) {
      descs[t].t.param = params[t];
      descs[t].t.grad = grads[t];
      for (size_t s = 0; s < static_cast<size_t>(kMaxOptimSlots); ++s)
        descs[t].t.slot[s] = s < slots ? state + s * total + offset : nullptr;
      descs[t].offset = offset;
      descs[t].n = lengths[t];
    }
    // The descriptors only change with the buffers: upload them when they do (usually once).
    if (descs.size() != host_descs_.size() ||
        std::memcmp(descs.data(), host_descs_.data(), count * sizeof(TensorDesc)) != 0) {
      if (count > descs_cap_) {
        check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize (optimizer step)");  // the old list may be in use
        if (descs_) cudaFree(descs_);
        descs_ = nullptr;
        descs_cap_ = 0;
        check(cudaMalloc(reinterpret_cast<void**>(&descs_), count * sizeof(TensorDesc)), "cudaMalloc (optimizer step)");
        descs_cap_ = count;
      }
      host_descs_.clear();  // stays empty if the upload fails: rebuilt next time
      upload(descs_, descs.data(), count * sizeof(TensorDesc));
      host_descs_ = std::move(descs);
    }
    const dm::OptimCoef coef = dm::optim_coef(static_cast<Optim>(kind), coeffs);
    check(launch::optim(kind, descs_, count, total, coef, stream_), "optimizer launch");
  }

  // ---- Layer ops (layers.cu)

  void im2col(float* col, const float* x, const Window2d& w) override {
    enter();
    check(launch::im2col(col, x, w, stream_), "im2col launch");
  }
  void col2im(float* dx, const float* col, const Window2d& w) override {
    enter();
    check(launch::col2im(dx, col, w, stream_), "col2im launch");
  }
  void max_pool_fwd(float* y, int32_t* arg, const float* x, const Window2d& w) override {
    enter();
    check(launch::max_pool_fwd(y, arg, x, w, stream_), "max_pool launch");
  }
  void max_pool_bwd(float* dx, const float* dy, const int32_t* arg, const Window2d& w) override {
    enter();
    check(launch::max_pool_bwd(dx, dy, arg, w, stream_), "max_pool backward launch");
  }
  void avg_pool_fwd(float* y, const float* x, const Window2d& w) override {
    enter();
    check(launch::avg_pool_fwd(y, x, w, stream_), "avg_pool launch");
  }
  void avg_pool_bwd(float* dx, const float* dy, const Window2d& w) override {
    enter();
    check(launch::avg_pool_bwd(dx, dy, w, stream_), "avg_pool backward launch");
  }
  // One block per channel.
  void batch_norm_fwd(const BatchNormArgs& a) override {
    check_rows(a.channels);
    enter();
    check(launch::batch_norm_fwd(a, stream_), "batch_norm launch");
  }
  void batch_norm_bwd(const BatchNormArgs& a) override {
    check_rows(a.channels);
    enter();
    check(launch::batch_norm_bwd(a, stream_), "batch_norm backward launch");
  }
  // One block per row (and per column for dgamma, dbeta).
  void layer_norm_fwd(const LayerNormArgs& a) override {
    check_rows(a.rows);
    enter();
    check(launch::layer_norm_fwd(a, stream_), "layer_norm launch");
  }
  void layer_norm_bwd(const LayerNormArgs& a) override {
    check_rows(a.rows);
    check_rows(a.cols);
    enter();
    check(launch::layer_norm_bwd(a, stream_), "layer_norm backward launch");
  }
  void dropout_fwd(float* y, float* mask, const float* x, size_t n, float rate, uint32_t seed, uint32_t counter) override {
    enter();
    check(launch::dropout(y, mask, x, n, rate, seed, counter, stream_), "dropout launch");
  }
  void multiply(float* out, const float* a, const float* b, size_t n) override {
    enter();
    check(launch::multiply(out, a, b, n, stream_), "multiply launch");
  }
  void embedding_fwd(float* y, const float* ids, const float* table, size_t count, size_t dim, size_t vocab) override {
    enter();
    check(launch::embedding_fwd(y, ids, table, count, dim, vocab, stream_), "embedding launch");
  }
  void embedding_bwd(float* dtable, const float* ids, const float* dy, size_t count, size_t dim, size_t vocab) override {
    enter();
    check(launch::embedding_bwd(dtable, ids, dy, count, dim, vocab, stream_), "embedding backward launch");
  }

 private:
  // The trainer may run on any thread; the device is current per host thread.
  void enter() { check(cudaSetDevice(device_), "cudaSetDevice"); }

  static void check_rows(size_t rows) {
    if (rows > 0x7fffffffu) throw std::runtime_error("too many rows for one launch");
  }

  // A grow-only buffer of doubles for partial sums and row losses (stream order
  // keeps its uses apart).
  double* scratch(size_t n) {
    if (n > scratch_len_) {
      check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize (scratch)");  // the old buffer may be in use
      if (scratch_) cudaFree(scratch_);
      scratch_ = nullptr;
      scratch_len_ = 0;
      const size_t want = n + n / 2;
      check(cudaMalloc(reinterpret_cast<void**>(&scratch_), want * sizeof(double)), "cudaMalloc (scratch)");
      scratch_len_ = want;
    }
    return scratch_;
  }

  void sum_to_slot(double* slot, const double* x, size_t n, double divisor) {
    sum_to_slot_kernel<<<1, kThreads, 0, stream_>>>(slot, x, n, divisor);
    check(cudaGetLastError(), "sum_to_slot launch");
  }

  int device_;
  cudaStream_t stream_;
  cudaEvent_t steps_[2] = {nullptr, nullptr};
  int next_step_ = 0;
  double* scratch_ = nullptr;
  size_t scratch_len_ = 0;
  TensorDesc* descs_ = nullptr;  // device copy of host_descs_
  size_t descs_cap_ = 0;
  std::vector<TensorDesc> host_descs_;
};

}  // namespace
}  // namespace cuda

std::unique_ptr<Device> make_cuda_device(std::string* error) {
  int device = 0;
  cudaStream_t stream = nullptr;
  const Status s = cuda::runtime_acquire(&device, &stream);
  if (!s.empty()) {
    if (error) *error = s;
    return nullptr;
  }
  return std::make_unique<cuda::CudaDevice>(device, stream);
}

}  // namespace dendrite
