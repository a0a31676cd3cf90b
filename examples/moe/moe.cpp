// moe-experts: a mixture of experts with expert-choice routing on the XPU
// mesh (issue #9). Builds a `moe` actor in code (docs/actor-graph.md
// "Mixture of experts"): tokens drawn from a few clusters of unequal
// popularity, router weights aligned with the cluster centroids so that
// every expert specialises in one cluster, random int8 expert weights.
// Compiles it for a chip (the router on one core, one expert per core),
// runs batches on the SystemC emulator, requires every batch to equal the
// reference executor bit for bit (exit 1 otherwise), and reports the load of
// every expert, cycles, energy and link traffic per batch -- for
// expert-choice routing and, on the same tokens, for top-k routing.
#include "compiler/lib/Driver/Driver.h"

#include "xpu/ChipDescriptor.h"
#include "xpu/Device.h"
#include "xpu/compiler/RandomGraph.h"
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
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#ifndef XPU_DEFAULT_CHIP
#define XPU_DEFAULT_CHIP "examples/chips/8x8.json"
#endif

namespace {

using xpu::graph::MoeRouting;

const char *kUsage = R"(usage: moe-experts [options]

A mixture of experts on the XPU mesh: a router actor and E experts, one per
core. Tokens come from E clusters of unequal popularity (cluster c is drawn
with probability proportional to 1/(c+1)^skew); expert e's router weights
are cluster e's centroid, so experts specialise. Every batch (one timestep)
runs on the SystemC emulator and must equal the reference executor bit for
bit (exit 1 otherwise). Reports tokens per expert per batch, dropped tokens,
cycles, energy and link traffic per batch, for expert-choice routing and for
top-k routing on the same tokens.

  --chip FILE          chip descriptor (default examples/chips/8x8.json)
  --routing R          expert_choice, top_k or both (default both)
  --batches N          batches (timesteps) to run per routing (default 16)
  --tokens T           tokens per batch (default 64; 1..256)
  --experts E          experts (default 8)
  --dim D              features per token (default 16)
  --out O              outputs per token and expert (default 16)
  --capacity C         tokens per expert per batch (default T*k/E: the same
                       compute budget for both routings)
  --k K                experts per token with top_k (default 1)
  --skew S             cluster popularity exponent (default 1.0; 0: uniform)
  --seed N             seed of weights and tokens (default 1)
  --out-dir DIR        write the figures and statistics here (default moe-out):
                       load.svg (tokens per expert), links.<routing>.svg
                       (link utilisation), cores.<routing>.svg (busy
                       fraction, energy per core), stats.<routing>.json,
                       model.<routing>.json (the actor graph) and
                       inputs.json (the batches), for xpu-cc --inputs
  --progress N         print progress every N batches (default 4; 0: off)
  --mapping-report     print the compiler's mapping report
  -h, --help           show this help
)";

int usageError(const std::string &msg) { return xpu::examples::usageError("moe-experts", msg); }
using xpu::examples::parseDouble;
using xpu::examples::parseUnsigned;

