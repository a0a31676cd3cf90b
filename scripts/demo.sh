#!/usr/bin/env bash
# The main demo: sets up, builds, assembles a multi-core program, shows its
# disassembly and runs it on the cycle-level SystemC emulator.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
build=${BUILD_DIR:-$root/build}
bin=$build/bin
out=$build/demo
mkdir -p "$out"

echo
echo "== assemble examples/asm/ring.s for a 2x2 chip"
"$bin/xpu-as" "$root/examples/asm/ring.s" --chip "$root/examples/chips/2x2.json" -o "$out/ring.xpuexe"
echo
echo "== xpu-objdump $out/ring.xpuexe"
"$bin/xpu-objdump" "$out/ring.xpuexe"
if [ -x "$bin/xpu-sim" ]; then
  echo
  echo "== run on the emulator"
  "$bin/xpu-sim" "$out/ring.xpuexe" --print-outputs --stats "$out/ring-stats.json"
  echo "statistics written to $out/ring-stats.json"
fi
