// spawn-pool: the actor that creates actors (issue #9). Builds a `pool`
// actor in code (docs/actor-graph.md "Pools"): a dispatcher that receives up
// to N jobs per step and spawns workers from a template on spare cores as its
// load grows, up to its bound B; past the bound it does the excess jobs
// itself (`on_bound: self`) or drops them (`drop`). Drives it with a ramp
// and a burst of jobs, runs it step by step on the SystemC emulator (every
// step equal to the reference executor, bit for bit; exit 1 otherwise) and
// shows spare-core use over time: live workers, which spare cores run, jobs
// done by the dispatcher or dropped, cycles and energy per step.
#include "compiler/lib/Driver/Driver.h"

#include "xpu/ChipDescriptor.h"
#include "xpu/Device.h"
#include "xpu/compiler/Pool.h"
#include "xpu/compiler/Xorshift.h"
#include "xpu/emu/EmulatorBackend.h"
#include "xpu/emu/Report.h"
#include "xpu/emu/Svg.h"

#include "../common/ExampleArgs.h"
#include "../common/ExampleCompile.h"
#include "../common/ExampleRun.h"
#include "../common/ExampleSetup.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#ifndef XPU_DEFAULT_CHIP
#define XPU_DEFAULT_CHIP "examples/chips/4x4.json"
#endif

namespace {

using xpu::graph::PoolOverflow;

const char *kUsage = R"(usage: spawn-pool [options]

A pool actor -- a dispatcher that spawns workers on spare cores when its jobs
exceed what its live workers take, up to its bound -- driven by a ramp and a
burst of jobs: the job count climbs from 0 to N (one more job per step at the
default length), holds, falls back to 1, bursts to N and ends at 0. Every
step runs on the SystemC emulator and must equal the reference executor bit
for bit (exit 1 otherwise). Shows live workers, the spare cores running or
idle per step (emulator per-core statistics), jobs done by the dispatcher
itself (on_bound self) or dropped (on_bound drop), cycles and energy per step.

  --chip FILE            chip descriptor (default examples/chips/4x4.json)
  --on-bound M           self, drop or both (default both)
  --steps S              steps to run (default 40)
  --jobs N               jobs per step at most (default 16; 1..127)
  --features D           features per job (default 8)
  --outputs O            results per job (default 4)
  --jobs-per-worker J    jobs a worker takes per step (default 2)
  --max-workers B        the bound: spare cores kept for workers (default 4)
  --seed N               seed of the template weights and job features (default 1)
  --out-dir DIR          write figures and statistics here (default spawn-out):
                         timeline.<mode>.svg (jobs and workers per step),
                         cores.<mode>.svg (per-step activity of every core,
                         spare cores highlighted), steps.<mode>.csv (the
                         per-step figures), cycles.svg (cycles per step of
                         both modes), stats.<mode>.json, model.<mode>.json
                         and inputs.json (for xpu-cc --inputs)
  --progress N           print progress every N steps (default 10; 0: off)
  --quiet                no per-step table
  --mapping-report       print the compiler's mapping report
  -h, --help             show this help
)";

int usageError(const std::string &msg) { return xpu::examples::usageError("spawn-pool", msg); }
using xpu::examples::parseUnsigned;

struct Config {
  uint32_t steps = 40, jobs = 16, features = 8, outputs = 4, jobsPerWorker = 2, maxWorkers = 4, seed = 1;
};

/// The job count of step t: a ramp 0 -> N over the first 40% of the steps,
/// N for 10%, down to 1 over 20%, 1 for 10%, a burst of N for 10%, then 0.
uint32_t jobCount(const Config &c, uint32_t t) {
  const double u = double(t) / c.steps, n = c.jobs;
  double v;
  if (u < 0.4) v = n * u / 0.4;
  else if (u < 0.5) v = n;
  else if (u < 0.7) v = 1 + (n - 1) * (0.7 - u) / 0.2;
  else if (u < 0.8) v = 1;
  else if (u < 0.9) v = n;
  else v = 0;
  return uint32_t(std::clamp(std::lround(v), 0l, long(c.jobs)));
}

