// Partition, place and route on small graphs with hand-checked results.
#include "xpu/compiler/Mapping.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

using namespace xpu;
using namespace xpu::graph;

namespace {

ActorGraph mlp(uint32_t in, uint32_t hidden, uint32_t out) {
  ActorGraph g;
  Actor x;
  x.name = "x";
  x.kind = ActorKind::Input;
  x.outSize = in;
  Actor fc1;
  fc1.name = "fc1";
  fc1.kind = ActorKind::Linear;
  fc1.inSize = in;
  fc1.outSize = hidden;
  fc1.weight.assign(size_t(in) * hidden, 1);
  fc1.requantize = Requantize{4, true};
  Actor fc2 = fc1;
  fc2.name = "fc2";
  fc2.inSize = hidden;
  fc2.outSize = out;
  fc2.weight.assign(size_t(hidden) * out, 1);
  g.actors = {x, fc1, fc2};
  g.channels = {{0, 1, 1, MailboxPolicy::Block, 0, "/channels/0"}, {1, 2, 1, MailboxPolicy::Block, 0, "/channels/1"}};
  g.outputs = {{"y", 2}};
  EXPECT_FALSE(validateActorGraph(g));
  return g;
}

ChipDescriptor chip(uint32_t w, uint32_t h) {
  ChipDescriptor c;
  c.width = w;
  c.height = h;
  return c;
}

} // namespace

TEST(Mapping, SmallGraphIsNotSplit) {
  ActorGraph g = mlp(16, 8, 4);
  auto parts = partitionGraph(g, chip(2, 2));
  ASSERT_TRUE(parts) << parts.error().message;
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[1].begin, 0u);
  EXPECT_EQ((*parts)[1].end, 8u);
}

TEST(Mapping, SplitsByComputeBudgetIntoBalancedSlices) {
  ActorGraph g = mlp(16, 10, 4);
  PartitionOptions o;
  o.maxElementsPerCore = 4;
  auto parts = partitionGraph(g, chip(4, 4), o);
  ASSERT_TRUE(parts);
  std::vector<std::pair<uint32_t, uint32_t>> fc1;
  for (const Partition &p : *parts)
    if (p.actor == 1) fc1.push_back({p.begin, p.end});
  // 10 rows, at most 4 per core: 3 slices of 4, 3, 3.
  EXPECT_EQ(fc1, (std::vector<std::pair<uint32_t, uint32_t>>{{0, 4}, {4, 7}, {7, 10}}));
}

TEST(Mapping, SplitsBySramAndFailsWhenOneRowDoesNotFit) {
  ChipDescriptor c = chip(4, 4);
  c.sramBytes = 1024;
  ActorGraph g = mlp(256, 12, 2); // 12 rows x 256 B of weights: 3 KiB
  auto parts = partitionGraph(g, c);
  ASSERT_TRUE(parts) << parts.error().message;
  uint32_t slices = 0;
  for (const Partition &p : *parts) {
    EXPECT_LE(partitionSramBytes(g, p.actor, p.size()), c.sramBytes);
    slices += p.actor == 1;
  }
  EXPECT_GE(slices, 4u);
  ActorGraph big = mlp(1000, 4, 2);
  auto fail = partitionGraph(big, c);
  ASSERT_FALSE(fail);
  EXPECT_NE(fail.error().message.find("input 'x' of 1000 elements does not fit"), std::string::npos)
      << fail.error().message;
}

TEST(Mapping, GreedyPlacementKeepsNeighboursClose) {
  ActorGraph g = mlp(16, 8, 4);
  auto parts = partitionGraph(g, chip(4, 4));
  ASSERT_TRUE(parts);
  ASSERT_FALSE(placePartitions(g, chip(4, 4), *parts));
  // x at core 0, fc1 next to it, fc2 next to fc1: a chain of single hops.
  EXPECT_EQ((*parts)[0].core, 0u);
  EXPECT_EQ((*parts)[1].core, 1u);
  EXPECT_EQ((*parts)[2].core, 2u);
  EXPECT_EQ(placementCost(g, chip(4, 4), *parts), 16u * 1 + 8u * 1);
}

TEST(Mapping, PlacementFailsWhenTheChipIsTooSmall) {
  ActorGraph g = mlp(16, 10, 4);
  PartitionOptions o;
  o.maxElementsPerCore = 2;
  auto parts = partitionGraph(g, chip(2, 2), o);
  ASSERT_TRUE(parts);
  auto err = placePartitions(g, chip(2, 2), *parts);
  ASSERT_TRUE(err);
  EXPECT_NE(err->message.find("the graph needs 8 cores (one per partition) but the 2x2 chip has 4"), std::string::npos) << err->message;
}

