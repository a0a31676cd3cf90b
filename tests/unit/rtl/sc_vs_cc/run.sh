#!/bin/sh
# Builds xpu_router with Verilator --cc and --sc (same parameters as the
# reference model Vxpu_router) and drives both with the same stimulus
# (stim.h: every port injects whenever it has a credit). Not part of the
# CMake build: run by hand, `tests/unit/rtl/sc_vs_cc/run.sh [outdir]`.
set -e
here=$(cd "$(dirname "$0")" && pwd)
rtl=$here/../../../../rtl
out=${1:-/tmp/xpu_sc_vs_cc}
mkdir -p "$out"
src="$rtl/xpu_pkg.sv $rtl/xpu_rr_arbiter.sv $rtl/xpu_vc_buffer.sv $rtl/xpu_router.sv"
params="-GNumVcs=2 -GBufDepth=4 -GRouterLatency=1 -GMeshWidth=3 -GMcGroups=64"
flags="-O3 --x-assign fast --x-initial fast --top-module xpu_router"
verilator --cc $flags $params --Mdir "$out/cc" --exe "$here/cc_main.cpp" $src \
  -CFLAGS "-O2 -I$here" --build -j 2 > "$out/cc.log"
SYSTEMC_INCLUDE=/usr/include SYSTEMC_LIBDIR=/usr/lib/x86_64-linux-gnu \
verilator --sc $flags $params --Mdir "$out/sc" --exe "$here/sc_main.cpp" $src \
  -CFLAGS "-O2 -std=c++17 -I$here" -LDFLAGS "-lsystemc" --build -j 2 > "$out/sc.log"
"$out/cc/Vxpu_router"
"$out/sc/Vxpu_router" | grep -e '--sc'
