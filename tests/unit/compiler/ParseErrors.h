// Shared by the parser tests of the actor kinds: the error a JSON model gets.
#pragma once

#include "xpu/compiler/ActorGraph.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

namespace xpu::graph::test {

/// The message parseActorGraph reports for `j` (a failure if it accepts it).
inline std::string parseError(const nlohmann::json &j) {
  auto g = parseActorGraph(j, "g.json", ".");
  EXPECT_FALSE(g) << j.dump();
  return g ? "" : g.error().message;
}

/// The message parseActorGraph reports for `base` once `edit` (called with
/// a json &) has changed its actor number `actor`.
template <class Edit>
std::string parseErrorWithActorEdit(nlohmann::json base, size_t actor, Edit &&edit) {
  edit(base["actors"][actor]);
  return parseError(base);
}

} // namespace xpu::graph::test

#define EXPECT_HAS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)
