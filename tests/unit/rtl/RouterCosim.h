// Lockstep differential co-simulation of a mesh of Verilated xpu_router
// instances against the C++ network model (emu::Network), cycle by cycle.
//
// Both sides get the same injected flits and the same NI consumption (hence
// the same credits) every cycle. Compared every cycle, on both sides:
//  - every output port of every router (interior links and Local): the flit
//    sent, all fields (payload, vc, head, tail), at the exact cycle (model:
//    Network::setTraverseCallback, the flit as it wins switch traversal);
//  - every credit every router returns on every input port, with its VC, at
//    the exact cycle (model: Network::setCreditCallback; RTL: credit_o);
//  - the Local input credits each NI holds, per VC;
//  - each NI's ejection occupancy (flits sent by the Local output port) and
//    which VCs have a flit ready;
//  - every ejected flit, all fields, again when the NI consumes it;
//  - the RTL's sticky protocol error flags.
// CosimConfig::compareLinkContents = false restores the older, weaker check
// (interior ports by flit valid only, credits only as NI credit counts); the
// tests use it to show what the full comparison adds.
//
// On the first divergence the harness stops and builds a report: cycle,
// router, port, expected (model) vs actual (RTL), and the last `history`
// cycles of both sides. writeVcdWindow() replays the same run (everything is
// deterministic given the seed) with a VCD of every router around it.
#pragma once

#include "RandomTraffic.h"
#include "RtlRouterPorts.h"

#include "xpu/Semantics.h"
#include "xpu/emu/Network.h"

