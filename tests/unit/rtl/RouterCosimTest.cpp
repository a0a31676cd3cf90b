// Lockstep co-simulation of the Verilated xpu_router (3x3 meshes) against the
// C++ network model: zero-load latency (arch.md 5.1), random traffic with
// multicast and back-pressure, and an injected RTL bug that must be caught
// at the right cycle.
#include "RouterCosim.h"
#include "RtlConfigs.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace xpu::rtl {
namespace {

uint64_t envCycles(const char *name, uint64_t dflt) {
  const char *v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : dflt;
}

std::string outPath(const std::string &file) {
  const char *dir = std::getenv("XPU_RTL_OUT_DIR");
  return (dir && *dir ? std::string(dir) : std::string(".")) + "/" + file;
}

/// `count` multicast groups with random sources and 1..6 destinations.
std::vector<MulticastGroup> randomGroups(uint32_t cores, uint32_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<MulticastGroup> gs;
  for (uint32_t g = 0; g < count; ++g) {
    MulticastGroup mg;
    mg.id = g;
    mg.source = uint32_t(rng() % cores);
    mg.destinations = distinctCores(rng, cores, 1 + uint32_t(rng() % std::min(6u, cores)));
    gs.push_back(mg);
  }
  return gs;
}

// --------------------------------------------------------------------------
// Zero-load latency: t0 + H * (R + L) + R + n for the tail consumed at the
// destination NI (t0: head arrives in the source router's Local buffer).
template <class M> void checkZeroLoad(uint32_t linkLatency) {
  CosimConfig cfg;
  cfg.chip = chipFor<M>(3, linkLatency);
  RouterCosim<M> sim(cfg);
  sim.recordConsumed(true);
  const uint32_t R = cfg.chip.routerLatency, L = linkLatency, W = cfg.chip.width;
  const uint32_t V = cfg.chip.virtualChannels;
  struct Case { uint32_t src, dst, flits; };
  const Case cases[] = {{0, 8, 1}, {0, 8, 4}, {8, 0, 6}, {4, 4, 3}, {2, 6, 2}, {3, 5, 5}, {7, 1, 1}};
  uint32_t i = 0;
  for (const Case &c : cases) {
    const uint8_t vc = uint8_t(i++ % V);
    const size_t before = sim.consumed().size();
    const uint64_t injectCycle = sim.cycle();
    sim.send(c.src, c.dst, vc, (c.flits - 1) * cfg.chip.flitBytes);
    sim.drain(1000);
    ASSERT_FALSE(sim.divergence()) << sim.divergence()->report;
    ASSERT_EQ(sim.consumed().size(), before + c.flits);
    const Consumed &tail = sim.consumed().back();
    ASSERT_TRUE(tail.flit.tail);
    EXPECT_EQ(tail.core, c.dst);
    const int dx = int(c.dst % W) - int(c.src % W), dy = int(c.dst / W) - int(c.src / W);
    const uint64_t H = uint64_t(std::abs(dx) + std::abs(dy));
    const uint64_t t0 = injectCycle + 1;
    // The formula assumes no credit stall: the packet fits in one buffer, or
    // the buffer covers the credit round trip (2L + R on a link, R + 2 at
    // the NI). Otherwise RTL and model must still agree (checked above).
    const uint32_t D = cfg.chip.bufferDepth;
    if (c.flits <= D || (D >= 2 * L + R && D >= R + 2))
      EXPECT_EQ(tail.cycle, t0 + H * (R + L) + R + c.flits)
          << "src " << c.src << " dst " << c.dst << " flits " << c.flits;
    else
      EXPECT_GT(tail.cycle, t0 + H * (R + L) + R + c.flits);
    sim.run(5);  // idle gap
  }
  EXPECT_NO_THROW(sim.model().checkAllDelivered());
}

TEST(RtlRouterCosim, ZeroLoadLatencyR1L1) { checkZeroLoad<Vxpu_router>(1); }
TEST(RtlRouterCosim, ZeroLoadLatencyR1L3) { checkZeroLoad<Vxpu_router>(3); }
TEST(RtlRouterCosim, ZeroLoadLatencyR2L2) { checkZeroLoad<Vxpu_router_v3d5r2>(2); }

// --------------------------------------------------------------------------
// Random traffic: all VCs, unicast + multicast, NIs that withhold credits,
// a hot spot. Runs `cycles` cycles, then drains and checks that every
// packet reached every destination.
template <class M>
void randomTraffic(const char *label, uint32_t height, uint32_t linkLatency, TrafficConfig tc,
                   uint64_t seed, uint64_t cycles) {
  CosimConfig cfg;
  cfg.chip = chipFor<M>(height, linkLatency);
  cfg.groups = randomGroups(cfg.chip.numCores(), 12, seed * 7 + 1);
  cfg.traffic = tc;
  cfg.seed = seed;
  RouterCosim<M> sim(cfg);
  const auto t0 = std::chrono::steady_clock::now();
  sim.run(cycles);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!sim.divergence()) sim.drain(100000);
  if (sim.divergence()) {
    const Divergence &d = *sim.divergence();
    const std::string vcd = outPath(std::string("rtl_cosim_") + label + ".vcd");
    RouterCosim<M>::writeVcdWindow(cfg, vcd, d.cycle > 20 ? d.cycle - 20 : 0, d.detectedCycle + 2);
    FAIL() << d.report << "VCD window: " << vcd;
  }
  EXPECT_TRUE(sim.drained());
  EXPECT_NO_THROW(sim.model().checkAllDelivered());
  const uint32_t routers = cfg.chip.numCores();
  std::printf("[cosim %s] %llu cycles x %u routers in %.2f s: %.0f cycles/s, %.0f router-cycles/s; "
              "%llu packets (%llu multicast), %llu flits ejected, %llu flit-hops\n",
              label, (unsigned long long)cycles, routers, secs, cycles / secs,
              cycles * double(routers) / secs, (unsigned long long)sim.packetsInjected(),
              (unsigned long long)sim.mcastPacketsInjected(),
              (unsigned long long)sim.flitsEjected(), (unsigned long long)sim.flitHops());
  EXPECT_GT(sim.mcastPacketsInjected(), 0u);
}

