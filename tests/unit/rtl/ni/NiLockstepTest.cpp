// Lockstep test of the Verilated xpu_ni against emu::NetworkInterface
// (NiLockstep.h): random traffic on both sides of the NI under every
// overflow policy, back-pressure that must lose nothing, the non-power-of-two
// parameter set, and two injected RTL bugs that must be caught at the cycle
// they first show on a port.
#include "NiConfigs.h"
#include "NiLockstep.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace xpu::rtl::ni {
namespace {

uint64_t envCycles(const char *name, uint64_t dflt) {
  const char *v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : dflt;
}

std::string outPath(const std::string &file) {
  const char *dir = std::getenv("XPU_RTL_OUT_DIR");
  return (dir && *dir ? std::string(dir) : std::string(".")) + "/" + file;
}

MulticastGroup group(uint32_t id, uint32_t source, std::vector<uint32_t> dests) {
  MulticastGroup g;
  g.id = id;
  g.source = source;
  g.destinations = std::move(dests);
  return g;
}

/// Groups on the 3x3 mesh: three sourced at the NI under test (core 4), one
/// of them including core 4 itself, and four sourced elsewhere, three of
/// which reach core 4.
std::vector<MulticastGroup> testGroups() {
  return {group(0, 4, {0, 2, 8}), group(1, 4, {4, 5}),    group(2, 4, {1, 4, 7}),
          group(3, 0, {4, 8}),    group(4, 8, {0, 3, 4}), group(5, 1, {4}),
          group(6, 7, {1, 2})};
}

template <class M> NiConfig baseConfig(uint64_t seed, std::vector<MailboxPolicy> policies) {
  NiConfig cfg;
  cfg.chip = niChipFor<M>();
  cfg.groups = testGroups();
  cfg.policies = std::move(policies);
  // XPU_RTL_NI_SEED shifts every seed (exploratory sweeps; the defaults are
  // what the checked-in expectations were measured with).
  cfg.seed = seed + envCycles("XPU_RTL_NI_SEED", 0) * 1000;
  return cfg;
}

template <class M> void failWithVcd(const NiConfig &cfg, const NiDivergence &d,
                                    const std::string &label) {
  const std::string vcd = outPath("rtl_ni_" + label + ".vcd");
  NiLockstep<M>::writeVcdWindow(cfg, vcd, d.cycle > 20 ? d.cycle - 20 : 0, d.cycle + 2);
  FAIL() << d.report << "VCD window: " << vcd;
}

/// Random traffic for `cycles`, then a drain; every port compared every
/// cycle. Checks coverage and message accounting: every message sent to a
/// valid mailbox of the NI is popped (in order per source and mailbox) or
/// counted as dropped.
template <class M> typename NiLockstep<M>::Counts runRandom(const NiConfig &cfg, uint64_t cycles,
                                                            const std::string &label) {
  NiLockstep<M> sim(cfg);
  const auto t0 = std::chrono::steady_clock::now();
  const bool ok = sim.run(cycles) && sim.drain(20000);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (sim.divergence()) {
    failWithVcd<M>(cfg, *sim.divergence(), label);
    return {};
  }
  EXPECT_TRUE(ok) << "not drained after 20000 cycles";
  const auto &c = sim.counts();
  const emu::NiStats &st = sim.modelNi().stats();
  const uint64_t dropped = st.dropped[1] + st.dropped[2] + st.dropped[3];
  std::cout << label << ": " << sim.cycle() << " cycles in " << secs << " s ("
            << uint64_t(double(sim.cycle()) / secs) << " cycles/s, model network + RTL NI)\n"
            << "  posts " << c.posts << " (spawn " << c.postedSpawns << ", mcast "
            << c.postedMcasts << ", empty " << c.postedEmpty << ", max " << c.postedMax
            << "), flits out " << c.flitsOut << ", inbound packets " << c.inboundPackets
            << ", flits in " << c.flitsIn << ", pops " << c.pops << ", spawns in " << c.spawnsIn
            << "\n  dropped newest/oldest/error " << st.dropped[1] << "/" << st.dropped[2] << "/"
            << st.dropped[3] << ", faults " << c.faults << ", blocked VC-cycles "
            << c.blockedCycles << ", ledger sent " << c.ledgerSent << " popped "
            << c.ledgerPopped << "\n  outbound ready cycles " << c.outboundReadyCycles
            << " of which credit-stalled " << c.creditStallCycles << ", payload beats compared "
            << c.beatsCompared << ", pops in a drop_oldest cycle " << c.popDropSameMailbox << "\n";
  EXPECT_EQ(c.ledgerSent, c.ledgerPopped + dropped) << "messages lost or duplicated";
  EXPECT_EQ(sim.unaccounted(), dropped - c.ledgerLost);
  if (envCycles("XPU_RTL_NI_SEED", 0) == 0) {
    // Coverage of the default seeds (a sweep may legitimately miss some: the
    // block run's outbound is mostly stuck behind back-pressure).
    EXPECT_GT(c.postedSpawns, 0u);
    EXPECT_GT(c.postedMcasts, 0u);
    EXPECT_GT(c.postedEmpty, 0u);
    EXPECT_GT(c.postedMax, 0u);
    EXPECT_GT(c.spawnsIn, 0u);
    EXPECT_GT(c.creditStallCycles, 0u);
    EXPECT_GT(c.beatsCompared, 0u);
  }
  auto out = c;
  out.dropped = {st.dropped[1], st.dropped[2], st.dropped[3]};
  return out;
}

constexpr MailboxPolicy kBlock = MailboxPolicy::Block, kNewest = MailboxPolicy::DropNewest,
                        kOldest = MailboxPolicy::DropOldest, kError = MailboxPolicy::Error;

// All four policies at once (one per mailbox), mailboxes filling and
// draining in phases.
TEST(RtlNiLockstep, RandomAllPolicies) {
  const NiConfig cfg = baseConfig<Vxpu_ni>(11, {kBlock, kNewest, kOldest, kError});
  const auto c = runRandom<Vxpu_ni>(cfg, envCycles("XPU_RTL_NI_CYCLES", 150000), "all_policies");
  EXPECT_GT(c.faults, 0u);
  EXPECT_GT(c.blockedCycles, 0u);
  EXPECT_GT(c.popDropSameMailbox, 0u);
}

// Each policy alone on every mailbox, under load (pops mostly rare).
template <class M> void runOnePolicy(MailboxPolicy p, uint64_t seed, const std::string &label) {
  NiConfig cfg = baseConfig<M>(seed, std::vector<MailboxPolicy>(NiParams<M>::mailboxes, p));
  cfg.traffic.inboundRate = 0.08;
  cfg.traffic.popRateLow = 0.01;
  cfg.traffic.popRateHigh = 0.3;
  const auto c = runRandom<M>(cfg, envCycles("XPU_RTL_NI_POLICY_CYCLES", 20000), label);
  if (::testing::Test::HasFailure()) return;
  // The policy acted: drops of its kind (index = MailboxPolicy), faults.
  if (p != kBlock) {
    EXPECT_GT(c.dropped[size_t(p) - 1], 100u);
  }
  if (p == kError) {
    EXPECT_EQ(c.faults, c.dropped[2]);
  }
}
// Counters of the policy runs are checked through the model's stats inside
// runRandom; here also that the policy actually acted.
TEST(RtlNiLockstep, PolicyDropNewestUnderLoad) { runOnePolicy<Vxpu_ni>(kNewest, 21, "drop_newest"); }
TEST(RtlNiLockstep, PolicyDropOldestUnderLoad) { runOnePolicy<Vxpu_ni>(kOldest, 22, "drop_oldest"); }
TEST(RtlNiLockstep, PolicyErrorUnderLoad) { runOnePolicy<Vxpu_ni>(kError, 23, "error"); }

// Block everywhere under heavy inbound load and rare pops: ejection buffers
// fill, credits stop, the senders back up, and nothing is lost.
TEST(RtlNiLockstep, BlockBackPressureLosesNothing) {
  NiConfig cfg = baseConfig<Vxpu_ni>(31, std::vector<MailboxPolicy>(4, kBlock));
  cfg.traffic.inboundRate = 0.2;
  cfg.traffic.popRateLow = 0.005;
  cfg.traffic.popRateHigh = 0.2;
  const auto c = runRandom<Vxpu_ni>(cfg, envCycles("XPU_RTL_NI_POLICY_CYCLES", 30000), "block");
  EXPECT_EQ(c.ledgerSent, c.ledgerPopped);
  EXPECT_GT(c.blockedCycles, 5000u);
}

// The non-power-of-two parameter set, all policies.
TEST(RtlNiLockstep, RandomV3D5AllPolicies) {
  const NiConfig cfg =
      baseConfig<Vxpu_ni_v3d5>(41, {kBlock, kNewest, kOldest, kError, kBlock});
  const auto c =
      runRandom<Vxpu_ni_v3d5>(cfg, envCycles("XPU_RTL_NI_CYCLES", 100000), "v3d5_all_policies");
  EXPECT_GT(c.faults, 0u);
}

// The small end: one VC, one-slot mailboxes (drop_oldest replaces the only
// message), 2-flit buffers (multicast carries at most one body flit).
TEST(RtlNiLockstep, RandomV1D2OneSlotMailboxes) {
  NiConfig a = baseConfig<Vxpu_ni_v1d2>(91, {kOldest, kBlock});
  a.traffic.inboundRate = 0.03;
  runRandom<Vxpu_ni_v1d2>(a, envCycles("XPU_RTL_NI_POLICY_CYCLES", 30000), "v1d2_oldest_block");
  NiConfig b = baseConfig<Vxpu_ni_v1d2>(92, {kNewest, kError});
  b.traffic.inboundRate = 0.03;
  const auto c =
      runRandom<Vxpu_ni_v1d2>(b, envCycles("XPU_RTL_NI_POLICY_CYCLES", 30000), "v1d2_newest_error");
  EXPECT_GT(c.faults, 0u);
}

// The outbound side under stress: the core posts whenever it can, the
// remote sinks stall often and long (credits come back late), few inbound
// packets.
TEST(RtlNiLockstep, OutboundCreditStress) {
  NiConfig cfg = baseConfig<Vxpu_ni>(71, {kBlock, kNewest, kOldest, kError});
  cfg.traffic.postRate = 1.0;
  cfg.traffic.spawnFraction = 0.1;
  cfg.traffic.mcastFraction = 0.3;
  cfg.traffic.inboundRate = 0.01;
  cfg.traffic.popRateLow = cfg.traffic.popRateHigh = 0.1;
  cfg.traffic.sinkStallRate = 0.1;
  cfg.traffic.maxStall = 60;
  const auto c = runRandom<Vxpu_ni>(cfg, envCycles("XPU_RTL_NI_POLICY_CYCLES", 30000), "outbound");
  EXPECT_GT(c.creditStallCycles, 1000u);
  EXPECT_GT(c.flitsOut, 5000u);
}

// The RTL alone, replaying the inputs of a lockstep run: its speed, and the
// same flit counts on both link directions as in the lockstep run.
TEST(RtlNiAlone, ReplaySpeed) {
  const NiConfig cfg = baseConfig<Vxpu_ni>(81, {kBlock, kNewest, kOldest, kError});
  NiLockstep<Vxpu_ni> sim(cfg);
  sim.recordInputs(true);
  ASSERT_TRUE(sim.run(envCycles("XPU_RTL_NI_ALONE_CYCLES", 100000))) << sim.divergence()->report;
  const auto &inputs = sim.recordedInputs();
  VerilatedContext ctx;
  ctx.randReset(0);
  Vxpu_ni m(&ctx, "ni");
  resetAndLoad(m, cfg.dut, cfg.policies);
  uint64_t injected = 0, consumed = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (const NiInputs &in : inputs) {
    m.clk_i = 0;
    applyInputs(m, in);
    m.eval();
    injected += linkGet(m.inj_o).valid;
    consumed += (m.ej_credit_o & 8u) != 0;
    m.clk_i = 1;
    m.eval();
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  m.final();
  std::cout << "RTL NI alone: " << inputs.size() << " cycles in " << secs << " s ("
            << uint64_t(double(inputs.size()) / secs) << " cycles/s)\n";
  EXPECT_EQ(injected, sim.counts().flitsOut);
  EXPECT_EQ(consumed, sim.counts().flitsIn);
}

// BugVisible: a message is counted in the cycle its tail is consumed. The
// lockstep must stop at exactly that cycle, on mb_count_o.
TEST(RtlNiLockstep, InjectedVisibleOneCycleEarlyCaughtAtRightCycle) {
  const NiConfig cfg = baseConfig<Vxpu_ni_bug_visible>(51, {kBlock, kNewest, kOldest, kError});
  NiLockstep<Vxpu_ni_bug_visible> sim(cfg);
  ASSERT_FALSE(sim.run(20000)) << "the bug was not caught";
  const NiDivergence &d = *sim.divergence();
  std::cout << d.report;
  ASSERT_GE(sim.firstDelivery(), 0);
  EXPECT_EQ(d.cycle, uint64_t(sim.firstDelivery())) << "caught at the wrong cycle";
  EXPECT_EQ(d.port.rfind("mb_count_o", 0), 0u) << d.port;
  const std::string vcd = outPath("rtl_ni_bug_visible.vcd");
  std::remove(vcd.c_str());
  NiLockstep<Vxpu_ni_bug_visible>::writeVcdWindow(cfg, vcd, d.cycle > 20 ? d.cycle - 20 : 0,
                                                  d.cycle + 2);
  std::ifstream in(vcd);
  ASSERT_TRUE(in.good()) << vcd;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("mb_count_o"), std::string::npos);
  std::cout << "VCD window: " << vcd << " (" << text.size() << " bytes)\n";
}

// BugDropOldest: drop_oldest discards the newest stored message. Caught in
// the first cycle a drop_oldest changes the front message the core sees.
TEST(RtlNiLockstep, InjectedDropOldestBugCaughtAtRightCycle) {
  NiConfig cfg = baseConfig<Vxpu_ni_bug_drop_oldest>(61, std::vector<MailboxPolicy>(4, kOldest));
  cfg.traffic.inboundRate = 0.1;
  cfg.traffic.popRateLow = 0.0;
  NiLockstep<Vxpu_ni_bug_drop_oldest> sim(cfg);
  ASSERT_FALSE(sim.run(20000)) << "the bug was not caught";
  const NiDivergence &d = *sim.divergence();
  std::cout << d.report;
  ASSERT_GE(sim.firstFrontChangingDropOldest(), 0);
  EXPECT_EQ(d.cycle, uint64_t(sim.firstFrontChangingDropOldest())) << "caught at the wrong cycle";
  EXPECT_EQ(d.port.rfind("mb_front_", 0), 0u) << d.port;
  // The same run on the correct RTL passes that cycle.
  NiLockstep<Vxpu_ni> good(baseConfig<Vxpu_ni>(61, std::vector<MailboxPolicy>(4, kOldest)));
  good.traffic() = cfg.traffic;
  EXPECT_TRUE(good.run(d.cycle + 100)) << good.divergence()->report;
}

} // namespace
} // namespace xpu::rtl::ni
