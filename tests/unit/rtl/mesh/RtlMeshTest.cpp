// All-RTL 2x2 and 4x4 meshes (Verilated xpu_tile, tests/unit/rtl/mesh/
// RtlMesh.h) against the all-model emulator (emu::EmulatorBackend): the
// example assembly programs give bit-exact outputs and SRAM, the same cycle
// count, timestep, run status and per-core state and pc. docs/rtl.md "Tiles
// and meshes".
#include "MixedMesh.h"
#include "RtlMesh.h"

#include "Vxpu_tile_2x2.h"
#include "Vxpu_tile_2x2___024root.h"
#include "Vxpu_tile_2x2_bug_quiescent.h"
#include "Vxpu_tile_2x2_bug_quiescent___024root.h"
#include "Vxpu_tile_4x4.h"
#include "Vxpu_tile_4x4___024root.h"
#include "Vxpu_tile_core_ni_2x2.h"
#include "Vxpu_tile_core_ni_2x2___024root.h"
#include "Vxpu_tile_core_ni_4x4.h"
#include "Vxpu_tile_core_ni_4x4___024root.h"

#include "MeshPrograms.h"

#include "xpu/emu/EmulatorBackend.h"
#include "xpu/emu/Mesh.h"
#include "xpu/rtl/MixedBackend.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <sstream>