TrafficConfig uniformTraffic() {
  TrafficConfig tc;
  tc.packetRate = 0.06;
  tc.mcastFraction = 0.15;
  tc.maxBodyFlits = 5;
  tc.stallRate = 0.01;
  tc.maxStall = 40;
  return tc;
}

TrafficConfig hotspotTraffic() {
  TrafficConfig tc = uniformTraffic();
  tc.packetRate = 0.2;
  tc.hotspotFraction = 0.3;
  tc.hotspot = 4;  // the centre router: all five ports busy
  tc.stallRate = 0.03;
  return tc;
}

TEST(RtlRouterCosim, RandomUniform3x3) {
  randomTraffic<Vxpu_router>("uniform3x3", 3, 1, uniformTraffic(), 11,
                             envCycles("XPU_RTL_COSIM_CYCLES", 1000000));
}

TEST(RtlRouterCosim, RandomHotspotBackpressure3x3) {
  randomTraffic<Vxpu_router>("hotspot3x3", 3, 1, hotspotTraffic(), 23,
                             envCycles("XPU_RTL_COSIM_CYCLES", 1000000));
}

TEST(RtlRouterCosim, RandomV3D5R2L2Mesh3x3) {
  randomTraffic<Vxpu_router_v3d5r2>("v3d5r2", 3, 2, hotspotTraffic(), 37,
                                    envCycles("XPU_RTL_COSIM_CYCLES", 600000));
}

// --------------------------------------------------------------------------
// Injected bug: with BugRr the output ports' round-robin pointers never move.
// Cores 3 and 5 stream one-flit packets on VC 0 to core 4 (centre). Both
// heads reach router 4 at cycle 3 and are eligible at 4 (R = L = 1): at
// cycle 4 the Local output grants East (core 5; the pointer starts at South
// so East comes before West); at cycle 5 a correct router grants West
// (core 3), the buggy one East again. The first divergence is therefore
// router 4, Local output, cycle 5.
template <class M> void hotPairScenario(RouterCosim<M> &sim) {
  for (int i = 0; i < 40; ++i) {
    sim.send(3, 4, 0, 0);
    sim.send(5, 4, 0, 0);
  }
}

TEST(RtlRouterCosim, HotPairScenarioPassesOnCorrectRtl) {
  CosimConfig cfg;
  cfg.chip = chipFor<Vxpu_router>(3, 1);
  RouterCosim<Vxpu_router> sim(cfg);
  hotPairScenario(sim);
  sim.drain(2000);
  ASSERT_FALSE(sim.divergence()) << sim.divergence()->report;
  EXPECT_TRUE(sim.drained());
}

