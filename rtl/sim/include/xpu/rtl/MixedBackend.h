// The mixed mesh as a runtime Backend (xpu/Device.h): the chosen tiles run
// the Verilated RTL core + NI (xpu_tile_core_ni) as tiles of the SystemC
// emulator (xpu/rtl/RtlCoreNiTile.h), the others the model's core and NI;
// every router is the emulator's network model (docs/rtl.md "Mixed meshes
// in xpu-sim"). Used by `xpu-sim --rtl-tiles`.
//
// This is the RTL-side library XpuRtlSim (rtl/sim/): it fills
// emu::EmulatorOptions::tileFactory, so the emulator library does not depend
// on it or on Verilator, and mixed runs get the emulator's run modes,
// statistics, VCD, Chrome trace and watchdog.
#pragma once

#include "xpu/Device.h"
#include "xpu/emu/EmulatorBackend.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace xpu::rtl {

struct MixedOptions {
  /// Core ids whose core + NI are RTL; nullopt = every tile.
  std::optional<std::vector<uint32_t>> rtlTiles;
  /// Core ids whose whole tile (router, NI and core: Verilated xpu_tile) is
  /// RTL, an external router of the model network; they need not be in
  /// rtlTiles. nullopt = none; an empty list with `allWhole` = every tile.
  std::vector<uint32_t> wholeTiles;
  bool allWhole = false;
};

/// A backend that checks the chip at load() and runs it on the SystemC
/// emulator with RTL tiles. load() fails with a clear error when no
/// Verilated core + NI model matches the chip's parameters
/// (mixedSupportedChips()). `emulatorOptions` as for emu::EmulatorBackend
/// (its alternative, alternativeTiles and name are set here). SystemC
/// elaborates once per process: the first load of the process must be a
/// mixed one (it elaborates the RTL alternatives); later loads of any
/// backend may then choose any RTL tile set, including none.
std::unique_ptr<Backend> makeMixedBackend(const BackendOptions &options,
                                          const MixedOptions &mixedOptions,
                                          const emu::EmulatorOptions &emulatorOptions = {});

/// The RTL core + NI tile (RtlCoreNiTile, alternative "rtl") and the whole
/// RTL tile (RtlWholeMeshTile, alternative "rtl_tile") as the emulator's
/// alternative tiles for a mesh `meshWidth` wide (2 or 4: the Verilated
/// parameter points), for emu::EmulatorOptions::alternatives.
std::vector<emu::TileAlternative> rtlTileAlternatives(uint32_t meshWidth);

/// The emulator behind a backend made by makeMixedBackend (its mesh and
/// Chrome trace), or nullptr for any other backend.
emu::EmulatorBackend *mixedEmulator(Backend &backend);

/// Stage 1, the plain C++ mixed loop (xpu/rtl/MixedMesh.h) as a Backend:
/// same results, no SystemC (no statistics beyond state and pc, no VCD,
/// trace or emulator watchdog). The SystemC path's reference for speed
/// and behaviour (tests/unit/rtl/mesh); xpu-sim uses makeMixedBackend.
std::unique_ptr<Backend> makeMixedLoopBackend(const BackendOptions &options,
                                              const MixedOptions &mixedOptions);

/// The tiles `mixedOptions` make RTL on `chip`: `coreNi` (core + NI) and
/// `whole` (whole tiles, never also in coreNi); an error names an id outside
/// the mesh.
std::optional<Error> selectRtlTiles(const ChipDescriptor &chip, const MixedOptions &mixedOptions,
                                    std::set<uint32_t> &coreNi, std::set<uint32_t> &whole);
/// The error for a chip without a Verilated core + NI model, if it has none.
std::optional<Error> checkMixedChip(const ChipDescriptor &chip);

/// The chip has a Verilated core + NI model (mixedSupportedChips()).
bool mixedChipSupported(const ChipDescriptor &chip);
/// The chip parameter points with a Verilated model, for messages.
std::string mixedSupportedChips();

} // namespace xpu::rtl
