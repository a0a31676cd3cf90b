// Shared by the placement tests (AnnealTest, PlaceMultilevelTest): random
// partitioned graphs on chips that fit them, and the validity check of a
// placement.
#pragma once

#include "xpu/compiler/Mapping.h"
#include "xpu/compiler/RandomGraph.h"

#include <gtest/gtest.h>

#include <set>

namespace xpu::graph::test {

inline ChipDescriptor chipOf(uint32_t w, uint32_t h) {
  ChipDescriptor c;
  c.width = w;
  c.height = h;
  return c;
}

struct PlacementCase {
  ActorGraph g;
  ChipDescriptor c;
  std::vector<Partition> parts;
};

/// A random graph of up to `maxActors` actors, split with a compute budget
/// of `maxElementsPerCore`, on a `w` x `h` chip grown until every slice has
/// a core.
inline PlacementCase partitionedRandomGraph(uint64_t seed, uint32_t maxActors, uint32_t maxWidth, uint32_t w,
                                            uint32_t h, uint32_t maxElementsPerCore) {
  RandomGraphOptions o;
  o.seed = seed;
  o.maxActors = maxActors;
  o.maxWidth = maxWidth;
  PlacementCase k{randomActorGraph(o), chipOf(w, h), {}};
  PartitionOptions po;
  po.maxElementsPerCore = maxElementsPerCore;
  auto parts = partitionGraph(k.g, k.c, po);
  EXPECT_TRUE(parts) << parts.error().message;
  if (parts) k.parts = *parts;
  while (k.parts.size() > k.c.numCores()) k.c = chipOf(k.c.width + 1, k.c.height + 1);
  return k;
}

/// One partition per core, none on the `spare` highest cores.
inline void expectValidPlacement(const ChipDescriptor &c, const std::vector<Partition> &parts, uint32_t spare = 0) {
  std::set<uint32_t> cores;
  for (const Partition &p : parts) {
    EXPECT_LT(p.core, c.numCores() - spare);
    EXPECT_TRUE(cores.insert(p.core).second) << "two partitions on core " << p.core;
  }
}

} // namespace xpu::graph::test
