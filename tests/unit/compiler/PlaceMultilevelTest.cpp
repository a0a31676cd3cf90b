// Multilevel placement (Place.cpp, docs/mapping.md "Placement"): valid,
// deterministic per seed, never worse than greedy, better than annealing
// from greedy on a lattice; and the lower bound against every placement of
// tiny chips (exhaustive) and random placements of larger graphs; seeds
// agree within a stated ratio.
#include "PlacementCases.h"

#include "xpu/compiler/Mapping.h"
#include "xpu/compiler/RandomGraph.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

using namespace xpu;
using namespace xpu::graph;

namespace {

ChipDescriptor chip(uint32_t w, uint32_t h) { return test::chipOf(w, h); }

using Case = test::PlacementCase;

/// A random graph split into many slices (enough to coarsen: >= 32).
Case bigCase(uint64_t seed) {
  return test::partitionedRandomGraph(seed, 6 + uint32_t(seed % 7), 64, 8 + uint32_t(seed % 5), 6 + uint32_t(seed % 6), 4 + uint32_t(seed % 3) * 2);
}

/// A chains x depth lattice of LIF populations: (c, d) sums a projection
/// of (c, d-1) and one of (c+1, d-1) (the layered graph of compile_bench,
/// without the wrap-around).
ActorGraph lattice(uint32_t chains, uint32_t depth) {
  ActorGraph g;
  auto add = [&](Actor a) {
    g.actors.push_back(std::move(a));
    return uint32_t(g.actors.size() - 1);
  };
  auto connect = [&](uint32_t from, uint32_t to) {
    Channel ch;
    ch.from = from;
    ch.to = to;
    g.channels.push_back(ch);
  };
  auto linear = [&](const std::string &name) {
    Actor a;
    a.name = name;
    a.kind = ActorKind::Linear;
    a.inSize = a.outSize = 8;
    a.outType = DType::I32;
    a.weight.assign(64, 1);
    return a;
  };
  std::vector<uint32_t> prev(chains);
  for (uint32_t c = 0; c < chains; ++c) {
    Actor in;
    in.name = "in" + std::to_string(c);
    in.kind = ActorKind::Input;
    in.outSize = 8;
    prev[c] = add(in);
  }
  for (uint32_t d = 1; d < depth; ++d) {
    std::vector<uint32_t> next(chains);
    for (uint32_t c = 0; c < chains; ++c) {
      const std::string s = std::to_string(c) + "_" + std::to_string(d);
      const uint32_t w = add(linear("w" + s));
      connect(prev[c], w);
      Actor p;
      p.name = "p" + s;
      p.kind = ActorKind::LIF;
      p.inSize = p.outSize = 8;
      p.inType = DType::I32;
      p.outType = DType::I8;
      p.params.dv = 512;
      p.params.vth = 64;
      const uint32_t pop = add(p);
      connect(w, pop);
      if (c + 1 < chains) {
        const uint32_t lat = add(linear("l" + s));
        connect(prev[c + 1], lat);
        connect(lat, pop);
      }
      next[c] = pop;
    }
    prev = next;
  }
  for (uint32_t c = 0; c < chains; ++c) g.outputs.push_back({"y" + std::to_string(c), prev[c]});
  return g;
}

void expectValid(const ChipDescriptor &c, const std::vector<Partition> &parts, uint32_t spare = 0) {
  test::expectValidPlacement(c, parts, spare);
}

} // namespace

TEST(PlaceMultilevel, ValidNeverWorseThanGreedyAndBounded) {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    Case k = bigCase(seed);
    ASSERT_GE(k.parts.size(), 8u);
    for (double w : {0.0, 0.1}) {
      std::vector<Partition> greedy = k.parts, ml = k.parts;
      ASSERT_FALSE(placePartitions(k.g, k.c, greedy));
      PlaceOptions o;
      o.seed = seed;
      o.balanceWeight = w;
      o.spareCores = uint32_t(seed % 3);
      o.multilevelRuns = 1 + uint32_t(seed % 2);
      PlaceReport r;
      ASSERT_FALSE(placePartitions(k.g, k.c, ml, o, &r));
      expectValid(k.c, ml, o.spareCores);
      EXPECT_LE(r.objective, r.greedyObjective) << "seed " << seed;
      EXPECT_LE(r.lowerBound, r.cost) << "seed " << seed;
      EXPECT_EQ(r.cost, placementCost(k.g, k.c, ml));
      if (w == 0) {
        EXPECT_LE(r.cost, r.greedyCost) << "seed " << seed;
      }
    }
  }
}

TEST(PlaceMultilevel, DeterministicPerSeed) {
  for (uint64_t seed : {2u, 11u, 29u}) {
    Case k = bigCase(seed);
    PlaceOptions o;
    o.seed = 7;
    o.multilevelRuns = 2;
    std::vector<Partition> a = k.parts, b = k.parts;
    PlaceReport ra, rb;
    ASSERT_FALSE(placePartitions(k.g, k.c, a, o, &ra));
    ASSERT_FALSE(placePartitions(k.g, k.c, b, o, &rb));
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].core, b[i].core);
    EXPECT_EQ(ra.cost, rb.cost);
    EXPECT_EQ(ra.moves, rb.moves);
  }
}

