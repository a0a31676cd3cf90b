// An all-RTL XPU chip: W x H Verilated xpu_tile models wired into a mesh,
// with the chip-level parts the tiles do not hold (docs/rtl.md "Tiles and
// meshes"): the barrier unit (arch.md 8, as emu::BarrierUnit and
// emu::Mesh::endOfCycle), the loader and host port (arch.md 9, 10), the
// spawn boot ROM and the multicast tables (xpu/Multicast.h). It is an
// xpu::Backend, so xpu::Device runs an executable on it exactly as on the
// emulator; the tests compare the two.
//
// One cycle t of the chip: drive every tile's chip inputs (cycle, timestep,
// barrier release, loader/boot of a spawned core) and evaluate; move every
// link's flit and credit to the neighbour (through L - 1 stages for link
// latency L); rising edge; then, as the model's end-of-cycle monitor:
// barrier arrivals and leaves, live cores, faults, spawns in flight, the
// release condition, stop conditions.
//
// Host access. Before the first run the host writes IMEM and SRAM through
// each tile's loader port, clocking only that tile (its router and NI are
// empty, its core not yet booted, so the extra edges change nothing else);
// the first run then raises boot_i on every assigned core, so that its
// first instruction issues in cycle 0. Between runs the same is allowed when
// the chip is stopped: no core running and the network quiescent (arch.md
// 10); otherwise writeSram returns an error. Outputs are read through the
// core's SRAM observation port (verilator public_flat_rd).
//
// Spawn boot ROM ("the boot ROM is the host"): when a tile raises
// spawn_req_o at cycle t, the driver clears the core's SRAM (backdoor; a
// 64 KiB clear does not fit through an 8-byte loader port in the model's
// boot window), streams the image's code and data words through the loader
// port in cycles t+1 .., and raises boot_i at t + B - 1, with
// B = 16 + code words + ceil(data bytes / 8) (arch.md 9): the first
// instruction issues at t + B, as in the model.
#pragma once

#include "../RtlRouterPorts.h"
#include "xpu/rtl/BootRom.h"
#include "xpu/rtl/RtlHostPort.h"
#include "xpu/rtl/RunLoop.h"

#include "xpu/ChipDescriptor.h"
#include "xpu/Device.h"
#include "xpu/Executable.h"
#include "xpu/Multicast.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace xpu::rtl {

/// Model-independent part: nothing here touches a Verilated model.
struct RtlMeshState {
  static constexpr uint8_t kIdle = 0, kRunning = 1, kBlocked = 2, kHalted = 3, kFaulted = 4;
  static constexpr uint8_t kBlockBarrier = 3;
};

