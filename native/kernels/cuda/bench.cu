// Micro-benchmarks over device memory (cuda_api.h: bench), for bench/gpu: the
// kernels the training loop uses, timed alone with CUDA events on the runtime's
// stream, without the host<->device copies of the per-op path. Every buffer is
// allocated, filled and freed here; errors come back as strings ("what failed:
// message (cudaErrorName)"); nothing aborts.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common.cuh"

namespace dendrite {
namespace cuda {
namespace {

std::string describe(cudaError_t e, const char* what) {
  return std::string(what) + ": " + cudaGetErrorString(e) + " (" + cudaGetErrorName(e) + ")";
}

#define DD_BENCH_TRY(expr)                            \
  do {                                                \
    const cudaError_t dd_err_ = (expr);               \
    if (dd_err_ != cudaSuccess) {                     \
      cudaGetLastError(); /* clear a non-sticky error */ \
      return describe(dd_err_, #expr);                \
    }                                                 \
  } while (0)

#define DD_BENCH_OK(expr)       \
  do {                          \
    Status s_ = (expr);         \
    if (!s_.empty()) return s_; \
  } while (0)

// Values in [lo, lo + span) from a hash of the index: non-trivial inputs (zeros
// would let an activation or the optimizer take shortcuts nobody meets in training).
__global__ void fill_kernel(float* x, size_t n, uint32_t seed, float lo, float span) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n; i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    uint32_t h = static_cast<uint32_t>(i) * 2654435761u ^ seed;
    h ^= h >> 15;
    h *= 0x2c1b3c6du;
    h ^= h >> 12;
    x[i] = lo + span * static_cast<float>(h >> 8) * (1.0f / 16777216.0f);
  }
}

// The buffers and events of one benchmark, released on every path (errors too).
struct Scope {
  cudaStream_t stream = nullptr;
  std::vector<void*> buffers;
  cudaEvent_t start = nullptr, stop = nullptr;

  ~Scope() {
    if (stream) cudaStreamSynchronize(stream);  // queued work may still use the buffers
    for (void* p : buffers) cudaFree(p);
    if (start) cudaEventDestroy(start);
    if (stop) cudaEventDestroy(stop);
    cudaGetLastError();  // nothing to report from a destructor
  }

  template <class T>
  Status alloc(T** p, size_t count) {
    *p = nullptr;
    void* raw = nullptr;
    DD_BENCH_TRY(cudaMalloc(&raw, count * sizeof(T)));
    buffers.push_back(raw);
    *p = static_cast<T*>(raw);
    return {};
  }

  Status fill(float* x, size_t n, uint32_t seed, float lo, float span) {
    fill_kernel<<<grid_for(n), kThreads, 0, stream>>>(x, n, seed, lo, span);
    DD_BENCH_TRY(cudaGetLastError());
    return {};
  }

