#!/bin/sh
# Verilates and compiles xpu_tile with the parameters and flags of the
# build's Vxpu_tile_4x4 (rtl/CMakeLists.txt; C++ at -O3 -DNDEBUG), `--cc` or
# `--sc`, into OUT/MODE: the model library plus Verilator's runtime objects
# (what --build leaves to --exe). Appends the build's wall and CPU time and
# the size of the generated C++ to OUT/build.txt. Used by tile_run.sh; by
# hand: `tile_build.sh cc|sc OUT BUILD_DIR` (BUILD_DIR: a configured build,
# for the generated ISA package).
set -e
mode=$1 out=$2 build=$3
rtl=$(cd "$(dirname "$0")/../../../../rtl" && pwd)
src="$rtl/xpu_ni_waivers.sv $rtl/xpu_pkg.sv $build/rtl/xpu_core_isa_pkg.sv $rtl/xpu_rr_arbiter.sv
     $rtl/xpu_vc_buffer.sv $rtl/xpu_router.sv $rtl/xpu_ni_mbox_store.sv $rtl/xpu_ni.sv
     $rtl/xpu_core.sv $rtl/xpu_tile_core_ni.sv $rtl/xpu_tile.sv"
params="-GSramBytes=65536 -GImemWords=4096 -GVectorLanes=16 -GMailboxes=8 -GMailboxDepth=4
        -GMaxMessageBytes=256 -GNumVcs=2 -GBufDepth=4 -GRouterLatency=1 -GMcGroups=64
        -GMeshWidth=4 -GMeshHeight=4"
src=$(echo $src) params=$(echo $params)  # one line each, for sh -c
rm -rf "${out:?}/$mode"
export SYSTEMC_INCLUDE=/usr/include SYSTEMC_LIBDIR=/usr/lib/x86_64-linux-gnu
/usr/bin/time -f "%e %U %S" -o "$out/$mode.time" sh -c "
  verilator --$mode -Wall --x-assign fast --x-initial fast -O3 --top-module xpu_tile \
    --prefix Vxpu_tile $params $src --Mdir '$out/$mode' --build -j 2 \
    -CFLAGS '-DNDEBUG -std=c++17' -MAKEFLAGS 'OPT_FAST=-O3 OPT_SLOW=-O3 OPT_GLOBAL=-O3' &&
  make -C '$out/$mode' -f Vxpu_tile.mk -j 2 OPT_GLOBAL=-O3 \
    verilated.o verilated_dpi.o verilated_threads.o" > "$out/$mode.log" 2>&1
bytes=$(cat "$out/$mode"/Vxpu_tile*.cpp "$out/$mode"/Vxpu_tile*.h | wc -c)
read -r wall user sys < "$out/$mode.time"
echo "--$mode: verilate + compile (-j 2) ${wall} s wall, $(echo "$user + $sys" | bc) s CPU," \
     "generated C++ $((bytes / 1024)) KiB in $(ls "$out/$mode"/Vxpu_tile*.cpp | wc -l) files" \
  | tee -a "$out/build.txt"
