// The SystemC emulator as a runtime Backend (xpu/Device.h).
//
// SystemC elaborates once per process, so the process has one Mesh, built by
// the first load. Later loads reuse it when the executable's mesh has the
// same width and height (other chip parameters may differ: the network,
// cores and NIs are rebuilt); a different size is an error telling the user
// to run it in another process. Only the backend that loaded last may run.
#pragma once

#include "xpu/Device.h"
#include "xpu/emu/MeshTile.h"
#include "xpu/emu/Trace.h"
#include "xpu/emu/Watchdog.h"

#include <optional>
#include <vector>

namespace xpu::emu {

class Mesh;

/// Emulator-only options beyond BackendOptions (xpu-sim --trace,
/// --vcd-tiles). Construct EmulatorBackend directly to use them.
struct EmulatorOptions {
  /// Tiles (core ids) the VCD traces; empty = every tile. Like the VCD
  /// itself, only the process's first load (elaboration) applies it.
  std::vector<uint32_t> vcdTiles;
  /// Record a Chrome trace-event timeline (Trace.h); nullopt = off.
  std::optional<TraceOptions> trace;
  /// Other tile implementations (MeshTile.h), elaborated next to the
  /// model's. Like the VCD, only the process's first load (elaboration)
  /// applies them.
  std::vector<TileAlternative> alternatives;
  /// Core -> alternative it runs at this backend's loads (others: model).
  TileSelection tileImplementations;
  /// The backend's name in stats() and name() ("emulator" by default).
  std::string name = "emulator";
};

class EmulatorBackend final : public Backend {
public:
  explicit EmulatorBackend(const BackendOptions &options = {},
                           const EmulatorOptions &emulatorOptions = {});
  ~EmulatorBackend() override;

  std::string name() const override { return emuOptions_.name; }
  std::optional<Error> load(const Executable &exe) override;
  std::optional<Error> writeSram(uint32_t core, uint32_t address,
                                 const uint8_t *data, size_t size) override;
  std::optional<Error> readSram(uint32_t core, uint32_t address, uint8_t *data,
                                size_t size) const override;
  RunResult runCycles(uint64_t cycles) override;
  RunResult runSteps(uint64_t steps, uint64_t maxCycles) override;
  RunResult runUntilHalt(uint64_t maxCycles) override;
  nlohmann::json stats() const override;
  std::string statusReport() const override;
  uint64_t cycle() const override;
  uint32_t timestep() const override;

  /// The mesh this backend loaded (nullptr before load or if another
  /// backend loaded since). For tests and tools that inspect state.
  Mesh *mesh() const;
  /// The Chrome trace of the run since load (Trace.h), or null when the
  /// backend was not asked to trace or nothing is loaded.
  nlohmann::json traceJson() const;

private:
  enum class Mode { Cycles, Steps, UntilHalt };
  RunResult run(Mode mode, uint64_t amount, uint64_t maxCycles);
  std::optional<Error> checkAccess(uint32_t core, uint32_t address, size_t size) const;

  BackendOptions options_;
  EmulatorOptions emuOptions_;
  Watchdog watchdog_;
  uint64_t generation_ = 0;
};

/// Registers the factory "emulator" with xpu::registerBackend (idempotent).
void registerEmulatorBackend();

} // namespace xpu::emu
