#!/usr/bin/env bash
# The one prepared script of a GPU session (see /work/shared/gpu/README.md).
#
#   bash scripts/gpu-check.sh prepare   # here, on a CPU machine: fills .gpu/ (git-ignored)
#   bash scripts/gpu-check.sh           # there, on the device machine, from the repo root
#
# prepare: packs node (.gpu/node.xz, via ../shared/gpu/pack-node.sh or $DENDRITE_PACK_NODE)
#   and the node_modules the run needs (vitest, node-api-headers and dendrite's runtime
#   dependencies, with theirs) into .gpu/node_modules.tar.xz, and builds dist/ (git-ignored,
#   so not in the device's copy of the tree; bench/gpu loads the library from it) into
#   .gpu/dist.tar.xz. Then run on the device
#   with carry [".gpu"]: run(command="bash scripts/gpu-check.sh", carry=[".gpu"]).
# run: unpacks node and node_modules, builds the addon with plain CMake into
#   .gpu/build/ (CUDA required, sm_90 only, cuBLAS when the toolkit has it; MPI off unless
#   DENDRITE_MPI=ON: the check is about CUDA), then runs
#   test/gpu (every golden family on the device, own and cuBLAS GEMM) and test/cuda,
#   then bench/gpu against PyTorch (gpu.json: figures and the issue's ratios; about 2 min on
#   an H100) and a small GEMM timing through the per-op path. Logs and JSON go to $OUT
#   (default .gpu/out). Each part runs under a timeout cut to what is left of a soft
#   deadline ($DENDRITE_GPU_BUDGET_S, default 480 s from the start), so the bench still
#   writes what it measured when something hangs.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ "${1:-}" = "prepare" ]; then
  set -e
  mkdir -p .gpu
  rm -rf .gpu/build .gpu/out  # keep the carry small; the device builds from scratch
  if [ ! -s .gpu/node.xz ]; then
    pack=${DENDRITE_PACK_NODE:-$root/../shared/gpu/pack-node.sh}
    [ -x "$pack" ] || pack=/work/shared/gpu/pack-node.sh
    bash "$pack"
  fi
  mods=$(node -e '
    const fs = require("fs"), seen = new Set();
    const walk = (n) => { if (seen.has(n)) return; let pj;
      try { pj = JSON.parse(fs.readFileSync(`node_modules/${n}/package.json`, "utf8")); } catch { return; }
      seen.add(n); for (const d of Object.keys({ ...pj.dependencies, ...pj.optionalDependencies })) walk(d); };
    const own = Object.keys(require("./package.json").dependencies);
    ["vitest", "node-api-headers", "node-addon-api", ...own].forEach(walk);
    console.log([...seen].map((n) => `node_modules/${n}`).join("\n"));')
  # shellcheck disable=SC2086
  tar cf - $mods node_modules/.bin/vitest | xz -T2 -6 > .gpu/node_modules.tar.xz
  node scripts/build-ts.cjs  # dist/ from the current src/
  tar cf - dist | xz -T2 -6 > .gpu/dist.tar.xz
  ls -la .gpu
  echo "now: run(command=\"bash scripts/gpu-check.sh\", carry=[\".gpu\"], timeout_s=540)"
  exit 0
fi

OUT=${OUT:-$root/.gpu/out}
mkdir -p "$OUT"
log() { echo "[gpu-check $(date +%T)] $*" | tee -a "$OUT/summary.txt"; }
status=0
t0=$(date +%s)
# Seconds for a part: at most $1, at most what is left of the soft deadline, at least 20.
budget() {
  local left=$(( ${DENDRITE_GPU_BUDGET_S:-480} - ($(date +%s) - t0) ))
  [ "$left" -gt "$1" ] && left=$1
  [ "$left" -lt 20 ] && left=20
  echo "$left"
}

# 1. node (the device machine has none) and the carried node_modules
nb=$(mktemp -d)
if [ -s .gpu/node.xz ]; then
  xz -dc .gpu/node.xz > "$nb/node" && chmod +x "$nb/node" && export PATH="$nb:$PATH"
fi
command -v node >/dev/null || { log "FATAL: no node (run 'bash scripts/gpu-check.sh prepare' and carry .gpu)"; exit 2; }
[ -d node_modules/vitest ] || xz -dc .gpu/node_modules.tar.xz | tar xf -
# dist/ as prepare built it (always replaced: a warm machine keeps an older unpacked one)
if [ -s .gpu/dist.tar.xz ]; then rm -rf dist && xz -dc .gpu/dist.tar.xz | tar xf -; fi
log "node $(node -v); $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)"
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1

# 2. build with plain CMake: Node-API headers as a cache variable, N-API symbols left to node
inc="$root/node_modules/node-api-headers/include;$root/node_modules/node-addon-api"
cmake_args=(-S . -B .gpu/build -DCMAKE_BUILD_TYPE=Release -DDENDRITE_CUDA=ON -DDENDRITE_CUDA_ARCHS="${DENDRITE_CUDA_ARCHS:-90}" -DDENDRITE_MPI="${DENDRITE_MPI:-OFF}" -DDENDRITE_CUDA_BENCH=ON
  "-DNODE_API_INCLUDE_DIRS=$inc" "-DCMAKE_LIBRARY_OUTPUT_DIRECTORY=$root/.gpu/build/Release")
command -v ninja >/dev/null && cmake_args+=(-G Ninja)
start=$(date +%s)
rm -rf .gpu/build  # a cache from another machine or path would not configure
if cmake "${cmake_args[@]}" > "$OUT/configure.log" 2>&1 && cmake --build .gpu/build -j "$(nproc)" > "$OUT/build.log" 2>&1; then
  log "build ok in $(( $(date +%s) - start ))s: $(grep -h 'dendrite: CUDA' "$OUT/configure.log")"
else
  log "BUILD FAILED (see configure.log / build.log)"; tail -30 "$OUT/build.log" "$OUT/configure.log" 2>/dev/null
  exit 1
fi
export DENDRITE_ADDON_PATH="$root/.gpu/build/Release/dendrite.node"
node -e "const a=require(process.env.DENDRITE_ADDON_PATH); console.log(JSON.stringify(a.cudaInfo(), null, 2))" \
  | tee "$OUT/cuda-info.json"

# 3. the tests: every golden family on the device, and the CPU-run device math
if NO_COLOR=1 timeout 300 node node_modules/vitest/vitest.mjs run test/gpu test/cuda --reporter=verbose \
    --reporter=json --outputFile.json="$OUT/vitest.json" > "$OUT/vitest.log" 2>&1; then
  log "tests PASSED: $(grep -E 'Tests ' "$OUT/vitest.log" | tail -1)"
else
  status=1
  log "tests FAILED: $(grep -E 'Tests ' "$OUT/vitest.log" | tail -1)"; grep -E 'FAIL|AssertionError|Error:' "$OUT/vitest.log" | head -40
fi

# 4. bench/gpu: dendrite (fit on cuda; kernels over device memory) and PyTorch on the same GPU,
#    merged into gpu.json with the issue's ratios (bench/gpu/merge.mjs)
if [ -f dist/index.js ]; then
  if timeout "$(budget 200)" node bench/gpu/run.mjs > "$OUT/gpu-dendrite.log" 2>&1; then
    log "bench/gpu dendrite ok (gpu-dendrite.json)"
  else
    log "bench/gpu dendrite FAILED or timed out, rc $? (gpu-dendrite.log)"; tail -20 "$OUT/gpu-dendrite.log"
  fi
else
  log "bench/gpu dendrite skipped: no dist/index.js (run prepare, carry .gpu)"
fi
if command -v python3 >/dev/null; then
  if timeout "$(budget 150)" python3 bench/gpu/torch_gpu.py --out "$OUT/gpu-torch.json" > /dev/null 2> "$OUT/gpu-torch.log"; then
    log "bench/gpu torch ok (gpu-torch.json)"
  else
    log "bench/gpu torch FAILED or timed out, rc $? (gpu-torch.log)"; tail -20 "$OUT/gpu-torch.log"
  fi
else
  log "bench/gpu torch skipped: no python3"
fi
timeout 30 node bench/gpu/merge.mjs "$OUT" > "$OUT/gpu-summary.txt" 2>&1 || log "bench/gpu merge failed (gpu-summary.txt)"
cat "$OUT/gpu-dendrite.log" "$OUT/gpu-summary.txt" 2>/dev/null | grep -v '^wrote '

# 5. a small GEMM timing (C = A B, fused bias + relu), own vs cuBLAS, fp32 vs tf32, vs the cpu backend
cat > "$OUT/bench.cjs" <<'JS'
const a = require(process.env.DENDRITE_ADDON_PATH);
const res = [];
for (const n of [256, 1024, 2048]) {
  const A = Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const B = Float32Array.from({ length: n * n }, (_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
  const bias = new Float32Array(n).fill(0.1), C = new Float32Array(n * n), O = new Float32Array(n * n);
  const variants = [['cpu', null, null]];
  for (const impl of a.cudaInfo().cublas ? ['own', 'cublas'] : ['own']) for (const p of ['fp32', 'tf32']) variants.push(['cuda', impl, p]);
  for (const [backend, impl, prec] of variants) {
    const ops = backend === 'cpu' ? a : a.cuda;
    try { if (impl) { ops.configure('gemm', impl); ops.configure('matmulPrecision', prec); } } catch (e) { res.push({ n, backend, impl, error: e.message }); continue; }
    const run = () => ops.gemm(false, false, n, n, n, 1, A, n, B, n, 0, C, n, bias, 2, 0, 1, 20, O, n);
    try { run(); } catch (e) { res.push({ n, backend, impl, error: e.message }); continue; }
    const reps = n <= 256 ? 20 : 5, t0 = process.hrtime.bigint();
    for (let r = 0; r < reps; r++) run();
    const s = Number(process.hrtime.bigint() - t0) / 1e9 / reps;
    res.push({ n, backend, impl: impl ? ops.gemmImpl() : 'cpu-' + a.isa(), ms: +(s * 1e3).toFixed(3), gflops: +((2 * n ** 3) / s / 1e9).toFixed(1) });
  }
}
console.log(JSON.stringify(res, null, 1));
JS
timeout "$(budget 60)" node "$OUT/bench.cjs" > "$OUT/bench.json" 2> "$OUT/bench.err" && log "bench: see bench.json (includes host<->device copies)" || log "bench failed (bench.err)"
log "done, status $status"
exit $status
