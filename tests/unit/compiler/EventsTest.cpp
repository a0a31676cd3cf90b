// Events channels without cores: the reference semantics of every mailbox
// policy on hand-computed cases, the JSON diagnostics, the mapping (unsplit
// source, parity mailboxes, capacity checks) and the deadlock rule.
#include "xpu/compiler/ActorGraph.h"
#include "xpu/compiler/DeadlockCheck.h"
#include "xpu/compiler/Mapping.h"
#include "xpu/compiler/ReferenceExecutor.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <set>

using namespace xpu;
using namespace xpu::graph;
using json = nlohmann::json;

namespace {

/// s (i32 input, N) -> IF "pop" (spikes where s > 0) -> events (K, C, policy,
/// delay 1) -> linear "sum" (1 output, weight 2^i for neuron i, int32).
json eventsJson(uint32_t N, uint32_t K, uint32_t C, const std::string &policy) {
  json w = json::array();
  json row = json::array();
  for (uint32_t i = 0; i < N; ++i) row.push_back(i < 7 ? (1 << i) : 1);
  w.push_back(row);
  return json{{"format", "xpu-actor-graph/1"},
              {"actors",
               {{{"name", "s"}, {"kind", "input"}, {"size", N}, {"dtype", "i32"}},
                {{"name", "pop"}, {"kind", "if"}, {"size", N}, {"v_threshold", 0}},
                {{"name", "sum"}, {"kind", "linear"}, {"in", N}, {"out", 1}, {"weight", w}}}},
              {"channels",
               {{{"from", "s"}, {"to", "pop"}},
                {{"from", "pop"},
                 {"to", "sum"},
                 {"encoding", "events"},
                 {"events_per_message", K},
                 {"capacity", C},
                 {"policy", policy},
                 {"delay", 1}}}},
              {"outputs", {{{"name", "sum"}, {"actor", "sum"}}, {{"name", "spikes"}, {"actor", "pop"}}}}};
}

ActorGraph parse(const json &j) {
  auto g = parseActorGraph(j, "g.json", ".");
  EXPECT_TRUE(g) << (g ? "" : g.error().message);
  return g ? *g : ActorGraph{};
}

/// Runs steps with the given spiking neurons; returns "sum" per step or the error.
struct Steps {
  std::vector<int32_t> sums;
  std::string error;
  uint64_t dropped = 0;
};
Steps runSpikes(const ActorGraph &g, uint32_t N, const std::vector<std::vector<uint32_t>> &spiking) {
  ReferenceExecutor ex(g);
  Steps s;
  for (const auto &on : spiking) {
    std::vector<int32_t> in(N, 0);
    for (uint32_t i : on) in[i] = 1;
    auto r = ex.step({{"s", in}});
    if (!r) {
      s.error = r.error().message;
      break;
    }
    s.sums.push_back(r->at("sum")[0]);
  }
  s.dropped = ex.droppedMessages(1);
  return s;
}

// Step 0: neurons 0..4 spike: messages [0,1] [2,3] [4] (K = 2). Step 1 sees
// the kept ones; step 0 sees no events.
const std::vector<std::vector<uint32_t>> kBurst = {{0, 1, 2, 3, 4}, {5}, {}};

} // namespace

TEST(EventsReference, BlockWithinCapacityDeliversEverything) {
  Steps s = runSpikes(parse(eventsJson(6, 2, 3, "block")), 6, kBurst);
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.sums, (std::vector<int32_t>{0, 1 + 2 + 4 + 8 + 16, 32}));
  EXPECT_EQ(s.dropped, 0u);
}

TEST(EventsReference, DropNewestKeepsTheFirstCapacityMessages) {
  Steps s = runSpikes(parse(eventsJson(6, 2, 2, "drop_newest")), 6, kBurst);
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.sums, (std::vector<int32_t>{0, 1 + 2 + 4 + 8, 32}));
  EXPECT_EQ(s.dropped, 1u);
}

TEST(EventsReference, DropOldestKeepsTheLastCapacityMessages) {
  Steps s = runSpikes(parse(eventsJson(6, 2, 2, "drop_oldest")), 6, kBurst);
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.sums, (std::vector<int32_t>{0, 4 + 8 + 16, 32}));
  EXPECT_EQ(s.dropped, 1u);
  // Capacity 1: only the last (short) message [4].
  s = runSpikes(parse(eventsJson(6, 2, 1, "drop_oldest")), 6, kBurst);
  EXPECT_EQ(s.sums, (std::vector<int32_t>{0, 16, 32}));
  EXPECT_EQ(s.dropped, 2u);
}