#include <verilated.h>
#include <verilated_vcd_c.h>

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <iomanip>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace xpu::rtl {

constexpr unsigned kPorts = 5;
inline const char *portName(unsigned p) {
  static const char *n[] = {"Local", "East", "West", "North", "South"};
  return p < kPorts ? n[p] : "?";
}
inline unsigned oppositePort(unsigned p) {
  switch (p) {
  case 1: return 2;
  case 2: return 1;
  case 3: return 4;
  case 4: return 3;
  default: return 0;
  }
}

/// Synthetic traffic of the harness NIs (random; off for directed tests).
struct TrafficConfig {
  double packetRate = 0.0;       // new packet per idle (core, VC) per cycle
  double mcastFraction = 0.0;    // of new packets, when the core sources a group
  double hotspotFraction = 0.0;  // of unicast packets, sent to `hotspot`
  uint32_t hotspot = 0;
  uint32_t maxBodyFlits = 5;     // unicast length: 0..maxBodyFlits * F bytes
  double stallRate = 0.0;        // NI starts withholding credits (stops consuming)
  uint32_t maxStall = 32;        // ... for 1..maxStall cycles
};

struct CosimConfig {
  ChipDescriptor chip;
  std::vector<MulticastGroup> groups;
  TrafficConfig traffic;
  uint64_t seed = 1;
  unsigned history = 12;         // cycles of both sides in a divergence report
  // VCD of every router for cycles [traceBegin, traceEnd] (empty: none).
  std::string vcdPath;
  uint64_t traceBegin = 0, traceEnd = 0;
  // Compare every output port's flit contents and every credit_o at the
  // exact cycle (false: valid bits of output ports only; contents at the NI).
  bool compareLinkContents = true;
};

/// Test-only corruption of the RTL side of a link, as if a wire flipped:
/// the `nth` flit (0-based) router `router` sends on output `port` has its
/// payload XORed with `dataXor` (and its VC with `vcXor`) before the harness
/// compares it and before the neighbour (or NI) receives it. With `credit`,
/// the `nth` credit router `router` returns on input `port` instead has its
/// VC XORed with `vcXor`.
struct LinkCorruption {
  uint32_t router = 0;
  unsigned port = 0;
  bool credit = false;
  uint64_t nth = 0;
  uint64_t dataXor = 0;
  uint8_t vcXor = 0;
  uint64_t seen = 0;            // flits counted so far on that port
  int64_t appliedCycle = -1;    // cycle it was applied (-1: not yet)
};

struct Divergence {
  uint64_t cycle = 0;          // first cycle at which the outputs differ
  uint64_t detectedCycle = 0;  // cycle at which the harness saw it
  int router = -1;             // -1: not a router port
  int port = -1;
  std::string what, expected, actual;
  std::string report;          // the above plus both sides' history
};

/// A flit consumed by an NI (both sides agreed on it).
struct Consumed {
  uint32_t core = 0;
  uint64_t cycle = 0;
  LinkFlit flit;
};

inline std::string flitText(const LinkFlit &f) {
  if (!f.valid) return "-";
  std::ostringstream os;
  os << "vc" << unsigned(f.vc) << (f.head ? " H" : "") << (f.tail ? " T" : "");
  if (f.head) {
    const PacketHeader h = unpackHeader(f.data);
    os << " {" << (h.mcast ? "group " : "dest ") << h.dest << " src " << h.source << " mb "
       << unsigned(h.mailbox) << " len " << h.length << "}";
  } else {
    os << " 0x" << std::hex << f.data << std::dec;
  }
  return os.str();
}

inline std::string creditText(const LinkCredit &c) {
  return c.valid ? "credit vc" + std::to_string(unsigned(c.vc)) : "no credit";
}

inline LinkFlit toLink(const emu::Flit &f) {
  LinkFlit l;
  l.valid = true;
  l.head = f.head;
  l.tail = f.tail;
  l.vc = f.vc;
  l.data = f.data[0];
  return l;
}

template <class M> class RouterCosim {
public:
  explicit RouterCosim(CosimConfig cfg)
      : cfg_(std::move(cfg)), chip_(cfg_.chip), N_(chip_.numCores()), V_(chip_.virtualChannels),
        D_(chip_.bufferDepth), L_(chip_.linkLatency), net_(chip_, cfg_.groups), rng_(cfg_.seed) {
    if (chip_.flitBytes != 8) throw std::invalid_argument("RTL models are built for 8-byte flits");
    ctx_ = std::make_unique<VerilatedContext>();
    ctx_->randReset(0);
    tracing_ = !cfg_.vcdPath.empty();
    if (tracing_) ctx_->traceEverOn(true);
    for (uint32_t r = 0; r < N_; ++r) {
      const std::string name = "r" + std::to_string(r);
      rtl_.push_back(std::make_unique<M>(ctx_.get(), name.c_str()));
    }
    if (tracing_) {
      vcd_ = std::make_unique<VerilatedVcdC>();
      for (auto &m : rtl_) m->trace(vcd_.get(), 99);
      vcd_->open(cfg_.vcdPath.c_str());
    }
    resetAndLoad();

    neighbor_.assign(N_, {-1, -1, -1, -1, -1});
    for (uint32_t r = 0; r < N_; ++r) {
      const uint32_t x = chip_.coreX(r), y = chip_.coreY(r);
      if (x + 1 < chip_.width) neighbor_[r][1] = int(r + 1);
      if (x > 0) neighbor_[r][2] = int(r - 1);
      if (y > 0) neighbor_[r][3] = int(r - chip_.width);
      if (y + 1 < chip_.height) neighbor_[r][4] = int(r + chip_.width);
    }
    outSnap_.assign(size_t(L_) * N_, {});
    creditSnap_.assign(size_t(L_) * N_, {});
    cur_.assign(N_, {});
    curCredit_.assign(N_, {});
    pending_.assign(size_t(N_) * V_, {});
    injRR_.assign(N_, 0);
    ejRR_.assign(N_, V_ - 1);
    stall_.assign(N_, 0);
    niCredits_.assign(size_t(N_) * V_, D_);
    ejq_.assign(size_t(N_) * V_, {});
    ejOcc_.assign(N_, 0);
    prevLinks_.assign(N_, {});
    groupsOf_.assign(N_, {});
    for (uint32_t g = 0; g < cfg_.groups.size(); ++g)
      if (cfg_.groups[g].source < N_) groupsOf_[cfg_.groups[g].source].push_back(g);
    hist_.assign(std::max(1u, cfg_.history), CycleRecord(N_, V_));
    modelOut_.assign(N_, {});
    modelFrom_.assign(N_, {});
    modelCredit_.assign(N_, {});
    modelOutCount_.assign(N_, {});
    modelCreditCount_.assign(N_, {});
    if (cfg_.compareLinkContents) {
      net_.setTraverseCallback([this](uint32_t r, uint8_t in, uint8_t out, const emu::Flit &f,
                                      uint64_t now) {
        if (r >= N_ || out >= kPorts || now != now_) {
          if (!div_) diverge(now_, now_, int(r), int(out), "model traverse callback out of range", "", "");
          return;
        }
        modelOut_[r][out] = toLink(f);
        modelFrom_[r][out] = in;
        ++modelOutCount_[r][out];
      });
      net_.setCreditCallback([this](uint32_t r, uint8_t in, uint8_t vc, uint64_t now) {
        if (r >= N_ || in >= kPorts || now != now_) {
          if (!div_) diverge(now_, now_, int(r), int(in), "model credit callback out of range", "", "");
          return;
        }
        modelCredit_[r][in] = {true, vc};
        ++modelCreditCount_[r][in];
      });
    }
  }

  ~RouterCosim() {
    if (vcd_) vcd_->close();
    for (auto &m : rtl_) m->final();
  }

  emu::Network &model() { return net_; }
  M &rtl(uint32_t r) { return *rtl_[r]; }
  uint64_t cycle() const { return now_; }
  const std::optional<Divergence> &divergence() const { return div_; }
  /// Flits consumed by the NIs (only if recordConsumed(true)).
  const std::vector<Consumed> &consumed() const { return consumed_; }
  void recordConsumed(bool on) { recordConsumed_ = on; }
  uint64_t flitsEjected() const { return flitsEjected_; }
  uint64_t packetsInjected() const { return packetsInjected_; }
  uint64_t mcastPacketsInjected() const { return mcastInjected_; }
  uint64_t flitHops() const { return net_.stats().flitHops; }
  /// Test-only: corrupts a flit on an RTL output (see LinkCorruption).
  void addLinkCorruption(const LinkCorruption &c) { corrupt_.push_back(c); }
  const std::vector<LinkCorruption> &linkCorruptions() const { return corrupt_; }
  /// Stop (or resume) NI `core` consuming flits: credits are withheld.
  void setSinkStalled(uint32_t core, bool stalled) {
    forcedStall_.resize(N_);
    forcedStall_[core] = stalled;
  }
  /// No packet waiting to be injected and the model network is empty.
  bool drained() const {
    for (const auto &q : pending_)
      if (!q.empty()) return false;
    return net_.quiescent();
  }

  /// Queues a packet at `src` on `vc` (unicast to core `dest`, or multicast
  /// to group `dest`) with `lengthBytes` payload bytes.
  void send(uint32_t src, uint32_t dest, uint8_t vc, uint32_t lengthBytes, bool mcast = false) {
    const uint64_t id = nextPacketId_++;
    auto &q = pending_[size_t(src) * V_ + vc];
    for (const emu::Flit &f : randomPacket(src, dest, mcast, lengthBytes, vc, id, chip_.flitBytes, rng_))
      q.push_back(f);
  }

  /// Runs up to `cycles` cycles; stops at the first divergence. Returns the
  /// number of cycles run.
  uint64_t run(uint64_t cycles) {
    uint64_t n = 0;
    while (n < cycles && !div_) {
      step();
      ++n;
    }
    return n;
  }

  /// Runs until drained (or a divergence, or `limit` cycles).
  uint64_t drain(uint64_t limit) {
    uint64_t n = 0;
    TrafficConfig saved = cfg_.traffic;
    cfg_.traffic.packetRate = 0;
    cfg_.traffic.stallRate = 0;
    std::fill(stall_.begin(), stall_.end(), 0);
    std::fill(forcedStall_.begin(), forcedStall_.end(), false);
    while (n < limit && !div_ && !drained()) {
      step();
      ++n;
    }
    cfg_.traffic = saved;
    return n;
  }

  /// One cycle of both sides. Returns false once they have diverged.
  bool step() {
    if (div_ && !replay_) return false;
    const uint64_t t = now_;
    CycleRecord &rec = hist_[t % hist_.size()];
    rec.clear(t);

    // 0. RTL outputs of cycle t (functions of registered state only).
    for (uint32_t r = 0; r < N_; ++r) {
      const M &m = *rtl_[r];
      for (unsigned p = 0; p < kPorts; ++p) {
        cur_[r][p] = outFlit(m, p);
        curCredit_[r][p] = outCredit(m, p);
        if (!corrupt_.empty()) applyCorruption(r, p, t);
        if (cur_[r][p].valid) rec.rtlMask[r] |= uint8_t(1u << p);
        rec.rtlOut[r][p] = cur_[r][p];
      }
      if (m.err_o && !div_)
        diverge(t, t, int(r), -1, "RTL protocol error flags err_o", "0",
                std::to_string(unsigned(m.err_o)));
    }

    rec.stages |= kOutputs;

    // 1. NIs consume (or withhold credits), the same on both sides.
    std::vector<LinkCredit> ejCredit(N_);
    for (uint32_t c = 0; c < N_; ++c) consume(c, t, rec, ejCredit[c]);
    rec.stages |= kPops;

    // 2. NIs inject, the same on both sides; the credits they see must agree.
    std::vector<LinkFlit> inj(N_);
    for (uint32_t c = 0; c < N_; ++c) {
      if (cfg_.traffic.packetRate > 0) generate(c, t);
      inject(c, t, rec, inj[c]);
    }
    rec.stages |= kInject;

    // 3. The model's routers for cycle t; compare every output port (the
    //    flit sent) and every input port (the credit returned).
    const bool full = cfg_.compareLinkContents;
    if (full)
      for (uint32_t r = 0; r < N_; ++r) {
        modelOut_[r] = {};
        modelCredit_[r] = {};
        modelOutCount_[r] = {};
        modelCreditCount_[r] = {};
      }
    try {
      net_.tick(t);
    } catch (const std::exception &e) {
      diverge(t, t, -1, -1, std::string("model threw: ") + e.what(), "", "");
    }
    rec.stages |= kModel;
    const auto &links = net_.stats().linkFlits;
    for (uint32_t r = 0; r < N_; ++r) {
      if (full) {
        rec.modelOut[r] = modelOut_[r];
        rec.modelFrom[r] = modelFrom_[r];
        rec.modelCredit[r] = modelCredit_[r];
        rec.rtlCredit[r] = curCredit_[r];
      }
      for (unsigned p = 0; p < kPorts; ++p) {
        const uint64_t d = links[r][p] - prevLinks_[r][p];
        prevLinks_[r][p] = links[r][p];
        if (d) rec.modelMask[r] |= uint8_t(1u << p);
        if (div_) continue;
        if (!full) {
          if (d != (cur_[r][p].valid ? 1u : 0u))
            diverge(t, t, int(r), int(p), "output flit valid", d ? "valid" : "idle",
                    cur_[r][p].valid ? "valid " + flitText(cur_[r][p]) : "idle");
          continue;
        }
        if (modelOutCount_[r][p] != d || d > 1)
          diverge(t, t, int(r), int(p), "model traverse callback vs link counter",
                  std::to_string(d) + " traversal(s) counted",
                  std::to_string(modelOutCount_[r][p]) + " reported");
        else if (modelOut_[r][p] != cur_[r][p])
          diverge(t, t, int(r), int(p),
                  std::string("flit sent by the ") + portName(p) + " output port",
                  flitText(modelOut_[r][p]), flitText(cur_[r][p]));
        else if (modelCreditCount_[r][p] > 1 || !sameCredit(modelCredit_[r][p], curCredit_[r][p]))
          diverge(t, t, int(r), int(p),
                  std::string("credit returned by the ") + portName(p) + " input port (credit_o)",
                  modelCreditCount_[r][p] > 1 ? "several credits" : creditText(modelCredit_[r][p]),
                  creditText(curCredit_[r][p]));
      }
    }

    // 4. RTL Local outputs enter the NI ejection buffers (arrive t + 1);
    //    Local credits reach the NI (usable at t + 1).
    for (uint32_t c = 0; c < N_; ++c) {
      const LinkFlit &f = cur_[c][0];
      if (f.valid) {
        if (f.vc >= V_) {
          diverge(t, t, int(c), 0, "Local output VC out of range", "< V", std::to_string(f.vc));
        } else {
          ejq_[size_t(c) * V_ + f.vc].push_back({f, t});
          ++ejOcc_[c];
        }
      }
      const LinkCredit &cr = curCredit_[c][0];
      if (cr.valid && cr.vc < V_) ++niCredits_[size_t(c) * V_ + cr.vc];
      if (net_.ejectOccupancy(c) != ejOcc_[c] && !div_)
        diverge(t, t, int(c), 0, "ejection occupancy after the Local output port",
                std::to_string(net_.ejectOccupancy(c)), std::to_string(ejOcc_[c]));
    }

    // 5. RTL inputs of cycle t (links are L - 1 register stages), clock edge.
    const size_t slotNow = size_t(t % L_) * N_;
    for (uint32_t r = 0; r < N_; ++r) {
      outSnap_[slotNow + r] = cur_[r];
      creditSnap_[slotNow + r] = curCredit_[r];
    }
    const bool linkReady = t + 1 >= L_;
    const size_t slotIn = size_t((t + 1 - (linkReady ? L_ : 0)) % L_) * N_;
    for (uint32_t r = 0; r < N_; ++r) {
      M &m = *rtl_[r];
      setInFlit(m, 0, inj[r]);
      setInCredit(m, 0, ejCredit[r]);
      for (unsigned p = 1; p < kPorts; ++p) {
        const int nb = neighbor_[r][p];
        LinkFlit f;
        LinkCredit cr;
        if (nb >= 0 && linkReady) {
          f = outSnap_[slotIn + uint32_t(nb)][oppositePort(p)];
          cr = creditSnap_[slotIn + uint32_t(nb)][oppositePort(p)];
        }
        setInFlit(m, p, f);
        setInCredit(m, p, cr);
      }
    }
    clockEdge(t);
    ++now_;
    return !div_;
  }

  /// Replays this configuration from cycle 0 with a VCD of every router over
  /// [from, to]; returns the number of cycles replayed.
  static uint64_t writeVcdWindow(CosimConfig cfg, const std::string &path, uint64_t from,
                                 uint64_t to,
                                 const std::function<void(RouterCosim &)> &setup = {}) {
    cfg.vcdPath = path;
    cfg.traceBegin = from;
    cfg.traceEnd = to;
    RouterCosim sim(cfg);
    sim.replay_ = true;  // keep clocking past the divergence to the window's end
    if (setup) setup(sim);
    while (sim.cycle() <= to) sim.step();
    return sim.cycle();
  }

private:
  static constexpr uint8_t kOutputs = 1, kPops = 2, kInject = 4, kModel = 8;

  struct EjEntry {
    LinkFlit flit;
    uint64_t sentCycle;  // RTL Local output cycle; arrives at sentCycle + 1
  };

  struct CycleRecord {
    uint64_t cycle = 0;
    uint8_t stages = 0;  // kOutputs | kPops | kInject | kModel: what this cycle got through
    std::vector<uint8_t> modelMask, rtlMask;            // per router: valid outputs
    std::vector<std::array<LinkFlit, kPorts>> rtlOut;   // per router
    // Full comparison only: model flits sent (and from which input port),
    // credits returned per input port on both sides.
    std::vector<std::array<LinkFlit, kPorts>> modelOut;
    std::vector<std::array<uint8_t, kPorts>> modelFrom;
    std::vector<std::array<LinkCredit, kPorts>> modelCredit, rtlCredit;
    std::vector<LinkFlit> inj, modelPop, rtlPop;        // per core
    std::vector<uint8_t> modelCred, rtlCred;            // per core * V
    CycleRecord(uint32_t n, uint32_t v)
        : modelMask(n), rtlMask(n), rtlOut(n), modelOut(n), modelFrom(n), modelCredit(n),
          rtlCredit(n), inj(n), modelPop(n), rtlPop(n), modelCred(size_t(n) * v),
          rtlCred(size_t(n) * v) {}
    void clear(uint64_t c) {
      cycle = c;
      stages = 0;
      std::fill(modelMask.begin(), modelMask.end(), 0);
      std::fill(rtlMask.begin(), rtlMask.end(), 0);
      for (auto &a : modelOut) a = {};
      for (auto &a : modelCredit) a = {};
      for (auto &a : rtlCredit) a = {};
      for (auto &x : inj) x.valid = false;
      for (auto &x : modelPop) x.valid = false;
      for (auto &x : rtlPop) x.valid = false;
    }
  };

  void resetAndLoad() {
    const auto tables = emu::buildMulticastTables(chip_, cfg_.groups);
    for (uint32_t r = 0; r < N_; ++r) {
      resetRouter(*rtl_[r], uint8_t(chip_.coreX(r)), uint8_t(chip_.coreY(r)));
      loadMulticastTable(*rtl_[r], tables[r]);
    }
  }

  static bool sameCredit(const LinkCredit &a, const LinkCredit &b) {
    return a.valid == b.valid && (!a.valid || a.vc == b.vc);
  }

  void applyCorruption(uint32_t r, unsigned p, uint64_t t) {
    for (LinkCorruption &c : corrupt_) {
      if (c.router != r || c.port != p) continue;
      if (!(c.credit ? curCredit_[r][p].valid : cur_[r][p].valid)) continue;
      if (c.seen++ != c.nth) continue;
      if (c.credit) {
        curCredit_[r][p].vc = uint8_t((curCredit_[r][p].vc ^ c.vcXor) & 7u);
      } else {
        cur_[r][p].data ^= c.dataXor;
        cur_[r][p].vc = uint8_t((cur_[r][p].vc ^ c.vcXor) & 7u);
      }
      c.appliedCycle = int64_t(t);
    }
  }

  void clockEdge(uint64_t t) {
    const bool dump = vcd_ && t >= cfg_.traceBegin && t <= cfg_.traceEnd;
    for (auto &m : rtl_) {
      m->clk_i = 0;
      m->eval();
    }
    if (dump) vcd_->dump(2 * t);
    for (auto &m : rtl_) {
      m->clk_i = 1;
      m->eval();
    }
    if (dump) vcd_->dump(2 * t + 1);
  }

  void consume(uint32_t c, uint64_t t, CycleRecord &rec, LinkCredit &credit) {
    // Which VCs have an arrived flit must agree on both sides.
    uint32_t readyModel = 0, readyRtl = 0;
    for (uint32_t v = 0; v < V_; ++v) {
      if (net_.ejectFront(c, uint8_t(v), t)) readyModel |= 1u << v;
      const auto &q = ejq_[size_t(c) * V_ + v];
      if (!q.empty() && q.front().sentCycle + 1 <= t) readyRtl |= 1u << v;
    }
    if (readyModel != readyRtl) {
      // Occupancy agreed so far: a flit the Local output sent at t - 1 (or
      // earlier, behind another flit) went to another VC.
      diverge(t ? t - 1 : 0, t, int(c), 0,
              "VC of flits sent by the Local output port (mask of ejection VCs with a flit ready)",
              std::to_string(readyModel), std::to_string(readyRtl));
      return;
    }
    bool stalled = !forcedStall_.empty() && forcedStall_[c];
    if (stall_[c]) {
      --stall_[c];
      stalled = true;
    } else if (cfg_.traffic.stallRate > 0 && uni_(rng_) < cfg_.traffic.stallRate) {
      stall_[c] = 1 + uint32_t(rng_() % cfg_.traffic.maxStall);
      stalled = true;
    }
    if (stalled || !readyModel) return;
    uint32_t v = ejRR_[c];
    for (uint32_t i = 0; i < V_; ++i) {
      v = v + 1 == V_ ? 0 : v + 1;
      if (!(readyModel & (1u << v))) continue;
      ejRR_[c] = v;
      const LinkFlit want = toLink(*net_.ejectFront(c, uint8_t(v), t));
      auto &q = ejq_[size_t(c) * V_ + v];
      const EjEntry got = q.front();
      q.pop_front();
      --ejOcc_[c];
      rec.modelPop[c] = want;
      rec.rtlPop[c] = got.flit;
      try {
        net_.ejectPop(c, uint8_t(v), t);
      } catch (const std::exception &e) {
        diverge(t, t, -1, -1, std::string("model threw: ") + e.what(), "", "");
      }
      credit = {true, uint8_t(v)};
      ++flitsEjected_;
      if (recordConsumed_) consumed_.push_back({c, t, got.flit});
      if (want != got.flit && !div_)
        diverge(got.sentCycle, t, int(c), 0, "flit sent by the Local output port (seen at the NI)",
                flitText(want), flitText(got.flit));
      return;
    }
  }

  void generate(uint32_t c, uint64_t t) {
    const TrafficConfig &tc = cfg_.traffic;
    for (uint32_t v = 0; v < V_; ++v) {
      if (!pending_[size_t(c) * V_ + v].empty() || uni_(rng_) >= tc.packetRate) continue;
      const auto &mine = groupsOf_[c];
      if (!mine.empty() && uni_(rng_) < tc.mcastFraction) {
        const MulticastGroup &g = cfg_.groups[mine[rng_() % mine.size()]];
        // Virtual cut-through needs the whole packet in one buffer.
        const uint32_t bytes = uint32_t(rng_() % ((D_ - 1) * chip_.flitBytes + 1));
        send(c, g.id, uint8_t(v), bytes, true);
      } else {
        const uint32_t dest = uni_(rng_) < tc.hotspotFraction ? tc.hotspot : uint32_t(rng_() % N_);
        const uint32_t bytes = uint32_t(rng_() % (tc.maxBodyFlits * chip_.flitBytes + 1));
        send(c, dest, uint8_t(v), bytes, false);
      }
    }
    (void)t;
  }

  void inject(uint32_t c, uint64_t t, CycleRecord &rec, LinkFlit &out) {
    for (uint32_t v = 0; v < V_; ++v) {
      const uint32_t m = net_.injectCredits(c, uint8_t(v), t);
      const uint32_t r = niCredits_[size_t(c) * V_ + v];
      rec.modelCred[size_t(c) * V_ + v] = uint8_t(m);
      rec.rtlCred[size_t(c) * V_ + v] = uint8_t(r);
      if (m != r && !div_) {
        // Credit for a slot freed at t - 1 by the Local input port.
        diverge(t - 1, t, int(c), 0,
                "credits returned by the Local input port, VC " + std::to_string(v) +
                    " (NI credit count at the next cycle)",
                std::to_string(m), std::to_string(r));
        return;
      }
    }
    uint32_t v = injRR_[c];
    for (uint32_t i = 0; i < V_; ++i) {
      v = v + 1 == V_ ? 0 : v + 1;
      auto &q = pending_[size_t(c) * V_ + v];
      if (q.empty() || niCredits_[size_t(c) * V_ + v] == 0) continue;
      injRR_[c] = v;
      emu::Flit f = q.front();
      q.pop_front();
      f.createdCycle = t;
      try {
        net_.inject(c, f, t);
      } catch (const std::exception &e) {
        diverge(t, t, -1, -1, std::string("model threw: ") + e.what(), "", "");
      }
      --niCredits_[size_t(c) * V_ + v];
      out = toLink(f);
      rec.inj[c] = out;
      if (f.head) {
        ++packetsInjected_;
        if (unpackHeader(f.data[0]).mcast) ++mcastInjected_;
      }
      return;
    }
  }

  void diverge(uint64_t cycle, uint64_t detected, int router, int port, std::string what,
               std::string expected, std::string actual) {
    if (div_) return;
    Divergence d;
    d.cycle = cycle;
    d.detectedCycle = detected;
    d.router = router;
    d.port = port;
    d.what = std::move(what);
    d.expected = std::move(expected);
    d.actual = std::move(actual);
    std::ostringstream os;
    os << "RTL/model divergence at cycle " << d.cycle;
    if (d.detectedCycle != d.cycle) os << " (detected at cycle " << d.detectedCycle << ")";
    if (router >= 0) os << ", router " << router << " (" << chip_.coreX(uint32_t(router)) << ","
                        << chip_.coreY(uint32_t(router)) << ")";
    if (port >= 0) os << " port " << portName(unsigned(port));
    os << ": " << d.what << "\n  expected (C++ model): " << d.expected
       << "\n  actual   (RTL)      : " << d.actual << "\n";
    os << "last " << std::min<uint64_t>(hist_.size(), detected + 1)
       << " cycles (flits sent per router output port, credits returned per input port, NI pops"
          " and credit counts):\n";
    const uint64_t first = detected + 1 >= hist_.size() ? detected + 1 - hist_.size() : 0;
    for (uint64_t c = first; c <= detected; ++c) os << describe(hist_[c % hist_.size()]);
    d.report = os.str();
    div_ = std::move(d);
  }

  std::string describe(const CycleRecord &r) const {
    std::ostringstream os;
    os << "  cycle " << r.cycle << "\n";
    std::ostringstream inj, mo, ro, mp, rp, mc, rc, mk, rk;
    const bool full = cfg_.compareLinkContents;
    for (uint32_t c = 0; c < N_; ++c) {
      if (r.inj[c].valid) inj << " c" << c << ":" << flitText(r.inj[c]) << ";";
      for (unsigned p = 0; p < kPorts; ++p) {
        if (full && r.modelOut[c][p].valid)
          mo << " r" << c << "." << portName(p) << "=" << flitText(r.modelOut[c][p]) << " (from "
             << portName(r.modelFrom[c][p]) << ");";
        else if (!full && (r.modelMask[c] & (1u << p)))
          mo << " r" << c << "." << portName(p);
        if (r.rtlMask[c] & (1u << p))
          ro << " r" << c << "." << portName(p) << "=" << flitText(r.rtlOut[c][p]) << ";";
        if (r.modelCredit[c][p].valid)
          mk << " r" << c << "." << portName(p) << ":vc" << unsigned(r.modelCredit[c][p].vc);
        if (r.rtlCredit[c][p].valid)
          rk << " r" << c << "." << portName(p) << ":vc" << unsigned(r.rtlCredit[c][p].vc);
      }
      if (r.modelPop[c].valid) mp << " c" << c << ":" << flitText(r.modelPop[c]) << ";";
      if (r.rtlPop[c].valid) rp << " c" << c << ":" << flitText(r.rtlPop[c]) << ";";
      mc << " c" << c << "[";
      rc << " c" << c << "[";
      for (uint32_t v = 0; v < V_; ++v) {
        mc << (v ? "," : "") << unsigned(r.modelCred[size_t(c) * V_ + v]);
        rc << (v ? "," : "") << unsigned(r.rtlCred[size_t(c) * V_ + v]);
      }
      mc << "]";
      rc << "]";
    }
    if ((r.stages & kInject) && !inj.str().empty()) os << "    both  inject :" << inj.str() << "\n";
    if (r.stages & kModel) os << "    model out    :" << (mo.str().empty() ? " -" : mo.str()) << "\n";
    if (r.stages & kOutputs) os << "    rtl   out    :" << (ro.str().empty() ? " -" : ro.str()) << "\n";
    if (full && (r.stages & kModel)) {
      os << "    model credit :" << (mk.str().empty() ? " -" : mk.str()) << "\n";
      os << "    rtl   credit :" << (rk.str().empty() ? " -" : rk.str()) << "\n";
    }
    if (!mp.str().empty() || !rp.str().empty()) {
      os << "    model NI pop :" << mp.str() << "\n";
      os << "    rtl   NI pop :" << rp.str() << "\n";
    }
    if (r.stages & kInject)
      os << "    model NI cred:" << mc.str() << "\n    rtl   NI cred:" << rc.str() << "\n";
    if (r.stages != (kOutputs | kPops | kInject | kModel))
      os << "    (divergence detected here: the rest of this cycle was not run)\n";
    return os.str();
  }

  CosimConfig cfg_;
  ChipDescriptor chip_;
  uint32_t N_, V_, D_, L_;
  emu::Network net_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> uni_{0.0, 1.0};
  std::unique_ptr<VerilatedContext> ctx_;
  std::vector<std::unique_ptr<M>> rtl_;
  std::unique_ptr<VerilatedVcdC> vcd_;
  bool tracing_ = false;
  bool replay_ = false;
  uint64_t now_ = 0;

  std::vector<std::array<int, kPorts>> neighbor_;
  std::vector<std::array<LinkFlit, kPorts>> cur_, outSnap_;        // [slot * N + r]
  std::vector<std::array<LinkCredit, kPorts>> curCredit_, creditSnap_;
  std::vector<std::deque<emu::Flit>> pending_;   // [core * V + vc]: flits to inject
  std::vector<uint32_t> injRR_, ejRR_, stall_;
  std::vector<bool> forcedStall_;
  std::vector<uint32_t> niCredits_;              // RTL side, [core * V + vc]
  std::vector<std::deque<EjEntry>> ejq_;         // RTL side ejection buffers
  std::vector<uint32_t> ejOcc_;
  std::vector<std::array<uint64_t, kPorts>> prevLinks_;
  // Model side of the current cycle, from the Network callbacks.
  std::vector<std::array<LinkFlit, kPorts>> modelOut_;
  std::vector<std::array<uint8_t, kPorts>> modelFrom_;
  std::vector<std::array<LinkCredit, kPorts>> modelCredit_;
  std::vector<std::array<uint32_t, kPorts>> modelOutCount_, modelCreditCount_;
  std::vector<LinkCorruption> corrupt_;
  std::vector<std::vector<uint32_t>> groupsOf_;  // group indices sourced by each core
  std::vector<CycleRecord> hist_;
  std::optional<Divergence> div_;
  std::vector<Consumed> consumed_;
  bool recordConsumed_ = false;
  uint64_t nextPacketId_ = 1;
  uint64_t flitsEjected_ = 0, packetsInjected_ = 0, mcastInjected_ = 0;
};

} // namespace xpu::rtl
