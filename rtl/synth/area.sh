#!/bin/sh
# Synthesis area estimate of one RTL module with yosys (docs/rtl.md
# "Synthesis area (yosys)"): generic `synth`, then `stat` (cells by type; no
# liberty file, so a cell count, not um^2).
#
#   rtl/synth/area.sh BUILD_DIR [TOP]       TOP: xpu_tile (default),
#                                           xpu_router, xpu_ni, xpu_core, ...
# BUILD_DIR is a build configured with -DXPU_ENABLE_RTL=ON: it holds the
# generated opcode package rtl/xpu_core_isa_pkg.sv.
#
# Status: yosys 0.23 (Debian/Ubuntu package) cannot read the RTL: its
# SystemVerilog front end lacks `return` in functions (33 uses) and package
# imports (`module m import xpu_pkg::*; #(...)`, in every module; `import`
# inside a module or at file scope fails as well), then typedef casts
# (`head_hdr_t'(x)`) and members of 2-D struct-array elements (`a[i][j].f`).
# The script reports the first error and exits 2; it is kept for a yosys whose front end has them (or a
# yosys-slang / sv2v front end, neither of which is a Debian package).
set -eu
if [ $# -lt 1 ]; then
  echo "usage: $0 BUILD_DIR [TOP]" >&2
  exit 2
fi
build=$1
top=${2:-xpu_tile}
src=$(cd "$(dirname "$0")/.." && pwd)
pkg=$build/rtl/xpu_core_isa_pkg.sv
command -v yosys >/dev/null || { echo "area.sh: yosys not found (apt-get install yosys)" >&2; exit 2; }
[ -f "$pkg" ] || { echo "area.sh: $pkg missing (configure with -DXPU_ENABLE_RTL=ON)" >&2; exit 2; }
files="$src/xpu_pkg.sv $pkg $src/xpu_rr_arbiter.sv $src/xpu_vc_buffer.sv $src/xpu_router.sv
       $src/xpu_ni_mbox_store.sv $src/xpu_ni.sv $src/xpu_core.sv $src/xpu_tile_core_ni.sv $src/xpu_tile.sv"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! yosys -q -l "$log" -p "read_verilog -sv $(echo $files); hierarchy -top $top; synth -top $top; stat" >/dev/null 2>&1; then
  echo "area.sh: yosys $(yosys -V | cut -d' ' -f2) could not synthesise $top:" >&2
  grep -m1 ERROR "$log" >&2 || tail -3 "$log" >&2
  echo "area.sh: see docs/rtl.md \"Synthesis area (yosys)\" for the unsupported constructs" >&2
  exit 2
fi
sed -n '/Printing statistics/,$p' "$log"