TEST(RtlRouterCosim, InjectedRoundRobinBugCaughtAtRightCycle) {
  CosimConfig cfg;
  cfg.chip = chipFor<Vxpu_router_bug_rr>(3, 1);
  cfg.history = 8;
  RouterCosim<Vxpu_router_bug_rr> sim(cfg);
  hotPairScenario(sim);
  sim.drain(2000);
  ASSERT_TRUE(sim.divergence()) << "the co-simulation missed the injected bug";
  const Divergence &d = *sim.divergence();
  std::cout << d.report;
  EXPECT_EQ(d.cycle, 5u);
  EXPECT_EQ(d.detectedCycle, 5u);  // the Local output is compared when it sends, not at the NI
  EXPECT_EQ(d.router, 4);
  EXPECT_EQ(d.port, 0);  // Local
  EXPECT_NE(d.expected.find("src 3"), std::string::npos) << d.expected;
  EXPECT_NE(d.actual.find("src 5"), std::string::npos) << d.actual;
  EXPECT_NE(d.report.find("cycle 4"), std::string::npos);  // history of both sides

  const std::string vcd = outPath("rtl_cosim_bug_rr.vcd");
  std::remove(vcd.c_str());
  RouterCosim<Vxpu_router_bug_rr>::writeVcdWindow(
      cfg, vcd, 0, d.detectedCycle + 2, [](RouterCosim<Vxpu_router_bug_rr> &s) { hotPairScenario(s); });
  std::ifstream in(vcd);
  ASSERT_TRUE(in.good()) << vcd;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("u_arb"), std::string::npos);  // router internals are traced
  EXPECT_NE(text.find("#11"), std::string::npos);    // cycle 5, rising edge
  std::cout << "VCD window: " << vcd << " (" << text.size() << " bytes)\n";
}

TEST(RtlRouterCosim, InjectedRoundRobinBugCaughtByRandomTraffic) {
  CosimConfig cfg;
  cfg.chip = chipFor<Vxpu_router_bug_rr>(3, 1);
  cfg.groups = randomGroups(9, 12, 5);
  cfg.traffic = hotspotTraffic();
  cfg.seed = 5;
  RouterCosim<Vxpu_router_bug_rr> sim(cfg);
  sim.run(100000);
  ASSERT_TRUE(sim.divergence());
  const Divergence &d = *sim.divergence();
  // The older check (interior ports by valid only, contents at the NI).
  cfg.compareLinkContents = false;
  RouterCosim<Vxpu_router_bug_rr> legacy(cfg);
  legacy.run(100000);
  ASSERT_TRUE(legacy.divergence());
  const Divergence &l = *legacy.divergence();
  std::cout << "random traffic caught BugRr at cycle " << d.cycle << " (detected " << d.detectedCycle
            << "), router " << d.router << " port " << portName(unsigned(d.port)) << ": " << d.what
            << "\n  older valid-only check: cycle " << l.cycle << " (detected " << l.detectedCycle
            << "), router " << l.router << " port " << portName(unsigned(l.port)) << ": " << l.what
            << "\n";
  EXPECT_LE(d.detectedCycle, l.detectedCycle);
}

// --------------------------------------------------------------------------
// Interior-link contents: a payload bit flipped on one router-to-router link
// (test-only LinkCorruption, applied to the RTL side as if on the wire).
// One 3-flit packet 0 -> 8 (R = L = 1) goes East, East, South, South, Local:
// router 0 East sends the head at cycle 2 (injected at 0, in the buffer at
// 1, eligible at 1 + R), each hop adds R + L = 2, each flit one more cycle.
// Flit 1 (body) leaves router 1 East at cycle 5 and router 2 South at 7.
namespace corrupt {
constexpr uint32_t kEast = 1, kSouth = 4;
CosimConfig config(bool full) {
  CosimConfig cfg;
  cfg.chip = chipFor<Vxpu_router>(3, 1);
  cfg.compareLinkContents = full;
  return cfg;
}
LinkCorruption flip(uint32_t router, uint32_t port) {
  LinkCorruption c;
  c.router = router;
  c.port = port;
  c.nth = 1;               // the body flit
  c.dataXor = 1ull << 17;  // one payload bit
  return c;
}
} // namespace corrupt

