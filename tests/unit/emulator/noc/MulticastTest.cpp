// Multicast: XY-tree tables, virtual cut-through branch timing, exactly one
// copy per destination (docs/arch.md 6.4).
#include "NocHarness.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace xpu::emu::test {
namespace {

constexpr uint8_t L_ = 1 << 0, E_ = 1 << 1, W_ = 1 << 2, N_ = 1 << 3, S_ = 1 << 4;

// 3x3, ids:  0 1 2 / 3 4 5 / 6 7 8 (row 0 on top, North = y - 1).
TEST(NocMulticastTables, MatchHandComputedXYTree3x3) {
  const ChipDescriptor chip = makeChip(3, 3);
  // Group 0 from the corner 0 to {2, 6, 8}; group 2 from the centre 4 to
  // {0, 4, 5, 7}; group 1 unused.
  std::vector<MulticastGroup> groups = {{0, 0, {2, 6, 8}}, {2, 4, {0, 4, 5, 7}}};
  auto t = buildMulticastTables(chip, groups);
  ASSERT_EQ(t.size(), 9u);
  for (const auto &row : t) ASSERT_EQ(row.size(), 3u);
  // Group 0: 0->2 is E,E; 0->6 is S,S; 0->8 is E,E then S,S.
  const uint8_t g0[9] = {E_ | S_, E_, L_ | S_, S_, 0, S_, L_, 0, L_};
  // Group 2: 4->0 is W then N; 4->4 Local; 4->5 E; 4->7 S.
  const uint8_t g2[9] = {L_, 0, 0, N_, W_ | L_ | E_ | S_, L_, 0, L_, 0};
  for (uint32_t r = 0; r < 9; ++r) {
    EXPECT_EQ(t[r][0], g0[r]) << "group 0 router " << r;
    EXPECT_EQ(t[r][1], 0) << "group 1 router " << r;
    EXPECT_EQ(t[r][2], g2[r]) << "group 2 router " << r;
  }
}

// Zero-load timing of virtual cut-through, branch by branch. At a router
// where the head arrives at a (tail at a + n - 1) the first branch wins SA at
// a + M, M = max(R, n - 1) (front eligible and whole packet present); each
// earlier branch at that router delays a branch by n cycles. For a
// destination reached through routers r_0..r_H over H links:
//   T = t0 + (H + 1) * M + H * L + n + n * (earlier branches on the path)
struct McCase {
  uint32_t flits, R, L, D;
};
class NocMulticastZeroLoad : public testing::TestWithParam<McCase> {};

TEST_P(NocMulticastZeroLoad, BranchTimingMatchesFormula) {
  const McCase p = GetParam();
  const ChipDescriptor chip = makeChip(3, 3, 2, p.D, p.R, p.L);
  NocHarness h(chip, {{0, 0, {2, 6, 8}}});
  const uint64_t id = h.send(0, 0, 1, p.flits, true);
  ASSERT_TRUE(h.drain());
  const uint64_t t0 = 1, n = p.flits, M = std::max<uint64_t>(p.R, n - 1);
  auto T = [&](uint64_t H, uint64_t earlier) { return t0 + (H + 1) * M + H * p.L + n + n * earlier; };
  EXPECT_EQ(h.tailConsumed(id, 2), T(2, 0));  // East first at router 0
  EXPECT_EQ(h.tailConsumed(id, 6), T(2, 1));  // South after East at router 0
  EXPECT_EQ(h.tailConsumed(id, 8), T(4, 1));  // South after Local at router 2
  EXPECT_EQ(h.consumed.size(), 3 * n);
  // The tree has 6 links (0-1-2-5-8 and 0-3-6): each carries one copy.
  EXPECT_EQ(h.net.stats().flitHops, 6 * n);
  h.net.checkAllDelivered();
}

INSTANTIATE_TEST_SUITE_P(Cases, NocMulticastZeroLoad,
                         testing::Values(McCase{1, 1, 1, 4}, McCase{4, 1, 1, 4},
                                         McCase{3, 2, 3, 8}, McCase{2, 3, 2, 4},
                                         McCase{8, 2, 1, 8}),
                         [](const testing::TestParamInfo<McCase> &i) {
                           return "n" + std::to_string(i.param.flits) + "_R" + std::to_string(i.param.R) +
                                  "_L" + std::to_string(i.param.L) + "_D" + std::to_string(i.param.D);
                         });

// Explicit table entries (the executable's multicast_routes) replace the XY
// tree: a tree through the bottom row delivers one copy to each destination
// over exactly its links.
TEST(NocMulticast, ExplicitTreeIsFollowed) {
  const ChipDescriptor chip = makeChip(3, 3);
  const std::vector<MulticastRoute> yx = {{0, 0, E_ | S_}, {0, 1, E_}, {0, 2, L_}, {0, 3, S_},
                                          {0, 6, E_},      {0, 7, E_}, {0, 8, L_}};
  NocHarness h(chip, {{0, 0, {2, 8}}}, yx);
  const uint64_t id = h.send(0, 0, 1, 3, true);
  ASSERT_TRUE(h.drain());
  EXPECT_GT(h.tailConsumed(id, 2), 0u);
  EXPECT_GT(h.tailConsumed(id, 8), 0u);
  EXPECT_EQ(h.consumed.size(), 2 * 3u);
  EXPECT_EQ(h.net.stats().flitHops, 6 * 3u);  // 0-1-2 and 0-3-6-7-8
  const auto &links = h.net.stats().linkFlits;
  EXPECT_EQ(links[6][uint8_t(Port::East)], 3u);  // the bottom row, not 5 -> 8
  EXPECT_EQ(links[5][uint8_t(Port::South)], 0u);
  EXPECT_EQ(links[2][uint8_t(Port::South)], 0u);
  h.net.checkAllDelivered();
}

TEST(NocMulticast, SourceInItsOwnGroupGetsOneCopy) {
  const ChipDescriptor chip = makeChip(3, 3, 1, 4);
  NocHarness h(chip, {{5, 4, {1, 4, 7}}});
  const uint64_t id = h.send(4, 5, 0, 3, true);
  ASSERT_TRUE(h.drain());
  // Local is the first branch: the source's own copy is not delayed.
  const uint64_t M = 2;
  EXPECT_EQ(h.tailConsumed(id, 4), 1 + M + 3);
  EXPECT_EQ(h.tailConsumed(id, 1), 1 + 2 * M + 1 + 3 + 3);      // North after Local
  EXPECT_EQ(h.tailConsumed(id, 7), 1 + 2 * M + 1 + 3 + 2 * 3);  // South after Local, North
}

// Random groups and mixed unicast background traffic on all VCs: every
// multicast packet reaches each destination of its group exactly once, and
// no other core.
TEST(NocMulticast, ExactlyOneCopyPerDestinationUnderLoad) {
  const ChipDescriptor chip = makeChip(4, 4, 2, 4);
  std::mt19937_64 rng(5);
  std::vector<MulticastGroup> groups;
  for (uint32_t g = 0; g < 16; ++g) {
    MulticastGroup m;
    m.id = g;
    m.source = g;
    std::set<uint32_t> d;
    const uint32_t k = 1 + uint32_t(rng() % 8);
    while (d.size() < k) d.insert(uint32_t(rng() % 16));
    m.destinations.assign(d.begin(), d.end());
    groups.push_back(m);
  }
  NocHarness h(chip, groups);
  std::map<uint64_t, uint32_t> groupOf;
  for (int round = 0; round < 25; ++round)
    for (uint32_t s = 0; s < 16; ++s) {
      const uint8_t vc = uint8_t(rng() % 2);
      if (rng() % 2)
        groupOf[h.send(s, s, vc, 1 + uint32_t(rng() % 4), true)] = s;
      else
        h.send(s, uint32_t(rng() % 16), vc, 1 + uint32_t(rng() % 6));
    }
  ASSERT_TRUE(h.drain());
  std::map<std::pair<uint64_t, uint32_t>, int> copies;
  for (const auto &c : h.consumed)
    if (c.flit.tail && groupOf.count(c.flit.packetId)) ++copies[{c.flit.packetId, c.core}];
  size_t expected = 0;
  for (const auto &[id, g] : groupOf) {
    for (uint32_t d : groups[g].destinations) EXPECT_EQ((copies[{id, d}]), 1) << "packet " << id << " core " << d;
    expected += groups[g].destinations.size();
  }
  size_t total = 0;
  for (const auto &[k, n] : copies) total += size_t(n);
  EXPECT_EQ(total, expected) << "copies delivered to cores outside the group";
  EXPECT_GT(groupOf.size(), 100u);
  h.net.checkAllDelivered();
}

} // namespace
} // namespace xpu::emu::test
