#include "dendrite/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace dendrite {
namespace {

// Polls before a worker sleeps: training runs many short regions back to back,
// and waking a sleeping thread costs 10-20 us, a quarter of a small GEMM.
constexpr int kSpinPolls = 4000;  // about 100 us of pause instructions

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
  void set_threads(int n) { wanted_.store(std::max(1, n)); }

  void run(size_t n, const std::function<void(size_t, size_t)>& fn) {
    const size_t parts = std::min<size_t>(n, static_cast<size_t>(threads()));
    std::unique_lock<std::mutex> busy(region_, std::try_to_lock);
    if (parts <= 1 || !busy.owns_lock()) {  // small, or another region is running: stay inline
      if (n) fn(0, n);
      return;
    }
    ensure_workers(parts - 1);
    {
      std::lock_guard<std::mutex> lock(mu_);
      job_ = &fn;
      job_n_ = n;
      job_parts_ = parts;
      pending_ = parts - 1;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    fn(0, n / parts);  // the caller takes part 0
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [this] { return pending_ == 0; });
    job_ = nullptr;
  }

 private:
  void ensure_workers(size_t count) {
    while (workers_.size() < count) {
      const size_t index = workers_.size() + 1;  // part index served by this worker
      workers_.emplace_back([this, index] { loop(index); });
    }
  }

  void loop(size_t index) {
    size_t seen = 0;
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      lock.unlock();
      for (int i = 0; i < kSpinPolls && generation_.load(std::memory_order_acquire) == seen; ++i) cpu_relax();
      lock.lock();
      wake_.wait(lock, [&] { return stop_ || generation_.load(std::memory_order_relaxed) != seen; });
      if (stop_) return;
      seen = generation_.load(std::memory_order_relaxed);
      if (index >= job_parts_) continue;  // fewer parts than workers this time
      const auto* fn = job_;
      const size_t n = job_n_, parts = job_parts_;
      lock.unlock();
      (*fn)(n * index / parts, n * (index + 1) / parts);
      lock.lock();
      if (--pending_ == 0) done_.notify_one();
    }
  }

  std::atomic<int> wanted_;
  std::mutex region_;  // held by the caller of the running parallel region
  std::mutex mu_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(size_t, size_t)>* job_ = nullptr;
  size_t job_n_ = 0, job_parts_ = 0, pending_ = 0;
  std::atomic<size_t> generation_{0};  // bumped under mu_; polled without it while spinning
  bool stop_ = false;
};

ThreadPool& pool() {
  static ThreadPool p;
  return p;
}

}  // namespace

int num_threads() { return pool().threads(); }
void set_num_threads(int n) { pool().set_threads(n); }
void parallel_for(size_t n, const std::function<void(size_t, size_t)>& fn) { pool().run(n, fn); }

}  // namespace dendrite
