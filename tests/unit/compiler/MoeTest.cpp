// Mixture-of-experts actors: reference semantics on hand-computed cases,
// JSON diagnostics, and partition / traffic / route (no MLIR).
#include "ParseErrors.h"
#include "GraphBuilders.h"
#include "xpu/compiler/ActorGraph.h"
#include "xpu/compiler/DeadlockCheck.h"
#include "xpu/compiler/Mapping.h"
#include "xpu/compiler/ReferenceExecutor.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

using namespace xpu;
using namespace xpu::graph;
using json = nlohmann::json;

namespace {

ActorGraph single(Actor a) { return test::singleActorGraph("moe", std::move(a)); }

std::vector<int32_t> runOnce(const ActorGraph &g, std::vector<int32_t> x) {
  EXPECT_FALSE(validateActorGraph(g));
  ReferenceExecutor ex(g);
  auto out = ex.step({{"x", std::move(x)}});
  EXPECT_TRUE(out) << (out ? "" : out.error().message);
  return out ? out->at("y") : std::vector<int32_t>{};
}

} // namespace

// Expert choice: each expert takes its top-2 tokens; tied scores go to the
// lower token; gates above 127 clamp.
//   scores e0 = x[t][0]     = [3, 3, 7, 1]        -> tokens 2, 0 (tie 0/1: 0)
//   scores e1 = 2 x[t][1]   = [200, -10, 200, 0]  -> tokens 0, 2; gates clamp to 127
//   y_e0 = x0 + x1: t0 103, t2 107;  y_e1 = x0 - x1: t0 -97, t2 -93
//   out t0 = 3 * 103 + 127 * -97 = -12010;  t2 = 7 * 107 + 127 * -93 = -11062
TEST(MoeReference, ExpertChoiceTiesAndGateClamp) {
  ActorGraph g = single(test::moe("m", 4, 2, 2, 1, MoeRouting::ExpertChoice, 1, 2, 0, {1, 0, 0, 2},
                                  {1, 1, 1, -1}, {}, Requantize{0, false}));
  EXPECT_EQ(runOnce(g, {3, 100, 3, -5, 7, 100, 1, 0}), (std::vector<int32_t>{-12010, 0, -11062, 0}));
}

// Top-2 of 3 experts, capacity 2, gate = vreq(score, 2) = (s + 2) >> 2.
//   t0 = 5: scores [5, 5, -5] -> e0, e1 (tie: lower expert); gates 1, 1
//   t1 = -6: scores [-6, -6, 6] -> e2 (gate 2), e0 (tie with e1; gate -1)
//   t2 = 9: scores [9, 9, -9] -> e0 is full (t0, t1): dropped; e1 (gate 2)
//   y_e0 = relu(2x + 1), y_e1 = relu(3x), y_e2 = relu(-x)
//   out = [11 + 15, -1 * 0 + 2 * 6, 2 * 27] = [26, 12, 54]  (54 + 38 without the drop)
TEST(MoeReference, TopKCapacityOverflowAndTies) {
  ActorGraph g = single(test::moe("m", 3, 3, 1, 1, MoeRouting::TopK, 2, 2, 2, {1, 1, -1}, {2, 3, -1}, {1, 0, 0},
                                  Requantize{0, true}));
  EXPECT_EQ(runOnce(g, {5, -6, 9}), (std::vector<int32_t>{26, 12, 54}));
}

// Requantised expert outputs and int32 wrap of the combination.
TEST(MoeReference, ExpertOutputsRequantiseAndSaturate) {
  // One expert, every token: y = clamp((4x + 4) >> 3) with x = 127 -> 64;
  // 300 >> 0 gate clamps to 127: out = 127 * 64 = 8128.
  ActorGraph g = single(test::moe("m", 1, 1, 1, 1, MoeRouting::TopK, 1, 1, 0, {3}, {4}, {0}, Requantize{3, false}));
  EXPECT_EQ(runOnce(g, {127}), (std::vector<int32_t>{8128}));
}

