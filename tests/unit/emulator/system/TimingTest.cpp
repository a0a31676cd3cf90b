// Cycle-exact timing of the system: message visibility, barrier release,
// spawn boot. Expected cycles come from docs/arch.md formulas, not from the
// emulator.
#include "SystemTestUtil.h"

#include "xpu/Semantics.h"

namespace xpu::test {
namespace {

uint64_t ceilDiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// Core 0 sends LEN bytes to core 1 (one hop east) at cycle 3; core 1 waits
// in recv from cycle 1 and records the cycle after its recv completes.
std::string visibilityProgram(uint32_t len) {
  return R"(
.output seen, 1, 0, 0x400, i32, 1
.output info, 1, 0, 0x404, i32, 1
.image sender
.core 0, 0
        li    r1, 1
        li    r2, 0x100
        li    r3, )" + std::to_string(len) + R"(
        send  r1, r2, r3, 0
        halt
.image receiver
.core 1, 0
        li    r2, 0x100
        recv  r4, r2, 0
        csrr  r5, cycle
        sw    r5, 0x400(r0)
        sw    r4, 0x404(r0)
        halt
)";
}

TEST(Timing, MessageVisibleTheCycleAfterItsTailForAnyLengthAndLatency) {
  struct Case { uint32_t R, L, F; };
  for (Case k : {Case{1, 1, 8}, Case{2, 3, 8}, Case{1, 2, 16}, Case{3, 1, 32}}) {
    for (uint32_t len : {0u, 1u, 8u, 9u, 100u, 256u}) {
      ChipDescriptor c = chip(2, 2);
      c.routerLatency = k.R;
      c.linkLatency = k.L;
      c.flitBytes = k.F;
      // Deep enough buffers for the credit round trip (2L + R, Local: R + 2)
      // so that a long packet streams one flit per cycle, as the zero-load
      // formula assumes.
      c.bufferDepth = 16;
      Executable exe = assembleOrFail(visibilityProgram(len), c);
      XPU_LOAD_OR_SKIP(dev, exe);
      const RunResult r = dev->runUntilHalt();
      ASSERT_EQ(r.status, RunStatus::Halted) << r.report;
      const uint64_t copy = 1 + ceilDiv(len, k.F);    // send/recv copy cycles
      const uint64_t ready = 3 + copy;                 // head created and injected
      const uint64_t t0 = ready + 1;                   // head in the Local buffer
      const uint64_t n = sem::packetFlits(len, k.F);
      const uint64_t tail = t0 + 1 * (k.R + k.L) + k.R + n;
      const uint64_t visible = tail + 1;
      EXPECT_EQ(output1(*dev, "seen"), int64_t(visible + copy))
          << "R=" << k.R << " L=" << k.L << " F=" << k.F << " len=" << len;
      EXPECT_EQ(output1(*dev, "info"), int64_t((0 << 16) | len));
      auto lat = dev->stats()["packet_latency"];
      EXPECT_EQ(lat["max"], tail - ready);
    }
  }
}

// Core 1 sends a 256-byte message to core 0 and arrives at the barrier; the
// barrier releases barrier_latency cycles after the message's tail has been
// consumed (the network is quiescent only then), and the message is in its
// mailbox when core 0 continues.
std::string barrierProgram() {
  return R"(
.output released, 0, 0, 0x400, i32, 1
.output waiting, 0, 0, 0x404, i32, 1
.output step, 0, 0, 0x408, i32, 1
.image zero
.core 0, 0
        barrier
        csrr  r1, cycle
        sw    r1, 0x400(r0)
        poll  r2, 0
        sw    r2, 0x404(r0)
        csrr  r3, timestep
        sw    r3, 0x408(r0)
        halt
.image one
.core 1, 0
        li    r1, 0
        li    r2, 0x100
        li    r3, 256
        send  r1, r2, r3, 0
        barrier
        halt
.image two
.core 0, 1
        barrier
        halt
.image three
.core 1, 1
        halt
)";
}

