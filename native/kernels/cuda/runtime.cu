// The CUDA backend's host runtime: device probe, one stream, a grow-only device
// arena, and device_ops(), which copies each op's host arrays to the device,
// launches the kernels and copies the results back (correct first: a
// device-resident training loop is later work). Errors come back as strings
// ("what failed: CUDA message (cudaErrorName)"); nothing here aborts the process.
// cuBLAS, where its headers were found at build time (DENDRITE_HAVE_CUBLAS), is
// dlopen'ed on first use, so a missing libcublas only disables that path.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "common.cuh"

#if defined(DENDRITE_HAVE_CUBLAS)
#include <cublas_v2.h>
#include <dlfcn.h>
#endif

#ifndef DENDRITE_CUDA_ARCHS_STRING
#define DENDRITE_CUDA_ARCHS_STRING ""
#endif

namespace dendrite {
namespace cuda {
namespace {

std::string describe(cudaError_t e, const char* what) {
  return std::string(what) + ": " + cudaGetErrorString(e) + " (" + cudaGetErrorName(e) + ")";
}

#define DD_CUDA_TRY(expr)                            \
  do {                                               \
    const cudaError_t dd_err_ = (expr);              \
    if (dd_err_ != cudaSuccess) {                    \
      cudaGetLastError(); /* clear sticky-less errors */ \
      return describe(dd_err_, #expr);               \
    }                                                \
  } while (0)

enum class GemmPref { kAuto, kOwn, kCublas };

#if defined(DENDRITE_HAVE_CUBLAS)
#define DD_STR2(x) #x
#define DD_STR(x) DD_STR2(x)
struct Cublas {
  bool tried = false;
  std::string error;  // why it cannot be used
  void* lib = nullptr;
  cublasHandle_t handle = nullptr;
  decltype(&cublasCreate_v2) create = nullptr;
  decltype(&cublasSetStream_v2) set_stream = nullptr;
  decltype(&cublasSetMathMode) set_math_mode = nullptr;
  decltype(&cublasSgemm_v2) sgemm = nullptr;
};
#endif

struct Runtime {
  std::mutex mu;
  bool initialized = false;
  std::string init_error;
  int device = 0;
  int cc_major = 0;
  cudaStream_t stream = nullptr;
  char* arena = nullptr;
  size_t arena_bytes = 0;
  bool tf32 = false;
  GemmPref gemm_pref = GemmPref::kAuto;
#if defined(DENDRITE_HAVE_CUBLAS)
  Cublas cublas;
#endif
};

Runtime& rt() {
  static Runtime* r = new Runtime();  // never destroyed: no CUDA calls at process exit
  return *r;
}

Status init_locked(Runtime& r) {
  if (r.initialized) return r.init_error;
  r.initialized = true;
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    cudaGetLastError();
    return r.init_error = describe(e, "cudaGetDeviceCount");
  }
  if (count < 1) return r.init_error = "no CUDA device found";
  if (const char* env = std::getenv("DENDRITE_CUDA_DEVICE")) r.device = std::atoi(env);
  if (r.device < 0 || r.device >= count)
    return r.init_error = "DENDRITE_CUDA_DEVICE=" + std::to_string(r.device) + " but only " + std::to_string(count) + " device(s)";
  e = cudaSetDevice(r.device);
  if (e == cudaSuccess) e = cudaDeviceGetAttribute(&r.cc_major, cudaDevAttrComputeCapabilityMajor, r.device);
  if (e == cudaSuccess) e = cudaStreamCreateWithFlags(&r.stream, cudaStreamNonBlocking);
  if (e != cudaSuccess) {
    cudaGetLastError();
    return r.init_error = describe(e, "CUDA initialisation");
  }
  return {};
}

// Byte offsets of the buffers of one op inside the arena (256-byte aligned).
struct Layout {
  size_t bytes = 0;
  size_t add(size_t n) {
    const size_t at = bytes;
    bytes += (n + 255) & ~static_cast<size_t>(255);
    return at;
  }
};

Status reserve(Runtime& r, size_t bytes) {
  if (bytes <= r.arena_bytes) return {};
  if (r.arena) {
    cudaFree(r.arena);
    r.arena = nullptr;
    r.arena_bytes = 0;
  }
  const size_t want = bytes + bytes / 2;
  DD_CUDA_TRY(cudaMalloc(reinterpret_cast<void**>(&r.arena), want));
  r.arena_bytes = want;
  return {};
}

// Locks the runtime, initialises it, and reserves the arena for `layout`.
#define DD_BEGIN(layout)                        \
  Runtime& r = rt();                            \
  std::lock_guard<std::mutex> lock(r.mu);       \
  {                                             \
    Status s_ = init_locked(r);                 \
    /* the current device is per thread: ops run on worker threads too */ \
    if (s_.empty() && cudaSetDevice(r.device) != cudaSuccess) { cudaGetLastError(); s_ = "cudaSetDevice failed"; } \
    if (s_.empty()) s_ = reserve(r, (layout).bytes); \
    if (!s_.empty()) return s_;                 \
  }

template <class T>
T* at(Runtime& r, size_t offset) {
  return reinterpret_cast<T*>(r.arena + offset);
}

Status h2d(Runtime& r, void* dst, const void* src, size_t bytes) {
  if (bytes) DD_CUDA_TRY(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, r.stream));
  return {};
}
Status d2h(Runtime& r, void* dst, const void* src, size_t bytes) {
  if (bytes) DD_CUDA_TRY(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, r.stream));
  return {};
}
Status sync(Runtime& r) {
  DD_CUDA_TRY(cudaStreamSynchronize(r.stream));
  return {};
}
#define DD_OK(expr)            \
  do {                         \
    Status s_ = (expr);        \
    if (!s_.empty()) return s_; \
  } while (0)

constexpr size_t F = sizeof(float);

// ---------------------------------------------------------------------------
// Ops

Status act_fwd(int act, float* y, const float* x, size_t n, const ActParams& p) {
  if (n == 0) return {};
  Layout l;
  const size_t ox = l.add(n * F), oy = l.add(n * F);
  DD_BEGIN(l);
  DD_OK(h2d(r, at<float>(r, ox), x, n * F));
  DD_CUDA_TRY(launch::act_fwd(act, at<float>(r, oy), at<float>(r, ox), n, p, r.stream));
  DD_OK(d2h(r, y, at<float>(r, oy), n * F));
  return sync(r);
}

Status act_bwd(int act, float* dx, const float* x, const float* dy, size_t n, const ActParams& p) {
  if (n == 0) return {};
  Layout l;
  const size_t ox = l.add(n * F), ody = l.add(n * F), odx = l.add(n * F);
  DD_BEGIN(l);
  DD_OK(h2d(r, at<float>(r, ox), x, n * F));
  DD_OK(h2d(r, at<float>(r, ody), dy, n * F));
  DD_CUDA_TRY(launch::act_bwd(act, at<float>(r, odx), at<float>(r, ox), at<float>(r, ody), n, p, r.stream));
  DD_OK(d2h(r, dx, at<float>(r, odx), n * F));
  return sync(r);
}

Status softmax_fwd(float* y, const float* x, size_t rows, size_t cols, bool log) {
  const size_t n = rows * cols;
  if (n == 0) return {};
  if (rows > 0x7fffffffu) return "too many rows for one launch";
  Layout l;
  const size_t ox = l.add(n * F), oy = l.add(n * F);
  DD_BEGIN(l);
  DD_OK(h2d(r, at<float>(r, ox), x, n * F));
  DD_CUDA_TRY(launch::softmax_fwd(at<float>(r, oy), at<float>(r, ox), rows, cols, log, r.stream));
  DD_OK(d2h(r, y, at<float>(r, oy), n * F));
  return sync(r);
}

Status softmax_bwd(float* dx, const float* x, const float* dy, size_t rows, size_t cols, bool log) {
  const size_t n = rows * cols;
  if (n == 0) return {};
  if (rows > 0x7fffffffu) return "too many rows for one launch";
  Layout l;
  const size_t ox = l.add(n * F), ody = l.add(n * F), odx = l.add(n * F);
  DD_BEGIN(l);
  DD_OK(h2d(r, at<float>(r, ox), x, n * F));
  DD_OK(h2d(r, at<float>(r, ody), dy, n * F));
  DD_CUDA_TRY(launch::softmax_bwd(at<float>(r, odx), at<float>(r, ox), at<float>(r, ody), rows, cols, log, r.stream));
  DD_OK(d2h(r, dx, at<float>(r, odx), n * F));
  return sync(r);
}

// mse and bce: the kernel writes one partial sum per block; the host adds them in order.
template <class Launch>
Status elementwise_loss(double* loss, float* grad, const float* a, const float* b, size_t n, Launch launcher) {
  const size_t blocks = grid_for(n);
  Layout l;
  const size_t oa = l.add(n * F), ob = l.add(n * F), og = l.add(grad ? n * F : 0), op = l.add(blocks * sizeof(double));
  DD_BEGIN(l);
  DD_OK(h2d(r, at<float>(r, oa), a, n * F));
  DD_OK(h2d(r, at<float>(r, ob), b, n * F));
  DD_CUDA_TRY(launcher(at<double>(r, op), grad ? at<float>(r, og) : nullptr, at<float>(r, oa), at<float>(r, ob), n, r.stream));
  std::vector<double> partials(blocks);
  DD_OK(d2h(r, partials.data(), at<double>(r, op), blocks * sizeof(double)));
  if (grad) DD_OK(d2h(r, grad, at<float>(r, og), n * F));
  DD_OK(sync(r));
  double sum = 0.0;
  for (double p : partials) sum += p;
  *loss = sum / static_cast<double>(n);
  return {};
}

Status mse(double* loss, float* grad, const float* pred, const float* target, size_t n) {
  return elementwise_loss(loss, grad, pred, target, n, launch::mse);
}

Status bce(double* loss, float* grad, const float* logits, const float* targets, size_t n) {
  return elementwise_loss(loss, grad, logits, targets, n, launch::bce);
}

Status softmax_ce(double* loss, float* grad, const float* logits, const int32_t* targets, size_t rows, size_t cols,
                  float eps) {
  const size_t n = rows * cols;
  if (rows > 0x7fffffffu) return "too many rows for one launch";
  Layout l;
  const size_t oz = l.add(n * F), ot = l.add(rows * sizeof(int32_t)), og = l.add(grad ? n * F : 0),
               orl = l.add(rows * sizeof(double));
  DD_BEGIN(l);
  DD_OK(h2d(r, at<float>(r, oz), logits, n * F));
  DD_OK(h2d(r, at<int32_t>(r, ot), targets, rows * sizeof(int32_t)));
  DD_CUDA_TRY(launch::softmax_ce(at<double>(r, orl), grad ? at<float>(r, og) : nullptr, at<float>(r, oz),
                                 at<int32_t>(r, ot), rows, cols, eps, r.stream));
  std::vector<double> row_loss(rows);
  DD_OK(d2h(r, row_loss.data(), at<double>(r, orl), rows * sizeof(double)));
  if (grad) DD_OK(d2h(r, grad, at<float>(r, og), n * F));
  DD_OK(sync(r));
  double total = 0.0;
  for (double v : row_loss) total += v;
  *loss = total / static_cast<double>(rows);
  return {};
}

// Parameters and gradients are packed into one device buffer each; the state
// arena is copied as it is (slot-major); one descriptor per tensor points into them.
Status optim_step(int kind, float* const* params, float* const* grads, const size_t* lengths, size_t count, float* state,
                  size_t slots, const double* coeffs) {
  if (kind < 0 || kind >= kOptimCount) return "unknown optimizer id";
  size_t total = 0;
  for (size_t t = 0; t < count; ++t) total += lengths[t];
  if (total == 0) return {};
  Layout l;
  const size_t op = l.add(total * F), og = l.add(total * F), os = l.add(slots * total * F),
               od = l.add(count * sizeof(TensorDesc));
  DD_BEGIN(l);
  float* dp = at<float>(r, op);
  float* dg = at<float>(r, og);
  float* ds = at<float>(r, os);
  std::vector<TensorDesc> descs(count);
  for (size_t t = 0, offset = 0; t < count; offset += lengths[t], ++t) {
    descs[t].t.param = dp + offset;
    descs[t].t.grad = dg + offset;
    for (size_t s = 0; s < static_cast<size_t>(kMaxOptimSlots); ++s)
      descs[t].t.slot[s] = s < slots ? ds + s * total + offset : nullptr;
    descs[t].offset = offset;
    descs[t].n = lengths[t];
    DD_OK(h2d(r, dp + offset, params[t], lengths[t] * F));
    DD_OK(h2d(r, dg + offset, grads[t], lengths[t] * F));
  }
  DD_OK(h2d(r, ds, state, slots * total * F));
  DD_OK(h2d(r, at<TensorDesc>(r, od), descs.data(), count * sizeof(TensorDesc)));
  const dm::OptimCoef coef = dm::optim_coef(static_cast<Optim>(kind), coeffs);
  DD_CUDA_TRY(launch::optim(kind, at<TensorDesc>(r, od), count, total, coef, r.stream));
  for (size_t t = 0, offset = 0; t < count; offset += lengths[t], ++t) DD_OK(d2h(r, params[t], dp + offset, lengths[t] * F));
  DD_OK(d2h(r, state, ds, slots * total * F));
  return sync(r);
}

Status pack(Runtime& r, float* dst, float* const* xs, const size_t* lengths, size_t count) {
  for (size_t t = 0, offset = 0; t < count; offset += lengths[t], ++t) DD_OK(h2d(r, dst + offset, xs[t], lengths[t] * F));
  return {};
}
Status unpack(Runtime& r, float* const* xs, const float* src, const size_t* lengths, size_t count) {
  for (size_t t = 0, offset = 0; t < count; offset += lengths[t], ++t) DD_OK(d2h(r, xs[t], src + offset, lengths[t] * F));
  return {};
}

Status clip_norm(double* norm, float* const* grads, const size_t* lengths, size_t count, float max_norm) {
  size_t total = 0;
  for (size_t t = 0; t < count; ++t) total += lengths[t];
  *norm = 0.0;
  if (total == 0) return {};
  const size_t blocks = grid_for(total);
  Layout l;
  const size_t og = l.add(total * F), op = l.add(blocks * sizeof(double));
  DD_BEGIN(l);
  DD_OK(pack(r, at<float>(r, og), grads, lengths, count));
  DD_CUDA_TRY(launch::sum_squares(at<double>(r, op), at<float>(r, og), total, r.stream));
  std::vector<double> partials(blocks);
  DD_OK(d2h(r, partials.data(), at<double>(r, op), blocks * sizeof(double)));
  DD_OK(sync(r));
  double sum = 0.0;
  for (double p : partials) sum += p;
  *norm = std::sqrt(sum);
  const double coef = static_cast<double>(max_norm) / (*norm + 1e-6);
  if (coef < 1.0) {
    DD_CUDA_TRY(launch::scale(at<float>(r, og), total, static_cast<float>(coef), r.stream));
    DD_OK(unpack(r, grads, at<float>(r, og), lengths, count));
    DD_OK(sync(r));
  }
  return {};
}

Status clip_value(float* const* grads, const size_t* lengths, size_t count, float value) {
  size_t total = 0;
  for (size_t t = 0; t < count; ++t) total += lengths[t];
  if (total == 0) return {};
  Layout l;
  const size_t og = l.add(total * F);
  DD_BEGIN(l);
  DD_OK(pack(r, at<float>(r, og), grads, lengths, count));
  DD_CUDA_TRY(launch::clamp(at<float>(r, og), total, -value, value, r.stream));
  DD_OK(unpack(r, grads, at<float>(r, og), lengths, count));
  return sync(r);
}

#if defined(DENDRITE_HAVE_CUBLAS)
// Loads libcublas on first use; false (with c.error) when it cannot be used.
bool cublas_ready(Runtime& r) {
  Cublas& c = r.cublas;
  if (c.tried) return c.error.empty();
  c.tried = true;
  if (r.initialized && r.init_error.empty() && cudaSetDevice(r.device) != cudaSuccess) {  // the handle binds to the current device
    cudaGetLastError();
    c.error = "cudaSetDevice failed";
    return false;
  }
  const std::string major = DD_STR(CUBLAS_VER_MAJOR);
  const std::string names[] = {
#if defined(DENDRITE_CUDA_LIBDIR)
      std::string(DENDRITE_CUDA_LIBDIR) + "/libcublas.so." + major,
#endif
      "libcublas.so." + major, "libcublas.so"};
  for (const std::string& name : names)
    if ((c.lib = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL)) != nullptr) break;
  if (!c.lib) {
    c.error = "libcublas.so." + major + " could not be loaded";
    return false;
  }
  c.create = reinterpret_cast<decltype(c.create)>(dlsym(c.lib, "cublasCreate_v2"));
  c.set_stream = reinterpret_cast<decltype(c.set_stream)>(dlsym(c.lib, "cublasSetStream_v2"));
  c.set_math_mode = reinterpret_cast<decltype(c.set_math_mode)>(dlsym(c.lib, "cublasSetMathMode"));
  c.sgemm = reinterpret_cast<decltype(c.sgemm)>(dlsym(c.lib, "cublasSgemm_v2"));
  if (!c.create || !c.set_stream || !c.set_math_mode || !c.sgemm) {
    c.error = "libcublas lacks cublasCreate_v2/cublasSetStream_v2/cublasSetMathMode/cublasSgemm_v2";
    return false;
  }
  if (c.create(&c.handle) != CUBLAS_STATUS_SUCCESS || c.set_stream(c.handle, r.stream) != CUBLAS_STATUS_SUCCESS) {
    c.error = "cublasCreate failed";
    return false;
  }
  return true;
}
#endif

