// compile_bench: time and peak memory of partition + place + route (the
// Mapping library) and of the whole MLIR pipeline (driver::compileGraph up
// to the xpu dialect) on generated graphs of 100, 1k, 10k actors and a
// 1M-neuron model; placement cost against its lower bound (docs/mapping.md).
//
//   compile_bench [--only NAME] [--skip-full] [--place greedy|anneal] [--seed N] [--iterations N]
//                 [--no-multilevel] [--ml-moves N] [--ml-runs N] [--refine-temp T] [--start-temp T] [--balance W]
#include "compiler/lib/Driver/Driver.h"
#include "xpu/compiler/Xorshift.h"
#include "xpu/compiler/Mapping.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

using namespace xpu;
using namespace xpu::graph;

namespace {

/// The shared xorshift with this file's own stream of benchmark graphs.
struct Rng : Xorshift {
  explicit Rng(uint64_t seed) : Xorshift(seed, 1, 0) {}
};


Actor linear(const std::string &name, uint32_t in, uint32_t out, bool requant, Rng &rng) {
  Actor a;
  a.name = name;
  a.kind = ActorKind::Linear;
  a.inSize = in;
  a.outSize = out;
  a.weight.resize(size_t(in) * out);
  for (int8_t &w : a.weight) w = int8_t(int(rng.next() % 7) - 3);
  if (requant) a.requantize = Requantize{4, true};
  a.outType = requant ? DType::I8 : DType::I32;
  return a;
}

Actor lif(const std::string &name, uint32_t n) {
  Actor a;
  a.name = name;
  a.kind = ActorKind::LIF;
  a.inSize = a.outSize = n;
  a.inType = DType::I32;
  a.outType = DType::I8;
  a.params.dv = 512;
  a.params.vth = 64;
  return a;
}

uint32_t add(ActorGraph &g, Actor a) {
  a.pointer = "/actors/" + std::to_string(g.actors.size());
  g.actors.push_back(std::move(a));
  return uint32_t(g.actors.size() - 1);
}

void connect(ActorGraph &g, uint32_t from, uint32_t to) {
  Channel c;
  c.from = from;
  c.to = to;
  c.pointer = "/channels/" + std::to_string(g.channels.size());
  g.channels.push_back(c);
}

/// `chains` side-by-side SNN pipelines of about `actors` actors in all: each
/// chain is input -> (linear -> LIF)*; every LIF also receives a projection
/// from the previous layer of the next chain (lateral links), so the graph
/// is connected and two-dimensional, like a layered network sliced in columns.
ActorGraph layered(uint32_t actors, uint32_t chains, uint32_t width, uint64_t seed) {
  Rng rng(seed);
  ActorGraph g;
  g.name = "layered_" + std::to_string(actors);
  const uint32_t perChain = std::max<uint32_t>(3, actors / chains);
  const uint32_t depth = (perChain - 1) / 3; // linear, lateral linear, LIF per layer
  std::vector<uint32_t> prev(chains);
  for (uint32_t c = 0; c < chains; ++c) {
    Actor in;
    in.name = "in" + std::to_string(c);
    in.kind = ActorKind::Input;
    in.outSize = width;
    prev[c] = add(g, in);
  }
  for (uint32_t d = 0; d < depth; ++d) {
    std::vector<uint32_t> next(chains);
    for (uint32_t c = 0; c < chains; ++c) {
      const std::string s = std::to_string(c) + "_" + std::to_string(d);
      const uint32_t l = add(g, linear("w" + s, width, width, false, rng));
      connect(g, prev[c], l);
      const uint32_t lat = add(g, linear("lat" + s, width, width, false, rng));
      connect(g, prev[(c + 1) % chains], lat);
      const uint32_t p = add(g, lif("pop" + s, width));
      connect(g, l, p);
      connect(g, lat, p);
      next[c] = p;
    }
    prev = next;
  }
  for (uint32_t c = 0; c < chains; ++c) g.outputs.push_back({"out" + std::to_string(c), prev[c]});
  return g;
}

/// About `neurons` LIF neurons in `pops` populations, each driven by a dense
/// projection of its own 32-wide input; both the projection and the
/// population are split over many cores (the projection's slices feed the
/// population's slices whose ranges they overlap), read out by a 2-row layer.
ActorGraph neuronModel(uint32_t neurons, uint32_t pops, uint64_t seed) {
  Rng rng(seed);
  ActorGraph g;
  g.name = "snn_" + std::to_string(neurons);
  const uint32_t n = neurons / pops;
  std::vector<uint32_t> inputs;
  for (uint32_t i = 0; i < pops; ++i) {
    Actor in;
    in.name = "in" + std::to_string(i);
    in.kind = ActorKind::Input;
    in.outSize = 32;
    const uint32_t x = add(g, in);
    const uint32_t w = add(g, linear("w" + std::to_string(i), 32, n, false, rng));
    connect(g, x, w);
    const uint32_t p = add(g, lif("pop" + std::to_string(i), n));
    connect(g, w, p);
    // A 2-wide readout: gathering a whole population on one core would not fit.
    const uint32_t r = add(g, linear("readout" + std::to_string(i), n, 2, false, rng));
    connect(g, p, r);
    g.outputs.push_back({"y" + std::to_string(i), r});
  }
  return g;
}

uint64_t peakKiB() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6));
  return 0;
}
void resetPeak() { std::ofstream("/proc/self/clear_refs") << "5"; }

