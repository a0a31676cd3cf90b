// Events channels end to end (docs/actor-graph.md "Event channels"): a
// spiking population streams its spikes as address events into a linear
// readout through a mailbox of capacity C; the emulator must agree with the
// reference executor bit for bit under every policy, drop exactly the
// messages the reference predicts, and fail at the same step under `error`.
// Each TEST runs in its own process (SystemC elaborates once).
#include "compiler/lib/Driver/Driver.h"
#include "GraphBuilders.h"
#include "xpu/compiler/Xorshift.h"

#include "xpu/Device.h"
#include "xpu/emu/EmulatorBackend.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

using namespace xpu;
using namespace xpu::graph;

namespace {

struct Rng : Xorshift {
  explicit Rng(uint64_t seed) : Xorshift(seed, 7, 0) {}
};

ChipDescriptor mesh(uint32_t w, uint32_t h) {
  ChipDescriptor c;
  c.width = w;
  c.height = h;
  c.mailboxDepth = 16;
  return c;
}

/// cur (i32 input) -> IF population of N (a neuron spikes when its input is
/// 1000) -> events channel (K, C, policy) -> linear readout of O outputs.
ActorGraph eventGraph(uint32_t N, uint32_t O, uint32_t K, uint32_t C, MailboxPolicy policy, Rng &rng,
                      bool requantize = true) {
  ActorGraph g;
  g.name = "events";
  std::vector<int8_t> w;
  std::vector<int32_t> b;
  for (uint32_t i = 0; i < N * O; ++i) w.push_back(int8_t(rng.range(-100, 100)));
  for (uint32_t i = 0; i < O; ++i) b.push_back(rng.range(-300, 300));
  g.actors = {test::input("cur", N, DType::I32),
              test::neurons("pop", ActorKind::IF, N, {0, 0, 100, 0, 0}, ResetMode::Zero),
              test::linear("readout", N, O, w, b,
                           requantize ? std::optional<Requantize>(Requantize{3, false}) : std::nullopt)};
  Channel dense;
  dense.from = 0;
  dense.to = 1;
  Channel ev;
  ev.from = 1;
  ev.to = 2;
  ev.delay = 1;
  ev.encoding = ChannelEncoding::Events;
  ev.eventsPerMessage = K;
  ev.capacity = C;
  ev.policy = policy;
  ev.pointer = "/channels/1";
  g.channels = {dense, ev};
  g.outputs = {{"out", 2}, {"spikes", 1}};
  return g;
}

/// Steps whose spike counts are `counts` (random neurons chosen).
std::vector<Values> bursts(uint32_t N, const std::vector<uint32_t> &counts, Rng &rng) {
  std::vector<Values> steps;
  for (uint32_t n : counts) {
    std::vector<int32_t> cur(N, 0);
    for (uint32_t k = 0; k < n;) {
      uint32_t i = uint32_t(rng.next() % N);
      if (!cur[i]) cur[i] = 1000, ++k;
    }
    steps.push_back({{"cur", cur}});
  }
  return steps;
}

struct EventRun {
  Expected<std::vector<Values>> emulator = Error{"not run"};
  Expected<std::vector<Values>> reference = Error{"not run"};
  uint64_t emulatorDropped = 0, referenceDropped = 0;
  uint32_t consumerSlices = 0;
  std::string report;
};

EventRun run(const ActorGraph &g, const ChipDescriptor &chip, const std::vector<Values> &inputs,
        unsigned maxElementsPerCore = 0) {
  EventRun r;
  EXPECT_FALSE(validateActorGraph(g));
  driver::CompileOptions opts;
  opts.mappingReport = true;
  opts.maxElementsPerCore = maxElementsPerCore;
  auto compiled = driver::compileGraph(g, chip, opts);
  EXPECT_TRUE(compiled) << (compiled ? "" : compiled.error().message);
  if (!compiled) return r;
  r.report = compiled->mappingReport;
  for (const MailboxConfig &m : compiled->exe->mailboxPolicies) r.consumerSlices += m.capacity != 0;
  r.consumerSlices /= 2; // two parity mailboxes per consumer slice
  emu::registerEmulatorBackend();
  auto device = Device::open("emulator");
  EXPECT_TRUE(device);
  if (!device) return r;
  auto err = device->load(*compiled->exe);
  EXPECT_FALSE(err) << (err ? err->message : "");
  r.emulator = driver::runSteps(*device, g, inputs);
  r.emulatorDropped = device->stats()["messages"]["dropped"]["total"].get<uint64_t>();
  ReferenceExecutor ex(g);
  std::vector<Values> outs;
  r.reference = outs;
  for (const Values &in : inputs) {
    auto v = ex.step(in);
    if (!v) {
      r.reference = v.error();
      break;
    }
    outs.push_back(*v);
    r.reference = outs;
  }
  for (uint32_t ci = 0; ci < g.channels.size(); ++ci) r.referenceDropped += ex.droppedMessages(ci);
  return r;
}

void expectAgree(const EventRun &r) {
  ASSERT_TRUE(r.reference) << r.reference.error().message;
  ASSERT_TRUE(r.emulator) << r.emulator.error().message;
  EXPECT_EQ(driver::compareOutputs(*r.reference, *r.emulator), "") << r.report;
  EXPECT_EQ(r.emulatorDropped, r.referenceDropped * r.consumerSlices);
  if (getenv("XPU_EVENTS_VERBOSE"))
    std::cerr << "dropped: reference " << r.referenceDropped << " x " << r.consumerSlices << " slices, emulator "
              << r.emulatorDropped << "\n";
}

/// The readout outputs of a run differ from `other`'s in some step: the
/// policy really changed what the consumer saw.
bool readoutDiffers(const EventRun &a, const EventRun &b) {
  return a.reference && b.reference && driver::compareOutputs(*a.reference, *b.reference) != "";
}

// Many neurons spike in most steps: 40 neurons, 4 events per message, up to
// 10 messages per step.
const std::vector<uint32_t> kBursts = {40, 0, 3, 37, 12, 40, 25, 8, 0, 33, 19, 40, 1, 28};

} // namespace

