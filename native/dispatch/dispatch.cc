// One KernelTable per ISA variant, built once, lowest first: each starts as a copy
// of the table below it and the variant's builder overrides the entries it has, so
// a new ISA is one builder (and a kernel it lacks falls back to the next-lower one).
// `active` points at the best variant this CPU supports until select_isa() moves it.
#include "dendrite/dispatch.h"

#include <atomic>

#include "cpu_features.h"

namespace dendrite {
namespace {

bool always() { return true; }
bool fill_scalar(KernelTable& t) {
  fill_scalar_kernels(t);
  return true;
}

struct Variant {
  const char* name;
  bool (*supported)();           // by this CPU and OS
  bool (*fill)(KernelTable& t);  // false when this build does not have the variant; call only where supported
};
// Lowest first.
constexpr Variant kVariants[] = {
    {"scalar", always, fill_scalar},
    {"avx2", cpu_has_avx2_fma, fill_avx2_kernels},
    {"avx512", cpu_has_avx512, fill_avx512_kernels},
};
constexpr int kVariantCount = sizeof(kVariants) / sizeof(kVariants[0]);

struct Registry {
  KernelTable tables[kVariantCount];
  bool available[kVariantCount] = {};
  int best = 0;
  std::atomic<const KernelTable*> active{nullptr};

  Registry() {
    int below = -1;  // the highest table built so far
    for (int i = 0; i < kVariantCount; ++i) {
      // The builder runs only where the CPU supports it: its translation unit is compiled
      // for that ISA, and even copying a table there may use its instructions.
      if (!kVariants[i].supported()) continue;
      KernelTable t = below >= 0 ? tables[below] : KernelTable{};
      if (!kVariants[i].fill(t)) continue;
      t.isa = kVariants[i].name;
      tables[i] = t;
      available[i] = true;
      below = best = i;
    }
    active.store(&tables[best]);
  }
  const KernelTable* find(const std::string& name) const {
    if (name == "auto") return &tables[best];
    for (int i = 0; i < kVariantCount; ++i)
      if (available[i] && name == kVariants[i].name) return &tables[i];
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
  for (int i = kVariantCount - 1; i >= 0; --i)
    if (registry().available[i]) out.push_back(kVariants[i].name);
  return out;
}

bool select_isa(const std::string& name) {
  const KernelTable* t = registry().find(name);
  if (!t) return false;
  registry().active.store(t, std::memory_order_release);
  return true;
}

}  // namespace dendrite