double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Bench {
  std::string name;
  ActorGraph g;
  ChipDescriptor chip;
  uint32_t maxElementsPerCore = 0;
};

} // namespace

int main(int argc, char **argv) {
  std::string only;
  bool full = true;
  PlaceOptions place;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--only" && i + 1 < argc) only = argv[++i];
    else if (a == "--skip-full") full = false;
    else if (a == "--place" && i + 1 < argc) place.strategy = *placeStrategyFromName(argv[++i]);
    else if (a == "--seed" && i + 1 < argc) place.seed = std::stoull(argv[++i]);
    else if (a == "--iterations" && i + 1 < argc) place.iterations = std::stoull(argv[++i]);
    else if (a == "--no-multilevel") place.multilevel = false;
    else if (a == "--ml-moves" && i + 1 < argc) place.multilevelMovesPerCluster = uint32_t(std::stoul(argv[++i]));
    else if (a == "--ml-runs" && i + 1 < argc) place.multilevelRuns = uint32_t(std::stoul(argv[++i]));
    else if (a == "--refine-temp" && i + 1 < argc) place.refineTemperature = std::stod(argv[++i]);
    else if (a == "--start-temp" && i + 1 < argc) place.startTemperature = std::stod(argv[++i]);
    else if (a == "--balance" && i + 1 < argc) place.balanceWeight = std::stod(argv[++i]);
    else {
      std::fprintf(stderr, "usage: compile_bench [--only NAME] [--skip-full] [--place greedy|anneal] [--seed N] [--iterations N]\n"
                           "       [--no-multilevel] [--ml-moves N] [--ml-runs N] [--refine-temp T] [--start-temp T] [--balance W]\n");
      return 2;
    }
  }
  auto chipOf = [](uint32_t w, uint32_t h) {
    ChipDescriptor c;
    c.width = w;
    c.height = h;
    c.mailboxes = 16;
    c.multicastGroups = 4096;
    return c;
  };
  std::vector<Bench> benches;
  auto want = [&](const std::string &n) { return only.empty() || only == n; };
  if (want("100")) benches.push_back({"100", layered(100, 4, 32, 1), chipOf(16, 16)});
  if (want("1k")) benches.push_back({"1k", layered(1000, 16, 32, 2), chipOf(48, 48)});
  if (want("10k")) benches.push_back({"10k", layered(10000, 64, 32, 3), chipOf(128, 128)});
  if (want("1M")) benches.push_back({"1M", neuronModel(1u << 20, 64, 4), chipOf(256, 256), 256});

  std::printf("%-5s %7s %6s %9s | %8s %8s %8s %8s %9s | %12s %12s %12s %6s | %8s %9s\n", "graph", "actors", "parts",
              "chip", "part s", "place s", "route s", "total s", "peak MiB", "greedy cost", "cost", "bound", "gap",
              "full s", "full MiB");
  for (Bench &b : benches) {
    resetPeak();
    const auto t0 = std::chrono::steady_clock::now();
    PartitionOptions po;
    po.maxElementsPerCore = b.maxElementsPerCore;
    auto parts = partitionGraph(b.g, b.chip, po);
    if (!parts) {
      std::fprintf(stderr, "%s: %s\n", b.name.c_str(), parts.error().message.c_str());
      return 1;
    }
    const double tPart = seconds(t0);
    const auto t1 = std::chrono::steady_clock::now();
    PlaceReport r;
    if (auto err = placePartitions(b.g, b.chip, *parts, place, &r)) {
      std::fprintf(stderr, "%s: %s\n", b.name.c_str(), err->message.c_str());
      return 1;
    }
    const double tPlace = seconds(t1);
    const auto t2 = std::chrono::steady_clock::now();
    auto routing = routeMessages(b.g, b.chip, *parts);
    if (!routing) {
      std::fprintf(stderr, "%s: %s\n", b.name.c_str(), routing.error().message.c_str());
      return 1;
    }
    const double tRoute = seconds(t2), tTotal = seconds(t0);
    const size_t numParts = parts->size();
    const uint64_t peak = peakKiB();
    double tFull = 0;
    uint64_t peakFull = 0;
    if (full) {
      parts->clear();
      routing = Error{""};
      resetPeak();
      const auto t3 = std::chrono::steady_clock::now();
      driver::CompileOptions o;
      o.stopAfter = driver::Phase::Xpu;
      o.maxElementsPerCore = b.maxElementsPerCore;
      o.place = place.strategy;
      o.seed = place.seed;
      o.iterations = place.iterations;
      auto res = driver::compileGraph(b.g, b.chip, o);
      if (!res) {
        std::fprintf(stderr, "%s: %s\n", b.name.c_str(), res.error().message.substr(0, 2000).c_str());
        return 1;
      }
      tFull = seconds(t3);
      peakFull = peakKiB();
    }
    char chip[16];
    std::snprintf(chip, sizeof chip, "%ux%u", b.chip.width, b.chip.height);
    std::printf("%-5s %7zu %6zu %9s | %8.3f %8.3f %8.3f %8.3f %9.1f | %12llu %12llu %12llu %6.3f | %8.2f %9.1f\n",
                b.name.c_str(), b.g.actors.size(), numParts, chip, tPart,
                tPlace, tRoute, tTotal, peak / 1024.0, (unsigned long long)r.greedyCost, (unsigned long long)r.cost,
                (unsigned long long)r.lowerBound, r.gap(), tFull, peakFull / 1024.0);
    std::fflush(stdout);
  }
  return 0;
}
