// NoC simulation speed: simulated cycles per second and flit-hops per second
// of the plain C++ and SystemC traffic drivers (docs/noc.md "Speed").
//
//   noc_bench                       all cases, one child process each
//   noc_bench <case> <driver>       one case: 8x8 | 32x32, plain | systemc
//
// SystemC elaborates once per process, so the no-argument form re-runs this
// binary for every (case, driver) pair and prints one table.
#include "xpu/emu/Traffic.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <systemc>

using namespace xpu;
using namespace xpu::emu;

namespace {

struct BenchCase {
  const char *name;
  uint32_t k;
  double rate;
  uint64_t warmup, measure;
};
constexpr BenchCase kCases[] = {
    {"8x8", 8, 0.30, 1000, 20000},     // BookSim2 reference: ~5.5k cycles/s
    {"32x32", 32, 0.01, 1000, 20000},  // mostly idle tiles
};

int runOne(const BenchCase &c, bool systemc) {
  ChipDescriptor chip;
  chip.width = chip.height = c.k;
  chip.virtualChannels = 2;
  chip.bufferDepth = 4;
  TrafficConfig cfg;
  cfg.pattern = TrafficPattern::Uniform;
  cfg.injectionRate = c.rate;
  cfg.packetFlits = 4;
  cfg.seed = 1;
  cfg.warmupCycles = c.warmup;
  cfg.measureCycles = c.measure;
  const auto start = std::chrono::steady_clock::now();
  const TrafficResult r = systemc ? runTrafficSystemC(chip, cfg) : runTraffic(chip, cfg);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%-6s %-8s %8.3f %9llu %12.0f %14.0f %9.3f %9.1f %s\n", c.name,
              systemc ? "systemc" : "plain", s, (unsigned long long)r.cycles, double(r.cycles) / s,
              double(r.flitHops) / s, r.acceptedRate, r.avgLatency, r.saturated ? "saturated" : "");
  return 0;
}

void header() {
  std::printf("%-6s %-8s %8s %9s %12s %14s %9s %9s\n", "mesh", "driver", "wall_s", "cycles",
              "cycles/s", "flit-hops/s", "accepted", "latency");
}

} // namespace

int sc_main(int argc, char **argv) {
  if (argc == 3) {
    for (const auto &c : kCases)
      if (!std::strcmp(argv[1], c.name)) return runOne(c, !std::strcmp(argv[2], "systemc"));
    std::fprintf(stderr, "noc_bench: unknown case '%s' (8x8, 32x32)\n", argv[1]);
    return 2;
  }
  if (argc != 1) {
    std::fprintf(stderr, "usage: noc_bench [8x8|32x32 plain|systemc]\n");
    return 2;
  }
  header();
  std::fflush(stdout);
  for (const auto &c : kCases)
    for (const char *driver : {"plain", "systemc"}) {
      const std::string cmd = std::string("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 '") + argv[0] +
                              "' " + c.name + " " + driver;
      if (std::system(cmd.c_str()) != 0) return 1;
    }
  return 0;
}
