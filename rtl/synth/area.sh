#!/bin/sh
# Synthesis area estimate of one RTL module with yosys (docs/rtl.md
# "Synthesis area (yosys)"): storage reported as memory bits (kept as $mem
# cells, not mapped to flip-flops), logic as generic gates after techmap +
# abc, then `stat` (no liberty file: a cell count, not um^2).
#
#   rtl/synth/area.sh [--read-only] BUILD_DIR [TOP [NAME=VALUE ...]]
#
# --read-only: read and elaborate only (up to `proc`) and check the log, no
# synthesis: the ctest rtl_yosys_subset (rtl/CMakeLists.txt) uses it to
# catch RTL that leaves the subset yosys 0.23 reads.
# TOP: xpu_tile (default), xpu_router, xpu_ni, xpu_core, xpu_tile_core_ni,
# xpu_rr_arbiter, xpu_ni_mbox_store. Without NAME=VALUE, TOP gets the
# parameters of examples/chips/2x2.json (the Vxpu_tile_2x2 set in
# rtl/CMakeLists.txt). BUILD_DIR is a build configured with
# -DXPU_ENABLE_RTL=ON: it holds the generated opcode package
# rtl/xpu_core_isa_pkg.sv.
#
# The RTL is written in the subset yosys 0.23 (Debian/Ubuntu) reads
# (docs/rtl.md lists the constructs avoided and why). The script also
# refuses a netlist in which yosys declared an identifier implicitly: 0.23
# reads some struct accesses it does not support (a member of an array
# element or of a block-local struct) as a new 1-bit wire, with a warning
# only, so a run without errors is not enough.
set -eu
read_only=0
if [ "${1:-}" = --read-only ]; then
  read_only=1
  shift
fi
if [ $# -lt 1 ]; then
  echo "usage: $0 [--read-only] BUILD_DIR [TOP [NAME=VALUE ...]]" >&2
  exit 2
fi
build=$1
top=${2:-xpu_tile}
[ $# -ge 2 ] && shift 2 || shift $#
src=$(cd "$(dirname "$0")/.." && pwd)
pkg=$build/rtl/xpu_core_isa_pkg.sv
# Exit 77 (ctest's SKIP_RETURN_CODE for rtl_yosys_subset) without yosys.
command -v yosys >/dev/null || { echo "area.sh: yosys not found (apt-get install yosys): skipped" >&2; exit 77; }
[ -f "$pkg" ] || { echo "area.sh: $pkg missing (configure with -DXPU_ENABLE_RTL=ON)" >&2; exit 2; }

# examples/chips/2x2.json per module (keep in step with XPU_RTL_TILE_PARAMS).
if [ $# -eq 0 ]; then
  case $top in
    xpu_tile)
      set -- MeshWidth=2 MeshHeight=2 SramBytes=65536 ImemWords=4096 VectorLanes=16 Mailboxes=8 \
             MailboxDepth=4 MaxMessageBytes=256 NumVcs=2 BufDepth=4 RouterLatency=1 McGroups=64 ;;
    xpu_tile_core_ni)
      set -- MeshWidth=2 MeshHeight=2 SramBytes=65536 ImemWords=4096 VectorLanes=16 Mailboxes=8 \
             MailboxDepth=4 MaxMessageBytes=256 NumVcs=2 BufDepth=4 McGroups=64 ;;
    xpu_router)
      set -- NumVcs=2 BufDepth=4 RouterLatency=1 MeshWidth=2 McGroups=64 ;;
    xpu_ni)
      set -- NumVcs=2 BufDepth=4 Mailboxes=8 MailboxDepth=4 MaxMessageBytes=256 ;;
    xpu_core)
      set -- SramBytes=65536 ImemWords=4096 VectorLanes=16 FlitBytes=8 Mailboxes=8 \
             MaxMessageBytes=256 BufferDepth=4 MeshWidth=2 MeshHeight=2 McGroups=64 ;;
    xpu_ni_mbox_store)  # 8 mailboxes x 4 slots x 32 beats of 8 bytes
      set -- Words=1024 Width=64 ;;
    xpu_rr_arbiter)     # one per router output: 5 requesters
      set -- NumReq=5 ;;
  esac
