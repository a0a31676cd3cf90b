// A whole RTL tile (Verilated xpu_tile: router + NI + core) as one tile of a
// model network (docs/rtl.md "Mixed meshes", stage 2): the tile's router is
// an external router of emu::Network (docs/noc.md 1.7), so its links to
// model neighbours go through Network::takeExternalFlit / externalFlit and
// the credit calls, and its Local port, NI and core are all inside the RTL.
//
// Independent of any run loop: the owner calls, for every chip cycle t,
//   1. drive(t, ...)    chip inputs of t, evaluate (clk low); link outputs of
//                       t (registered state) to the network and to RTL
//                       neighbours; returns what the core did (barrier
//                       arrival, spawn counting);
//   2. receive(t)       after every model router adjacent to this tile has
//                       been ticked for t (with L = 1 a link is a wire): link
//                       inputs of t from the network and from RTL neighbours;
//   3. edge(t)          rising edge (and the boot ROM's SRAM clear).
// Step 1 of every tile comes before step 2 of any tile that is its RTL
// neighbour (links between two whole RTL tiles do not pass through the
// network: connect() wires them here, with L - 1 register stages as in the
// all-RTL mesh). The owner keeps the chip-level parts: barrier unit,
// finished / quiescence tests, release cycles (as emu::Mesh::endOfCycle).
//
// The network side allows an event-driven owner to skip cycles of an idle
// tile: nothing is due on its links while Network::externalIdle(id) holds,
// and the wake callback fires for this tile's id when a flit is queued
// towards it (`when` = its arrival; on the link during when - 1). Whether
// the RTL tile itself may skip edges (its cycle_i, a halted core) is the
// owner's call; MixedMesh evaluates every tile every cycle.
//
// The host port (load, SRAM, multicast table, policies) clocks this tile
// alone, outside chip time (docs/rtl.md "Load and host access").
#pragma once

#include "xpu/ChipDescriptor.h"
#include "xpu/Executable.h"
#include "xpu/Multicast.h"
#include "xpu/emu/Network.h"
#include "xpu/rtl/BootRom.h"
#include "xpu/rtl/FlitLink.h"
#include "xpu/rtl/RtlHostPort.h"
#include "xpu/rtl/RtlTileStatus.h"

#include <array>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace xpu::rtl {

/// What a whole tile's core did during a cycle (chip services).
struct WholeTileOutputs {
  bool barrierArrive = false;
  bool spawnPosted = false;    // a spawn packet left this core (in flight)
  bool spawnConsumed = false;  // a spawn packet was consumed here
};