namespace xpu::rtl {
namespace {

using namespace mesh_programs;

struct Numbers {
  uint64_t cycles = 0, tileCycles = 0;
  double rtlSeconds = 0;
};

/// Runs `exe` on the emulator and on an RTL mesh of Model, comparing after
/// every run call. Returns the RTL figures.
template <class Model>
Numbers compare(const Program &p, const Executable &exe, uint64_t maxCycles = 2000000) {
  Numbers num;
  auto emuBackend = std::make_unique<emu::EmulatorBackend>();
  emu::EmulatorBackend *eb = emuBackend.get();
  Device model(std::move(emuBackend));
  auto rtlBackend = std::make_unique<RtlMesh<Model>>(exe.chip.width, exe.chip.height);
  RtlMesh<Model> *rb = rtlBackend.get();
  Device rtl(std::move(rtlBackend));
  if (auto e = model.load(exe)) {
    ADD_FAILURE() << e->message;
    return num;
  }
  if (auto e = rtl.load(exe)) {
    ADD_FAILURE() << e->message;
    return num;
  }
  for (const auto &[name, values] : p.inputs) {
    EXPECT_FALSE(model.writeInputValues(name, values));
    EXPECT_FALSE(rtl.writeInputValues(name, values));
  }
  const uint32_t n = exe.chip.numCores();
  auto check = [&](const RunResult &a, const RunResult &b, const std::string &what) {
    SCOPED_TRACE(p.name + " " + what);
    EXPECT_EQ(runStatusName(a.status), std::string(runStatusName(b.status))) << b.report;
    EXPECT_EQ(a.cycles, b.cycles);
    EXPECT_EQ(a.ranCycles, b.ranCycles);
    EXPECT_EQ(a.timestep, b.timestep);
    EXPECT_EQ(rb->routerErrors(), 0u);
    emu::Mesh &mesh = *eb->mesh();
    for (uint32_t c = 0; c < n; ++c) {
      const emu::Core &core = mesh.modelTile(c)->core();
      uint8_t ms = uint8_t(core.state());
      uint8_t rs = rb->coreState(c);
      EXPECT_EQ(int(ms), int(rs)) << "core " << c << " state";
      EXPECT_EQ(ms == 3, rs == 3) << "core " << c << " halted";
      if (ms == 4 && rs == 4) {
        EXPECT_EQ(int(core.faultCode()), int(rb->tile(c).fault_o)) << "core " << c;
      }
      EXPECT_EQ(core.pc(), rb->corePc(c)) << "core " << c << " pc";
      const auto &sram = core.sram();
      std::vector<uint8_t> r(sram.size());
      ASSERT_FALSE(rtl.backend().readSram(c, 0, r.data(), r.size()));
      size_t diff = 0;
      for (size_t a = 0; a < r.size(); ++a)
        if (r[a] != sram[a]) {
          if (diff++ == 0)
            ADD_FAILURE() << "core " << c << " SRAM[" << a << "]: model " << int(sram[a])
                          << " rtl " << int(r[a]);
        }
      EXPECT_EQ(diff, 0u) << "core " << c << " SRAM bytes differing";
    }
    for (const IoBinding &o : exe.outputs) {
      auto mv = model.readOutputBytes(o.name);
      auto rv = rtl.readOutputBytes(o.name);
      ASSERT_TRUE(mv && rv);
      EXPECT_EQ(*mv, *rv) << "output " << o.name;
    }
  };
  const auto t0 = std::chrono::steady_clock::now();
  RunResult a, b;
  for (uint32_t s = 0; s < p.steps; ++s) {
    if (s < p.stepInputs.size())
      for (const auto &[name, values] : p.stepInputs[s]) {
        EXPECT_FALSE(model.writeInputValues(name, values));
        EXPECT_FALSE(rtl.writeInputValues(name, values)) << "step " << s;
      }
    a = model.runSteps(1, maxCycles);
    b = rtl.runSteps(1, maxCycles);
    check(a, b, "step " + std::to_string(s + 1));
  }
  if (p.untilHalt) {
    a = model.runUntilHalt(maxCycles);
    b = rtl.runUntilHalt(maxCycles);
    EXPECT_EQ(runStatusName(a.status), std::string(runStatusName(p.expect))) << p.name << ": " << a.report;
    check(a, b, "until halt");
  }
  num.rtlSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  num.cycles = b.cycles;
  num.tileCycles = rb->tileCycles();
  std::printf("%s: %llu cycles, timestep %u, status %s\n", p.name.c_str(),
              (unsigned long long)b.cycles, b.timestep, runStatusName(b.status));
  return num;
}

// ------------------------------------------------------------------ 2x2
TEST(RtlMesh2x2, RingMatchesEmulator) {
  const ChipDescriptor chip = chipFile("examples/chips/2x2.json");
  const Program p = ring(chip);
  compare<Vxpu_tile_2x2>(p, assembleOrFail(p, chip));
}

TEST(RtlMesh2x2, ScatterReduceMatchesEmulator) {
  const ChipDescriptor chip = chipFile("examples/chips/2x2.json");
  const Program p = scatterReduce();
  compare<Vxpu_tile_2x2>(p, assembleOrFail(p, chip));
}

TEST(RtlMesh2x2, SpawnMatchesEmulator) {
  const ChipDescriptor chip = chipFile("examples/chips/2x2.json");
  const Program p = spawn();
  compare<Vxpu_tile_2x2>(p, assembleOrFail(p, chip));
}

TEST(RtlMesh2x2, SpikesStepByStepMatchesEmulator) {
  const ChipDescriptor chip = chipFile("examples/chips/2x2.json");
  const Program p = spikes(3);
  compare<Vxpu_tile_2x2>(p, assembleOrFail(p, chip));
}

TEST(RtlMesh2x2, ExchangeMatchesEmulator) {
  const ChipDescriptor chip = chipFile("examples/chips/2x2.json");
  const Program p = exchange(chip, 50);
  compare<Vxpu_tile_2x2>(p, assembleOrFail(p, chip));
}

// barrier_latency and link_latency other than the defaults.
TEST(RtlMesh2x2, SpikesWithBarrierAndLinkLatency) {
  ChipDescriptor chip = chipFile("examples/chips/2x2.json");
  chip.barrierLatency = 7;
  chip.linkLatency = 3;
  const Program p = spikes(2);
  compare<Vxpu_tile_2x2>(p, assembleOrFail(p, chip));
}

// Cycle by cycle: runCycles(1) on both, every core's state and pc compared
// after every cycle (the model's definitions, RtlMesh::coreState/corePc).
template <class Model> void lockstep(const Program &p, const Executable &exe) {
  SCOPED_TRACE(p.name);
  auto emuBackend = std::make_unique<emu::EmulatorBackend>();
  emu::EmulatorBackend *eb = emuBackend.get();
  Device model(std::move(emuBackend));
  auto rtlBackend = std::make_unique<RtlMesh<Model>>(exe.chip.width, exe.chip.height);
  RtlMesh<Model> *rb = rtlBackend.get();
  Device rtl(std::move(rtlBackend));
  ASSERT_FALSE(model.load(exe));
  ASSERT_FALSE(rtl.load(exe));
  for (const auto &[name, values] : p.inputs) {
    ASSERT_FALSE(model.writeInputValues(name, values));
    ASSERT_FALSE(rtl.writeInputValues(name, values));
  }
  uint64_t compared = 0;
  for (uint64_t c = 0; c < 100000; ++c) {
    const RunResult a = model.runCycles(1);
    const RunResult b = rtl.runCycles(1);
    ASSERT_EQ(runStatusName(a.status), std::string(runStatusName(b.status))) << "cycle " << c;
    ASSERT_EQ(a.cycles, b.cycles);
    ASSERT_EQ(a.timestep, b.timestep) << "cycle " << c;
    for (uint32_t i = 0; i < exe.chip.numCores(); ++i) {
      const emu::Core &core = eb->mesh()->modelTile(i)->core();
      ASSERT_EQ(int(core.state()), int(rb->coreState(i))) << "cycle " << c << " core " << i;
      ASSERT_EQ(core.pc(), rb->corePc(i)) << "cycle " << c << " core " << i;
    }
    ++compared;
    if (a.status != RunStatus::CyclesDone)
      break;
  }
  std::printf("%s: %llu cycles compared in lockstep\n", p.name.c_str(), (unsigned long long)compared);
}

TEST(RtlMesh2x2, LockstepEveryCycle) {
  const ChipDescriptor chip = chipFile("examples/chips/2x2.json");
  for (const Program &p : {ring(chip), scatterReduce(), spawn(), spikes(0),
                           policies()})
    lockstep<Vxpu_tile_2x2>(p, assembleOrFail(p, chip));
}

// Mailbox policies drop_newest, drop_oldest, block (back-pressure through
// the mesh), and error (core 0 faults with MailboxOverflow).
TEST(RtlMesh2x2, MailboxPoliciesMatchEmulator) {
  const ChipDescriptor chip = chipFile("examples/chips/2x2.json");
  for (const Program &p : {policies(), policiesFault()})
    compare<Vxpu_tile_2x2>(p, assembleOrFail(p, chip));
}

// The tile with the test-only quiescence bug: barriers release with flits
// still in the network; the comparison must fail.
TEST(RtlMesh2x2, InjectedQuiescenceBugCaught) {
  const ChipDescriptor chip = chipFile("examples/chips/2x2.json");
  const Program p = spikes(0);
  const Executable exe = assembleOrFail(p, chip);
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    compare<Vxpu_tile_2x2_bug_quiescent>(p, exe);
  }
  ASSERT_GT(failures.size(), 0) << "the quiescence bug was not caught";
  std::printf("bug caught: %s\n", failures.GetTestPartResult(0).message());
}

// ------------------------------------------------------------------ 4x4
TEST(RtlMesh4x4, RingOnEveryCoreMatchesEmulator) {
  const ChipDescriptor chip = chipFile("examples/chips/4x4.json");
  const Program p = ring(chip);
  compare<Vxpu_tile_4x4>(p, assembleOrFail(p, chip));
}

TEST(RtlMesh4x4, ExchangeMatchesEmulator) {
  const ChipDescriptor chip = chipFile("examples/chips/4x4.json");
  const Program p = exchange(chip, 20);
  compare<Vxpu_tile_4x4>(p, assembleOrFail(p, chip));
}

/// spikes.s on a 4x4: its group ids are core ids, which are 0, 1, 4, 5 for
/// the four cores of the top-left 2x2 block.
Program spikes4x4(uint32_t steps) {
  Program p = spikes(steps);
  p.source = std::regex_replace(p.source, std::regex(R"(\.group 2, \(0,1\))"), ".group 4, (0,1)");
  p.source = std::regex_replace(p.source, std::regex(R"(\.group 3, \(1,1\))"), ".group 5, (1,1)");
  return p;
}

TEST(RtlMesh4x4, SpikesScatterReduceSpawnMatchEmulator) {
  const ChipDescriptor chip = chipFile("examples/chips/4x4.json");
  for (const Program &p : {spikes4x4(2), scatterReduce(), spawn()})
    compare<Vxpu_tile_4x4>(p, assembleOrFail(p, chip));
}

// A compiled program: examples/models/tiny-snn.json (5 partitions, so 4x4
// only) compiled by xpu-cc at test time, run for the 10 timesteps of
// tiny-snn.inputs.json with the input written before every step. Needs
// xpu-cc: the build's own (XPU_ENABLE_MLIR=ON) or $XPU_CC; skipped without.
TEST(RtlMesh4x4, CompiledTinySnnMatchesEmulator) {
  std::string cc = std::getenv("XPU_CC") ? std::getenv("XPU_CC") : XPU_CC_PATH;
  if (cc.empty() || !std::ifstream(cc).good())
    GTEST_SKIP() << "no xpu-cc (build with XPU_ENABLE_MLIR=ON or set XPU_CC)";
  const std::string out = ::testing::TempDir() + "rtl_mesh_tiny_snn.xpuexe";
  const std::string cmd = cc + " " + XPU_SOURCE_DIR + "/examples/models/tiny-snn.json --chip " +
                          XPU_SOURCE_DIR + "/examples/chips/4x4.json -o " + out;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto exe = loadExecutable(out);
  ASSERT_TRUE(bool(exe)) << exe.error().message;
  const auto inputs = nlohmann::json::parse(readText("examples/models/tiny-snn.inputs.json"));
  Program p{"tiny-snn (compiled)", "", {}};
  for (const auto &step : inputs.at("x")) {
    p.stepInputs.push_back({{"x", step.get<std::vector<int64_t>>()}});
    ++p.steps;
  }
  p.untilHalt = false;
  compare<Vxpu_tile_4x4>(p, *exe);
}

// spikes.s unchanged on a 4x4: cores 4 and 5 multicast to groups they are
// not the source of and fault (BadGroup): same cycle, state, pc, fault code.
TEST(RtlMesh4x4, FaultMatchesEmulator) {
  const ChipDescriptor chip = chipFile("examples/chips/4x4.json");
  Program p = spikes(0);
  p.expect = RunStatus::Fault;
  compare<Vxpu_tile_4x4>(p, assembleOrFail(p, chip));
}

// Speed: tile-cycles per second of the all-RTL mesh (plus the lockstep
// comparison's model run, excluded by timing the RTL alone here).
// XPU_RTL_MESH_ITER sets the exchange rounds.
template <class Model> void measure(const ChipDescriptor &chip, uint32_t iter) {
  const Program p = exchange(chip, iter);
  const Executable exe = assembleOrFail(p, chip);
  RtlMesh<Model> mesh(chip.width, chip.height);
  ASSERT_FALSE(mesh.load(exe));
  const auto t0 = std::chrono::steady_clock::now();
  const RunResult r = mesh.runUntilHalt(0);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.status, RunStatus::Halted);
  std::printf("%ux%u all-RTL mesh: %llu cycles, %llu tile-cycles in %.3f s: %.0f tile-cycles/s, "
              "%.0f mesh cycles/s\n",
              chip.width, chip.height, (unsigned long long)r.cycles,
              (unsigned long long)mesh.tileCycles(), s, double(mesh.tileCycles()) / s,
              double(r.cycles) / s);
}