namespace {

json moeJson() {
  return json::parse(R"({
    "format": "xpu-actor-graph/1", "name": "m",
    "actors": [
      {"name": "x", "kind": "input", "size": 8},
      {"name": "moe", "kind": "moe", "tokens": 4, "experts": 2, "in": 2, "out": 3,
       "routing": "top_k", "k": 1, "capacity": 2, "gate_shift": 1,
       "router_weight": [[1, 0], [0, 1]],
       "weight": [[[1, 1], [1, -1], [0, 1]], [[2, 0], [0, 2], [1, 1]]],
       "bias": [[1, 2, 3], [4, 5, 6]],
       "requantize": {"shift": 1, "relu": true}}
    ],
    "channels": [{"from": "x", "to": "moe"}],
    "outputs": [{"name": "y", "actor": "moe"}]
  })");
}

using test::parseError;

} // namespace

TEST(MoeParse, ValidModel) {
  auto g = parseActorGraph(moeJson(), "g.json", ".");
  ASSERT_TRUE(g) << g.error().message;
  const Actor &a = g->actors[1];
  EXPECT_EQ(a.kind, ActorKind::Moe);
  EXPECT_EQ(a.inSize, 8u);
  EXPECT_EQ(a.outSize, 12u);
  EXPECT_EQ(a.outType, DType::I32);
  EXPECT_EQ(a.moe.routing, MoeRouting::TopK);
  EXPECT_EQ(a.moe.expertWeight.size(), 12u);
  EXPECT_EQ(a.moe.expertWeight[6], 2);
  EXPECT_EQ(a.moe.expertBias[5], 6);
  EXPECT_EQ(a.moe.gateShift, 1u);
  EXPECT_TRUE(a.moe.expertRequantize.relu);
}

TEST(MoeParse, ErrorsNameTheJsonPointer) {
  auto with = [](auto &&edit) { return test::parseErrorWithActorEdit(moeJson(), 1, edit); };
  EXPECT_HAS(with([](json &a) { a["capacity"] = 5; }), "g.json: /actors/1/capacity: must be at most tokens (4), got 5");
  EXPECT_HAS(with([](json &a) { a["k"] = 3; }), "g.json: /actors/1/k: must be at most experts (2), got 3");
  EXPECT_HAS(with([](json &a) { a.erase("k"); }), "g.json: /actors/1/k: missing (required)");
  EXPECT_HAS(with([](json &a) { a["routing"] = "expert_choice"; }), "g.json: /actors/1/k: only top_k routing takes 'k'");
  EXPECT_HAS(with([](json &a) { a["routing"] = "random"; }), "g.json: /actors/1/routing: expected \"expert_choice\" or \"top_k\"");
  EXPECT_HAS(with([](json &a) { a["tokens"] = 300; }), "g.json: /actors/1/tokens: must be in 1..256, got 300");
  EXPECT_HAS(with([](json &a) { a["gate_shift"] = 40; }), "g.json: /actors/1/gate_shift: must be in 0..31, got 40");
  EXPECT_HAS(with([](json &a) { a["router_weight"][1] = {1, 2, 3}; }),
             "g.json: /actors/1/router_weight/1: expected an array of 2 elements (tensor shape 2x2), got 3 elements");
  EXPECT_HAS(with([](json &a) { a["weight"].erase(1); }),
             "g.json: /actors/1/weight: expected an array of 2 elements (tensor shape 2x3x2), got 1 elements");
  EXPECT_HAS(with([](json &a) { a["weight"][1][2][0] = 300; }),
             "g.json: /actors/1/weight/1/2/0: int8 value must be in -128..127, got 300");
  EXPECT_HAS(with([](json &a) { a["bias"] = {1, 2, 3}; }),
             "g.json: /actors/1/bias: expected an array of 2 elements (tensor shape 2x3), got 3 elements");
  EXPECT_HAS(with([](json &a) { a.erase("requantize"); }), "g.json: /actors/1/requantize: missing (required)");
  EXPECT_HAS(with([](json &a) { a["requantize"]["shift"] = 32; }), "g.json: /actors/1/requantize/shift: must be in 0..31, got 32");
  EXPECT_HAS(with([](json &a) { a["experts"] = 0; }), "g.json: /actors/1/experts: must be in 1..256, got 0");
  EXPECT_HAS(with([](json &a) { a["capacity_factor"] = 1.0; }), "g.json: /actors/1/capacity_factor: unknown field");
  // The channel carries tokens x in values.
  json j = moeJson();
  j["actors"][0]["size"] = 7;
  EXPECT_HAS(parseError(j), "g.json: /channels/0: shape mismatch: 'x' produces 7 values but 'moe' consumes 8");
  // A moe takes exactly one input channel.
  j = moeJson();
  j["channels"].push_back({{"from", "x"}, {"to", "moe"}});
  EXPECT_HAS(parseError(j), "g.json: /actors/1: moe actor 'moe' needs exactly one input channel, has 2");
}

