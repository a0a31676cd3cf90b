// Pools end to end: compile a graph with a `pool` actor, run it on the
// SystemC emulator and compare every output of every step with the
// reference executor, bit for bit; the emulator's statistics must show
// exactly the expected spawns, on the expected spare cores. Each TEST runs
// in its own process (SystemC elaborates once).
#include "compiler/lib/Driver/Driver.h"
#include "GraphBuilders.h"
#include "xpu/compiler/Pool.h"
#include "xpu/compiler/Xorshift.h"

#include "xpu/Device.h"
#include "xpu/emu/EmulatorBackend.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

using namespace xpu;
using namespace xpu::graph;

namespace {

struct Rng : Xorshift {
  explicit Rng(uint64_t seed) : Xorshift(seed, 1, 0) {}
};

ChipDescriptor mesh(uint32_t w, uint32_t h) {
  ChipDescriptor c;
  c.width = w;
  c.height = h;
  return c;
}

/// x -> pool p (N jobs of D features, O results) -> outputs "y" (and, with
/// `tail`, a linear layer over the pool's output -> "z").
ActorGraph poolGraph(Rng &rng, uint32_t N, uint32_t D, uint32_t O, uint32_t J, uint32_t B, PoolOverflow onBound,
                     bool tail) {
  Actor p;
  p.name = "p";
  p.kind = ActorKind::Pool;
  p.inType = p.outType = DType::I8;
  PoolParams &m = p.pool;
  m.jobs = N;
  m.features = D;
  m.outputs = O;
  m.jobsPerWorker = J;
  m.maxWorkers = B;
  m.onBound = onBound;
  for (uint32_t i = 0; i < O * D; ++i) m.weight.push_back(int8_t(rng.range(-30, 30)));
  for (uint32_t i = 0; i < O; ++i) m.bias.push_back(rng.range(-300, 300));
  m.requantize = Requantize{5, false};
  p.inSize = 1 + N * D;
  p.outSize = N * O + 2;
  ActorGraph g;
  g.name = "pool";
  g.actors = {test::input("x", p.inSize), p};
  Channel c;
  c.from = 0;
  c.to = 1;
  g.channels = {c};
  g.outputs = {{"y", 1}};
  if (tail) {
    std::vector<int8_t> w;
    for (uint32_t i = 0; i < p.outSize * 3; ++i) w.push_back(int8_t(rng.range(-5, 5)));
    g.actors.push_back(test::linear("fc", p.outSize, 3, w, {}, std::nullopt));
    Channel d;
    d.from = 1;
    d.to = 2;
    g.channels.push_back(d);
    g.outputs.push_back({"z", 2});
  }
  return g;
}

/// Steps with the given job counts (random features, including padding).
std::vector<Values> inputsFor(const ActorGraph &g, const std::vector<int32_t> &counts, Rng &rng) {
  std::vector<Values> in;
  for (int32_t c : counts) {
    std::vector<int32_t> x = {c};
    for (uint32_t i = 1; i < g.actors[0].outSize; ++i) x.push_back(rng.range(-128, 127));
    in.push_back({{"x", x}});
  }
  return in;
}

/// Compiles, runs on the emulator and the reference, compares bit for bit,
/// then checks the spawns: `workers` booted, each on its spare core, every
/// other spare core idle.
void runPool(const ActorGraph &g, const ChipDescriptor &chip, const std::vector<Values> &inputs, uint32_t workers) {
  ASSERT_FALSE(validateActorGraph(g));
  driver::CompileOptions opts;
  opts.mappingReport = true;
  auto compiled = driver::compileGraph(g, chip, opts);
  ASSERT_TRUE(compiled) << compiled.error().message;
  EXPECT_EQ(compiled->exe->spareCores.size(), g.actors[1].pool.maxWorkers);
  emu::registerEmulatorBackend();
  auto device = Device::open("emulator");
  ASSERT_TRUE(device);
  auto err = device->load(*compiled->exe);
  ASSERT_FALSE(err) << err->message;
  auto outputs = driver::runSteps(*device, g, inputs, 2'000'000);
  ASSERT_TRUE(outputs) << outputs.error().message;
  auto reference = driver::runReference(g, inputs);
  ASSERT_TRUE(reference) << reference.error().message;
  EXPECT_EQ(driver::compareOutputs(*reference, *outputs), "") << compiled->mappingReport;
  const PoolParams &m = g.actors[1].pool;
  EXPECT_EQ(uint32_t(reference->back().at("y")[m.jobs * m.outputs]), workers);

  const nlohmann::json stats = device->stats();
  EXPECT_EQ(stats["messages"]["spawns_booted"].get<uint64_t>(), workers) << stats["messages"].dump();
  EXPECT_EQ(stats["messages"]["spawn_rejected"].get<uint64_t>(), 0u);
  for (uint32_t w = 0; w < m.maxWorkers; ++w) {
    const uint32_t core = poolWorkerCore(g, chip, 1, w);
    const nlohmann::json &c = stats["cores"][core];
    if (w < workers) {
      EXPECT_GT(c["instructions"].get<uint64_t>(), 0u) << "worker " << w;
    } else {
      EXPECT_EQ(c["instructions"].get<uint64_t>(), 0u) << "worker " << w;
      EXPECT_EQ(c["state"].get<std::string>(), "idle") << "worker " << w;
    }
  }
}

// 10 steps: none, growth, the bound exceeded (c = N), fewer again.
const std::vector<int32_t> kCounts = {0, 1, 2, 0, 3, 6, 2, 0, 6, 1};

} // namespace

