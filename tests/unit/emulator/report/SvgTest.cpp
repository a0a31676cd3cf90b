// SVG figures: well-formed XML, one cell per directed link / per core,
// escaping, deterministic number formatting.
#include "XmlCheck.h"

#include "xpu/emu/Report.h"
#include "xpu/emu/Svg.h"

#include <gtest/gtest.h>

namespace xpu {
namespace {

using test::checkXml;
using test::countOccurrences;

TEST(Svg, NumbersColoursTicks) {
  EXPECT_EQ(emu::svg::number(0.25), "0.25");
  EXPECT_EQ(emu::svg::number(1200), "1200");
  EXPECT_EQ(emu::svg::number(1e-15), "0");
  EXPECT_EQ(emu::svg::heatColor(0), "#440154");
  EXPECT_EQ(emu::svg::heatColor(1), "#fde725");
  EXPECT_EQ(emu::svg::heatColor(7), "#fde725");
  const auto t = emu::svg::niceTicks(0, 0.47, 5);
  ASSERT_FALSE(t.empty());
  EXPECT_EQ(t.front(), 0);
  EXPECT_GE(t.back(), 0.45);
  EXPECT_EQ(emu::svg::escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
}

TEST(Svg, LinkHeatMapHasOneCellPerDirectedLink) {
  for (auto [w, h] : {std::pair<uint32_t, uint32_t>{2, 2}, {4, 3}, {8, 8}, {1, 5}}) {
    SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h));
    emu::LinkValues v(w * h);
    for (uint32_t r = 0; r < w * h; ++r)
      for (unsigned p = 0; p < kNumPorts; ++p)
        v[r][p] = 0.01 * (r + p);
    const std::string s = emu::linkHeatMap(w, h, v, "util <test> & more", "flits/cycle");
    EXPECT_EQ(checkXml(s), "");
    EXPECT_EQ(countOccurrences(s, "class=\"link\""), size_t(2 * (w - 1) * h + 2 * w * (h - 1)));
    EXPECT_EQ(countOccurrences(s, "class=\"core\""), size_t(w * h));
    EXPECT_NE(s.find("util &lt;test&gt; &amp; more"), std::string::npos);
  }
}

TEST(Svg, LinkUtilisationFromStatsAndTrafficJson) {
  nlohmann::json stats = {
      {"cycles", 100},
      {"mesh", {{"width", 2}, {"height", 1}}},
      {"network",
       {{"link_flits",
         {{{"router", 0}, {"port", "east"}, {"flits", 50}},
          {{"router", 1}, {"port", "local"}, {"flits", 50}}}}}}};
  const emu::LinkValues v = emu::linkUtilisationFromJson(stats);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_DOUBLE_EQ(v[0][size_t(Port::East)], 0.5);
  EXPECT_DOUBLE_EQ(v[1][size_t(Port::Local)], 0.5);
  nlohmann::json traffic = {{"link_utilisation",
                             {{{"router", 0}, {"local", 0.1}, {"east", 0.2}, {"west", 0},
                               {"north", 0}, {"south", 0.3}}}}};
  const emu::LinkValues t = emu::linkUtilisationFromJson(traffic);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_DOUBLE_EQ(t[0][size_t(Port::South)], 0.3);
}

TEST(Svg, CoreHeatMapsHaveOneCellPerCorePerPanel) {
  nlohmann::json stats = {{"cycles", 10}, {"cores", nlohmann::json::array()}};
  for (int c = 0; c < 6; ++c)
    stats["cores"].push_back({{"busy_cycles", c}, {"energy_pj", 1.5 * c},
                              {"tile_energy_pj", 2.5 * c}});
  const auto panels = emu::corePanelsFromStats(stats);
  ASSERT_EQ(panels.size(), 2u);
  EXPECT_DOUBLE_EQ(panels[0].values[3], 0.3);
  EXPECT_DOUBLE_EQ(panels[1].values[2], 5.0);
  const std::string s = emu::coreHeatMaps(3, 2, panels, "cores");
  EXPECT_EQ(checkXml(s), "");
  EXPECT_EQ(countOccurrences(s, "class=\"core\""), 12u);
}

TEST(Svg, LineChartIsWellFormedWithOnePolylinePerSeries) {
  std::vector<emu::Series> series = {
      {"1 VC", {{0.05, 20}, {0.1, 21}, {0.2, 25}, {0.3, 400}}},
      {"2 VCs & <more>", {{0.05, 19}, {0.1, 20}, {0.2, 22}, {0.3, 30}}},
      {"empty", {}}};
  emu::ChartOptions o;
  o.title = "latency vs load";
  o.xLabel = "offered load";
  o.yLabel = "latency (cycles)";
  o.yMax = 100;
  const std::string s = emu::lineChart(series, o);
  EXPECT_EQ(checkXml(s), "");
  EXPECT_EQ(countOccurrences(s, "<polyline"), 2u);
  EXPECT_EQ(countOccurrences(s, "<circle"), 8u);
  EXPECT_NE(s.find("(clipped)"), std::string::npos);
  EXPECT_EQ(s, emu::lineChart(series, o)); // deterministic
  EXPECT_EQ(checkXml(emu::lineChart({}, o)), "");
}

TEST(Svg, CheckerRejectsMalformedXml) {
  EXPECT_NE(checkXml("<svg><rect></svg>"), "");
  EXPECT_NE(checkXml("<svg a=\"1\" a=\"2\"/>"), "");
  EXPECT_NE(checkXml("<svg>&bogus;</svg>"), "");
  EXPECT_EQ(checkXml("<?xml version=\"1.0\"?>\n<svg><g/></svg>\n"), "");
}

} // namespace
} // namespace xpu
