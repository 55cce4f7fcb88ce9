{
  # CPU-only fallback build (npm run build:gyp). Same sources as CMakeLists.txt,
  # each ISA's files in a static library of their own, with that ISA's flags,
  # read from sources.json; same exception mode (C++ exceptions on). Never CUDA:
  # the 'cuda' sources are ignored and 'cuda_stub' answers cudaInfo() with "built without CUDA".
  # Never MPI either (no dendrite_mpi.so plugin: a single rank; distributed.init() under mpirun says so).
  "targets": [
    {
      "target_name": "dendrite_avx2",
      "type": "static_library",
      "sources": ["<!@(node -p \"require('./sources.json').avx2.join(' ')\")"],
      "include_dirs": ["native/include"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fPIC", "-fexceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "conditions": [["target_arch=='x64' or target_arch=='ia32'", { "cflags_cc": ["-mavx2", "-mfma"] }]]
    },
    {
      "target_name": "dendrite_avx512",
      "type": "static_library",
      "sources": ["<!@(node -p \"require('./sources.json').avx512.join(' ')\")"],
      "include_dirs": ["native/include"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fPIC", "-fexceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "conditions": [["target_arch=='x64' or target_arch=='ia32'", {
        "cflags_cc": ["-mavx512f", "-mavx512dq", "-mavx512bw", "-mavx512vl", "-mfma", "-mprefer-vector-width=512"]
      }]]
    },
    {
      "target_name": "dendrite",
      "dependencies": ["dendrite_avx2", "dendrite_avx512"],
      "sources": ["<!@(node -p \"const s = require('./sources.json'); s.common.concat(s.cuda_stub, s.cuda_bench_stub).join(' ')\")"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native/include"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fexceptions", "-fvisibility=hidden", "-pthread"],
      "ldflags": ["-pthread"],
      "libraries": ["-ldl"],
      "cflags_cc!": ["-fno-exceptions"]
    }
  ]
}
