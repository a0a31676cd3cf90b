// One tile of the mesh as a SystemC module: the model's core + network
// interface + its router, evaluated by one SC_METHOD (docs/emulator.md
// "Structure"); the MeshTile implementation every tile uses unless the
// mesh's tile factory supplies another.
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
#include "xpu/emu/MeshTile.h"
#include "xpu/emu/NetworkInterface.h"

#include <systemc>

#include <cstdint>
#include <memory>
#include <vector>

namespace xpu::emu {

class Mesh;
class TraceRecorder;

class Tile final : public MeshTile {
public:
  SC_HAS_PROCESS(Tile);
  Tile(sc_core::sc_module_name name, Mesh &mesh, uint32_t id);

  std::string_view implementation() const override { return "model"; }
  void reset(const ChipDescriptor &chip, Network &network, ChipServices &services) override;
  void deactivate() override;
  void setPolicy(uint32_t mailbox, MailboxPolicy policy, uint32_t capacity) override {
    ni_->setPolicy(mailbox, policy, capacity);
  }
  void bootAtLoad(const ProgramImage &image, uint32_t imageIndex) override;
  void releaseBarrier(uint64_t cycle) override { core_->releaseBarrier(cycle); }
  void settle(uint64_t lastCycle) override;

  CoreState state() const override { return core_->state(); }
  uint32_t pc() const override { return core_->pc(); }
  sem::Fault faultCode() const override { return core_->faultCode(); }
  bool live() const override { return live_; }
  std::string describe() const override { return core_->describe(); }
  std::string describeMailboxes() const override { return ni_->describeMailboxes(); }
  bool outboundBusy() const override { return ni_->outboundBusy(); }
  std::optional<Error> writeSram(uint32_t address, const uint8_t *data, size_t size) override;
  void readSram(uint32_t address, uint8_t *data, size_t size) const override;
  TileCounters counters() const override;
  void trace(sc_core::sc_trace_file *tf) override;
  void setTraceRecorder(TraceRecorder *recorder) override { recorder_ = recorder; }

  Core &core() { return *core_; }
  const Core &core() const { return *core_; }
  NetworkInterface &ni() { return *ni_; }
  const NetworkInterface &ni() const { return *ni_; }
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

  std::unique_ptr<NetworkInterface> ni_;
  std::unique_ptr<Core> core_;
  uint64_t lastStep_ = UINT64_MAX;
  bool live_ = false;
  bool faultSeen_ = false;
  uint64_t busyEnd_ = 0;
  // VCD-traced mirrors of the tile's state (written only when tracing).
  bool tracing_ = false;
  TraceRecorder *recorder_ = nullptr; // Chrome trace (Trace.h); nullptr = off
  unsigned traceState_ = 0, tracePc_ = 0, traceMailboxes_ = 0, traceOutbound_ = 0;
};

} // namespace xpu::emu
