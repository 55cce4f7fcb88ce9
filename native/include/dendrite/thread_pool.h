// A small fixed thread pool for data-parallel kernels. One parallel region runs
// at a time: a call made while the pool is busy (e.g. from a second worker
// thread) runs inline on its caller, so threads are never oversubscribed.
#ifndef DENDRITE_THREAD_POOL_H_
#define DENDRITE_THREAD_POOL_H_

#include <cstddef>
#include <functional>

namespace dendrite {

// Threads used by parallel regions (including the caller). Default: hardware cores.
int num_threads();
// Set the thread count (>= 1); takes effect at the next parallel region.
void set_num_threads(int n);

// Calls fn(begin, end) over a partition of [0, n) into at most num_threads()
// contiguous ranges, concurrently, and returns when all are done. fn must not throw.
void parallel_for(size_t n, const std::function<void(size_t, size_t)>& fn);

}  // namespace dendrite

#endif  // DENDRITE_THREAD_POOL_H_