  // One warm-up call (first-launch costs: module loading, cuBLAS heuristics),
  // then `reps` calls between two events on the stream: *ms per call.
  template <class Call>
  Status time(int reps, double* ms, Call call) {
    DD_BENCH_OK(call());
    DD_BENCH_TRY(cudaStreamSynchronize(stream));  // the fills and the warm-up, and their errors
    DD_BENCH_TRY(cudaEventCreate(&start));
    DD_BENCH_TRY(cudaEventCreate(&stop));
    DD_BENCH_TRY(cudaEventRecord(start, stream));
    for (int i = 0; i < reps; ++i) DD_BENCH_OK(call());
    DD_BENCH_TRY(cudaEventRecord(stop, stream));
    DD_BENCH_TRY(cudaEventSynchronize(stop));
    float elapsed = 0.0f;
    DD_BENCH_TRY(cudaEventElapsedTime(&elapsed, start, stop));
    *ms = static_cast<double>(elapsed) / reps;
    return {};
  }
};

// Restores the runtime's GEMM settings (they are global: fit uses them too).
struct GemmSettingsGuard {
  std::string gemm, precision;
  GemmSettingsGuard() { gemm_settings(&gemm, &precision); }
  ~GemmSettingsGuard() {
    device_ops().configure("gemm", gemm.c_str());
    device_ops().configure("matmulPrecision", precision.c_str());
  }
};

bool activation_id(const char* what, int* act) {
  static const struct {
    const char* name;
    Act act;
  } kNames[] = {{"relu", Act::relu}, {"sigmoid", Act::sigmoid}, {"tanh", Act::tanh}, {"gelu", Act::gelu}};
  for (const auto& e : kNames)
    if (std::strcmp(what, e.name) == 0) {
      *act = static_cast<int>(e.act);
      return true;
    }
  return false;
}

Status bench_copy(Scope& s, size_t n, int reps, double* ms) {
  float *src, *dst;
  DD_BENCH_OK(s.alloc(&src, n));
  DD_BENCH_OK(s.alloc(&dst, n));
  DD_BENCH_OK(s.fill(src, n, 1, -1.0f, 2.0f));
  return s.time(reps, ms, [&]() -> Status {
    DD_BENCH_TRY(cudaMemcpyAsync(dst, src, n * sizeof(float), cudaMemcpyDeviceToDevice, s.stream));
    return {};
  });
}

Status bench_activation(Scope& s, int act, size_t n, int reps, double* ms) {
  float *x, *y;
  DD_BENCH_OK(s.alloc(&x, n));
  DD_BENCH_OK(s.alloc(&y, n));
  DD_BENCH_OK(s.fill(x, n, 2, -4.0f, 8.0f));
  const ActParams p;
  return s.time(reps, ms, [&]() -> Status {
    DD_BENCH_TRY(launch::act_fwd(act, y, x, n, p, s.stream));
    return {};
  });
}

// One tensor of n parameters, as the device trainer's optimizer_step lays it out:
// state slot-major (m at state, v at state + n), the descriptor in device memory.
Status bench_adam(Scope& s, size_t n, int reps, double* ms) {
  float *param, *grad, *state;
  TensorDesc* desc;
  DD_BENCH_OK(s.alloc(&param, n));
  DD_BENCH_OK(s.alloc(&grad, n));
  DD_BENCH_OK(s.alloc(&state, 2 * n));
  DD_BENCH_OK(s.alloc(&desc, 1));
  DD_BENCH_OK(s.fill(param, n, 3, -0.1f, 0.2f));
  DD_BENCH_OK(s.fill(grad, n, 4, -0.01f, 0.02f));
  DD_BENCH_TRY(cudaMemsetAsync(state, 0, 2 * n * sizeof(float), s.stream));
  TensorDesc host{};
  host.t.param = param;
  host.t.grad = grad;
  host.t.slot[0] = state;
  host.t.slot[1] = state + n;
  host.t.slot[2] = nullptr;  // no amsgrad
  host.offset = 0;
  host.n = n;
  DD_BENCH_TRY(cudaMemcpyAsync(desc, &host, sizeof host, cudaMemcpyHostToDevice, s.stream));
  DD_BENCH_TRY(cudaStreamSynchronize(s.stream));  // `host` is a stack object
  // src/optimizer/adam.ts's coefficients at step 1, lr 1e-3, torch's defaults:
  // [lr / bc1, 1 / sqrt(bc2), beta1, beta2, eps, L2 decay, decoupled factor, amsgrad]
  const double b1 = 0.9, b2 = 0.999;
  const double coeffs[8] = {1e-3 / (1 - b1), 1 / std::sqrt(1 - b2), b1, b2, 1e-8, 0.0, 1.0, 0.0};
  const dm::OptimCoef coef = dm::optim_coef(Optim::adam, coeffs);
  return s.time(reps, ms, [&]() -> Status {
    DD_BENCH_TRY(launch::optim(static_cast<int>(Optim::adam), desc, 1, n, coef, s.stream));
    return {};
  });
}

// "sgemm-<impl>-<precision>": the dispatch fit uses (gemm_device), with the
// settings forced for the call and checked, so a silent fallback (no cuBLAS, no
// tensor cores) fails instead of timing the wrong path.
Status bench_sgemm(Scope& s, const char* variant, size_t n, int reps, double* ms) {
  const std::string v = variant;
  const size_t dash = v.find('-');
  if (dash == std::string::npos) return "unknown sgemm variant '" + v + "'";
  const std::string impl = v.substr(0, dash), precision = v.substr(dash + 1);
  if ((impl != "own" && impl != "cublas") || (precision != "fp32" && precision != "tf32"))
    return "unknown sgemm variant '" + v + "' (own|cublas)-(fp32|tf32)";
  if (n > 32768) return "sgemm size above 32768";
  GemmSettingsGuard restore;
  DD_BENCH_OK(device_ops().configure("gemm", impl.c_str()));
  DD_BENCH_OK(device_ops().configure("matmulPrecision", precision.c_str()));
  const std::string runs = device_ops().gemm_impl();
  if (runs != v) return "sgemm-" + v + " requested but the runtime would run " + runs;
  float *a, *b, *c;
  DD_BENCH_OK(s.alloc(&a, n * n));
  DD_BENCH_OK(s.alloc(&b, n * n));
  DD_BENCH_OK(s.alloc(&c, n * n));
  DD_BENCH_OK(s.fill(a, n * n, 5, -0.5f, 1.0f));
  DD_BENCH_OK(s.fill(b, n * n, 6, -0.5f, 1.0f));
  DeviceGemm d{};
  d.trans_a = d.trans_b = false;
  d.m = d.n = d.k = static_cast<int>(n);
  d.alpha = 1.0f;
  d.beta = 0.0f;
  d.a = a;
  d.lda = n;
  d.b = b;
  d.ldb = n;
  d.c = c;
  d.ldc = n;
  d.bias = nullptr;
  d.act = -1;  // no epilogue: the plain GEMM torch.mm runs
  d.act_out = nullptr;
  d.ldo = n;
  return s.time(reps, ms, [&]() { return gemm_device(d); });
}

}  // namespace

Status bench(const char* what, size_t n, int reps, double* ms) {
  *ms = 0.0;
  if (!what) return "no benchmark name";
  if (n == 0) return "bench: n must be at least 1";
  if (reps < 1) return "bench: reps must be at least 1";
  if (n > (SIZE_MAX / sizeof(float)) / 4) return "bench: n too large";
  int act = -1;
  const bool copy = std::strcmp(what, "copy") == 0, adam = std::strcmp(what, "adam") == 0,
             sgemm = std::strncmp(what, "sgemm-", 6) == 0, activation = activation_id(what, &act);
  if (!copy && !adam && !sgemm && !activation)  // a bad name fails the same with or without a GPU
    return std::string("unknown benchmark '") + what +
           "' (copy, relu, sigmoid, tanh, gelu, adam, sgemm-own-fp32, sgemm-own-tf32, sgemm-cublas-fp32, sgemm-cublas-tf32)";
  int device = 0;
  cudaStream_t stream = nullptr;
  DD_BENCH_OK(runtime_acquire(&device, &stream));
  DD_BENCH_TRY(cudaSetDevice(device));  // the current device is per host thread
  Scope s;
  s.stream = stream;
  if (copy) return bench_copy(s, n, reps, ms);
  if (activation) return bench_activation(s, act, n, reps, ms);
  if (adam) return bench_adam(s, n, reps, ms);
  return bench_sgemm(s, what + 6, n, reps, ms);
}

}  // namespace cuda
}  // namespace dendrite
