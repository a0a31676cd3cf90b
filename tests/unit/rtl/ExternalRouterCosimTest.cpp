// Verilated xpu_router instances as external routers of the C++ network
// (emu::Network::setExternalRouter, docs/noc.md "External routers"): a 3x3
// model mesh whose centre, a corner, or several routers are RTL, run on
// random traffic (all VCs, multicast, NIs stalling) next to an all-model 3x3
// network on the same traffic. Every flit every NI consumes must be equal
// on both, at the same cycle; both conservation checkers must pass.
//
// Unlike RouterCosim.h (every router RTL, compared port by port against a
// model of the same mesh), the RTL routers here are wired into the model
// network through the external-router API, so this checks that API's link
// and credit timing against the RTL's timing contract (docs/rtl.md 2).
#include "RtlConfigs.h"
#include "RandomTraffic.h"
#include "RtlRouterPorts.h"

#include "xpu/Semantics.h"
#include "xpu/emu/Network.h"
#include "xpu/rtl/FlitLink.h"

#include <verilated.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>

namespace xpu::rtl {
namespace {

constexpr unsigned kPortsN = 5;

/// Test-only faults of the glue between an RTL router and the network,
/// each a bug the comparison must catch.
struct GlueFault {
  bool creditLate = false;  // RTL credits reach the network one cycle late
  bool wrongX = false;      // the RTL router strapped one column off: wrong XY routes
};

struct ExtConfig {
  uint32_t linkLatency = 1;
  std::vector<uint32_t> rtlRouters;
  std::vector<MulticastGroup> groups;
  double packetRate = 0.02;    // per (core, VC) with nothing pending, per cycle
  double mcastFraction = 0.2;  // of packets from a core that sources a group
  double stallRate = 0.01;     // an NI starts withholding credits
  uint32_t maxStall = 24;
  uint64_t seed = 1;
  GlueFault fault;
};

/// One consumed flit (the comparison unit).
struct Pop {
  uint32_t core = 0;
  LinkFlit flit;
  bool operator==(const Pop &o) const { return core == o.core && flit == o.flit; }
};

inline std::string text(const Pop &p) {
  std::ostringstream os;
  os << "core " << p.core << " vc" << unsigned(p.flit.vc) << (p.flit.head ? " H" : "")
     << (p.flit.tail ? " T" : "") << " 0x" << std::hex << p.flit.data;
  return os.str();
}

template <class M> class ExternalRouterCosim {
public:
  explicit ExternalRouterCosim(ExtConfig cfg)
      : cfg_(std::move(cfg)), chip_(chipFor<M>(3, cfg_.linkLatency)), N_(chip_.numCores()),
        V_(chip_.virtualChannels), D_(chip_.bufferDepth), L_(chip_.linkLatency),
        ref_(chip_, cfg_.groups), mix_(chip_, cfg_.groups), rng_(cfg_.seed) {
    ctx_ = std::make_unique<VerilatedContext>();
    ctx_->randReset(0);
    rtlOf_.assign(N_, -1);
    for (uint32_t r : cfg_.rtlRouters) {
      mix_.setExternalRouter(r);
      rtlOf_[r] = int(rtl_.size());
      Rtl x;
      x.id = r;
      x.m = std::make_unique<M>(ctx_.get(), ("r" + std::to_string(r)).c_str());
      rtl_.push_back(std::move(x));
    }
    for (auto &x : rtl_) {
      x.hist.assign(L_, {});
      x.niCredits.assign(V_, D_);
      x.ejq.assign(V_, {});
    }
    resetAndLoad();
    for (Side *s : {&refSide_, &mixSide_}) {
      s->pending.assign(size_t(N_) * V_, {});
      s->injRR.assign(N_, V_ - 1);
      s->ejRR.assign(N_, V_ - 1);
    }
    stall_.assign(N_, 0);
    groupsOf_.assign(N_, {});
    for (const MulticastGroup &g : cfg_.groups) groupsOf_[g.source].push_back(g.id);
  }

  ~ExternalRouterCosim() {
    for (auto &x : rtl_) x.m->final();
  }

  const std::optional<std::string> &divergence() const { return div_; }
  uint64_t cycle() const { return now_; }
  uint64_t flitsConsumed() const { return consumed_; }
  uint64_t rtlLinkFlits() const { return rtlLinkFlits_; }
  uint64_t mcastPackets() const { return mcastPackets_; }

  /// Runs `cycles` cycles of traffic (stops at the first divergence).
  void run(uint64_t cycles) {
    for (uint64_t i = 0; i < cycles && !div_; ++i) step(true);
  }
  /// No new traffic, no stalls, until both sides are empty; true if drained.
  bool drain(uint64_t limit) {
    std::fill(stall_.begin(), stall_.end(), 0);
    for (uint64_t i = 0; i < limit && !div_; ++i) {
      if (drained()) return true;
      step(false);
    }
    return drained();
  }
  /// Conservation: every packet delivered on both (throws otherwise).
  void checkAllDelivered() const {
    ref_.checkAllDelivered();
    mix_.checkAllDelivered();
  }

private:
  struct Side {
    std::vector<std::deque<emu::Flit>> pending;  // [core * V + vc]
    std::vector<uint32_t> injRR, ejRR;
  };
  struct Outputs {
    std::array<LinkFlit, kPortsN> flit;
    std::array<LinkCredit, kPortsN> credit;
  };
  struct Rtl {
    uint32_t id = 0;
    std::unique_ptr<M> m;
    std::vector<Outputs> hist;  // outputs of cycle t at [t % L] (link stages)
    // The NI stand-in on the RTL router's Local port.
    std::vector<uint32_t> niCredits;
    std::vector<std::deque<std::pair<LinkFlit, uint64_t>>> ejq;  // flit, cycle it arrives
    LinkFlit inj;
    LinkCredit pop;
    std::array<LinkCredit, kPortsN> lateCredit{};  // GlueFault::creditLate
  };

  bool drained() const {
    for (const Side *s : {&refSide_, &mixSide_})
      for (const auto &q : s->pending)
        if (!q.empty()) return false;
    if (!ref_.quiescent() || !mix_.quiescent()) return false;
    if (rtlHeld_) return false;
    for (const Rtl &x : rtl_) {
      if (!mix_.externalIdle(x.id)) return false;
      for (const auto &q : x.ejq)
        if (!q.empty()) return false;
    }
    return true;
  }

  void resetAndLoad() {
    const auto tables = emu::buildMulticastTables(chip_, cfg_.groups);
    for (Rtl &x : rtl_) {
      const uint32_t px = chip_.coreX(x.id);
      resetRouter(*x.m, uint8_t(cfg_.fault.wrongX ? (px + 1) % chip_.width : px),
                  uint8_t(chip_.coreY(x.id)));
      loadMulticastTable(*x.m, tables[x.id]);
    }
  }

  void diverge(const std::string &what) {
    if (!div_) div_ = "cycle " + std::to_string(now_) + ": " + what;
  }

  // ---- traffic: the same decisions for both sides ----
  void send(uint32_t src, uint32_t dest, uint8_t vc, uint32_t bytes, bool mcast) {
    const uint64_t id = ++packets_;
    for (const emu::Flit &f : randomPacket(src, dest, mcast, bytes, vc, id, chip_.flitBytes, rng_)) {
      refSide_.pending[size_t(src) * V_ + vc].push_back(f);
      mixSide_.pending[size_t(src) * V_ + vc].push_back(f);
    }
    if (mcast) ++mcastPackets_;
  }

  void generate() {
    for (uint32_t c = 0; c < N_; ++c) {
      for (uint32_t v = 0; v < V_; ++v) {
        if (!refSide_.pending[size_t(c) * V_ + v].empty() || uni_(rng_) >= cfg_.packetRate)
          continue;
        const auto &mine = groupsOf_[c];
        if (!mine.empty() && uni_(rng_) < cfg_.mcastFraction) {
          const uint32_t bytes = uint32_t(rng_() % ((D_ - 1) * chip_.flitBytes + 1));
          send(c, mine[rng_() % mine.size()], uint8_t(v), bytes, true);
        } else {
          send(c, uint32_t(rng_() % N_), uint8_t(v), uint32_t(rng_() % (5 * chip_.flitBytes + 1)),
               false);
        }
      }
      if (stall_[c]) --stall_[c];
      else if (uni_(rng_) < cfg_.stallRate) stall_[c] = 1 + uint32_t(rng_() % cfg_.maxStall);
    }
  }

  // ---- NIs ----
  /// Model NI of `core` on `net`: consume one flit (round-robin over VCs)
  /// unless stalled.
  void consumeModel(emu::Network &net, Side &s, uint32_t core, std::vector<Pop> &pops) {
    if (stall_[core]) return;
    uint8_t vc = 0;
    const emu::Flit *f = net.ejectNext(core, uint8_t(s.ejRR[core]), now_, vc);
    if (!f) return;
    pops.push_back({core, linkFlitOf(*f)});
    s.ejRR[core] = vc;
    net.ejectPop(core, vc, now_);
  }
  void injectModel(emu::Network &net, Side &s, uint32_t core) {
    uint32_t v = s.injRR[core];
    for (uint32_t i = 0; i < V_; ++i) {
      v = v + 1 == V_ ? 0 : v + 1;
      auto &q = s.pending[size_t(core) * V_ + v];
      if (q.empty() || net.injectCredits(core, uint8_t(v), now_) == 0) continue;
      s.injRR[core] = v;
      emu::Flit f = q.front();
      q.pop_front();
      f.createdCycle = now_;
      net.inject(core, f, now_);
      return;
    }
  }
  /// The same NI on an RTL router's Local port.
  void consumeRtl(Rtl &x, std::vector<Pop> &pops) {
    x.pop = {};
    if (stall_[x.id]) return;
    Side &s = mixSide_;
    uint32_t v = s.ejRR[x.id];
    for (uint32_t i = 0; i < V_; ++i) {
      v = v + 1 == V_ ? 0 : v + 1;
      auto &q = x.ejq[v];
      if (q.empty() || q.front().second > now_) continue;
      pops.push_back({x.id, q.front().first});
      q.pop_front();
      s.ejRR[x.id] = v;
      x.pop = {true, uint8_t(v)};
      return;
    }
  }
  void injectRtl(Rtl &x) {
    x.inj = {};
    Side &s = mixSide_;
    uint32_t v = s.injRR[x.id];
    for (uint32_t i = 0; i < V_; ++i) {
      v = v + 1 == V_ ? 0 : v + 1;
      auto &q = s.pending[size_t(x.id) * V_ + v];
      if (q.empty() || x.niCredits[v] == 0) continue;
      s.injRR[x.id] = v;
      x.inj = linkFlitOf(q.front());
      q.pop_front();
      --x.niCredits[v];
      return;
    }
  }

  // ---- one cycle ----
  void step(bool traffic) {
    const uint64_t t = now_;
    if (traffic) generate();
    try {
      // Reference: NIs, then every router.
      std::vector<Pop> refPops, mixPops;
      for (uint32_t c = 0; c < N_; ++c) consumeModel(ref_, refSide_, c, refPops);
      for (uint32_t c = 0; c < N_; ++c) injectModel(ref_, refSide_, c);
      ref_.tick(t);

      // Mixed: RTL outputs of cycle t (registered state) into the network
      // and the Local NI stand-ins.
      std::vector<std::array<LinkCredit, kPortsN>> localCredit(rtl_.size());
      for (size_t i = 0; i < rtl_.size(); ++i) {
        Rtl &x = rtl_[i];
        Outputs &o = x.hist[t % L_];
        for (unsigned p = 0; p < kPortsN; ++p) {
          o.flit[p] = outFlit(*x.m, p);
          o.credit[p] = outCredit(*x.m, p);
        }
        if (x.m->err_o) diverge("RTL router " + std::to_string(x.id) + " err_o " +
                                std::to_string(unsigned(x.m->err_o)));
        for (unsigned p = 1; p < kPortsN; ++p) {
          if (!modelNeighbour(x.id, p)) continue;
          if (o.flit[p].valid) {
            mix_.externalFlit(x.id, uint8_t(p), emuFlitOf(o.flit[p]), t);
            ++rtlLinkFlits_;
          }
          LinkCredit cr = o.credit[p];
          if (cfg_.fault.creditLate) std::swap(cr, x.lateCredit[p]);
          if (cr.valid) mix_.externalCredit(x.id, uint8_t(p), cr.vc, t);
        }
        if (o.flit[0].valid) x.ejq[o.flit[0].vc].push_back({o.flit[0], t + 1});
        // Flits inside RTL routers or on RTL-to-RTL link stages: one in per
        // flit entering from the network or the NI and per flit sent to an
        // RTL neighbour, one out per credit_o (each buffered flit frees its
        // slot with exactly one credit, docs/rtl.md "Tiles and meshes").
        for (unsigned p = 0; p < kPortsN; ++p) {
          if (o.flit[p].valid && p != 0 && !modelNeighbour(x.id, p)) ++rtlHeld_;
          if (o.credit[p].valid) --rtlHeld_;
        }
        localCredit[i][0] = o.credit[0];
      }
      for (uint32_t c = 0; c < N_; ++c)
        if (rtlOf_[c] < 0) consumeModel(mix_, mixSide_, c, mixPops);
        else consumeRtl(rtl_[size_t(rtlOf_[c])], mixPops);
      for (uint32_t c = 0; c < N_; ++c)
        if (rtlOf_[c] < 0) injectModel(mix_, mixSide_, c);
        else injectRtl(rtl_[size_t(rtlOf_[c])]);
      mix_.tick(t);

      // RTL inputs of cycle t: after the model routers (L = 1 is a wire).
      for (Rtl &x : rtl_) {
        M &m = *x.m;
        setInFlit(m, 0, x.inj);
        setInCredit(m, 0, x.pop);
        if (x.inj.valid) ++rtlHeld_;
        for (unsigned p = 1; p < kPortsN; ++p) {
          LinkFlit f;
          LinkCredit cr;
          if (modelNeighbour(x.id, p)) {
            emu::Flit g;
            if (mix_.takeExternalFlit(x.id, uint8_t(p), t, g)) {
              f = linkFlitOf(g);
              ++rtlHeld_;
            }
            uint8_t vc = 0;
            if (mix_.takeExternalCredit(x.id, uint8_t(p), t, vc)) cr = {true, vc};
          } else if (const int nb = neighbourOf(x.id, p); nb >= 0 && t + 1 >= L_) {
            // RTL to RTL: L - 1 register stages.
            const Outputs &o = rtl_[size_t(rtlOf_[uint32_t(nb)])].hist[(t + 1 - L_) % L_];
            f = o.flit[oppositePortOf(p)];
            cr = o.credit[oppositePortOf(p)];
          }
          setInFlit(m, p, f);
          setInCredit(m, p, cr);
        }
      }
      for (Rtl &x : rtl_) {
        x.m->clk_i = 0;
        x.m->eval();
      }
      for (Rtl &x : rtl_) {
        x.m->clk_i = 1;
        x.m->eval();
      }
      // Local credits returned during t are usable by the NI from t + 1.
      for (size_t i = 0; i < rtl_.size(); ++i)
        if (localCredit[i][0].valid) ++rtl_[i].niCredits[localCredit[i][0].vc];

      // Compare what the NIs consumed during t.
      auto byCore = [](const Pop &a, const Pop &b) { return a.core < b.core; };
      std::sort(refPops.begin(), refPops.end(), byCore);
      std::sort(mixPops.begin(), mixPops.end(), byCore);
      consumed_ += refPops.size();
      if (refPops != mixPops) {
        std::ostringstream os;
        os << "consumed flits differ\n  all-model:";
        for (const Pop &p : refPops) os << " [" << text(p) << "]";
        os << "\n  mixed    :";
        for (const Pop &p : mixPops) os << " [" << text(p) << "]";
        diverge(os.str());
      }
    } catch (const std::exception &e) {
      diverge(std::string("threw: ") + e.what());
    }
    ++now_;
  }

  int neighbourOf(uint32_t r, unsigned p) const {
    const uint32_t x = chip_.coreX(r), y = chip_.coreY(r);
    switch (p) {
    case 1: return x + 1 < chip_.width ? int(r + 1) : -1;
    case 2: return x > 0 ? int(r - 1) : -1;
    case 3: return y > 0 ? int(r - chip_.width) : -1;
    case 4: return y + 1 < chip_.height ? int(r + chip_.width) : -1;
    default: return -1;
    }
  }
  bool modelNeighbour(uint32_t r, unsigned p) const {
    const int nb = neighbourOf(r, p);
    return nb >= 0 && rtlOf_[uint32_t(nb)] < 0;
  }
  static unsigned oppositePortOf(unsigned p) {
    static constexpr unsigned o[] = {0, 2, 1, 4, 3};
    return o[p];
  }

  ExtConfig cfg_;
  ChipDescriptor chip_;
  uint32_t N_, V_, D_, L_;
  emu::Network ref_, mix_;
  Side refSide_, mixSide_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> uni_{0.0, 1.0};
  std::unique_ptr<VerilatedContext> ctx_;
  std::vector<Rtl> rtl_;
  std::vector<int> rtlOf_;
  std::vector<uint32_t> stall_;
  std::vector<std::vector<uint32_t>> groupsOf_;
  std::optional<std::string> div_;
  int64_t rtlHeld_ = 0;
  uint64_t now_ = 0, consumed_ = 0, packets_ = 0, rtlLinkFlits_ = 0, mcastPackets_ = 0;
};

/// Groups from every source, 2..6 destinations each.
std::vector<MulticastGroup> groupsFor(uint32_t cores, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<MulticastGroup> gs;
  for (uint32_t g = 0; g < 2 * cores; ++g) {
    MulticastGroup mg;
    mg.id = g;
    mg.source = g % cores;
    mg.destinations = distinctCores(rng, cores, 2 + uint32_t(rng() % 5));
    gs.push_back(mg);
  }
  return gs;
}

template <class M>
void runMatch(std::vector<uint32_t> rtlRouters, uint32_t linkLatency, uint64_t cycles,
              uint64_t seed) {
  ExtConfig cfg;
  cfg.linkLatency = linkLatency;
  cfg.rtlRouters = std::move(rtlRouters);
  cfg.groups = groupsFor(9, seed);
  cfg.seed = seed;
  ExternalRouterCosim<M> sim(cfg);
  sim.run(cycles);
  ASSERT_FALSE(sim.divergence()) << *sim.divergence();
  ASSERT_TRUE(sim.drain(5000)) << (sim.divergence() ? *sim.divergence() : "not drained");
  EXPECT_NO_THROW(sim.checkAllDelivered());
  EXPECT_GT(sim.flitsConsumed(), cycles / 2);
  EXPECT_GT(sim.rtlLinkFlits(), cycles / 20);
  EXPECT_GT(sim.mcastPackets(), cycles / 200);
  std::printf("  %llu cycles, %llu flits consumed, %llu flits from RTL routers into the model, "
              "%llu multicast packets\n",
              (unsigned long long)sim.cycle(), (unsigned long long)sim.flitsConsumed(),
              (unsigned long long)sim.rtlLinkFlits(), (unsigned long long)sim.mcastPackets());
}

TEST(RtlExternalRouter, CentreMatchesAllModel) { runMatch<Vxpu_router>({4}, 1, 100000, 1); }
TEST(RtlExternalRouter, CornerMatchesAllModel) { runMatch<Vxpu_router>({0}, 1, 100000, 2); }
TEST(RtlExternalRouter, SeveralMatchAllModel) { runMatch<Vxpu_router>({0, 4, 5, 7}, 1, 100000, 3); }
TEST(RtlExternalRouter, SeveralV3D5R2L2MatchAllModel) {
  runMatch<Vxpu_router_v3d5r2>({1, 4, 6}, 2, 100000, 4);
}

// The comparison catches glue bugs: RTL credits one cycle late, and an RTL
// router routing as if it stood one column over.
template <class M> std::string faultReport(GlueFault fault) {
  ExtConfig cfg;
  cfg.rtlRouters = {4};
  cfg.groups = groupsFor(9, 1);
  cfg.fault = fault;
  ExternalRouterCosim<M> sim(cfg);
  sim.run(20000);
  if (!sim.divergence()) sim.drain(5000);
  return sim.divergence() ? *sim.divergence() : std::string();
}

TEST(RtlExternalRouter, OneCycleCreditDelayIsCaught) {
  GlueFault f;
  f.creditLate = true;
  const std::string r = faultReport<Vxpu_router>(f);
  EXPECT_FALSE(r.empty());
  std::printf("  %s\n", r.substr(0, 300).c_str());
}

TEST(RtlExternalRouter, WrongRouteIsCaught) {
  GlueFault f;
  f.wrongX = true;
  const std::string r = faultReport<Vxpu_router>(f);
  EXPECT_FALSE(r.empty());
  std::printf("  %s\n", r.substr(0, 300).c_str());
}

}  // namespace
}  // namespace xpu::rtl
