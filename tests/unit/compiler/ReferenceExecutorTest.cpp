// The reference executor against hand-computed results.
#include "xpu/compiler/ReferenceExecutor.h"

#include "GraphBuilders.h"

#include <gtest/gtest.h>

using namespace xpu;
using namespace xpu::graph;
using namespace xpu::graph::test;


TEST(ReferenceExecutor, TwoLayerMlpByHand) {
  ActorGraph g;
  g.actors = {input("x", 3),
              linear("fc1", 3, 2, {1, 2, 3, -4, 5, -6}, {10, -10}, Requantize{1, true}),
              linear("fc2", 2, 2, {2, -1, 1, 1}, {0, 1000})};
  g.channels = {{0, 1, 1, MailboxPolicy::Block, 0, ""}, {1, 2, 1, MailboxPolicy::Block, 0, ""}};
  g.outputs = {{"h", 1}, {"y", 2}};
  ASSERT_FALSE(validateActorGraph(g));
  ReferenceExecutor ex(g);
  auto r = ex.step({{"x", {3, -2, 1}}});
  ASSERT_TRUE(r) << r.error().message;
  // fc1: [3-4+3+10, -12-10-6-10] = [12, -38] -> (x+1)>>1, relu -> [6, 0]
  EXPECT_EQ((*r)["h"], (std::vector<int32_t>{6, 0}));
  // fc2: [12, 6+1000]
  EXPECT_EQ((*r)["y"], (std::vector<int32_t>{12, 1006}));
  // Saturation of requantisation: a large accumulator clamps to 127.
  auto r2 = ex.step({{"x", {127, 127, 127}}});
  ASSERT_TRUE(r2);
  EXPECT_EQ((*r2)["h"][0], 127);
}

TEST(ReferenceExecutor, LifPopulationSpikeTrainByHand) {
  // One LIF neuron, dv = 2048 (halves v each step), threshold 10, constant
  // input 8: v = 8, 12 -> spike (reset to 0), 8, 12 -> spike, ...
  ActorGraph g;
  g.actors = {input("i", 1, DType::I32), neurons("n", ActorKind::LIF, 1, {2048, 0, 10, 0, 0}, ResetMode::Zero)};
  g.channels = {{0, 1, 1, MailboxPolicy::Block, 0, ""}};
  g.outputs = {{"s", 1}};
  ASSERT_FALSE(validateActorGraph(g));
  ReferenceExecutor ex(g);
  std::vector<int32_t> spikes;
  for (int t = 0; t < 6; ++t) spikes.push_back((*ex.step({{"i", {8}}}))["s"][0]);
  EXPECT_EQ(spikes, (std::vector<int32_t>{0, 1, 0, 1, 0, 1}));
}

TEST(ReferenceExecutor, RecurrentDelayCarriesPreviousStep) {
  // IF neuron a driven by input; b receives a's spikes through a delay-1
  // recurrent weight 5 into its own current: b fires one step after a.
  ActorGraph g;
  g.actors = {input("x", 1, DType::I32), neurons("a", ActorKind::IF, 1, {0, 0, 0, 0, 0}, ResetMode::Zero),
              linear("w", 1, 1, {5}), neurons("b", ActorKind::IF, 1, {0, 0, 4, 0, 0}, ResetMode::Zero)};
  g.channels = {{0, 1, 1, MailboxPolicy::Block, 0, ""}, {1, 2, 1, MailboxPolicy::Block, 0, ""},
                {2, 3, 1, MailboxPolicy::Block, 1, ""}};
  g.outputs = {{"a", 1}, {"b", 3}};
  ASSERT_FALSE(validateActorGraph(g));
  ReferenceExecutor ex(g);
  std::vector<int32_t> xs = {1, 0, 0, 1, 0}, as, bs;
  for (int32_t x : xs) {
    auto r = ex.step({{"x", {x}}});
    ASSERT_TRUE(r);
    as.push_back((*r)["a"][0]);
    bs.push_back((*r)["b"][0]);
  }
  EXPECT_EQ(as, (std::vector<int32_t>{1, 0, 0, 1, 0}));
  EXPECT_EQ(bs, (std::vector<int32_t>{0, 1, 0, 0, 1}));
}

TEST(ReferenceExecutor, NeuronCurrentsSumWithWrapAndSaturate) {
  // Two i32 inputs into an LI population: v saturates at 2^23 - 1.
  ActorGraph g;
  g.actors = {input("p", 1, DType::I32), input("q", 1, DType::I32),
              neurons("li", ActorKind::LI, 1, {0, 0, 0, 0, 0}, ResetMode::None)};
  g.channels = {{0, 2, 1, MailboxPolicy::Block, 0, ""}, {1, 2, 1, MailboxPolicy::Block, 0, ""}};
  g.outputs = {{"v", 2}};
  ASSERT_FALSE(validateActorGraph(g));
  ReferenceExecutor ex(g);
  EXPECT_EQ((*ex.step({{"p", {100}}, {"q", {-30}}}))["v"][0], 70);
  EXPECT_EQ((*ex.step({{"p", {1 << 24}}, {"q", {1 << 24}}}))["v"][0], sem::kMembraneMax);
  // The current sum wraps in 32 bits (as vadd32 does) before saturation:
  // 2^30 + 2^30 = -2^31, so v drops to the 24-bit minimum.
  EXPECT_EQ((*ex.step({{"p", {1 << 30}}, {"q", {1 << 30}}}))["v"][0], sem::kMembraneMin);
}

TEST(ReferenceExecutor, InputErrorsAreReported) {
  ActorGraph g;
  g.actors = {input("x", 2), linear("l", 2, 1, {1, 1})};
  g.channels = {{0, 1, 1, MailboxPolicy::Block, 0, ""}};
  g.outputs = {{"y", 1}};
  ReferenceExecutor ex(g);
  auto missing = ex.step({});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("no value for input 'x'"), std::string::npos);
  auto wrongSize = ex.step({{"x", {1}}});
  ASSERT_FALSE(wrongSize);
  EXPECT_NE(wrongSize.error().message.find("expects 2 values, got 1"), std::string::npos);
  auto range = ex.step({{"x", {1, 200}}});
  ASSERT_FALSE(range);
  EXPECT_NE(range.error().message.find("does not fit i8"), std::string::npos);
}
