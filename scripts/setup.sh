#!/usr/bin/env bash
# Installs the Debian packages the build needs, and only those that are missing.
# Idempotent; needs root (or sudo) only when something must be installed.
#   XPU_ENABLE_MLIR=OFF  skip LLVM/MLIR     XPU_ENABLE_RTL=OFF  skip Verilator and yosys
set -euo pipefail

packages=(cmake ninja-build ccache pkg-config g++ python3
          libsystemc-dev nlohmann-json3-dev libgtest-dev libgmock-dev
          libbenchmark-dev llvm-19-tools    # llvm-19-tools: lit and FileCheck
          dataset-fashion-mnist)          # examples/fashion-mnist
if [ "${XPU_ENABLE_MLIR:-ON}" != "OFF" ]; then
  packages+=(llvm-19-dev libmlir-19-dev mlir-19-tools)
fi
if [ "${XPU_ENABLE_RTL:-ON}" != "OFF" ]; then
  packages+=(verilator yosys)      # yosys: rtl/synth/area.sh and the rtl_yosys_subset test
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} required packages are installed"
  exit 0
fi

echo "setup: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "setup: error: missing packages (${missing[*]}) and no root or passwordless sudo to install them." >&2
  echo "setup: run as root: apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: error: apt-get not found; this script supports Debian 12 (bookworm)." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
