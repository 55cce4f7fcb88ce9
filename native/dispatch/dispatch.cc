// Fills one KernelTable per ISA variant that is both compiled in and supported
// by this CPU, once, and points `active` at the best one (or at DENDRITE_ISA's).
#include "dendrite/dispatch.h"

#include <atomic>
#include <cstdlib>
#include <mutex>

#include "cpu_features.h"

namespace dendrite {
namespace {

struct Registry {
  KernelTable scalar;
  KernelTable avx2;
  bool has_avx2 = false;
  std::atomic<const KernelTable*> active{nullptr};

  Registry() {
    fill_scalar_kernels(scalar);
    fill_scalar_optim_kernels(scalar);
    fill_scalar_gemm_kernels(scalar);
    has_avx2 = cpu_has_avx2_fma() && fill_avx2_kernels(avx2) && fill_avx2_optim_kernels(avx2) &&
               fill_avx2_gemm_kernels(avx2);
    const KernelTable* best = has_avx2 ? &avx2 : &scalar;
    const char* forced = std::getenv("DENDRITE_ISA");
    if (forced && std::string(forced) == "scalar") best = &scalar;
    active.store(best);
  }
  const KernelTable* find(const std::string& name) {
    if (name == "scalar") return &scalar;
    if (name == "avx2" && has_avx2) return &avx2;
    if (name == "auto") return has_avx2 ? &avx2 : &scalar;
    return nullptr;
  }
};

Registry& registry() {
  static Registry r;  // thread-safe one-time initialisation
  return r;
}

}  // namespace

const KernelTable& kernels() { return *registry().active.load(std::memory_order_acquire); }

std::vector<std::string> available_isas() {
  std::vector<std::string> out;
  if (registry().has_avx2) out.push_back("avx2");
  out.push_back("scalar");
  return out;
}

bool select_isa(const std::string& name) {
  const KernelTable* t = registry().find(name);
  if (!t) return false;
  registry().active.store(t, std::memory_order_release);
  return true;
}

}  // namespace dendrite
