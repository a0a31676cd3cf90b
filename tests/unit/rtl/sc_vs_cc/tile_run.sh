#!/bin/sh
# --cc vs --sc speed of the whole tile (docs/rtl.md "Tiles: --cc vs --sc
# (measured)"). Builds xpu_tile with the Vxpu_tile_4x4 parameters --cc and
# --sc (tile_build.sh; once: remove OUT to re-measure the build), links
# three drivers on the same workloads as RtlMeshSpeed:
#   cc-loop       --cc, plain C++ loop (tile_cc_main.cpp, RtlMesh's shape)
#   cc-sc-method  --cc, one SC_METHOD per tile on the sc_clock (tile_cc_sc_main.cpp)
#   sc-modules    --sc modules on sc_signals (tile_sc_main.cpp)
# and runs them interleaved, RUNS times, on one tile (self-send + vdot
# loop, ONE_ITER rounds) and on the 4x4 mesh (exchange8x8.s on 16 cores,
# MESH_ITER rounds). Every run's cycle count and end state (every core's
# state, pc, fault, accumulator, SRAM hash) must equal the first driver's,
# and the cycle count and outputs the emulator's (xpu-sim). Not part of the
# CMake build; by hand: `tests/unit/rtl/sc_vs_cc/tile_run.sh [OUT]`, with a
# configured build (XPU_ENABLE_RTL=ON) in XPU_BUILD (default: build/) for xpu-as,
# xpu-sim, libXpuRuntime.a and the generated ISA package.
set -e
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
build=${XPU_BUILD:-$repo/build}
out=${1:-/tmp/xpu_sc_vs_cc_tile}
runs=${RUNS:-3} one_iter=${ONE_ITER:-40000} mesh_iter=${MESH_ITER:-2000}
mkdir -p "$out"

for mode in cc sc; do
  [ -f "$out/$mode/verilated_threads.o" ] || "$here/tile_build.sh" $mode "$out" "$build" ||
    { tail -20 "$out/$mode.log"; exit 1; }
done
cat "$out/build.txt"

inc="-I/usr/share/verilator/include -I/usr/share/verilator/include/vltstd
     -I$repo/rtl/sim/include -I$repo/runtime/include"
driver() {  # NAME SOURCE MODEL-DIR
  g++ -O3 -DNDEBUG -std=c++17 -I"$out/$3" $inc "$here/$2" "$out/$3/Vxpu_tile__ALL.a" \
    "$out/$3"/verilated.o "$out/$3"/verilated_dpi.o "$out/$3"/verilated_threads.o \
    "$build/runtime/libXpuRuntime.a" -lsystemc -pthread -o "$out/$1"
}
driver cc-loop tile_cc_main.cpp cc
driver cc-sc-method tile_cc_sc_main.cpp cc
driver sc-modules tile_sc_main.cpp sc

# The workloads, as RtlMeshTest's: RtlMeshSpeed.OneTile's program (core 0
# alone) and exchange() (exchange8x8.s on every core), both for the 4x4 chip.
chip=$repo/examples/chips/4x4.json
cat > "$out/one.s" <<SRC
.image self
.core 0, 0
        li r5, $one_iter
        li r7, 256
        li r8, 32
        li r9, 512
        li r10, 768
        li r11, 64
loop:   send r0, r7, r8, 0
        recv r13, r9, 0
        vdot r12, r9, r10, r11
        addi r5, r5, -1
        bne r5, r0, loop
        halt
SRC
awk -v it="$mesh_iter" '
/^\.core /    { if (!done) for (y = 0; y < 4; y++) for (x = 0; x < 4; x++) print ".core " x ", " y
                done = 1; next }
/^\.equ ITER/ { print ".equ ITER, " it; next }
/^\.output acc63/ { sub(/acc63, 7, 7/, "acc15, 3, 3") }
{ print }' "$repo/examples/asm/exchange8x8.s" > "$out/mesh.s"
for w in one mesh; do
  "$build/bin/xpu-as" "$out/$w.s" --chip "$chip" -o "$out/$w.xpuexe"
  "$build/bin/xpu-sim" "$out/$w.xpuexe" --print-outputs --quiet > "$out/$w.emu"
done

# Expected end state: the emulator's cycles and outputs (acc0, acc15).
check() {  # WORKLOAD RESULT-FILE
  cyc=$(sed -n 's/^xpu-sim: halted after \([0-9]*\) cycles.*/\1/p' "$out/$1.emu")
  got=$(sed -n 's/^cycles //p' "$2")
  [ "$cyc" = "$got" ] || { echo "$2: $got cycles, emulator $cyc" >&2; exit 1; }
  for c in 0 15; do
    want=$(sed -n "s/^output acc$c .*: //p" "$out/$1.emu")
    [ -z "$want" ] && continue
    have=$(sed -n "s/^core $c: .* acc \(-*[0-9]*\) .*/\1/p" "$2")
    [ "$want" = "$have" ] || { echo "$2: core $c acc $have, the emulator $want" >&2; exit 1; }
  done
  grep -E '^(cycles|core)' "$2" > "$2.state"
  if [ -f "$out/$1.state" ]; then
    cmp -s "$out/$1.state" "$2.state" ||
      { echo "$2: end state differs from $out/$1.state" >&2; exit 1; }
  else
    cp "$2.state" "$out/$1.state"
  fi
}
rm -f "$out"/*.state "$out/results.txt"
for r in $(seq "$runs"); do
  echo "run $r: $(uptime | sed 's/.*load/load/')" | tee -a "$out/results.txt"
  for d in cc-loop cc-sc-method sc-modules; do
    "$out/$d" "$out/one.xpuexe" 1 1 > "$out/$d.one.$r"
    check one "$out/$d.one.$r"
    "$out/$d" "$out/mesh.xpuexe" 4 4 > "$out/$d.mesh.$r"
    check mesh "$out/$d.mesh.$r"
    grep -h '^RESULT' "$out/$d.one.$r" "$out/$d.mesh.$r" | tee -a "$out/results.txt"
  done
done
echo "end state (same for every run and driver; cycles as the emulator):"
head -2 "$out/one.state" "$out/mesh.state"
