// The SIMD trait of the 'scalar' variant: one float lane in plain C++, so the
// portable build runs the same GEMM driver (gemm_kernels.inc) as the vector ISAs.
// The scalar activations are not written over it: they are the double-precision
// reference (native/kernels/ref/activation_ref.cc).
#ifndef DENDRITE_KERNELS_CPU_SIMD_SCALAR_H_
#define DENDRITE_KERNELS_CPU_SIMD_SCALAR_H_

#include <cstddef>

namespace dendrite {

struct SimdScalar {
  static constexpr size_t kLanes = 1;
  using V = float;

  static V zero() { return 0.0f; }
  static V set1(float v) { return v; }
  static V load(const float* p) { return *p; }
  static V load_aligned(const float* p) { return *p; }
  static void store(float* p, V v) { *p = v; }
  static void store_aligned(float* p, V v) { *p = v; }
  static V broadcast(const float* p) { return *p; }
  static V add(V a, V b) { return a + b; }
  static V mul(V a, V b) { return a * b; }
  static V fma(V a, V b, V c) { return a * b + c; }

  // A one-lane vector has no partial block; present so that generic code compiles.
  struct Tail {
    explicit Tail(size_t) {}
    V load(const float*) const { return 0.0f; }
    void store(float*, V) const {}
  };
};

}  // namespace dendrite

#endif  // DENDRITE_KERNELS_CPU_SIMD_SCALAR_H_
