// The MPI transport as a plugin: mpi_transport.cc is built into its own shared
// object (dendrite_mpi.so, linked against libmpi) that the addon dlopens on first
// use (mpi_loader.cc). So the addon itself never depends on libmpi: a prebuilt
// binary loads on machines without MPI, and distributed training there says why.
// Built from the same tree as the addon, so C++ types may cross; `abi` guards
// against a stale plugin next to a newer addon.
#pragma once

#include <cstddef>
#include <string>

#include "dendrite/communicator.h"

namespace dendrite {
namespace dist {

constexpr int kMpiPluginAbi = 1;

struct MpiPlugin {
  int abi;
  std::string (*init)(int* rank, int* size, int* local_rank, int* local_size, std::string* thread_level);
  std::string (*allreduce)(void* data, size_t n, DType type, ReduceOp op);
  std::string (*broadcast)(void* data, size_t bytes, int root);
  std::string (*barrier)();
  void (*abort)(int code);
  void (*finalize)();
  std::string (*library_version)();
};

}  // namespace dist
}  // namespace dendrite

// The plugin's one exported symbol.
#define DENDRITE_MPI_PLUGIN_SYMBOL "dendrite_mpi_plugin"
extern "C" const dendrite::dist::MpiPlugin* dendrite_mpi_plugin();
