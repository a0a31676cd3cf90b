// Zero-load latency (docs/arch.md 5.1) for every source/destination pair of
// a 4x4 mesh, single- and multi-flit packets, and the route each packet took
// (from the per-port link counters): together the pairs exercise every
// (input port, output port) combination XY routing allows.
#include "NocHarness.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace xpu::emu::test {
namespace {

struct AllPairsCase {
  uint32_t flits, R, L, D;
};

class NocZeroLoadAllPairs : public testing::TestWithParam<AllPairsCase> {};

uint8_t stepPort(uint32_t &x, uint32_t &y, uint32_t dx, uint32_t dy) {
  const Port p = routeXY(x, y, dx, dy);
  if (p == Port::East) ++x;
  else if (p == Port::West) --x;
  else if (p == Port::North) --y;
  else if (p == Port::South) ++y;
  return uint8_t(p);
}

uint8_t opposite(uint8_t p) {
  switch (Port(p)) {
  case Port::East: return uint8_t(Port::West);
  case Port::West: return uint8_t(Port::East);
  case Port::North: return uint8_t(Port::South);
  case Port::South: return uint8_t(Port::North);
  default: return uint8_t(Port::Local);
  }
}

TEST_P(NocZeroLoadAllPairs, EveryPairMatchesFormulaAndRoute) {
  const AllPairsCase c = GetParam();
  const ChipDescriptor chip = makeChip(4, 4, 2, c.D, c.R, c.L);
  const uint32_t n = chip.numCores();
  std::set<std::pair<uint8_t, uint8_t>> turns;  // (input port, output port) used
  for (uint32_t src = 0; src < n; ++src)
    for (uint32_t dst = 0; dst < n; ++dst) {
      SCOPED_TRACE("src " + std::to_string(src) + " dst " + std::to_string(dst));
      NocHarness h(chip);
      const uint8_t vc = uint8_t((src + dst) % 2);
      const uint64_t id = h.send(src, dst, vc, c.flits);
      ASSERT_TRUE(h.drain(1000));
      ASSERT_EQ(h.injectedAt.front().cycle, 0u);
      const uint64_t t0 = 1;
      const uint32_t sx = chip.coreX(src), sy = chip.coreY(src);
      const uint32_t dx = chip.coreX(dst), dy = chip.coreY(dst);
      const uint64_t H = (sx > dx ? sx - dx : dx - sx) + (sy > dy ? sy - dy : dy - sy);
      const uint64_t expected = t0 + H * (c.R + c.L) + c.R + c.flits;
      ASSERT_EQ(h.tailConsumed(id, dst), expected) << "H=" << H;
      ASSERT_EQ(h.consumed.size(), c.flits);
      for (uint32_t i = 0; i < c.flits; ++i) {
        EXPECT_EQ(h.consumed[i].flit.seq, i);
        EXPECT_EQ(h.consumed[i].cycle, expected - c.flits + 1 + i);
        EXPECT_EQ(h.consumed[i].core, dst);
      }
      // The route: exactly the XY path's output ports carried the packet.
      std::vector<std::array<uint64_t, kNumPorts>> want(n, std::array<uint64_t, kNumPorts>{});
      uint32_t x = sx, y = sy;
      uint8_t in = uint8_t(Port::Local);
      for (;;) {
        const uint32_t r = chip.coreId(x, y);
        const uint8_t out = stepPort(x, y, dx, dy);
        want[r][out] = c.flits;
        turns.insert({in, out});
        if (out == uint8_t(Port::Local)) break;
        in = opposite(out);
      }
      ASSERT_EQ(h.net.stats().linkFlits, want);
      EXPECT_EQ(h.net.stats().flitHops, H * c.flits);
      h.net.checkAllDelivered();
    }
  // XY turns: from Local anywhere; from a horizontal input straight on, to
  // the vertical ports or Local; from a vertical input straight on or Local.
  const uint8_t Lo = uint8_t(Port::Local), E = uint8_t(Port::East), W = uint8_t(Port::West),
                N = uint8_t(Port::North), S = uint8_t(Port::South);
  const std::set<std::pair<uint8_t, uint8_t>> legal = {
      {Lo, Lo}, {Lo, E}, {Lo, W}, {Lo, N}, {Lo, S},  // injected
      {W, E},   {W, N},  {W, S},  {W, Lo},           // arrived from the west, travelling east
      {E, W},   {E, N},  {E, S},  {E, Lo},           // arrived from the east
      {S, N},   {S, Lo},                             // arrived from the south, travelling north
      {N, S},   {N, Lo}};                            // arrived from the north
  EXPECT_EQ(turns, legal);
}

INSTANTIATE_TEST_SUITE_P(
    Mesh4x4, NocZeroLoadAllPairs,
    testing::Values(AllPairsCase{1, 1, 1, 4}, AllPairsCase{4, 1, 1, 4},
                    AllPairsCase{1, 2, 3, 8}, AllPairsCase{5, 2, 3, 8},
                    AllPairsCase{3, 3, 1, 5}),
    [](const testing::TestParamInfo<AllPairsCase> &i) {
      return "n" + std::to_string(i.param.flits) + "_R" + std::to_string(i.param.R) + "_L" +
             std::to_string(i.param.L) + "_D" + std::to_string(i.param.D);
    });

} // namespace
} // namespace xpu::emu::test
