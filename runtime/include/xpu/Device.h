// The host API: load an executable on a backend, write inputs, run, read
// outputs and statistics (docs/arch.md section 10, docs/emulator.md).
//
// No SystemC and no MLIR here: a backend (the SystemC emulator, later the
// Verilated RTL) registers a factory under a name, and tools open it by name,
// so the runtime never depends on a backend. Every call that can fail on user
// input returns an Error; nothing here throws or aborts on bad input.
#pragma once

#include "xpu/Error.h"
#include "xpu/Executable.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace xpu {

/// Why a run returned.
enum class RunStatus : uint8_t {
  Halted,     // every core is halted, idle or faulted and no spawn is in flight
  CyclesDone, // the requested number of cycles ran
  StepsDone,  // the requested number of timesteps (barrier releases) completed
  CycleLimit, // a steps / until-halt run reached its cycle limit
  Fault,      // a core faulted; the run stopped at the end of that cycle
  Deadlock,   // the watchdog fired: nothing moved while cores were blocked
  Error,      // the backend could not run (nothing loaded, ...)
};
const char *runStatusName(RunStatus s);

struct RunResult {
  RunStatus status = RunStatus::Error;
  uint64_t cycles = 0;    // cycles simulated since load, when the run returned
  uint64_t ranCycles = 0; // cycles simulated by this call
  uint32_t timestep = 0;  // barriers released since load
  std::string report;     // fault or watchdog report; the error for Error
  /// Halted, CyclesDone and StepsDone are successes; the rest are errors.
  bool ok() const {
    return status == RunStatus::Halted || status == RunStatus::CyclesDone ||
           status == RunStatus::StepsDone;
  }
};

struct BackendOptions {
  uint64_t watchdogCycles = 100000; // quiet cycles before a deadlock; 0 = off
  std::string vcdPath;               // write a VCD trace here; empty = none
  bool progress = false;             // print progress to stderr every 1M cycles
};

/// What every execution backend provides. The chip is stopped between calls:
/// SRAM access is only possible then (the host port, docs/arch.md 10).
class Backend {
public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  /// Loads (boots) an executable; resets cycle, timestep and statistics.
  virtual std::optional<Error> load(const Executable &exe) = 0;
  virtual std::optional<Error> writeSram(uint32_t core, uint32_t address,
                                         const uint8_t *data, size_t size) = 0;
  virtual std::optional<Error> readSram(uint32_t core, uint32_t address,
                                        uint8_t *data, size_t size) const = 0;
  /// Runs `cycles` more cycles (stops early if the chip halts or faults).
  virtual RunResult runCycles(uint64_t cycles) = 0;
  /// Runs until `steps` more barriers have released; the run stops just
  /// before the release cycle, so the host can write the next step's inputs.
  /// `maxCycles` 0 means no limit.
  virtual RunResult runSteps(uint64_t steps, uint64_t maxCycles) = 0;
  /// Runs until every core is halted, idle or faulted.
  virtual RunResult runUntilHalt(uint64_t maxCycles) = 0;
  /// Statistics of the run since load (docs/emulator.md lists the fields).
  /// Deterministic: the same executable and inputs give the same JSON.
  virtual nlohmann::json stats() const = 0;
  /// Every core's state and pc, faults, mailbox and buffer occupancy.
  virtual std::string statusReport() const = 0;
  virtual uint64_t cycle() const = 0;
  virtual uint32_t timestep() const = 0;
};

// ---------------------------------------------------------------- registry

using BackendFactory =
    std::function<Expected<std::unique_ptr<Backend>>(const BackendOptions &)>;
/// Makes a backend available to openBackend under `name` (replaces any
/// factory of that name). Backends provide a register function that tools
/// call, e.g. xpu::emu::registerEmulatorBackend().
void registerBackend(const std::string &name, BackendFactory factory);
Expected<std::unique_ptr<Backend>> openBackend(const std::string &name,
                                               const BackendOptions &options = {});
std::vector<std::string> registeredBackends();

// ---------------------------------------------------------------- I/O values

/// Bytes per element of an I/O dtype (i8, u8, i16, i32), 0 if unknown.
uint32_t dtypeBytes(const std::string &dtype);
/// Little-endian encoding of `values` for `binding`, with range checks and an
/// element-count check (values.size() * dtypeBytes == binding.bytes).
Expected<std::vector<uint8_t>> encodeValues(const IoBinding &binding,
                                            const std::vector<int64_t> &values);
/// The window's elements, sign- or zero-extended per dtype.
std::vector<int64_t> decodeValues(const IoBinding &binding,
                                  const std::vector<uint8_t> &bytes);
/// Parses "1,-2,0x10" (decimal or 0x hex, optional sign) into values.
Expected<std::vector<int64_t>> parseValueList(const std::string &text);

// ---------------------------------------------------------------- device

/// One chip behind a backend, with the loaded executable's named I/O windows.
class Device {
public:
  explicit Device(std::unique_ptr<Backend> backend);
  /// openBackend(name, options) wrapped in a Device.
  static Expected<Device> open(const std::string &backendName,
                               const BackendOptions &options = {});

  std::optional<Error> load(const Executable &exe);
  std::optional<Error> loadFile(const std::string &path);
  bool loaded() const { return exe_ != nullptr; }
  /// Precondition: loaded().
  const Executable &executable() const { return *exe_; }

  const IoBinding *findInput(const std::string &name) const;
  const IoBinding *findOutput(const std::string &name) const;
  /// Writes exactly the window's bytes.
  std::optional<Error> writeInput(const std::string &name,
                                  const std::vector<uint8_t> &bytes);
  /// Writes typed values (one per element of the window's dtype).
  std::optional<Error> writeInputValues(const std::string &name,
                                        const std::vector<int64_t> &values);
  Expected<std::vector<uint8_t>> readOutputBytes(const std::string &name) const;
  Expected<std::vector<int64_t>> readOutput(const std::string &name) const;

  RunResult runCycles(uint64_t cycles);
  RunResult runSteps(uint64_t steps, uint64_t maxCycles = 0);
  RunResult runUntilHalt(uint64_t maxCycles = 0);

  nlohmann::json stats() const;
  std::string statusReport() const;
  uint64_t cycle() const { return backend_->cycle(); }
  uint32_t timestep() const { return backend_->timestep(); }
  Backend &backend() { return *backend_; }

private:
  RunResult notLoaded() const;
  std::unique_ptr<Backend> backend_;
  std::shared_ptr<const Executable> exe_;
};

} // namespace xpu
