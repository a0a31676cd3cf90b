#!/usr/bin/env bash
# The main demo: sets up, builds, assembles a multi-core program, shows its
# disassembly and runs it on the cycle-level SystemC emulator; then compiles
# a small spiking actor graph and the Fashion-MNIST classifier, runs them and
# checks them bit for bit against the reference executor.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
# Only what the demo runs: the RTL models take minutes and it needs none.
demo_targets="xpu-as xpu-objdump xpu-sim"
if [ "${XPU_ENABLE_MLIR:-ON}" != OFF ]; then
  demo_targets="$demo_targets xpu-cc fmnist-train fmnist-classify fmnist-snn-convert fmnist-snn-classify"
fi
TARGETS="${TARGETS:-$demo_targets}" "$root/scripts/build.sh"
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
if [ -x "$bin/xpu-cc" ]; then
  echo
  echo "== compile the actor graph examples/models/tiny-snn.json (MLP features -> recurrent LIF population)"
  echo "== for a 4x4 chip, run 10 timesteps on the emulator, check against the reference executor"
  "$bin/xpu-cc" "$root/examples/models/tiny-snn.json" --chip "$root/examples/chips/4x4.json" \
    --mapping-report --run --steps 10 --inputs "$root/examples/models/tiny-snn.inputs.json" \
    --print-outputs --check --stats "$out/tiny-snn-stats.json"
  echo "statistics written to $out/tiny-snn-stats.json"
fi
if [ -x "$bin/fmnist-train" ] && [ -x "$bin/fmnist-classify" ]; then
  echo
  echo "== Fashion-MNIST: train a 784-128-10 MLP in C++ (or reuse it), quantise, compile for 8x8,"
  echo "== classify 300 test images on the emulator, every image checked against the reference"
  if [ ! -f "$out/fmnist/model.json" ]; then
    "$bin/fmnist-train" --out "$out/fmnist"
  fi
  "$bin/fmnist-classify" --model "$out/fmnist/model.json" --images 300 --stats "$out/fmnist-stats.json" \
    --heatmap "$out/fmnist-heat" --trace "$out/fmnist-trace.json"
  echo "statistics written to $out/fmnist-stats.json"
  if [ -x "$bin/fmnist-snn-convert" ] && [ -x "$bin/fmnist-snn-classify" ]; then
    echo
    echo "== the same task as a spiking network: convert the MLP (rate-coded inputs, IF + LI layers),"
    echo "== run 100 test images for 8 timesteps each, every step checked against the reference"
    "$bin/fmnist-snn-convert" --ann "$out/fmnist" --out "$out/snn"
    "$bin/fmnist-snn-classify" --model "$out/snn/model.json" --images 100 --steps 8 \
      --heatmap "$out/snn-heat" --trace "$out/snn-trace.json"
  fi
fi
