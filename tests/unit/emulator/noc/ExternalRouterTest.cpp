// External routers (Network::setExternalRouter): the link and credit
// hand-over contract, checked against the all-model network.
//
// The stand-in for the external router is the same router in an all-model
// reference network A run on the same traffic: its switch traversals and
// returned credits at cycle t (traverse / credit callbacks) are exactly what
// an RTL router's link_out_o / link_credit_o carry during t. Network B has
// that router external and is driven with A's outputs; B must hand out at
// every cycle the flits and credits A's router received (A's neighbours'
// traversals and credits, L - 1 cycles later on the link), and every flit
// B's model NIs consume must equal A's, at the same cycle.
#include "NocHarness.h"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <tuple>

namespace xpu::emu::test {
namespace {

constexpr uint8_t kLocalPort = 0;

uint8_t oppositePort(uint8_t p) {
  static constexpr uint8_t o[] = {0, 2, 1, 4, 3};
  return o[p];
}

int neighbour(const ChipDescriptor &c, uint32_t r, uint8_t port) {
  const uint32_t x = c.coreX(r), y = c.coreY(r);
  switch (port) {
  case 1: return x + 1 < c.width ? int(r + 1) : -1;
  case 2: return x > 0 ? int(r - 1) : -1;
  case 3: return y > 0 ? int(r - c.width) : -1;
  case 4: return y + 1 < c.height ? int(r + c.width) : -1;
  default: return -1;
  }
}

/// A (all model) and B (routers `ext` external, driven by A's copies).
class Mirror {
public:
  Mirror(const ChipDescriptor &chip, std::vector<uint32_t> ext,
         const std::vector<MulticastGroup> &groups = {})
      : chip_(chip), ext_(std::move(ext)), a(chip, groups), b(chip, groups),
        isExt_(chip.numCores(), false) {
    for (uint32_t r : ext_) {
      b.net.setExternalRouter(r);
      isExt_[r] = true;
    }
    const uint32_t L = chip.linkLatency;
    a.net.setTraverseCallback([this, L](uint32_t r, uint8_t, uint8_t out, const Flit &f,
                                        uint64_t now) {
      if (out == kLocalPort) return;
      const int nb = neighbour(chip_, r, out);
      if (isExt_[r] && !isExt_[uint32_t(nb)]) outs_[now].push_back({r, out, f});
      if (!isExt_[r] && isExt_[uint32_t(nb)])
        ins_[{uint32_t(nb), oppositePort(out), now + L - 1}] = f;
    });
    a.net.setCreditCallback([this, L](uint32_t r, uint8_t in, uint8_t vc, uint64_t now) {
      if (in == kLocalPort) return;
      const int nb = neighbour(chip_, r, in);
      if (isExt_[r] && !isExt_[uint32_t(nb)]) credits_[now].push_back({r, in, vc});
      if (!isExt_[r] && isExt_[uint32_t(nb)])
        creditIns_[{uint32_t(nb), oppositePort(in), now + L - 1}] = vc;
    });
  }

  /// Queues the same packet in both (B drops what external cores send:
  /// their NI is inside the external tile, played by A's).
  void send(uint32_t src, uint32_t dest, uint8_t vc, uint32_t flits, bool mcast = false) {
    a.send(src, dest, vc, flits, mcast);
    b.send(src, dest, vc, flits, mcast);
    if (isExt_[src]) b.out_[src].clear();
  }
  void sink(uint32_t core, bool on) {
    a.sinkOn[core] = on;
    b.sinkOn[core] = on;
  }

