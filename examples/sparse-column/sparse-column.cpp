// sparse-column: a sparse, cortical-column style spiking network on a large
// mesh (issue #9). Builds in code a sheet of small LIF populations
// ("columns"), each with its own afferent input and a few local projections
// to neighbouring columns carried by event (address-event) channels
// (docs/actor-graph.md "Event channels"): only spikes travel, one `vmacs`
// per event on the consuming projection. A weak random drive makes only a
// few percent of the columns spike in a step. Runs it on the SystemC
// emulator (every step equal to the reference executor, bit for bit; exit 1
// otherwise) at several drive levels and measures what the quiet tiles cost:
// active columns and cores per step, events, cycles, flits and energy per
// step, and the emulator's wall-clock speed (it skips tiles with nothing to
// do). Optionally the same network with dense channels, for comparison.
#include "compiler/lib/Driver/Driver.h"

#include "xpu/ChipDescriptor.h"
#include "xpu/Device.h"
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
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#ifndef XPU_DEFAULT_CHIP
#define XPU_DEFAULT_CHIP "examples/sparse-column/chip-32x32.json"
#endif

namespace {

const char *kUsage = R"(usage: sparse-column [options]

A sheet of W x H small LIF populations ("columns", N neurons each) on a large
mesh. Every column has its own afferent input and projects to F random
neighbours (8-neighbourhood, wrapping at the edges) through an event channel
into a projection (a `linear` actor, N x N int8 weights) whose current feeds
the neighbour: 2 + F actors per column, one actor per core. In each step a
column receives an afferent volley (V neurons kicked over threshold) with
probability A, the drive; recurrent spikes add a little more. Every step
runs on the SystemC emulator and must equal the reference executor bit for
bit (exit 1 otherwise). Reports, per drive level: active columns and cores,
events, cycles, flits and energy per step, and the emulator's wall-clock
speed; the same network with dense channels for comparison.

  --chip FILE          chip descriptor (default examples/sparse-column/chip-32x32.json)
  --sheet WxH          columns (default 16x12: 192 columns, 960 actors)
  --neurons N          neurons per column (default 16)
  --fanout F           projections per column (default 3)
  --volley V           neurons kicked by an afferent volley (default 3)
  --weight W           projection weights uniform in [-W/2, W] (default 24; 0..127;
                       the threshold is 200)
  --activity LIST      drive levels A, comma-separated fractions (default 0.01,0.05,0.2,1)
  --steps S            steps per run (default 40)
  --encoding E         events, dense or both (default both)
  --heatmap-activity A the drive level of the heat map (default: the second level, else the first)
  --seed N             seed of the weights and the drive (default 1)
  --out-dir DIR        figures and data (default sparse-column-out): heatmap.svg
                       (per-core busy cycles of one step), speed.svg (emulator
                       speed vs drive), flits.svg (flits per step vs drive),
                       sweep.csv, steps.csv, model.<encoding>.json, inputs.<A>.json
  --progress N         print progress every N steps (default 0: off)
  --mapping-report     print the compiler's mapping report
  -h, --help           show this help
)";

int usageError(const std::string &msg) { return xpu::examples::usageError("sparse-column", msg); }
using xpu::examples::parseUnsigned;

struct Config {
  uint32_t sheetW = 16, sheetH = 12, neurons = 16, fanout = 3, volley = 3, steps = 40, seed = 1;
  // A projection's weights are uniform in [-weight / 2, weight]: a lone spike
  // never fires a target (weight <= threshold), coincident ones may.
  uint32_t weight = 24;
  std::vector<double> activities = {0.01, 0.05, 0.2, 1.0};
  uint32_t columns() const { return sheetW * sheetH; }
};

// Neuron and synapse parameters (fixed-point profile, docs/actor-graph.md).
constexpr int32_t kThreshold = 200; // spike when v > 200
constexpr int32_t kDecay = 512;     // v leaks by 512/4096 = 1/8 per step
constexpr int32_t kKick = 256;      // an afferent kick: over threshold on its own

struct Network {
  xpu::graph::ActorGraph graph;
  std::vector<std::vector<uint32_t>> targets; // [column] target columns of its projections
  // actor indices
  std::vector<uint32_t> input, column;         // [column]
  std::vector<std::vector<uint32_t>> edge;     // [column][f]
};

std::string colName(uint32_t c) { return "col" + std::to_string(c); }

