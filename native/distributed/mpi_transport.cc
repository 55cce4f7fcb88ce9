// The MPI transport plugin (dendrite_mpi.so, built when CMake finds MPI; see
// mpi_plugin.h): C API only, so it links MPI::MPI_C and never OpenMPI's C++
// bindings (OMPI_SKIP_MPICXX).
#include <mpi.h>

#include <climits>
#include <cstdlib>
#include <string>

#include "dendrite/mpi_plugin.h"

namespace dendrite {
namespace dist {
namespace {

std::string error_text(int rc) {
  if (rc == MPI_SUCCESS) return "";
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  return std::string(text, static_cast<size_t>(len));
}

const char* level_name(int level) {
  switch (level) {
    case MPI_THREAD_SINGLE: return "single";
    case MPI_THREAD_FUNNELED: return "funneled";
    case MPI_THREAD_SERIALIZED: return "serialized";
    default: return "multiple";
  }
}

std::string transport_init(int* rank, int* size, int* local_rank, int* local_size, std::string* thread_level) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  int provided = MPI_THREAD_SINGLE;
  if (!initialized) {
    // The communication thread is not the thread that initializes MPI: SERIALIZED at least.
    const int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided);
    if (rc != MPI_SUCCESS) return "MPI_Init_thread failed: " + error_text(rc);
  } else {
    MPI_Query_thread(&provided);
  }
  *thread_level = level_name(provided);
  if (provided < MPI_THREAD_SERIALIZED)
    return std::string("MPI thread support 'serialized' or better, but the MPI library provides '") + level_name(provided) + "'";
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);  // errors come back as codes, not aborts
  MPI_Comm_rank(MPI_COMM_WORLD, rank);
  MPI_Comm_size(MPI_COMM_WORLD, size);
  // The ranks on this machine, whatever the launcher exported.
  MPI_Comm node;
  if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
    MPI_Comm_rank(node, local_rank);
    MPI_Comm_size(node, local_size);
    MPI_Comm_free(&node);
  }
  return "";
}

std::string transport_allreduce(void* data, size_t n, DType type, ReduceOp op) {
  if (n > static_cast<size_t>(INT_MAX)) return "allreduce of more than 2^31-1 elements in one piece";
  const MPI_Op mop = op == ReduceOp::min ? MPI_MIN : op == ReduceOp::max ? MPI_MAX : MPI_SUM;
  const MPI_Datatype dt = type == DType::f32 ? MPI_FLOAT : MPI_DOUBLE;
  return error_text(MPI_Allreduce(MPI_IN_PLACE, data, static_cast<int>(n), dt, mop, MPI_COMM_WORLD));
}

std::string transport_broadcast(void* data, size_t bytes, int root) {
  if (bytes > static_cast<size_t>(INT_MAX)) return "broadcast of more than 2^31-1 bytes in one piece";
  return error_text(MPI_Bcast(data, static_cast<int>(bytes), MPI_BYTE, root, MPI_COMM_WORLD));
}

std::string transport_barrier() { return error_text(MPI_Barrier(MPI_COMM_WORLD)); }

[[noreturn]] void transport_abort(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);  // MPI_Abort does not return; keep the promise if it ever did
}

void transport_finalize() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

std::string transport_library_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(text, &len);
  std::string s(text, static_cast<size_t>(len));
  while (!s.empty() && (s.back() == '\0' || s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace
}  // namespace dist
}  // namespace dendrite

extern "C" __attribute__((visibility("default"))) const dendrite::dist::MpiPlugin* dendrite_mpi_plugin() {
  using namespace dendrite::dist;
  static const MpiPlugin plugin = {kMpiPluginAbi, transport_init, transport_allreduce, transport_broadcast, transport_barrier,
                                   transport_abort, transport_finalize, transport_library_version};
  return &plugin;
}
