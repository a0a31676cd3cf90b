// Synthetic traffic: no loss and no deadlock at saturation for every
// pattern and VC count, determinism, saturation against the analytic bound,
// fairness, configuration parsing.
#include "NocHarness.h"

#include "xpu/emu/Traffic.h"

#include <gtest/gtest.h>

#include <iostream>
#include <nlohmann/json.hpp>

namespace xpu::emu::test {
namespace {

struct StressCase {
  TrafficPattern pattern;
  uint32_t vcs;
};

class NocTrafficStress : public testing::TestWithParam<StressCase> {};

// Offered load far beyond saturation on an 8x8 mesh, packets of 1..6 flits
// (longer than the 4-flit buffers, so worms span routers), 10% multicast to
// 5 destinations, router/link latencies varied with the VC count:
// everything is delivered (the checker verifies each flit) and the network
// drains.
TEST_P(NocTrafficStress, SaturatedRandomTrafficDrainsWithoutLoss) {
  const StressCase p = GetParam();
  const uint32_t R = p.vcs == 2 ? 2 : 1, L = p.vcs == 4 ? 2 : 1;
  const ChipDescriptor chip = makeChip(8, 8, p.vcs, 4, R, L);
  TrafficConfig cfg;
  cfg.pattern = p.pattern;
  cfg.injectionRate = 0.8;
  cfg.packetFlits = 1;
  cfg.packetFlitsMax = 6;
  cfg.multicastFraction = 0.1;
  cfg.multicastDestinations = 5;
  cfg.hotspotNodes = {9, 36, 54};
  cfg.hotspotFraction = 0.3;
  cfg.seed = 42 + p.vcs;
  cfg.warmupCycles = 0;
  cfg.measureCycles = 1500;
  cfg.drainAll = true;
  cfg.drainLimit = 200000;
  const TrafficResult r = runTraffic(chip, cfg);
  EXPECT_TRUE(r.drained);
  EXPECT_FALSE(r.saturated) << "not drained: deadlock or livelock";
  EXPECT_GT(r.offeredRate, 0.7);
  EXPECT_GT(r.flitsInjected, 0.7 * 64 * 1500);
  EXPECT_GT(r.flitsEjected, r.flitsInjected);  // multicast copies add flits
  EXPECT_GT(r.packetsMeasured, 10000u);
}

std::vector<StressCase> stressCases() {
  std::vector<StressCase> v;
  for (TrafficPattern p : {TrafficPattern::Uniform, TrafficPattern::Transpose,
                           TrafficPattern::BitComplement, TrafficPattern::BitReverse,
                           TrafficPattern::Hotspot, TrafficPattern::Neighbor})
    for (uint32_t vcs : {1u, 2u, 4u}) v.push_back({p, vcs});
  return v;
}

INSTANTIATE_TEST_SUITE_P(AllPatterns, NocTrafficStress, testing::ValuesIn(stressCases()),
                         [](const testing::TestParamInfo<StressCase> &i) {
                           return std::string(patternName(i.param.pattern)) + "_vc" +
                                  std::to_string(i.param.vcs);
                         });

TrafficConfig smallConfig(uint64_t seed) {
  TrafficConfig cfg;
  cfg.injectionRate = 0.3;
  cfg.packetFlits = 2;
  cfg.packetFlitsMax = 5;
  cfg.multicastFraction = 0.05;
  cfg.seed = seed;
  cfg.warmupCycles = 300;
  cfg.measureCycles = 1500;
  return cfg;
}

TEST(NocTraffic, SameSeedSameResultsDifferentSeedDifferentResults) {
  const ChipDescriptor chip = makeChip(4, 4, 2, 4);
  const TrafficResult a = runTraffic(chip, smallConfig(1));
  const TrafficResult b = runTraffic(chip, smallConfig(1));
  const TrafficResult c = runTraffic(chip, smallConfig(2));
  EXPECT_TRUE(a == b);
  EXPECT_EQ(toJson(a).dump(), toJson(b).dump());
  EXPECT_FALSE(a == c);
  EXPECT_NE(a.flitsInjected, c.flitsInjected);
  EXPECT_NE(a.avgLatency, c.avgLatency);
}

// Uniform random traffic on an 8x8 mesh with one VC, offered beyond
// saturation: accepted throughput sits below the bisection bound 4/k = 0.5
// and above 60% of it.
TEST(NocTraffic, UniformSaturationBelowBisectionBound8x8) {
  const ChipDescriptor chip = makeChip(8, 8, 1, 8);
  TrafficConfig cfg;
  cfg.injectionRate = 0.9;
  cfg.packetFlits = 4;
  cfg.seed = 9;
  cfg.warmupCycles = 1500;
  cfg.measureCycles = 3000;
  cfg.drainLimit = 0;  // only the accepted rate matters
  const TrafficResult r = runTraffic(chip, cfg);
  const double bound = uniformBisectionBound(chip);
  RecordProperty("accepted", std::to_string(r.acceptedRate));
  std::cout << "accepted " << r.acceptedRate << " offered " << r.offeredRate << " max link "
            << r.maxLinkUtilisation << "\n";
  EXPECT_DOUBLE_EQ(bound, 0.5);
  EXPECT_TRUE(r.saturated);
  EXPECT_LT(r.acceptedRate, bound);
  EXPECT_GT(r.acceptedRate, 0.6 * bound);
  // The busiest bisection links are near full while the offered load is
  // far above what is accepted.
  EXPECT_GT(r.maxLinkUtilisation, 0.7);
  EXPECT_GT(r.offeredRate, r.acceptedRate + 0.2);
}

// Below saturation accepted == offered (within noise) and every
// measurement packet is delivered; latency at very low load approaches the
// zero-load value 1 + H(R+L) + R + n averaged over the pattern.
TEST(NocTraffic, LowLoadLatencyApproachesZeroLoad) {
  const ChipDescriptor chip = makeChip(4, 4, 2, 4, 1, 1);
  TrafficConfig cfg;
  cfg.pattern = TrafficPattern::BitComplement;  // corner to opposite corner: H = 6
  cfg.sources = {0, 3, 12, 15};
  cfg.injectionRate = 0.01;
  cfg.packetFlits = 3;
  cfg.warmupCycles = 100;
  cfg.measureCycles = 20000;
  const TrafficResult r = runTraffic(chip, cfg);
  EXPECT_FALSE(r.saturated);
  EXPECT_DOUBLE_EQ(r.avgHops, 6.0);
  const double zeroLoad = 1 + 6 * 2 + 1 + 3;
  EXPECT_EQ(r.p50Latency, uint64_t(zeroLoad));
  EXPECT_GE(r.avgLatency, zeroLoad);
  EXPECT_LT(r.avgLatency, zeroLoad + 0.5);
  EXPECT_GT(r.packetsMeasured, 200u);
  EXPECT_NEAR(r.acceptedRate, r.offeredRate, 0.05 * r.offeredRate);
}

// Two sources into one hotspot through the traffic driver: the two links
// into the hotspot carry the same number of flits within one flit.
TEST(NocTraffic, HotspotFairnessBetweenTwoSources) {
  const ChipDescriptor chip = makeChip(3, 1, 2, 4);
  TrafficConfig cfg;
  cfg.pattern = TrafficPattern::Hotspot;
  cfg.hotspotNodes = {1};
  cfg.hotspotFraction = 1.0;
  cfg.sources = {0, 2};
  cfg.injectionRate = 1.0;
  cfg.packetFlits = 1;
  cfg.warmupCycles = 200;
  cfg.measureCycles = 2000;
  cfg.drainLimit = 0;
  const TrafficResult r = runTraffic(chip, cfg);
  const double east = r.linkUtilisation[0][uint8_t(Port::East)] * cfg.measureCycles;
  const double west = r.linkUtilisation[2][uint8_t(Port::West)] * cfg.measureCycles;
  // The Local output alternates between the two inputs, so the links carry
  // the same flits up to what the window's edges cut differently: each
  // input buffer of router 1 holds up to V x D flits at either edge.
  EXPECT_NEAR(east, west, double(chip.virtualChannels * chip.bufferDepth));
  EXPECT_GT(east, 0.45 * cfg.measureCycles);
  EXPECT_NEAR(r.linkUtilisation[1][uint8_t(Port::Local)], 1.0, 1e-9);  // sink busy every cycle
  EXPECT_NEAR(r.acceptedRate, 1.0 / 3.0, 1e-9);
}

TEST(NocTraffic, ConfigParsingAndValidation) {
  auto ok = parseTrafficConfig(nlohmann::json::parse(
                                   R"({"pattern":"transpose","rate":0.25,"packet_flits":3,"seed":7,
                                       "warmup":10,"measure":20,"drain_all":true})"),
                               "t.json");
  ASSERT_TRUE(bool(ok)) << ok.error().message;
  EXPECT_EQ(ok->pattern, TrafficPattern::Transpose);
  EXPECT_EQ(ok->packetFlits, 3u);
  EXPECT_EQ(ok->seed, 7u);
  EXPECT_TRUE(ok->drainAll);
  auto bad = parseTrafficConfig(nlohmann::json::parse(R"({"patern":"uniform"})"), "t.json");
  ASSERT_FALSE(bool(bad));
  EXPECT_EQ(bad.error().message, "t.json: /patern: unknown field");
  auto badPattern = parseTrafficConfig(nlohmann::json::parse(R"({"pattern":"tornado"})"), "t.json");
  ASSERT_FALSE(bool(badPattern));
  EXPECT_NE(badPattern.error().message.find("unknown pattern 'tornado'"), std::string::npos);

