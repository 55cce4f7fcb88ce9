#include "dendrite/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace dendrite {
namespace {

// Polls before a worker sleeps: training runs many short regions back to back,
// and waking a sleeping thread costs 10-20 us, a quarter of a small GEMM.
constexpr int kSpinPolls = 4000;  // about 100 us of pause instructions

#if defined(__linux__)
// The nice value of compute threads: below the event-loop thread (nice 0 by default).
constexpr int kComputeNice = 5;
#endif

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

class ThreadPool {
 public:
  ThreadPool() : wanted_(static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))) {}
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
  }

  int threads() const { return wanted_.load(); }
  int workers() {
    std::lock_guard<std::mutex> lock(region_);
    return static_cast<int>(workers_.size());
  }

  // Growing starts workers on demand (ensure_workers); shrinking stops the extra ones now:
  // every idle worker wakes for every region, so a thousand left over would slow every step.
  void set_threads(int n) {
    n = std::max(1, n);
    std::lock_guard<std::mutex> busy(region_);  // not while a region runs (regions are short)
    wanted_.store(n);
    const size_t keep = static_cast<size_t>(n - 1);
    if (workers_.size() <= keep) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      limit_ = keep;
    }
    wake_.notify_all();
    for (size_t i = keep; i < workers_.size(); ++i) workers_[i].join();
    workers_.resize(keep);
    std::lock_guard<std::mutex> lock(mu_);
    limit_ = SIZE_MAX;
  }

  // Parts are claimed dynamically: the caller and the workers take the next unclaimed
  // part until none is left, so a worker that the OS has descheduled (a busy machine)
  // only delays the part it actually took; the caller does the rest itself.
  void run(size_t n, const std::function<void(size_t, size_t)>& fn) {
    const size_t parts = std::min<size_t>(n, static_cast<size_t>(threads()));
    std::unique_lock<std::mutex> busy(region_, std::try_to_lock);
    if (parts <= 1 || !busy.owns_lock()) {  // small, or another region is running: stay inline
      if (n) fn(0, n);
      return;
    }
    ensure_workers(parts - 1);
    uint64_t generation;
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = &fn;
      job_n_ = n;
      job_parts_ = parts;
      unfinished_.store(parts, std::memory_order_relaxed);
      generation = generation_.load(std::memory_order_relaxed) + 1;
      claims_.store(generation << 32, std::memory_order_relaxed);
      generation_.store(generation, std::memory_order_release);
    }
    wake_.notify_all();
    work(generation, fn, n, parts);
    // The parts still running are the workers'; they finish within microseconds unless descheduled.
    for (int i = 0; i < kSpinPolls && unfinished_.load(std::memory_order_acquire) != 0; ++i) cpu_relax();
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [this] { return unfinished_.load(std::memory_order_acquire) == 0; });
    job_ = nullptr;
  }

 private:
  // Claims and runs parts of region `generation` until none is left. A claim is a CAS on
  // (generation << 32 | next part), so a worker that wakes late never takes a part of a
  // later region with the job of an earlier one.
  void work(uint64_t generation, const std::function<void(size_t, size_t)>& fn, size_t n, size_t parts) {
    for (;;) {
      uint64_t claim = claims_.load(std::memory_order_acquire);
      size_t part;
      do {
        if ((claim >> 32) != generation) return;
        part = static_cast<size_t>(claim & 0xffffffffu);
        if (part >= parts) return;
      } while (!claims_.compare_exchange_weak(claim, claim + 1, std::memory_order_acq_rel));
      fn(n * part / parts, n * (part + 1) / parts);
      if (unfinished_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mu_);
        done_.notify_all();
      }
    }
  }

  // Called with region_ held (by run or set_threads).
  void ensure_workers(size_t count) {
    while (workers_.size() < count) {
      const size_t index = workers_.size();
      workers_.emplace_back([this, index] { loop(index); });
    }
  }

  void loop(size_t index) {
    lower_thread_priority();
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      lock.unlock();
      for (int i = 0; i < kSpinPolls && generation_.load(std::memory_order_acquire) == seen; ++i) cpu_relax();
      lock.lock();
      wake_.wait(lock, [&] { return stop_ || index >= limit_ || generation_.load(std::memory_order_relaxed) != seen; });
      if (stop_ || index >= limit_) return;
      seen = generation_.load(std::memory_order_relaxed);
      const auto* fn = job_;
      if (!fn) continue;  // woke after the caller had done every part and closed the region
      const size_t n = job_n_, parts = job_parts_;
      lock.unlock();
      work(seen, *fn, n, parts);
      lock.lock();
    }
  }

  std::atomic<int> wanted_;
  size_t limit_ = SIZE_MAX;  // workers with this index or above stop (under mu_; set_threads)
  std::mutex region_;  // held by the caller of the running parallel region
  std::mutex mu_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(size_t, size_t)>* job_ = nullptr;
  size_t job_n_ = 0, job_parts_ = 0;
  std::atomic<uint64_t> generation_{0};  // bumped under mu_; polled without it while spinning
  std::atomic<uint64_t> claims_{0};      // generation << 32 | next unclaimed part
  std::atomic<size_t> unfinished_{0};    // parts of the current region not yet done
  bool stop_ = false;
};

// Never destroyed: at exit() a job thread may still be in a region (a process.exit() during a
// fit), and a destructor joining the workers would race it.
ThreadPool& pool() {
  static ThreadPool* p = new ThreadPool;
  return *p;
}

}  // namespace

void lower_thread_priority() {
#if defined(__linux__)
  // Linux applies nice values per thread (the tid); raising one's own needs no privilege.
  // Failure (e.g. a seccomp filter) only leaves the default priority.
  const int tid = static_cast<int>(syscall(SYS_gettid));
  const int now = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
  if (now < kComputeNice) (void)setpriority(PRIO_PROCESS, static_cast<id_t>(tid), kComputeNice);
#endif
}

int num_threads() { return pool().threads(); }
void set_num_threads(int n) { pool().set_threads(n); }
int pool_workers() { return pool().workers(); }
void parallel_for(size_t n, const std::function<void(size_t, size_t)>& fn) { pool().run(n, fn); }

}  // namespace dendrite