TEST(EventsReference, ErrorPolicyFailsAtTheOverflowingStep) {
  // Steps 0 and 1 fit (2 and 1 messages), step 2 needs 3.
  Steps s = runSpikes(parse(eventsJson(6, 2, 2, "error")), 6, {{0, 5}, {1, 2, 3}, {0, 1, 2, 3, 4}, {}});
  EXPECT_EQ(s.sums, (std::vector<int32_t>{0, 1 + 32}));
  EXPECT_EQ(s.error.rfind("step 2: mailbox overflow on channel 'pop' -> 'sum' (/channels/1) at step 2: 3 messages, "
                          "capacity 2",
                          0),
            0u)
      << s.error;
}

TEST(EventsReference, BlockBeyondCapacityIsAnError) {
  Steps s = runSpikes(parse(eventsJson(6, 2, 2, "block")), 6, kBurst);
  EXPECT_NE(s.error.find("step 0: mailbox would block forever on channel 'pop' -> 'sum'"), std::string::npos)
      << s.error;
}

TEST(EventsReference, EventsPerMessageSplitsExactly) {
  // K = 1: five messages; drop_newest with capacity 3 keeps neurons 0, 1, 2.
  Steps s = runSpikes(parse(eventsJson(6, 1, 3, "drop_newest")), 6, kBurst);
  EXPECT_EQ(s.sums, (std::vector<int32_t>{0, 1 + 2 + 4, 32}));
  EXPECT_EQ(s.dropped, 2u);
}

TEST(EventsGraph, DiagnosticsNameThePointer) {
  struct Case {
    std::function<void(json &)> mutate;
    std::string expected;
  };
  const Case cases[] = {
      {[](json &j) { j["channels"][1]["encoding"] = "sparse"; },
       "g.json: /channels/1/encoding: expected \"dense\" or \"events\", got \"sparse\""},
      {[](json &j) { j["channels"][1]["delay"] = 0; },
       "g.json: /channels/1/delay: an events channel needs \"delay\": 1"},
      {[](json &j) { j["channels"][1]["events_per_message"] = 0; },
       "g.json: /channels/1/events_per_message: must be in 1..1024, got 0"},
      {[](json &j) { j["channels"][0]["events_per_message"] = 4; },
       "g.json: /channels/0/events_per_message: only \"encoding\": \"events\" channels take it"},
      {[](json &j) {
         j["channels"][0]["encoding"] = "events";
         j["channels"][0]["delay"] = 1;
       },
       "g.json: /channels/0/encoding: an events channel needs a spiking source (if, lif, cuba_lif); 's' is input"},
      {[](json &j) {
         j["actors"][2] = {{"name", "sum"}, {"kind", "lif"}, {"size", 6}, {"dv", 0}, {"v_threshold", 5}};
         j["outputs"][0]["actor"] = "sum";
       },
       "g.json: /channels/1/encoding: an events channel needs a linear consumer; 'sum' is lif"},
  };
  for (const Case &c : cases) {
    json j = eventsJson(6, 2, 2, "drop_newest");
    c.mutate(j);
    auto g = parseActorGraph(j, "g.json", ".");
    ASSERT_FALSE(g) << c.expected;
    EXPECT_NE(g.error().message.find(c.expected), std::string::npos) << g.error().message;
  }
}

namespace {
ChipDescriptor chip4(uint32_t depth = 8) {
  ChipDescriptor c;
  c.width = c.height = 4;
  c.mailboxDepth = depth;
  return c;
}
struct Mapped {
  std::vector<Partition> parts;
  Expected<Routing> routing = Error{"not routed"};
};
Mapped mapGraph(const ActorGraph &g, const ChipDescriptor &chip, uint32_t maxElements) {
  Mapped m;
  PartitionOptions po;
  po.maxElementsPerCore = maxElements;
  auto parts = partitionGraph(g, chip, po);
  EXPECT_TRUE(parts) << (parts ? "" : parts.error().message);
  if (!parts) return m;
  m.parts = *parts;
  PlaceOptions pl;
  pl.strategy = PlaceStrategy::Greedy;
  EXPECT_FALSE(placePartitions(g, chip, m.parts, pl));
  m.routing = routeMessages(g, chip, m.parts);
  return m;
}
} // namespace