xpu::graph::ActorGraph makeGraph(const Config &c, PoolOverflow onBound) {
  using namespace xpu::graph;
  Xorshift rng(c.seed, 0x706f6f6c, 4);
  Actor p;
  p.name = "pool";
  p.kind = ActorKind::Pool;
  p.inType = p.outType = DType::I8;
  PoolParams &m = p.pool;
  m.jobs = c.jobs;
  m.features = c.features;
  m.outputs = c.outputs;
  m.jobsPerWorker = c.jobsPerWorker;
  m.maxWorkers = c.maxWorkers;
  m.onBound = onBound;
  for (uint32_t i = 0; i < c.outputs * c.features; ++i) m.weight.push_back(int8_t(rng.range(-40, 40)));
  for (uint32_t i = 0; i < c.outputs; ++i) m.bias.push_back(rng.range(-500, 500));
  m.requantize = Requantize{6, false};
  p.inSize = 1 + c.jobs * c.features;
  p.outSize = c.jobs * c.outputs + 2;

  Actor in;
  in.name = "jobs";
  in.kind = ActorKind::Input;
  in.outSize = p.inSize;
  in.outType = DType::I8;

  ActorGraph g;
  g.name = "spawn";
  g.actors = {in, p};
  Channel ch;
  ch.from = 0;
  ch.to = 1;
  g.channels = {ch};
  g.outputs = {{"y", 1}};
  return g;
}

/// The actor graph JSON of the pool graph (for xpu-cc; the library's
/// writer does not cover pools).
std::string graphJson(const Config &c, const xpu::graph::ActorGraph &g) {
  const xpu::graph::PoolParams &m = g.actors[1].pool;
  nlohmann::json w = nlohmann::json::array();
  for (uint32_t o = 0; o < c.outputs; ++o)
    w.push_back(std::vector<int>(m.weight.begin() + size_t(o) * c.features, m.weight.begin() + size_t(o + 1) * c.features));
  nlohmann::json j = {
      {"format", "xpu-actor-graph/1"},
      {"name", g.name},
      {"sync", "barrier"},
      {"actors",
       {{{"name", "jobs"}, {"kind", "input"}, {"size", g.actors[0].outSize}},
        {{"name", "pool"},
         {"kind", "pool"},
         {"jobs", c.jobs},
         {"features", c.features},
         {"outputs", c.outputs},
         {"template", {{"weight", w}, {"bias", m.bias}, {"requantize", {{"shift", m.requantize.shift}}}}},
         {"jobs_per_worker", c.jobsPerWorker},
         {"max_workers", c.maxWorkers},
         {"on_bound", m.onBound == PoolOverflow::Drop ? "drop" : "self"}}}},
      {"channels", {{{"from", "jobs"}, {"to", "pool"}}}},
      {"outputs", {{{"name", "y"}, {"actor", "pool"}}}}};
  return j.dump(1);
}

/// The inputs of every step: the count, then N jobs of random features
/// (also past the count: the pool must ignore them).
std::vector<xpu::graph::Values> makeInputs(const Config &c) {
  xpu::graph::Xorshift rng(c.seed, 0x6a6f6273, 4);
  std::vector<xpu::graph::Values> steps;
  for (uint32_t t = 0; t < c.steps; ++t) {
    std::vector<int32_t> x = {int32_t(jobCount(c, t))};
    for (uint32_t i = 0; i < c.jobs * c.features; ++i) x.push_back(rng.range(-128, 127));
    steps.push_back({{"jobs", x}});
  }
  return steps;
}

const char *modeName(PoolOverflow m) { return m == PoolOverflow::Drop ? "drop" : "self"; }

struct StepRecord {
  uint32_t jobs = 0, workers = 0, onWorkers = 0, onDispatcher = 0, dropped = 0;
  uint64_t cycles = 0;
  double energyNj = 0;
  std::vector<uint64_t> busy;         // [core] busy cycles in this step
  std::vector<uint64_t> instructions; // [core] instructions in this step
};

