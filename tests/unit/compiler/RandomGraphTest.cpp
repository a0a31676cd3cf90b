// Random actor graphs: compiled and run on the emulator, every output of
// every step equal to the reference executor. One process per chip size
// (SystemC elaborates once); a failing seed writes its graph and inputs and
// prints the xpu-cc command that reproduces it.
#include "compiler/lib/Driver/Driver.h"
#include "xpu/compiler/RandomGraph.h"

#include "xpu/Device.h"
#include "xpu/emu/EmulatorBackend.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <fstream>

using namespace xpu;
using namespace xpu::graph;

namespace {

struct ChipCase {
  uint32_t width, height, maxActors, maxElementsPerCore, seeds;
  uint32_t moePercent = 0;  // mixtures of experts in the graphs
};

std::string reproduce(const ActorGraph &g, const std::vector<Values> &inputs, const ChipDescriptor &chip,
                      const driver::CompileOptions &o, uint64_t seed) {
  const std::string dir = testing::TempDir();
  const std::string base = dir + "/random-" + std::to_string(seed);
  std::ofstream(base + ".json") << actorGraphToJson(g);
  nlohmann::json in;
  for (const Values &step : inputs)
    for (const auto &[name, v] : step) in[name].push_back(v);
  std::ofstream(base + ".inputs.json") << in.dump();
  std::ofstream(base + ".chip.json") << toJson(chip).dump(1);
  return "reproduce: xpu-cc " + base + ".json --chip " + base + ".chip.json --max-elements-per-core=" +
         std::to_string(o.maxElementsPerCore) + " --run --steps " + std::to_string(inputs.size()) + " --inputs " +
         base + ".inputs.json --check";
}

class RandomGraphs : public testing::TestWithParam<ChipCase> {};

} // namespace

TEST(RandomGraphJson, WriterRoundTrips) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    ActorGraph g = randomActorGraph({seed, 10, 30});
    ASSERT_FALSE(validateActorGraph(g)) << seed;
    auto back = parseActorGraph(nlohmann::json::parse(actorGraphToJson(g)), "rt.json", ".");
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(actorGraphToJson(*back), actorGraphToJson(g));
  }
}

TEST_P(RandomGraphs, CompiledEqualsReference) {
  const ChipCase cc = GetParam();
  ChipDescriptor chip;
  chip.width = cc.width;
  chip.height = cc.height;
  emu::registerEmulatorBackend();
  auto device = Device::open("emulator");
  ASSERT_TRUE(device) << device.error().message;
  uint64_t spikes = 0, compared = 0, moeActors = 0;
  for (uint64_t seed = 1; seed <= cc.seeds; ++seed) {
    const uint64_t s = seed + 1000ull * cc.width;
    ActorGraph g = randomActorGraph({s, cc.maxActors, 40, cc.moePercent});
    ASSERT_FALSE(validateActorGraph(g)) << "seed " << s;
    driver::CompileOptions o;
    o.maxElementsPerCore = cc.maxElementsPerCore;
    std::vector<Values> inputs = randomInputs(g, 3 + uint32_t(s % 10), s);
    auto compiled = driver::compileGraph(g, chip, o);
    if (!compiled) {
      // Only "does not fit" is acceptable for a random graph; retry without
      // the compute budget, which always fits one actor per core.
      ASSERT_NE(compiled.error().message.find("cores (one per partition)"), std::string::npos)
          << compiled.error().message << "\n" << reproduce(g, inputs, chip, o, s);
      o.maxElementsPerCore = 0;
      compiled = driver::compileGraph(g, chip, o);
      ASSERT_TRUE(compiled) << compiled.error().message << "\n" << reproduce(g, inputs, chip, o, s);
    }
    ASSERT_FALSE(device->load(*compiled->exe)) << reproduce(g, inputs, chip, o, s);
    auto got = driver::runSteps(*device, g, inputs);
    ASSERT_TRUE(got) << got.error().message << "\n" << reproduce(g, inputs, chip, o, s);
    auto want = driver::runReference(g, inputs);
    ASSERT_TRUE(want) << want.error().message;
    const std::string diff = driver::compareOutputs(*want, *got);
    ASSERT_EQ(diff, "") << "seed " << s << "\n" << reproduce(g, inputs, chip, o, s);
    for (const Actor &a : g.actors) moeActors += a.kind == ActorKind::Moe;
    for (const Values &step : *want)
      for (const auto &[name, v] : step)
        for (int32_t x : v) spikes += x != 0, ++compared;
  }
  // The generated graphs must exercise something: most values are non-zero.
  EXPECT_GT(spikes, compared / 4);
  if (cc.moePercent) {
    EXPECT_GT(moeActors, cc.seeds / 2);
  }
}

INSTANTIATE_TEST_SUITE_P(Chips, RandomGraphs,
                         testing::Values(ChipCase{2, 2, 4, 0, 60}, ChipCase{3, 3, 8, 0, 60},
                                         ChipCase{4, 4, 10, 8, 60}, ChipCase{8, 8, 14, 4, 60}),
                         [](const testing::TestParamInfo<ChipCase> &i) {
                           return std::to_string(i.param.width) + "x" + std::to_string(i.param.height);
                         });

// The same with mixtures of experts (router + one core per expert).
INSTANTIATE_TEST_SUITE_P(Moe, RandomGraphs,
                         testing::Values(ChipCase{4, 4, 14, 8, 60, 60}, ChipCase{8, 8, 24, 4, 60, 60}),
                         [](const testing::TestParamInfo<ChipCase> &i) {
                           return std::to_string(i.param.width) + "x" + std::to_string(i.param.height);
                         });
