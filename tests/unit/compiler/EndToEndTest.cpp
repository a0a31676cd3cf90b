// End to end: compile an actor graph, run it on the SystemC emulator, and
// compare every output of every step with the reference executor, bit for
// bit. Each TEST runs in its own process (SystemC elaborates once), so each
// uses one chip.
#include "compiler/lib/Driver/Driver.h"
#include "GraphBuilders.h"
#include "xpu/compiler/Xorshift.h"

#include "xpu/Device.h"
#include "xpu/emu/EmulatorBackend.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>

using namespace xpu;
using namespace xpu::graph;
using xpu::graph::test::input;
using xpu::graph::test::neurons;

namespace {

/// The shared xorshift with this file's own stream of weights and inputs.
struct Rng : Xorshift {
  explicit Rng(uint64_t seed) : Xorshift(seed, 1, 0) {}
};

/// A small deterministic generator (the same numbers on every platform).

ChipDescriptor mesh(uint32_t w, uint32_t h) {
  ChipDescriptor c;
  c.width = w;
  c.height = h;
  return c;
}


/// A dense layer with random weights (and bias) drawn from `rng`.
Actor linear(const std::string &name, uint32_t in, uint32_t out, Rng &rng, std::optional<Requantize> rq,
             bool bias, int32_t wmax = 20) {
  std::vector<int8_t> w;
  std::vector<int32_t> b;
  for (size_t i = 0; i < size_t(in) * out; ++i) w.push_back(int8_t(rng.range(-wmax, wmax)));
  if (bias)
    for (uint32_t i = 0; i < out; ++i) b.push_back(rng.range(-500, 500));
  return test::linear(name, in, out, std::move(w), std::move(b), rq);
}


Channel chan(uint32_t from, uint32_t to, uint32_t delay = 0) {
  Channel c;
  c.from = from;
  c.to = to;
  c.delay = delay;
  return c;
}

/// Random i8 vectors (or 0/1 spikes) for every input actor, `steps` steps.
std::vector<Values> randomInputs(const ActorGraph &g, uint32_t steps, Rng &rng, bool spikes = false) {
  std::vector<Values> inputs(steps);
  for (auto &step : inputs)
    for (const Actor &a : g.actors)
      if (a.kind == ActorKind::Input)
        for (uint32_t i = 0; i < a.outSize; ++i)
          step[a.name].push_back(spikes ? int32_t(rng.next() % 4 == 0)
                                 : a.outType == DType::I8 ? rng.range(-128, 127) : rng.range(-3000, 3000));
  return inputs;
}

struct Outcome {
  std::vector<Values> reference, emulator;
  driver::CompileResult compiled;
};

/// Compiles, runs on the emulator and on the reference; both must succeed.
Outcome compileAndRun(const ActorGraph &g, const ChipDescriptor &chip, const std::vector<Values> &inputs,
                      driver::CompileOptions opts = {}) {
  Outcome o;
  EXPECT_FALSE(validateActorGraph(g));
  opts.mappingReport = true;
  auto compiled = driver::compileGraph(g, chip, opts);
  EXPECT_TRUE(compiled) << (compiled ? "" : compiled.error().message);
  if (!compiled) return o;
  o.compiled = *compiled;
  emu::registerEmulatorBackend();
  auto device = Device::open("emulator");
  EXPECT_TRUE(device);
  if (!device) return o;
  auto err = device->load(*compiled->exe);
  EXPECT_FALSE(err) << (err ? err->message : "");
  auto outputs = driver::runSteps(*device, g, inputs);
  EXPECT_TRUE(outputs) << (outputs ? "" : outputs.error().message);
  auto reference = driver::runReference(g, inputs);
  EXPECT_TRUE(reference) << (reference ? "" : reference.error().message);
  if (outputs) o.emulator = *outputs;
  if (reference) o.reference = *reference;
  return o;
}

void expectBitExact(const Outcome &o) {
  ASSERT_FALSE(o.reference.empty());
  EXPECT_EQ(driver::compareOutputs(o.reference, o.emulator), "") << o.compiled.mappingReport;
}

/// A 2-layer MLP: 24 inputs -> 16 (requantised, relu) -> 10 (int32 logits).
ActorGraph mlp(Rng &rng) {
  ActorGraph g;
  g.name = "mlp";
  g.actors = {input("x", 24), linear("fc1", 24, 16, rng, Requantize{6, true}, true),
              linear("fc2", 16, 10, rng, std::nullopt, true)};
  g.channels = {chan(0, 1), chan(1, 2)};
  g.outputs = {{"logits", 2}, {"hidden", 1}};
  return g;
}

/// A LIF population fed by a dense projection of input spikes.
ActorGraph lifPopulation(Rng &rng, uint32_t inputs, uint32_t count) {
  ActorGraph g;
  g.name = "lif";
  g.actors = {input("spikes_in", inputs), linear("proj", inputs, count, rng, std::nullopt, false, 60),
              neurons("pop", ActorKind::LIF, count, {300, 0, 100, 0, 2}, ResetMode::Subtract)};
  g.channels = {chan(0, 1), chan(1, 2)};
  g.outputs = {{"spikes", 2}};
  return g;
}

uint64_t countSpikes(const std::vector<Values> &outs, const std::string &name) {
  uint64_t n = 0;
  for (const Values &v : outs)
    for (int32_t s : v.at(name)) n += s != 0;
  return n;
}

} // namespace

