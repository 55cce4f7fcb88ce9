// The transport seen by the communicator: the MPI plugin (dendrite_mpi.so, next to
// the addon's .node file; see mpi_plugin.h), loaded on first use. Without the
// plugin (built without MPI, or libmpi missing on this machine) the process is a
// single rank, collectives are never reached, and mpi_unavailable() says why.
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#if !defined(_WIN32)
#include <dlfcn.h>
#endif

#include "dendrite/mpi_plugin.h"

namespace dendrite {
namespace dist {
namespace {

const char kPluginFile[] = "dendrite_mpi.so";

struct Loaded {
  const MpiPlugin* plugin = nullptr;
  std::string error;
};

#if defined(_WIN32)
Loaded load() { return {nullptr, "MPI is not supported on Windows builds of dendrite"}; }
#else
// The folder of the .node file this code is in (build/Release or prebuilds/<platform>-<arch>).
std::string addon_dir() {
  Dl_info info{};
  if (!dladdr(reinterpret_cast<void*>(&mpi_unavailable), &info) || !info.dli_fname) return "";
  const std::string file = info.dli_fname;
  const size_t slash = file.rfind('/');
  return slash == std::string::npos ? "." : file.substr(0, slash);
}

Loaded load() {
  const std::string path = addon_dir() + "/" + kPluginFile;
  FILE* probe = std::fopen(path.c_str(), "rb");
  if (!probe) return {nullptr, "built without MPI (no " + path + "; install libopenmpi-dev and build from source: npx dendrite build)"};
  std::fclose(probe);
  // RTLD_GLOBAL: Open MPI's own components (dlopen'ed by libmpi) resolve libmpi's symbols globally.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!handle) {
    const char* why = dlerror();
    return {nullptr, std::string("the MPI library could not be loaded (") + (why ? why : path) +
                         "; install Open MPI, e.g. apt-get install openmpi-bin)"};
  }
  using Entry = const MpiPlugin* (*)();
  auto entry = reinterpret_cast<Entry>(dlsym(handle, DENDRITE_MPI_PLUGIN_SYMBOL));
  const MpiPlugin* plugin = entry ? entry() : nullptr;
  if (!plugin || plugin->abi != kMpiPluginAbi)
    return {nullptr, path + " does not match this addon (rebuild: npx dendrite build)"};
  return {plugin, ""};
}
#endif

const Loaded& loaded() {
  static std::once_flag once;
  static Loaded result;
  std::call_once(once, [] { result = load(); });
  return result;
}

}  // namespace

std::string mpi_unavailable() { return loaded().error; }
bool mpi_compiled() { return loaded().plugin != nullptr; }

// The collectives below run only after mpi_init succeeded, so the plugin is there.
std::string mpi_init(int* rank, int* size, int* local_rank, int* local_size, std::string* thread_level) {
  if (!mpi_compiled()) return mpi_unavailable();
  return loaded().plugin->init(rank, size, local_rank, local_size, thread_level);
}
std::string mpi_allreduce(void* data, size_t n, DType type, ReduceOp op) { return loaded().plugin->allreduce(data, n, type, op); }
std::string mpi_broadcast(void* data, size_t bytes, int root) { return loaded().plugin->broadcast(data, bytes, root); }
std::string mpi_barrier() { return loaded().plugin->barrier(); }
void mpi_abort(int code) {
  if (mpi_compiled()) loaded().plugin->abort(code);
  std::_Exit(code);
}
void mpi_finalize() {
  if (mpi_compiled()) loaded().plugin->finalize();
}
std::string mpi_library_version() { return mpi_compiled() ? loaded().plugin->library_version() : ""; }

}  // namespace dist
}  // namespace dendrite