TEST(RtlMeshSpeed, Mesh2x2) { measure<Vxpu_tile_2x2>(chipFile("examples/chips/2x2.json"), iterFromEnv(100)); }
TEST(RtlMeshSpeed, Mesh4x4) { measure<Vxpu_tile_4x4>(chipFile("examples/chips/4x4.json"), iterFromEnv(50)); }

} // namespace
} // namespace xpu::rtl

namespace xpu::rtl {
namespace {

// One tile alone (no neighbours evaluated): core 0 sends a 32-byte message
// to itself (through its router's Local port), receives it and runs a
// 64-element vdot, XPU_RTL_MESH_ITER times (default 2000).
TEST(RtlMeshSpeed, OneTile) {
  const ChipDescriptor chip = chipFile("examples/chips/2x2.json");
  const std::string src = ".image self\n.core 0, 0\n"
                          "        li r5, " + std::to_string(iterFromEnv(2000)) + "\n"
                          "        li r7, 256\n        li r8, 32\n        li r9, 512\n"
                          "        li r10, 768\n        li r11, 64\n"
                          "loop:   send r0, r7, r8, 0\n        recv r13, r9, 0\n"
                          "        vdot r12, r9, r10, r11\n        addi r5, r5, -1\n"
                          "        bne r5, r0, loop\n        halt\n";
  auto exe = assemble(src, "self.s", chip);
  ASSERT_TRUE(bool(exe)) << exe.error().message;
  Vxpu_tile_2x2 m;
  resetTile(m, chip, 0);
  m.image_count_i = 1;
  loadImage(m, exe->images[0]);
  bootEdge(m, exe->images[0].entry);
  auto edge = [&] {
    m.clk_i = 0;
    m.eval();
    m.clk_i = 1;
    m.eval();
  };
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t t = 0;
  for (; t < 50000000 && m.state_o != 3; ++t) {
    m.cycle_i = uint32_t(t);
    edge();
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(int(m.state_o), 3) << "halted";
  std::printf("one RTL tile: %llu cycles in %.3f s: %.0f tile-cycles/s\n", (unsigned long long)t, s,
              double(t) / s);
}

} // namespace
} // namespace xpu::rtl

namespace xpu::rtl {
namespace {

// ------------------------------------------------------------ mixed meshes
// The mixed mesh (MixedMesh.h) against the all-model emulator: the RTL
// core + NI of the tiles in `cnTiles` on the model's routers (stage 1), whole
// RTL tiles in `wholeTiles` as external routers (stage 2), model tiles
// elsewhere. Same status, cycles, timestep, states, pcs, SRAMs; no router
// protocol error; the network's conservation checker clean.
template <class CnModel, class TileModel>
void compareWhole(const Program &p, const Executable &exe, std::set<uint32_t> cnTiles,
                  const std::set<uint32_t> &wholeTiles) {
  std::string where = p.name + " whole {";
  for (uint32_t i : wholeTiles) where += std::to_string(i) + " ";
  where += "} core+NI {";
  for (uint32_t i : cnTiles) where += std::to_string(i) + " ";
  SCOPED_TRACE(where + "}");
  auto emuBackend = std::make_unique<emu::EmulatorBackend>();
  emu::EmulatorBackend *eb = emuBackend.get();
  Device model(std::move(emuBackend));
  ASSERT_FALSE(model.load(exe));
  MixedMesh<CnModel> mixed(exe, std::move(cnTiles), wholeTiles, wholeTileFactory<TileModel>());
  for (const auto &[name, values] : p.inputs) {
    ASSERT_FALSE(model.writeInputValues(name, values));
    const IoBinding *b = model.findInput(name);
    ASSERT_TRUE(b);
    auto bytes = encodeValues(*b, values);
    ASSERT_TRUE(bool(bytes));
    ASSERT_FALSE(mixed.writeSram(b->core, b->address, bytes->data(), bytes->size()));
  }
  emu::Mesh &mesh = *eb->mesh();
  // Timestep by timestep first (a run stopping at each barrier release),
  // then to the end.
  for (uint32_t s = 0; s < p.steps; ++s) {
    const RunResult a = model.runSteps(1, 200000);
    const RunResult b = mixed.run(RunMode::Steps, 1, 200000);
    EXPECT_EQ(a.cycles, b.cycles) << "step " << s;
    EXPECT_EQ(a.timestep, b.timestep) << "step " << s;
    for (uint32_t c = 0; c < exe.chip.numCores(); ++c) {
      EXPECT_EQ(int(mesh.modelTile(c)->core().state()), int(mixed.coreState(c)))
          << "step " << s << " core " << c;
      EXPECT_EQ(mesh.modelTile(c)->core().pc(), mixed.corePc(c)) << "step " << s << " core " << c;
    }
  }
  const RunResult a = model.runUntilHalt(200000);
  const RunResult b = mixed.runUntilHalt(200000);
  EXPECT_EQ(runStatusName(a.status), std::string(runStatusName(b.status))) << b.report;
  EXPECT_EQ(a.cycles, b.cycles);
  EXPECT_EQ(a.timestep, b.timestep);
  EXPECT_EQ(mixed.routerErrors(), 0u);
  for (uint32_t c = 0; c < exe.chip.numCores(); ++c) {
    const emu::Core &core = mesh.modelTile(c)->core();
    EXPECT_EQ(int(core.state()), int(mixed.coreState(c))) << "core " << c;
    EXPECT_EQ(core.pc(), mixed.corePc(c)) << "core " << c;
    EXPECT_TRUE(core.sram() == mixed.readSram(c)) << "core " << c << " SRAM";
  }
  if (mixed.network().quiescent()) {
    EXPECT_NO_THROW(mixed.network().checkAllDelivered());
  }
  std::printf("%s: %llu cycles (model %llu), status %s\n", where.c_str(),
              (unsigned long long)b.cycles, (unsigned long long)a.cycles, runStatusName(b.status));
}

/// Stage 1 only: RTL core + NI tiles on a 2x2.
void compareMixed(const Program &p, const Executable &exe, std::set<uint32_t> rtlTiles) {
  compareWhole<Vxpu_tile_core_ni_2x2, Vxpu_tile_2x2>(p, exe, std::move(rtlTiles), {});
}

TEST(RtlMixedMesh2x2, RingScatterReduceExchangeSpikes) {
  const ChipDescriptor chip = chipFile("examples/chips/2x2.json");
  for (const Program &p : {ring(chip), scatterReduce(), exchange(chip, 30), spikes(0)}) {
    const Executable exe = assembleOrFail(p, chip);
    compareMixed(p, exe, {1, 2});
    compareMixed(p, exe, {0, 3});
  }
}

TEST(RtlMixedMesh2x2, SpawnOntoRtlAndModelTiles) {
  const ChipDescriptor chip = chipFile("examples/chips/2x2.json");
  const Program p = spawn();
  const Executable exe = assembleOrFail(p, chip);
  compareMixed(p, exe, {3});  // the spawned worker is RTL (boot ROM)
  compareMixed(p, exe, {0});  // the spawner is RTL, the worker the model
}

} // namespace
} // namespace xpu::rtl

// ------------------------------------------------------------ mixed-mesh speed
// The plain C++ mixed loop (makeMixedLoopBackend, stage 1) against the all-model emulator
// and the all-RTL mesh on one program: the 4x4 exchange (every core sends to
// its neighbours and accumulates, XPU_RTL_MESH_ITER rounds, default 50).
// Prints tile-cycles/s (cycles x 16 / wall time) of each; checks that every
// run ends at the same cycle. docs/rtl.md "Mixed meshes in xpu-sim".

namespace xpu::rtl {
namespace {

TEST(RtlMixedSpeed, Mesh4x4) {
  const ChipDescriptor chip = chipFile("examples/chips/4x4.json");
  const Program p = exchange(chip, iterFromEnv(50));
  const Executable exe = assembleOrFail(p, chip);
  const uint64_t tiles = chip.numCores();
  auto timeRun = [&](const char *what, Backend &b) {
    EXPECT_FALSE(b.load(exe));
    const auto t0 = std::chrono::steady_clock::now();
    const RunResult r = b.runUntilHalt(0);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(r.status, RunStatus::Halted) << what;
    std::printf("%-34s %8llu cycles in %7.3f s: %10.0f tile-cycles/s\n", what,
                (unsigned long long)r.cycles, s, double(r.cycles * tiles) / s);
    return r.cycles;
  };
  emu::EmulatorBackend model;
  const uint64_t c0 = timeRun("all-model (emulator, SystemC)", model);
  MixedOptions none;
  none.rtlTiles = std::vector<uint32_t>{};
  auto mixedNone = makeMixedLoopBackend({}, none);
  EXPECT_EQ(timeRun("mixed, 0 RTL tiles (plain C++ loop)", *mixedNone), c0);
  MixedOptions half;
  half.rtlTiles = std::vector<uint32_t>{0, 2, 5, 7, 8, 10, 13, 15};
  auto mixedHalf = makeMixedLoopBackend({}, half);
  EXPECT_EQ(timeRun("mixed, 8 of 16 RTL core+NI", *mixedHalf), c0);
  auto mixedAll = makeMixedLoopBackend({}, MixedOptions{});
  EXPECT_EQ(timeRun("mixed, 16 of 16 RTL core+NI", *mixedAll), c0);
  RtlMesh<Vxpu_tile_4x4> rtl(chip.width, chip.height);
  EXPECT_EQ(timeRun("all-RTL (routers too)", rtl), c0);
}

} // namespace
} // namespace xpu::rtl

// ------------------------------------------------------------ whole RTL tiles
// Stage 2 of the mixed mesh: whole RTL tiles (Verilated xpu_tile, router
// included, xpu/rtl/RtlWholeTile.h) as external routers of the model
// network, next to model tiles and RTL core + NI tiles (compareWhole above).

namespace xpu::rtl {
namespace {

TEST(RtlWholeTileMixed2x2, RingScatterReduceExchangeSpikes) {
  const ChipDescriptor chip = chipFile("examples/chips/2x2.json");
  for (const Program &p : {ring(chip), scatterReduce(), exchange(chip, 30), spikes(0)}) {
    const Executable exe = assembleOrFail(p, chip);
    compareWhole<Vxpu_tile_core_ni_2x2, Vxpu_tile_2x2>(p, exe, {}, {1});
    compareWhole<Vxpu_tile_core_ni_2x2, Vxpu_tile_2x2>(p, exe, {}, {0, 3});
    compareWhole<Vxpu_tile_core_ni_2x2, Vxpu_tile_2x2>(p, exe, {}, {0, 1});  // RTL-RTL link
    compareWhole<Vxpu_tile_core_ni_2x2, Vxpu_tile_2x2>(p, exe, {2}, {1});   // all three kinds
  }
}

TEST(RtlWholeTileMixed2x2, SpawnOntoWholeRtlAndModelTiles) {
  const ChipDescriptor chip = chipFile("examples/chips/2x2.json");
  const Program p = spawn();
  const Executable exe = assembleOrFail(p, chip);
  compareWhole<Vxpu_tile_core_ni_2x2, Vxpu_tile_2x2>(p, exe, {}, {3});  // worker is RTL
  compareWhole<Vxpu_tile_core_ni_2x2, Vxpu_tile_2x2>(p, exe, {}, {0});  // spawner is RTL
  compareWhole<Vxpu_tile_core_ni_2x2, Vxpu_tile_2x2>(p, exe, {1}, {0, 3});
}

// Link latency 3 (2 register stages on every link, model-RTL and RTL-RTL)
// and a barrier latency: the external-router hand-over at L > 1; spikes
// run timestep by timestep (stopping at each barrier release) first.
TEST(RtlWholeTileMixed2x2, LinkLatencyAndBarrier) {
  ChipDescriptor chip = chipFile("examples/chips/2x2.json");
  chip.barrierLatency = 7;
  chip.linkLatency = 3;
  for (const Program &p : {ring(chip), exchange(chip, 20), spikes(3)}) {
    const Executable exe = assembleOrFail(p, chip);
    compareWhole<Vxpu_tile_core_ni_2x2, Vxpu_tile_2x2>(p, exe, {}, {1});
    compareWhole<Vxpu_tile_core_ni_2x2, Vxpu_tile_2x2>(p, exe, {3}, {0, 1});
  }
}

TEST(RtlWholeTileMixed4x4, RingExchangeSpikesScatterReduceSpawn) {
  const ChipDescriptor chip = chipFile("examples/chips/4x4.json");
  for (const Program &p : {ring(chip), exchange(chip, 10), spikes4x4(0), scatterReduce(), spawn()}) {
    const Executable exe = assembleOrFail(p, chip);
    compareWhole<Vxpu_tile_core_ni_4x4, Vxpu_tile_4x4>(p, exe, {}, {5, 6, 10});
    compareWhole<Vxpu_tile_core_ni_4x4, Vxpu_tile_4x4>(p, exe, {1}, {0, 4, 15});
  }
}

} // namespace
} // namespace xpu::rtl
