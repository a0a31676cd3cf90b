// Chip descriptor parsing and validation (runtime/lib/ChipDescriptor.cpp).
#include "xpu/ChipDescriptor.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

using namespace xpu;
using json = nlohmann::json;

TEST(ChipDescriptor, EmptyObjectGivesDefaults) {
  auto c = parseChipDescriptor(json::object(), "c.json");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->width, 4u);
  EXPECT_EQ(c->sramBytes, 65536u);
  EXPECT_EQ(c->effectiveBarrierLatency(), 8u);
  EXPECT_DOUBLE_EQ(c->energy.flitHop, 3.5);
}

TEST(ChipDescriptor, ParsesEveryGroup) {
  json j = {{"name", "t"},
            {"mesh", {{"width", 8}, {"height", 2}}},
            {"core", {{"sram_bytes", 4096}, {"vector_lanes", 4}, {"mailboxes", 2}}},
            {"noc", {{"virtual_channels", 4}, {"flit_bytes", 16}, {"barrier_latency", 3}}},
            {"clock_mhz", 500.5},
            {"energy_pj", {{"flit_hop", 1.25}}}};
  auto c = parseChipDescriptor(j, "c.json");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->name, "t");
  EXPECT_EQ(c->numCores(), 16u);
  EXPECT_EQ(c->coreId(3, 1), 11u);
  EXPECT_EQ(c->coreX(11), 3u);
  EXPECT_EQ(c->coreY(11), 1u);
  EXPECT_EQ(c->vectorLanes, 4u);
  EXPECT_EQ(c->flitBytes, 16u);
  EXPECT_EQ(c->effectiveBarrierLatency(), 3u);
  EXPECT_DOUBLE_EQ(c->clockMhz, 500.5);
  EXPECT_DOUBLE_EQ(c->energy.flitHop, 1.25);
}

TEST(ChipDescriptor, JsonRoundTrip) {
  json j = {{"mesh", {{"width", 3}, {"height", 5}}}, {"noc", {{"buffer_depth", 7}}}};
  auto c = parseChipDescriptor(j, "c.json");
  ASSERT_TRUE(c);
  auto back = parseChipDescriptor(toJson(*c), "again");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(toJson(*back), toJson(*c));
  EXPECT_EQ(back->bufferDepth, 7u);
}

struct BadCase {
  json input;
  std::string expected;
};

TEST(ChipDescriptor, ErrorsNameThePointerAndTheRange) {
  const BadCase cases[] = {
      {{{"noc", {{"buffer_depth", 0}}}}, "c.json: /noc/buffer_depth: must be in 1..64, got 0"},
      {{{"mesh", {{"width", 300}}}}, "c.json: /mesh/width: must be in 1..256, got 300"},
      {{{"core", {{"vector_lanes", 12}}}}, "/core/vector_lanes: must be a power of two, got 12"},
      {{{"core", {{"sram_bytes", 1030}}}}, "/core/sram_bytes: must be a multiple of 8, got 1030"},
      {{{"noc", {{"flit_bytes", 12}}}}, "/noc/flit_bytes: must be 8, 16 or 32, got 12"},
      {{{"mesh", {{"width", "4"}}}}, "/mesh/width: expected an integer, got string"},
      {{{"mesh", {{"widht", 4}}}}, "/mesh/widht: unknown field (expected one of: width, height)"},
      {{{"meshes", 1}}, "/meshes: unknown field"},
      {{{"clock_mhz", 0}}, "/clock_mhz: must be in 1..10000, got 0"},
      {{{"energy_pj", {{"flit_hop", -1}}}}, "/energy_pj/flit_hop: must be >= 0, got -1"},
      {{{"core", 5}}, "/core: expected an object, got number"},
      {json::array(), "c.json: /: expected a JSON object, got array"},
  };
  for (const BadCase &bc : cases) {
    auto c = parseChipDescriptor(bc.input, "c.json");
    ASSERT_FALSE(c) << bc.input.dump();
    EXPECT_NE(c.error().message.find(bc.expected), std::string::npos)
        << "got: " << c.error().message << "\nexpected: " << bc.expected;
  }
}

TEST(ChipDescriptor, ReportsEveryErrorAtOnce) {
  json j = {{"mesh", {{"width", 0}, {"height", 0}}}, {"noc", {{"link_latency", 99}}}};
  auto c = parseChipDescriptor(j, "c.json");
  ASSERT_FALSE(c);
  const std::string &m = c.error().message;
  EXPECT_NE(m.find("/mesh/width"), std::string::npos);
  EXPECT_NE(m.find("/mesh/height"), std::string::npos);
  EXPECT_NE(m.find("/noc/link_latency"), std::string::npos);
}

TEST(ChipDescriptor, LoadReportsMissingAndInvalidFiles) {
  auto missing = loadChipDescriptor("/nonexistent/chip.json");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("cannot open"), std::string::npos);
  std::string path = testing::TempDir() + "bad-chip.json";
  FILE *f = std::fopen(path.c_str(), "w");
  std::fputs("{ \"mesh\": ", f);
  std::fclose(f);
  auto bad = loadChipDescriptor(path);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("not valid JSON"), std::string::npos);
}
