#!/usr/bin/env bash
# Configures (once) and builds dlcc into build/ (or $DLCC_BUILD_DIR) with
# Ninja against Debian's MLIR/LLVM 22.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${DLCC_BUILD_DIR:-$root/build}
jobs=${DLCC_JOBS:-2}

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit
fi
cmake --build "$build" -j "$jobs" "$@"