TEST(EventsMapping, SourceIsNotSplitAndEverySliceGetsTheStream) {
  json j = eventsJson(12, 2, 4, "drop_oldest");
  j["actors"][2]["out"] = 6;
  j["actors"][2]["weight"] = json::array();
  for (int o = 0; o < 6; ++o) j["actors"][2]["weight"].push_back(std::vector<int>(12, 1));
  ActorGraph g = parse(j);
  Mapped m = mapGraph(g, chip4(), 2);
  ASSERT_TRUE(m.routing) << m.routing.error().message;
  uint32_t popSlices = 0, sumSlices = 0;
  for (const Partition &p : m.parts) {
    popSlices += p.actor == 1;
    sumSlices += p.actor == 2;
  }
  EXPECT_EQ(popSlices, 1u) << "the source of an events channel is never split";
  EXPECT_EQ(sumSlices, 3u);
  uint32_t streams = 0;
  std::set<uint32_t> receivers;
  for (const Message &msg : m.routing->messages) {
    if (!isEventMessage(g, msg)) continue;
    ++streams;
    EXPECT_EQ(msg.bytes, 4u);
    EXPECT_EQ(msg.delay, 1u);
    EXPECT_GE(msg.group, 0) << "one multicast group for the three slices";
    for (uint32_t d : msg.dstParts) receivers.insert(d);
  }
  EXPECT_EQ(streams, 1u);
  EXPECT_EQ(receivers.size(), 3u);
  // Without multicast: one unicast stream per slice, two mailboxes each.
  RouteOptions ro;
  ro.multicast = false;
  auto r = routeMessages(g, chip4(), m.parts, ro);
  ASSERT_TRUE(r) << r.error().message;
  streams = 0;
  for (const Message &msg : r->messages) streams += isEventMessage(g, msg) && msg.group < 0;
  EXPECT_EQ(streams, 3u);
  EXPECT_FALSE(checkDeadlockFree(g, chip4(), m.parts, *r));
}

TEST(EventsMapping, CapacityAndMessageSizeAreCheckedAgainstTheChip) {
  ActorGraph g = parse(eventsJson(6, 2, 9, "drop_newest"));
  Mapped m = mapGraph(g, chip4(8), 0);
  ASSERT_FALSE(m.routing);
  EXPECT_NE(m.routing.error().message.find("/channels/1: events channel 'pop' -> 'sum' has capacity 9, more than "
                                           "the chip's mailbox_depth (8)"),
            std::string::npos)
      << m.routing.error().message;
  g = parse(eventsJson(6, 200, 2, "drop_newest"));
  m = mapGraph(g, chip4(8), 0);
  ASSERT_FALSE(m.routing);
  EXPECT_NE(m.routing.error().message.find("sends 200 events (400 bytes) per message, more than max_message_bytes"),
            std::string::npos)
      << m.routing.error().message;
}

TEST(EventsDeadlock, BlockBeyondCapacityIsACycleThroughTheBarrier) {
  // 6 neurons, K = 2: up to 3 messages per step.
  ActorGraph g = parse(eventsJson(6, 2, 2, "block"));
  Mapped m = mapGraph(g, chip4(), 0);
  ASSERT_TRUE(m.routing) << m.routing.error().message;
  auto err = checkDeadlockFree(g, chip4(), m.parts, *m.routing);
  ASSERT_TRUE(err);
  EXPECT_NE(err->message.find("a cycle of waits through channel 'pop' -> 'sum' (/channels/1, events, policy block) "
                              "and the timestep barrier"),
            std::string::npos)
      << err->message;
  EXPECT_NE(err->message.find("up to 3 messages"), std::string::npos) << err->message;
  // Enough capacity, or a policy that never blocks: no cycle.
  for (const char *policy : {"drop_newest", "drop_oldest", "error"}) {
    ActorGraph d = parse(eventsJson(6, 2, 2, policy));
    Mapped dm = mapGraph(d, chip4(), 0);
    ASSERT_TRUE(dm.routing);
    EXPECT_FALSE(checkDeadlockFree(d, chip4(), dm.parts, *dm.routing)) << policy;
  }
  ActorGraph ok = parse(eventsJson(6, 2, 3, "block"));
  Mapped om = mapGraph(ok, chip4(), 0);
  ASSERT_TRUE(om.routing);
  EXPECT_FALSE(checkDeadlockFree(ok, chip4(), om.parts, *om.routing));
}