TEST(EventsEndToEnd, BlockWithEnoughCapacityIsExact) {
  Rng rng(1);
  ActorGraph g = eventGraph(40, 12, 4, 10, MailboxPolicy::Block, rng);
  EventRun r = run(g, mesh(4, 4), bursts(40, kBursts, rng));
  expectAgree(r);
  EXPECT_EQ(r.referenceDropped, 0u);
  EXPECT_EQ(r.emulatorDropped, 0u);
}

// The producer scans spikes a word (4 neurons) at a time, then the last
// N mod 4 one by one: populations of 43 and 2 exercise the tail.
TEST(EventsEndToEnd, PopulationsNotAMultipleOfFourKeepTheirLastNeurons) {
  for (uint32_t n : {43u, 2u}) {
    Rng rng(11 + n);
    ActorGraph g = eventGraph(n, 12, 4, (n + 3) / 4, MailboxPolicy::Block, rng);
    std::vector<uint32_t> counts;
    for (uint32_t c : kBursts) counts.push_back(std::min(c, n));  // every neuron spikes at times
    EventRun r = run(g, mesh(4, 4), bursts(n, counts, rng));
    expectAgree(r);
    EXPECT_EQ(r.emulatorDropped, 0u);
  }
}

TEST(EventsEndToEnd, DropNewestKeepsTheFirstMessages) {
  Rng rng(2);
  ActorGraph g = eventGraph(40, 12, 4, 3, MailboxPolicy::DropNewest, rng);
  const auto inputs = bursts(40, kBursts, rng);
  EventRun r = run(g, mesh(4, 4), inputs);
  expectAgree(r);
  EXPECT_GT(r.referenceDropped, 20u); // the bursts really overflow
  ActorGraph lossless = g;
  lossless.channels[1].capacity = 10;
  lossless.channels[1].policy = MailboxPolicy::Block;
  EventRun all;
  all.reference = driver::runReference(lossless, inputs);
  EXPECT_TRUE(readoutDiffers(r, all)) << "the dropped events change the readout";
}

TEST(EventsEndToEnd, DropOldestKeepsTheLastMessages) {
  Rng rng(3);
  ActorGraph g = eventGraph(40, 12, 4, 3, MailboxPolicy::DropOldest, rng);
  const auto inputs = bursts(40, kBursts, rng);
  EventRun r = run(g, mesh(4, 4), inputs);
  expectAgree(r);
  EXPECT_GT(r.referenceDropped, 20u);
  ActorGraph newest = g; // the other drop policy keeps other events
  newest.channels[1].policy = MailboxPolicy::DropNewest;
  EventRun other;
  other.reference = driver::runReference(newest, inputs);
  EXPECT_TRUE(readoutDiffers(r, other)) << "drop_oldest and drop_newest keep different events";
}

