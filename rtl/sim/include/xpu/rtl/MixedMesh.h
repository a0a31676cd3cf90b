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
// RTL tile r at cycle t (the NI's Local-port timing, rtl/xpu_ni.sv, which is
// the model's):
//   - evaluate with the chip inputs; inj_o valid -> Network::inject(r, t)
//     (arrives t + 1); ej_credit_o valid -> Network::ejectPop(r, vc, t) (the
//     model's ejection buffer of r mirrors the RTL NI's rings, so the model
//     router's Local credits stay exact);
//   - tickRouter(r, t); the traverse callback's Local output flit at t is
//     the NI's ej_i during t, the credit callback's Local input credit at t
//     its inj_credit_i during t;
//   - rising edge.
#pragma once

#include "xpu/rtl/PortBits.h"
#include "xpu/Device.h"
#include "xpu/Executable.h"
#include "xpu/rtl/BootRom.h"
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
        t.m = std::make_unique<CnModel>();
        CnModel &m = *t.m;
        m.core_id_i = uint16_t(i);
        m.x_i = uint8_t(i % chip_.width);
        m.y_i = uint8_t(i / chip_.width);
        m.clk_i = 0;
        m.rst_ni = 1;
        m.eval();
        m.rst_ni = 0;
        m.eval();
        m.rst_ni = 1;
        m.eval();
        m.image_count_i = uint32_t(exe.images.size());
        uint64_t src = 0;
        for (const MulticastGroup &g : exe.multicastGroups)
          if (g.source == i && g.id < 64)
            src |= uint64_t(1) << g.id;
        m.mc_source_i = src;
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
        t.m->policy_we_i = 1;
        t.m->policy_idx_i = uint8_t(c.mailbox);
        t.m->policy_i = uint8_t(c.policy);
        hostEdge(t);
        t.m->policy_we_i = 0;
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
        for (const Word &w : imageWords(img))
          loaderEdge(t, w);
        t.m->code_len_i = uint32_t(img.code.size());
        t.bootAtStart = true;
        t.bootPc = img.entry;
        t.image = a.image;
      } else {
        t.core->boot(img, 0, 0);
      }
      t.live = true;
    }
    live_ = uint32_t(exe.cores.size());
    net_.setTraverseCallback([this](uint32_t r, uint8_t, uint8_t out, const emu::Flit &f, uint64_t now) {
      if (out == 0 && now == now_ && tiles_[r].m)
        tiles_[r].ej = {true, f.head, f.tail, f.vc, f.data[0]};
    });
    net_.setCreditCallback([this](uint32_t r, uint8_t in, uint8_t vc, uint64_t now) {
      if (in == 0 && now == now_ && tiles_[r].m)
        tiles_[r].injCredit = {true, vc};
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
    for (uint32_t w = address / 8; w < (address + size + 7) / 8; ++w) {
      uint64_t v = 0;
      for (uint32_t j = 0; j < 8; ++j) {
        const uint64_t a = uint64_t(w) * 8 + j;
        const uint8_t b = a >= address && a < address + size ? data[a - address] : sram(t)[a];
        v |= uint64_t(b) << (8 * j);
      }
      // RTL cores boot at the first cycle: host writes only before it.
      if (started_)
        return Error{"mixed mesh: host writes only before the first run"};
      loaderEdge(t, Word{false, w, v});
    }
    return std::nullopt;
  }
  std::vector<uint8_t> readSram(uint32_t core) const {
    const Tile &t = tiles_[core];
    if (t.whole)
      return t.whole->sram();
    if (!t.m)
      return t.core->sram();
    std::vector<uint8_t> v(chip_.sramBytes);
    for (uint32_t a = 0; a < chip_.sramBytes; ++a)
      v[a] = sram(t)[a];
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
      return t.m->pc_o + 1;
    if (t.rom.booting)
      return t.rom.bootPc;
    return t.m->pc_o;
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
    return t.m ? uint8_t(t.m->fault_o) : uint8_t(t.core->faultCode());
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
        const auto *code = t.image < exe_.images.size() ? &exe_.images[t.image].code : nullptr;
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
        t.image < exe_.images.size() ? &exe_.images[t.image].code : nullptr;
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
  using Word = LoaderWord;
  struct Tile {
    std::unique_ptr<WholeTile> whole;           // whole RTL tile, or
    std::unique_ptr<CnModel> m;                 // RTL core + NI, or
    std::unique_ptr<emu::NetworkInterface> ni;  // the model's
    std::unique_ptr<emu::Core> core;
    bool live = false, faultSeen = false, bootAtStart = false;
    // RTL: Local-port inputs for this cycle, packet being injected
    LinkFlit ej;
    LinkCredit injCredit;
    uint64_t packetId = 0;
    uint32_t seq = 0;
    uint32_t bootPc = 0;  // RTL: entry of the image booted at load
    BootRom rom;                        // RTL: a spawn boot in progress
    size_t image = SIZE_MAX;  // RTL: the image last booted (status lines)
  };
  struct Release {
    uint64_t cycle = 0;
    std::vector<uint8_t> cores;
  };

  static uint8_t rtlState(const Tile &t) { return t.whole ? t.whole->state() : uint8_t(t.m->state_o); }
  static uint8_t rtlBlock(const Tile &t) { return t.whole ? t.whole->blockReason() : uint8_t(t.m->block_o); }
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

  static auto &sram(Tile &t) { return t.m->rootp->xpu_tile_core_ni__DOT__u_core__DOT__sram_q; }
  static const auto &sram(const Tile &t) { return t.m->rootp->xpu_tile_core_ni__DOT__u_core__DOT__sram_q; }


  static void hostEdge(Tile &t) {
    t.m->clk_i = 0;
    t.m->eval();
    t.m->clk_i = 1;
    t.m->eval();
    t.m->clk_i = 0;
  }
  static void loaderEdge(Tile &t, const Word &w) {
    t.m->ld_we_i = 1;
    t.m->ld_imem_i = w.imem;
    t.m->ld_addr_i = w.addr;
    t.m->ld_data_i = w.data;
    hostEdge(t);
    t.m->ld_we_i = 0;
  }

  bool quiescent() const {
    if (!net_.quiescent())
      return false;
    for (const Tile &t : tiles_)
      if (t.whole ? !t.whole->quiescent() : t.m ? !t.m->ni_quiescent_o : t.ni->outboundBusy())
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
        if (tl.m && tl.bootAtStart) {
          tl.m->boot_i = 1;
          tl.m->boot_pc_i = tl.bootPc;
          tl.m->boot_arg_i = 0;
          hostEdge(tl);
          tl.m->boot_i = 0;
        }
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
      CnModel &m = *tl.m;
      m.clk_i = 0;
      m.cycle_i = uint32_t(t);
      m.timestep_i = barrier_.timestep();
      m.bar_release_i = release_ && release_->cycle == t && release_->cores[i];
      tl.rom.drive(m, t);
      m.eval();
      // NI -> router: injection and the ejection consume
      const LinkFlit f = getFlitLink(m.inj_o.data());
      if (f.valid) {
        emu::Flit ef;
        ef.data[0] = f.data;
        ef.vc = f.vc;
        ef.head = f.head;
        ef.tail = f.tail;
        if (f.head) {
          tl.packetId = (uint64_t(i) << 40) | (uint64_t(1) << 39) | ++packetCount_;
          tl.seq = 0;
        }
        ef.packetId = tl.packetId;
        ef.seq = tl.seq++;
        ef.createdCycle = t;
        net_.inject(i, ef, t);
      }
      if (m.ej_credit_o & 8u)
        net_.ejectPop(i, uint8_t(m.ej_credit_o & 7u), t);
      arrived[i] = m.bar_arrive_o;
      if (m.spawn_posted_o)
        ++spawnsInFlight_;
      if (m.spawn_consumed_o && spawnsInFlight_)
        --spawnsInFlight_;
      const bool spawnReq = m.spawn_req_o;
      if (spawnReq) {
        tl.rom.start(exe_.images[m.spawn_image_o], m.spawn_arg_o, t);
        tl.image = m.spawn_image_o;
      }
      // router tick: its Local output / credit this cycle are the NI's inputs
      tl.ej = {};
      tl.injCredit = {};
      net_.tickRouter(i, t);
      putFlitLink(m.ej_i.data(), 0, tl.ej);
      m.inj_credit_i = tl.injCredit.valid ? uint8_t(8u | tl.injCredit.vc) : uint8_t(0);
      m.clk_i = 1;
      m.eval();
      if (spawnReq)
        for (uint32_t a = 0; a < chip_.sramBytes; ++a)
          sram(tl)[a] = 0;
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
        stuck = st != 1 && !tl.rom.booting && !(tl.whole && tl.whole->booting());
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
  uint64_t packetCount_ = 0;
  uint32_t spawnsInFlight_ = 0;
  uint32_t live_ = 0;
  bool newFault_ = false;
  StepStop steps_;
  uint64_t watchdog_ = 0;
  std::optional<uint64_t> stuckSince_;
};

} // namespace xpu::rtl
