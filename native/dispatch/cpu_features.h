#ifndef DENDRITE_CPU_FEATURES_H_
#define DENDRITE_CPU_FEATURES_H_

namespace dendrite {
// True when the CPU (and OS) supports AVX2 and FMA.
bool cpu_has_avx2_fma();
}  // namespace dendrite

#endif  // DENDRITE_CPU_FEATURES_H_