TEST(Mapping, RouteFanOutUsesMulticastAndChunksMessages) {
  ActorGraph g = mlp(64, 8, 4);
  PartitionOptions o;
  o.maxElementsPerCore = 4; // fc1: 2 slices, fc2: 1
  ChipDescriptor c = chip(4, 4);
  auto parts = partitionGraph(g, c, o);
  ASSERT_TRUE(parts);
  ASSERT_FALSE(placePartitions(g, c, *parts));
  auto r = routeMessages(g, c, *parts);
  ASSERT_TRUE(r) << r.error().message;
  // x (64 B) goes to both fc1 slices: multicast in chunks of (D-1)*F = 24 B.
  ASSERT_EQ(r->groups.size(), 1u);
  std::vector<uint32_t> xChunks;
  std::set<uint32_t> mailboxes;
  for (const Message &m : r->messages)
    if (m.channel == 0) {
      EXPECT_EQ(m.group, 0);
      EXPECT_EQ(m.dstParts.size(), 2u);
      xChunks.push_back(m.bytes);
      mailboxes.insert(m.mailbox);
    }
  EXPECT_EQ(xChunks, (std::vector<uint32_t>{24, 24, 16}));
  EXPECT_EQ(mailboxes.size(), 1u); // 3 messages fit a depth-4 mailbox
  // fc1 slices each send their 4 bytes to fc2: single messages from two
  // sources share one mailbox of fc2's core (recv tells them apart).
  std::set<std::pair<uint32_t, uint32_t>> fc2Boxes;
  std::set<uint32_t> sources;
  for (const Message &m : r->messages)
    if (m.channel == 1) {
      EXPECT_EQ(m.group, -1);
      EXPECT_EQ(m.bytes, 4u);
      fc2Boxes.insert({(*parts)[m.dstParts[0]].core, m.mailbox});
      sources.insert((*parts)[m.srcPart].core);
    }
  EXPECT_EQ(fc2Boxes.size(), 1u);
  EXPECT_EQ(sources.size(), 2u);
}

TEST(Mapping, NeuronConsumersReceiveOnlyTheirSlice) {
  ActorGraph g;
  Actor x;
  x.name = "x";
  x.kind = ActorKind::Input;
  x.outSize = 10;
  x.outType = DType::I32;
  Actor n;
  n.name = "n";
  n.kind = ActorKind::LIF;
  n.inSize = n.outSize = 10;
  n.inType = DType::I32;
  g.actors = {x, n};
  g.channels = {{0, 1, 1, MailboxPolicy::Block, 0, ""}};
  g.outputs = {{"s", 1}};
  ASSERT_FALSE(validateActorGraph(g));
  PartitionOptions o;
  o.maxElementsPerCore = 4; // n: 4, 3, 3
  auto parts = partitionGraph(g, chip(4, 4), o);
  ASSERT_TRUE(parts);
  ASSERT_FALSE(placePartitions(g, chip(4, 4), *parts));
  auto r = routeMessages(g, chip(4, 4), *parts);
  ASSERT_TRUE(r);
  std::map<uint32_t, std::pair<uint32_t, uint32_t>> slice;
  uint32_t gathers = 0;
  for (const Message &m : r->messages) {
    if (m.channel == 0) slice[m.dstParts[0]] = {m.begin, m.end};
    else ++gathers;
  }
  EXPECT_EQ(slice[1], std::make_pair(0u, 4u));
  EXPECT_EQ(slice[2], std::make_pair(4u, 7u));
  EXPECT_EQ(slice[3], std::make_pair(7u, 10u));
  EXPECT_EQ(gathers, 2u); // output slices 2 and 3 gathered on slice 1
}

TEST(Mapping, RunningOutOfMailboxesNamesTheCore) {
  ActorGraph g = mlp(64, 8, 4);
  ChipDescriptor c = chip(4, 4);
  c.mailboxes = 1;
  c.mailboxDepth = 1;
  c.multicastGroups = 0;
  auto parts = partitionGraph(g, c);
  ASSERT_TRUE(parts);
  ASSERT_FALSE(placePartitions(g, c, *parts));
  auto r = routeMessages(g, c, *parts); // x: 64 B in one message, fine; ok
  ASSERT_TRUE(r) << r.error().message;
  c.maxMessageBytes = 16; // now x needs 4 messages > 1 mailbox x depth 1
  auto r2 = routeMessages(g, c, *parts);
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().message.find("core (1, 0) needs more than the chip's 1 mailboxes"), std::string::npos)
      << r2.error().message;
}

TEST(Mapping, MulticastTableGoesToTheFanOutsThatSaveMost) {
  // x (64 B) fans out to the four fc1 slices; each fc1 slice's 2 B fan out
  // to both fc2 slices: five fan-outs. Multicast saves x 25 injected flits
  // (4 x 9 unicast against 11 in three buffer-sized messages), each fc1
  // slice about 2.
  ActorGraph g = mlp(64, 8, 4);
  PartitionOptions o;
  o.maxElementsPerCore = 2;
  ChipDescriptor c = chip(4, 4);
  auto parts = partitionGraph(g, c, o);
  ASSERT_TRUE(parts);
  ASSERT_FALSE(placePartitions(g, c, *parts));
  auto groupsOf = [&](uint32_t tableEntries) {
    c.multicastGroups = tableEntries;
    auto r = routeMessages(g, c, *parts);
    EXPECT_TRUE(r) << r.error().message;
    std::map<uint32_t, std::set<int32_t>> byChannel;  // channel -> groups used (-1: unicast)
    for (const Message &m : r->messages) byChannel[m.channel].insert(m.group);
    EXPECT_LE(r->groups.size(), tableEntries);
    return std::make_pair(r->groups.size(), byChannel);
  };
  auto [n5, all] = groupsOf(5);
  EXPECT_EQ(n5, 5u);
  EXPECT_EQ(all[0].count(-1), 0u);
  EXPECT_EQ(all[1].count(-1), 0u);
  // One table entry: x keeps multicast, fc1's small fan-outs go unicast.
  auto [n1, one] = groupsOf(1);
  EXPECT_EQ(n1, 1u);
  EXPECT_EQ(one[0], (std::set<int32_t>{0}));
  EXPECT_EQ(one[1], (std::set<int32_t>{-1}));
  // No table at all: everything unicast, nothing overflows.
  auto [n0, none] = groupsOf(0);
  EXPECT_EQ(n0, 0u);
  EXPECT_EQ(none[0], (std::set<int32_t>{-1}));
}