  /// One cycle of both; ADD_FAILURE on the first mismatch (returns false).
  bool step() {
    const uint64_t t = a.now;
    a.step();
    b.step();
    for (const Out &o : outs_[t]) b.net.externalFlit(o.r, o.port, o.f, t);
    for (const Credit &c : credits_[t]) b.net.externalCredit(c.r, c.port, c.vc, t);
    outs_.erase(t);
    credits_.erase(t);
    for (uint32_t r : ext_)
      for (uint8_t p = 1; p < 5; ++p) {
        const int nb = neighbour(chip_, r, p);
        if (nb < 0 || isExt_[uint32_t(nb)]) continue;
        Flit f;
        const bool got = b.net.takeExternalFlit(r, p, t, f);
        const auto it = ins_.find({r, p, t});
        const bool want = it != ins_.end();
        if (got != want) {
          ADD_FAILURE() << "cycle " << t << " external router " << r << " port " << unsigned(p)
                        << ": link flit " << (want ? "expected" : "not expected") << ", "
                        << (got ? "got one" : "got none");
          return false;
        }
        if (want) {
          if (f.data != it->second.data || f.vc != it->second.vc || f.head != it->second.head ||
              f.tail != it->second.tail || f.seq != it->second.seq) {
            ADD_FAILURE() << "cycle " << t << " external router " << r << " port "
                          << unsigned(p) << ": wrong link flit";
            return false;
          }
          ins_.erase(it);
          ++linkFlits;
        }
        uint8_t vc = 0;
        const bool gotC = b.net.takeExternalCredit(r, p, t, vc);
        const auto ic = creditIns_.find({r, p, t});
        const bool wantC = ic != creditIns_.end();
        if (gotC != wantC || (gotC && vc != ic->second)) {
          ADD_FAILURE() << "cycle " << t << " external router " << r << " port " << unsigned(p)
                        << ": link credit " << (wantC ? "expected" : "not expected") << ", "
                        << (gotC ? "got one" : "got none");
          return false;
        }
        if (wantC) {
          creditIns_.erase(ic);
          ++linkCredits;
        }
      }
    return true;
  }

  bool drained() const {
    if (a.pendingSends() || b.pendingSends() || !a.net.quiescent() || !b.net.quiescent())
      return false;
    for (uint32_t r : ext_)
      if (!b.net.externalIdle(r)) return false;
    return outs_.empty() && credits_.empty();
  }

  /// Every flit consumed by a model core in B equals A's, same cycle.
  void compareConsumed() const {
    std::vector<Consumed> want;
    for (const Consumed &c : a.consumed)
      if (!isExt_[c.core]) want.push_back(c);
    ASSERT_EQ(want.size(), b.consumed.size());
    for (size_t i = 0; i < want.size(); ++i) {
      const Consumed &x = want[i], &y = b.consumed[i];
      ASSERT_TRUE(x.core == y.core && x.cycle == y.cycle && x.flit.data == y.flit.data &&
                  x.flit.vc == y.flit.vc && x.flit.head == y.flit.head &&
                  x.flit.tail == y.flit.tail && x.flit.seq == y.flit.seq)
          << "consumed flit " << i << ": A core " << x.core << " cycle " << x.cycle
          << " / B core " << y.core << " cycle " << y.cycle;
    }
  }