struct ModeResult {
  PoolOverflow mode;
  std::vector<StepRecord> steps;
  uint32_t inputCore = 0, dispatcherCore = 0;
  std::vector<uint32_t> workerCores;  // [w]
  std::vector<int> spawnedAt;         // [w] first step the worker's core ran, -1 never
  uint64_t spawnsBooted = 0;
  nlohmann::json stats;
};

std::string fmt(double v, int decimals = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

/// Per-step activity strip: one row per core in use (input, dispatcher, the
/// spare cores of the workers, highlighted), one column per step, coloured by
/// the fraction of the step's cycles the core was busy; grey: the core ran no
/// instruction in that step (a spare core not spawned yet).
std::string activityStrip(const Config &c, const ModeResult &r) {
  namespace svg = xpu::emu::svg;
  struct Row {
    std::string label;
    uint32_t core;
    bool spare;
  };
  std::vector<Row> rows = {{"jobs (input), core " + std::to_string(r.inputCore), r.inputCore, false},
                           {"dispatcher, core " + std::to_string(r.dispatcherCore), r.dispatcherCore, false}};
  for (uint32_t w = 0; w < r.workerCores.size(); ++w)
    rows.push_back({"worker " + std::to_string(w) + ", spare core " + std::to_string(r.workerCores[w]),
                    r.workerCores[w], true});
  const double left = 190, top = 48, cell = std::max(8.0, std::min(18.0, 640.0 / c.steps)), rowH = 22;
  const double plotW = cell * c.steps, legendY = top + rowH * rows.size() + 36;
  svg::Document doc(left + plotW + 24, legendY + 40);
  doc.rect(0, 0, doc.width(), doc.height(), "#ffffff");
  doc.text(doc.width() / 2, 22,
           std::string("Core activity per step (on_bound ") + modeName(r.mode) + "): busy fraction of the step", 14,
           "middle", "font-weight=\"bold\"");
  for (size_t i = 0; i < rows.size(); ++i) {
    const double y = top + rowH * i;
    if (rows[i].spare) doc.rect(0, y - 1, left + plotW + 4, rowH, "#fff3d6");
    doc.text(left - 8, y + rowH / 2 + 4, rows[i].label, 11, "end", rows[i].spare ? "font-weight=\"bold\"" : "");
    for (uint32_t t = 0; t < c.steps; ++t) {
      const StepRecord &s = r.steps[t];
      const uint32_t core = rows[i].core;
      const double frac = s.cycles ? double(s.busy[core]) / double(s.cycles) : 0;
      const bool ran = s.instructions[core] > 0;
      doc.rect(left + cell * t, y + 1, cell - 1, rowH - 4, ran ? svg::heatColor(frac) : "#d9d9d9", "cell",
               rows[i].label + ", step " + std::to_string(t) + ": " + std::to_string(s.jobs) + " jobs, " +
                   (ran ? std::to_string(s.busy[core]) + " of " + std::to_string(s.cycles) + " cycles busy"
                        : std::string("idle (not spawned)")));
    }
  }
  for (uint32_t t = 0; t < c.steps; t += (c.steps > 20 ? 5 : 1))
    doc.text(left + cell * t + cell / 2, top + rowH * rows.size() + 12, std::to_string(t), 10, "middle");
  doc.text(left + plotW / 2, top + rowH * rows.size() + 26, "step", 11, "middle");
  // Legend: the colour scale and the idle grey.
  for (int i = 0; i <= 10; ++i) doc.rect(left + 14.0 * i, legendY, 14, 12, svg::heatColor(i / 10.0));
  doc.text(left - 4, legendY + 10, "busy 0", 10, "end");
  doc.text(left + 14 * 11 + 4, legendY + 10, "1", 10);
  doc.rect(left + 14 * 11 + 30, legendY, 14, 12, "#d9d9d9");
  doc.text(left + 14 * 11 + 48, legendY + 10, "no instruction (spare core idle)", 10);
  doc.rect(left + 14 * 11 + 230, legendY, 14, 12, "#fff3d6", "", "", "#cccccc");
  doc.text(left + 14 * 11 + 248, legendY + 10, "spare cores", 10);
  return doc.str();
}

} // namespace

