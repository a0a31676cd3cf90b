// The chip-level timestep barrier (docs/arch.md section 8).
//
// Plain C++. Cores arrive during a cycle; at the end of each cycle the mesh
// asks endOfCycle() whether the release condition holds: every live core
// (not halted, idle or faulted) is at the barrier, at least one is, and the
// network is quiescent. When it first holds at cycle n the barrier releases
// at n + effectiveBarrierLatency(). Only counters are compared on the hot
// path; the quiescence test (a scan) runs only once every live core waits.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace xpu::emu {

class BarrierUnit {
public:
  void reset(uint32_t numCores, uint32_t latency);

  /// Core `core` executed `barrier` (its instruction issued at `now`).
  void arrive(uint32_t core);
  /// Core `core` stopped waiting without a release (it faulted).
  void leave(uint32_t core);
  bool waiting(uint32_t core) const { return waiting_[core] != 0; }
  uint32_t waitingCount() const { return count_; }
  /// True if some core waits (the mesh then checks every cycle).
  bool armed() const { return count_ > 0; }

  struct Release {
    uint64_t cycle;                // first cycle the released cores issue in
    std::vector<uint32_t> cores;   // the cores released, ascending
  };
  /// End of cycle `now`: releases if every one of `liveCores` waits and
  /// `quiescent()` holds. Increments the timestep on release.
  std::optional<Release> endOfCycle(uint64_t now, uint32_t liveCores,
                                    const std::function<bool()> &quiescent);

  uint32_t timestep() const { return timestep_; }
  uint32_t latency() const { return latency_; }
  /// Cycle of the last release (meaningful if timestep() > 0).
  uint64_t lastRelease() const { return lastRelease_; }

private:
  std::vector<uint8_t> waiting_;
  uint32_t count_ = 0;
  uint32_t latency_ = 1;
  uint32_t timestep_ = 0;
  uint64_t lastRelease_ = 0;
};

} // namespace xpu::emu
