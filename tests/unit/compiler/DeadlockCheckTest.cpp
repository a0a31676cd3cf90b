// The static deadlock check: no false alarm on the routings the compiler
// produces, and a named cycle for routings that could deadlock.
#include "GraphBuilders.h"

#include "xpu/compiler/DeadlockCheck.h"
#include "xpu/compiler/Mapping.h"
#include "xpu/compiler/RandomGraph.h"

#include <gtest/gtest.h>

using namespace xpu;
using namespace xpu::graph;
using namespace xpu::graph::test;

namespace {

ChipDescriptor chip(uint32_t w, uint32_t h) {
  ChipDescriptor c;
  c.width = w;
  c.height = h;
  c.mailboxDepth = 4;
  c.virtualChannels = 2;
  return c;
}

Channel chan(uint32_t from, uint32_t to) {
  Channel c;
  c.from = from;
  c.to = to;
  return c;
}

/// Two inputs a, b feeding one population n on a 3x1 chip: a on core 0,
/// b on core 1, n on core 2 (so a's packets pass b's router).
struct TwoSources {
  ActorGraph g;
  std::vector<Partition> parts;
  TwoSources() {
    g.actors = {input("a", 64, DType::I32), input("b", 64, DType::I32),
                neurons("n", ActorKind::LIF, 64, {}, ResetMode::Zero)};
    g.channels = {chan(0, 2), chan(1, 2)};
    parts = {Partition{0, 0, 0, 64, 0}, Partition{1, 0, 0, 64, 1}, Partition{2, 0, 0, 64, 2}};
  }
  static Message msg(uint32_t channel, uint32_t src, uint32_t mailbox, uint32_t delay = 0) {
    Message m;
    m.channel = channel;
    m.srcPart = src;
    m.dstParts = {2};
    m.bytes = 32;
    m.mailbox = mailbox;
    m.delay = delay;
    return m;
  }
};

TEST(DeadlockCheck, CompilerRoutingsAreAccepted) {
  // Every routing routeMessages produces keeps each mailbox within its depth.
  uint32_t checked = 0;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    RandomGraphOptions o;
    o.seed = seed;
    const ActorGraph g = randomActorGraph(o);
    ChipDescriptor c;
    c.width = c.height = seed % 2 ? 6 : 8;
    PartitionOptions po;
    po.maxElementsPerCore = 16;  // several slices per actor: gathers, multicast
    auto parts = partitionGraph(g, c, po);
    if (!parts || parts->size() > c.numCores()) continue;
    ASSERT_FALSE(placePartitions(g, c, *parts));
    auto r = routeMessages(g, c, *parts);
    if (!r) continue;  // out of mailboxes: a clean error elsewhere
    auto err = checkDeadlockFree(g, c, *parts, *r);
    EXPECT_FALSE(err) << "seed " << seed << ": " << err->message;
    ++checked;
  }
  EXPECT_GE(checked, 80u);
}

TEST(DeadlockCheck, OverfullStreamBlockingAnotherOnItsVcIsACycle) {
  TwoSources t;
  Routing r;
  // n receives b's message (mailbox 2) before a's six (mailbox 0, depth 4):
  // a's fifth packet stalls in n's ejection buffer on VC 0, where b's waits.
  r.messages.push_back(TwoSources::msg(1, 1, 2));
  for (int i = 0; i < 6; ++i) r.messages.push_back(TwoSources::msg(0, 0, 0));
  auto err = checkDeadlockFree(t.g, chip(3, 1), t.parts, r);
  ASSERT_TRUE(err);
  EXPECT_NE(err->message.find("could deadlock"), std::string::npos) << err->message;
  EXPECT_NE(err->message.find("channel 'a' -> 'n'"), std::string::npos) << err->message;
  EXPECT_NE(err->message.find("channel 'b' -> 'n'"), std::string::npos) << err->message;
  EXPECT_NE(err->message.find("(full: depth 4)"), std::string::npos) << err->message;
}

TEST(DeadlockCheck, SameOverflowOnAnotherVcOrWithinDepthIsSafe) {
  TwoSources t;
  {
    Routing r;  // b on mailbox 1: VC 1, not behind a's stalled packet
    r.messages.push_back(TwoSources::msg(1, 1, 1));
    for (int i = 0; i < 6; ++i) r.messages.push_back(TwoSources::msg(0, 0, 0));
    auto err = checkDeadlockFree(t.g, chip(3, 1), t.parts, r);
    EXPECT_FALSE(err) << err->message;
  }
  {
    Routing r;  // a's six messages over two mailboxes: nothing stalls
    r.messages.push_back(TwoSources::msg(1, 1, 2));
    for (int i = 0; i < 6; ++i) r.messages.push_back(TwoSources::msg(0, 0, i < 4 ? 0 : 4));
    auto err = checkDeadlockFree(t.g, chip(3, 1), t.parts, r);
    EXPECT_FALSE(err) << err->message;
  }
  {
    Routing r;  // a first: n drains a's mailbox while a is still sending
    for (int i = 0; i < 6; ++i) r.messages.push_back(TwoSources::msg(0, 0, 0));
    r.messages.push_back(TwoSources::msg(1, 1, 2));
    auto err = checkDeadlockFree(t.g, chip(3, 1), t.parts, r);
    EXPECT_FALSE(err) << err->message;
  }
}

TEST(DeadlockCheck, DelayedStreamOverDepthWaitsForTheBarrier) {
  // Six delay-1 messages per step into one mailbox of depth 4: step 0's
  // fifth message needs a slot that n frees only in step 1, after a barrier
  // that waits for a.
  TwoSources t;
  t.g.channels[0].delay = 1;
  Routing r;
  for (int i = 0; i < 6; ++i) r.messages.push_back(TwoSources::msg(0, 0, 0, /*delay=*/1));
  r.messages.push_back(TwoSources::msg(1, 1, 2));
  auto err = checkDeadlockFree(t.g, chip(3, 1), t.parts, r);
  ASSERT_TRUE(err);
  EXPECT_NE(err->message.find("timestep barrier"), std::string::npos) << err->message;
  EXPECT_NE(err->message.find("channel 'a' -> 'n'"), std::string::npos) << err->message;
  // Three per step fit (two steps in flight need six slots: two mailboxes).
  Routing ok;
  for (int i = 0; i < 3; ++i) ok.messages.push_back(TwoSources::msg(0, 0, i < 2 ? 0 : 2, 1));
  EXPECT_FALSE(checkDeadlockFree(t.g, chip(3, 1), t.parts, ok));
}

TEST(DeadlockCheck, SharedMailboxOverItsDepthIsRejected) {
  TwoSources t;
  t.g.actors.insert(t.g.actors.end(), {input("c", 64, DType::I32), input("d", 64, DType::I32),
                                       input("e", 64, DType::I32)});
  // (validation is not needed by the check; only names and channels are used)
  for (uint32_t a = 3; a < 6; ++a) t.g.channels.push_back(chan(a, 2));
  for (uint32_t a = 3; a < 6; ++a) t.parts.push_back(Partition{a, 0, 0, 64, a});
  Routing r;
  for (uint32_t c = 0; c < 5; ++c) {
    Message m = TwoSources::msg(c, c < 2 ? c : c + 1, 3);
    r.messages.push_back(m);
  }
  auto err = checkDeadlockFree(t.g, chip(3, 2), t.parts, r);
  ASSERT_TRUE(err);
  EXPECT_NE(err->message.find("shared by 5 messages per step"), std::string::npos) << err->message;
}

} // namespace
