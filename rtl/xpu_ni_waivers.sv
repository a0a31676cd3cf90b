// Lint waivers (Verilator) of the NI models that cannot sit next to the code
// they waive (rtl/CMakeLists.txt lists this file first, before xpu_pkg.sv).
`ifdef VERILATOR
// xpu_pkg is shared with the router; the NI uses its flit types, not its port
// numbers or coordinate width, which -Wall would otherwise report as unused
// in every NI-only model. Scoped to the package file.
`verilator_config
lint_off -rule UNUSEDPARAM -file "*xpu_pkg.sv"
`endif