Network makeNetwork(const Config &cfg, bool events) {
  using namespace xpu::graph;
  Xorshift rng(cfg.seed, 0x636f6c, 4);
  Network net;
  ActorGraph &g = net.graph;
  g.name = events ? "sparse-column-events" : "sparse-column-dense";
  const uint32_t P = cfg.columns(), N = cfg.neurons;
  net.targets.resize(P);
  net.edge.resize(P);
  for (uint32_t c = 0; c < P; ++c) {
    Actor in;
    in.name = "in" + std::to_string(c);
    in.kind = ActorKind::Input;
    in.outSize = N;
    in.outType = DType::I32;
    net.input.push_back(uint32_t(g.actors.size()));
    g.actors.push_back(in);
    Actor pop;
    pop.name = colName(c);
    pop.kind = ActorKind::LIF;
    pop.inSize = pop.outSize = N;
    pop.inType = DType::I32;
    pop.outType = DType::I8;
    pop.params.dv = kDecay;
    pop.params.vth = kThreshold;
    pop.reset = xpu::ResetMode::Zero;
    net.column.push_back(uint32_t(g.actors.size()));
    g.actors.push_back(pop);
  }
  // Projections: F distinct neighbours out of the 8-neighbourhood (torus).
  static const int kDx[8] = {-1, 0, 1, -1, 1, -1, 0, 1}, kDy[8] = {-1, -1, -1, 0, 0, 1, 1, 1};
  for (uint32_t c = 0; c < P; ++c) {
    const int x = int(c % cfg.sheetW), y = int(c / cfg.sheetW);
    std::vector<uint32_t> cand;
    for (int k = 0; k < 8; ++k) {
      const uint32_t t = uint32_t((y + kDy[k] + int(cfg.sheetH)) % int(cfg.sheetH)) * cfg.sheetW +
                         uint32_t((x + kDx[k] + int(cfg.sheetW)) % int(cfg.sheetW));
      if (t != c && std::find(cand.begin(), cand.end(), t) == cand.end()) cand.push_back(t);
    }
    for (uint32_t f = 0; f < cfg.fanout && !cand.empty(); ++f) {
      const uint32_t pick = rng.below(uint32_t(cand.size()));
      const uint32_t t = cand[pick];
      cand.erase(cand.begin() + pick);
      net.targets[c].push_back(t);
      Actor e;
      e.name = "proj" + std::to_string(c) + "to" + std::to_string(t);
      e.kind = ActorKind::Linear;
      e.inSize = e.outSize = N;
      e.inType = DType::I8;
      e.outType = DType::I32;
      for (uint32_t i = 0; i < N * N; ++i) e.weight.push_back(int8_t(rng.range(-int32_t(cfg.weight / 2), int32_t(cfg.weight))));
      net.edge[c].push_back(uint32_t(g.actors.size()));
      g.actors.push_back(e);
    }
  }
  for (uint32_t c = 0; c < P; ++c) {
    Channel drive;
    drive.from = net.input[c];
    drive.to = net.column[c];
    g.channels.push_back(drive);
    for (uint32_t f = 0; f < net.targets[c].size(); ++f) {
      Channel spikes; // column c -> its projection: the spikes of step t arrive at t + 1
      spikes.from = net.column[c];
      spikes.to = net.edge[c][f];
      spikes.delay = 1;
      if (events) {
        spikes.encoding = ChannelEncoding::Events;
        spikes.eventsPerMessage = 8;
        // Worst step: ceil(N / 8) messages; the mailbox holds them all, so
        // `block` never stalls and nothing is dropped (docs/mapping.md).
        spikes.capacity = eventMessages(N, 8);
        spikes.policy = xpu::MailboxPolicy::Block;
      } else {
        spikes.capacity = 2;
      }
      g.channels.push_back(spikes);
      Channel current; // projection -> target column, same step
      current.from = net.edge[c][f];
      current.to = net.column[net.targets[c][f]];
      g.channels.push_back(current);
    }
  }
  for (uint32_t c = 0; c < P; ++c) g.outputs.push_back({"s" + std::to_string(c), net.column[c]});
  return net;
}

