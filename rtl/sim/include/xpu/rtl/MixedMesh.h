// A mixed chip (docs/rtl.md "Tiles and meshes", "Mixed meshes"): per tile,
// the model (emu::Core + emu::NetworkInterface on the model's router), the
// RTL core + NI (Verilated xpu_tile_core_ni, stage 1) on the model's router's
// Local port, or a whole RTL tile (Verilated xpu_tile, router included,
// stage 2: RtlWholeTile.h, an external router of the emu::Network).
// Plain C++ (no SystemC): one cycle is
//   1. every whole RTL tile: chip inputs, evaluate, link outputs to the
//      network (RtlWholeTile::drive);
//   2. every other tile: what emu::Tile does (NI receive, core tick, NI
//      transmit, router tick);
//   3. every whole RTL tile: link inputs from the network (after every model
//      router has ticked), rising edge;
//   4. what emu::Mesh::endOfCycle does (bookkeeping, barrier, stop conditions).
//
// RTL core + NI tile r at cycle t: the adapter's protocol (RtlCoreNi.h,
// shared with the SystemC tile): drive(r, t); tickRouter(r, t), whose
// traverse callback's Local output flit and credit callback's Local input
// credit at t are the NI's ej_i / inj_credit_i during t; edge(t).
#pragma once

#include "xpu/Device.h"
#include "xpu/Executable.h"
#include "xpu/rtl/RtlCoreNi.h"
#include "xpu/rtl/RtlWholeTile.h"
#include "xpu/rtl/RunLoop.h"
#include "xpu/emu/BarrierUnit.h"
#include "xpu/emu/Core.h"
#include "xpu/emu/Network.h"
#include "xpu/emu/NetworkInterface.h"

#include "xpu/Isa.h"
#include "xpu/Semantics.h"

#include <algorithm>
#include <deque>
#include <limits>
#include <sstream>
#include <string>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

