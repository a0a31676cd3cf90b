#!/usr/bin/env bash
# Sets up, builds and runs every test (GoogleTest and lit suites via ctest).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
build=${BUILD_DIR:-$root/build}
cd "$build"
exec ctest --output-on-failure -j "${JOBS:-2}" --timeout 1500
