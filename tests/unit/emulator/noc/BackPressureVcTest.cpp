// Back-pressure with one-flit buffers, and virtual-channel separation: a
// packet blocked on VC0 does not block VC1 traffic through the same ports.
#include "NocHarness.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <tuple>

namespace xpu::emu::test {
namespace {

// Checks the consumption log: flits of a VC never interleave, every packet
// arrives in order per (source, VC, destination), payloads intact; returns
// the number of complete copies.
size_t checkOrderedDelivery(const NocHarness &h,
                            const std::map<uint64_t, std::pair<uint32_t, uint8_t>> &meta) {
  std::map<std::tuple<uint32_t, uint32_t, uint32_t>, uint64_t> last;
  std::map<std::pair<uint32_t, uint32_t>, std::pair<uint64_t, uint32_t>> open;
  size_t tails = 0;
  for (const auto &c : h.consumed) {
    auto &o = open[{c.core, c.flit.vc}];
    if (c.flit.head) {
      EXPECT_EQ(o.first, 0u) << "interleaved at core " << c.core;
      const auto [src, vc] = meta.at(c.flit.packetId);
      auto &l = last[{c.core, src, vc}];
      EXPECT_GT(c.flit.packetId, l) << "reordered or duplicated from core " << src;
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
  return tails;
}

// buffer_depth 1: a stalled sink stops injection after exactly one flit per
// buffer on the path; nothing is lost and everything drains in order.
TEST(NocBackPressure, DepthOneBuffersStopInjectionAndLoseNothing) {
  const ChipDescriptor chip = makeChip(4, 1, 1, 1);
  NocHarness h(chip);
  h.sinkOn[3] = false;
  for (int i = 0; i < 10; ++i) h.send(0, 3, 0, 3);
  for (int i = 0; i < 300; ++i) h.step();
  // Local input of router 0, West inputs of routers 1..3, ejection buffer.
  EXPECT_EQ(h.injectedAt.size(), 5u);
  EXPECT_EQ(h.net.injectCredits(0, 0, h.now), 0u);
  EXPECT_TRUE(h.consumed.empty());
  h.sinkOn[3] = true;
  ASSERT_TRUE(h.drain());
  ASSERT_EQ(h.consumed.size(), 30u);
  for (size_t i = 1; i < h.consumed.size(); ++i) {
    const Flit &a = h.consumed[i - 1].flit, &b = h.consumed[i].flit;
    EXPECT_TRUE(a.packetId < b.packetId || (a.packetId == b.packetId && a.seq + 1 == b.seq));
  }
  h.net.checkAllDelivered();
}

// Random traffic with one-flit buffers, multi-flit worms spanning routers,
// single-flit multicast and sinks that stall at random: everything arrives
// exactly once, in order, and the network drains.
class NocBackPressureDepthOne : public testing::TestWithParam<std::tuple<uint32_t, uint32_t, uint32_t>> {};
TEST_P(NocBackPressureDepthOne, RandomTrafficWithStallingSinksDrains) {
  const auto [vcs, R, L] = GetParam();
  const ChipDescriptor chip = makeChip(4, 4, vcs, 1, R, L);
  const std::vector<MulticastGroup> groups = {{2, 5, {0, 5, 10, 15}}, {4, 12, {3, 6, 9}}};
  NocHarness h(chip, groups);
  std::mt19937_64 rng(100 + vcs * 10 + R + L);
  std::map<uint64_t, std::pair<uint32_t, uint8_t>> meta;
  size_t copies = 0;
  for (int cycle = 0; cycle < 6000; ++cycle) {
    if (cycle < 4000)
      for (uint32_t s = 0; s < 16; ++s) {
        if (rng() % 16 != 0) continue;
        const uint8_t vc = uint8_t(rng() % vcs);
        if ((s == 5 || s == 12) && rng() % 3 == 0) {
          meta[h.send(s, s == 5 ? 2 : 4, vc, 1, true)] = {s, vc};
          copies += s == 5 ? 4 : 3;
        } else {
          meta[h.send(s, uint32_t(rng() % 16), vc, 1 + uint32_t(rng() % 5))] = {s, vc};
          ++copies;
        }
      }
    for (uint32_t c = 0; c < 16; ++c) h.sinkOn[c] = rng() % 4 != 0;
    h.step();
  }
  for (uint32_t c = 0; c < 16; ++c) h.sinkOn[c] = true;
  ASSERT_TRUE(h.drain(200000)) << "not drained: deadlock";
  EXPECT_EQ(checkOrderedDelivery(h, meta), copies);
  EXPECT_GT(copies, 4000u);
  EXPECT_TRUE(h.net.quiescent());
  h.net.checkAllDelivered();
}
INSTANTIATE_TEST_SUITE_P(VcsAndLatencies, NocBackPressureDepthOne,
                         testing::Values(std::make_tuple(1u, 1u, 1u), std::make_tuple(2u, 1u, 1u),
                                         std::make_tuple(2u, 2u, 3u), std::make_tuple(4u, 3u, 2u)),
                         [](const auto &i) {
                           return "vc" + std::to_string(std::get<0>(i.param)) + "_R" +
                                  std::to_string(std::get<1>(i.param)) + "_L" +
                                  std::to_string(std::get<2>(i.param));
                         });

// VC0 from core 0 to core 3 is blocked (core 3 never consumes VC0): its
// worms fill every VC0 buffer on the path and own every VC0 output. VC1
// packets through the same ports (0 -> 3, 1 -> 2) still arrive at exactly
// the zero-load cycle, while a VC0 packet from 1 to 2 is stuck behind the
// blocked worm. Releasing VC0 drains everything in order.
TEST(NocVcSeparation, BlockedVc0DoesNotBlockVc1OnTheSamePorts) {
  const uint32_t D = 4, R = 1, L = 1;
  const ChipDescriptor chip = makeChip(4, 1, 2, D, R, L);
  NocHarness h(chip);
  h.sinkVcMask[3] = 0b10;  // core 3 consumes VC1 only
  std::map<uint64_t, std::pair<uint32_t, uint8_t>> meta;
  // 5 packets x 4 flits = the 5 VC0 buffers on the path (Local input of 0,
  // West inputs of 1..3, core 3's ejection buffer).
  for (int i = 0; i < 5; ++i) meta[h.send(0, 3, 0, 4)] = {0, 0};
  for (int i = 0; i < 100; ++i) h.step();
  ASSERT_EQ(h.injectedAt.size(), 20u);
  ASSERT_TRUE(h.consumed.empty());
  ASSERT_EQ(h.net.injectCredits(0, 0, h.now), 0u);

  // Same ports, other VC: exactly zero-load latency (t0 = injection + 1).
  // 1 -> 2 shares router 1's East output and router 2's West input with
  // the blocked worm; 0 -> 3 (sent once 1 -> 2 is done, so they do not
  // contend) shares every port of its path with it.
  uint64_t start = h.now;
  const uint64_t b = h.send(1, 2, 1, 3);
  meta[b] = {1, 1};
  // Same ports, same VC: stuck behind the blocked worm (router 1's East
  // output VC0 is owned and out of credits).
  const uint64_t c = h.send(1, 2, 0, 2);
  meta[c] = {1, 0};
  for (int i = 0; i < 30; ++i) h.step();
  EXPECT_EQ(h.tailConsumed(b, 2), start + 1 + 1 * (R + L) + R + 3);
  start = h.now;
  const uint64_t a = h.send(0, 3, 1, 4);
  meta[a] = {0, 1};
  for (int i = 0; i < 100; ++i) h.step();
  EXPECT_EQ(h.tailConsumed(a, 3), start + 1 + 3 * (R + L) + R + 4);
  EXPECT_EQ(h.tailConsumed(c, 2), UINT64_MAX) << "VC0 should be blocked";
  for (const auto &k : h.consumed) EXPECT_EQ(k.flit.vc, 1u);

  h.sinkVcMask[3] = 0b11;
  ASSERT_TRUE(h.drain());
  EXPECT_NE(h.tailConsumed(c, 2), UINT64_MAX);
  EXPECT_EQ(checkOrderedDelivery(h, meta), meta.size());
  h.net.checkAllDelivered();
}

} // namespace
} // namespace xpu::emu::test
