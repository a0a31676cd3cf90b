#!/usr/bin/env bash
# Configures (once) and builds the project with Ninja and ccache.
#   BUILD_DIR (default: build)   JOBS (default: 2)
#   TARGETS (default: all): build only these (the demo needs no RTL models)
#   XPU_ENABLE_MLIR / XPU_ENABLE_RTL (default: ON)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
jobs=${JOBS:-2}

if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH=/usr/lib/llvm-19 \
    -DXPU_ENABLE_MLIR="${XPU_ENABLE_MLIR:-ON}" \
    -DXPU_ENABLE_RTL="${XPU_ENABLE_RTL:-ON}"
fi
# shellcheck disable=SC2086 # TARGETS is a space-separated list
cmake --build "$build" -j "$jobs" ${TARGETS:+--target $TARGETS}
