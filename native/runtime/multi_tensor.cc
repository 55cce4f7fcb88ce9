// Multi-tensor drivers: one call processes every tensor of a step, as one
// virtual concatenation cut into fixed chunks spread over the thread pool.
// Fixed chunks keep reductions deterministic whatever the thread count.
#include "dendrite/multi_tensor.h"

#include <algorithm>
#include <vector>

#include "dendrite/dispatch.h"
#include "dendrite/thread_pool.h"

namespace dendrite {
namespace {

constexpr size_t kChunk = 1 << 15;  // elements per unit of work (128 KiB of floats)

// Calls fn(tensor, begin, end) for every piece of the chunk range [c0, c1).
template <class Fn>
void for_pieces(const size_t* lengths, size_t count, size_t c0, size_t c1, const Fn& fn) {
  const size_t lo = c0 * kChunk, hi = c1 * kChunk;
  size_t offset = 0;
  for (size_t t = 0; t < count && offset < hi; offset += lengths[t], ++t) {
    const size_t b = std::max(lo, offset), e = std::min(hi, offset + lengths[t]);
    if (b < e) fn(t, b - offset, e - offset);
  }
}

size_t chunks_of(const size_t* lengths, size_t count) {
  size_t total = 0;
  for (size_t t = 0; t < count; ++t) total += lengths[t];
  return (total + kChunk - 1) / kChunk;
}

}  // namespace

void optimizer_step(Optim kind, const OptimTensor* tensors, const size_t* lengths, size_t count, const double* c) {
  const OptimFn fn = kernels().optim[static_cast<int>(kind)];
  parallel_for(chunks_of(lengths, count), [&](size_t c0, size_t c1) {
    for_pieces(lengths, count, c0, c1, [&](size_t t, size_t b, size_t e) { fn(tensors[t], b, e, c); });
  });
}

double sum_squares_all(float* const* xs, const size_t* lengths, size_t count) {
  const KernelTable& k = kernels();
  std::vector<double> partial(chunks_of(lengths, count), 0.0);
  parallel_for(partial.size(), [&](size_t c0, size_t c1) {
    for (size_t ch = c0; ch < c1; ++ch)
      for_pieces(lengths, count, ch, ch + 1, [&](size_t t, size_t b, size_t e) { partial[ch] += k.sum_squares(xs[t] + b, e - b); });
  });
  double total = 0.0;
  for (double p : partial) total += p;
  return total;
}

void scale_all(float* const* xs, const size_t* lengths, size_t count, float s) {
  const KernelTable& k = kernels();
  parallel_for(chunks_of(lengths, count), [&](size_t c0, size_t c1) {
    for_pieces(lengths, count, c0, c1, [&](size_t t, size_t b, size_t e) { k.scale(xs[t] + b, e - b, s); });
  });
}

void clamp_all(float* const* xs, const size_t* lengths, size_t count, float lo, float hi) {
  const KernelTable& k = kernels();
  parallel_for(chunks_of(lengths, count), [&](size_t c0, size_t c1) {
    for_pieces(lengths, count, c0, c1, [&](size_t t, size_t b, size_t e) { k.clamp(xs[t] + b, e - b, lo, hi); });
  });
}

}  // namespace dendrite