namespace xpu::rtl {

template <class CnModel> class MixedMesh final : public emu::ChipServices {
public:
  /// `rtlTiles`: RTL core + NI on the model's router; `wholeTiles`: whole
  /// RTL tiles made by `wholeFactory` (e.g. wholeTileFactory<Vxpu_tile_2x2>()).
  MixedMesh(const Executable &exe, std::set<uint32_t> rtlTiles,
            const std::set<uint32_t> &wholeTiles = {}, const WholeTileFactory &wholeFactory = {})
      : exe_(exe), chip_(exe.chip), rtl_(std::move(rtlTiles)),
        net_(chip_, exe.multicastGroups, exe.multicastRoutes) {
    const uint32_t n = chip_.numCores();
    tiles_.resize(n);
    for (uint32_t i : wholeTiles) {
      if (i >= n || rtl_.count(i))
        throw std::invalid_argument("mixed mesh: whole RTL tile " + std::to_string(i) +
                                    " outside the mesh or also an RTL core + NI tile");
      if (!wholeFactory)
        throw std::invalid_argument("mixed mesh: whole RTL tiles need a tile factory");
      tiles_[i].whole = wholeFactory(chip_, i, net_);
      tiles_[i].whole->load(exe);
    }
    for (uint32_t i : wholeTiles)
      for (uint8_t p = 1; p < 5; ++p) {
        const int nb = neighbour(i, p);
        if (nb >= 0 && tiles_[uint32_t(nb)].whole) tiles_[i].whole->connect(p, *tiles_[uint32_t(nb)].whole);
      }
    groupSource_.assign(chip_.multicastGroups, UINT32_MAX);
    for (const MulticastGroup &g : exe.multicastGroups)
      if (g.id < groupSource_.size())
        groupSource_[g.id] = g.source;
    barrier_.reset(n, chip_.effectiveBarrierLatency());
    for (uint32_t i = 0; i < n; ++i) {
      Tile &t = tiles_[i];
      if (t.whole) continue;  // loaded above
      if (rtl_.count(i)) {
        t.m = std::make_unique<RtlCoreNi<CnModel>>(chip_, i, net_, *this);
      } else {
        t.ni = std::make_unique<emu::NetworkInterface>(chip_, i, net_, *this);
        t.core = std::make_unique<emu::Core>(chip_, i, *t.ni);
        t.ni->attachCore(t.core.get());
      }
    }
    for (const MailboxConfig &c : exe.mailboxPolicies) {
      Tile &t = tiles_[c.core];
      if (t.whole) continue;
      if (t.m) {
        t.m->setPolicy(c.mailbox, c.policy);
      } else {
        t.ni->setPolicy(c.mailbox, c.policy);
      }
    }
    for (const CoreAssignment &a : exe.cores) {
      Tile &t = tiles_[a.core];
      const ProgramImage &img = exe.images[a.image];
      if (t.whole) {
        t.bootAtStart = true;
        t.image = a.image;
      } else if (t.m) {
        t.m->load(img, a.image);
      } else {
        t.core->boot(img, 0, 0);
      }
      t.live = true;
    }
    live_ = uint32_t(exe.cores.size());
    net_.setTraverseCallback([this](uint32_t r, uint8_t, uint8_t out, const emu::Flit &f, uint64_t now) {
      if (out == 0 && now == now_ && tiles_[r].m)
        tiles_[r].m->localEject(f);
    });
    net_.setCreditCallback([this](uint32_t r, uint8_t in, uint8_t vc, uint64_t now) {
      if (in == 0 && now == now_ && tiles_[r].m)
        tiles_[r].m->localCredit(vc);
    });
  }

  // ---- ChipServices ----
  void arriveBarrier(uint32_t core, uint64_t) override { barrier_.arrive(core); }
  uint32_t timestep() const override { return barrier_.timestep(); }
  const ProgramImage *image(uint32_t index) const override {
    return index < exe_.images.size() ? &exe_.images[index] : nullptr;
  }
  uint32_t imageCount() const override { return uint32_t(exe_.images.size()); }
  bool isGroupSource(uint32_t group, uint32_t core) const override {
    return group < groupSource_.size() && groupSource_[group] == core;
  }
  void spawnPosted() override { ++spawnsInFlight_; }
  void spawnConsumed() override {
    if (spawnsInFlight_)
      --spawnsInFlight_;
  }

  // ---- host ----
  std::optional<Error> writeSram(uint32_t core, uint32_t address, const uint8_t *data, size_t size) {
    Tile &t = tiles_[core];
    if (t.whole) {
      if (started_)
        return Error{"mixed mesh: host writes only before the first run"};
      t.whole->writeSram(address, data, size);
      return std::nullopt;
    }
    if (!t.m) {
      std::copy_n(data, size, t.core->sram().begin() + address);
      return std::nullopt;
    }
    // RTL cores boot at the first cycle: host writes only before it.
    if (started_ && size)
      return Error{"mixed mesh: host writes only before the first run"};
    t.m->writeSram(address, data, size);
    return std::nullopt;
  }
  std::vector<uint8_t> readSram(uint32_t core) const {
    const Tile &t = tiles_[core];
    if (t.whole)
      return t.whole->sram();
    if (!t.m)
      return t.core->sram();
    std::vector<uint8_t> v(chip_.sramBytes);
    t.m->readSram(0, v.data(), v.size());
    return v;
  }
  uint8_t coreState(uint32_t i) const {
    const Tile &t = tiles_[i];
    if (!t.m && !t.whole)
      return uint8_t(t.core->state());
    if (release_ && release_->cores[i])
      return 1;
    return rtlState(t);
  }
  uint32_t corePc(uint32_t i) const {
    const Tile &t = tiles_[i];
    if (!t.m && !t.whole)
      return t.core->pc();
    if (t.whole)
      return release_ && release_->cores[i] ? t.whole->pc() + 1 : t.whole->pc();
    if (release_ && release_->cores[i])
      return t.m->model().pc_o + 1;
    return t.m->pc();
  }

  using Mode = RunMode;
  /// The emulator's run semantics (RunLoop.h), with this mesh's watchdog.
  RunResult run(Mode mode, uint64_t amount, uint64_t maxCycles) {
    RunHooks h;
    h.cycle = [this] { return now_; };
    h.timestep = [this] { return barrier_.timestep(); };
    h.step = [this] { step(); };
    h.fault = [this](std::string &) {
      const bool f = newFault_;
      newFault_ = false;
      return f;
    };
    h.finished = [this] { return finished(); };
    h.extraStop = [this](RunResult &r) {
      if (!watchdog_ || !stuckSince_ || now_ < *stuckSince_ + watchdog_) return false;
      r.status = RunStatus::Deadlock;
      r.report = "deadlock: every live core blocked, network and NIs empty, no barrier "
                 "release or spawn pending for " + std::to_string(now_ - *stuckSince_) +
                 " cycles (cycles " + std::to_string(*stuckSince_) + ".." + std::to_string(now_ - 1) + ")\n";
      return true;
    };
    return runLoop(h, steps_, mode, amount, maxCycles);
  }
  /// runUntilHalt: Halted / Fault / CycleLimit (maxCycles 0 = no limit).
  RunResult runUntilHalt(uint64_t maxCycles) { return run(Mode::UntilHalt, 0, maxCycles); }

  bool finished() const { return live_ == 0 && spawnsInFlight_ == 0; }
  /// Deadlock watchdog (0 = off): stop after `cycles` consecutive cycles at
  /// whose end every live core is blocked, the network and every NI are
  /// empty and no barrier release, spawn or RTL boot is pending, i.e. no
  /// state can change any more. (The model's watchdog counts cycles without
  /// an issued instruction or a moved flit; both fire at the same cycle
  /// when a deadlock starts with an empty network, e.g. tests/lit/sim/deadlock.s.)
  void setWatchdog(uint64_t cycles) { watchdog_ = cycles; }
  uint64_t cycle() const { return now_; }
  bool isRtl(uint32_t core) const { return tiles_[core].m || tiles_[core].whole; }
  bool isWholeRtlTile(uint32_t core) const { return bool(tiles_[core].whole); }
  /// Router protocol errors of the whole RTL tiles (OR of router_err_o).
  uint32_t routerErrors() const {
    uint32_t e = 0;
    for (const Tile &t : tiles_)
      if (t.whole) e |= t.whole->routerErrors();
    return e;
  }
  const emu::Network &network() const { return net_; }
  /// Tile-cycles evaluated (every tile every cycle), for speed figures.
  uint64_t tileCycles() const { return now_ * tiles_.size(); }
  /// Fault code of core i (sem::Fault as a number; 0 unless faulted).
  uint8_t coreFault(uint32_t i) const {
    const Tile &t = tiles_[i];
    if (t.whole) return t.whole->faultCode();
    return t.m ? t.m->faultCode() : uint8_t(t.core->faultCode());
  }
  /// emu::Core::describe() for model tiles; the same line from the RTL
  /// status outputs for RTL tiles (the mailbox of a blocked recv is not an
  /// RTL output: "blocked on recv mailbox" without a number).
  std::string describe(uint32_t i) const {
    const Tile &t = tiles_[i];
    if (!t.m && !t.whole)
      return t.core->describe();
    std::ostringstream os;
    os << "core " << i << " (" << chip_.coreX(i) << "," << chip_.coreY(i) << ") ";
    const uint8_t st = coreState(i);
    switch (st) {
    case 0: os << "idle"; return os.str();
    case 1: os << "running"; break;
    case 3: os << "halted"; break;
    case 4: os << "faulted (" << sem::faultName(sem::Fault(coreFault(i))) << ")"; break;
    case 2:
      switch (rtlBlock(t)) {
      case 1: os << "blocked on outbound buffer"; break;
      case 2: {  // the model's blockMailbox_: the recv's immediate
        const uint32_t pc = corePc(i);
        const auto *code = image(t) < exe_.images.size() ? &exe_.images[image(t)].code : nullptr;
        std::optional<Instruction> inst;
        if (code && pc < code->size())
          inst = decode((*code)[pc]);
        os << "blocked on recv mailbox " << (inst ? uint32_t(inst->imm) : 0u);
        break;
      }
      case 3: os << "blocked on barrier"; break;
      default: os << "blocked"; break;
      }
      break;
    default: os << "state " << int(st); break;
    }
    const uint32_t pc = corePc(i);
    os << " at pc " << pc << ": ";
    const std::vector<uint64_t> *code =
        image(t) < exe_.images.size() ? &exe_.images[image(t)].code : nullptr;
    if (!code || pc >= code->size()) {
      os << "<outside code of " << (code ? code->size() : 0) << " instructions>";
    } else if (auto inst = decode((*code)[pc])) {
      os << disassemble(*inst);
    } else {
      os << "<illegal 0x" << std::hex << (*code)[pc] << std::dec << ">";
    }
    return os.str();
  }

private:
  struct Tile {
    std::unique_ptr<WholeTile> whole;           // whole RTL tile, or
    std::unique_ptr<RtlCoreNi<CnModel>> m;      // RTL core + NI, or
    std::unique_ptr<emu::NetworkInterface> ni;  // the model's
    std::unique_ptr<emu::Core> core;
    bool live = false, faultSeen = false, bootAtStart = false;
    size_t image = SIZE_MAX;  // whole RTL tile: the image booted at load
  };
  struct Release {
    uint64_t cycle = 0;
    std::vector<uint8_t> cores;
  };

  static uint8_t rtlState(const Tile &t) { return t.whole ? t.whole->state() : t.m->state(); }
  static uint8_t rtlBlock(const Tile &t) { return t.whole ? t.whole->blockReason() : t.m->blockReason(); }
  /// The image an RTL tile last booted (status lines).
  static size_t image(const Tile &t) { return t.m ? t.m->image() : t.image; }
  int neighbour(uint32_t i, uint8_t p) const {
    const uint32_t x = chip_.coreX(i), y = chip_.coreY(i);
    switch (p) {
    case 1: return x + 1 < chip_.width ? int(i + 1) : -1;
    case 2: return x > 0 ? int(i - 1) : -1;
    case 3: return y > 0 ? int(i - chip_.width) : -1;
    case 4: return y + 1 < chip_.height ? int(i + chip_.width) : -1;
    default: return -1;
    }
  }

  bool quiescent() const {
    if (!net_.quiescent())
      return false;
    for (const Tile &t : tiles_)
      if (t.whole ? !t.whole->quiescent() : t.m ? !t.m->niQuiescent() : t.ni->outboundBusy())
        return false;
    return true;
  }

  void step() {
    if (!started_) {  // boot the RTL cores: first issue in cycle 0
      started_ = true;
      for (Tile &tl : tiles_)
        if (tl.whole && tl.bootAtStart)
          tl.whole->bootLoadedImage();
      for (Tile &tl : tiles_)
        if (tl.m)
          tl.m->bootLoadedImage();
    }
    const uint64_t t = now_;
    const uint32_t n = uint32_t(tiles_.size());
    std::vector<uint8_t> arrived(n, 0);
    // 1. whole RTL tiles: chip inputs, link outputs of t into the network
    for (uint32_t i = 0; i < n; ++i) {
      Tile &tl = tiles_[i];
      if (!tl.whole)
        continue;
      const WholeTileOutputs o = tl.whole->drive(
          t, barrier_.timestep(), release_ && release_->cycle == t && release_->cores[i]);
      arrived[i] = o.barrierArrive;
      if (o.spawnPosted)
        ++spawnsInFlight_;
      if (o.spawnConsumed && spawnsInFlight_)
        --spawnsInFlight_;
    }
    // 2. the other tiles, routers included
    for (uint32_t i = 0; i < n; ++i) {
      Tile &tl = tiles_[i];
      if (tl.whole)
        continue;
      if (!tl.m) {  // emu::Tile::cycle
        tl.ni->receive(t);
        if (tl.live)
          tl.core->tick(t);
        tl.ni->transmit(t);
        net_.tickRouter(i, t);
        continue;
      }
      const CoreNiOutputs o = tl.m->drive(t, barrier_.timestep(),
                                          release_ && release_->cycle == t && release_->cores[i]);
      arrived[i] = o.barrierArrive;
      if (o.spawnPosted)
        ++spawnsInFlight_;
      if (o.spawnConsumed && spawnsInFlight_)
        --spawnsInFlight_;
      net_.tickRouter(i, t);
      tl.m->edge(t);
    }
    // 3. whole RTL tiles: link inputs of t (every model router has ticked), edge
    for (Tile &tl : tiles_)
      if (tl.whole)
        tl.whole->receive(t);
    for (Tile &tl : tiles_)
      if (tl.whole)
        tl.whole->edge(t);
    // end of cycle: emu::Tile::bookkeeping + emu::Mesh::endOfCycle
    if (release_ && release_->cycle == t)
      release_.reset();
    for (uint32_t i = 0; i < n; ++i)
      if (arrived[i])
        barrier_.arrive(i);
    uint32_t live = 0;
    for (uint32_t i = 0; i < n; ++i) {
      Tile &tl = tiles_[i];
      const bool rtl = tl.m || tl.whole;
      const uint8_t st = rtl ? rtlState(tl) : uint8_t(tl.core->state());
      const bool atBarrier = rtl ? (st == 2 && rtlBlock(tl) == 3)
                                 : (st == 2 && tl.core->blockReason() == emu::BlockReason::Barrier);
      tl.live = st == 1 || st == 2;
      live += tl.live;
      if (st == 4) {
        if (!tl.faultSeen)
          newFault_ = true;
        tl.faultSeen = true;
      } else {
        tl.faultSeen = false;
      }
      if (barrier_.waiting(i) && !atBarrier && !(release_ && release_->cores[i]))
        barrier_.leave(i);
    }
    live_ = live;
    if (barrier_.armed()) {
      auto rel = barrier_.endOfCycle(t, live_, [this] { return quiescent(); });
      if (rel) {
        Release r;
        r.cycle = rel->cycle;
        r.cores.assign(n, 0);
        for (uint32_t c : rel->cores) {
          if (tiles_[c].m || tiles_[c].whole)
            r.cores[c] = 1;
          else
            tiles_[c].core->releaseBarrier(rel->cycle);
        }
        release_ = r;
        steps_.released(rel->cycle, barrier_.timestep());
      }
    }
    if (watchdog_) {
      bool stuck = live_ > 0 && spawnsInFlight_ == 0 && !release_ && !newFault_;
      for (uint32_t i = 0; stuck && i < n; ++i) {
        const Tile &tl = tiles_[i];
        const uint8_t st = tl.m || tl.whole ? rtlState(tl) : uint8_t(tl.core->state());
        stuck = st != 1 && !(tl.m && tl.m->booting()) && !(tl.whole && tl.whole->booting());
      }
      stuck = stuck && quiescent();
      if (!stuck)
        stuckSince_.reset();
      else if (!stuckSince_)
        stuckSince_ = t;
    }
    now_ = t + 1;
  }

  const Executable &exe_;
  ChipDescriptor chip_;
  std::set<uint32_t> rtl_;
  emu::Network net_;
  std::vector<Tile> tiles_;
  std::vector<uint32_t> groupSource_;
  emu::BarrierUnit barrier_;
  std::optional<Release> release_;
  uint64_t now_ = 0;
  bool started_ = false;
  uint32_t spawnsInFlight_ = 0;
  uint32_t live_ = 0;
  bool newFault_ = false;
  StepStop steps_;
  uint64_t watchdog_ = 0;
  std::optional<uint64_t> stuckSince_;
};

} // namespace xpu::rtl
