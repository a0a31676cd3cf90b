// Latency and accepted throughput versus offered load for the NoC, as a
// markdown table (docs/noc.md figures). Plain C++ driver, one process.
//
//   noc_sweep [--pattern uniform] [--k 8] [--vcs 1,2,4] [--depth 4]
//             [--flits 4] [--rates 0.05,0.1,...] [--warmup 2000]
//             [--measure 10000] [--drain 20000] [--seed 1] [--R 1] [--L 1]
#include "xpu/emu/Traffic.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <systemc>
#include <vector>

using namespace xpu;
using namespace xpu::emu;

namespace {

std::vector<double> parseList(const std::string &s) {
  std::vector<double> v;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) v.push_back(std::atof(item.c_str()));
  return v;
}

} // namespace

int sc_main(int argc, char **argv) {
  std::string pattern = "uniform";
  uint32_t k = 8, depth = 4, flits = 4, R = 1, L = 1;
  std::vector<double> vcs = {1, 2, 4};
  std::vector<double> rates = {0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5};
  uint64_t warmup = 2000, measure = 10000, drain = 20000, seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--pattern") pattern = v;
    else if (a == "--k") k = uint32_t(std::atoi(v.c_str()));
    else if (a == "--vcs") vcs = parseList(v);
    else if (a == "--depth") depth = uint32_t(std::atoi(v.c_str()));
    else if (a == "--flits") flits = uint32_t(std::atoi(v.c_str()));
    else if (a == "--rates") rates = parseList(v);
    else if (a == "--warmup") warmup = std::strtoull(v.c_str(), nullptr, 10);
    else if (a == "--measure") measure = std::strtoull(v.c_str(), nullptr, 10);
    else if (a == "--drain") drain = std::strtoull(v.c_str(), nullptr, 10);
    else if (a == "--seed") seed = std::strtoull(v.c_str(), nullptr, 10);
    else if (a == "--R") R = uint32_t(std::atoi(v.c_str()));
    else if (a == "--L") L = uint32_t(std::atoi(v.c_str()));
    else {
      std::fprintf(stderr, "noc_sweep: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  auto p = patternFromName(pattern);
  if (!p) {
    std::fprintf(stderr, "noc_sweep: unknown pattern %s\n", pattern.c_str());
    return 2;
  }
  ChipDescriptor chip;
  chip.width = chip.height = k;
  chip.bufferDepth = depth;
  chip.routerLatency = R;
  chip.linkLatency = L;
  std::printf("%s, %ux%u mesh, D=%u, %u-flit packets, R=%u, L=%u (avg/p99 latency in cycles; "
              "accepted flits/node/cycle; * = saturated)\n\n",
              pattern.c_str(), k, k, depth, flits, R, L);
  std::printf("| offered |");
  for (double v : vcs) std::printf(" %g VC latency | %g VC p99 | %g VC accepted |", v, v, v);
  std::printf("\n|---|");
  for (size_t i = 0; i < vcs.size(); ++i) std::printf("---|---|---|");
  std::printf("\n");
  for (double rate : rates) {
    std::printf("| %.3f |", rate);
    for (double v : vcs) {
      chip.virtualChannels = uint32_t(v);
      TrafficConfig cfg;
      cfg.pattern = *p;
      cfg.injectionRate = rate;
      cfg.packetFlits = flits;
      cfg.seed = seed;
      cfg.warmupCycles = warmup;
      cfg.measureCycles = measure;
      cfg.drainLimit = drain;
      const TrafficResult r = runTraffic(chip, cfg);
      if (r.saturated)
        std::printf(" * | * | %.3f |", r.acceptedRate);
      else
        std::printf(" %.1f | %llu | %.3f |", r.avgLatency, (unsigned long long)r.p99Latency,
                    r.acceptedRate);
      std::fflush(stdout);
    }
    std::printf("\n");
  }
  return 0;
}