// Which GEMM runs: cuBLAS when preferred/available, else dendrite's own kernels.
bool use_cublas(Runtime& r) {
#if defined(DENDRITE_HAVE_CUBLAS)
  if (r.gemm_pref == GemmPref::kOwn) return false;
  return cublas_ready(r);
#else
  (void)r;
  return false;
#endif
}

std::string gemm_impl_locked(Runtime& r) {
  const bool tf32 = r.tf32 && (r.cc_major >= 8 || !r.initialized);
  const bool cublas = r.initialized && r.init_error.empty() && use_cublas(r);
  return std::string(cublas ? "cublas" : "own") + (tf32 ? "-tf32" : "-fp32");
}

// The GEMM dispatch of gemm() and gemm_device(): cuBLAS when selected and
// loadable (the fused epilogue then runs as its own kernel), else dendrite's own
// kernels; TF32 when set and the device has tensor cores (sm_80+). On r.stream;
// the caller holds r.mu. d.k is 0 when A and B are not read (cuBLAS is skipped).
Status gemm_locked(Runtime& r, const DeviceGemm& d) {
  const bool tf32 = r.tf32 && r.cc_major >= 8;
#if defined(DENDRITE_HAVE_CUBLAS)
  if (d.k > 0 && use_cublas(r)) {
    Cublas& c = r.cublas;
    if (c.set_math_mode(c.handle, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH) != CUBLAS_STATUS_SUCCESS)
      return "cublasSetMathMode failed";
    // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T.
    const cublasStatus_t st = c.sgemm(c.handle, d.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N, d.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N,
                                      d.n, d.m, d.k, &d.alpha, d.b, static_cast<int>(d.ldb), d.a, static_cast<int>(d.lda),
                                      &d.beta, d.c, static_cast<int>(d.ldc));
    if (st != CUBLAS_STATUS_SUCCESS) return "cublasSgemm failed with status " + std::to_string(static_cast<int>(st));
    if (d.bias || d.act >= 0) DD_CUDA_TRY(launch::gemm_epilogue(d, r.stream));
    return {};
  }
#endif
  DD_CUDA_TRY(launch::gemm(d, tf32, r.stream));
  return {};
}

