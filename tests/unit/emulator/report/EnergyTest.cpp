// Energy accounting: totals equal event counts x costs, counted by hand on
// a small program; per-router and per-link-class figures add up.
#include "SystemTestUtil.h"

#include <gtest/gtest.h>

namespace xpu {
namespace {

using test::assembleOrFail;
using test::chip;
using test::readSource;

// Core (0,0) sends 8 bytes to core 3 = (1,1); core 3 receives them.
const char *kSendOne = R"(
.image sender
.core 0, 0
        li    r1, 3
        li    r2, 0x100
        li    r3, 8
        send  r1, r2, r3, 0
        halt
.image receiver
.core 1, 1
        li    r2, 0x100
        recv  r4, r2, 0
        halt
)";

TEST(Energy, TotalsAreEventCountsTimesCostsByHand) {
  ChipDescriptor c = chip(2, 2);
  c.flitBytes = 8;
  // Distinct powers of two so that every term is visible in the sums.
  c.energy.aluOp = 1;
  c.energy.mulOp = 2;
  c.energy.sramReadByte = 4;
  c.energy.sramWriteByte = 8;
  c.energy.vectorMac = 16;
  c.energy.neuronUpdate = 32;
  c.energy.flitHop = 64;
  c.energy.routerBufferWrite = 128;
  c.energy.coreIdleCycle = 0.25;
  Executable exe = assembleOrFail(kSendOne, c);
  XPU_LOAD_OR_SKIP(dev, exe);
  ASSERT_EQ(dev->runUntilHalt().status, RunStatus::Halted);
  const auto s = dev->stats();
  const double cycles = s["cycles"].get<double>();

  // By hand. Core 0: li x3 + halt = 4 ALU/control ops, send reads 8 bytes.
  // Core 3: li + halt = 2 ops, recv writes 8 bytes. The packet: 8 bytes in
  // 8-byte flits = head + 1 body flit = 2 flits; XY route (0,0) -> east ->
  // (1,0) -> south -> (1,1): 2 hops each = 4 flit hops (2 horizontal, 2
  // vertical); buffer writes = 2 at injection (router 0) + 2 at router 1 +
  // 2 at router 3 = 6.
  const double core0 = 4 * 1 + 8 * 4 + cycles * 0.25;
  const double core3 = 2 * 1 + 8 * 8 + cycles * 0.25;
  const double idleCore = cycles * 0.25;
  const double network = 4 * 64 + 6 * 128;
  EXPECT_EQ(s["network"]["flit_hops"], 4);
  EXPECT_EQ(s["network"]["buffer_writes"], 6);
  EXPECT_DOUBLE_EQ(s["cores"][0]["energy_pj"].get<double>(), core0);
  EXPECT_DOUBLE_EQ(s["cores"][3]["energy_pj"].get<double>(), core3);
  EXPECT_DOUBLE_EQ(s["cores"][1]["energy_pj"].get<double>(), idleCore);
  const auto &e = s["energy_pj"];
  EXPECT_DOUBLE_EQ(e["cores"].get<double>(), core0 + core3 + 2 * idleCore);
  EXPECT_DOUBLE_EQ(e["network"].get<double>(), network);
  EXPECT_DOUBLE_EQ(e["total"].get<double>(), core0 + core3 + 2 * idleCore + network);
  EXPECT_DOUBLE_EQ(e["breakdown"]["alu"].get<double>(), 6);
  EXPECT_DOUBLE_EQ(e["breakdown"]["sram_read"].get<double>(), 32);
  EXPECT_DOUBLE_EQ(e["breakdown"]["sram_write"].get<double>(), 64);
  EXPECT_DOUBLE_EQ(e["breakdown"]["flit_hop"].get<double>(), 4 * 64);
  EXPECT_DOUBLE_EQ(e["breakdown"]["router_buffer_write"].get<double>(), 6 * 128);
  // Per link class.
  EXPECT_EQ(e["by_link_class"]["horizontal"]["flits"], 2);
  EXPECT_EQ(e["by_link_class"]["vertical"]["flits"], 2);
  EXPECT_DOUBLE_EQ(e["by_link_class"]["horizontal"]["energy_pj"].get<double>(), 2 * 64);
  EXPECT_DOUBLE_EQ(e["by_link_class"]["vertical"]["energy_pj"].get<double>(), 2 * 64);
  // Per router: hops charged where they leave, buffer writes where they land.
  EXPECT_DOUBLE_EQ(s["cores"][0]["router_energy_pj"].get<double>(), 2 * 64 + 2 * 128);
  EXPECT_DOUBLE_EQ(s["cores"][1]["router_energy_pj"].get<double>(), 2 * 64 + 2 * 128);
  EXPECT_DOUBLE_EQ(s["cores"][2]["router_energy_pj"].get<double>(), 0);
  EXPECT_DOUBLE_EQ(s["cores"][3]["router_energy_pj"].get<double>(), 2 * 128);
  EXPECT_DOUBLE_EQ(s["cores"][3]["tile_energy_pj"].get<double>(), core3 + 2 * 128);
  // No barrier: no per-timestep figure; power = pJ / us / 1000 at 1000 MHz.
  EXPECT_FALSE(e.contains("per_timestep"));
  EXPECT_NEAR(e["average_power_mw"].get<double>(), e["total"].get<double>() / cycles, 1e-6);
}

TEST(Energy, RoutersAndLinkClassesAddUpOnTheBusyMesh) {
  for (const char *name : {"exchange8x8"}) {
    Executable exe = assembleOrFail(readSource(std::string("examples/asm/") + name + ".s"),
                                    chip(8, 8), name);
    XPU_LOAD_OR_SKIP(dev, exe);
    ASSERT_EQ(dev->runCycles(5000).status, RunStatus::CyclesDone);
    const auto s = dev->stats();
    double routers = 0, tiles = 0;
    for (const auto &c : s["cores"]) {
      routers += c["router_energy_pj"].get<double>();
      tiles += c["tile_energy_pj"].get<double>();
    }
    const auto &e = s["energy_pj"];
    EXPECT_NEAR(routers, e["network"].get<double>(), 1e-3);
    EXPECT_NEAR(tiles, e["total"].get<double>(), 1e-3);
    EXPECT_NEAR(e["by_link_class"]["horizontal"]["energy_pj"].get<double>() +
                    e["by_link_class"]["vertical"]["energy_pj"].get<double>(),
                e["breakdown"]["flit_hop"].get<double>(), 1e-6);
  }
}

TEST(Energy, PerTimestepOfABarrierProgram) {
  Executable exe = assembleOrFail(readSource("examples/asm/spikes.s"), chip(2, 2), "spikes.s");
  XPU_LOAD_OR_SKIP(dev, exe);
  ASSERT_EQ(dev->runUntilHalt().status, RunStatus::Halted);
  const auto s = dev->stats();
  ASSERT_EQ(s["timesteps"], 10);
  EXPECT_NEAR(s["energy_pj"]["per_timestep"].get<double>(),
              s["energy_pj"]["total"].get<double>() / 10, 1e-5);
}

} // namespace
} // namespace xpu
