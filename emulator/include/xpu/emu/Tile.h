// One tile of the mesh as a SystemC module: core + network interface + its
// router, evaluated by one SC_METHOD (docs/emulator.md "Structure").
//
// The method runs on the clock's rising edge while the tile has work every
// cycle (flits in its router or ejection buffers, a packet to inject, a core
// polling the NI). Otherwise it sleeps on `wake_`, a timed sc_event notified
// for the next cycle the core or NI needs, or by the network (a flit or
// credit on its way) and the barrier unit. Within a cycle the tile always
// does: NI receive, core tick, NI transmit, router tick; every effect on
// other tiles is timestamped >= now + 1, so tiles may run in any order.
#pragma once

#include "xpu/emu/Core.h"
#include "xpu/emu/NetworkInterface.h"

#include <systemc>

#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <vector>

namespace xpu::emu {

class Mesh;
class TraceRecorder;

class Tile : public sc_core::sc_module {
public:
  SC_HAS_PROCESS(Tile);
  Tile(sc_core::sc_module_name name, Mesh &mesh, uint32_t id);

  /// Rebuilds the core and NI for a new load (the network is the mesh's).
  void reset(const ChipDescriptor &chip, Network &network, ChipServices &services);
  /// Boots the core's program at load (startCycle 0).
  void bootAtLoad(const ProgramImage &image);
  /// Wakes the tile's method at model cycle `cycle` (>= the next cycle).
  void wakeAt(uint64_t cycle);
  /// Brings stall counters of a blocked core up to `lastCycle` (end of run).
  void settle(uint64_t lastCycle);
  /// Registers the tile's state variables with a VCD trace file.
  void trace(sc_core::sc_trace_file *tf);
  /// Records this tile's timeline into `recorder` (nullptr: off, the default).
  void setTraceRecorder(TraceRecorder *recorder) { recorder_ = recorder; }

  uint32_t id() const { return id_; }
  Core &core() { return *core_; }
  const Core &core() const { return *core_; }
  NetworkInterface &ni() { return *ni_; }
  const NetworkInterface &ni() const { return *ni_; }
  bool live() const { return live_; }
  /// SC_METHOD activations that did work (for the speed figures).
  uint64_t activations() const { return activations_; }
  /// First cycle after the busy cycles of the last instruction issued
  /// (statistics clip an instruction still executing at the end of a run).
  uint64_t busyEnd() const { return busyEnd_; }

private:
  void step();
  /// One cycle of NI receive, core tick, NI transmit, router tick; the
  /// Traced instantiation also feeds the trace recorder.
  template <bool Traced> void cycle(uint64_t now);
  void traceCore(uint64_t now, uint32_t pc);
  void sleep(uint64_t now);
  void bookkeeping(uint64_t now);

  Mesh &mesh_;
  uint32_t id_;
  std::unique_ptr<NetworkInterface> ni_;
  std::unique_ptr<Core> core_;
  sc_core::sc_event wake_;
  std::priority_queue<uint64_t, std::vector<uint64_t>, std::greater<uint64_t>> wakes_;
  uint64_t lastStep_ = UINT64_MAX;
  bool live_ = false;
  bool faultSeen_ = false;
  uint64_t activations_ = 0;
  uint64_t busyEnd_ = 0;
  // VCD-traced mirrors of the tile's state (written only when tracing).
  bool tracing_ = false;
  TraceRecorder *recorder_ = nullptr; // Chrome trace (Trace.h); nullptr = off
  unsigned traceState_ = 0, tracePc_ = 0, traceMailboxes_ = 0, traceOutbound_ = 0;
};

} // namespace xpu::emu