std::string fmt(double v, int decimals = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

int8_t clamp8(int32_t v) { return int8_t(std::clamp(v, -128, 127)); }

struct Config {
  uint32_t tokens = 64, experts = 8, dim = 16, out = 16, capacity = 0, k = 1, batches = 16, seed = 1;
  double skew = 1.0;
};

/// The model's data: centroids, router and expert weights, and the batches.
struct Data {
  std::vector<int8_t> centroids;    // [E][D]
  std::vector<int8_t> routerWeight; // [E][D]
  std::vector<int8_t> expertWeight; // [E][O][D]
  std::vector<int32_t> expertBias;  // [E][O]
  std::vector<std::vector<int32_t>> batches; // [batch][T*D]
  std::vector<std::vector<uint32_t>> clusterOf; // [batch][T]
};

Data makeData(const Config &c) {
  xpu::graph::Xorshift rng(c.seed, 0x6d6f65, 4);
  Data d;
  // Centroids: every feature +-40 (random signs): well separated clusters.
  for (uint32_t i = 0; i < c.experts * c.dim; ++i) d.centroids.push_back(int8_t(rng.chance(50) ? 40 : -40));
  // Expert e's router row is centroid e: its score is highest for tokens
  // of cluster e.
  d.routerWeight = d.centroids;
  for (uint32_t i = 0; i < c.experts * c.out * c.dim; ++i) d.expertWeight.push_back(int8_t(rng.range(-24, 24)));
  for (uint32_t i = 0; i < c.experts * c.out; ++i) d.expertBias.push_back(rng.range(-200, 200));
  // Cluster popularity 1/(c+1)^skew, as cumulative weights.
  std::vector<double> cumulative;
  double sum = 0;
  for (uint32_t e = 0; e < c.experts; ++e) cumulative.push_back(sum += 1.0 / std::pow(double(e + 1), c.skew));
  for (uint32_t b = 0; b < c.batches; ++b) {
    std::vector<int32_t> x;
    std::vector<uint32_t> clusters;
    for (uint32_t t = 0; t < c.tokens; ++t) {
      const double u = rng.unit() * sum;
      uint32_t cl = uint32_t(std::upper_bound(cumulative.begin(), cumulative.end(), u) - cumulative.begin());
      cl = std::min(cl, c.experts - 1);
      clusters.push_back(cl);
      for (uint32_t i = 0; i < c.dim; ++i) x.push_back(clamp8(d.centroids[cl * c.dim + i] + rng.range(-30, 30)));
    }
    d.batches.push_back(std::move(x));
    d.clusterOf.push_back(std::move(clusters));
  }
  return d;
}

xpu::graph::ActorGraph makeGraph(const Config &c, const Data &d, MoeRouting routing) {
  using namespace xpu::graph;
  Actor in;
  in.name = "tokens";
  in.kind = ActorKind::Input;
  in.outSize = c.tokens * c.dim;
  in.outType = DType::I8;

  Actor m;
  m.name = "moe";
  m.kind = ActorKind::Moe;
  m.inSize = c.tokens * c.dim;
  m.outSize = c.tokens * c.out;
  m.inType = DType::I8;
  m.outType = DType::I32;
  MoeParams &p = m.moe;
  p.tokens = c.tokens;
  p.experts = c.experts;
  p.dim = c.dim;
  p.outDim = c.out;
  p.routing = routing;
  p.k = c.k;
  p.capacity = c.capacity;
  // Scores are about D x 40 x 40 for a token of the expert's own cluster:
  // the gate brings them to int8.
  p.gateShift = uint32_t(std::ceil(std::log2(double(c.dim) * 40 * 40 / 100.0)));
  p.routerWeight = d.routerWeight;
  p.expertWeight = d.expertWeight;
  p.expertBias = d.expertBias;
  p.expertRequantize = Requantize{6, true};

  ActorGraph g;
  g.name = "moe";
  g.actors = {in, m};
  Channel ch;
  ch.from = 0;
  ch.to = 1;
  g.channels = {ch};
  g.outputs = {{"y", 1}};
  return g;
}

/// Which tokens every expert processes in one batch, from the routing rule
/// of docs/actor-graph.md (the statistics of this example; the outputs are
/// checked against the reference executor, not against this).
struct Routing {
  std::vector<uint32_t> accepted;   // [E] tokens processed
  std::vector<uint32_t> wanted;     // [E] tokens that picked the expert (top_k) or = accepted
  uint32_t droppedPicks = 0;        // top_k: (token, expert) picks over capacity
  uint32_t unserved = 0;            // tokens no expert processed (output zeros)
  uint32_t ownCluster = 0;          // accepted tokens that belong to the expert's own cluster
};

Routing route(const Config &c, const Data &d, uint32_t batch, MoeRouting routing) {
  const std::vector<int32_t> &x = d.batches[batch];
  std::vector<int32_t> s(size_t(c.tokens) * c.experts);
  for (uint32_t t = 0; t < c.tokens; ++t)
    for (uint32_t e = 0; e < c.experts; ++e) {
      int64_t acc = 0;
      for (uint32_t i = 0; i < c.dim; ++i) acc += int64_t(d.routerWeight[e * c.dim + i]) * x[t * c.dim + i];
      s[t * c.experts + e] = int32_t(uint32_t(uint64_t(acc)));
    }
  Routing r;
  r.accepted.assign(c.experts, 0);
  r.wanted.assign(c.experts, 0);
  std::vector<uint32_t> served(c.tokens, 0);
  auto accept = [&](uint32_t e, uint32_t t) {
    ++r.accepted[e];
    ++served[t];
    r.ownCluster += d.clusterOf[batch][t] == e;
  };
  if (routing == MoeRouting::ExpertChoice) {
    for (uint32_t e = 0; e < c.experts; ++e) {
      std::vector<uint32_t> order(c.tokens);
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(),
                       [&](uint32_t a, uint32_t b) { return s[a * c.experts + e] > s[b * c.experts + e]; });
      for (uint32_t i = 0; i < c.capacity; ++i) accept(e, order[i]);
    }
    r.wanted = r.accepted;
  } else {
    for (uint32_t t = 0; t < c.tokens; ++t) {
      std::vector<uint32_t> order(c.experts);
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(),
                       [&](uint32_t a, uint32_t b) { return s[t * c.experts + a] > s[t * c.experts + b]; });
      for (uint32_t i = 0; i < c.k; ++i) {
        const uint32_t e = order[i];
        ++r.wanted[e];
        if (r.accepted[e] < c.capacity) accept(e, t);
        else ++r.droppedPicks;
      }
    }
  }
  for (uint32_t t = 0; t < c.tokens; ++t) r.unserved += served[t] == 0;
  return r;
}

