// The example programs the RTL mesh tests run against the all-model
// emulator (RtlMeshTest.cpp: all-RTL and mixed meshes; RtlSystemCTileTest.cpp:
// RTL tiles in the SystemC emulator), with the helpers that read and adapt
// them to a chip. Needs XPU_SOURCE_DIR.
#pragma once

#include "xpu/Assembler.h"
#include "xpu/ChipDescriptor.h"
#include "xpu/Device.h"
#include "xpu/Executable.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace xpu::rtl::mesh_programs {

inline std::string readText(const std::string &relative) {
  std::ifstream in(std::string(XPU_SOURCE_DIR) + "/" + relative);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline ChipDescriptor chipFile(const std::string &relative) {
  auto c = loadChipDescriptor(std::string(XPU_SOURCE_DIR) + "/" + relative);
  EXPECT_TRUE(bool(c)) << (c ? "" : c.error().message);
  return c ? *c : ChipDescriptor{};
}

/// Replaces every `.core x, y` line with one line per tile of the chip
/// (programs written for "every core of a 2x2" run on every core of a 4x4).
inline std::string onEveryCore(const std::string &src, const ChipDescriptor &chip) {
  std::string all;
  for (uint32_t y = 0; y < chip.height; ++y)
    for (uint32_t x = 0; x < chip.width; ++x)
      all += ".core " + std::to_string(x) + ", " + std::to_string(y) + "\n";
  std::string out;
  std::istringstream in(src);
  bool done = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(".core ", 0) == 0) {
      if (!done)
        out += all;
      done = true;
      continue;
    }
    out += line + "\n";
  }
  return out;
}

struct Program {
  Program(std::string n, std::string src, std::map<std::string, std::vector<int64_t>> in = {})
      : name(std::move(n)), source(std::move(src)), inputs(std::move(in)) {}
  std::string name;
  std::string source;
  std::map<std::string, std::vector<int64_t>> inputs;
  /// Run as: `steps` runSteps(1) calls (each compared), then runUntilHalt.
  uint32_t steps = 0;
  /// What the emulator's runUntilHalt must end with.
  RunStatus expect = RunStatus::Halted;
  /// Inputs written before step s (s < steps), as the runtime does between
  /// timesteps.
  std::vector<std::map<std::string, std::vector<int64_t>>> stepInputs;
  /// false: stop after the steps (a timestep-driven program that never halts).
  bool untilHalt = true;
};

inline Executable assembleOrFail(const Program &p, const ChipDescriptor &chip) {
  auto exe = assemble(p.source, p.name, chip);
  EXPECT_TRUE(bool(exe)) << p.name << ": " << (exe ? "" : exe.error().message);
  return exe ? *exe : Executable{};
}

/// XPU_RTL_MESH_ITER, or `dflt`: the rounds of the speed measurements.
inline uint32_t iterFromEnv(uint32_t dflt) {
  const char *e = std::getenv("XPU_RTL_MESH_ITER");
  return e ? uint32_t(std::atoi(e)) : dflt;
}

inline Program ring(const ChipDescriptor &chip) {
  Program p{"ring.s", readText("examples/asm/ring.s"), {{"start", {100}}}};
  if (chip.numCores() != 4)
    p.source = onEveryCore(p.source, chip);
  return p;
}
inline Program scatterReduce() {
  return {"scatter_reduce.s", readText("examples/asm/scatter_reduce.s"),
          {{"x", {1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3, -4, -5, -6, -7, -8}}}};
}
inline Program spawn() {
  return {"spawn.s", readText("examples/asm/spawn.s"), {{"args", {21, 50}}}};
}
inline Program spikes(uint32_t steps) {
  Program p{"spikes.s", readText("examples/asm/spikes.s"), {}};
  p.steps = steps;
  return p;
}
/// exchange8x8.s on every core of `chip`, `iter` rounds (XPU_RTL_MESH_ROUNDS
/// overrides it for long runs by hand), its last core's accumulator as an
/// output.
inline Program exchange(const ChipDescriptor &chip, uint32_t iter) {
  if (const char *e = std::getenv("XPU_RTL_MESH_ROUNDS"))
    iter = uint32_t(std::atoi(e));
  std::string src = onEveryCore(readText("examples/asm/exchange8x8.s"), chip);
  src = std::regex_replace(src, std::regex(R"(\.equ ITER, 2000)"), ".equ ITER, " + std::to_string(iter));
  src = std::regex_replace(src, std::regex(R"(\.output acc63, 7, 7)"),
                           ".output accLast, " + std::to_string(chip.width - 1) + ", " +
                               std::to_string(chip.height - 1));
  return {"exchange.s", src, {}};
}
/// The mailbox policies drop_newest, drop_oldest and block.
inline Program policies() { return {"policies.s", readText("tests/unit/rtl/mesh/policies.s")}; }
/// policies.s with an `error` mailbox that overflows: core 0 faults.
inline Program policiesFault() {
  Program e = policies();
  e.name = "policies.s (error)";
  e.source = std::regex_replace(e.source, std::regex(R"(\.mailbox 0, 0, 2, drop_oldest)"),
                                ".mailbox 0, 0, 2, drop_oldest\n.mailbox 0, 0, 4, error");
  e.source = std::regex_replace(e.source, std::regex(R"(        send  r0, r7, r8, 3)"),
                                "        send  r0, r7, r8, 3\n        send  r0, r7, r8, 4");
  e.expect = RunStatus::Fault;
  return e;
}

} // namespace xpu::rtl::mesh_programs