Status gemm(const GemmCall& g) {
  if (g.m == 0 || g.n == 0) return {};
  DeviceGemm d;
  const Status shape = to_device_gemm(g, &d);
  if (!shape.empty()) return shape;
  const bool read_ab = d.k > 0;
  Layout l;
  const size_t oa = l.add(read_ab ? g.a_len * F : 0), ob = l.add(read_ab ? g.b_len * F : 0), oc = l.add(g.c_len * F),
               obias = l.add(g.bias ? g.n * F : 0), oo = l.add(g.act >= 0 ? g.out_len * F : 0);
  DD_BEGIN(l);
  d.a = at<float>(r, oa);  // the device copies
  d.b = at<float>(r, ob);
  d.c = at<float>(r, oc);
  d.bias = g.bias ? at<float>(r, obias) : nullptr;
  d.act_out = g.act >= 0 ? at<float>(r, oo) : nullptr;
  if (read_ab) {
    DD_OK(h2d(r, at<float>(r, oa), g.a, g.a_len * F));
    DD_OK(h2d(r, at<float>(r, ob), g.b, g.b_len * F));
  }
  DD_OK(h2d(r, d.c, g.c, g.c_len * F));  // the whole span: padding comes back unchanged
  if (g.bias) DD_OK(h2d(r, at<float>(r, obias), g.bias, g.n * F));
  if (g.act >= 0) DD_OK(h2d(r, d.act_out, g.act_out, g.out_len * F));
  DD_OK(gemm_locked(r, d));
  DD_OK(d2h(r, g.c, d.c, g.c_len * F));
  if (g.act >= 0) DD_OK(d2h(r, g.act_out, d.act_out, g.out_len * F));
  return sync(r);
}