TEST(EndToEnd, TwoLayerMlp) {
  Rng rng(1);
  ActorGraph g = mlp(rng);
  Outcome o = compileAndRun(g, mesh(2, 2), randomInputs(g, 5, rng));
  expectBitExact(o);
  // The test must be able to fail: the logits are not all equal.
  std::set<int32_t> distinct(o.reference[0].at("logits").begin(), o.reference[0].at("logits").end());
  EXPECT_GT(distinct.size(), 5u);
}

TEST(EndToEnd, LifPopulationOverHundredTimesteps) {
  Rng rng(2);
  ActorGraph g = lifPopulation(rng, 32, 24);
  Outcome o = compileAndRun(g, mesh(2, 2), randomInputs(g, 100, rng, /*spikes=*/true));
  expectBitExact(o);
  const uint64_t spikes = countSpikes(o.reference, "spikes");
  EXPECT_GT(spikes, 100u);        // the population is active...
  EXPECT_LT(spikes, 100u * 24);   // ...but not saturated
}

TEST(EndToEnd, RecurrentSpikingNetwork) {
  // Input projection + recurrent projection (delay 1) into a CubaLIF
  // population, whose spikes also drive an LI readout.
  Rng rng(3);
  ActorGraph g;
  g.name = "recurrent";
  g.actors = {input("in", 16), linear("w_in", 16, 20, rng, std::nullopt, false, 40),
              neurons("pop", ActorKind::CubaLIF, 20, {400, 1000, 150, 0, 0}, ResetMode::Zero),
              linear("w_rec", 20, 20, rng, std::nullopt, false, 50),
              linear("w_out", 20, 4, rng, std::nullopt, false, 30),
              neurons("readout", ActorKind::LI, 4, {200, 0, 0, 0, 0}, ResetMode::None)};
  g.channels = {chan(0, 1), chan(1, 2), chan(2, 3), chan(3, 2, /*delay=*/1), chan(2, 4), chan(4, 5)};
  g.outputs = {{"spikes", 2}, {"v", 5}};
  Outcome o = compileAndRun(g, mesh(4, 4), randomInputs(g, 60, rng, true));
  expectBitExact(o);
  EXPECT_GT(countSpikes(o.reference, "spikes"), 20u);
}

TEST(EndToEnd, MulticastFanOutToEveryCoreOf4x4) {
  // One input vector feeds a layer split over the other 15 cores: a single
  // multicast group reaches all of them.
  Rng rng(4);
  ActorGraph g;
  g.name = "fanout";
  g.actors = {input("x", 40), linear("wide", 40, 15, rng, Requantize{5, false}, true)};
  g.channels = {chan(0, 1)};
  g.outputs = {{"y", 1}};
  driver::CompileOptions opts;
  opts.maxElementsPerCore = 1;
  Outcome o = compileAndRun(g, mesh(4, 4), randomInputs(g, 4, rng), opts);
  expectBitExact(o);
  EXPECT_NE(o.compiled.mappingReport.find("multicast groups: 1"), std::string::npos) << o.compiled.mappingReport;
  ASSERT_TRUE(o.compiled.exe);
  ASSERT_EQ(o.compiled.exe->multicastGroups.size(), 1u);
  EXPECT_EQ(o.compiled.exe->multicastGroups[0].destinations.size(), 15u);
}