TEST(PlaceMultilevel, BeatsAnnealingFromGreedyOnALattice) {
  // 10 x 8 lattice (218 slices) on a 20 x 20 chip: the multilevel start keeps the
  // lattice two-dimensional; annealing from the greedy start does not.
  ActorGraph g = lattice(10, 8);
  if (auto err = validateActorGraph(g)) FAIL() << err->message;
  ChipDescriptor c = chip(20, 20);
  auto parts = partitionGraph(g, c);
  ASSERT_TRUE(parts);
  PlaceOptions o;
  o.balanceWeight = 0;
  std::vector<Partition> ml = *parts, plain = *parts;
  PlaceReport rm, rp;
  ASSERT_FALSE(placePartitions(g, c, ml, o, &rm));
  o.multilevel = false;
  ASSERT_FALSE(placePartitions(g, c, plain, o, &rp));
  expectValid(c, ml);
  EXPECT_LT(rm.cost, rp.cost);
  EXPECT_LE(rm.lowerBound, rm.cost);
  EXPECT_LT(rm.gap(), 1.5) << rm.cost << " / " << rm.lowerBound;
}

TEST(PlaceMultilevel, LowerBoundHoldsForEveryPlacementOfTinyChips) {
  // Every placement (all permutations) of 6 slices on a 3x2 chip and of
  // 4 slices on a 2x2 chip, for random graphs.
  uint32_t checked = 0;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    RandomGraphOptions o;
    o.seed = seed;
    o.maxActors = 6;
    o.maxWidth = 12;
    ActorGraph g = randomActorGraph(o);
    const ChipDescriptor c = seed % 2 ? chip(3, 2) : chip(2, 2);
    PartitionOptions po;
    po.maxElementsPerCore = 6;
    auto parts = partitionGraph(g, c, po);
    if (!parts || parts->size() > c.numCores()) continue;
    std::vector<uint32_t> cores(c.numCores());
    std::iota(cores.begin(), cores.end(), 0u);
    const uint64_t bound = placementLowerBound(g, c, *parts);
    uint64_t best = UINT64_MAX;
    do {
      for (size_t i = 0; i < parts->size(); ++i) (*parts)[i].core = cores[i];
      best = std::min(best, placementCost(g, c, *parts));
      ++checked;
    } while (std::next_permutation(cores.begin(), cores.end()));
    EXPECT_LE(bound, best) << "seed " << seed;
    // Annealing (with the multilevel start when it applies) is valid and
    // no better than the optimum.
    PlaceOptions po2;
    po2.balanceWeight = 0;
    PlaceReport r;
    ASSERT_FALSE(placePartitions(g, c, *parts, po2, &r));
    EXPECT_GE(r.cost, best);
    EXPECT_EQ(r.lowerBound, bound);
  }
  EXPECT_GT(checked, 1000u);
}

TEST(PlaceMultilevel, LowerBoundHoldsForRandomPlacementsOfLargerGraphs) {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    Case k = bigCase(seed);
    std::vector<uint32_t> cores(k.c.numCores());
    std::iota(cores.begin(), cores.end(), 0u);
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 3;
    const uint64_t bound = placementLowerBound(k.g, k.c, k.parts);
    for (int trial = 0; trial < 20; ++trial) {
      for (uint32_t i = uint32_t(cores.size()) - 1; i > 0; --i) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        std::swap(cores[i], cores[s % (i + 1)]);
      }
      for (size_t i = 0; i < k.parts.size(); ++i) k.parts[i].core = cores[i];
      EXPECT_LE(bound, placementCost(k.g, k.c, k.parts)) << "seed " << seed;
    }
  }
}

TEST(PlaceMultilevel, SeedsAgreeOnAMidSizeRandomGraph) {
  // 343 slices on a 24 x 24 chip. Measured (default options, seeds 1-6):
  // worst / best cost 1.015; annealing from greedy alone (no multilevel
  // start) 1.09. 1.06 leaves room for tuning noise and still catches a
  // placer whose result hinges on the seed (docs/mapping.md "Seeds").
  Case k = test::partitionedRandomGraph(3, 24, 64, 24, 24, 2);
  ASSERT_EQ(k.parts.size(), 343u);
  std::vector<uint64_t> costs;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    PlaceOptions o;
    o.seed = seed;
    std::vector<Partition> p = k.parts;
    PlaceReport r;
    ASSERT_FALSE(placePartitions(k.g, k.c, p, o, &r));
    expectValid(k.c, p);
    costs.push_back(r.cost);
  }
  const uint64_t best = *std::min_element(costs.begin(), costs.end());
  const uint64_t worst = *std::max_element(costs.begin(), costs.end());
  EXPECT_LE(double(worst), 1.06 * double(best)) << "costs over seeds 1-4: " << costs[0] << " " << costs[1] << " "
                                                  << costs[2] << " " << costs[3];
}
