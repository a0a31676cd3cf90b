// The emulator's run semantics (EmulatorBackend::run) for the RTL mesh
// drivers (the all-RTL mesh and the mixed mesh): Cycles runs `amount`
// cycles; Steps stops just before the release cycle of the `amount`-th
// barrier release from now; UntilHalt runs until every core halted;
// maxCycles (0 = none) limits Steps and UntilHalt relative to the start.
// Fault, finished and steps are checked after every cycle, in the
// emulator's order.
#pragma once

#include "xpu/Device.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>

namespace xpu::rtl {

enum class RunMode { Cycles, Steps, UntilHalt };

/// Where a Steps run stops: the driver calls released() at every barrier
/// release decision.
struct StepStop {
  std::optional<uint32_t> target;  // timestep that ends the run
  std::optional<uint64_t> stop;    // last cycle of the run, once known
  void released(uint64_t releaseCycle, uint32_t timestep) {
    if (target && timestep >= *target) {
      stop = releaseCycle - 1;
      target.reset();
    }
  }
};

/// What a driver provides to the loop.
struct RunHooks {
  std::function<uint64_t()> cycle;       // cycles simulated since load
  std::function<uint32_t()> timestep;    // barriers released since load
  std::function<void()> step;            // simulate one cycle
  std::function<bool(std::string &)> fault;  // a core faulted in the last cycle (sets the report)
  std::function<bool()> finished;        // every core halted, nothing pending
  std::function<bool(RunResult &)> extraStop;  // optional, e.g. a watchdog (sets status and report)
};

inline RunResult runLoop(const RunHooks &h, StepStop &steps, RunMode mode, uint64_t amount, uint64_t maxCycles) {
  RunResult r;
  const uint64_t start = h.cycle();
  uint64_t limit = std::numeric_limits<uint64_t>::max();
  if (mode == RunMode::Cycles)
    limit = start + amount;
  else if (maxCycles)
    limit = start + maxCycles;
  steps = {};
  if (mode == RunMode::Steps) steps.target = h.timestep() + uint32_t(amount);
  if (mode == RunMode::Steps && amount == 0) {
    r.status = RunStatus::StepsDone;
  } else if (mode == RunMode::Cycles && amount == 0) {
    r.status = RunStatus::CyclesDone;
  } else if (h.finished()) {
    r.status = RunStatus::Halted;
  } else {
    while (true) {
      const uint64_t t = h.cycle();
      h.step();
      if (h.fault(r.report)) {
        r.status = RunStatus::Fault;
        break;
      }
      if (h.finished()) {
        r.status = RunStatus::Halted;
        break;
      }
      if (steps.stop && *steps.stop <= t) {
        steps.stop.reset();
        r.status = RunStatus::StepsDone;
        break;
      }
      if (h.cycle() >= limit) {
        r.status = mode == RunMode::Cycles ? RunStatus::CyclesDone : RunStatus::CycleLimit;
        break;
      }
      if (h.extraStop && h.extraStop(r)) break;
    }
  }
  steps.target.reset();
  r.cycles = h.cycle();
  r.ranCycles = r.cycles - start;
  r.timestep = h.timestep();
  return r;
}

} // namespace xpu::rtl