/// The actor-graph JSON of the network (for xpu-cc).
std::string graphJson(const Network &net) {
  using namespace xpu::graph;
  const ActorGraph &g = net.graph;
  nlohmann::json actors = nlohmann::json::array(), channels = nlohmann::json::array(),
                 outputs = nlohmann::json::array();
  for (const Actor &a : g.actors) {
    if (a.kind == ActorKind::Input) actors.push_back({{"name", a.name}, {"kind", "input"}, {"size", a.outSize}, {"dtype", "i32"}});
    else if (a.kind == ActorKind::LIF)
      actors.push_back({{"name", a.name}, {"kind", "lif"}, {"size", a.outSize}, {"dv", a.params.dv},
                        {"v_threshold", a.params.vth}, {"reset", "zero"}});
    else {
      nlohmann::json w = nlohmann::json::array();
      for (uint32_t o = 0; o < a.outSize; ++o)
        w.push_back(std::vector<int>(a.weight.begin() + size_t(o) * a.inSize, a.weight.begin() + size_t(o + 1) * a.inSize));
      actors.push_back({{"name", a.name}, {"kind", "linear"}, {"in", a.inSize}, {"out", a.outSize}, {"weight", w}});
    }
  }
  for (const Channel &ch : g.channels) {
    nlohmann::json j = {{"from", g.actors[ch.from].name}, {"to", g.actors[ch.to].name}};
    if (ch.delay) j["delay"] = ch.delay;
    if (ch.events()) {
      j["encoding"] = "events";
      j["events_per_message"] = ch.eventsPerMessage;
      j["capacity"] = ch.capacity;
      j["policy"] = "block";
    } else if (ch.capacity != 1) j["capacity"] = ch.capacity;
    channels.push_back(j);
  }
  for (const GraphOutput &o : g.outputs) outputs.push_back({{"name", o.name}, {"actor", g.actors[o.actor].name}});
  return nlohmann::json{{"format", "xpu-actor-graph/1"}, {"name", g.name}, {"sync", "barrier"},
                        {"actors", actors}, {"channels", channels}, {"outputs", outputs}}
      .dump();
}

/// The afferent drive: in each step, column c gets a volley (V distinct
/// neurons kicked over threshold) with probability A.
std::vector<xpu::graph::Values> makeInputs(const Config &cfg, double activity) {
  xpu::graph::Xorshift rng(cfg.seed, 0x64726976 + uint64_t(std::llround(activity * 1e6)), 4);
  std::vector<xpu::graph::Values> steps;
  for (uint32_t t = 0; t < cfg.steps; ++t) {
    xpu::graph::Values v;
    for (uint32_t c = 0; c < cfg.columns(); ++c) {
      std::vector<int32_t> x(cfg.neurons, 0);
      if (rng.unit() < activity)
        for (uint32_t k = 0; k < std::min(cfg.volley, cfg.neurons);) {
          const uint32_t i = rng.below(cfg.neurons);
          if (!x[i]) {
            x[i] = kKick;
            ++k;
          }
        }
      v["in" + std::to_string(c)] = std::move(x);
    }
    steps.push_back(std::move(v));
  }
  return steps;
}

struct StepRecord {
  uint32_t activeColumns = 0, drivenColumns = 0, spikes = 0, activeCores = 0;
  uint64_t cycles = 0, flits = 0, messages = 0;
  double energyNj = 0, wallSec = 0, cpuSec = 0;
  std::vector<uint64_t> busy; // [core] busy cycles in this step
  std::vector<uint8_t> active; // [core] 1 if its actor had data to process
};

struct RunResult {
  std::string encoding;
  double activity = 0;
  std::vector<StepRecord> steps;
  std::vector<xpu::graph::Values> outputs;
  double wallSec = 0; // emulation only (runSteps)
  uint64_t cycles = 0;
  uint64_t dropped = 0;
  double idleBusy = 0, activeBusy = 0; // mean busy cycles per step of an idle / active used core
  double kindBusy[3][2] = {};           // [input, column, projection][idle, active]: mean busy cycles per step
};

/// The median wall-clock (or CPU) time of the steps after step 0 (which
/// includes the boot): robust to other load on the machine.
double medianWall(const RunResult &r, bool cpu = false) {
  std::vector<double> w;
  for (size_t t = 1; t < r.steps.size(); ++t) w.push_back(cpu ? r.steps[t].cpuSec : r.steps[t].wallSec);
  std::sort(w.begin(), w.end());
  return w.empty() ? 0 : w.size() % 2 ? w[w.size() / 2] : (w[w.size() / 2 - 1] + w[w.size() / 2]) / 2;
}

/// CPU time of this thread (the emulator runs on it): unlike the wall clock,
/// it does not count time the machine spent on other processes.
double threadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

std::string fmt(double v, int decimals = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string actLabel(double a) {
  std::ostringstream s;
  s << a * 100 << "%";
  return s.str();
}

} // namespace

