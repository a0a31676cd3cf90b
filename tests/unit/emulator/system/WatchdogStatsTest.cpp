// The watchdog on a real deadlock, fault reports, statistics consistency and
// determinism.
#include "SystemTestUtil.h"

#include "xpu/emu/Stats.h"

namespace xpu::test {
namespace {

TEST(Watchdog, FiresOnTwoCoresReceivingFromEachOther) {
  const std::string src = R"(
.image a
.core 0, 0
.core 1, 0
        li    r1, 0x100
        recv  r2, r1, 0      ; both wait for the other: nobody sends
        csrr  r3, coreid
        xori  r3, r3, 1
        li    r4, 4
        send  r3, r1, r4, 0
        halt
)";
  Executable exe = assembleOrFail(src, chip(2, 2));
  BackendOptions o;
  o.watchdogCycles = 1000;
  XPU_LOAD_OR_SKIP(dev, exe, o);
  const RunResult r = dev->runUntilHalt();
  ASSERT_EQ(r.status, RunStatus::Deadlock);
  // li issues at 0; from cycle 1 on nothing happens: fires after 1000 quiet cycles.
  EXPECT_EQ(r.cycles, 1001u);
  EXPECT_NE(r.report.find("no instruction issued and no flit moved for 1000 cycles"),
            std::string::npos) << r.report;
  EXPECT_NE(r.report.find("core 0 (0,0) blocked on recv mailbox 0 at pc 1: recv r2, r1, 0"),
            std::string::npos) << r.report;
  EXPECT_NE(r.report.find("core 1 (1,0) blocked on recv mailbox 0 at pc 1: recv r2, r1, 0"),
            std::string::npos) << r.report;
  EXPECT_NE(r.report.find("core 2 (0,1) idle"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("router buffers:"), std::string::npos);
  // Statistics stay consistent after a deadlock stop.
  const auto s = dev->stats();
  EXPECT_EQ(s["cores"][0]["stall_cycles"], 1000);
  EXPECT_EQ(s["cores"][0]["busy_cycles"], 1);
}

TEST(Watchdog, ReportsBlockedBuffersOfABackPressuredSender) {
  // Core 1 never receives: core 0's messages fill mailbox, ejection and router
  // buffers, then core 0 blocks on its outbound buffer.
  const std::string src = R"(
.image s
.core 0, 0
        li    r1, 1
        li    r2, 0x100
        li    r3, 64
loop:   send  r1, r2, r3, 0
        jmp   loop
.image r
.core 1, 0
        li    r1, 0x100
        recv  r2, r1, 1      ; waits on another mailbox forever
        halt
)";
  Executable exe = assembleOrFail(src, chip(2, 2));
  BackendOptions o;
  o.watchdogCycles = 500;
  XPU_LOAD_OR_SKIP(dev, exe, o);
  const RunResult r = dev->runUntilHalt();
  ASSERT_EQ(r.status, RunStatus::Deadlock) << r.report;
  EXPECT_NE(r.report.find("core 0 (0,0) blocked on outbound buffer"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("core 1 mailbox 0: 4/4 (block)"), std::string::npos) << r.report;
  EXPECT_EQ(r.report.find("router buffers:\n  all empty"), std::string::npos) << r.report;
}

TEST(Faults, RunStopsAndNamesCorePcInstructionAndFault) {
  const std::string src = R"(
.image a
.core 1, 1
        li    r1, 0x7FFFFFF0
        nop
        lw    r2, 0x20(r1)
        halt
.image b
.core 0, 0
        li    r1, 1000
loop:   addi  r1, r1, -1
        bne   r1, r0, loop
        halt
)";
  Executable exe = assembleOrFail(src, chip(2, 2));
  XPU_LOAD_OR_SKIP(dev, exe);
  RunResult r = dev->runUntilHalt();
  ASSERT_EQ(r.status, RunStatus::Fault);
  EXPECT_EQ(r.cycles, 3u) << "stops at the end of the faulting cycle";
  EXPECT_NE(r.report.find("core 3 (1,1) faulted (BadAddress) at pc 2: lw r2, 32(r1)"),
            std::string::npos) << r.report;
  // The run can continue; the other core finishes.
  r = dev->runUntilHalt();
  EXPECT_EQ(r.status, RunStatus::Halted) << r.report;
  EXPECT_EQ(dev->stats()["cores"][3]["state"], "faulted");
}

void checkConsistent(const nlohmann::json &s) {
  const uint64_t cycles = s["cycles"];
  uint64_t instr = 0;
  for (const auto &c : s["cores"]) {
    EXPECT_EQ(uint64_t(c["busy_cycles"]) + uint64_t(c["stall_cycles"]) +
                  uint64_t(c["idle_cycles"]),
              cycles)
        << c.dump();
    instr += uint64_t(c["instructions"]);
  }
  EXPECT_EQ(uint64_t(s["instructions"]["total"]), instr);
  uint64_t byClass = 0;
  for (const auto &[k, v] : s["instructions"]["by_class"].items())
    byClass += uint64_t(v);
  EXPECT_EQ(byClass, instr);
  const auto &n = s["network"];
  uint64_t links = 0, local = 0;
  for (const auto &l : n["link_flits"])
    (l["port"] == "local" ? local : links) += uint64_t(l["flits"]);
  EXPECT_EQ(links, uint64_t(n["flit_hops"]));
  EXPECT_EQ(links, uint64_t(n["link_flits_total"]));
  EXPECT_EQ(local, uint64_t(n["flits_ejected"]));
  const auto &m = s["messages"];
  EXPECT_EQ(uint64_t(s["packet_latency"]["count"]),
            uint64_t(m["delivered"]) + uint64_t(m["dropped"]["drop_newest"]) +
                uint64_t(m["dropped"]["error"]) + uint64_t(m["spawns_booted"]) +
                uint64_t(m["spawn_rejected"]));
  const auto &e = s["energy_pj"];
  EXPECT_NEAR(double(e["total"]), double(e["cores"]) + double(e["network"]), 1e-3);
}

TEST(Stats, ConsistentForEveryExampleAndAtEveryStop) {
  for (const char *name : {"ring", "scatter_reduce", "spikes", "spawn"}) {
    Executable exe = assembleOrFail(readSource(std::string("examples/asm/") + name + ".s"),
                                    chip(2, 2), name);
    XPU_LOAD_OR_SKIP(dev, exe);
    // Stop in the middle (instructions in flight), then run to the end.
    RunResult r = dev->runCycles(37);
    checkConsistent(dev->stats());
    r = dev->runCycles(50);
    checkConsistent(dev->stats());
    r = dev->runUntilHalt();
    ASSERT_EQ(r.status, RunStatus::Halted) << name << ": " << r.report;
    SCOPED_TRACE(name);
    checkConsistent(dev->stats());
  }
}

TEST(Stats, StepRunsStopWithConsistentCounters) {
  Executable exe = assembleOrFail(readSource("examples/asm/spikes.s"), chip(2, 2), "spikes.s");
  XPU_LOAD_OR_SKIP(dev, exe);
  for (int t = 0; t < 10; ++t) {
    ASSERT_EQ(dev->runSteps(1).status, RunStatus::StepsDone);
    checkConsistent(dev->stats());
  }
}

TEST(Stats, EnergyIsEventsTimesCosts) {
  const std::string src = R"(
.image a
.core 0, 0
        li    r1, 3
        muli  r2, r1, 5
        sw    r2, 0x100(r0)
        lw    r3, 0x100(r0)
        halt
)";
  ChipDescriptor c = chip(2, 2);
  c.energy.aluOp = 1;
  c.energy.mulOp = 10;
  c.energy.sramReadByte = 100;
  c.energy.sramWriteByte = 1000;
  c.energy.coreIdleCycle = 0.5;
  Executable exe = assembleOrFail(src, c);
  XPU_LOAD_OR_SKIP(dev, exe);
  ASSERT_EQ(dev->runUntilHalt().status, RunStatus::Halted);
  const auto s = dev->stats();
  // li + halt (alu/control), muli, 4 bytes written, 4 bytes read; cycles of
  // leakage: li 1 + muli 2 + sw 1 + lw 2 + halt 1 = 7.
  EXPECT_EQ(s["cycles"], 7);
  EXPECT_DOUBLE_EQ(double(s["cores"][0]["energy_pj"]), 2 * 1 + 10 + 4 * 100 + 4 * 1000 + 7 * 0.5);
  EXPECT_DOUBLE_EQ(double(s["energy_pj"]["breakdown"]["leakage"]), 4 * 7 * 0.5);
}

