// What the two RTL tiles of the SystemC emulator (RtlCoreNiTile.h: a
// Verilated core + NI; RtlWholeMeshTile.h: a whole Verilated tile) share as
// emu::MeshTiles: the state and pc the model defines around a barrier
// release, the status line, the host-write rule, statistics, VCD and trace
// hooks, and emu::Tile's per-cycle bookkeeping (liveness, faults, barrier
// leave). Each tile keeps its own SystemC processes and wake-up rules; it
// reports its adapter's status ports through the port*() hooks.
#pragma once

#include "xpu/emu/Mesh.h"
#include "xpu/emu/MeshTile.h"
#include "xpu/emu/Network.h"
#include "xpu/emu/Trace.h"
#include "xpu/rtl/RtlTileStatus.h"

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xpu::rtl {

class RtlMeshTile : public emu::MeshTile {
public:
  /// `busyTrace`: the VCD name of portBusy() ("ni_busy", "tile_busy").
  RtlMeshTile(sc_core::sc_module_name name, emu::Mesh &mesh, uint32_t id,
              std::string busyTrace)
      : MeshTile(name, mesh, id), busyTrace_(std::move(busyTrace)) {}

  std::string_view implementation() const override { return "rtl"; }

  void releaseBarrier(uint64_t cycle) override {
    releasePending_ = true;
    releaseCycle_ = cycle;
  }

  // ---- state, as the model defines it (docs/rtl.md "The chip driver") ----
  emu::CoreState state() const override {
    return releasePending_ ? emu::CoreState::Running : emu::CoreState(portState());
  }
  uint32_t pc() const override { return releasePending_ ? portPc() + 1 : portPc(); }
  sem::Fault faultCode() const override { return sem::Fault(portFault()); }
  bool live() const override { return live_; }
  std::string describe() const override {
    const size_t image = lastImage();
    const ProgramImage *img = image == SIZE_MAX ? nullptr : services_->image(uint32_t(image));
    return describeRtlCore(chip_, id_, state(), emu::BlockReason(portBlock()), faultCode(), pc(),
                           img);
  }

  // ---- host ----
  std::optional<Error> writeSram(uint32_t address, const uint8_t *data, size_t size) override {
    // Only before the core boots: a host edge later would also clock the
    // running core.
    if (started_ && size)
      return Error{"RTL tile " + std::to_string(id_) +
                   ": host SRAM writes only before the first run"};
    writePortSram(address, data, size);
    return std::nullopt;
  }

  // ---- observation ----
  emu::TileCounters counters() const override {
    emu::TileCounters c;
    // The adapter's retire counters with this tile's cycle accounting.
    counted_ = retireStats();
    counted_.busyCycles = coreStats_.busyCycles;
    counted_.stallCycles = coreStats_.stallCycles;
    c.core = &counted_;
    c.ni = &niStats();
    c.unavailable = unavailable();
    return c;
  }
  void trace(sc_core::sc_trace_file *tf) override {
    tracing_ = true;
    const std::string n = name();
    sc_core::sc_trace(tf, traceState_, n + ".state");
    sc_core::sc_trace(tf, tracePc_, n + ".pc");
    sc_core::sc_trace(tf, traceBusy_, n + "." + busyTrace_);
  }
  void setTraceRecorder(emu::TraceRecorder *recorder) override { recorder_ = recorder; }

protected:
  static constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

  // ---- the adapter's status ports (valid between reset and deactivate) ----
  virtual uint8_t portState() const = 0;  // emu::CoreState
  virtual uint8_t portBlock() const = 0;  // emu::BlockReason
  virtual uint8_t portFault() const = 0;  // sem::Fault
  virtual uint32_t portPc() const = 0;    // the boot pc while booting
  virtual bool portBusy() const = 0;      // flits inside the RTL (VCD)
  virtual size_t lastImage() const = 0;   // the image last booted, SIZE_MAX if none
  virtual void writePortSram(uint32_t address, const uint8_t *data, size_t size) = 0;
  virtual const emu::NiStats &niStats() const = 0;
  virtual const emu::CoreStats &retireStats() const = 0;  // instructions, by_class, messages
  virtual const std::vector<std::string_view> &unavailable() const = 0;

  /// The shared part of MeshTile::reset (the adapter is the tile's).
  void resetTile(const ChipDescriptor &chip, emu::Network &network,
                 emu::ChipServices &services) {
    chip_ = chip;
    net_ = &network;
    services_ = &services;
    clearWakes();
    activations_ = 0;
    live_ = faultSeen_ = started_ = releasePending_ = false;
    releaseCycle_ = 0;
    coreStats_ = emu::CoreStats{};
    stalls_ = {};
  }
  /// The shared part of MeshTile::deactivate.
  void deactivateTile() {
    clearWakes();
    live_ = false;
    recorder_ = nullptr;
  }
  /// The barrier release of cycle `now` is driven on bar_release_i.
  bool releaseNow(uint64_t now) const { return releasePending_ && releaseCycle_ == now; }

  /// After the edge of cycle `now`: the model's cycle accounting and stall
  /// spans (`booting`: a boot window was in progress or started).
  void accountCycle(uint64_t now, emu::CoreState before, emu::CoreState after,
                    emu::BlockReason block, bool booting) {
    if (releaseNow(now))
      releasePending_ = false;
    accountRtlCycle(coreStats_, before, after, block, booting);
    if (recorder_)
      stalls_.update(*recorder_, id_, now, state(), block);
  }

  /// emu::Tile::bookkeeping: liveness, a new fault, a core that left a
  /// barrier it had arrived at, and the VCD signals.
  void bookkeeping(emu::CoreState st, emu::BlockReason block) {
    const bool live = st == emu::CoreState::Running || st == emu::CoreState::Blocked;
    if (live != live_) {
      live_ = live;
      mesh_.liveChanged(live);
    }
    if (st == emu::CoreState::Faulted) {
      if (!faultSeen_) {
        faultSeen_ = true;
        mesh_.noteFault(id_);
      }
    } else {
      faultSeen_ = false;
    }
    const bool atBarrier = st == emu::CoreState::Blocked && block == emu::BlockReason::Barrier;
    if (mesh_.barrier().waiting(id_) && !atBarrier && !releasePending_) {
      mesh_.barrierLeave(id_);
      mesh_.requestCheck();
    }
    if (tracing_) {
      traceState_ = unsigned(state());
      tracePc_ = pc();
      traceBusy_ = portBusy();
    }
  }

  ChipDescriptor chip_;
  emu::Network *net_ = nullptr;
  emu::ChipServices *services_ = nullptr;
  bool live_ = false, faultSeen_ = false, started_ = false;
  bool releasePending_ = false;
  uint64_t releaseCycle_ = 0;
  emu::CoreStats coreStats_;
  emu::TraceRecorder *recorder_ = nullptr;

private:
  std::string busyTrace_;
  RtlStallTracer stalls_;
  mutable emu::CoreStats counted_;  // counters()'s view
  bool tracing_ = false;
  unsigned traceState_ = 0, tracePc_ = 0, traceBusy_ = 0;
};

} // namespace xpu::rtl
