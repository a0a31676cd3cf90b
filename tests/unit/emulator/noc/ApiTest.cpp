// Small pieces of the NoC API used by the traffic drivers: the bounded
// random draw without division, and the NI's round-robin ejection helper.
#include "NocHarness.h"

#include "xpu/emu/Traffic.h"

#include <gtest/gtest.h>

namespace xpu::emu::test {
namespace {

// RangeDraw::mod must equal x % n for every x (the draws, and therefore
// every traffic result, depend on it).
TEST(NocApi, RangeDrawEqualsModulo) {
  std::mt19937_64 rng(5);
  for (uint64_t n : {1ull, 2ull, 3ull, 5ull, 7ull, 8ull, 10ull, 63ull, 64ull, 100ull, 1000ull,
                     4095ull, 4096ull, 65535ull, 65536ull, 1000003ull, 4294967291ull}) {
    const RangeDraw d(n);
    EXPECT_EQ(d.limit(), UINT64_MAX - UINT64_MAX % n);
    for (uint64_t x : {uint64_t(0), n - 1, n, n + 1, UINT64_MAX, UINT64_MAX - 1, UINT64_MAX - n,
                       d.limit() - 1})
      ASSERT_EQ(d.mod(x), x % n) << "n " << n << " x " << x;
    for (int i = 0; i < 20000; ++i) {
      const uint64_t x = rng();
      ASSERT_EQ(d.mod(x), x % n) << "n " << n << " x " << x;
    }
    TrafficRng a(9), b(9);
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.below(n), b.below(d));
  }
}

// ejectNext returns what ejectFront gives for the VCs after `afterVc` in
// round-robin order.
TEST(NocApi, EjectNextIsRoundRobinEjectFront) {
  const ChipDescriptor chip = makeChip(3, 1, 3, 4);
  NocHarness h(chip);
  h.sinkOn[2] = false;
  for (uint8_t vc = 0; vc < 3; ++vc)
    if (vc != 1) h.send(0, 2, vc, 2);
  for (int i = 0; i < 30; ++i) h.step();
  ASSERT_EQ(h.net.ejectOccupancy(2), 4u);
  for (uint8_t after = 0; after < 3; ++after) {
    uint8_t vc = 99;
    const Flit *f = h.net.ejectNext(2, after, h.now, vc);
    const uint8_t want = after == 2 ? 0 : 2;  // VC 1 is empty: 1,2,0 / 2,0,1 / 0,1,2
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(vc, want);
    EXPECT_EQ(f, h.net.ejectFront(2, want, h.now));
  }
  uint8_t vc = 99;
  EXPECT_EQ(h.net.ejectNext(1, 0, h.now, vc), nullptr);
  EXPECT_EQ(vc, 99);
  // Not yet arrived: invisible.
  NocHarness g(chip);
  g.send(1, 2, 0, 1);
  g.sinkOn[2] = false;
  while (g.net.ejectOccupancy(2) == 0) g.step();
  EXPECT_EQ(g.net.ejectNext(2, 0, g.now - 1, vc), nullptr);
}

} // namespace
} // namespace xpu::emu::test