fi
chparam=""
for kv in "$@"; do
  chparam="$chparam -set ${kv%%=*} ${kv#*=}"
done
[ -n "$chparam" ] && chparam="chparam$chparam $top;"

# The sources of TOP's hierarchy (as the source lists in rtl/CMakeLists.txt).
case $top in
  xpu_rr_arbiter|xpu_ni_mbox_store)
    files="$src/$top.sv" ;;
  xpu_vc_buffer)
    files="$src/xpu_pkg.sv $src/xpu_vc_buffer.sv" ;;
  xpu_router)
    files="$src/xpu_pkg.sv $src/xpu_rr_arbiter.sv $src/xpu_vc_buffer.sv $src/xpu_router.sv" ;;
  xpu_ni)
    files="$src/xpu_pkg.sv $src/xpu_rr_arbiter.sv $src/xpu_ni_mbox_store.sv $src/xpu_ni.sv" ;;
  xpu_core)
    files="$pkg $src/xpu_core.sv" ;;
  *)
    files="$src/xpu_pkg.sv $pkg $src/xpu_rr_arbiter.sv $src/xpu_vc_buffer.sv $src/xpu_router.sv
           $src/xpu_ni_mbox_store.sv $src/xpu_ni.sv $src/xpu_core.sv $src/xpu_tile_core_ni.sv
           $src/xpu_tile.sv" ;;
esac

# proc + opt, then `stat`: memories are still RTLIL memories here, so this
# `stat` counts their bits. Then synth's begin and coarse stages (proc ...
# alumacc, memory -nomap: one $mem_v2 cell per memory) without its `fine`
# stage, whose memory_map would turn every memory into flip-flops and a mux
# tree, then techmap and abc to generic gates. Two SAT-based passes are left
# out for runtime: `share` (merging exclusive operators) and memory_share's
# SAT check (`memory -nosat`); with them the core (hundreds of SRAM read
# ports) did not finish in 15 min. The figures are therefore without
# resource sharing.
script="read_verilog -sv -I$build/rtl $(echo $files); $chparam hierarchy -check -top $top;
        proc; opt -fast; tee -o @MEMSTAT@ stat;
        opt_expr; opt_clean; check; opt -nodffe -nosdff; fsm; opt; wreduce; peepopt; opt_clean;
        alumacc; opt; memory -nomap -nosat; opt_clean;
        opt -fast -full; techmap; opt -fast; abc -fast; opt -fast;
        tee -o @STAT@ stat"
if [ $read_only = 1 ]; then
  script="read_verilog -sv -I$build/rtl $(echo $files); $chparam hierarchy -check -top $top; proc"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
script=$(echo "$script" | sed "s|@MEMSTAT@|$tmp/mem.txt|; s|@STAT@|$tmp/stat.txt|")
start=$(date +%s)
if ! yosys -q -l "$tmp/log" -p "$script" >/dev/null 2>&1; then
  echo "area.sh: yosys $(yosys -V | cut -d' ' -f2) could not synthesise $top:" >&2
  grep -m1 ERROR "$tmp/log" >&2 || tail -3 "$tmp/log" >&2
  echo "area.sh: see docs/rtl.md \"Synthesis area (yosys)\" for the unsupported constructs" >&2
  exit 2
fi
if grep -q "is implicitly declared" "$tmp/log"; then
  echo "area.sh: yosys $(yosys -V | cut -d' ' -f2) mis-read $top (struct member taken for a new wire):" >&2
  grep -m3 "is implicitly declared" "$tmp/log" >&2
  exit 2
fi
end=$(date +%s)
if [ $read_only = 1 ]; then
  echo "area.sh: yosys $(yosys -V | cut -d' ' -f2) read and elaborated $top ($*) in $((end - start)) s"
  exit 0
fi
echo "== $top ($*), yosys $(yosys -V | cut -d' ' -f2), $((end - start)) s"
echo "-- storage (RTLIL memories after proc; kept as \$mem_v2 cells below)"
grep -E "=== |Number of memories|Number of memory bits" "$tmp/mem.txt"
echo "-- logic after synth's coarse passes (memory -nomap), techmap, abc -fast (generic cells)"
sed -n '/=== /,$p' "$tmp/stat.txt"