const char *routingName(MoeRouting r) { return r == MoeRouting::TopK ? "top_k" : "expert_choice"; }

/// The measured results of one routing.
struct RunResult {
  MoeRouting routing;
  std::vector<double> acceptedAvg, wantedAvg; // [E] per batch
  std::vector<uint32_t> acceptedMin, acceptedMax;
  double droppedPicksAvg = 0, unservedAvg = 0, ownClusterPct = 0;
  double cyclesAvg = 0, energyNjAvg = 0, linkFlitsAvg = 0, maxLinkUtil = 0;
  uint64_t cyclesMin = UINT64_MAX, cyclesMax = 0;
  std::vector<double> expertBusyPct; // [E] busy fraction of each expert core
  double routerBusyPct = 0;
  uint32_t routerCore = 0;
  std::vector<uint32_t> expertCores;
  std::string busiestLinks;          // the top router-to-router links, flits per batch
  bool macsConsistent = true;        // expert MAC counters = accepted tokens x O x D every batch
  nlohmann::json stats;
};

/// Writes the load chart: per expert, the tokens processed per batch for
/// every routing (solid) and, for top_k, the picks it had to drop (pale,
/// stacked), with the capacity as a dashed line.
std::string loadChart(const Config &c, const std::vector<RunResult> &runs) {
  namespace svg = xpu::emu::svg;
  double yMax = c.capacity;
  for (const RunResult &r : runs)
    for (double w : r.wantedAvg) yMax = std::max(yMax, w);
  const std::vector<double> ticks = svg::niceTicks(0, yMax, 6);
  yMax = ticks.back();
  const double left = 56, right = 16, top = 40, bottom = 96, plotH = 260;
  const double plotW = std::max(400.0, (18.0 * runs.size() + 14) * c.experts), group = plotW / c.experts;
  svg::Document doc(left + plotW + right, top + plotH + bottom);
  doc.rect(0, 0, doc.width(), doc.height(), "#ffffff");
  doc.text(doc.width() / 2, 22, "Tokens per expert per batch (mean of " + std::to_string(c.batches) + " batches)", 14,
           "middle", "font-weight=\"bold\"");
  auto yOf = [&](double v) { return top + plotH - v / yMax * plotH; };
  for (double t : ticks) {
    doc.line(left, yOf(t), left + plotW, yOf(t), "#dddddd");
    doc.text(left - 6, yOf(t) + 4, svg::number(t), 11, "end");
  }
  doc.line(left, top, left, top + plotH, "#333333");
  doc.line(left, top + plotH, left + plotW, top + plotH, "#333333");
  for (uint32_t e = 0; e < c.experts; ++e) {
    const double x0 = left + e * group + (group - 18.0 * runs.size()) / 2;
    for (size_t i = 0; i < runs.size(); ++i) {
      const RunResult &r = runs[i];
      const double x = x0 + 18.0 * i, a = r.acceptedAvg[e], w = r.wantedAvg[e];
      const std::string name = routingName(r.routing);
      if (w > a)
        doc.rect(x, yOf(w), 16, yOf(a) - yOf(w), "#f4c7a1", "dropped",
                 name + ", expert " + std::to_string(e) + ": " + svg::number(w - a) + " picks dropped per batch");
      doc.rect(x, yOf(a), 16, yOf(0) - yOf(a), svg::seriesColor(i), "bar",
               name + ", expert " + std::to_string(e) + ": " + svg::number(a) + " tokens per batch (min " +
                   std::to_string(r.acceptedMin[e]) + ", max " + std::to_string(r.acceptedMax[e]) + ")");
    }
    doc.text(left + e * group + group / 2, top + plotH + 16, "e" + std::to_string(e), 11, "middle");
  }
  doc.line(left, yOf(c.capacity), left + plotW, yOf(c.capacity), "#cc0000", 1.5, "5,4");
  doc.text(left + plotW - 2, yOf(c.capacity) - 4, "capacity " + std::to_string(c.capacity), 11, "end",
           "fill=\"#cc0000\"");
  doc.text(left + plotW / 2, top + plotH + 34, "expert", 12, "middle");
  doc.text(16, top + plotH / 2, "tokens per batch", 12, "middle",
           "transform=\"rotate(-90 16 " + svg::number(top + plotH / 2) + ")\"");
  // Legend: one item per line under the axis label.
  double ly = top + plotH + 44;
  for (size_t i = 0; i < runs.size(); ++i, ly += 16) {
    doc.rect(left, ly, 12, 12, svg::seriesColor(i));
    doc.text(left + 16, ly + 10, std::string(routingName(runs[i].routing)) + ": tokens processed", 11);
  }
  if (std::any_of(runs.begin(), runs.end(), [](const RunResult &r) { return r.routing == MoeRouting::TopK; })) {
    doc.rect(left, ly, 12, 12, "#f4c7a1");
    doc.text(left + 16, ly + 10, "top_k: picks dropped (expert over capacity)", 11);
  }
  return doc.str();
}


} // namespace