namespace {

ActorGraph mapped(uint32_t E, uint32_t T = 8, uint32_t D = 16, uint32_t O = 4, uint32_t cap = 3) {
  std::vector<int8_t> rw(size_t(E) * D, 1), w(size_t(E) * O * D, 1);
  return single(test::moe("m", T, E, D, O, MoeRouting::ExpertChoice, 1, cap, 0, rw, w, {}, Requantize{0, false}));
}

} // namespace

TEST(MoeMapping, RouterPlusOnePartitionPerExpert) {
  ActorGraph g = mapped(4);
  ChipDescriptor chip;
  auto parts = partitionGraph(g, chip);
  ASSERT_TRUE(parts) << parts.error().message;
  ASSERT_EQ(parts->size(), 6u); // input + router + 4 experts
  EXPECT_EQ((*parts)[1].index, 0u);
  EXPECT_EQ((*parts)[1].end, 32u); // the router holds the whole T x O output
  for (uint32_t i = 2; i < 6; ++i) {
    EXPECT_EQ((*parts)[i].index, i - 1);
    EXPECT_EQ((*parts)[i].size(), 0u);
    EXPECT_FALSE(onChannels(g, (*parts)[i]));
  }
  // Worst case per step: capacity tokens each way, with a 2-byte header.
  EXPECT_EQ(trafficBytes(g, (*parts)[1], (*parts)[2]), 3u * (2 + 16));
  EXPECT_EQ(trafficBytes(g, (*parts)[2], (*parts)[1]), 3u * (2 + 4));
  EXPECT_EQ(trafficBytes(g, (*parts)[2], (*parts)[3]), 0u);
  EXPECT_EQ(trafficBytes(g, (*parts)[0], (*parts)[1]), 8u * 16);
  EXPECT_EQ(trafficBytes(g, (*parts)[0], (*parts)[2]), 0u); // experts get tokens from the router only
}

TEST(MoeMapping, ExpertThatDoesNotFitNamesTheActor) {
  ActorGraph g = mapped(2, 1, 64, 64, 1);
  g.actors[1].pointer = "/actors/1";
  ChipDescriptor chip;
  chip.sramBytes = 4096; // 64 x 64 expert weights alone are 4 KiB; the router fits
  auto parts = partitionGraph(g, chip);
  ASSERT_FALSE(parts);
  EXPECT_HAS(parts.error().message, "/actors/1: moe actor 'm': expert 0 needs");
}

