// The SystemC traffic driver (one sc_module per tile, idle tiles asleep)
// gives exactly the results of the plain C++ driver. SystemC elaborates once
// per process: ctest runs each test case in its own process; when the whole
// binary runs in one process only the first SystemC case runs.
#include "NocHarness.h"

#include "xpu/emu/Traffic.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace xpu::emu::test {
namespace {

bool gSystemCUsed = false;

void expectIdentical(const ChipDescriptor &chip, const TrafficConfig &cfg) {
  if (gSystemCUsed) GTEST_SKIP() << "SystemC already elaborated in this process";
  gSystemCUsed = true;
  const TrafficResult plain = runTraffic(chip, cfg);
  const TrafficResult sc = runTrafficSystemC(chip, cfg);
  EXPECT_TRUE(plain == sc) << "plain: " << toJson(plain).dump().substr(0, 600)
                           << "\nsystemc: " << toJson(sc).dump().substr(0, 600);
  EXPECT_EQ(plain.cycles, sc.cycles);
  EXPECT_EQ(plain.flitsInjected, sc.flitsInjected);
  EXPECT_EQ(plain.avgLatency, sc.avgLatency);
  EXPECT_GT(plain.packetsMeasured, 50u);
  EXPECT_THROW(runTrafficSystemC(chip, cfg), std::logic_error);
}

TEST(NocTrafficSystemC, MatchesPlainDriverLoaded) {
  TrafficConfig cfg;
  cfg.injectionRate = 0.35;
  cfg.packetFlits = 1;
  cfg.packetFlitsMax = 5;
  cfg.multicastFraction = 0.05;
  cfg.seed = 77;
  cfg.warmupCycles = 200;
  cfg.measureCycles = 1500;
  cfg.drainAll = true;
  expectIdentical(makeChip(5, 4, 2, 4, 2, 2), cfg);
}

TEST(NocTrafficSystemC, MatchesPlainDriverMostlyIdle) {
  // Low load: tiles sleep most of the time and are woken by the network or
  // by their next generation cycle.
  TrafficConfig cfg;
  cfg.pattern = TrafficPattern::Transpose;
  cfg.injectionRate = 0.01;
  cfg.packetFlits = 4;
  cfg.seed = 5;
  cfg.warmupCycles = 500;
  cfg.measureCycles = 5000;
  expectIdentical(makeChip(8, 8, 2, 4, 1, 3), cfg);
}

TEST(NocTrafficSystemC, MatchesPlainDriverSeveralTileBlocks) {
  // 72 tiles: the plain driver works on blocks of 64 tiles (a full one and
  // a partial one), with flits, credits and wake-ups crossing between them.
  TrafficConfig cfg;
  cfg.injectionRate = 0.15;
  cfg.packetFlits = 1;
  cfg.packetFlitsMax = 3;
  cfg.seed = 11;
  cfg.warmupCycles = 300;
  cfg.measureCycles = 1500;
  expectIdentical(makeChip(9, 8, 2, 4, 1, 2), cfg);
}

} // namespace
} // namespace xpu::emu::test
