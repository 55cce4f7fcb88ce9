// A small thread pool for data-parallel kernels. One parallel region runs
// at a time: a call made while the pool is busy (e.g. from a second worker
// thread) runs inline on its caller, so threads are never oversubscribed.
#ifndef DENDRITE_THREAD_POOL_H_
#define DENDRITE_THREAD_POOL_H_

#include <cstddef>
#include <functional>

namespace dendrite {

// Threads used by parallel regions (including the caller). Default: hardware cores.
int num_threads();
// Set the thread count (>= 1); takes effect at the next parallel region. Shrinking stops and
// joins the workers beyond the new count (idle workers still wake for every region).
void set_num_threads(int n);
// The pool's worker threads alive now (started on demand, at most num_threads() - 1).
int pool_workers();

// Calls fn(begin, end) over a partition of [0, n) into at most num_threads()
// contiguous ranges, concurrently, and returns when all are done. fn must not throw.
void parallel_for(size_t n, const std::function<void(size_t, size_t)>& fn);

// Called first on every compute thread dendrite starts (pool workers, job threads): on Linux it
// lowers the calling thread's priority (nice +5, allowed without privileges) so that the
// event-loop thread gets the CPU first under contention; elsewhere it does nothing.
void lower_thread_priority();

}  // namespace dendrite

#endif  // DENDRITE_THREAD_POOL_H_
