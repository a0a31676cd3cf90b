// Placement by simulated annealing, its cost, lower bound and link loads
// (Mapping.h), on hand-checked cases and on random actor graphs.
#include "PlacementCases.h"

#include "xpu/compiler/Mapping.h"
#include "xpu/compiler/RandomGraph.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <set>

using namespace xpu;
using namespace xpu::graph;

namespace {

ChipDescriptor chip(uint32_t w, uint32_t h) { return test::chipOf(w, h); }

uint32_t hops(const ChipDescriptor &c, uint32_t a, uint32_t b) {
  return uint32_t(std::abs(int(c.coreX(a)) - int(c.coreX(b))) + std::abs(int(c.coreY(a)) - int(c.coreY(b))));
}

/// The original greedy placement, by brute force over every free core: the
/// fast one in Place.cpp must give exactly the same cores.
void bruteForceGreedy(const ActorGraph &g, const ChipDescriptor &chip, std::vector<Partition> &parts) {
  std::vector<uint32_t> rank(g.actors.size());
  std::vector<uint32_t> order = g.topologicalOrder();
  for (uint32_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
  std::vector<uint32_t> seq(parts.size());
  for (uint32_t i = 0; i < seq.size(); ++i) seq[i] = i;
  std::stable_sort(seq.begin(), seq.end(),
                   [&](uint32_t a, uint32_t b) { return rank[parts[a].actor] < rank[parts[b].actor]; });
  std::vector<bool> used(chip.numCores(), false);
  std::vector<uint32_t> placed;
  for (uint32_t p : seq) {
    uint64_t best = UINT64_MAX;
    uint32_t bestCore = 0;
    for (uint32_t c = 0; c < chip.numCores(); ++c) {
      if (used[c]) continue;
      uint64_t cost = 0;
      for (uint32_t q : placed)
        cost += (trafficBytes(g, parts[p], parts[q]) + trafficBytes(g, parts[q], parts[p])) * hops(chip, c, parts[q].core);
      if (cost < best) best = cost, bestCore = c;
    }
    parts[p].core = bestCore;
    used[bestCore] = true;
    placed.push_back(p);
  }
}

uint64_t bruteForceCost(const ActorGraph &g, const ChipDescriptor &chip, const std::vector<Partition> &parts) {
  uint64_t cost = 0;
  for (size_t a = 0; a < parts.size(); ++a)
    for (size_t b = 0; b < parts.size(); ++b)
      if (a != b) cost += trafficBytes(g, parts[a], parts[b]) * hops(chip, parts[a].core, parts[b].core);
  return cost;
}

using Case = test::PlacementCase;

/// Random graph, partitioned with a compute budget so actors split, on a
/// chip with room to spare.
Case randomCase(uint64_t seed) {
  return test::partitionedRandomGraph(seed, 4 + uint32_t(seed % 9), 40, 4 + uint32_t(seed % 5), 3 + uint32_t(seed % 4), 8 + uint32_t(seed % 3) * 8);
}

void expectValid(const ChipDescriptor &c, const std::vector<Partition> &parts, uint32_t spare = 0) {
  test::expectValidPlacement(c, parts, spare);
}

} // namespace

TEST(Anneal, CostAndLinkLoadsMatchAHandComputation) {
  // x (input, 4 x i8) -> fc (linear 4 -> 2, i32) on a 3x2 chip.
  ActorGraph g;
  Actor x;
  x.name = "x";
  x.kind = ActorKind::Input;
  x.outSize = 4;
  Actor fc;
  fc.name = "fc";
  fc.kind = ActorKind::Linear;
  fc.inSize = 4;
  fc.outSize = 2;
  fc.outType = DType::I32;
  fc.weight.assign(8, 1);
  g.actors = {x, fc};
  g.channels = {{0, 1, 1, MailboxPolicy::Block, 0, ""}};
  g.outputs = {{"y", 1}};
  ASSERT_FALSE(validateActorGraph(g));
  ChipDescriptor c = chip(3, 2);
  PartitionOptions po;
  po.maxElementsPerCore = 1; // fc: rows [0,1) and [1,2)
  auto parts = partitionGraph(g, c, po);
  ASSERT_TRUE(parts);
  ASSERT_EQ(parts->size(), 3u);
  // x at (0,0), fc[0] at (2,1), fc[1] at (2,0).
  (*parts)[0].core = c.coreId(0, 0);
  (*parts)[1].core = c.coreId(2, 1);
  (*parts)[2].core = c.coreId(2, 0);
  // x -> fc[0]: 4 B x 3 hops; x -> fc[1]: 4 B x 2 hops; gather fc[1] -> fc[0]: 4 B x 1 hop.
  EXPECT_EQ(placementCost(g, c, *parts), 4u * 3 + 4u * 2 + 4u * 1);
  EXPECT_EQ(placementCost(g, c, *parts), bruteForceCost(g, c, *parts));
  // XY paths: x->fc[0]: (0,0)+x (1,0)+x (2,0)+y; x->fc[1]: (0,0)+x (1,0)+x;
  // fc[1]->fc[0]: (2,0)+y. Links (0,0)+x and (1,0)+x carry 8 B, (2,0)+y 8 B.
  std::vector<uint64_t> load = linkLoads(g, c, *parts);
  ASSERT_EQ(load.size(), 6u * 4);
  std::vector<uint64_t> expected(24, 0);
  expected[c.coreId(0, 0) * 4 + 0] = 8;
  expected[c.coreId(1, 0) * 4 + 0] = 8;
  expected[c.coreId(2, 0) * 4 + 2] = 8;
  EXPECT_EQ(load, expected);
  // Objective: 24 + w * (3 x 8^2) / (heaviest pair, 4 B) = 24 + w * 48.
  EXPECT_DOUBLE_EQ(placementObjective(g, c, *parts, 0), 24.0);
  EXPECT_DOUBLE_EQ(placementObjective(g, c, *parts, 0.5), 24.0 + 0.5 * 48.0);
  // Lower bound: x owns its two pairs (4 B + 4 B, one hop each), fc[0] and
  // fc[1] share the gather (4 B, one hop): 12.
  EXPECT_EQ(placementLowerBound(g, c, *parts), 12u);
}

TEST(Anneal, FastGreedyEqualsBruteForceGreedy) {
  for (uint64_t seed = 1; seed <= 120; ++seed) {
    Case k = randomCase(seed);
    std::vector<Partition> fast = k.parts, slow = k.parts;
    ASSERT_FALSE(placePartitions(k.g, k.c, fast));
    bruteForceGreedy(k.g, k.c, slow);
    for (size_t i = 0; i < fast.size(); ++i) ASSERT_EQ(fast[i].core, slow[i].core) << "seed " << seed << " part " << i;
    ASSERT_EQ(placementCost(k.g, k.c, fast), bruteForceCost(k.g, k.c, fast)) << "seed " << seed;
  }
}

TEST(Anneal, NeverWorseThanGreedyValidAndBounded) {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    Case k = randomCase(seed);
    for (double w : {0.0, 0.3}) {
      std::vector<Partition> greedy = k.parts, anneal = k.parts;
      ASSERT_FALSE(placePartitions(k.g, k.c, greedy));
      PlaceOptions o;
      o.seed = seed;
      o.iterations = 5000;
      o.balanceWeight = w;
      PlaceReport r;
      ASSERT_FALSE(placePartitions(k.g, k.c, anneal, o, &r));
      expectValid(k.c, anneal);
      const double og = placementObjective(k.g, k.c, greedy, w), oa = placementObjective(k.g, k.c, anneal, w);
      EXPECT_LE(oa, og) << "seed " << seed;
      EXPECT_DOUBLE_EQ(r.objective, oa);
      EXPECT_DOUBLE_EQ(r.greedyObjective, og);
      EXPECT_EQ(r.greedyCost, placementCost(k.g, k.c, greedy));
      EXPECT_EQ(r.cost, placementCost(k.g, k.c, anneal));
      if (w == 0) {
        EXPECT_LE(r.cost, r.greedyCost) << "seed " << seed;
      }
      const uint64_t bound = placementLowerBound(k.g, k.c, k.parts);
      EXPECT_EQ(r.lowerBound, bound);
      EXPECT_LE(bound, r.cost) << "seed " << seed;
      EXPECT_LE(bound, r.greedyCost) << "seed " << seed;
    }
  }
}

