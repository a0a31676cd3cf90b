// The mesh network: every router and link of a chip, and the Local-port
// interface the network interfaces (or traffic sources) use.
//
// Cycle semantics (docs/arch.md section 5): everything a component does at
// cycle `now` becomes visible to others at `now + 1` or later (flits and
// credits are timestamped), so routers may be ticked in any order within a
// cycle. This is what lets each tile's SC_METHOD tick its own router.
#pragma once

#include "xpu/ChipDescriptor.h"
#include "xpu/Executable.h"
#include "xpu/Packet.h"
#include "xpu/emu/Flit.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace xpu::emu {

/// Counters kept by the network. Per-link counters are indexed
/// [router][port] for the router's *output* ports (Local = ejection).
struct NetworkStats {
  uint64_t flitsInjected = 0;
  uint64_t flitsEjected = 0;
  uint64_t flitHops = 0;            // router-to-router link traversals
  uint64_t bufferWrites = 0;        // flits written into router input buffers
  std::vector<std::array<uint64_t, kNumPorts>> linkFlits;
};

class Router;

class Network {
public:
  /// Builds routers, links and multicast tables (XY trees from `groups`).
  /// Throws nothing; groups must already be validated (validateExecutable).
  Network(const ChipDescriptor &chip, const std::vector<MulticastGroup> &groups);
  ~Network();
  Network(const Network &) = delete;
  Network &operator=(const Network &) = delete;

  const ChipDescriptor &chip() const { return chip_; }
  uint32_t numRouters() const { return chip_.numCores(); }

  // ---- Local-port interface for the NI of core `core`, at cycle `now` ----
  /// Credits the NI holds for the router's Local input buffer of `vc`.
  uint32_t injectCredits(uint32_t core, uint8_t vc) const;
  /// Sends a flit into the Local input port (arrives at now + 1).
  /// Precondition: injectCredits(core, f.vc) > 0.
  void inject(uint32_t core, const Flit &f, uint64_t now);
  /// The oldest flit in the NI's ejection buffer for `vc` that has arrived by
  /// `now`, or nullptr.
  const Flit *ejectFront(uint32_t core, uint8_t vc, uint64_t now) const;
  /// Removes that flit; its credit reaches the router at now + 1.
  void ejectPop(uint32_t core, uint8_t vc, uint64_t now);

  // ---- clocking ----
  /// Evaluates router `r` for cycle `now` (allocation and switch traversal).
  void tickRouter(uint32_t r, uint64_t now);
  /// Ticks every router for cycle `now`.
  void tick(uint64_t now);
  /// True if router `r` holds no flit and expects none: it can sleep.
  bool routerIdle(uint32_t r) const;
  /// Called whenever a flit or credit is scheduled to reach router `r` (or
  /// the ejection buffer of core `r`) at cycle `when`; the SystemC tile uses
  /// it to wake its SC_METHOD. Optional.
  void setWakeCallback(std::function<void(uint32_t r, uint64_t when)> cb);

  /// No flit anywhere: router buffers, links, ejection buffers.
  bool quiescent() const;
  const NetworkStats &stats() const { return stats_; }
  /// Human-readable occupancy of every non-empty buffer (watchdog dump).
  std::string describeBuffers() const;

private:
  ChipDescriptor chip_;
  NetworkStats stats_;
  std::vector<std::unique_ptr<Router>> routers_;
  std::function<void(uint32_t, uint64_t)> wake_;
  // The implementation owns links, ejection buffers, credit counters.
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The per-router multicast table entries (5-bit output-port masks) that the
/// XY trees of `groups` need: result[router][group] (0 = no entry).
std::vector<std::vector<uint8_t>> buildMulticastTables(
    const ChipDescriptor &chip, const std::vector<MulticastGroup> &groups);

} // namespace xpu::emu