int main(int argc, char **argv) {
  Config cfg;
  std::string chipPath = XPU_DEFAULT_CHIP, outDir = "spawn-out", modeArg = "both";
  uint32_t progress = 10;
  bool mappingReport = false, quiet = false;
  const xpu::examples::CommandLine commandLine{
      "spawn-pool", kUsage, {{"--mapping-report", &mappingReport}, {"--quiet", &quiet}},
      {"--chip", "--out-dir", "--on-bound", "--steps", "--jobs", "--features", "--outputs", "--jobs-per-worker",
       "--max-workers", "--seed", "--progress"}};
  auto onValue = [&](const std::string &a, const char *v) -> std::optional<bool> {
    bool ok = true;
    if (a == "--chip") chipPath = v;
    else if (a == "--out-dir") outDir = v;
    else if (a == "--on-bound") {
      modeArg = v;
      ok = modeArg == "both" || modeArg == "self" || modeArg == "drop";
    } else if (a == "--steps") ok = parseUnsigned(v, cfg.steps) && cfg.steps > 0;
    else if (a == "--jobs") ok = parseUnsigned(v, cfg.jobs) && cfg.jobs >= 1 && cfg.jobs <= xpu::graph::kPoolMaxJobs;
    else if (a == "--features") ok = parseUnsigned(v, cfg.features) && cfg.features > 0;
    else if (a == "--outputs") ok = parseUnsigned(v, cfg.outputs) && cfg.outputs > 0;
    else if (a == "--jobs-per-worker") ok = parseUnsigned(v, cfg.jobsPerWorker) && cfg.jobsPerWorker > 0;
    else if (a == "--max-workers") ok = parseUnsigned(v, cfg.maxWorkers) && cfg.maxWorkers > 0;
    else if (a == "--seed") ok = parseUnsigned(v, cfg.seed);
    else if (a == "--progress") ok = parseUnsigned(v, progress);
    else return std::nullopt;
    return ok;
  };
  if (auto exitCode = xpu::examples::parseCommandLine(argc, argv, commandLine, onValue)) return *exitCode;
  if (cfg.jobsPerWorker > cfg.jobs) return usageError("--jobs-per-worker is more than --jobs");
  const uint32_t usefulWorkers = (cfg.jobs + cfg.jobsPerWorker - 1) / cfg.jobsPerWorker;
  if (cfg.maxWorkers > usefulWorkers)
    return usageError("--max-workers " + std::to_string(cfg.maxWorkers) + ": at most " +
                      std::to_string(usefulWorkers) + " workers can be busy (ceil(jobs / jobs-per-worker))");

  const auto chip = xpu::examples::loadChipAndOutputDir(chipPath, outDir);
  if (!chip) return 1;
  std::vector<PoolOverflow> modes;
  if (modeArg != "drop") modes.push_back(PoolOverflow::Self);
  if (modeArg != "self") modes.push_back(PoolOverflow::Drop);
  const std::vector<xpu::graph::Values> inputs = makeInputs(cfg);
  std::printf("pool: up to %u jobs per step of %u features -> %u results; %u jobs per worker, at most %u workers "
              "(%u jobs); %u steps, seed %u\njob counts:",
              cfg.jobs, cfg.features, cfg.outputs, cfg.jobsPerWorker, cfg.maxWorkers,
              cfg.maxWorkers * cfg.jobsPerWorker, cfg.steps, cfg.seed);
  for (uint32_t t = 0; t < cfg.steps; ++t) std::printf(" %u", jobCount(cfg, t));
  std::printf("\n");

  {
    // The steps as xpu-cc --inputs FILE.json: {"jobs": [[step 0], ...]}.
    nlohmann::json steps = nlohmann::json::array();
    for (const auto &v : inputs) steps.push_back(v.at("jobs"));
    std::ofstream f(outDir + "/inputs.json");
    f << nlohmann::json{{"jobs", steps}}.dump() << "\n";
  }
  std::vector<ModeResult> results;
  uint32_t failures = 0, inconsistencies = 0;
  for (PoolOverflow mode : modes) {
    const char *name = modeName(mode);
    const xpu::graph::ActorGraph graph = makeGraph(cfg, mode);
    xpu::driver::CompileOptions options;
    options.mappingReport = mappingReport;
    options.sourceName = std::string("spawn-") + name;
    double compileSeconds = 0;
    auto compiled = xpu::examples::compileModel("spawn-pool", graph, graphJson(cfg, graph),
                                                outDir + "/model." + name + ".json", *chip, options, compileSeconds);
    if (!compiled) return 1;
    const xpu::examples::ImageCores coreOf(*compiled->exe);
    ModeResult res;
    res.mode = mode;
    res.inputCore = coreOf("jobs", 0);
    res.dispatcherCore = coreOf("pool", 0);
    for (uint32_t w = 0; w < cfg.maxWorkers; ++w) res.workerCores.push_back(xpu::graph::poolWorkerCore(graph, *chip, 1, w));
    res.spawnedAt.assign(cfg.maxWorkers, -1);
    std::printf("\n== on_bound %s: compiled for %s (%ux%u) in %.2f s; input on core %u, dispatcher on core %u, "
                "spare cores for workers 0..%u:",
                name, chip->name.c_str(), chip->width, chip->height, compileSeconds, res.inputCore,
                res.dispatcherCore, cfg.maxWorkers - 1);
    for (uint32_t core : res.workerCores) std::printf(" %u", core);
    std::printf("\n");
    std::fflush(stdout);

    // The second mode reuses the mesh (same size) on a new device.
    const std::unique_ptr<xpu::Device> device = xpu::examples::loadOnEmulator(*compiled->exe);
    if (!device) return 1;
    xpu::graph::ReferenceExecutor reference(graph);
    const uint32_t cores = chip->width * chip->height, outBase = cfg.jobs * cfg.outputs;
    nlohmann::json before = device->stats();
    std::vector<uint64_t> instructionsSoFar(cores, 0);
    if (!quiet)
      std::printf("  step  jobs  workers  on-workers  %s  cycles  energy-nJ  worker busy cycles (w0..w%u)\n",
                  mode == PoolOverflow::Self ? "by-dispatcher" : "      dropped", cfg.maxWorkers - 1);
    auto run0 = std::chrono::steady_clock::now();
    for (uint32_t t = 0; t < cfg.steps; ++t) {
      const std::vector<xpu::graph::Values> step = {inputs[t]};
      const uint64_t c0 = device->cycle();
      auto emulated = xpu::driver::runSteps(*device, graph, step);
      if (!emulated) {
        std::cerr << "spawn-pool: error: on_bound " << name << " step " << t << ": " << emulated.error().message
                  << "\n";
        return 1;
      }
      if (!xpu::examples::checkStep("spawn-pool", "on_bound " + std::string(name) + " step " + std::to_string(t),
                                    reference, step[0], *emulated, failures))
        return 1;
      nlohmann::json after = device->stats();
      StepRecord s;
      const std::vector<int32_t> &y = (*emulated)[0].at("y");
      s.jobs = jobCount(cfg, t);
      s.workers = uint32_t(y[outBase]);
      s.dropped = uint32_t(y[outBase + 1]);
      s.onWorkers = std::min(s.jobs, s.workers * cfg.jobsPerWorker);
      s.onDispatcher = s.jobs - s.onWorkers - s.dropped;
      s.cycles = device->cycle() - c0;
      s.energyNj = (after["energy_pj"].value("total", 0.0) - before["energy_pj"].value("total", 0.0)) / 1000.0;
      for (uint32_t core = 0; core < cores; ++core) {
        s.busy.push_back(after["cores"][core].value("busy_cycles", uint64_t(0)) -
                         before["cores"][core].value("busy_cycles", uint64_t(0)));
        s.instructions.push_back(after["cores"][core].value("instructions", uint64_t(0)) -
                                 before["cores"][core].value("instructions", uint64_t(0)));
        instructionsSoFar[core] += s.instructions.back();
      }
      // The chip must agree with the pool's count: exactly the spare cores
      // of live workers have run.
      for (uint32_t w = 0; w < cfg.maxWorkers; ++w) {
        const bool ran = instructionsSoFar[res.workerCores[w]] > 0, live = w < s.workers;
        if (ran && res.spawnedAt[w] < 0) res.spawnedAt[w] = int(t);
        if (ran != live) {
          std::cerr << "spawn-pool: error: on_bound " << name << " step " << t << ": worker " << w << " (core "
                    << res.workerCores[w] << ") " << (ran ? "ran" : "never ran") << " but the pool reports "
                    << s.workers << " live workers\n";
          ++inconsistencies;
        }
      }
      if (!quiet) {
        std::printf("  %4u  %4u  %7u  %10u  %13u  %6llu  %9s ", t, s.jobs, s.workers, s.onWorkers,
                    mode == PoolOverflow::Self ? s.onDispatcher : s.dropped, (unsigned long long)s.cycles,
                    fmt(s.energyNj, 2).c_str());
        for (uint32_t core : res.workerCores)
          std::printf(" %5s", s.instructions[core] ? std::to_string(s.busy[core]).c_str() : "-");
        std::printf("\n");
      }
      res.steps.push_back(std::move(s));
      before = std::move(after);
      if (progress && quiet && ((t + 1) % progress == 0 || t + 1 == cfg.steps)) {
        std::printf("  on_bound %s: %u/%u steps, %llu cycles, %.1f s%s\n", name, t + 1, cfg.steps,
                    (unsigned long long)device->cycle(),
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - run0).count(),
                    failures ? ", MISMATCH" : ", all equal to the reference");
        std::fflush(stdout);
      }
    }
    res.stats = device->stats();
    res.spawnsBooted = res.stats["messages"].value("spawns_booted", uint64_t(0));
    {
      std::ofstream f(outDir + "/stats." + name + ".json");
      f << res.stats.dump(2) << "\n";
    }
    {
      std::ofstream f(outDir + "/steps." + name + ".csv");
      f << "step,jobs,workers,on_workers,on_dispatcher,dropped,cycles,energy_nj";
      for (uint32_t w = 0; w < cfg.maxWorkers; ++w) f << ",worker" << w << "_busy";
      f << ",dispatcher_busy\n";
      for (uint32_t t = 0; t < cfg.steps; ++t) {
        const StepRecord &s = res.steps[t];
        f << t << "," << s.jobs << "," << s.workers << "," << s.onWorkers << "," << s.onDispatcher << ","
          << s.dropped << "," << s.cycles << "," << fmt(s.energyNj, 3);
        for (uint32_t core : res.workerCores) f << "," << s.busy[core];
        f << "," << s.busy[res.dispatcherCore] << "\n";
      }
    }
    results.push_back(std::move(res));
  }

  // Summary and figures.
  std::printf("\n");
  bool written = true;
  for (const ModeResult &r : results) {
    const char *name = modeName(r.mode);
    uint64_t jobs = 0, onWorkers = 0, onDispatcher = 0, dropped = 0, cycles = 0, maxCycles = 0;
    double energy = 0;
    for (const StepRecord &s : r.steps) {
      jobs += s.jobs;
      onWorkers += s.onWorkers;
      onDispatcher += s.onDispatcher;
      dropped += s.dropped;
      cycles += s.cycles;
      maxCycles = std::max(maxCycles, s.cycles);
      energy += s.energyNj;
    }
    std::printf("on_bound %s: %llu jobs: %llu on workers, %llu by the dispatcher, %llu dropped; %llu spawns booted\n",
                name, (unsigned long long)jobs, (unsigned long long)onWorkers, (unsigned long long)onDispatcher,
                (unsigned long long)dropped, (unsigned long long)r.spawnsBooted);
    std::printf("  workers spawned at steps:");
    for (uint32_t w = 0; w < r.spawnedAt.size(); ++w)
      std::printf(" w%u %s", w, r.spawnedAt[w] < 0 ? "never" : std::to_string(r.spawnedAt[w]).c_str());
    const double total = double(r.stats.value("cycles", uint64_t(1)));
    std::printf("\n  busy over the run: dispatcher %s%%, workers",
                fmt(100.0 * r.stats["cores"][r.dispatcherCore].value("busy_cycles", uint64_t(0)) / total).c_str());
    for (uint32_t core : r.workerCores)
      std::printf(" %s%%", fmt(100.0 * r.stats["cores"][core].value("busy_cycles", uint64_t(0)) / total).c_str());
    std::printf("\n  cycles per step %s (max %llu), %.3f us at %.0f MHz; energy per step %s nJ\n",
                fmt(double(cycles) / cfg.steps).c_str(), (unsigned long long)maxCycles,
                double(cycles) / cfg.steps / chip->clockMhz, chip->clockMhz, fmt(energy / cfg.steps, 2).c_str());

    std::vector<xpu::emu::Series> series(4);
    series[0].name = "jobs";
    series[1].name = "on workers";
    series[2].name = r.mode == PoolOverflow::Self ? "by dispatcher" : "dropped";
    series[3].name = "live workers";
    for (uint32_t t = 0; t < cfg.steps; ++t) {
      const StepRecord &s = r.steps[t];
      series[0].points.push_back({t, s.jobs});
      series[1].points.push_back({t, s.onWorkers});
      series[2].points.push_back({t, r.mode == PoolOverflow::Self ? s.onDispatcher : s.dropped});
      series[3].points.push_back({t, s.workers});
    }
    xpu::emu::ChartOptions co;
    co.title = std::string("Pool, on_bound ") + name + ": jobs and live workers per step";
    co.xLabel = "step";
    co.yLabel = "jobs / workers";
    co.width = 640;
    written = written &&
              xpu::emu::writeTextFile(outDir + "/timeline." + name + ".svg", xpu::emu::lineChart(series, co)) &&
              xpu::emu::writeTextFile(outDir + "/cores." + name + ".svg", activityStrip(cfg, r));
  }
  if (results.size() > 1) { // cycles per step of both modes on one chart
    std::vector<xpu::emu::Series> series;
    for (const ModeResult &r : results) {
      xpu::emu::Series s;
      s.name = std::string("on_bound ") + modeName(r.mode);
      for (uint32_t t = 0; t < cfg.steps; ++t) s.points.push_back({t, double(r.steps[t].cycles)});
      series.push_back(std::move(s));
    }
    xpu::emu::ChartOptions co;
    co.title = "Pool: cycles per step";
    co.xLabel = "step";
    co.yLabel = "cycles";
    co.width = 640;
    written = written && xpu::emu::writeTextFile(outDir + "/cycles.svg", xpu::emu::lineChart(series, co));
  }
  if (!written) {
    std::cerr << outDir << ": error: cannot write the figures\n";
    return 1;
  }
  std::printf("\nfigures and per-step figures written to %s/ (timeline.*.svg, cores.*.svg, cycles.svg, steps.*.csv, "
              "stats.*.json, model.*.json, inputs.json)\n",
              outDir.c_str());
  if (failures || inconsistencies) {
    if (failures) std::cerr << "spawn-pool: error: " << failures << " steps differ from the reference executor\n";
    if (inconsistencies)
      std::cerr << "spawn-pool: error: " << inconsistencies
                << " (step, worker) pairs where the spare cores disagree with the live workers\n";
    return 1;
  }
  std::printf("every step equal to the reference executor, bit for bit; spare-core activity matches the live "
              "workers\n");
  return 0;
}

// libsystemc references sc_main; this program has its own main.
int sc_main(int, char *[]) { return 1; }
