#include "dendrite/communicator.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace dendrite {
namespace dist {
namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  return end && *end == '\0' && n >= 0 ? static_cast<int>(n) : fallback;
}

size_t element_size(DType type) { return type == DType::f32 ? sizeof(float) : sizeof(double); }

template <typename T>
void scale(void* data, size_t n, double factor) {
  T* p = static_cast<T*>(data);
  const T f = static_cast<T>(factor);
  for (size_t i = 0; i < n; ++i) p[i] *= f;
}

}  // namespace

Launch detect_launch() {
  Launch l;
  // OpenMPI's mpirun, then PMIx and PMI launchers (srun, hydra).
  const int ompi_size = env_int("OMPI_COMM_WORLD_SIZE", -1);
  const int pmix_size = env_int("PMIX_SIZE", -1);
  const int pmi_size = env_int("PMI_SIZE", -1);
  if (ompi_size > 0) {
    l.launched = true;
    l.size = ompi_size;
    l.rank = env_int("OMPI_COMM_WORLD_RANK", 0);
    l.local_rank = env_int("OMPI_COMM_WORLD_LOCAL_RANK", 0);
    l.local_size = env_int("OMPI_COMM_WORLD_LOCAL_SIZE", 1);
  } else if (std::getenv("PMIX_RANK") || std::getenv("PMI_RANK")) {
    l.launched = true;
    l.rank = env_int("PMIX_RANK", env_int("PMI_RANK", 0));
    // PMIx launchers (srun --mpi=pmix) may not export a size: 0 = unknown, MPI tells
    const int slurm_size = env_int("SLURM_NTASKS", -1);
    l.size = pmix_size > 0 ? pmix_size : pmi_size > 0 ? pmi_size : slurm_size > 0 ? slurm_size : 0;
    l.local_rank = env_int("MPI_LOCALRANKID", env_int("PMI_LOCAL_RANK", 0));
    l.local_size = env_int("MPI_LOCALNRANKS", env_int("PMI_LOCAL_SIZE", 1));
  }
  return l;
}

Communicator& Communicator::instance() {
  static Communicator* c = new Communicator();  // never destroyed: finalize() ends it
  return *c;
}

Communicator::~Communicator() { finalize(); }

std::string Communicator::start(bool force, size_t chunk_elements) {
  if (info_.mpi || finalized_) return finalized_ ? "the communicator was finalized" : "";
  chunk_ = std::max<size_t>(chunk_elements, 1024);
  const Launch l = detect_launch();
  info_.rank = l.rank;
  info_.size = l.size;
  info_.local_rank = l.local_rank;
  info_.local_size = l.local_size;
  if (!l.launched && !force) return "";  // plain node: size 1, no MPI, no daemon
  if (!mpi_compiled()) return l.size == 1 && !force ? "" : mpi_unavailable();
  // (The binding's caller sets OMPI_MCA_* defaults in the environment first: src/distributed.)
  const std::string err = mpi_init(&info_.rank, &info_.size, &info_.local_rank, &info_.local_size, &info_.thread_level);
  if (!err.empty()) return err;
  info_.mpi = true;
  info_.library = mpi_library_version();
  thread_ = std::thread([this] { loop(); });
  return "";
}

std::future<std::string> Communicator::post(std::function<std::string()> work) {
  std::packaged_task<std::string()> task(std::move(work));
  std::future<std::string> result = task.get_future();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!active() || stopping_) {
      std::promise<std::string> p;
      p.set_value("the communicator is not running (call distributed.init() first, or it was finalized)");
      return p.get_future();
    }
    queue_.push_back(std::move(task));
  }
  wake_.notify_one();
  return result;
}

void Communicator::loop() {
  for (;;) {
    std::packaged_task<std::string()> task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and every queued collective ran
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

std::future<std::string> Communicator::allreduce(void* data, size_t n, DType type, ReduceOp op) {
  const size_t chunk = chunk_;
  const int size = info_.size;
  return post([=]() -> std::string {
    const ReduceOp wire = op == ReduceOp::avg ? ReduceOp::sum : op;
    char* bytes = static_cast<char*>(data);
    for (size_t start = 0; start < n; start += chunk) {
      const size_t count = std::min(chunk, n - start);
      void* piece = bytes + start * element_size(type);
      std::string err = mpi_allreduce(piece, count, type, wire);
      if (!err.empty()) return err;
      if (op == ReduceOp::avg) {  // while the piece is still in cache
        if (type == DType::f32) scale<float>(piece, count, 1.0 / size);
        else scale<double>(piece, count, 1.0 / size);
      }
    }
    return "";
  });
}

std::future<std::string> Communicator::broadcast(void* data, size_t bytes, int root) {
  const size_t chunk = chunk_ * sizeof(float);
  return post([=]() -> std::string {
    char* p = static_cast<char*>(data);
    for (size_t start = 0; start < bytes; start += chunk) {
      std::string err = mpi_broadcast(p + start, std::min(chunk, bytes - start), root);
      if (!err.empty()) return err;
    }
    return "";
  });
}

std::future<std::string> Communicator::barrier() {
  return post([] { return mpi_barrier(); });
}

void Communicator::finalize() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (finalized_) return;
    finalized_ = true;
    stopping_ = true;
  }
  if (!info_.mpi) return;
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  mpi_finalize();
}

void Communicator::abort(int code) {
  if (info_.mpi && !finalized_) mpi_abort(code);
  std::_Exit(code);
}

void CommReducer::submit(float* data, size_t n) {
  pending_.push_back(Communicator::instance().allreduce(data, n, DType::f32, ReduceOp::avg));
}

void CommReducer::wait() {
  std::string first_error;
  for (auto& f : pending_) {  // wait for all, even after a failure: the buffers stay in use until then
    std::string err = f.get();
    if (first_error.empty() && !err.empty()) first_error = err;
  }
  pending_.clear();
  if (!first_error.empty()) throw std::runtime_error("gradient allreduce failed: " + first_error);
}

}  // namespace dist
}  // namespace dendrite
