// A whole RTL tile (Verilated xpu_tile: router + NI + core, through the
// WholeTile adapter of RtlWholeTile.h) as a tile of the SystemC emulator
// (docs/rtl.md "Mixed meshes in xpu-sim"). Its router is an external router
// of the mesh's model network (Network::setExternalRouter, at each load).
//
// The adapter's cycle has two phases with an order constraint: drive(t)
// (link outputs) of every whole tile before receive(t) of an RTL neighbour,
// and receive(t) after every model router adjacent to it ticked for t. So
// the tile has two methods: `front` on the rising edge of cycle t calls
// drive(t), like the model tiles' methods that tick their routers at that
// edge; `back`, a quarter period later (before the mesh's end-of-cycle
// monitor at the falling edge), calls receive(t) and edge(t), then the
// bookkeeping of emu::Tile, and re-arms `front` for t + 1 while the tile has
// work. An idle tile sleeps; the network wakes it one cycle before a flit
// arrives (the adapter takes a link's flit in the cycle it is on the link).
#pragma once

#include "xpu/rtl/RtlMeshTile.h"
#include "xpu/rtl/RtlWholeTile.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace xpu::rtl {

/// Statistics keys a whole RTL tile cannot measure: those of the core + NI
/// tile (rtlCoreNiUnavailable) and the router's energy (its traversals
/// happen inside the RTL router, not in the network model's counters).
inline const std::vector<std::string_view> &rtlWholeUnavailable() {
  static const std::vector<std::string_view> keys = [] {
    std::vector<std::string_view> k = rtlCoreNiUnavailable();
    k.push_back("router_energy_pj");
    return k;
  }();
  return keys;
}

