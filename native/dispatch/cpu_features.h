#ifndef DENDRITE_CPU_FEATURES_H_
#define DENDRITE_CPU_FEATURES_H_

namespace dendrite {
// True when the CPU has AVX2 and FMA and the OS saves the YMM state.
bool cpu_has_avx2_fma();
// True when the CPU has AVX-512 F, DQ, BW and VL (what the 'avx512' variant is
// compiled for) and the OS saves the ZMM and opmask state.
bool cpu_has_avx512();
}  // namespace dendrite

#endif  // DENDRITE_CPU_FEATURES_H_