  uint64_t linkFlits = 0, linkCredits = 0;

private:
  struct Out {
    uint32_t r;
    uint8_t port;
    Flit f;
  };
  struct Credit {
    uint32_t r;
    uint8_t port, vc;
  };
  ChipDescriptor chip_;
  std::vector<uint32_t> ext_;

public:
  NocHarness a, b;

private:
  std::vector<bool> isExt_;
  std::map<uint64_t, std::vector<Out>> outs_;
  std::map<uint64_t, std::vector<Credit>> credits_;
  std::map<std::tuple<uint32_t, uint8_t, uint64_t>, Flit> ins_;
  std::map<std::tuple<uint32_t, uint8_t, uint64_t>, uint8_t> creditIns_;
};

// One flit across external router 1 of a 3x1 row: on its West link during
// exactly the cycle A's router 0 sends it (L - 1 later), forwarded East and
// consumed at core 2 at A's cycle; its credit goes back to router 0.
TEST(ExternalRouter, ZeroLoadThroughExternalRouter) {
  for (uint32_t L : {1u, 3u})
    for (uint32_t R : {1u, 2u}) {
      const ChipDescriptor chip = makeChip(3, 1, 2, 4, R, L);
      Mirror m(chip, {1});
      m.send(0, 2, 1, 3);
      for (int i = 0; i < 60; ++i) ASSERT_TRUE(m.step());
      EXPECT_TRUE(m.drained());
      EXPECT_EQ(m.linkFlits, 3u);    // into router 1 over its West link
      EXPECT_EQ(m.linkCredits, 3u);  // router 2's East input slots, back to router 1
      m.compareConsumed();
      ASSERT_EQ(m.b.consumed.size(), 3u);
      // Inject at 0, router 0 at 1 + R, router 1 at 1 + R + L + R (its own
      // traversal), router 2 at ... + L + R, ejection buffer + 1.
      EXPECT_EQ(m.b.consumed[0].cycle, uint64_t(1 + R + L + R + L + R + 1)) << "R " << R << " L " << L;
      m.b.net.checkAllDelivered();
      m.a.net.checkAllDelivered();
    }
}

// Hand-driven external router 1 of a 2x1 row (L = 1, R = 1, D = 4): it
// never returns a credit, so router 0 sends exactly D flits and stops; one
// credit returned during cycle c lets router 0 send the next flit during
// c + 1 (credit usable at c + L, flit on the link during that cycle).
TEST(ExternalRouter, BackPressureAndCreditTiming) {
  const ChipDescriptor chip = makeChip(2, 1, 2, 4, 1, 1);
  NocHarness h(chip);
  h.net.setExternalRouter(1);
  for (int i = 0; i < 6; ++i) h.send(0, 1, 0, 1);
  std::vector<uint64_t> seen;
  auto cycle = [&] {
    const uint64_t t = h.now;
    h.step();
    Flit f;
    if (h.net.takeExternalFlit(1, uint8_t(Port::West), t, f)) seen.push_back(t);
  };
  for (int i = 0; i < 40; ++i) cycle();
  // Injected at 0..3 (one per cycle), in router 0 at 1..4, sent at 2..5.
  ASSERT_EQ(seen, (std::vector<uint64_t>{2, 3, 4, 5}));
  EXPECT_FALSE(h.net.quiescent());  // two flits wait in router 0
  // Nothing queued towards router 1 (the four flits are inside it: its
  // driver reports them) and it has sent nothing, so it is owed no credit.
  EXPECT_TRUE(h.net.externalIdle(1));
  EXPECT_TRUE(h.net.routerIdle(1));
  const uint64_t c = h.now;
  h.net.externalCredit(1, uint8_t(Port::West), 0, c);
  cycle();  // cycle c: credit on the link, usable at c + 1
  EXPECT_EQ(seen.size(), 4u);
  cycle();
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen.back(), c + 1);
  for (int i = 0; i < 20; ++i) cycle();
  EXPECT_EQ(seen.size(), 5u);  // no further credit
}

// The wake callback fires for an external router when a flit is queued
// towards it (when = its arrival), and for a model router an external
// router sends to, as for a model link.
TEST(ExternalRouter, WakeCallback) {
  const ChipDescriptor chip = makeChip(2, 1, 2, 4, 1, 2);  // L = 2
  NocHarness h(chip);
  h.net.setExternalRouter(1);
  std::vector<std::pair<uint32_t, uint64_t>> wakes;
  h.net.setWakeCallback([&](uint32_t r, uint64_t when) { wakes.push_back({r, when}); });
  h.send(0, 1, 0, 1);
  for (int i = 0; i < 3; ++i) h.step();  // injected at 0, router 0 at 1, sent at 2
  Flit f;
  EXPECT_FALSE(h.net.takeExternalFlit(1, uint8_t(Port::West), 2, f));
  EXPECT_TRUE(h.net.takeExternalFlit(1, uint8_t(Port::West), 3, f));  // on the link during 3
  ASSERT_GE(wakes.size(), 2u);
  EXPECT_EQ(wakes[0], (std::pair<uint32_t, uint64_t>{0, 1}));  // router 0: the injected flit
  EXPECT_EQ(wakes[1], (std::pair<uint32_t, uint64_t>{1, 4}));  // towards router 1: arrival 2 + L
  wakes.clear();
  Flit g;
  PacketHeader hd;
  hd.dest = 0;
  hd.source = 1;
  g.head = g.tail = true;
  g.data[0] = packHeader(hd);
  h.net.externalFlit(1, uint8_t(Port::West), g, 10);
  ASSERT_EQ(wakes.size(), 1u);
  EXPECT_EQ(wakes[0], (std::pair<uint32_t, uint64_t>{0, 12}));  // router 0 at 10 + L
}

// A flit due on a link must be taken during its cycle; a skipped cycle is a
// driver error, reported with the cycle it was due.
TEST(ExternalRouter, SkippedCycleIsReported) {
  const ChipDescriptor chip = makeChip(2, 1);
  NocHarness h(chip);
  h.net.setExternalRouter(1);
  h.send(0, 1, 0, 1);
  for (int i = 0; i < 4; ++i) h.step();  // sent at 2, due on the link during 2
  Flit f;
  try {
    h.net.takeExternalFlit(1, uint8_t(Port::West), 3, f);
    FAIL() << "no error";
  } catch (const std::logic_error &e) {
    EXPECT_NE(std::string(e.what()).find("due on the link during cycle 2"), std::string::npos)
        << e.what();
  }
}

// Misuse is refused with a clear error.
TEST(ExternalRouter, Misuse) {
  const ChipDescriptor chip = makeChip(3, 1);
  NocHarness h(chip);
  h.net.setExternalRouter(1);
  EXPECT_TRUE(h.net.isExternalRouter(1));
  EXPECT_FALSE(h.net.isExternalRouter(0));
  Flit f;
  f.vc = 0;
  // The Local port belongs to the external tile.
  PacketHeader hd;
  hd.dest = 0;
  hd.source = 1;
  f.head = f.tail = true;
  f.data[0] = packHeader(hd);
  EXPECT_THROW(h.net.inject(1, f, 0), std::logic_error);
  // No model neighbour (North of a 3x1 row), or not external.
  EXPECT_THROW(h.net.externalFlit(1, uint8_t(Port::North), f, 0), std::invalid_argument);
  EXPECT_THROW(h.net.externalFlit(0, uint8_t(Port::East), f, 0), std::invalid_argument);
  EXPECT_THROW(h.net.takeExternalFlit(1, uint8_t(Port::Local), 0, f), std::invalid_argument);
  // A credit router 0 is not owed.
  EXPECT_THROW(h.net.externalCredit(1, uint8_t(Port::West), 0, 0), std::logic_error);
  // A body flit without its head.
  Flit body;
  body.vc = 1;
  EXPECT_THROW(h.net.externalFlit(1, uint8_t(Port::West), body, 0), std::logic_error);
  // More flits than the neighbour has room for (D = 4 by default).
  for (int i = 0; i < 4; ++i) h.net.externalFlit(1, uint8_t(Port::West), f, uint64_t(i));
  EXPECT_THROW(h.net.externalFlit(1, uint8_t(Port::West), f, 4), std::logic_error);
  EXPECT_NE(h.net.describeBuffers().find("external router 1"), std::string::npos);
  // Too late once traffic has started.
  NocHarness g(chip);
  g.send(0, 2, 0, 1);
  g.step();
  EXPECT_THROW(g.net.setExternalRouter(1), std::logic_error);
}

// Random traffic (all VCs, multicast trees through and around the external
// routers, sinks stalling) on a 3x3 mesh, external centre, corner, and
// three external routers: B agrees with A flit for flit, cycle for cycle,
// and B's conservation checker (boundary rule) finds every packet delivered.
TEST(ExternalRouter, RandomTrafficMatchesAllModel) {
  struct Case {
    std::vector<uint32_t> ext;
    uint32_t vcs, depth, R, L;
  };
  for (const Case &k : {Case{{4}, 2, 4, 1, 1}, Case{{0}, 3, 5, 2, 2}, Case{{0, 4, 5}, 2, 4, 1, 1},
                        Case{{1, 3}, 3, 3, 1, 2}}) {
    const ChipDescriptor chip = makeChip(3, 3, k.vcs, k.depth, k.R, k.L);
    std::vector<MulticastGroup> groups;
    for (uint32_t s = 0; s < 9; ++s) {
      MulticastGroup g;
      g.id = s;
      g.source = s;
      for (uint32_t d = 0; d < 9; ++d)
        if (d != s && (d * 7 + s) % 3 != 0) g.destinations.push_back(d);
      groups.push_back(g);
    }
    Mirror m(chip, k.ext, groups);
    m.a.logConsumed = m.b.logConsumed = true;
    std::mt19937_64 rng(11 + k.ext.size());
    std::uniform_real_distribution<double> u(0, 1);
    for (int t = 0; t < 20000; ++t) {
      for (uint32_t c = 0; c < 9; ++c) {
        if (u(rng) < 0.05 && m.a.out_[c].size() < 8) {
          const uint8_t vc = uint8_t(rng() % k.vcs);
          if (u(rng) < 0.2)
            m.send(c, c, vc, 1 + uint32_t(rng() % k.depth), true);
          else
            m.send(c, uint32_t(rng() % 9), vc, 1 + uint32_t(rng() % 6));
        }
        if (u(rng) < 0.02) m.sink(c, !m.a.sinkOn[c]);
      }
      ASSERT_TRUE(m.step()) << "cycle " << t;
    }
    for (uint32_t c = 0; c < 9; ++c) m.sink(c, true);
    for (int t = 0; t < 2000 && !m.drained(); ++t) ASSERT_TRUE(m.step());
    ASSERT_TRUE(m.drained());
    m.compareConsumed();
    EXPECT_GT(m.b.consumed.size(), 5000u);
    EXPECT_GT(m.linkFlits, 1000u);
    EXPECT_GT(m.linkCredits, 1000u);
    m.b.net.checkAllDelivered();
  }
}

}  // namespace
}  // namespace xpu::emu::test
