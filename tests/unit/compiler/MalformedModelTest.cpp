// Bad input never crashes the compiler: randomly mutated actor graphs go
// through the JSON reader and, when they parse, the whole compilation; every
// outcome is a value or an error with a message.
#include "compiler/lib/Driver/Driver.h"
#include "xpu/compiler/Xorshift.h"

#include "xpu/FileIO.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

using namespace xpu;
using json = nlohmann::json;

namespace {

/// The shared xorshift with this file's own stream of mutations.
struct Rng : xpu::graph::Xorshift {
  explicit Rng(uint64_t seed) : Xorshift(seed, 7, 0) {}
};


json randomValue(Rng &rng) {
  switch (rng.next() % 9) {
  case 0: return nullptr;
  case 1: return -1;
  case 2: return 0;
  case 3: return 1e9;
  case 4: return "s";
  case 5: return json::array();
  case 6: return json::object();
  case 7: return int64_t(1) << 40;
  default: return 300;
  }
}

/// Deletes, replaces or descends into a random element.
void mutate(json &x, Rng &rng) {
  if (x.is_object() && !x.empty()) {
    auto it = x.begin();
    std::advance(it, rng.next() % x.size());
    const uint32_t r = rng.next() % 10;
    if (r < 2) x.erase(it);
    else if (r < 4) *it = randomValue(rng);
    else mutate(*it, rng);
  } else if (x.is_array() && !x.empty()) {
    const size_t i = rng.next() % x.size();
    const uint32_t r = rng.next() % 10;
    if (r < 2) x.erase(x.begin() + long(i));
    else if (r < 4) x[i] = randomValue(rng);
    else mutate(x[i], rng);
  }
}

} // namespace

TEST(MalformedModels, NeverCrashTheCompiler) {
  auto text = readFileText(std::string(XPU_SOURCE_DIR) + "/examples/models/tiny-snn.json");
  ASSERT_TRUE(text) << text.error().message;
  const json base = json::parse(*text);
  ChipDescriptor chip;
  Rng rng(42);
  unsigned parsed = 0, compiled = 0, rejected = 0;
  for (int n = 0; n < 400; ++n) {
    json j = base;
    for (uint32_t k = 0, m = 1 + rng.next() % 3; k < m; ++k) mutate(j, rng);
    auto g = graph::parseActorGraph(j, "m.json", ".");
    if (!g) {
      EXPECT_FALSE(g.error().message.empty());
      EXPECT_EQ(g.error().message.rfind("m.json: ", 0), 0u) << g.error().message;
      ++rejected;
      continue;
    }
    ++parsed;
    auto r = driver::compileGraph(*g, chip, {});
    if (r) ++compiled;
    else EXPECT_FALSE(r.error().message.empty());
  }
  // The mutations must exercise both outcomes.
  EXPECT_GT(rejected, 100u);
  EXPECT_GT(compiled, 20u);
  EXPECT_GE(parsed, compiled);
}
