// The mixed mesh as a runtime Backend (xpu/Device.h): the chosen tiles run
// the Verilated RTL core + NI (xpu_tile_core_ni), the others the emulator's
// core and NI; every router is the emulator's network model (docs/rtl.md
// "Mixed meshes in xpu-sim"). Used by `xpu-sim --rtl-tiles`.
//
// This is the RTL-side library XpuRtlSim (rtl/sim/); the emulator library
// does not depend on it or on Verilator. It is a separate backend rather than
// a tile factory inside emu::Mesh: the run loop is plain C++ with the model's
// cycle order (emu::Tile::cycle per tile, then emu::Mesh::endOfCycle), which
// tests/unit/rtl/mesh compares with the SystemC emulator.
#pragma once

#include "xpu/Device.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace xpu::rtl {

struct MixedOptions {
  /// Core ids whose core + NI are RTL; nullopt = every tile.
  std::optional<std::vector<uint32_t>> rtlTiles;
};

/// A backend that builds the mixed mesh at load(). load() fails with a clear
/// error when no Verilated core + NI model matches the chip's parameters
/// (mixedSupportedChips()).
std::unique_ptr<Backend> makeMixedBackend(const BackendOptions &options,
                                          const MixedOptions &mixedOptions);

/// The chip parameter points with a Verilated model, for messages.
std::string mixedSupportedChips();

} // namespace xpu::rtl