template <class Model> class RtlMesh final : public Backend, public RtlMeshState {
public:
  /// `width` x `height` must match the model's MeshWidth / MeshHeight.
  RtlMesh(uint32_t width, uint32_t height) : width_(width), height_(height) {}

  std::string name() const override { return "rtl"; }

  std::optional<Error> load(const Executable &exe) override {
    if (auto err = validateExecutable(exe))
      return err;
    if (exe.chip.width != width_ || exe.chip.height != height_)
      return Error{"the RTL mesh is " + std::to_string(width_) + "x" + std::to_string(height_)};
    exe_ = std::make_shared<Executable>(exe);
    chip_ = exe.chip;
    const uint32_t n = width_ * height_;
    tiles_.clear();
    tiles_.resize(n);
    for (uint32_t i = 0; i < n; ++i) {
      Tile &t = tiles_[i];
      t.m = std::make_unique<Model>();
      resetTile(*t.m, chip_, i);
      clearSram(t);
    }
    // Chip services, multicast tables and mailbox policies through the host port.
    const auto tables = buildMulticastTables(chip_, exe.multicastGroups, exe.multicastRoutes);
    for (uint32_t r = 0; r < n; ++r) {
      strapChipServices(*tiles_[r].m, exe, r);
      if (r < tables.size())
        multicastTableEdges(*tiles_[r].m, tables[r]);
    }
    for (const MailboxConfig &c : exe.mailboxPolicies)
      policyEdge(*tiles_[c.core].m, c.mailbox, c.policy);
    // Images through the loader port; boot at the first run.
    for (const CoreAssignment &a : exe.cores) {
      Tile &t = tiles_[a.core];
      for (const LoaderWord &w : imageWords(exe.images[a.image]))
        loaderEdge(*t.m, w);
      t.bootAtStart = true;
      t.bootPc = exe.images[a.image].entry;
      t.codeLen = uint32_t(exe.images[a.image].code.size());
    }
    links_.assign(size_t(n) * 4, LinkPipe{});
    for (LinkPipe &l : links_) {
      l.flits.assign(chip_.linkLatency - 1, LinkFlit{});
      l.credits.assign(chip_.linkLatency - 1, LinkCredit{});
    }
    started_ = false;
    cycle_ = 0;
    timestep_ = 0;
    waiting_.assign(n, 0);
    waitCount_ = 0;
    latency_ = chip_.effectiveBarrierLatency() ? chip_.effectiveBarrierLatency() : 1;
    release_.reset();
    steps_ = {};
    spawnsInFlight_ = 0;
    faultSeen_.assign(n, 0);
    newFault_ = false;
    live_ = uint32_t(exe.cores.size());
    return std::nullopt;
  }

  std::optional<Error> writeSram(uint32_t core, uint32_t address, const uint8_t *data,
                                 size_t size) override {
    if (auto err = checkAccess(core, address, size))
      return err;
    if (started_ && !stopped())
      return Error{"the RTL host port writes SRAM only while the chip is stopped "
                   "(no core running, network quiescent)"};
    Tile &t = tiles_[core];
    writeSramWords(*t.m, sram(t), address, data, size);
    return std::nullopt;
  }

  std::optional<Error> readSram(uint32_t core, uint32_t address, uint8_t *data,
                                size_t size) const override {
    if (auto err = checkAccess(core, address, size))
      return err;
    const auto &s = sram(tiles_[core]);
    for (size_t j = 0; j < size; ++j)
      data[j] = s[address + j];
    return std::nullopt;
  }

  RunResult runCycles(uint64_t cycles) override { return run(Mode::Cycles, cycles, 0); }
  RunResult runSteps(uint64_t steps, uint64_t maxCycles) override {
    return run(Mode::Steps, steps, maxCycles);
  }
  RunResult runUntilHalt(uint64_t maxCycles) override { return run(Mode::UntilHalt, 0, maxCycles); }
  nlohmann::json stats() const override { return nlohmann::json::object(); }
  std::string statusReport() const override {
    std::string s = "cycle " + std::to_string(cycle_) + ", timestep " + std::to_string(timestep_) + "\n";
    for (uint32_t i = 0; i < tiles_.size(); ++i)
      s += "core " + std::to_string(i) + ": state " + std::to_string(state(i)) + " pc " +
           std::to_string(tiles_[i].m->pc_o) + " fault " + std::to_string(tiles_[i].m->fault_o) + "\n";
    return s;
  }
  uint64_t cycle() const override { return cycle_; }
  uint32_t timestep() const override { return timestep_; }

  // ---- inspection ----
  uint32_t numTiles() const { return uint32_t(tiles_.size()); }
  Model &tile(uint32_t i) { return *tiles_[i].m; }
  /// emu::CoreState of core i (a spawned core is running while it boots).
  uint8_t state(uint32_t i) const { return tiles_[i].m->state_o; }
  /// Core i's state and pc as the model defines them: a core released from
  /// a barrier runs (pc past the barrier) from the release decision,
  /// although the RTL core leaves the barrier only in the release cycle; a
  /// spawned core is at its entry from the spawn request on.
  uint8_t coreState(uint32_t i) const {
    if (release_ && release_->cores[i])
      return kRunning;
    return state(i);
  }
  uint32_t corePc(uint32_t i) const {
    if (release_ && release_->cores[i])
      return tiles_[i].m->pc_o + 1;
    if (tiles_[i].rom.booting)
      return tiles_[i].rom.bootPc;
    return tiles_[i].m->pc_o;
  }
  /// Tile-cycles evaluated (for the speed figures).
  uint64_t tileCycles() const { return tileCycles_; }
  /// Router protocol errors seen (OR of every tile's err_o).
  uint32_t routerErrors() const {
    uint32_t e = 0;
    for (const Tile &t : tiles_)
      e |= t.m->router_err_o;
    return e;
  }

private:
  using Mode = RunMode;

  struct Tile {
    std::unique_ptr<Model> m;
    bool bootAtStart = false;
    uint32_t bootPc = 0, codeLen = 0;
    BootRom rom;  // spawn boot in progress
  };
  struct LinkPipe { // stages between a tile's output port and its neighbour
    std::vector<LinkFlit> flits;
    std::vector<LinkCredit> credits;
  };

  static auto &sram(Tile &t) { return t.m->rootp->xpu_tile__DOT__u_cn__DOT__u_core__DOT__sram_q; }
  static const auto &sram(const Tile &t) { return t.m->rootp->xpu_tile__DOT__u_cn__DOT__u_core__DOT__sram_q; }

  void clearSram(Tile &t) {
    auto &s = sram(t);
    for (uint32_t a = 0; a < chip_.sramBytes; ++a)
      s[a] = 0;
  }

  std::optional<Error> checkAccess(uint32_t core, uint32_t address, size_t size) const {
    if (!exe_)
      return Error{"no executable loaded"};
    if (core >= tiles_.size())
      return Error{"core " + std::to_string(core) + " is outside the mesh"};
    if (uint64_t(address) + size > chip_.sramBytes)
      return Error{"SRAM window outside the core's SRAM"};
    return std::nullopt;
  }

  /// Code words, then the data segments as aligned 64-bit words over a
  /// zeroed SRAM (segments sharing a word are merged).


  /// The chip may take host writes: no core running (booting counts) and
  /// the network quiescent.
  bool stopped() const {
    for (uint32_t i = 0; i < tiles_.size(); ++i)
      if (state(i) == kRunning)
        return false;
    return quiescent();
  }

  bool quiescent() const {
    for (const Tile &t : tiles_)
      if (!t.m->quiescent_o)
        return false;
    for (const LinkPipe &l : links_)
      for (const LinkFlit &f : l.flits)
        if (f.valid)
          return false;
    return true;
  }

  bool finished() const { return live_ == 0 && spawnsInFlight_ == 0; }

  void boot() {
    for (Tile &t : tiles_) {
      t.m->code_len_i = t.codeLen;
      if (t.bootAtStart)
        bootEdge(*t.m, t.bootPc);
    }
    started_ = true;
  }

  // ---------------------------------------------------------------- a cycle
  static uint32_t neighbour(uint32_t i, unsigned port, uint32_t w, uint32_t h) {
    const uint32_t x = i % w, y = i / w;
    switch (port) {
    case 1: return x + 1 < w ? i + 1 : UINT32_MAX;  // East
    case 2: return x > 0 ? i - 1 : UINT32_MAX;      // West
    case 3: return y > 0 ? i - w : UINT32_MAX;      // North
    default: return y + 1 < h ? i + w : UINT32_MAX; // South
    }
  }
  static unsigned opposite(unsigned port) { return port == 1 ? 2 : port == 2 ? 1 : port == 3 ? 4 : 3; }

  static LinkFlit outFlit4(const Model &m, unsigned port) {
    return getFlitLink(m.link_out_o.data(), (port - 1) * kLinkBits);
  }
  static void setInFlit4(Model &m, unsigned port, const LinkFlit &f) {
    putFlitLink(m.link_in_i.data(), (port - 1) * kLinkBits, f);
  }
  static LinkCredit outCredit4(const Model &m, unsigned port) {
    const uint32_t v = m.link_credit_o;
    return creditFromBits(uint32_t(getBits(&v, (port - 1) * kCreditBits, kCreditBits)));
  }
  static void setInCredit4(Model &m, unsigned port, const LinkCredit &c) {
    uint32_t v = m.link_credit_i;
    putBits(&v, (port - 1) * kCreditBits, kCreditBits, creditBits(c));
    m.link_credit_i = uint16_t(v);
  }

  void step() {
    const uint64_t t = cycle_;
    const uint32_t n = uint32_t(tiles_.size());
    // 1. chip inputs, evaluate
    for (uint32_t i = 0; i < n; ++i) {
      Tile &tl = tiles_[i];
      Model &m = *tl.m;
      m.clk_i = 0;
      m.cycle_i = uint32_t(t);
      m.timestep_i = timestep_;
      m.bar_release_i = release_ && release_->cycle == t && release_->cores[i];
      tl.rom.drive(m, t);
      m.eval();
    }
    // 2. links: flits and credits to the neighbours
    for (uint32_t i = 0; i < n; ++i) {
      for (unsigned p = 1; p <= 4; ++p) {
        const uint32_t j = neighbour(i, p, width_, height_);
        if (j == UINT32_MAX)
          continue;
        LinkPipe &pipe = links_[i * 4 + (p - 1)];
        LinkFlit f = outFlit4(*tiles_[i].m, p);
        LinkCredit c = outCredit4(*tiles_[i].m, p);
        if (!pipe.flits.empty()) {
          pipe.flits.insert(pipe.flits.begin(), f);
          f = pipe.flits.back();
          pipe.flits.pop_back();
          pipe.credits.insert(pipe.credits.begin(), c);
          c = pipe.credits.back();
          pipe.credits.pop_back();
        }
        setInFlit4(*tiles_[j].m, opposite(p), f);
        setInCredit4(*tiles_[j].m, opposite(p), c);
      }
    }
    // 3. what the cores did this cycle (combinational outputs)
    std::vector<uint8_t> arrived(n, 0);
    std::vector<uint32_t> spawnReq;
    for (uint32_t i = 0; i < n; ++i) {
      Model &m = *tiles_[i].m;
      arrived[i] = m.bar_arrive_o;
      if (m.spawn_posted_o)
        ++spawnsInFlight_;
      if (m.spawn_consumed_o && spawnsInFlight_)
        --spawnsInFlight_;
      if (m.spawn_req_o)
        spawnReq.push_back(i);
    }
    for (uint32_t i : spawnReq) {
      Tile &tl = tiles_[i];
      tl.rom.start(exe_->images[tiles_[i].m->spawn_image_o], tiles_[i].m->spawn_arg_o, t);
    }
    // 4. rising edge
    for (uint32_t i = 0; i < n; ++i) {
      tiles_[i].m->clk_i = 1;
      tiles_[i].m->eval();
    }
    tileCycles_ += n;
    for (uint32_t i : spawnReq)
      clearSram(tiles_[i]); // the boot ROM's clear; the loader follows from t + 1
    // 5. end of cycle: the model's bookkeeping and barrier monitor
    if (release_ && release_->cycle == t)
      release_.reset();
    for (uint32_t i = 0; i < n; ++i)
      if (arrived[i] && !waiting_[i]) {
        waiting_[i] = 1;
        ++waitCount_;
      }
    uint32_t live = 0;
    for (uint32_t i = 0; i < n; ++i) {
      const uint8_t st = state(i);
      if (st == kRunning || st == kBlocked)
        ++live;
      if (st == kFaulted) {
        if (!faultSeen_[i]) {
          faultSeen_[i] = 1;
          newFault_ = true;
        }
      } else {
        faultSeen_[i] = 0;
      }
      if (waiting_[i] && !(st == kBlocked && tiles_[i].m->block_o == kBlockBarrier)) {
        waiting_[i] = 0;
        --waitCount_;
      }
    }
    live_ = live;
    if (waitCount_ > 0 && waitCount_ == live_ && quiescent()) {
      if (release_)
        throw std::runtime_error("two barrier releases pending");
      Release r;
      r.cycle = t + latency_;
      r.cores = waiting_;
      release_ = r;
      waiting_.assign(n, 0);
      waitCount_ = 0;
      ++timestep_;
      steps_.released(r.cycle, timestep_);
    }
    cycle_ = t + 1;
  }

  RunResult run(Mode mode, uint64_t amount, uint64_t maxCycles) {
    if (!exe_) {
      RunResult r;
      r.report = "no executable loaded";
      return r;
    }
    if (!started_)
      boot();
    RunHooks h;
    h.cycle = [this] { return cycle_; };
    h.timestep = [this] { return timestep_; };
    h.step = [this] { step(); };
    h.fault = [this](std::string &report) {
      if (!newFault_) return false;
      newFault_ = false;
      report = statusReport();
      return true;
    };
    h.finished = [this] { return finished(); };
    return runLoop(h, steps_, mode, amount, maxCycles);
  }

  struct Release {
    uint64_t cycle = 0;
    std::vector<uint8_t> cores;
  };

  uint32_t width_, height_;
  ChipDescriptor chip_;
  std::shared_ptr<const Executable> exe_;
  std::vector<Tile> tiles_;
  std::vector<LinkPipe> links_;
  bool started_ = false;
  uint64_t cycle_ = 0;
  uint32_t timestep_ = 0;
  std::vector<uint8_t> waiting_;
  uint32_t waitCount_ = 0;
  uint32_t latency_ = 1;
  std::optional<Release> release_;
  StepStop steps_;
  uint32_t spawnsInFlight_ = 0;
  std::vector<uint8_t> faultSeen_;
  bool newFault_ = false;
  uint32_t live_ = 0;
  uint64_t tileCycles_ = 0;
};

} // namespace xpu::rtl