/// The run-loop-independent interface of a whole RTL tile (any mesh size).
class WholeTile {
public:
  virtual ~WholeTile() = default;
  // ---- host port, outside chip time ----
  /// Reset, identity straps, chip services, this router's multicast table,
  /// the mailbox policies of this core, and its image if it has one (booted
  /// by boot() before the first cycle).
  virtual void load(const Executable &exe) = 0;
  /// Raises boot_i for the image loaded by load() (one host edge), so the
  /// first instruction issues in the next chip cycle. No-op without one.
  virtual void bootLoadedImage() = 0;
  /// Loader-port SRAM write (one edge per 8-byte word). The caller ensures
  /// the chip is stopped (arch.md 10).
  virtual void writeSram(uint32_t address, const uint8_t *data, size_t size) = 0;
  virtual void readSram(uint32_t address, uint8_t *data, size_t size) const = 0;
  virtual std::vector<uint8_t> sram() const = 0;
  // ---- one chip cycle ----
  virtual WholeTileOutputs drive(uint64_t now, uint32_t timestep, bool barrierRelease) = 0;
  virtual void receive(uint64_t now) = 0;
  virtual void edge(uint64_t now) = 0;
  /// Links to an adjacent whole RTL tile (both directions, both tiles).
  virtual void connect(uint8_t port, WholeTile &neighbour) = 0;
  // ---- status (after edge) ----
  virtual uint8_t state() const = 0;        // emu::CoreState (booting = running)
  virtual uint8_t blockReason() const = 0;  // emu::BlockReason
  virtual uint8_t faultCode() const = 0;    // sem::Fault
  virtual uint32_t pc() const = 0;          // the boot pc while booting
  virtual bool booting() const = 0;         // a spawn boot in progress
  /// No flit in the tile's router or NI, on its link stages to RTL
  /// neighbours, or queued in the network towards it: the tile's part of the
  /// chip's network condition (arch.md 8). Credits still travelling do not
  /// count (as in the model); an owner that lets idle tiles sleep also needs
  /// Network::externalIdle(id) (no credit owed to the tile).
  virtual bool quiescent() const = 0;
  virtual uint32_t routerErrors() const = 0;
  virtual uint32_t id() const = 0;
  // ---- statistics ----
  /// Retired instructions (countRetire); the cycle accounting is the owner's.
  virtual const emu::CoreStats &retireStats() const = 0;
  /// The NI's dropped counters (readDropped); the Local port is inside.
  virtual const emu::NiStats &niStats() const = 0;

protected:
  // Link outputs of this tile towards RTL neighbours as they reach them
  // this cycle (after the L - 1 stages), per port 1..4.
  struct LinkOut {
    std::array<LinkFlit, 5> flit{};
    std::array<LinkCredit, 5> credit{};
  };
  virtual const LinkOut &linkToNeighbours() const = 0;
  static const LinkOut &linkOf(const WholeTile &t) { return t.linkToNeighbours(); }
};