/// `Model`: the Verilated xpu_tile of the mesh size (Vxpu_tile_2x2, ...).
template <class Model> class RtlWholeMeshTile final : public RtlMeshTile {
public:
  SC_HAS_PROCESS(RtlWholeMeshTile);
  RtlWholeMeshTile(sc_core::sc_module_name name, emu::Mesh &mesh, uint32_t id)
      : RtlMeshTile(name, mesh, id, "tile_busy") {
    wakeLead_ = 1;
    SC_METHOD(front);
    SC_METHOD(back);
    sensitive << late_;
    dont_initialize();
  }

  void reset(const ChipDescriptor &chip, emu::Network &network,
             emu::ChipServices &services) override {
    resetTile(chip, network, services);
    // The new network of this load: bind before any traffic.
    tile_ = std::make_unique<RtlWholeTile<Model>>(chip, id_, network);
    tile_->load(mesh_.executable());
    lastDrive_ = kNever;
    bootPending_ = connected_ = wholePeer_ = false;
    image_ = SIZE_MAX;
  }
  void deactivate() override {
    tile_.reset();
    deactivateTile();
  }
  /// The adapter's load() wrote this core's policies.
  void setPolicy(uint32_t, MailboxPolicy, uint32_t) override {}
  /// The adapter's load() wrote the image; boot_i rises before cycle 0.
  void bootAtLoad(const ProgramImage &, uint32_t imageIndex) override {
    bootPending_ = true;
    image_ = imageIndex;
    live_ = true;
  }

  std::string describeMailboxes() const override {
    if (tile_->quiescent())
      return "";
    return "  core " + std::to_string(id_) +
           " [rtl] router, NI or links not quiescent (buffer contents are not visible at the "
           "RTL tile's ports)\n";
  }
  /// Flits in the RTL router, NI or links count as the NI's part of arch.md 8.
  bool outboundBusy() const override { return !tile_->quiescent(); }
  void readSram(uint32_t address, uint8_t *data, size_t size) const override {
    tile_->readSram(address, data, size);
  }

  /// Router protocol errors the RTL router reported (router_err_o).
  uint32_t routerErrors() const { return tile_ ? tile_->routerErrors() : 0; }

private:
  uint8_t portState() const override { return tile_->state(); }
  uint8_t portBlock() const override { return tile_->blockReason(); }
  uint8_t portFault() const override { return tile_->faultCode(); }
  uint32_t portPc() const override { return tile_->pc(); }
  bool portBusy() const override { return !tile_->quiescent(); }
  size_t lastImage() const override { return image_; }
  void writePortSram(uint32_t address, const uint8_t *data, size_t size) override {
    tile_->writeSram(address, data, size);
  }
  const emu::NiStats &niStats() const override { return tile_ ? tile_->niStats() : noNiStats_; }
  const emu::CoreStats &retireStats() const override {
    return tile_ ? tile_->retireStats() : noCoreStats_;
  }
  const std::vector<std::string_view> &unavailable() const override {
    return rtlWholeUnavailable();
  }

  /// Adjacent whole tiles of this load talk through the adapters' links.
  void connectNeighbours() {
    const uint32_t x = chip_.coreX(id_), y = chip_.coreY(id_);
    auto link = [&](uint8_t port, bool exists, uint32_t nx, uint32_t ny) {
      if (!exists)
        return;
      if (auto *n = dynamic_cast<RtlWholeMeshTile *>(&mesh_.tile(chip_.coreId(nx, ny)))) {
        tile_->connect(port, *n->tile_);
        wholePeer_ = true;
      }
    };
    link(1, x + 1 < chip_.width, x + 1, y);  // East
    link(2, x > 0, x - 1, y);                // West
    link(3, y > 0, x, y - 1);                // North
    link(4, y + 1 < chip_.height, x, y + 1); // South
    connected_ = true;
  }

  void front() {
    next_trigger(wake_);
    if (!tile_ || !mesh_.loaded())
      return;
    const uint64_t now = mesh_.now();
    if (now == lastDrive_)
      return; // woken twice in one cycle: the cycle is under way
    lastDrive_ = now;
    ++activations_;
    popWakes(now);
    if (!connected_)
      connectNeighbours();
    if (bootPending_) { // the image booted at load: first issue in cycle 0
      tile_->bootLoadedImage();
      bootPending_ = false;
    }
    started_ = true;
    pcBefore_ = tile_->pc();
    stateBefore_ = emu::CoreState(tile_->state());
    wasBooting_ = tile_->booting();
    const emu::NetworkStats &s = net_->stats();
    netBefore_ = s.bufferWrites + s.flitHops;
    const WholeTileOutputs out = tile_->drive(now, services_->timestep(), releaseNow(now));
    arrived_ = out.barrierArrive;
    if (tile_->model().spawn_req_o) // the image being booted (status lines)
      image_ = tile_->model().spawn_image_o;
    if (out.barrierArrive)
      services_->arriveBarrier(id_, now);
    if (out.spawnPosted)
      services_->spawnPosted();
    if (out.spawnConsumed)
      services_->spawnConsumed();
    late_.notify(mesh_.clk.period() / 4);
  }

  void back() {
    if (!tile_ || lastDrive_ == kNever)
      return;
    const uint64_t now = lastDrive_;
    tile_->receive(now);
    tile_->edge(now);
    const auto st = emu::CoreState(tile_->state());
    const auto block = emu::BlockReason(tile_->blockReason());
    // Activity for the watchdog: an instruction issued (pc moved, halt or
    // fault, a barrier arrival) or a flit entered the model network from
    // this tile's links (flits inside the RTL router are not visible).
    const emu::NetworkStats &s = net_->stats();
    if (tile_->pc() != pcBefore_ || arrived_ || s.bufferWrites + s.flitHops != netBefore_ ||
        (st != stateBefore_ && st != emu::CoreState::Blocked && st != emu::CoreState::Running))
      mesh_.noteActivity(now);
    accountCycle(now, stateBefore_, st, block, wasBooting_ || tile_->booting());
    bookkeeping(st, block);
    // Work next cycle? Otherwise sleep until the network or barrier wakes us.
    // A tile with a whole RTL neighbour never sleeps: their direct link
    // bypasses the network (no wake-up), and a sleeping adapter would keep
    // presenting its last link outputs.
    // Credits owed to the tile (Network::externalIdle) are due on its links
    // in a given cycle, like flits: stay awake for them too.
    const bool busy = live_ || tile_->booting() || releasePending_ || !tile_->quiescent() ||
                      !net_->externalIdle(id_) || wholePeer_;
    if (busy) {
      wake_.notify(mesh_.delayTo(now + 1));
    } else {
      const uint64_t requested = nextRequestedWake();
      if (requested != kNever)
        wake_.notify(mesh_.delayTo(std::max(requested, now + 1)));
    }
  }

  std::unique_ptr<RtlWholeTile<Model>> tile_;
  sc_core::sc_event late_;
  uint64_t lastDrive_ = kNever;
  bool bootPending_ = false, connected_ = false, arrived_ = false, wasBooting_ = false;
  bool wholePeer_ = false;
  size_t image_ = SIZE_MAX;
  uint32_t pcBefore_ = 0;
  emu::CoreState stateBefore_ = emu::CoreState::Idle;
  uint64_t netBefore_ = 0;
  // Before the first load. The adapter's NiStats hold the dropped counters
  // only: the NI's Local port is inside the RTL.
  emu::NiStats noNiStats_;
  emu::CoreStats noCoreStats_;
};

} // namespace xpu::rtl
