// Data-parallel communication: the process's place in an MPI job and one
// dedicated communication thread that runs every collective in FIFO order.
// Collectives on one communicator must be issued in the same order on every
// rank (concurrent ones silently mix up), so nothing else calls MPI. No N-API:
// the binding and the trainer both enqueue work here.
#ifndef DENDRITE_COMMUNICATOR_H_
#define DENDRITE_COMMUNICATOR_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dendrite/trainer.h"

namespace dendrite {
namespace dist {

enum class DType { f32, f64 };
enum class ReduceOp { sum, avg, min, max };

// The launcher's view of this process, read from the environment before MPI
// starts (OpenMPI, PMIx and PMI launchers); launched == false under plain node.
struct Launch {
  bool launched = false;
  int rank = 0, size = 1, local_rank = 0, local_size = 1;  // size 0: launched, size not in the environment
};
Launch detect_launch();

// --- The transport: the MPI plugin, loaded by mpi_loader.cc (see mpi_plugin.h) -------------
// Each returns "" on success or the error text. Only the communication thread calls the
// collectives; init and finalize run on the thread that owns the communicator.
bool mpi_compiled();          // the MPI plugin and libmpi loaded
std::string mpi_unavailable();  // why not ("" when they did)
std::string mpi_init(int* rank, int* size, int* local_rank, int* local_size, std::string* thread_level);
std::string mpi_allreduce(void* data, size_t n, DType type, ReduceOp op);  // op: sum/min/max
std::string mpi_broadcast(void* data, size_t bytes, int root);
std::string mpi_barrier();
[[noreturn]] void mpi_abort(int code);
void mpi_finalize();
std::string mpi_library_version();

// The process-wide communicator: started by start(), ended by finalize() (idempotent).
class Communicator {
 public:
  struct Info {
    bool mpi = false;  // MPI started (launched with size > 1 or forced)
    int rank = 0, size = 1, local_rank = 0, local_size = 1;
    std::string thread_level, library;
  };

  static Communicator& instance();

  // Starts MPI when launched under mpirun (or when force is set); returns "" or the error.
  std::string start(bool force, size_t chunk_elements);
  const Info& info() const { return info_; }
  bool active() const { return info_.mpi && !finalized_; }

  // Queues a collective on the communication thread; the future resolves with "" or the error.
  // Large buffers run in chunks (cache-sized pieces reduce faster than one huge call).
  std::future<std::string> allreduce(void* data, size_t n, DType type, ReduceOp op);
  std::future<std::string> broadcast(void* data, size_t bytes, int root);
  std::future<std::string> barrier();

  // Runs `work` on the communication thread after everything queued before it.
  std::future<std::string> post(std::function<std::string()> work);

  // Stops the communication thread after the queued work and finalizes MPI.
  void finalize();
  [[noreturn]] void abort(int code);

 private:
  Communicator() = default;
  ~Communicator();
  void loop();

  Info info_;
  size_t chunk_ = 1 << 20;
  bool finalized_ = false;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::packaged_task<std::string()>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

// Averages the gradient arena across ranks for the trainer: buckets submitted during the
// backward pass reduce on the communication thread while the remaining layers compute.
class CommReducer : public GradientReducer {
 public:
  explicit CommReducer(size_t bucket_elements) : bucket_(bucket_elements) {}
  void submit(float* data, size_t n) override;
  void wait() override;  // throws std::runtime_error on a failed collective
  size_t bucket_elements() const override { return bucket_; }

 private:
  size_t bucket_;
  std::vector<std::future<std::string>> pending_;
};

}  // namespace dist
}  // namespace dendrite

#endif  // DENDRITE_COMMUNICATOR_H_
