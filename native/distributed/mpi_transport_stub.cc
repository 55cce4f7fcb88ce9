// The transport of builds without MPI (binding.gyp, DENDRITE_MPI=OFF, or no MPI
// found): the process is always a single rank; collectives are never reached.
#include <cstdlib>
#include <string>

#include "dendrite/communicator.h"

namespace dendrite {
namespace dist {

namespace {
const char kNoMpi[] = "built without MPI";
}

bool mpi_compiled() { return false; }
std::string mpi_init(int*, int*, int*, int*, std::string*) { return kNoMpi; }
std::string mpi_allreduce(void*, size_t, DType, ReduceOp) { return kNoMpi; }
std::string mpi_broadcast(void*, size_t, int) { return kNoMpi; }
std::string mpi_barrier() { return kNoMpi; }
void mpi_abort(int code) { std::_Exit(code); }
void mpi_finalize() {}
std::string mpi_library_version() { return ""; }

}  // namespace dist
}  // namespace dendrite