TEST(EndToEnd, ActorTooLargeForOneCoreIsPartitioned) {
  // 128 x 96 int8 weights (12 KiB) on cores with 4 KiB of SRAM.
  Rng rng(5);
  ActorGraph g;
  g.name = "big";
  g.actors = {input("x", 128), linear("big", 128, 96, rng, Requantize{7, false}, true),
              linear("head", 96, 8, rng, std::nullopt, false)};
  g.channels = {chan(0, 1), chan(1, 2)};
  g.outputs = {{"y", 2}, {"features", 1}};
  ChipDescriptor chip = mesh(4, 4);
  chip.sramBytes = 4096;
  Outcome o = compileAndRun(g, chip, randomInputs(g, 3, rng));
  expectBitExact(o);
  size_t slices = 0;
  for (size_t p = 0; (p = o.compiled.mappingReport.find("big[", p)) != std::string::npos; ++p) ++slices;
  EXPECT_GE(slices, 4u) << o.compiled.mappingReport;
}

// The same model on three chip sizes (one process per chip).
class SameModelOnChips : public testing::TestWithParam<uint32_t> {};

TEST_P(SameModelOnChips, MlpAndLifAgree) {
  const uint32_t k = GetParam();
  Rng rng(6);
  ActorGraph g;
  g.name = "combo";
  g.actors = {input("x", 24), linear("fc1", 24, 16, rng, Requantize{6, true}, true),
              linear("proj", 16, 12, rng, std::nullopt, false, 40),
              neurons("pop", ActorKind::IF, 12, {0, 0, 400, 0, 0}, ResetMode::Subtract)};
  g.channels = {chan(0, 1), chan(1, 2), chan(2, 3)};
  g.outputs = {{"spikes", 3}, {"hidden", 1}};
  driver::CompileOptions opts;
  // Spread the work more on bigger chips (4x4: 4 rows per core, 8x8: 1).
  opts.maxElementsPerCore = k == 2 ? 0 : k == 4 ? 4 : 1;
  Outcome o = compileAndRun(g, mesh(k, k), randomInputs(g, 20, rng), opts);
  expectBitExact(o);
  EXPECT_GT(countSpikes(o.reference, "spikes"), 5u);
}

INSTANTIATE_TEST_SUITE_P(Chips, SameModelOnChips, testing::Values(2u, 4u, 8u),
                         [](const testing::TestParamInfo<uint32_t> &i) {
                           return std::to_string(i.param) + "x" + std::to_string(i.param);
                         });

// ---- Mixture of experts (issue #6): a router/combiner core and one core per
// expert; the experts reply to the core that sent them tokens.

namespace {

Actor moeActor(Rng &rng, const std::string &name, uint32_t T, uint32_t E, uint32_t D, uint32_t O,
               MoeRouting routing, uint32_t k, uint32_t capacity) {
  std::vector<int8_t> rw, w;
  std::vector<int32_t> b;
  for (size_t i = 0; i < size_t(E) * D; ++i) rw.push_back(int8_t(rng.range(-20, 20)));
  for (size_t i = 0; i < size_t(E) * O * D; ++i) w.push_back(int8_t(rng.range(-20, 20)));
  for (size_t i = 0; i < size_t(E) * O; ++i) b.push_back(rng.range(-300, 300));
  return test::moe(name, T, E, D, O, routing, k, capacity, /*gateShift=*/7, std::move(rw), std::move(w),
                   std::move(b), Requantize{7, false});
}

/// Distinct values among all outputs `name` of all steps.
size_t distinctValues(const std::vector<Values> &outs, const std::string &name) {
  std::set<int32_t> s;
  for (const Values &v : outs) s.insert(v.at(name).begin(), v.at(name).end());
  return s.size();
}

} // namespace

