// The example programs (examples/asm) end to end on the emulator, with
// outputs compared against values computed independently here.
#include "SystemTestUtil.h"

#include "xpu/Semantics.h"

#include <random>

namespace xpu::test {
namespace {

const ChipDescriptor k2x2 = chip(2, 2);

TEST(Programs, RingAddsEveryCoreIdEachRound) {
  Executable exe = assembleOrFail(readSource("examples/asm/ring.s"), k2x2, "ring.s");
  XPU_LOAD_OR_SKIP(dev, exe);
  std::mt19937 rng(7);
  const int64_t start = int64_t(rng() % 100000) - 50000;
  ASSERT_FALSE(dev->writeInputValues("start", {start}));
  const RunResult r = dev->runUntilHalt();
  ASSERT_EQ(r.status, RunStatus::Halted) << r.report;
  const int64_t rounds = 3, idSum = 0 + 1 + 2 + 3;
  EXPECT_EQ(output1(*dev, "token"), start + rounds * idSum);
  EXPECT_EQ(dev->stats()["messages"]["received"], 4 * rounds);
}

TEST(Programs, ScatterReduceMatchesALinearLayerAndArgmax) {
  Executable exe = assembleOrFail(readSource("examples/asm/scatter_reduce.s"), k2x2,
                                  "scatter_reduce.s");
  XPU_LOAD_OR_SKIP(dev, exe);
  std::mt19937 rng(11);
  auto s8 = [&] { return int64_t(int(rng() % 256) - 128); };
  std::vector<int64_t> x(16);
  for (auto &v : x) v = s8();
  std::vector<std::vector<int64_t>> w(4, std::vector<int64_t>(128));
  for (int c = 0; c < 4; ++c) {
    for (auto &v : w[c]) v = s8();
    ASSERT_FALSE(dev->writeInputValues("w" + std::to_string(c), w[c]));
  }
  ASSERT_FALSE(dev->writeInputValues("x", x));
  const RunResult r = dev->runUntilHalt();
  ASSERT_EQ(r.status, RunStatus::Halted) << r.report;

  std::vector<int64_t> scores(8, 0);
  for (int j = 0; j < 8; ++j)
    for (int c = 0; c < 4; ++c)
      for (int i = 0; i < 16; ++i)
        scores[j] += w[c][j * 16 + i] * x[i];
  int64_t best = 0;
  for (int j = 1; j < 8; ++j)
    if (scores[j] > scores[best]) best = j;
  auto got = dev->readOutput("scores");
  ASSERT_TRUE(bool(got));
  EXPECT_EQ(*got, scores);
  EXPECT_EQ(output1(*dev, "class"), best);
}

/// The spikes.s model, step by step, with per-step external drive.
struct LifModel {
  static constexpr int N = 16;
  std::vector<std::vector<int32_t>> v = std::vector<std::vector<int32_t>>(4, std::vector<int32_t>(N));
  std::vector<std::vector<int64_t>> counts = std::vector<std::vector<int64_t>>(4, std::vector<int64_t>(N));
  std::vector<std::vector<int32_t>> prev;
  const int32_t w[4] = {50, -30, 40, 20};

  void step(const std::vector<std::vector<int64_t>> &ext) {
    std::vector<std::vector<int32_t>> spikes(4, std::vector<int32_t>(N));
    for (int c = 0; c < 4; ++c) {
      sem::NeuronParams p;
      p.dv = 410;
      p.vth = 1000;
      p.bias = 40 * c;
      for (int i = 0; i < N; ++i) {
        int32_t in = int32_t(ext[c][i]);
        if (!prev.empty())
          for (int k = 0; k < 4; ++k)
            in += prev[k][i] * w[k];
        int32_t u = 0;
        spikes[c][i] = sem::neuronStep(NeuronModel::LIF, ResetMode::Zero, p, v[c][i], u, in);
        counts[c][i] += spikes[c][i];
      }
    }
    prev = spikes;
  }
};

std::vector<std::vector<int64_t>> defaultDrive() {
  std::vector<std::vector<int64_t>> ext(4, std::vector<int64_t>(16));
  for (auto &e : ext)
    for (int i = 0; i < 16; ++i) e[i] = 40 * i;
  return ext;
}

TEST(Programs, SpikesMatchesTheLifReference) {
  Executable exe = assembleOrFail(readSource("examples/asm/spikes.s"), k2x2, "spikes.s");
  XPU_LOAD_OR_SKIP(dev, exe);
  const RunResult r = dev->runUntilHalt();
  ASSERT_EQ(r.status, RunStatus::Halted) << r.report;
  EXPECT_EQ(r.timestep, 10u);
  LifModel model;
  for (int t = 0; t < 10; ++t)
    model.step(defaultDrive());
  for (int c = 0; c < 4; ++c) {
    auto got = dev->readOutput("counts" + std::to_string(c));
    ASSERT_TRUE(bool(got));
    EXPECT_EQ(*got, model.counts[c]) << "core " << c;
  }
}

TEST(Programs, SpawnBootsTheWorkerForEveryRequest) {
  Executable exe = assembleOrFail(readSource("examples/asm/spawn.s"), k2x2, "spawn.s");
  XPU_LOAD_OR_SKIP(dev, exe);
  ASSERT_FALSE(dev->writeInputValues("args", {123456, -77}));
  const RunResult r = dev->runUntilHalt();
  ASSERT_EQ(r.status, RunStatus::Halted) << r.report;
  auto got = dev->readOutput("answers");
  ASSERT_TRUE(bool(got));
  EXPECT_EQ(*got, (std::vector<int64_t>{2 * 123456, -2 * 77}));
  EXPECT_EQ(dev->stats()["messages"]["spawns_booted"], 2);
  EXPECT_EQ(dev->stats()["messages"]["spawn_rejected"], 0);
}

} // namespace
} // namespace xpu::test