  TrafficConfig cfg;
  cfg.pattern = TrafficPattern::Transpose;
  auto e = validateTrafficConfig(makeChip(4, 2), cfg);
  ASSERT_TRUE(e.has_value());
  EXPECT_NE(e->message.find("square"), std::string::npos);
  cfg.pattern = TrafficPattern::BitReverse;
  EXPECT_TRUE(validateTrafficConfig(makeChip(3, 3), cfg).has_value());
  EXPECT_THROW(runTraffic(makeChip(3, 3), cfg), std::invalid_argument);
  cfg.pattern = TrafficPattern::Uniform;
  cfg.injectionRate = 1.5;
  EXPECT_TRUE(validateTrafficConfig(makeChip(3, 3), cfg).has_value());
}

TEST(NocTraffic, JsonHasTheStatistics) {
  const ChipDescriptor chip = makeChip(2, 2, 1, 4);
  TrafficConfig cfg;
  cfg.measureCycles = 200;
  cfg.warmupCycles = 50;
  const nlohmann::json j = toJson(runTraffic(chip, cfg));
  EXPECT_EQ(j.at("pattern"), "uniform");
  EXPECT_EQ(j.at("link_utilisation").size(), 4u);
  EXPECT_TRUE(j.at("latency_cycles").contains("p99"));
  EXPECT_GT(j.at("accepted_flits_per_node_cycle").get<double>(), 0.05);
}

TEST(NocTraffic, PatternDestinations) {
  // Transpose on 4x4 sends (x,y) -> (y,x): node 1 (1,0) -> node 4 (0,1);
  // the link utilisation shows traffic only where the pattern routes it.
  const ChipDescriptor chip = makeChip(4, 4, 1, 4);
  TrafficConfig cfg;
  cfg.pattern = TrafficPattern::Transpose;
  cfg.sources = {1};
  cfg.injectionRate = 0.2;
  cfg.packetFlits = 1;
  cfg.warmupCycles = 0;
  cfg.measureCycles = 1000;
  const TrafficResult r = runTraffic(chip, cfg);
  // 1 -> West to 0 -> South to 4 -> Local.
  EXPECT_GT(r.linkUtilisation[1][uint8_t(Port::West)], 0.1);
  EXPECT_GT(r.linkUtilisation[0][uint8_t(Port::South)], 0.1);
  EXPECT_GT(r.linkUtilisation[4][uint8_t(Port::Local)], 0.1);
  double others = 0;
  for (uint32_t i = 0; i < 16; ++i)
    for (unsigned p = 0; p < kNumPorts; ++p) others += r.linkUtilisation[i][p];
  others -= r.linkUtilisation[1][uint8_t(Port::West)] + r.linkUtilisation[0][uint8_t(Port::South)] +
            r.linkUtilisation[4][uint8_t(Port::Local)];
  EXPECT_EQ(others, 0.0);
  EXPECT_DOUBLE_EQ(r.avgHops, 2.0);
}

} // namespace
} // namespace xpu::emu::test
