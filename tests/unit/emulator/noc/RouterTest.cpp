// Router timing (zero-load latency), ordering, back-pressure, fairness and
// tick-order independence (docs/arch.md section 5).
#include "NocHarness.h"

#include <gtest/gtest.h>

#include <map>

namespace xpu::emu::test {
namespace {

uint32_t hops(const ChipDescriptor &c, uint32_t a, uint32_t b) {
  auto d = [](uint32_t p, uint32_t q) { return p > q ? p - q : q - p; };
  return d(c.coreX(a), c.coreX(b)) + d(c.coreY(a), c.coreY(b));
}

struct ZeroLoadCase {
  uint32_t sx, sy, dx, dy;  // on a 6x6 mesh
  uint32_t flits, R, L, D, vc;
};

class NocZeroLoad : public testing::TestWithParam<ZeroLoadCase> {};

// "Consumed" = the cycle at which the sink's ejectFront first returns the
// tail flit and the sink pops it (the sink pops whatever it sees at once).
// t0 = the cycle the head arrives in the source router's Local input buffer
// = injection cycle + 1.
TEST_P(NocZeroLoad, TailConsumedAtFormula) {
  const ZeroLoadCase p = GetParam();
  const ChipDescriptor chip = makeChip(6, 6, 2, p.D, p.R, p.L);
  NocHarness h(chip);
  const uint32_t src = chip.coreId(p.sx, p.sy), dst = chip.coreId(p.dx, p.dy);
  const uint64_t id = h.send(src, dst, uint8_t(p.vc), p.flits);
  ASSERT_TRUE(h.drain());
  ASSERT_FALSE(h.injectedAt.empty());
  EXPECT_EQ(h.injectedAt.front().cycle, 0u);  // the head was injected at once
  const uint64_t t0 = h.injectedAt.front().cycle + 1;
  const uint64_t H = hops(chip, src, dst);
  const uint64_t expected = t0 + H * (p.R + p.L) + p.R + p.flits;
  EXPECT_EQ(h.tailConsumed(id, dst), expected) << "H=" << H << " n=" << p.flits;
  // The body streams behind the head at one flit per cycle.
  ASSERT_EQ(h.consumed.size(), p.flits);
  for (uint32_t i = 0; i < p.flits; ++i) {
    EXPECT_EQ(h.consumed[i].flit.seq, i);
    EXPECT_EQ(h.consumed[i].cycle, expected - p.flits + 1 + i);
  }
  EXPECT_EQ(h.net.stats().flitHops, H * p.flits);
  EXPECT_EQ(h.net.stats().flitsEjected, p.flits);
  h.net.checkAllDelivered();
}

INSTANTIATE_TEST_SUITE_P(
    Unicast, NocZeroLoad,
    testing::Values(ZeroLoadCase{0, 0, 1, 0, 1, 1, 1, 4, 0},   // H=1, single flit
                    ZeroLoadCase{0, 0, 0, 0, 3, 1, 1, 4, 0},   // H=0: to itself
                    ZeroLoadCase{0, 0, 2, 1, 4, 1, 1, 4, 1},   // H=3
                    ZeroLoadCase{5, 5, 0, 0, 5, 1, 1, 4, 0},   // H=10, west + north
                    ZeroLoadCase{1, 4, 4, 2, 3, 2, 3, 16, 1},  // R=2, L=3
                    ZeroLoadCase{0, 5, 5, 0, 6, 2, 3, 16, 0},  // R=2, L=3, H=10
                    ZeroLoadCase{3, 3, 3, 0, 8, 3, 2, 16, 1},  // R=3, L=2, north only
                    ZeroLoadCase{2, 2, 0, 2, 1, 2, 3, 8, 0}),  // single flit, R=2, L=3
    [](const testing::TestParamInfo<ZeroLoadCase> &i) {
      const ZeroLoadCase &c = i.param;
      const uint32_t H = (c.sx > c.dx ? c.sx - c.dx : c.dx - c.sx) + (c.sy > c.dy ? c.sy - c.dy : c.dy - c.sy);
      return "H" + std::to_string(H) + "_n" + std::to_string(c.flits) + "_R" + std::to_string(c.R) +
             "_L" + std::to_string(c.L) + "_D" + std::to_string(c.D) + "_from" + std::to_string(c.sx) +
             std::to_string(c.sy);
    });

// With too little buffering the credit round trip (R + 2L cycles) throttles
// the stream: latency grows beyond the formula but nothing is lost.
TEST(NocRouter, ShallowBuffersThrottleButDeliver) {
  const ChipDescriptor chip = makeChip(4, 1, 1, 2, 2, 3);
  NocHarness h(chip);
  const uint64_t id = h.send(0, 3, 0, 8);
  ASSERT_TRUE(h.drain());
  EXPECT_GT(h.tailConsumed(id, 3), 1u + 3 * 5 + 2 + 8);
  EXPECT_EQ(h.consumed.size(), 8u);
}

TEST(NocRouter, InOrderPerSourceAndVc) {
  const ChipDescriptor chip = makeChip(4, 4, 2, 4);
  NocHarness h(chip);
  std::mt19937_64 rng(7);
  std::map<uint64_t, std::pair<uint32_t, uint32_t>> meta;  // id -> (src, vc)
  // Every node sends 30 packets of 1..5 flits, half of them to node 5.
  for (int round = 0; round < 30; ++round)
    for (uint32_t s = 0; s < 16; ++s) {
      const uint32_t dst = (rng() & 1) ? 5 : uint32_t(rng() % 16);
      const uint8_t vc = uint8_t(rng() % 2);
      const uint64_t id = h.send(s, dst, vc, 1 + uint32_t(rng() % 5));
      meta[id] = {s, vc};
    }
  ASSERT_TRUE(h.drain());
  // Packet ids increase in send order at each source: per (dest, src, vc)
  // they must arrive increasing, and flits of a VC are never interleaved.
  std::map<std::tuple<uint32_t, uint32_t, uint32_t>, uint64_t> last;
  std::map<std::pair<uint32_t, uint32_t>, std::pair<uint64_t, uint32_t>> open;  // (core,vc) -> (id, next seq)
  size_t tails = 0;
  for (const auto &c : h.consumed) {
    auto &o = open[{c.core, c.flit.vc}];
    if (c.flit.head) {
      EXPECT_EQ(o.first, 0u) << "interleaved at core " << c.core;
      const auto [src, vc] = meta.at(c.flit.packetId);
      auto &l = last[{c.core, src, vc}];
      EXPECT_GT(c.flit.packetId, l) << "reordered from core " << src;
      l = c.flit.packetId;
      o = {c.flit.packetId, 1};
    } else {
      EXPECT_EQ(o.first, c.flit.packetId);
      EXPECT_EQ(o.second, c.flit.seq);
      ++o.second;
    }
    EXPECT_EQ(c.flit.data[1], c.flit.packetId * 1000 + c.flit.seq) << "payload corrupted";
    if (c.flit.tail) {
      o = {0, 0};
      ++tails;
    }
  }
  EXPECT_EQ(tails, meta.size());
}

// A sink that never consumes: injection stops once every buffer on the path
// is full, nothing is lost, and popping later drains everything in order.
TEST(NocRouter, BackPressureStopsInjectionAndLosesNothing) {
  const uint32_t D = 4;
  const ChipDescriptor chip = makeChip(4, 1, 1, D);
  NocHarness h(chip);
  h.sinkOn[3] = false;
  for (int i = 0; i < 20; ++i) h.send(0, 3, 0, 4);
  for (int i = 0; i < 200; ++i) h.step();
  // Path: Local input of router 0, West inputs of routers 1..3, the NI's
  // ejection buffer: 5 buffers of D flits.
  const size_t capacity = 5 * D;
  EXPECT_EQ(h.injectedAt.size(), capacity);
  EXPECT_EQ(h.net.injectCredits(0, 0, h.now), 0u);
  for (int i = 0; i < 300; ++i) h.step();
  EXPECT_EQ(h.injectedAt.size(), capacity) << "injected without credits";
  EXPECT_TRUE(h.consumed.empty());
  EXPECT_FALSE(h.net.quiescent());
  EXPECT_NE(h.net.describeBuffers().find("router 2"), std::string::npos);
  h.sinkOn[3] = true;
  ASSERT_TRUE(h.drain());
  EXPECT_EQ(h.consumed.size(), 80u);
  for (size_t i = 1; i < h.consumed.size(); ++i) {
    const Flit &a = h.consumed[i - 1].flit, &b = h.consumed[i].flit;
    EXPECT_TRUE(a.packetId < b.packetId || (a.packetId == b.packetId && a.seq + 1 == b.seq));
  }
  h.net.checkAllDelivered();
}

// Two sources saturate one output (the hotspot's Local port): round-robin
// gives each the same share, within one packet.
class NocFairness : public testing::TestWithParam<std::pair<uint32_t, uint32_t>> {};
TEST_P(NocFairness, TwoSourcesIntoOneHotspot) {
  const auto [vcs, flits] = GetParam();
  const ChipDescriptor chip = makeChip(3, 1, vcs, 4);
  NocHarness h(chip);
  std::map<uint64_t, uint32_t> srcOf;
  for (int i = 0; i < 600; ++i)
    for (uint32_t s : {0u, 2u}) srcOf[h.send(s, 1, uint8_t(i % vcs), flits)] = s;
  for (int i = 0; i < 800; ++i) h.step();
  uint64_t from0 = 0, from2 = 0;
  for (const auto &c : h.consumed) (srcOf.at(c.flit.packetId) == 0 ? from0 : from2)++;
  EXPECT_GT(from0 + from2, 780u);  // the hotspot's sink is busy every cycle
  EXPECT_LE(std::max(from0, from2) - std::min(from0, from2), flits)
      << "from 0: " << from0 << ", from 2: " << from2;
}
INSTANTIATE_TEST_SUITE_P(VcsAndLengths, NocFairness,
                         testing::Values(std::pair<uint32_t, uint32_t>{1, 1},
                                         std::pair<uint32_t, uint32_t>{2, 1},
                                         std::pair<uint32_t, uint32_t>{1, 4},
                                         std::pair<uint32_t, uint32_t>{4, 3}),
                         [](const testing::TestParamInfo<std::pair<uint32_t, uint32_t>> &i) {
                           return "vc" + std::to_string(i.param.first) + "_n" + std::to_string(i.param.second);
                         });

// Routers ticked in a different random order every cycle give the same
// deliveries at the same cycles as routers ticked in index order.
TEST(NocRouter, TickOrderDoesNotMatter) {
  const ChipDescriptor chip = makeChip(4, 4, 2, 4, 2, 2);
  std::vector<MulticastGroup> groups = {{3, 6, {0, 6, 9, 15}}, {7, 12, {1, 2, 3}}};
  NocHarness a(chip, groups), b(chip, groups);
  std::mt19937_64 rng(3), shuffle(11);
  std::vector<uint32_t> order(16);
  std::iota(order.begin(), order.end(), 0u);
  for (int cycle = 0; cycle < 1500; ++cycle) {
    if (cycle < 1000 && rng() % 3 == 0) {
      const uint32_t s = uint32_t(rng() % 16), d = uint32_t(rng() % 16);
      const uint8_t vc = uint8_t(rng() % 2);
      const uint32_t n = 1 + uint32_t(rng() % 4);
      if (s == 6 && rng() % 2) {
        a.send(s, 3, vc, n, true);
        b.send(s, 3, vc, n, true);
      } else {
        a.send(s, d, vc, n);
        b.send(s, d, vc, n);
      }
    }
    std::shuffle(order.begin(), order.end(), shuffle);
    std::vector<uint32_t> reversed(order.rbegin(), order.rend());
    a.step(&order);
    b.step(&reversed);
  }
  ASSERT_TRUE(a.drain());
  ASSERT_TRUE(b.drain());
  ASSERT_EQ(a.consumed.size(), b.consumed.size());
  ASSERT_GT(a.consumed.size(), 500u);
  for (size_t i = 0; i < a.consumed.size(); ++i) {
    EXPECT_EQ(a.consumed[i].core, b.consumed[i].core);
    EXPECT_EQ(a.consumed[i].cycle, b.consumed[i].cycle);
    EXPECT_EQ(a.consumed[i].flit.packetId, b.consumed[i].flit.packetId);
    EXPECT_EQ(a.consumed[i].flit.seq, b.consumed[i].flit.seq);
  }
}

TEST(NocRouter, WakeCallbackFiresForIdleRouterAndEjection) {
  const ChipDescriptor chip = makeChip(2, 1, 1, 4);
  NocHarness h(chip);
  std::vector<std::pair<uint32_t, uint64_t>> wakes;
  h.net.setWakeCallback([&](uint32_t r, uint64_t when) { wakes.push_back({r, when}); });
  h.send(0, 1, 0, 1);
  h.step();  // injected at 0: router 0 woken for cycle 1
  ASSERT_FALSE(wakes.empty());
  EXPECT_EQ(wakes.front(), (std::pair<uint32_t, uint64_t>{0, 1}));
  EXPECT_FALSE(h.net.routerIdle(0));
  EXPECT_TRUE(h.net.routerIdle(1));
  ASSERT_TRUE(h.drain());
  // Router 1 woken for the flit's arrival at 1 + R + L = 3, the NI of core 1
  // for the ejection at 3 + R + 1 = 5.
  EXPECT_NE(std::find(wakes.begin(), wakes.end(), std::pair<uint32_t, uint64_t>{1, 3}), wakes.end());
  EXPECT_NE(std::find(wakes.begin(), wakes.end(), std::pair<uint32_t, uint64_t>{1, 5}), wakes.end());
  EXPECT_TRUE(h.net.routerIdle(0));
  EXPECT_TRUE(h.net.quiescent());
}

} // namespace
} // namespace xpu::emu::test
