#!/usr/bin/env bash
# npm run test:asan: build the addon with AddressSanitizer + UndefinedBehaviorSanitizer
# into build-asan/ and run the native-facing tests against it. node itself is not
# instrumented, so the ASan runtime is preloaded; leak detection is off (node's own
# allocations at exit are not ours).
set -euo pipefail
cd "$(dirname "$0")/.."
npx cmake-js compile --out build-asan --CDDENDRITE_SANITIZE=ON --CDDENDRITE_CUDA=OFF --CDCMAKE_BUILD_TYPE=RelWithDebInfo
export LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export DENDRITE_ADDON_PATH="$PWD/build-asan/Release/dendrite.node"
npx vitest run test/native test/activation test/loss test/optimizer test/model test/layer test/reliability test/distributed test/cuda test/extremes.test.ts test/errors.test.ts test/gradcheck.test.ts