/// Whole tile over Verilated xpu_tile model `Model` (Vxpu_tile_2x2, ...).
template <class Model> class RtlWholeTile final : public WholeTile {
public:
  /// Binds to router `id` of `net`, which this makes external (before any
  /// traffic). `net` and the images of the executable passed to load()
  /// must outlive the tile.
  RtlWholeTile(const ChipDescriptor &chip, uint32_t id, emu::Network &net)
      : chip_(chip), id_(id), net_(net), m_(std::make_unique<Model>()) {
    net_.setExternalRouter(id);
    for (uint8_t p = 1; p < 5; ++p) {
      pipe_[p].flits.assign(chip.linkLatency - 1, {});
      pipe_[p].credits.assign(chip.linkLatency - 1, {});
    }
  }
  ~RtlWholeTile() override { m_->final(); }

  Model &model() { return *m_; }
  uint32_t id() const override { return id_; }

  void load(const Executable &exe) override {
    images_ = &exe.images;
    Model &m = *m_;
    resetTile(m, chip_, id_);
    auto &s = sramRef();
    for (uint32_t a = 0; a < chip_.sramBytes; ++a) s[a] = 0;
    strapChipServices(m, exe, id_);
    const auto tables = buildMulticastTables(chip_, exe.multicastGroups, exe.multicastRoutes);
    if (id_ < tables.size()) multicastTableEdges(m, tables[id_]);
    for (const MailboxConfig &c : exe.mailboxPolicies)
      if (c.core == id_)
        policyEdge(m, c.mailbox, c.policy);
    bootImage_.reset();
    image_.reset();
    retireStats_ = {};
    niStats_ = {};
    for (const CoreAssignment &a : exe.cores)
      if (a.core == id_) {
        loadImage(m, exe.images[a.image]);
        bootImage_ = image_ = a.image;
      }
  }

  void bootLoadedImage() override {
    if (bootImage_) bootEdge(*m_, (*images_)[*bootImage_].entry);
  }

  void writeSram(uint32_t address, const uint8_t *data, size_t size) override {
    writeSramWords(*m_, sramRef(), address, data, size);
  }
  void readSram(uint32_t address, uint8_t *data, size_t size) const override {
    const auto &s = sramRef();
    for (size_t j = 0; j < size; ++j) data[j] = s[address + j];
  }
  std::vector<uint8_t> sram() const override {
    std::vector<uint8_t> v(chip_.sramBytes);
    readSram(0, v.data(), v.size());
    return v;
  }

  // ---- one chip cycle ----
  WholeTileOutputs drive(uint64_t now, uint32_t timestep, bool barrierRelease) override {
    Model &m = *m_;
    m.clk_i = 0;
    m.cycle_i = uint32_t(now);
    m.timestep_i = timestep;
    m.bar_release_i = barrierRelease;
    rom_.drive(m, now);
    m.eval();
    // Link outputs of cycle `now` (registered state of the router).
    for (uint8_t p = 1; p < 5; ++p) {
      const LinkFlit f = outFlit(p);
      const LinkCredit c = outCredit(p);
      if (peer_[p]) {
        // RTL neighbour: through L - 1 register stages.
        Pipe &pp = pipe_[p];
        LinkFlit fo = f;
        LinkCredit co = c;
        if (!pp.flits.empty()) {
          pp.flits.push_front(f);
          fo = pp.flits.back();
          pp.flits.pop_back();
          pp.credits.push_front(c);
          co = pp.credits.back();
          pp.credits.pop_back();
        }
        toPeers_.flit[p] = fo;
        toPeers_.credit[p] = co;
        continue;
      }
      if (f.valid) net_.externalFlit(id_, p, emuFlitOf(f), now);
      if (c.valid) net_.externalCredit(id_, p, c.vc, now);
    }
    if (m.retire_o)
      countRetire(retireStats_, image_ ? &(*images_)[*image_] : nullptr, m.retire_pc_o);
    WholeTileOutputs out;
    out.barrierArrive = m.bar_arrive_o;
    out.spawnPosted = m.spawn_posted_o;
    out.spawnConsumed = m.spawn_consumed_o;
    spawnReq_ = m.spawn_req_o;
    if (spawnReq_) {
      if (!images_ || m.spawn_image_o >= images_->size())
        throw std::logic_error("RTL tile " + std::to_string(id_) + ": spawn of image " +
                               std::to_string(m.spawn_image_o) + " which does not exist");
      rom_.start((*images_)[m.spawn_image_o], m.spawn_arg_o, now);
      image_ = m.spawn_image_o;
    }
    return out;
  }

  void receive(uint64_t now) override {
    Model &m = *m_;
    for (uint8_t p = 1; p < 5; ++p) {
      LinkFlit f;
      LinkCredit c;
      if (peer_[p]) {
        const LinkOut &o = linkOf(*peer_[p]);
        f = o.flit[opposite(p)];
        c = o.credit[opposite(p)];
      } else if (hasNeighbour(p)) {
        emu::Flit ef;
        if (net_.takeExternalFlit(id_, p, now, ef)) f = linkFlitOf(ef);
        uint8_t vc = 0;
        if (net_.takeExternalCredit(id_, p, now, vc)) c = {true, vc};
      }
      setInFlit(p, f);
      setInCredit(p, c);
    }
  }

  void edge(uint64_t) override {
    m_->clk_i = 1;
    m_->eval();
    readDropped(niStats_, *m_);
    if (spawnReq_) {  // the boot ROM's SRAM clear (docs/rtl.md "The boot ROM is the host")
      auto &s = sramRef();
      for (uint32_t a = 0; a < chip_.sramBytes; ++a) s[a] = 0;
      spawnReq_ = false;
    }
  }

  void connect(uint8_t port, WholeTile &neighbour) override {
    if (port < 1 || port > 4 || !hasNeighbour(port))
      throw std::invalid_argument("RtlWholeTile::connect: no neighbour on port " +
                                  std::to_string(port));
    peer_[port] = &neighbour;
  }

  // ---- status ----
  uint8_t state() const override { return m_->state_o; }
  uint8_t blockReason() const override { return m_->block_o; }
  uint8_t faultCode() const override { return m_->fault_o; }
  uint32_t pc() const override { return rom_.booting ? rom_.bootPc : m_->pc_o; }
  bool booting() const override { return rom_.booting; }
  bool quiescent() const override {
    if (!m_->quiescent_o || !net_.routerIdle(id_)) return false;
    for (uint8_t p = 1; p < 5; ++p)
      for (const LinkFlit &f : pipe_[p].flits)
        if (f.valid) return false;
    return true;
  }
  uint32_t routerErrors() const override { return m_->router_err_o; }
  const emu::CoreStats &retireStats() const override { return retireStats_; }
  const emu::NiStats &niStats() const override { return niStats_; }

private:
  struct Pipe {
    std::deque<LinkFlit> flits;
    std::deque<LinkCredit> credits;
  };

  const LinkOut &linkToNeighbours() const override { return toPeers_; }

  bool hasNeighbour(uint8_t p) const {
    const uint32_t x = chip_.coreX(id_), y = chip_.coreY(id_);
    switch (p) {
    case 1: return x + 1 < chip_.width;
    case 2: return x > 0;
    case 3: return y > 0;
    case 4: return y + 1 < chip_.height;
    default: return false;
    }
  }
  static uint8_t opposite(uint8_t p) { return p == 1 ? 2 : p == 2 ? 1 : p == 3 ? 4 : 3; }

  auto &sramRef() { return m_->rootp->xpu_tile__DOT__u_cn__DOT__u_core__DOT__sram_q; }
  const auto &sramRef() const { return m_->rootp->xpu_tile__DOT__u_cn__DOT__u_core__DOT__sram_q; }

  // Tile link ports are indexed router port - 1 (East, West, North, South).
  LinkFlit outFlit(uint8_t p) const {
    return getFlitLink(m_->link_out_o.data(), (p - 1u) * kLinkBits);
  }
  LinkCredit outCredit(uint8_t p) const {
    const uint32_t v = m_->link_credit_o;
    return creditFromBits(uint32_t(getBits(&v, (p - 1u) * kCreditBits, kCreditBits)));
  }
  void setInFlit(uint8_t p, const LinkFlit &f) {
    putFlitLink(m_->link_in_i.data(), (p - 1u) * kLinkBits, f);
  }
  void setInCredit(uint8_t p, const LinkCredit &c) {
    uint32_t v = m_->link_credit_i;
    putBits(&v, (p - 1u) * kCreditBits, kCreditBits, creditBits(c));
    // 4 ports x credit_t (4 bits). A plain integer type on purpose: the port
    // is a reference member, and a decltype(port)(v) cast here left the
    // port unchanged (every credit into the tile lost; found by the tests).
    m_->link_credit_i = uint16_t(v);
  }

  ChipDescriptor chip_;
  uint32_t id_;
  emu::Network &net_;
  std::unique_ptr<Model> m_;
  const std::vector<ProgramImage> *images_ = nullptr;
  std::optional<size_t> bootImage_;
  std::optional<size_t> image_;  // the image last booted (retire_pc_o's code)
  emu::CoreStats retireStats_;
  emu::NiStats niStats_;
  BootRom rom_;
  bool spawnReq_ = false;
  std::array<WholeTile *, 5> peer_{};
  std::array<Pipe, 5> pipe_;
  LinkOut toPeers_;
};

/// Factory for MixedMesh (and any owner that picks the model by mesh size).
using WholeTileFactory =
    std::function<std::unique_ptr<WholeTile>(const ChipDescriptor &, uint32_t id, emu::Network &)>;
template <class Model> WholeTileFactory wholeTileFactory() {
  return [](const ChipDescriptor &c, uint32_t id, emu::Network &n) -> std::unique_ptr<WholeTile> {
    return std::make_unique<RtlWholeTile<Model>>(c, id, n);
  };
}

} // namespace xpu::rtl