TEST(Anneal, LowerBoundHoldsForArbitraryPlacements) {
  // Scatter partitions over the chip with a fixed permutation: the bound
  // must still hold (it does not depend on the placement).
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    Case k = randomCase(seed);
    std::vector<uint32_t> cores(k.c.numCores());
    for (uint32_t i = 0; i < cores.size(); ++i) cores[i] = i;
    uint64_t s = seed * 2654435761u + 1;
    for (uint32_t i = uint32_t(cores.size()) - 1; i > 0; --i) {
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;
      std::swap(cores[i], cores[s % (i + 1)]);
    }
    for (size_t i = 0; i < k.parts.size(); ++i) k.parts[i].core = cores[i];
    EXPECT_LE(placementLowerBound(k.g, k.c, k.parts), placementCost(k.g, k.c, k.parts)) << "seed " << seed;
  }
}

TEST(Anneal, DeterministicPerSeed) {
  for (uint64_t seed : {3u, 17u, 42u}) {
    Case k = randomCase(seed);
    PlaceOptions o;
    o.seed = 99;
    o.balanceWeight = 0.2;
    std::vector<Partition> a = k.parts, b = k.parts;
    PlaceReport ra, rb;
    ASSERT_FALSE(placePartitions(k.g, k.c, a, o, &ra));
    ASSERT_FALSE(placePartitions(k.g, k.c, b, o, &rb));
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].core, b[i].core);
    EXPECT_EQ(ra.moves, rb.moves);
    EXPECT_EQ(ra.accepted, rb.accepted);
  }
}

