// Multi-tensor operations over the active kernel variant, threaded: the
// optimizer step and gradient clipping each process all tensors in one call.
#ifndef DENDRITE_MULTI_TENSOR_H_
#define DENDRITE_MULTI_TENSOR_H_

#include <cstddef>

#include "dendrite/kernels.h"

namespace dendrite {

// One optimizer step over `count` tensors of lengths[t] elements.
void optimizer_step(Optim kind, const OptimTensor* tensors, const size_t* lengths, size_t count, const double* c);
// Sum of squares of all elements of all tensors (deterministic order).
double sum_squares_all(float* const* xs, const size_t* lengths, size_t count);
void scale_all(float* const* xs, const size_t* lengths, size_t count, float s);
void clamp_all(float* const* xs, const size_t* lengths, size_t count, float lo, float hi);

}  // namespace dendrite

#endif  // DENDRITE_MULTI_TENSOR_H_