TEST(EventsEndToEnd, SplitConsumerGetsTheStreamByMulticast) {
  // The readout is split over 4 cores (3 rows each); each slice receives the
  // whole stream through one multicast group and drops on its own.
  Rng rng(4);
  ActorGraph g = eventGraph(40, 12, 4, 4, MailboxPolicy::DropOldest, rng, /*requantize=*/false);
  EventRun r = run(g, mesh(4, 4), bursts(40, kBursts, rng), /*maxElementsPerCore=*/3);
  EXPECT_EQ(r.consumerSlices, 4u);
  expectAgree(r);
  EXPECT_GT(r.referenceDropped, 10u);
}

TEST(EventsEndToEnd, ErrorPolicyFailsAtTheSameStep) {
  Rng rng(5);
  // Steps 0..2 fit (<= 2 messages of 4), step 3 needs 3 messages.
  ActorGraph g = eventGraph(40, 12, 4, 2, MailboxPolicy::Error, rng);
  EventRun r = run(g, mesh(4, 4), bursts(40, {8, 0, 5, 9, 40, 2}, rng));
  ASSERT_FALSE(r.reference);
  ASSERT_FALSE(r.emulator);
  EXPECT_EQ(r.reference.error().message.rfind("step 3: mailbox overflow on channel 'pop' -> 'readout'", 0), 0u)
      << r.reference.error().message;
  EXPECT_EQ(r.emulator.error().message.rfind("step 3: ", 0), 0u) << r.emulator.error().message;
  EXPECT_NE(r.emulator.error().message.find("MailboxOverflow"), std::string::npos) << r.emulator.error().message;
}

TEST(EventsEndToEnd, LargerPopulationOn8x8) {
  // 300 neurons, 8 events per message (up to 38 messages), capacity 6 on a
  // chip with mailbox_depth 16; readout split over several cores.
  Rng rng(6);
  ActorGraph g = eventGraph(300, 40, 8, 6, MailboxPolicy::DropNewest, rng);
  std::vector<uint32_t> counts;
  for (int i = 0; i < 10; ++i) counts.push_back(uint32_t(rng.next() % 301));
  EventRun r = run(g, mesh(8, 8), bursts(300, counts, rng), /*maxElementsPerCore=*/8);
  EXPECT_GE(r.consumerSlices, 5u);
  expectAgree(r);
  EXPECT_GT(r.referenceDropped, 0u);
}

TEST(EventsEndToEnd, LifSourceBehindADenseProjection) {
  // x (i8 spikes) -> linear proj -> LIF pop (also a graph output) -> events
  // (K = 3, C = 2, drop_oldest) -> readout; the source is the realistic kind.
  Rng rng(7);
  const uint32_t In = 16, N = 30, O = 8;
  ActorGraph g;
  g.name = "lif_events";
  std::vector<int8_t> wp, wr;
  for (uint32_t i = 0; i < In * N; ++i) wp.push_back(int8_t(rng.range(0, 90)));
  for (uint32_t i = 0; i < N * O; ++i) wr.push_back(int8_t(rng.range(-60, 60)));
  g.actors = {test::input("x", In), test::linear("proj", In, N, wp),
              test::neurons("pop", ActorKind::LIF, N, {300, 0, 120, 0, 4}, ResetMode::Subtract),
              test::linear("readout", N, O, wr, {}, Requantize{2, true})};
  Channel c0, c1, ev;
  c0.from = 0, c0.to = 1;
  c1.from = 1, c1.to = 2;
  ev.from = 2, ev.to = 3, ev.delay = 1, ev.encoding = ChannelEncoding::Events, ev.eventsPerMessage = 3;
  ev.capacity = 2, ev.policy = MailboxPolicy::DropOldest, ev.pointer = "/channels/2";
  g.channels = {c0, c1, ev};
  g.outputs = {{"out", 3}, {"spikes", 2}};
  std::vector<Values> inputs(25);
  for (auto &step : inputs)
    for (uint32_t i = 0; i < In; ++i) step["x"].push_back(int32_t(rng.next() % 3 == 0));
  EventRun r = run(g, mesh(4, 4), inputs);
  expectAgree(r);
  EXPECT_GT(r.referenceDropped, 5u);
}