int main(int argc, char **argv) {
  Config cfg;
  std::string chipPath = XPU_DEFAULT_CHIP, outDir = "moe-out", routingArg = "both";
  uint32_t progress = 4;
  bool mappingReport = false;
  const xpu::examples::CommandLine commandLine{
      "moe-experts", kUsage, {{"--mapping-report", &mappingReport}},
      {"--chip", "--out-dir", "--routing", "--batches", "--tokens", "--experts", "--dim", "--out", "--capacity", "--k",
       "--skew", "--seed", "--progress"}};
  auto onValue = [&](const std::string &a, const char *v) -> std::optional<bool> {
    bool ok = true;
    if (a == "--chip") chipPath = v;
    else if (a == "--out-dir") outDir = v;
    else if (a == "--routing") {
      routingArg = v;
      ok = routingArg == "both" || routingArg == "expert_choice" || routingArg == "top_k";
    } else if (a == "--batches") ok = parseUnsigned(v, cfg.batches) && cfg.batches > 0;
    else if (a == "--tokens") ok = parseUnsigned(v, cfg.tokens) && cfg.tokens >= 1 && cfg.tokens <= 256;
    else if (a == "--experts") ok = parseUnsigned(v, cfg.experts) && cfg.experts >= 1 && cfg.experts <= 256;
    else if (a == "--dim") ok = parseUnsigned(v, cfg.dim) && cfg.dim > 0;
    else if (a == "--out") ok = parseUnsigned(v, cfg.out) && cfg.out > 0;
    else if (a == "--capacity") ok = parseUnsigned(v, cfg.capacity) && cfg.capacity > 0;
    else if (a == "--k") ok = parseUnsigned(v, cfg.k) && cfg.k > 0;
    else if (a == "--skew") ok = parseDouble(v, cfg.skew) && cfg.skew >= 0;
    else if (a == "--seed") ok = parseUnsigned(v, cfg.seed);
    else if (a == "--progress") ok = parseUnsigned(v, progress);
    else return std::nullopt;
    return ok;
  };
  if (auto exitCode = xpu::examples::parseCommandLine(argc, argv, commandLine, onValue)) return *exitCode;
  if (cfg.k > cfg.experts) return usageError("--k " + std::to_string(cfg.k) + " is more than the experts");
  if (!cfg.capacity) cfg.capacity = std::max<uint32_t>(1, cfg.tokens * cfg.k / cfg.experts);
  if (cfg.capacity > cfg.tokens) return usageError("--capacity is more than the tokens per batch");

  const auto chip = xpu::examples::loadChipAndOutputDir(chipPath, outDir);
  if (!chip) return 1;

  const Data data = makeData(cfg);
  std::vector<MoeRouting> routings;
  if (routingArg != "top_k") routings.push_back(MoeRouting::ExpertChoice);
  if (routingArg != "expert_choice") routings.push_back(MoeRouting::TopK);
  {
    std::vector<uint32_t> perCluster(cfg.experts, 0);
    for (const auto &b : data.clusterOf)
      for (uint32_t cl : b) ++perCluster[cl];
    std::printf("%u experts, %u tokens of %u features per batch, %u outputs; capacity %u tokens per expert; "
                "%u batches, seed %u\ntokens per cluster per batch:",
                cfg.experts, cfg.tokens, cfg.dim, cfg.out, cfg.capacity, cfg.batches, cfg.seed);
    for (uint32_t n : perCluster) std::printf(" %s", fmt(double(n) / cfg.batches).c_str());
    std::printf("\n");
  }

  {
    // The batches as xpu-cc --inputs FILE.json: {"tokens": [[batch 0], ...]}.
    std::ofstream f(outDir + "/inputs.json");
    f << nlohmann::json{{"tokens", data.batches}}.dump() << "\n";
  }
  std::vector<RunResult> runs;
  uint32_t failures = 0;
  for (MoeRouting routing : routings) {
    const char *name = routingName(routing);
    const xpu::graph::ActorGraph graph = makeGraph(cfg, data, routing);
    xpu::driver::CompileOptions options;
    options.mappingReport = mappingReport;
    options.sourceName = std::string("moe-") + name;
    double compileSeconds = 0;
    auto compiled = xpu::examples::compileModel("moe-experts", graph, xpu::graph::actorGraphToJson(graph),
                                                outDir + "/model." + name + ".json", *chip, options, compileSeconds);
    if (!compiled) return 1;
    // Cores of the router and of every expert, from the images' names
    // ("moe" and "moe.e<i>").
    const xpu::examples::ImageCores coreOf(*compiled->exe);
    RunResult res;
    res.routing = routing;
    res.routerCore = coreOf("moe", 0);
    for (uint32_t e = 0; e < cfg.experts; ++e) res.expertCores.push_back(coreOf("moe.e" + std::to_string(e)));
    std::printf("\n== %s routing: compiled for %s (%ux%u) in %.2f s; router on core %u, experts on cores", name,
                chip->name.c_str(), chip->width, chip->height, compileSeconds, res.routerCore);
    for (uint32_t core : res.expertCores) std::printf(" %u", core);
    std::printf("\n");
    std::fflush(stdout);

    // The second routing reuses the mesh (same size) on a new device.
    const std::unique_ptr<xpu::Device> device = xpu::examples::loadOnEmulator(*compiled->exe);
    if (!device) return 1;
    xpu::graph::ReferenceExecutor reference(graph);
    res.acceptedAvg.assign(cfg.experts, 0);
    res.wantedAvg.assign(cfg.experts, 0);
    res.acceptedMin.assign(cfg.experts, UINT32_MAX);
    res.acceptedMax.assign(cfg.experts, 0);
    uint64_t ownCluster = 0, acceptedTotal = 0;
    nlohmann::json before = device->stats();
    auto run0 = std::chrono::steady_clock::now();
    for (uint32_t b = 0; b < cfg.batches; ++b) {
      std::vector<xpu::graph::Values> step(1);
      step[0]["tokens"] = data.batches[b];
      const uint64_t c0 = device->cycle();
      auto emulated = xpu::driver::runSteps(*device, graph, step);
      if (!emulated) {
        std::cerr << "moe-experts: error: " << name << " batch " << b << ": " << emulated.error().message << "\n";
        return 1;
      }
      const uint64_t cycles = device->cycle() - c0;
      if (!xpu::examples::checkStep("moe-experts", std::string(name) + " batch " + std::to_string(b), reference,
                                    step[0], *emulated, failures))
        return 1;
      nlohmann::json after = device->stats();
      const Routing r = route(cfg, data, b, routing);
      for (uint32_t e = 0; e < cfg.experts; ++e) {
        res.acceptedAvg[e] += r.accepted[e];
        res.wantedAvg[e] += r.wanted[e];
        res.acceptedMin[e] = std::min(res.acceptedMin[e], r.accepted[e]);
        res.acceptedMax[e] = std::max(res.acceptedMax[e], r.accepted[e]);
        // The chip's own count: an expert core does O x D MACs per token.
        const uint32_t core = res.expertCores[e];
        const uint64_t macs = after["cores"][core].value("vector_macs", uint64_t(0)) -
                              before["cores"][core].value("vector_macs", uint64_t(0));
        if (core == UINT32_MAX || macs != uint64_t(r.accepted[e]) * cfg.out * cfg.dim) res.macsConsistent = false;
      }
      res.droppedPicksAvg += r.droppedPicks;
      res.unservedAvg += r.unserved;
      ownCluster += r.ownCluster;
      acceptedTotal += std::accumulate(r.accepted.begin(), r.accepted.end(), uint64_t(0));
      res.cyclesAvg += double(cycles);
      res.cyclesMin = std::min(res.cyclesMin, cycles);
      res.cyclesMax = std::max(res.cyclesMax, cycles);
      before = std::move(after);
      if (progress && ((b + 1) % progress == 0 || b + 1 == cfg.batches)) {
        std::printf("  %s: %u/%u batches, %llu cycles, %.1f s%s\n", name, b + 1, cfg.batches,
                    (unsigned long long)device->cycle(),
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - run0).count(),
                    failures ? ", MISMATCH" : ", all equal to the reference");
        std::fflush(stdout);
      }
    }
    const double n = cfg.batches;
    for (uint32_t e = 0; e < cfg.experts; ++e) {
      res.acceptedAvg[e] /= n;
      res.wantedAvg[e] /= n;
    }
    res.droppedPicksAvg /= n;
    res.unservedAvg /= n;
    res.ownClusterPct = acceptedTotal ? 100.0 * ownCluster / acceptedTotal : 0;
    res.cyclesAvg /= n;
    res.stats = device->stats();
    const nlohmann::json &st = res.stats;
    res.energyNjAvg = st["energy_pj"].value("total", 0.0) / n / 1000.0;
    res.linkFlitsAvg = double(st["network"].value("link_flits_total", uint64_t(0))) / n;
    const xpu::emu::LinkValues links = xpu::emu::linkUtilisationFromJson(st);
    for (const auto &router : links)
      for (size_t port = 1; port < router.size(); ++port) res.maxLinkUtil = std::max(res.maxLinkUtil, router[port]);
    {
      // Router-to-router links (not the local ejection port), busiest first.
      std::vector<std::pair<uint64_t, std::string>> links;
      for (const auto &l : st["network"]["link_flits"]) {
        const std::string port = l.value("port", "");
        const int x = l.value("x", 0), y = l.value("y", 0);
        int nx = x, ny = y;
        if (port == "east") ++nx;
        else if (port == "west") --nx;
        else if (port == "north") --ny;
        else if (port == "south") ++ny;
        else continue;
        links.push_back({l.value("flits", uint64_t(0)),
                         std::to_string(y * chip->width + x) + "->" + std::to_string(ny * chip->width + nx)});
      }
      std::stable_sort(links.begin(), links.end(), [](const auto &a, const auto &b) { return a.first > b.first; });
      for (size_t i = 0; i < links.size() && i < 4; ++i)
        res.busiestLinks += (i ? ", " : "") + links[i].second + " " + fmt(double(links[i].first) / n, 0);
    }
    const double total = double(st.value("cycles", uint64_t(1)));
    for (uint32_t core : res.expertCores)
      res.expertBusyPct.push_back(100.0 * double(st["cores"][core].value("busy_cycles", uint64_t(0))) / total);
    res.routerBusyPct = 100.0 * double(st["cores"][res.routerCore].value("busy_cycles", uint64_t(0))) / total;
    {
      std::ofstream f(outDir + "/stats." + name + ".json");
      f << st.dump(2) << "\n";
    }
    runs.push_back(std::move(res));
  }

  // The report.
  std::printf("\n");
  for (const RunResult &r : runs) {
    const char *name = routingName(r.routing);
    std::printf("%s: tokens per expert per batch (mean; min..max)\n ", name);
    for (uint32_t e = 0; e < cfg.experts; ++e)
      std::printf(" e%u %s (%u..%u)", e, fmt(r.acceptedAvg[e]).c_str(), r.acceptedMin[e], r.acceptedMax[e]);
    std::printf("\n");
    if (r.routing == MoeRouting::TopK) {
      std::printf("  picks per expert per batch:");
      for (uint32_t e = 0; e < cfg.experts; ++e) std::printf(" %s", fmt(r.wantedAvg[e]).c_str());
      const double pmx = *std::max_element(r.wantedAvg.begin(), r.wantedAvg.end());
      std::printf(" (max/mean %s)\n  dropped picks %s per batch (of %u), ",
                  fmt(pmx / (double(cfg.tokens) * cfg.k / cfg.experts), 2).c_str(), fmt(r.droppedPicksAvg).c_str(),
                  cfg.tokens * cfg.k);
    } else {
      std::printf("  ");
    }
    const double mx = *std::max_element(r.acceptedAvg.begin(), r.acceptedAvg.end());
    const double mean = std::accumulate(r.acceptedAvg.begin(), r.acceptedAvg.end(), 0.0) / cfg.experts;
    std::printf("tokens served by no expert %s per batch (output zeros); max/mean load %s; "
                "%s%% of processed tokens from the expert's own cluster\n",
                fmt(r.unservedAvg).c_str(), fmt(mean > 0 ? mx / mean : 0, 2).c_str(), fmt(r.ownClusterPct).c_str());
    std::printf("  expert MAC counters on the chip %s the routing (O x D MACs per token processed)\n",
                r.macsConsistent ? "agree with" : "DISAGREE with");
    std::printf("  busy: router %s%%, experts", fmt(r.routerBusyPct).c_str());
    for (double b : r.expertBusyPct) std::printf(" %s%%", fmt(b).c_str());
    std::printf("\n  cycles per batch %s (min %llu, max %llu), %.3f us at %.0f MHz; energy per batch %s nJ; "
                "link flits per batch %s, busiest link %s flits/cycle\n",
                fmt(r.cyclesAvg).c_str(), (unsigned long long)r.cyclesMin, (unsigned long long)r.cyclesMax,
                r.cyclesAvg / chip->clockMhz, chip->clockMhz, fmt(r.energyNjAvg, 2).c_str(),
                fmt(r.linkFlitsAvg, 0).c_str(), fmt(r.maxLinkUtil, 3).c_str());
    std::printf("  busiest links (core->core, flits per batch): %s\n", r.busiestLinks.c_str());
  }

  // Figures: one colour scale for the link maps of both routings.
  double linkScale = 0;
  for (const RunResult &r : runs) linkScale = std::max(linkScale, r.maxLinkUtil);
  bool written = xpu::emu::writeTextFile(outDir + "/load.svg", loadChart(cfg, runs));
  for (const RunResult &r : runs) {
    const std::string name = routingName(r.routing);
    written = written &&
              xpu::emu::writeTextFile(outDir + "/links." + name + ".svg",
                                      xpu::emu::linkHeatMap(chip->width, chip->height,
                                                            xpu::emu::linkUtilisationFromJson(r.stats),
                                                            "MoE, " + name + ": link utilisation", "flits/cycle",
                                                            linkScale)) &&
              xpu::emu::writeTextFile(outDir + "/cores." + name + ".svg",
                                      xpu::emu::coreHeatMaps(chip->width, chip->height,
                                                             xpu::emu::corePanelsFromStats(r.stats),
                                                             "MoE, " + name + ": cores"));
  }
  if (!written) {
    std::cerr << outDir << ": error: cannot write the figures\n";
    return 1;
  }
  std::printf("\nfigures and statistics written to %s/ (load.svg, links.*.svg, cores.*.svg, stats.*.json, "
              "model.*.json, inputs.json)\n",
              outDir.c_str());
  bool macsOk = true;
  for (const RunResult &r : runs) macsOk = macsOk && r.macsConsistent;
  if (failures) {
    std::cerr << "moe-experts: error: " << failures << " batches differ from the reference executor\n";
    return 1;
  }
  if (!macsOk) {
    std::cerr << "moe-experts: error: the expert cores' MAC counters disagree with the routing\n";
    return 1;
  }
  std::printf("every batch equal to the reference executor, bit for bit\n");
  return 0;
}

// libsystemc references sc_main; this program has its own main.
int sc_main(int, char *[]) { return 1; }