TEST(Timing, BarrierReleasesExactlyLatencyAfterQuiescence) {
  for (uint32_t latency : {0u, 1u, 7u, 100u}) {
    ChipDescriptor c = chip(2, 2);
    c.barrierLatency = latency;
    Executable exe = assembleOrFail(barrierProgram(), c);
    XPU_LOAD_OR_SKIP(dev, exe);
    const RunResult r = dev->runUntilHalt();
    ASSERT_EQ(r.status, RunStatus::Halted) << r.report;
    const uint64_t F = c.flitBytes;
    const uint64_t ready = 3 + 1 + ceilDiv(256, F); // core 1's send at cycle 3
    const uint64_t n = sem::packetFlits(256, F);
    const uint64_t tail = ready + 1 + 1 * 2 + 1 + n; // consumed by core 0's NI
    const uint64_t effective = latency ? latency : 2 + 2;
    EXPECT_EQ(output1(*dev, "released"), int64_t(tail + effective)) << "latency " << latency;
    EXPECT_EQ(output1(*dev, "waiting"), 1);
    EXPECT_EQ(output1(*dev, "step"), 1);
    EXPECT_EQ(r.timestep, 1u);
  }
}

TEST(Timing, BarrierWithNoTrafficReleasesAtArrivalPlusLatency) {
  const std::string src = R"(
.output released, 0, 0, 0x400, i32, 1
.image a
.core 0, 0
.core 1, 0
.core 0, 1
.core 1, 1
        barrier
        csrr  r1, cycle
        sw    r1, 0x400(r0)
        barrier
        barrier
        halt
)";
  ChipDescriptor c = chip(2, 2);
  Executable exe = assembleOrFail(src, c);
  XPU_LOAD_OR_SKIP(dev, exe);
  // Every core arrives at cycle 0: release at 0 + (width + height).
  RunResult r = dev->runSteps(1);
  EXPECT_EQ(r.status, RunStatus::StepsDone);
  EXPECT_EQ(r.timestep, 1u);
  EXPECT_EQ(r.cycles, 4u) << "a steps run stops just before the release cycle";
  r = dev->runUntilHalt();
  ASSERT_EQ(r.status, RunStatus::Halted) << r.report;
  EXPECT_EQ(output1(*dev, "released"), 4);
  EXPECT_EQ(r.timestep, 3u);
}

std::string spawnProgram(const char *target) {
  return std::string(R"(
.output start, 1, 1, 0x400, i32, 1
.output arg, 1, 1, 0x404, i32, 1
.output busy, 1, 0, 0x400, i32, 1
.image main
.core 0, 0
        li    r1, )") + target + R"(
        li    r2, 99
        spawn r1, r2, worker
        halt
.image worker
.spare 1, 1
        csrr  r1, cycle
        sw    r1, 0x400(r0)
        csrr  r2, bootarg
        sw    r2, 0x404(r0)
        halt
.data 0x500
        .word 1, 2, 3
.image busy
.core 1, 0
        li    r1, 300
loop:   addi  r1, r1, -1
        bne   r1, r0, loop
        li    r2, 7
        sw    r2, 0x400(r0)
        halt
)";
}

TEST(Timing, SpawnBootsAfterTheDocumentedDelay) {
  Executable exe = assembleOrFail(spawnProgram("3"), chip(2, 2));
  XPU_LOAD_OR_SKIP(dev, exe);
  const RunResult r = dev->runUntilHalt();
  ASSERT_EQ(r.status, RunStatus::Halted) << r.report;
  // spawn issues at 2 (cost 2): head created and injected at 4, t0 = 5; two
  // hops to (1,1); two flits; tail consumed at 5 + 2*2 + 1 + 2 = 12.
  const uint64_t tail = 5 + 2 * 2 + 1 + 2;
  const uint64_t boot = 16 + 5 /*code words*/ + 2 /*ceil(12 / 8)*/;
  EXPECT_EQ(output1(*dev, "start"), int64_t(tail + boot));
  EXPECT_EQ(output1(*dev, "arg"), 99);
  EXPECT_EQ(dev->stats()["messages"]["spawns_booted"], 1);
}

TEST(Timing, SpawnOnARunningCoreIsRejectedAndCounted) {
  Executable exe = assembleOrFail(spawnProgram("1"), chip(2, 2));
  XPU_LOAD_OR_SKIP(dev, exe);
  const RunResult r = dev->runUntilHalt();
  ASSERT_EQ(r.status, RunStatus::Halted) << r.report;
  EXPECT_EQ(dev->stats()["messages"]["spawn_rejected"], 1);
  EXPECT_EQ(dev->stats()["messages"]["spawns_booted"], 0);
  EXPECT_EQ(output1(*dev, "busy"), 7) << "the running core is not disturbed";
  EXPECT_EQ(output1(*dev, "start"), 0) << "the spare core never booted";
}

} // namespace
} // namespace xpu::test