TEST(MoeMapping, PlacementKeepsExpertsNextToTheRouter) {
  ActorGraph g = mapped(4);
  ChipDescriptor chip;
  chip.width = chip.height = 8;
  auto parts = partitionGraph(g, chip);
  ASSERT_TRUE(parts);
  // The router has five partners (the input and four experts) but only four
  // neighbours: at best three experts at one hop and one at two, or all four
  // at one hop with the input two hops away.
  for (PlaceStrategy s : {PlaceStrategy::Greedy, PlaceStrategy::Anneal}) {
    PlaceOptions opts;
    opts.strategy = s;
    ASSERT_FALSE(placePartitions(g, chip, *parts, opts));
    const uint32_t router = (*parts)[1].core;
    uint32_t total = 0, adjacent = 0;
    for (uint32_t i = 2; i < 6; ++i) {
      const uint32_t c = (*parts)[i].core;
      const uint32_t hops = uint32_t(std::abs(int(chip.coreX(c)) - int(chip.coreX(router))) +
                                     std::abs(int(chip.coreY(c)) - int(chip.coreY(router))));
      total += hops;
      adjacent += hops == 1;
      EXPECT_LE(hops, 2u) << placeStrategyName(s);
    }
    // Greedy puts the router next to the input, on the mesh edge (three
    // free neighbours at most); annealing reaches the optimum.
    if (s == PlaceStrategy::Anneal) {
      EXPECT_LE(total, 5u);
      EXPECT_GE(adjacent, 3u);
    }
  }
}

TEST(MoeMapping, RouteOneDispatchAndOneReplyPerExpert) {
  ActorGraph g = mapped(8);
  ChipDescriptor chip; // 8 mailboxes of depth 4
  auto parts = partitionGraph(g, chip);
  ASSERT_TRUE(parts);
  ASSERT_FALSE(placePartitions(g, chip, *parts));
  auto r = routeMessages(g, chip, *parts);
  ASSERT_TRUE(r) << r.error().message;
  uint32_t dispatch = 0, reply = 0;
  std::map<uint32_t, uint32_t> repliesPerMailbox;
  for (const Message &m : r->messages) {
    if (m.channel == kMoeDispatchChannel) {
      ++dispatch;
      EXPECT_EQ(m.srcPart, 1u);
      EXPECT_EQ(m.bytes, 3u * 18);
    } else if (m.channel == kMoeReplyChannel) {
      ++reply;
      EXPECT_EQ(m.dstParts, std::vector<uint32_t>{1u});
      EXPECT_EQ(m.bytes, 3u * 6);
      ++repliesPerMailbox[m.mailbox];
    }
  }
  EXPECT_EQ(dispatch, 8u);
  EXPECT_EQ(reply, 8u);
  // Eight replies share the router's mailboxes, at most `depth` per mailbox,
  // and never the mailbox of its input channel.
  EXPECT_EQ(repliesPerMailbox.size(), 2u);
  for (const auto &[mb, n] : repliesPerMailbox) EXPECT_LE(n, chip.mailboxDepth);
  for (const Message &m : r->messages) {
    if (m.channel == 0) {
      EXPECT_EQ(repliesPerMailbox.count(m.mailbox), 0u);
    }
  }
  // The router sends its dispatches before it drains the replies: no cycle.
  auto deadlock = checkDeadlockFree(g, chip, *parts, *r);
  EXPECT_FALSE(deadlock) << deadlock->message;
}

TEST(MoeMapping, MessageLargerThanTheChipAllowsIsAnError) {
  ActorGraph g = mapped(2, 8, 100, 4, 3); // 3 x (2 + 100) = 306 > 256 bytes
  g.actors[1].pointer = "/actors/1";
  ChipDescriptor chip;
  auto parts = partitionGraph(g, chip);
  ASSERT_TRUE(parts);
  ASSERT_FALSE(placePartitions(g, chip, *parts));
  auto r = routeMessages(g, chip, *parts);
  ASSERT_FALSE(r);
  EXPECT_HAS(r.error().message, "/actors/1: moe actor 'm' sends up to 306 bytes");
}
