// An RTL core + NI as a tile of the SystemC emulator (docs/rtl.md "Mixed
// meshes in xpu-sim"): the Verilated `xpu_tile_core_ni` (--cc model class
// `Model`) evaluated by an SC_METHOD on the mesh clock, on its router's
// Local port of the model network. It implements emu::MeshTile, so the
// emulator's run modes, statistics, VCD, Chrome trace and watchdog see it
// like a model tile (the parts it shares with the whole RTL tile: RtlMeshTile.h).
//
// Cycle t of the method is the per-cycle protocol of the adapter
// (xpu/rtl/RtlCoreNi.h, shared with the plain mixed loop): drive(t), with
// barrier arrival and spawn counting as the model's ChipServices calls; tick
// the tile's router (the mesh dispatches the network hooks of its Local port
// to localEject/localCredit); edge(t).
// The method runs every cycle while the core is live, the NI is not
// quiescent, a boot or barrier release is pending, or the router or
// ejection buffers hold flits; otherwise it sleeps until the network or the
// barrier unit wakes it (MeshTile::wakeAt), like emu::Tile.
#pragma once

#include "xpu/rtl/RtlCoreNi.h"
#include "xpu/rtl/RtlMeshTile.h"

#include <algorithm>
#include <memory>
#include <string>

namespace xpu::rtl {

template <class Model> class RtlCoreNiTile final : public RtlMeshTile {
public:
  SC_HAS_PROCESS(RtlCoreNiTile);
  RtlCoreNiTile(sc_core::sc_module_name name, emu::Mesh &mesh, uint32_t id)
      : RtlMeshTile(name, mesh, id, "ni_busy") {
    SC_METHOD(step);
    // As emu::Tile: the initial activation is cycle 0 of the first load.
  }

  void reset(const ChipDescriptor &chip, emu::Network &network,
             emu::ChipServices &services) override {
    resetTile(chip, network, services);
    cn_ = std::make_unique<RtlCoreNi<Model>>(chip, id_, network, services);
    cn_->setTraceRecorder(recorder_);
    lastStep_ = kNever;
  }

  void deactivate() override {
    cn_.reset();
    deactivateTile();
  }

  void setPolicy(uint32_t mailbox, MailboxPolicy policy, uint32_t) override {
    // The RTL NI's capacity is mailbox_depth; the backend rejects others.
    cn_->setPolicy(mailbox, policy);
  }

  void bootAtLoad(const ProgramImage &image, uint32_t imageIndex) override {
    cn_->load(image, imageIndex);
    live_ = true;
  }

  bool observesLocalPort() const override { return true; }
  void localEject(const emu::Flit &f, uint64_t now) override {
    if (now == lastStep_)
      cn_->localEject(f);
  }
  void localCredit(uint8_t vc, uint64_t now) override {
    if (now == lastStep_)
      cn_->localCredit(vc);
  }

  /// Mailbox occupancy is not a port of the tile; the NI's quiescent_o is.
  std::string describeMailboxes() const override {
    if (cn_->niQuiescent())
      return "";
    return "  core " + std::to_string(id_) +
           " [rtl] NI not quiescent: outbound, reassembly or ejection buffers hold flits "
           "(mailbox contents are not visible at the RTL tile's ports)\n";
  }
  bool outboundBusy() const override { return !cn_->niQuiescent(); }
  void readSram(uint32_t address, uint8_t *data, size_t size) const override {
    cn_->readSram(address, data, size);
  }
  void setTraceRecorder(emu::TraceRecorder *recorder) override {
    RtlMeshTile::setTraceRecorder(recorder);
    if (cn_)
      cn_->setTraceRecorder(recorder);
  }

private:
  uint8_t portState() const override { return cn_->state(); }
  uint8_t portBlock() const override { return cn_->blockReason(); }
  uint8_t portFault() const override { return cn_->faultCode(); }
  uint32_t portPc() const override { return cn_->pc(); }
  bool portBusy() const override { return !cn_->niQuiescent(); }
  size_t lastImage() const override { return cn_->image(); }
  void writePortSram(uint32_t address, const uint8_t *data, size_t size) override {
    cn_->writeSram(address, data, size);
  }
  const emu::NiStats &niStats() const override { return cn_ ? cn_->niStats() : noNiStats_; }
  const emu::CoreStats &retireStats() const override {
    return cn_ ? cn_->retireStats() : noCoreStats_;
  }
  const std::vector<std::string_view> &unavailable() const override {
    return rtlCoreNiUnavailable();
  }

  void step() {
    if (!cn_ || !mesh_.loaded()) {
      next_trigger(wake_);
      return;
    }
    const uint64_t now = mesh_.now();
    if (now == lastStep_) {
      sleep(now);
      return;
    }
    lastStep_ = now;
    ++activations_;
    popWakes(now);
    cycle(now);
    bookkeeping(emu::CoreState(cn_->state()), emu::BlockReason(cn_->blockReason()));
    sleep(now);
  }

  void cycle(uint64_t now) {
    emu::Network &net = *net_;
    cn_->bootLoadedImage(); // the image booted at load: first issue in cycle 0
    started_ = true;
    const bool wasBooting = cn_->booting();
    const CoreNiOutputs out = cn_->drive(now, services_->timestep(), releaseNow(now));
    const uint32_t pcBefore = cn_->model().pc_o;
    const auto stateBefore = emu::CoreState(cn_->state());
    bool active = out.flitMoved;
    if (out.barrierArrive) {
      services_->arriveBarrier(id_, now);
      active = true;
    }
    if (out.spawnPosted)
      services_->spawnPosted();
    if (out.spawnConsumed)
      services_->spawnConsumed();

    // router tick: its Local output / credit this cycle are the NI's inputs
    if (!net.routerIdle(id_)) {
      const emu::NetworkStats &s = net.stats();
      const uint64_t before = s.flitHops + s.bufferWrites + s.flitsEjected;
      net.tickRouter(id_, now);
      active |= s.flitHops + s.bufferWrites + s.flitsEjected != before;
    }
    cn_->edge(now);

    // An instruction issued: the pc moved, or the core left the running
    // state other than by blocking (halt, fault). A blocked recv retrying
    // is not an issue (the model's watchdog definition).
    const auto st = emu::CoreState(cn_->state());
    if (cn_->model().pc_o != pcBefore ||
        (st != stateBefore && st != emu::CoreState::Blocked && st != emu::CoreState::Running))
      active = true;
    accountCycle(now, stateBefore, st, emu::BlockReason(cn_->blockReason()),
                 wasBooting || out.spawnBoot);
    if (active)
      mesh_.noteActivity(now);
  }

  void sleep(uint64_t now) {
    const emu::Network &net = *net_;
    const bool busy = live_ || !cn_->niQuiescent() || cn_->booting() || releasePending_ ||
                      cn_->bootPending() || !net.routerIdle(id_) || net.ejectOccupancy(id_) > 0;
    if (busy) {
      next_trigger(mesh_.clk.posedge_event());
      return;
    }
    const uint64_t requested = nextRequestedWake();
    if (requested != kNever)
      wake_.notify(mesh_.delayTo(std::max(requested, now + 1)));
    next_trigger(wake_);
  }

  std::unique_ptr<RtlCoreNi<Model>> cn_;
  uint64_t lastStep_ = kNever;
  emu::NiStats noNiStats_; // before the first load
  emu::CoreStats noCoreStats_;
};

} // namespace xpu::rtl