TEST(PoolEndToEnd, Self4x4) {
  Rng rng(11);
  ActorGraph g = poolGraph(rng, 6, 5, 3, 1, 3, PoolOverflow::Self, false);
  runPool(g, mesh(4, 4), inputsFor(g, kCounts, rng), 3);
}

TEST(PoolEndToEnd, Drop4x4) {
  Rng rng(12);
  ActorGraph g = poolGraph(rng, 6, 5, 3, 1, 3, PoolOverflow::Drop, true);
  runPool(g, mesh(4, 4), inputsFor(g, kCounts, rng), 3);
}

// Two jobs per worker, bound 2 of 3 possible; the bound is never reached
// in the first steps, so workers are spawned in two different steps.
TEST(PoolEndToEnd, Self8x8TwoJobsPerWorker) {
  Rng rng(13);
  ActorGraph g = poolGraph(rng, 6, 7, 4, 2, 2, PoolOverflow::Self, true);
  runPool(g, mesh(8, 8), inputsFor(g, kCounts, rng), 2);
}

TEST(PoolEndToEnd, Drop8x8TwoJobsPerWorker) {
  Rng rng(14);
  ActorGraph g = poolGraph(rng, 6, 7, 4, 2, 2, PoolOverflow::Drop, false);
  runPool(g, mesh(8, 8), inputsFor(g, kCounts, rng), 2);
}

// Load never needs the bound: the unused spare core stays idle.
TEST(PoolEndToEnd, UnusedSpareCoreStaysIdle) {
  Rng rng(15);
  ActorGraph g = poolGraph(rng, 6, 3, 2, 2, 3, PoolOverflow::Drop, false);
  runPool(g, mesh(4, 4), inputsFor(g, {0, 1, 0, 3, 2, 1, 0, 4}, rng), 2);
}

// Two pools in one graph: the second pool's workers sit below the first
// pool's spare cores; each dispatcher maps replies back by its own base.
TEST(PoolEndToEnd, TwoPools4x4) {
  Rng rng(16);
  ActorGraph a = poolGraph(rng, 5, 4, 2, 1, 3, PoolOverflow::Self, false);
  ActorGraph b = poolGraph(rng, 4, 3, 3, 2, 2, PoolOverflow::Drop, false);
  ActorGraph g = a;
  Actor x2 = b.actors[0], q = b.actors[1];
  x2.name = "x2";
  q.name = "q";
  g.actors.push_back(x2);
  g.actors.push_back(q);
  Channel c;
  c.from = 2;
  c.to = 3;
  g.channels.push_back(c);
  g.outputs.push_back({"z", 3});
  ASSERT_FALSE(validateActorGraph(g));
  std::vector<Values> in = inputsFor(a, {0, 2, 5, 1, 0, 3, 5, 4}, rng);
  std::vector<Values> in2 = inputsFor(b, {1, 0, 4, 3, 0, 2, 4, 1}, rng);
  for (size_t t = 0; t < in.size(); ++t) in[t]["x2"] = in2[t]["x"];
  const ChipDescriptor chip = mesh(4, 4);
  driver::CompileOptions opts;
  auto compiled = driver::compileGraph(g, chip, opts);
  ASSERT_TRUE(compiled) << compiled.error().message;
  EXPECT_EQ(compiled->exe->spareCores.size(), 5u);
  emu::registerEmulatorBackend();
  auto device = Device::open("emulator");
  ASSERT_TRUE(device);
  ASSERT_FALSE(device->load(*compiled->exe));
  auto outputs = driver::runSteps(*device, g, in, 2'000'000);
  ASSERT_TRUE(outputs) << outputs.error().message;
  auto reference = driver::runReference(g, in);
  ASSERT_TRUE(reference) << reference.error().message;
  EXPECT_EQ(driver::compareOutputs(*reference, *outputs), "");
  EXPECT_EQ(reference->back().at("y")[5 * 2], 3);
  EXPECT_EQ(reference->back().at("z")[4 * 3], 2);
  const nlohmann::json stats = device->stats();
  EXPECT_EQ(stats["messages"]["spawns_booted"].get<uint64_t>(), 5u);
  EXPECT_EQ(stats["messages"]["spawn_rejected"].get<uint64_t>(), 0u);
  EXPECT_EQ(poolWorkerCore(g, chip, 3, 0), 12u); // below pool p's cores 15, 14, 13
}
