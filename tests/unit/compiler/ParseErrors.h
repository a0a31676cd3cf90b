// Shared by the parser tests of the actor kinds: the error a JSON model gets.
#pragma once

#include "xpu/compiler/ActorGraph.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace xpu::graph::test {

/// The message parseActorGraph reports for `j` (a failure if it accepts it).
inline std::string parseError(const nlohmann::json &j) {
  auto g = parseActorGraph(j, "g.json", ".");
  EXPECT_FALSE(g) << j.dump();
  return g ? "" : g.error().message;
}

} // namespace xpu::graph::test

#define EXPECT_HAS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)
