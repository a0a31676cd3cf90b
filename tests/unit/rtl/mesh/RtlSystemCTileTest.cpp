// RTL core + NI tiles inside the SystemC emulator (xpu/rtl/RtlCoreNiTile.h,
// makeMixedBackend: what `xpu-sim --rtl-tiles` runs) against the all-model
// emulator: same run status, cycles, timestep, per-core state, pc and SRAM,
// outputs, after every run call (docs/rtl.md "Mixed meshes in xpu-sim").
// Also: the statistics the RTL tiles provide (cycle accounting, instruction
// and message counters equal the model's), the watchdog dump naming them,
// and the speed of the path.
//
// One process elaborates one mesh (SystemC): its first load is a mixed one
// (every core gets an RTL alternative), then each load picks its RTL tiles;
// the all-model reference runs on the same mesh with none.
#include "MeshPrograms.h"

#include "xpu/emu/EmulatorBackend.h"
#include "xpu/emu/Mesh.h"
#include "xpu/rtl/MixedBackend.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace xpu::rtl {
namespace {

using namespace mesh_programs;

/// The process already elaborated a mesh of another size, or one without
/// the RTL alternatives (test cases share a process only when the binary is
/// run by hand; ctest runs each in its own).
bool needsOwnProcess(const ChipDescriptor &chip) {
  Program p = ring(chip);
  const Executable exe = assembleOrFail(p, chip);
  auto err = makeMixedBackend({}, MixedOptions{})->load(exe);
  return err && err->message.find("elaborates once per process") != std::string::npos;
}
#define XPU_SKIP_IF_ELABORATED_ELSEWHERE(chip)                                           \
  if (needsOwnProcess(chip))                                                             \
  GTEST_SKIP() << "needs its own process (this one elaborated another mesh)"

/// What one run call leaves: the result and every core's architectural state.
struct Snapshot {
  RunResult result;
  std::vector<std::string> states;
  std::vector<uint32_t> pcs;
  std::vector<std::vector<uint8_t>> srams;
  std::map<std::string, std::vector<uint8_t>> outputs;
  nlohmann::json stats;
};

Snapshot snapshot(Device &dev, const Executable &exe, const RunResult &r) {
  Snapshot s;
  s.result = r;
  s.stats = dev.backend().stats();
  for (const nlohmann::json &c : s.stats.at("cores")) {
    s.states.push_back(c.at("state").get<std::string>());
    s.pcs.push_back(c.at("pc").get<uint32_t>());
  }
  for (uint32_t c = 0; c < exe.chip.numCores(); ++c) {
    std::vector<uint8_t> bytes(exe.chip.sramBytes);
    EXPECT_FALSE(dev.backend().readSram(c, 0, bytes.data(), bytes.size()));
    s.srams.push_back(std::move(bytes));
  }
  for (const IoBinding &o : exe.outputs)
    if (auto v = dev.readOutputBytes(o.name))
      s.outputs[o.name] = *v;
  return s;
}

/// Loads, writes the inputs, runs p.steps single steps then until halt.
std::vector<Snapshot> runProgram(Device &dev, const Program &p, const Executable &exe) {
  std::vector<Snapshot> out;
  if (auto e = dev.load(exe)) {
    ADD_FAILURE() << p.name << ": " << e->message;
    return out;
  }
  for (const auto &[name, values] : p.inputs)
    EXPECT_FALSE(dev.writeInputValues(name, values)) << name;
  for (uint32_t s = 0; s < p.steps; ++s)
    out.push_back(snapshot(dev, exe, dev.runSteps(1, 2000000)));
  out.push_back(snapshot(dev, exe, dev.runUntilHalt(2000000)));
  return out;
}

std::string describe(const std::set<uint32_t> &rtl, const std::set<uint32_t> &whole = {}) {
  std::string s = "RTL tiles {";
  for (uint32_t c : rtl)
    s += " " + std::to_string(c);
  s += " }";
  if (!whole.empty()) {
    s += " whole {";
    for (uint32_t c : whole)
      s += " " + std::to_string(c);
    s += " }";
  }
  return s;
}

/// The mixed run (RTL core + NI on `rtl`, whole RTL tiles with their router
/// on `whole`) against the all-model run of the same process's mesh.
/// Returns the mixed run's snapshots.
std::vector<Snapshot> compareWithModel(const Program &p, const Executable &exe,
                                       const std::set<uint32_t> &rtl,
                                       const std::set<uint32_t> &whole = {}) {
  SCOPED_TRACE(p.name + ", " + describe(rtl, whole));
  MixedOptions mo;
  mo.rtlTiles = std::vector<uint32_t>(rtl.begin(), rtl.end());
  mo.wholeTiles = std::vector<uint32_t>(whole.begin(), whole.end());
  Device mixed(makeMixedBackend({}, mo));
  const std::vector<Snapshot> m = runProgram(mixed, p, exe);
  Device model(std::make_unique<emu::EmulatorBackend>());
  const std::vector<Snapshot> e = runProgram(model, p, exe);
  EXPECT_EQ(m.size(), e.size());
  for (size_t i = 0; i < std::min(m.size(), e.size()); ++i) {
    SCOPED_TRACE("run call " + std::to_string(i + 1));
    const Snapshot &a = e[i], &b = m[i];
    EXPECT_EQ(runStatusName(a.result.status), std::string(runStatusName(b.result.status)))
        << b.result.report;
    EXPECT_EQ(a.result.cycles, b.result.cycles);
    EXPECT_EQ(a.result.ranCycles, b.result.ranCycles);
    EXPECT_EQ(a.result.timestep, b.result.timestep);
    EXPECT_EQ(a.result.report, b.result.report);
    EXPECT_EQ(a.states, b.states);
    EXPECT_EQ(a.pcs, b.pcs);
    for (size_t c = 0; c < a.srams.size() && c < b.srams.size(); ++c)
      EXPECT_TRUE(a.srams[c] == b.srams[c]) << "core " << c << " SRAM";
    EXPECT_EQ(a.outputs, b.outputs);
    // Cycle accounting: RTL tiles derive it from state_o, and it must be
    // the model's. Network counters are the model network's in both unless
    // RTL routers carry part of the traffic.
    // Instruction and message counters: RTL tiles count retire_o at the
    // instruction of retire_pc_o, and the NI's dropped_*_o counters.
    for (size_t c = 0; c < a.states.size(); ++c)
      for (const char *key : {"busy_cycles", "stall_cycles", "idle_cycles", "instructions",
                              "by_class", "messages_sent", "messages_received"}) {
        EXPECT_TRUE(b.stats["cores"][c].contains(key)) << "core " << c << " " << key;
        EXPECT_EQ(a.stats["cores"][c][key], b.stats["cores"][c][key]) << "core " << c << " " << key;
      }
    EXPECT_EQ(a.stats["instructions"], b.stats["instructions"]);
    for (const char *key : {"sent", "received", "dropped"})
      EXPECT_EQ(a.stats["messages"][key], b.stats["messages"][key]) << key;
    if (whole.empty()) {
      for (size_t c = 0; c < a.states.size(); ++c)
        EXPECT_EQ(a.stats["cores"][c]["router_energy_pj"], b.stats["cores"][c]["router_energy_pj"])
            << "core " << c;
      EXPECT_EQ(a.stats["network"], b.stats["network"]);
      EXPECT_EQ(a.stats["packet_latency"]["count"], b.stats["packet_latency"]["count"]);
    }
  }
  if (!e.empty()) {
    EXPECT_EQ(runStatusName(e.back().result.status), std::string(runStatusName(p.expect)))
        << e.back().result.report;
  }
  if (!m.empty())
    std::printf("%-22s %-22s %8llu cycles, timestep %u, %s\n", p.name.c_str(),
                describe(rtl, whole).c_str(), (unsigned long long)m.back().result.cycles,
                m.back().result.timestep, runStatusName(m.back().result.status));
  return m;
}

// ------------------------------------------------------------------ 2x2
TEST(RtlSystemCTile2x2, ProgramsMatchEmulator) {
  const ChipDescriptor chip = chipFile("examples/chips/2x2.json");
  XPU_SKIP_IF_ELABORATED_ELSEWHERE(chip);
  const std::vector<std::set<uint32_t>> sets = {{0, 1, 2, 3}, {1, 2}, {0, 3}};
  for (const Program &p : {ring(chip), scatterReduce(), exchange(chip, 30), spikes(3),
                           policies(), policiesFault()}) {
    const Executable exe = assembleOrFail(p, chip);
    for (const auto &rtl : sets)
      compareWithModel(p, exe, rtl);
  }
}

TEST(RtlSystemCTile2x2, SpawnOntoRtlAndModelTiles) {
  const ChipDescriptor chip = chipFile("examples/chips/2x2.json");
  XPU_SKIP_IF_ELABORATED_ELSEWHERE(chip);
  const Program p = spawn();
  const Executable exe = assembleOrFail(p, chip);
  compareWithModel(p, exe, {3}); // the spawned worker is RTL (boot ROM)
  compareWithModel(p, exe, {0}); // the spawner is RTL, the worker the model
}

// What the statistics say about RTL tiles: marked, measured counters
// present, unmeasured ones named and left out (not zero), totals flagged as
// partial.
TEST(RtlSystemCTile2x2, StatsMarkRtlTilesAndUnavailableCounters) {
  const ChipDescriptor chip = chipFile("examples/chips/2x2.json");
  XPU_SKIP_IF_ELABORATED_ELSEWHERE(chip);
  const Program p = ring(chip);
  const std::vector<Snapshot> m = compareWithModel(p, assembleOrFail(p, chip), {1});
  ASSERT_FALSE(m.empty());
  const nlohmann::json &j = m.back().stats;
  EXPECT_EQ(j["backend"], "mixed-rtl");
  EXPECT_EQ(j["rtl_tiles"], nlohmann::json::array({1}));
  EXPECT_EQ(j["partial_totals"], nlohmann::json::array({1}));
  const nlohmann::json &rtl = j["cores"][1], &model = j["cores"][0];
  EXPECT_EQ(rtl["tile"], "rtl");
  EXPECT_TRUE(rtl["rtl"].get<bool>());
  EXPECT_GT(rtl["instructions"].get<uint64_t>(), 0u);
  EXPECT_FALSE(rtl.contains("energy_pj"));
  EXPECT_FALSE(rtl.contains("sram_read_bytes"));
  EXPECT_EQ(rtl["unavailable"],
            nlohmann::json::array({"sram_read_bytes", "sram_write_bytes", "vector_macs",
                                   "neuron_updates", "messages_delivered", "spawn_rejected",
                                   "energy_pj"}));
  EXPECT_GT(rtl["busy_cycles"].get<uint64_t>(), 0u);
  EXPECT_FALSE(model.contains("tile"));
  EXPECT_GT(model["instructions"].get<uint64_t>(), 0u);
}

// The emulator's watchdog on a mixed mesh: the model's deadlock cycle and
// report, with the RTL tiles named in the dump.
TEST(RtlSystemCTile2x2, WatchdogDumpNamesRtlTiles) {
  const ChipDescriptor chip = chipFile("examples/chips/2x2.json");
  XPU_SKIP_IF_ELABORATED_ELSEWHERE(chip);
  Program p{"deadlock.s", readText("tests/lit/sim/deadlock.s"), {}};
  p.expect = RunStatus::Deadlock;
  const Executable exe = assembleOrFail(p, chip);
  BackendOptions bo;
  bo.watchdogCycles = 200;
  Device mixed(makeMixedBackend(bo, MixedOptions{})); // every tile RTL
  ASSERT_FALSE(mixed.load(exe));
  const RunResult r = mixed.runUntilHalt(0);
  Device model(std::make_unique<emu::EmulatorBackend>(bo));
  ASSERT_FALSE(model.load(exe));
  const RunResult e = model.runUntilHalt(0);
  EXPECT_EQ(r.status, RunStatus::Deadlock);
  EXPECT_EQ(r.cycles, e.cycles);
  // The model's report with every core line marked.
  std::istringstream in(e.report);
  std::string expected;
  for (std::string line; std::getline(in, line);)
    expected += line + (line.rfind("  core ", 0) == 0 ? " [rtl]\n" : "\n");
  EXPECT_EQ(r.report, expected);
  EXPECT_NE(r.report.find("core 0 (0,0) blocked on recv mailbox 0 at pc 1: recv r2, r1, 0 [rtl]"),
            std::string::npos)
      << r.report;
}

// Link and barrier latency are free: 3-cycle links (L - 1 register stages
// between adjacent whole tiles) and a 7-cycle barrier.
TEST(RtlSystemCTile2x2, LongLinksAndBarrierLatency) {
  ChipDescriptor chip = chipFile("examples/chips/2x2.json");
  XPU_SKIP_IF_ELABORATED_ELSEWHERE(chip);
  chip.linkLatency = 3;
  chip.barrierLatency = 7;
  for (const Program &p : {ring(chip), spikes(3), exchange(chip, 20)}) {
    const Executable exe = assembleOrFail(p, chip);
    compareWithModel(p, exe, {0, 1, 2, 3});
    compareWithModel(p, exe, {1, 2});
    compareWithModel(p, exe, {}, {1});
    compareWithModel(p, exe, {3}, {0, 1});
  }
}

// Whole RTL tiles (xpu_tile: router, NI, core) as external routers of the
// mesh's network, alone, next to each other (an RTL-RTL link), and next to
// RTL core + NI tiles.
TEST(RtlSystemCTile2x2, WholeTilesMatchEmulator) {
  const ChipDescriptor chip = chipFile("examples/chips/2x2.json");
  XPU_SKIP_IF_ELABORATED_ELSEWHERE(chip);
  for (const Program &p : {ring(chip), scatterReduce(), exchange(chip, 30), spikes(3),
                           policies(), policiesFault(), spawn()}) {
    const Executable exe = assembleOrFail(p, chip);
    compareWithModel(p, exe, {}, {1});
    compareWithModel(p, exe, {}, {0, 1});       // adjacent: a direct RTL link
    compareWithModel(p, exe, {}, {0, 1, 2, 3}); // every router RTL
    compareWithModel(p, exe, {2}, {0, 3});      // all three kinds of tile
  }
}

// ------------------------------------------------------------------ 4x4
TEST(RtlSystemCTile4x4, ProgramsMatchEmulator) {
  const ChipDescriptor chip = chipFile("examples/chips/4x4.json");
  XPU_SKIP_IF_ELABORATED_ELSEWHERE(chip);
  std::set<uint32_t> all;
  for (uint32_t c = 0; c < chip.numCores(); ++c)
    all.insert(c);
  const std::vector<std::set<uint32_t>> sets = {all, {0, 2, 5, 7, 8, 10, 13, 15}};
  for (const Program &p : {ring(chip), exchange(chip, 20), scatterReduce(), spawn()}) {
    const Executable exe = assembleOrFail(p, chip);
    for (const auto &rtl : sets)
      compareWithModel(p, exe, rtl);
    compareWithModel(p, exe, {1}, {5, 6, 10});
    compareWithModel(p, exe, {}, {0, 4, 15});
  }
}

// Speed of the SystemC mixed path on the RtlMixedSpeed program (the 4x4
// exchange, XPU_RTL_MESH_ITER rounds, default 50): tile-cycles/s with 0, 8
// and 16 RTL tiles (docs/rtl.md "Mixed meshes in xpu-sim").
TEST(RtlSystemCTileSpeed, Mesh4x4) {
  const ChipDescriptor chip = chipFile("examples/chips/4x4.json");
  XPU_SKIP_IF_ELABORATED_ELSEWHERE(chip);
  const Program p = exchange(chip, iterFromEnv(50));
  const Executable exe = assembleOrFail(p, chip);
  auto timeRun = [&](const char *what, std::vector<uint32_t> rtl, bool whole = false) {
    MixedOptions mo;
    mo.rtlTiles = std::vector<uint32_t>{};
    (whole ? mo.wholeTiles : *mo.rtlTiles) = std::move(rtl);
    auto b = makeMixedBackend({}, mo);
    EXPECT_FALSE(b->load(exe));
    const auto t0 = std::chrono::steady_clock::now();
    const RunResult r = b->runUntilHalt(0);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(r.status, RunStatus::Halted) << what;
    std::printf("%-40s %8llu cycles in %7.3f s: %10.0f tile-cycles/s\n", what,
                (unsigned long long)r.cycles, s, double(r.cycles * chip.numCores()) / s);
    return r.cycles;
  };
  const uint64_t c16 = timeRun("SystemC mixed, 16 of 16 RTL core+NI", {0, 1, 2, 3, 4, 5, 6, 7, 8,
                                                                       9, 10, 11, 12, 13, 14, 15});
  EXPECT_EQ(timeRun("SystemC mixed, 8 of 16 RTL core+NI", {0, 2, 5, 7, 8, 10, 13, 15}), c16);
  EXPECT_EQ(timeRun("SystemC mixed, 0 RTL tiles", {}), c16);
  EXPECT_EQ(timeRun("SystemC mixed, 16 of 16 whole RTL tiles",
                    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, true),
            c16);
}

// Chips and selections the mixed backend refuses, with the reason.
TEST(RtlSystemCTile2x2, LoadErrorsAreClear) {
  const ChipDescriptor chip = chipFile("examples/chips/2x2.json");
  XPU_SKIP_IF_ELABORATED_ELSEWHERE(chip);
  const Program p = ring(chip);
  Executable exe = assembleOrFail(p, chip);
  MixedOptions whole;
  whole.rtlTiles = std::vector<uint32_t>{};
  whole.wholeTiles = {1};
  exe.chip.routerLatency = 2;
  auto b = makeMixedBackend({}, whole);
  auto err = b->load(exe);
  ASSERT_TRUE(err);
  EXPECT_NE(err->message.find("whole RTL tiles need router_latency 1"), std::string::npos)
      << err->message;
  exe.chip.routerLatency = 1;
  MixedOptions outside;
  outside.rtlTiles = std::vector<uint32_t>{4};
  err = makeMixedBackend({}, outside)->load(exe);
  ASSERT_TRUE(err);
  EXPECT_NE(err->message.find("RTL tile 4 is outside the 2x2 mesh"), std::string::npos)
      << err->message;
  exe.chip.sramBytes = 32768;
  err = makeMixedBackend({}, MixedOptions{})->load(exe);
  ASSERT_TRUE(err);
  EXPECT_NE(err->message.find("no Verilated core + NI model for this chip"), std::string::npos);
}

} // namespace
} // namespace xpu::rtl