TEST(RtlRouterCosim, InteriorLinkCorruptionCaughtAtTheLink) {
  using namespace corrupt;
  // Full comparison: caught at the corrupted link, at the cycle it was sent.
  {
    RouterCosim<Vxpu_router> sim(config(true));
    sim.addLinkCorruption(flip(1, kEast));
    sim.send(0, 8, 0, 2 * 8);
    sim.drain(200);
    ASSERT_TRUE(sim.divergence()) << "the payload flip on an interior link was missed";
    const Divergence &d = *sim.divergence();
    std::cout << d.report;
    ASSERT_EQ(sim.linkCorruptions()[0].appliedCycle, 5);
    EXPECT_EQ(d.cycle, 5u);
    EXPECT_EQ(d.detectedCycle, 5u);
    EXPECT_EQ(d.router, 1);
    EXPECT_EQ(d.port, int(kEast));
    EXPECT_NE(d.what.find("East output"), std::string::npos) << d.what;
    EXPECT_NE(d.expected, d.actual);
  }
  // The older check (valid bits of interior ports) sees it only where the
  // flit leaves the mesh: router 8's Local port, 6 cycles later.
  {
    RouterCosim<Vxpu_router> sim(config(false));
    sim.addLinkCorruption(flip(1, kEast));
    sim.send(0, 8, 0, 2 * 8);
    sim.drain(200);
    ASSERT_TRUE(sim.divergence());
    EXPECT_EQ(sim.divergence()->router, 8);
    EXPECT_EQ(sim.divergence()->port, 0);
    EXPECT_EQ(sim.divergence()->cycle, 11u);
  }
}

TEST(RtlRouterCosim, CancellingLinkCorruptionsOnlyCaughtByFullComparison) {
  using namespace corrupt;
  // The same bit flipped on two consecutive links (a fault the next hop
  // undoes): the flit that leaves the mesh is intact, so the older check
  // passes; the full comparison reports the first link.
  for (bool full : {false, true}) {
    RouterCosim<Vxpu_router> sim(config(full));
    sim.addLinkCorruption(flip(1, kEast));
    sim.addLinkCorruption(flip(2, kSouth));
    sim.send(0, 8, 0, 2 * 8);
    sim.drain(200);
    if (!full) {
      ASSERT_FALSE(sim.divergence()) << sim.divergence()->report;
      EXPECT_TRUE(sim.drained());
      EXPECT_EQ(sim.linkCorruptions()[0].appliedCycle, 5);
      EXPECT_EQ(sim.linkCorruptions()[1].appliedCycle, 7);
    } else {
      ASSERT_TRUE(sim.divergence());
      EXPECT_EQ(sim.divergence()->cycle, 5u);
      EXPECT_EQ(sim.divergence()->router, 1);
      EXPECT_EQ(sim.divergence()->port, int(kEast));
    }
  }
}

TEST(RtlRouterCosim, InteriorCreditCorruptionCaughtAtTheLink) {
  using namespace corrupt;
  // Router 1 frees the head's West input slot at cycle 4 (the head leaves
  // East) and returns a VC 0 credit to router 0; the corruption turns it
  // into a VC 1 credit on the wire.
  for (bool full : {true, false}) {
    RouterCosim<Vxpu_router> sim(config(full));
    LinkCorruption c;
    c.router = 1;
    c.port = 2;  // West input
    c.credit = true;
    c.vcXor = 1;
    sim.addLinkCorruption(c);
    sim.send(0, 8, 0, 2 * 8);
    sim.drain(200);
    ASSERT_EQ(sim.linkCorruptions()[0].appliedCycle, 4);
    if (full) {
      ASSERT_TRUE(sim.divergence()) << "the credit VC flip was missed";
      const Divergence &d = *sim.divergence();
      std::cout << d.report;
      EXPECT_EQ(d.cycle, 4u);
      EXPECT_EQ(d.router, 1);
      EXPECT_EQ(d.port, 2);
      EXPECT_NE(d.what.find("credit returned by the West input port"), std::string::npos) << d.what;
      EXPECT_EQ(d.expected, "credit vc0");
      EXPECT_EQ(d.actual, "credit vc1");
    } else if (sim.divergence()) {
      // The older check sees it only as a side effect (if at all).
      std::cout << "older check: cycle " << sim.divergence()->detectedCycle << ": "
                << sim.divergence()->what << "\n";
      EXPECT_GT(sim.divergence()->detectedCycle, 4u);
    } else {
      std::cout << "older check: not caught\n";
    }
  }
}

} // namespace
} // namespace xpu::rtl