struct MoeCase {
  MoeRouting routing;
  uint32_t experts, chip;
};
void PrintTo(const MoeCase &c, std::ostream *os) {
  *os << (c.routing == MoeRouting::TopK ? "top_k" : "expert_choice") << ", E = " << c.experts << ", " << c.chip
      << "x" << c.chip;
}

class MoeOnChips : public testing::TestWithParam<MoeCase> {};

TEST_P(MoeOnChips, AgreesWithReference) {
  const MoeCase mc = GetParam();
  Rng rng(7 + mc.experts + mc.chip + uint32_t(mc.routing));
  const uint32_t T = 8, D = 12, O = 6;
  ActorGraph g;
  g.name = "moe";
  // Top-2 with capacity 3: 16 picks for 8 x 3 slots at most, so tokens are
  // dropped whenever the picks are uneven.
  const uint32_t k = mc.routing == MoeRouting::TopK ? 2 : 1;
  const uint32_t capacity = mc.routing == MoeRouting::TopK ? 3 : 2;
  g.actors = {input("tokens", T * D), moeActor(rng, "moe", T, mc.experts, D, O, mc.routing, k, capacity)};
  g.channels = {chan(0, 1)};
  g.outputs = {{"y", 1}};
  Outcome o = compileAndRun(g, mesh(mc.chip, mc.chip), randomInputs(g, 6, rng));
  expectBitExact(o);
  EXPECT_GT(distinctValues(o.reference, "y"), 100u);
  // Different batches give different outputs.
  EXPECT_NE(o.reference[0].at("y"), o.reference[1].at("y"));
  // One core per expert plus the router (and the input).
  size_t experts = 0;
  for (size_t p = 0; (p = o.compiled.mappingReport.find("(expert)", p)) != std::string::npos; ++p) ++experts;
  EXPECT_EQ(experts, mc.experts) << o.compiled.mappingReport;
}

INSTANTIATE_TEST_SUITE_P(
    Moe, MoeOnChips,
    testing::Values(MoeCase{MoeRouting::ExpertChoice, 4, 4}, MoeCase{MoeRouting::TopK, 4, 4},
                    MoeCase{MoeRouting::ExpertChoice, 8, 4}, MoeCase{MoeRouting::TopK, 8, 4},
                    MoeCase{MoeRouting::ExpertChoice, 4, 8}, MoeCase{MoeRouting::TopK, 4, 8},
                    MoeCase{MoeRouting::ExpertChoice, 8, 8}, MoeCase{MoeRouting::TopK, 8, 8}),
    [](const testing::TestParamInfo<MoeCase> &i) {
      return std::string(i.param.routing == MoeRouting::TopK ? "TopK" : "ExpertChoice") + "_E" +
             std::to_string(i.param.experts) + "_" + std::to_string(i.param.chip) + "x" + std::to_string(i.param.chip);
    });

TEST(EndToEnd, MoeBetweenLinearAndSpikingLayers) {
  // x -> fc1 (split over two cores) -> moe (top-1) -> LIF population, and
  // the moe output also a graph output; 20 steps of different batches.
  Rng rng(11);
  const uint32_t T = 6, D = 8, O = 4;
  ActorGraph g;
  g.name = "moe_mlp";
  g.actors = {input("x", 20), linear("fc1", 20, T * D, rng, Requantize{6, true}, true),
              moeActor(rng, "moe", T, 4, D, O, MoeRouting::TopK, 1, 3),
              neurons("pop", ActorKind::LIF, T * O, {300, 0, 150, 0, 0}, ResetMode::Subtract)};
  g.channels = {chan(0, 1), chan(1, 2), chan(2, 3)};
  g.outputs = {{"spikes", 3}, {"mixed", 2}};
  driver::CompileOptions opts;
  opts.maxElementsPerCore = 24;
  Outcome o = compileAndRun(g, mesh(4, 4), randomInputs(g, 20, rng), opts);
  expectBitExact(o);
  EXPECT_GT(distinctValues(o.reference, "mixed"), 20u);
  const uint64_t spikes = countSpikes(o.reference, "spikes");
  EXPECT_GT(spikes, 10u);
  EXPECT_LT(spikes, 20u * T * O);
}