Status configure(const char* key, const char* value) {
  Runtime& r = rt();
  std::lock_guard<std::mutex> lock(r.mu);
  if (std::strcmp(key, "matmulPrecision") == 0) {
    if (std::strcmp(value, "fp32") == 0) r.tf32 = false;
    else if (std::strcmp(value, "tf32") == 0) r.tf32 = true;
    else return std::string("unknown matmul precision '") + value + "'";
    return {};
  }
  if (std::strcmp(key, "gemm") == 0) {
    if (std::strcmp(value, "auto") == 0) r.gemm_pref = GemmPref::kAuto;
    else if (std::strcmp(value, "own") == 0) r.gemm_pref = GemmPref::kOwn;
    else if (std::strcmp(value, "cublas") == 0) {
#if defined(DENDRITE_HAVE_CUBLAS)
      const Status s = init_locked(r);
      if (!s.empty()) return s;
      if (!cublas_ready(r)) return "cuBLAS is unavailable: " + r.cublas.error;
      r.gemm_pref = GemmPref::kCublas;
#else
      return "dendrite was built without cuBLAS (cublas_v2.h was not found at build time)";
#endif
    } else {
      return std::string("unknown GEMM implementation '") + value + "'";
    }
    return {};
  }
  return std::string("unknown setting '") + key + "'";
}

