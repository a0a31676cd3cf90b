// The host API: backend registry, I/O windows, step-wise runs, errors.
#include "SystemTestUtil.h"

#include "xpu/Semantics.h"

namespace xpu::test {
namespace {

TEST(Device, RegistryOpensTheEmulatorByName) {
  emu::registerEmulatorBackend();
  auto names = registeredBackends();
  EXPECT_NE(std::find(names.begin(), names.end(), "emulator"), names.end());
  auto dev = Device::open("emulator");
  ASSERT_TRUE(bool(dev));
  EXPECT_EQ(dev->backend().name(), "emulator");
  auto bad = Device::open("nonesuch");
  ASSERT_FALSE(bool(bad));
  EXPECT_NE(bad.error().message.find("unknown backend 'nonesuch'"), std::string::npos);
  EXPECT_NE(bad.error().message.find("emulator"), std::string::npos);
  // Nothing loaded: runs and I/O fail cleanly.
  EXPECT_EQ(dev->runUntilHalt().status, RunStatus::Error);
  EXPECT_TRUE(dev->writeInputValues("x", {1}).has_value());
  EXPECT_FALSE(bool(dev->readOutput("y")));
}

TEST(Device, ValueCodecsCheckRangesAndCounts) {
  IoBinding b;
  b.name = "v";
  b.dtype = "i16";
  b.bytes = 6;
  auto bytes = encodeValues(b, {-1, 2, 32767});
  ASSERT_TRUE(bool(bytes));
  EXPECT_EQ(*bytes, (std::vector<uint8_t>{0xFF, 0xFF, 2, 0, 0xFF, 0x7F}));
  EXPECT_EQ(decodeValues(b, *bytes), (std::vector<int64_t>{-1, 2, 32767}));
  EXPECT_FALSE(bool(encodeValues(b, {1, 2})));
  auto range = encodeValues(b, {1, 2, 40000});
  ASSERT_FALSE(bool(range));
  EXPECT_NE(range.error().message.find("does not fit i16"), std::string::npos);
  b.dtype = "u8";
  b.bytes = 2;
  EXPECT_EQ(decodeValues(b, {0xFF, 1}), (std::vector<int64_t>{255, 1}));
  auto list = parseValueList("1, -2,0x10");
  ASSERT_TRUE(bool(list));
  EXPECT_EQ(*list, (std::vector<int64_t>{1, -2, 16}));
  EXPECT_FALSE(bool(parseValueList("1,,2")));
  EXPECT_FALSE(bool(parseValueList("abc")));
}

// Load, write the drive before every step, run one timestep at a time, read
// the outputs: the values equal a reference computed here.
TEST(Device, RoundTripStepByStepWithPerStepInputs) {
  Executable exe = assembleOrFail(readSource("examples/asm/spikes.s"), chip(2, 2), "spikes.s");
  XPU_LOAD_OR_SKIP(dev, exe);
  EXPECT_EQ(dev->executable().outputs.size(), 4u);

  // Reference: spikes.s semantics with drive ext_c[i] = (t * 37 + i * 53 + c * 11) % 700.
  std::vector<std::vector<int32_t>> v(4, std::vector<int32_t>(16));
  std::vector<std::vector<int64_t>> counts(4, std::vector<int64_t>(16));
  std::vector<std::vector<int32_t>> prev;
  const int32_t w[4] = {50, -30, 40, 20};
  for (uint32_t t = 0; t < 10; ++t) {
    std::vector<std::vector<int64_t>> ext(4, std::vector<int64_t>(16));
    for (int c = 0; c < 4; ++c) {
      for (int i = 0; i < 16; ++i)
        ext[c][i] = (t * 37 + i * 53 + c * 11) % 700;
      ASSERT_FALSE(dev->writeInputValues("ext" + std::to_string(c), ext[c]));
    }
    const RunResult r = dev->runSteps(1);
    ASSERT_EQ(r.status, t < 9 ? RunStatus::StepsDone : RunStatus::StepsDone) << r.report;
    EXPECT_EQ(r.timestep, t + 1);
    EXPECT_EQ(dev->timestep(), t + 1);

    std::vector<std::vector<int32_t>> spikes(4, std::vector<int32_t>(16));
    for (int c = 0; c < 4; ++c) {
      sem::NeuronParams p;
      p.dv = 410;
      p.vth = 1000;
      p.bias = 40 * c;
      for (int i = 0; i < 16; ++i) {
        int32_t in = int32_t(ext[c][i]);
        if (!prev.empty())
          for (int k = 0; k < 4; ++k) in += prev[k][i] * w[k];
        int32_t u = 0;
        spikes[c][i] = sem::neuronStep(NeuronModel::LIF, ResetMode::Zero, p, v[c][i], u, in);
        counts[c][i] += spikes[c][i];
      }
    }
    prev = spikes;
    for (int c = 0; c < 4; ++c) {
      auto got = dev->readOutput("counts" + std::to_string(c));
      ASSERT_TRUE(bool(got));
      EXPECT_EQ(*got, counts[c]) << "core " << c << " after step " << t;
    }
  }
  const RunResult end = dev->runUntilHalt();
  EXPECT_EQ(end.status, RunStatus::Halted) << end.report;
}

TEST(Device, InputErrorsNameTheProblem) {
  Executable exe = assembleOrFail(readSource("examples/asm/ring.s"), chip(2, 2), "ring.s");
  XPU_LOAD_OR_SKIP(dev, exe);
  auto err = dev->writeInputValues("nope", {1});
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->message, "unknown input 'nope' (inputs: start)");
  err = dev->writeInput("start", {1, 2, 3});
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->message.find("expects 4 bytes"), std::string::npos);
  err = dev->writeInputValues("start", {1, 2});
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->message.find("expects 1 i32 values, got 2"), std::string::npos);
  EXPECT_FALSE(bool(dev->readOutput("start"))); // an input, not an output
  uint8_t byte;
  EXPECT_TRUE(dev->backend().readSram(9, 0, &byte, 1).has_value());
  EXPECT_TRUE(dev->backend().readSram(0, 65535, &byte, 2).has_value());
}

TEST(Device, OtherMeshSizeInTheSameProcessIsAnError) {
  Executable small = assembleOrFail(readSource("examples/asm/ring.s"), chip(2, 2), "ring.s");
  XPU_LOAD_OR_SKIP(dev, small);
  Executable big = assembleOrFail(".image a\n.core 0, 0\n halt\n", chip(3, 3));
  emu::EmulatorBackend other;
  auto err = other.load(big);
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->message.find("elaborates once per process"), std::string::npos);
}

TEST(Device, ReloadingRestartsFromCycleZero) {
  Executable exe = assembleOrFail(readSource("examples/asm/ring.s"), chip(2, 2), "ring.s");
  XPU_LOAD_OR_SKIP(dev, exe);
  ASSERT_FALSE(dev->writeInputValues("start", {5}));
  const RunResult a = dev->runUntilHalt();
  const nlohmann::json sa = dev->stats();
  ASSERT_FALSE(dev->load(exe));
  EXPECT_EQ(dev->cycle(), 0u);
  ASSERT_FALSE(dev->writeInputValues("start", {5}));
  const RunResult b = dev->runUntilHalt();
  EXPECT_EQ(a.cycles, b.cycles);
  EXPECT_EQ(output1(*dev, "token"), 5 + 18);
  EXPECT_EQ(sa.dump(), dev->stats().dump());
}

} // namespace
} // namespace xpu::test