int main(int argc, char **argv) {
  Config cfg;
  std::string chipPath = XPU_DEFAULT_CHIP, outDir = "sparse-column-out", encodingArg = "both";
  uint32_t progress = 0;
  double heatActivity = -1;
  bool mappingReport = false;
  const xpu::examples::CommandLine commandLine{
      "sparse-column", kUsage, {{"--mapping-report", &mappingReport}},
      {"--chip", "--sheet", "--neurons", "--fanout", "--volley", "--weight", "--activity", "--steps", "--encoding",
       "--heatmap-activity", "--seed", "--out-dir", "--progress"}};
  auto onValue = [&](const std::string &a, const char *value) -> std::optional<bool> {
    const std::string v = value;
    bool ok = true;
    if (a == "--chip") chipPath = v;
    else if (a == "--out-dir") outDir = v;
    else if (a == "--encoding") {
      encodingArg = v;
      ok = v == "both" || v == "events" || v == "dense";
    } else if (a == "--sheet") {
      const size_t x = v.find('x');
      ok = x != std::string::npos && parseUnsigned(v.substr(0, x).c_str(), cfg.sheetW) &&
           parseUnsigned(v.substr(x + 1).c_str(), cfg.sheetH) && cfg.sheetW >= 2 && cfg.sheetH >= 2;
    } else if (a == "--neurons") ok = parseUnsigned(v.c_str(), cfg.neurons) && cfg.neurons >= 1 && cfg.neurons <= 1024;
    else if (a == "--fanout") ok = parseUnsigned(v.c_str(), cfg.fanout) && cfg.fanout >= 1 && cfg.fanout <= 8;
    else if (a == "--volley") ok = parseUnsigned(v.c_str(), cfg.volley) && cfg.volley >= 1;
    else if (a == "--weight") ok = parseUnsigned(v.c_str(), cfg.weight) && cfg.weight <= 127;
    else if (a == "--steps") ok = parseUnsigned(v.c_str(), cfg.steps) && cfg.steps >= 2;
    else if (a == "--seed") ok = parseUnsigned(v.c_str(), cfg.seed);
    else if (a == "--progress") ok = parseUnsigned(v.c_str(), progress);
    else if (a == "--heatmap-activity" || a == "--activity") {
      std::vector<double> list;
      std::stringstream ss(v);
      std::string item;
      while (ok && std::getline(ss, item, ',')) {
        char *end = nullptr;
        const double d = std::strtod(item.c_str(), &end);
        ok = !item.empty() && end && !*end && d >= 0 && d <= 1;
        list.push_back(d);
      }
      ok = ok && !list.empty();
      if (ok && a == "--activity") cfg.activities = list;
      else if (ok) {
        ok = list.size() == 1;
        heatActivity = list[0];
      }
    }
    return ok;
  };
  if (auto exitCode = xpu::examples::parseCommandLine(argc, argv, commandLine, onValue)) return *exitCode;
  if (heatActivity < 0) heatActivity = cfg.activities[std::min<size_t>(1, cfg.activities.size() - 1)];
  else if (std::find(cfg.activities.begin(), cfg.activities.end(), heatActivity) == cfg.activities.end())
    return usageError("--heatmap-activity must be one of the --activity levels");

  const auto chip = xpu::examples::loadChipAndOutputDir(chipPath, outDir);
  if (!chip) return 1;
  const uint32_t P = cfg.columns(), cores = chip->width * chip->height;
  const uint32_t actorsPerColumn = 2 + std::min(cfg.fanout, 8u);
  std::printf("sheet %ux%u = %u columns of %u LIF neurons, %u projections each (event channels, K = 8): %u actors "
              "on %s (%ux%u = %u cores); drive levels",
              cfg.sheetW, cfg.sheetH, P, cfg.neurons, cfg.fanout, P * actorsPerColumn, chip->name.c_str(),
              chip->width, chip->height, cores);
  for (double a : cfg.activities) std::printf(" %s", actLabel(a).c_str());
  std::printf("; %u steps each; seed %u\n", cfg.steps, cfg.seed);

  std::vector<bool> encodings;
  if (encodingArg != "dense") encodings.push_back(true);
  if (encodingArg != "events") encodings.push_back(false);

  std::map<double, std::vector<xpu::graph::Values>> inputs;
  for (double a : cfg.activities) {
    inputs[a] = makeInputs(cfg, a);
    nlohmann::json j = nlohmann::json::object();
    for (uint32_t c = 0; c < P; ++c) {
      nlohmann::json s = nlohmann::json::array();
      for (const auto &v : inputs[a]) s.push_back(v.at("in" + std::to_string(c)));
      j["in" + std::to_string(c)] = s;
    }
    std::ofstream f(outDir + "/inputs." + fmt(a, 2) + ".json");
    f << j.dump() << "\n";
  }

  std::vector<RunResult> results;
  uint32_t failures = 0;
  for (bool events : encodings) {
    const char *encName = events ? "events" : "dense";
    Network net = makeNetwork(cfg, events);
    xpu::driver::CompileOptions options;
    options.mappingReport = mappingReport;
    options.sourceName = net.graph.name;
    double compileSeconds = 0;
    auto compiled = xpu::examples::compileModel("sparse-column", net.graph, graphJson(net),
                                                outDir + "/model." + encName + ".json", *chip, options,
                                                compileSeconds);
    if (!compiled) return 1;
    // The core of every actor (one slice per actor: they are small).
    const xpu::examples::ImageCores coreOf(*compiled->exe);
    std::vector<int> actorCore(net.graph.actors.size(), -1);
    for (size_t a = 0; a < net.graph.actors.size(); ++a) {
      const uint32_t core = coreOf(net.graph.actors[a].name);
      if (core != UINT32_MAX) actorCore[a] = int(core);
    }
    std::vector<uint8_t> used(cores, 0);
    std::vector<int> coreKind(cores, -1); // 0 input, 1 column, 2 projection
    for (size_t a = 0; a < actorCore.size(); ++a)
      if (actorCore[a] >= 0) {
        used[uint32_t(actorCore[a])] = 1;
        const xpu::graph::ActorKind k = net.graph.actors[a].kind;
        coreKind[uint32_t(actorCore[a])] = k == xpu::graph::ActorKind::Input ? 0 : k == xpu::graph::ActorKind::LIF ? 1 : 2;
      }
    const uint32_t usedCores = uint32_t(std::count(used.begin(), used.end(), 1));
    const double currentFlits =
        double(P + net.graph.actors.size() - 2 * P) * double(1 + (4 * cfg.neurons + chip->flitBytes - 1) / chip->flitBytes);
    std::printf("\n== %s channels: compiled in %.2f s, %u cores in use\n", encName, compileSeconds, usedCores);
    std::printf("  drive  active-cols  active-cores  events/step  cycles/step  flits/step  spike-flits  energy-nJ/step  "
                "busy/step idle|active core  wall|cpu-ms/step  sim-kcycles/s  core-Mcycles/s\n");
    std::fflush(stdout);

    for (double activity : cfg.activities) {
      const std::vector<xpu::graph::Values> &in = inputs[activity];
      // Later runs reuse the mesh (SystemC elaborates once) on a new device.
      const std::unique_ptr<xpu::Device> device = xpu::examples::loadOnEmulator(*compiled->exe);
      if (!device) return 1;
      xpu::graph::ReferenceExecutor reference(net.graph);
      RunResult r;
      r.encoding = encName;
      r.activity = activity;
      nlohmann::json before = device->stats();
      std::vector<uint8_t> prevSpiking(P, 0);
      double busyIdle = 0, busyActive = 0, kindSum[3][2] = {};
      uint64_t nIdle = 0, nActive = 0, kindN[3][2] = {};
      for (uint32_t t = 0; t < cfg.steps; ++t) {
        const std::vector<xpu::graph::Values> step = {in[t]};
        const uint64_t c0 = device->cycle();
        const auto w0 = std::chrono::steady_clock::now();
        const double cpu0 = threadCpuSeconds();
        auto emulated = xpu::driver::runSteps(*device, net.graph, step);
        const double cpu = threadCpuSeconds() - cpu0;
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
        if (!emulated) {
          std::cerr << "sparse-column: error: " << encName << ", drive " << actLabel(activity) << ", step " << t
                    << ": " << emulated.error().message << "\n";
          return 1;
        }
        auto expected = reference.step(in[t]);
        if (!expected) {
          std::cerr << "sparse-column: error: reference executor: " << expected.error().message << "\n";
          return 1;
        }
        const std::string diff = xpu::driver::compareOutputs({*expected}, *emulated);
        if (!diff.empty()) {
          std::cerr << "sparse-column: error: " << encName << ", drive " << actLabel(activity) << ", step " << t
                    << ": MISMATCH: the emulator differs from the reference executor: " << diff << "\n";
          ++failures;
        }
        nlohmann::json after = device->stats();
        StepRecord s;
        s.wallSec = wall;
        s.cpuSec = cpu;
        s.cycles = device->cycle() - c0;
        s.flits = after["network"].value("flits_injected", uint64_t(0)) - before["network"].value("flits_injected", uint64_t(0));
        s.messages = after["messages"].value("sent", uint64_t(0)) - before["messages"].value("sent", uint64_t(0));
        s.energyNj = (after["energy_pj"].value("total", 0.0) - before["energy_pj"].value("total", 0.0)) / 1000.0;
        s.active.assign(cores, 0);
        std::vector<uint8_t> spiking(P, 0);
        for (uint32_t c = 0; c < P; ++c) {
          const std::vector<int32_t> &sp = (*emulated)[0].at("s" + std::to_string(c));
          const uint32_t n = uint32_t(std::count(sp.begin(), sp.end(), 1));
          s.spikes += n;
          spiking[c] = n > 0;
          s.activeColumns += spiking[c];
          const std::vector<int32_t> &x = in[t].at("in" + std::to_string(c));
          const bool driven = std::any_of(x.begin(), x.end(), [](int32_t v) { return v != 0; });
          s.drivenColumns += driven;
          // Cores with data to process this step: a driven input, a spiking
          // column, a projection whose source spiked in the previous step
          // (its events arrive now), and its target column.
          if (driven) s.active[uint32_t(actorCore[net.input[c]])] = 1;
          if (spiking[c]) s.active[uint32_t(actorCore[net.column[c]])] = 1;
          if (prevSpiking[c])
            for (uint32_t f = 0; f < net.edge[c].size(); ++f) {
              s.active[uint32_t(actorCore[net.edge[c][f]])] = 1;
              s.active[uint32_t(actorCore[net.column[net.targets[c][f]]])] = 1;
            }
        }
        prevSpiking = spiking;
        for (uint32_t core = 0; core < cores; ++core) {
          s.busy.push_back(after["cores"][core].value("busy_cycles", uint64_t(0)) -
                           before["cores"][core].value("busy_cycles", uint64_t(0)));
          s.activeCores += s.active[core];
          if (!used[core] || t == 0) continue; // step 0 includes the boot
          kindSum[coreKind[core]][s.active[core]] += double(s.busy[core]);
          ++kindN[coreKind[core]][s.active[core]];
          if (s.active[core]) {
            busyActive += double(s.busy[core]);
            ++nActive;
          } else {
            busyIdle += double(s.busy[core]);
            ++nIdle;
          }
        }
        r.wallSec += wall;
        r.cycles += s.cycles;
        r.outputs.push_back(std::move((*emulated)[0]));
        r.steps.push_back(std::move(s));
        before = std::move(after);
        if (progress && (t + 1) % progress == 0)
          std::printf("    %s, drive %s: %u/%u steps, %.1f s emulated%s\n", encName, actLabel(activity).c_str(), t + 1,
                      cfg.steps, r.wallSec, failures ? ", MISMATCH" : ", all equal to the reference");
      }
      const nlohmann::json &st = before;
      r.dropped = st["messages"]["dropped"].value("total", uint64_t(0));
      for (uint32_t ch = 0; ch < net.graph.channels.size(); ++ch) r.dropped += reference.droppedMessages(ch);
      if (r.dropped) {
        std::cerr << "sparse-column: error: " << encName << ": " << r.dropped << " messages dropped (none expected)\n";
        ++failures;
      }
      r.idleBusy = nIdle ? busyIdle / double(nIdle) : 0;
      r.activeBusy = nActive ? busyActive / double(nActive) : 0;
      for (int k = 0; k < 3; ++k)
        for (int a = 0; a < 2; ++a) r.kindBusy[k][a] = kindN[k][a] ? kindSum[k][a] / double(kindN[k][a]) : 0;
      double cols = 0, acores = 0, spikes = 0, flits = 0, energy = 0;
      for (uint32_t t = 1; t < cfg.steps; ++t) { // step 0 includes the boot
        const StepRecord &s = r.steps[t];
        cols += s.activeColumns;
        acores += s.activeCores;
        spikes += s.spikes;
        flits += double(s.flits);
        energy += s.energyNj;
      }
      const double n = cfg.steps - 1;
      uint64_t cyc = 0;
      for (uint32_t t = 1; t < cfg.steps; ++t) cyc += r.steps[t].cycles;
      // Speed: the median step's CPU time (robust to other load on the
      // machine); the wall clock of the median step beside it.
      const double cpuTotal = medianWall(r, true) * n;
      // The currents (input -> column, projection -> column) are dense i32
      // vectors every step: one head flit + ceil(4N / flit bytes) each. The
      // rest of the flits carry spikes.
      const double spikeFlits = flits / n - currentFlits;
      std::printf("  %5s  %10s%%  %11s%%  %11s  %11s  %10s  %11s  %14s  %10s|%-13s  %15s  %13s  %14s\n",
                  actLabel(activity).c_str(), fmt(100.0 * cols / n / P).c_str(),
                  fmt(100.0 * acores / n / usedCores).c_str(), fmt(spikes / n).c_str(), fmt(double(cyc) / n).c_str(),
                  fmt(flits / n).c_str(), fmt(spikeFlits).c_str(), fmt(energy / n, 2).c_str(), fmt(r.idleBusy).c_str(),
                  fmt(r.activeBusy).c_str(), (fmt(1000.0 * medianWall(r), 1) + "|" + fmt(1000.0 * cpuTotal / n, 1)).c_str(), fmt(double(cyc) / cpuTotal / 1e3).c_str(),
                  fmt(double(cyc) * cores / cpuTotal / 1e6).c_str());
      std::fflush(stdout);
      results.push_back(std::move(r));
    }
  }

  // The two encodings must compute the same spikes.
  for (const RunResult &a : results)
    for (const RunResult &b : results)
      if (a.encoding == "events" && b.encoding == "dense" && a.activity == b.activity) {
        const std::string diff = xpu::driver::compareOutputs(a.outputs, b.outputs);
        if (!diff.empty()) {
          std::cerr << "sparse-column: error: MISMATCH between events and dense channels at drive "
                    << actLabel(a.activity) << ": " << diff << "\n";
          ++failures;
        }
      }

  // Data and figures.
  bool written = true;
  {
    std::ofstream f(outDir + "/steps.csv");
    f << "encoding,drive,step,driven_columns,active_columns,spikes,active_cores,cycles,flits,messages,energy_nj,"
         "wall_ms,cpu_ms\n";
    for (const RunResult &r : results)
      for (uint32_t t = 0; t < r.steps.size(); ++t) {
        const StepRecord &s = r.steps[t];
        f << r.encoding << "," << r.activity << "," << t << "," << s.drivenColumns << "," << s.activeColumns << ","
          << s.spikes << "," << s.activeCores << "," << s.cycles << "," << s.flits << "," << s.messages << ","
          << fmt(s.energyNj, 3) << "," << fmt(1000 * s.wallSec, 3) << "," << fmt(1000 * s.cpuSec, 3) << "\n";
      }
    written = written && bool(f);
  }
  {
    std::ofstream f(outDir + "/sweep.csv");
    f << "encoding,drive,active_columns_pct,events_per_step,cycles_per_step,flits_per_step,energy_nj_per_step,"
         "wall_ms_per_step,cpu_ms_per_step,sim_kcycles_per_cpu_s\n";
    for (const RunResult &r : results) {
      double cols = 0, spikes = 0, flits = 0, energy = 0;
      uint64_t cyc = 0;
      for (uint32_t t = 1; t < r.steps.size(); ++t) {
        cols += r.steps[t].activeColumns;
        spikes += r.steps[t].spikes;
        flits += double(r.steps[t].flits);
        energy += r.steps[t].energyNj;
        cyc += r.steps[t].cycles;
      }
      const double n = double(r.steps.size() - 1);
      f << r.encoding << "," << r.activity << "," << fmt(100 * cols / n / P, 2) << "," << fmt(spikes / n, 2) << ","
        << fmt(double(cyc) / n, 1) << "," << fmt(flits / n, 1) << "," << fmt(energy / n, 3) << ","
        << fmt(1000 * medianWall(r), 3) << "," << fmt(1000 * medianWall(r, true), 3) << ","
        << fmt(double(cyc) / (medianWall(r, true) * n) / 1e3, 1) << "\n";
    }
    written = written && bool(f);
  }
  { // speed and flits vs drive
    std::vector<xpu::emu::Series> speed, flits;
    for (bool events : encodings) {
      xpu::emu::Series sp, fl;
      sp.name = fl.name = events ? "event channels" : "dense channels";
      for (const RunResult &r : results) {
        if ((r.encoding == "events") != events) continue;
        double fsum = 0;
        uint64_t cyc = 0;
        for (uint32_t t = 1; t < r.steps.size(); ++t) {
          cyc += r.steps[t].cycles;
          fsum += double(r.steps[t].flits);
        }
        sp.points.push_back({100 * r.activity, double(cyc) / (medianWall(r, true) * double(r.steps.size() - 1)) / 1e3});
        fl.points.push_back({100 * r.activity, fsum / double(r.steps.size() - 1)});
      }
      speed.push_back(std::move(sp));
      flits.push_back(std::move(fl));
    }
    xpu::emu::ChartOptions co;
    co.title = "Emulator speed vs drive (" + std::to_string(P * actorsPerColumn) + " actors, " + chip->name + ")";
    co.xLabel = "drive: columns with an afferent volley per step (%)";
    co.yLabel = "simulated kcycles per CPU second";
    co.width = 640;
    written = written && xpu::emu::writeTextFile(outDir + "/speed.svg", xpu::emu::lineChart(speed, co));
    co.title = "Flits injected per step vs drive";
    co.yLabel = "flits per step";
    written = written && xpu::emu::writeTextFile(outDir + "/flits.svg", xpu::emu::lineChart(flits, co));
  }
  for (const RunResult &r : results) { // heat map: events run at the chosen drive, the median-activity step
    if (r.encoding != (encodings[0] ? "events" : "dense") || r.activity != heatActivity) continue;
    std::vector<uint32_t> order;
    for (uint32_t t = 1; t < r.steps.size(); ++t) order.push_back(t);
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      return r.steps[a].activeColumns != r.steps[b].activeColumns ? r.steps[a].activeColumns < r.steps[b].activeColumns
                                                                  : a < b;
    });
    const uint32_t t = order[order.size() / 2];
    const StepRecord &s = r.steps[t];
    xpu::emu::CorePanel busy, extra, act;
    busy.title = "busy cycles in step " + std::to_string(t);
    busy.unit = "cycles";
    extra.title = "busy cycles above the core's quietest step";
    extra.unit = "cycles";
    act.title = "cores with data to process";
    act.unit = "1 = active";
    for (uint32_t core = 0; core < cores; ++core) {
      uint64_t quietest = UINT64_MAX;
      for (uint32_t u = 1; u < r.steps.size(); ++u) quietest = std::min(quietest, r.steps[u].busy[core]);
      busy.values.push_back(double(s.busy[core]));
      extra.values.push_back(double(s.busy[core] - quietest));
      act.values.push_back(s.active[core]);
    }
    written = written &&
              xpu::emu::writeTextFile(outDir + "/heatmap.svg",
                                      xpu::emu::coreHeatMaps(chip->width, chip->height, {busy, extra, act},
                                                             "sparse-column, " + r.encoding + " channels, drive " +
                                                                 actLabel(r.activity) + ": " +
                                                                 std::to_string(s.activeColumns) + " of " +
                                                                 std::to_string(P) + " columns spiking, " +
                                                                 std::to_string(s.cycles) + " cycles"));
    std::printf("\nheat map: %s channels, drive %s, step %u (%u of %u columns spiking, %u cores active)\n",
                r.encoding.c_str(), actLabel(r.activity).c_str(), t, s.activeColumns, P, s.activeCores);
  }
  if (encodings.size() == 2) {
    std::printf("\nevents vs dense, flits per step (messages per step):");
    for (double a : cfg.activities) {
      double fe = 0, fd = 0, me = 0, md = 0;
      for (const RunResult &r : results)
        if (r.activity == a)
          for (uint32_t t = 1; t < r.steps.size(); ++t)
            (r.encoding == "events" ? fe : fd) += double(r.steps[t].flits),
                (r.encoding == "events" ? me : md) += double(r.steps[t].messages);
      const double n = cfg.steps - 1;
      std::printf("\n  drive %5s: events %s (%s), dense %s (%s): %s%% of the flits", actLabel(a).c_str(),
                  fmt(fe / n).c_str(), fmt(me / n).c_str(), fmt(fd / n).c_str(), fmt(md / n).c_str(),
                  fmt(100 * fe / std::max(fd, 1.0)).c_str());
    }
    std::printf("\n");
  }
  std::printf("\nbusy cycles per step of a core, idle | active (no such core: -), by actor kind:\n");
  std::printf("  encoding  drive   input          column         projection\n");
  for (const RunResult &r : results) {
    std::printf("  %-8s  %5s", r.encoding.c_str(), actLabel(r.activity).c_str());
    for (int k = 0; k < 3; ++k) {
      auto cell = [&](int a) { return r.kindBusy[k][a] > 0 ? fmt(r.kindBusy[k][a]) : std::string("-"); };
      std::printf("   %6s|%-6s", cell(0).c_str(), cell(1).c_str());
    }
    std::printf("\n");
  }
  // What the simulator pays for a busy and for an idle core-cycle: least
  // squares of every step's CPU time over its busy and idle core-cycles
  // (all runs, steps after the boot).
  {
    double s11 = 0, s12 = 0, s22 = 0, t1 = 0, t2 = 0;
    uint32_t points = 0;
    for (const RunResult &r : results)
      for (size_t t = 1; t < r.steps.size(); ++t) {
        const StepRecord &st = r.steps[t];
        double busy = 0;
        for (uint64_t b : st.busy) busy += double(b);
        const double idle = double(st.cycles) * double(cores) - busy;
        s11 += busy * busy, s12 += busy * idle, s22 += idle * idle;
        t1 += busy * st.cpuSec, t2 += idle * st.cpuSec;
        ++points;
      }
    const double det = s11 * s22 - s12 * s12;
    if (points >= 2 && det > 0) {
      const double perBusy = (t1 * s22 - t2 * s12) / det, perIdle = (s11 * t2 - s12 * t1) / det;
      std::printf("\nsimulation cost (least squares over %u steps): %s ns per busy core-cycle, %s ns per idle "
                  "core-cycle\n",
                  points, fmt(perBusy * 1e9).c_str(), fmt(perIdle * 1e9, 2).c_str());
    }
  }
  if (!written) {
    std::cerr << outDir << ": error: cannot write the figures\n";
    return 1;
  }
  std::printf("\nfigures and data written to %s/ (heatmap.svg, speed.svg, flits.svg, sweep.csv, steps.csv, "
              "model.*.json, inputs.*.json)\n",
              outDir.c_str());
  if (failures) {
    std::cerr << "sparse-column: error: " << failures << " mismatches\n";
    return 1;
  }
  std::printf("every step equal to the reference executor, bit for bit%s; no message dropped\n",
              encodings.size() == 2 ? " (and events equal to dense)" : "");
  return 0;
}

// libsystemc references sc_main; this program has its own main.
int sc_main(int, char *[]) { return 1; }