std::string gemm_impl() {
  Runtime& r = rt();
  std::lock_guard<std::mutex> lock(r.mu);
  return gemm_impl_locked(r);
}

}  // namespace

// The runtime as the CUDA device (device_cuda.cu) uses it: one device, one
// stream, one GEMM dispatch for both paths.
Status runtime_acquire(int* device, cudaStream_t* stream) {
  Runtime& r = rt();
  std::lock_guard<std::mutex> lock(r.mu);
  const Status s = init_locked(r);
  if (!s.empty()) return s;
  *device = r.device;
  *stream = r.stream;
  return {};
}

void gemm_settings(std::string* gemm, std::string* precision) {
  Runtime& r = rt();
  std::lock_guard<std::mutex> lock(r.mu);
  *gemm = r.gemm_pref == GemmPref::kOwn ? "own" : r.gemm_pref == GemmPref::kCublas ? "cublas" : "auto";
  *precision = r.tf32 ? "tf32" : "fp32";
}

Status gemm_device(const DeviceGemm& d) {
  if (d.m <= 0 || d.n <= 0) return {};
  if ((static_cast<size_t>(d.m) + 63) / 64 > 65535) return "GEMM with more than 4194240 rows";
  Runtime& r = rt();
  std::lock_guard<std::mutex> lock(r.mu);  // the cuBLAS state and the settings
  const Status s = init_locked(r);
  if (!s.empty()) return s;
  return gemm_locked(r, d);
}

ProbeInfo probe() {
  ProbeInfo info;
  info.compiled = true;
#if defined(DENDRITE_HAVE_CUBLAS)
  info.cublas = true;
#endif
  info.archs = DENDRITE_CUDA_ARCHS_STRING;
  cudaRuntimeGetVersion(&info.runtime_version);
  if (cudaDriverGetVersion(&info.driver_version) != cudaSuccess) info.driver_version = 0;
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    cudaGetLastError();
    info.error = cudaGetErrorString(e);
    info.error_name = cudaGetErrorName(e);
    return info;
  }
  info.device_count = count;
  if (count < 1) {
    info.error = "no CUDA device found";
    return info;
  }
  cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess) {
    info.device_name = prop.name;
    info.cc_major = prop.major;
    info.cc_minor = prop.minor;
  } else {
    cudaGetLastError();
  }
  return info;
}

const Ops& device_ops() {
  static const Ops ops = {"cuda", act_fwd, act_bwd, softmax_fwd, softmax_bwd, mse, softmax_ce, bce,
                          optim_step, clip_norm, clip_value, gemm, configure, gemm_impl};
  return ops;
}

}  // namespace cuda
}  // namespace dendrite