TEST(Stats, IdenticalAcrossRunsAndLoadOffsets) {
  // The second and third loads start at a later simulated time (a different
  // base cycle): statistics must not change.
  Executable exe = assembleOrFail(readSource("examples/asm/spikes.s"), chip(2, 2), "spikes.s");
  std::vector<std::string> dumps;
  for (int run = 0; run < 3; ++run) {
    XPU_LOAD_OR_SKIP(dev, exe);
    if (run == 2)
      for (int t = 0; t < 10; ++t)
        dev->runSteps(1); // stop and resume at every barrier
    ASSERT_EQ(dev->runUntilHalt().status, RunStatus::Halted);
    dumps.push_back(dev->stats().dump());
  }
  EXPECT_EQ(dumps[0], dumps[1]);
  EXPECT_EQ(dumps[0], dumps[2]);
}

TEST(Stats, LatencySummaryUsesNearestRank) {
  const emu::LatencySummary s = emu::summariseLatencies({5, 1, 4, 2, 3, 100, 6, 7, 8, 9});
  EXPECT_EQ(s.count, 10u);
  EXPECT_DOUBLE_EQ(s.avg, 14.5);
  EXPECT_EQ(s.p50, 5u);
  EXPECT_EQ(s.p99, 100u);
  EXPECT_EQ(s.max, 100u);
  EXPECT_EQ(emu::summariseLatencies({}).count, 0u);
}

} // namespace
} // namespace xpu::test