TEST(Anneal, BeatsGreedyOnAHubAndReachesTheBound) {
  // One input feeding four layers on a 3x3 chip (tests/lit/compiler/place-anneal.mlir).
  ActorGraph g;
  Actor x;
  x.name = "x";
  x.kind = ActorKind::Input;
  x.outSize = 8;
  g.actors.push_back(x);
  for (int i = 0; i < 4; ++i) {
    Actor l;
    l.name = "l" + std::to_string(i);
    l.kind = ActorKind::Linear;
    l.inSize = 8;
    l.outSize = 2;
    l.outType = DType::I32;
    l.weight.assign(16, 1);
    g.actors.push_back(l);
    g.channels.push_back({0, uint32_t(i + 1), 1, MailboxPolicy::Block, 0, ""});
    g.outputs.push_back({"y" + std::to_string(i), uint32_t(i + 1)});
  }
  ASSERT_FALSE(validateActorGraph(g));
  ChipDescriptor c = chip(3, 3);
  auto parts = partitionGraph(g, c);
  ASSERT_TRUE(parts);
  std::vector<Partition> greedy = *parts;
  ASSERT_FALSE(placePartitions(g, c, greedy));
  EXPECT_EQ(placementCost(g, c, greedy), 48u);
  PlaceOptions o;
  PlaceReport r;
  ASSERT_FALSE(placePartitions(g, c, *parts, o, &r));
  EXPECT_EQ(r.cost, 32u);
  EXPECT_EQ(r.lowerBound, 32u);
  EXPECT_EQ((*parts)[0].core, c.coreId(1, 1));
}

TEST(Anneal, SpareCoresStayFree) {
  Case k = randomCase(5);
  const uint32_t spare = k.c.numCores() - uint32_t(k.parts.size());
  PlaceOptions o;
  o.spareCores = spare;
  std::vector<Partition> parts = k.parts;
  ASSERT_FALSE(placePartitions(k.g, k.c, parts, o));
  expectValid(k.c, parts, spare);
  o.strategy = PlaceStrategy::Greedy;
  parts = k.parts;
  ASSERT_FALSE(placePartitions(k.g, k.c, parts, o));
  expectValid(k.c, parts, spare);
  o.spareCores = spare + 1;
  auto err = placePartitions(k.g, k.c, parts, o);
  ASSERT_TRUE(err);
  EXPECT_NE(err->message.find("kept free for spawn"), std::string::npos) << err->message;
}
