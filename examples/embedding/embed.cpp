// Embedding the XPU emulator in a C++ program through the host API
// (runtime/include/xpu/Device.h, docs/emulator.md "Host API").
//
//   xpu-embed-example PROGRAM.s CHIP.json
//
// Assembles the ring example (any program with an i32 input `start` and an
// i32 output `token` works), then runs two inferences: load, write the
// input, run until every core halts, read the output and the statistics
// (cycles, energy). Each load resets cycles and statistics, so stats() after
// a run is that inference's figures.
#include "xpu/Assembler.h"
#include "xpu/ChipDescriptor.h"
#include "xpu/Device.h"
#include "xpu/emu/EmulatorBackend.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

int main(int argc, char **argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s PROGRAM.s CHIP.json\n", argv[0]);
    return 2;
  }
  // 1. The chip and the executable (here assembled in-process; a file made by
  //    xpu-as or xpu-cc loads with Device::loadFile).
  auto chip = xpu::loadChipDescriptor(argv[2]);
  if (!chip) {
    std::fprintf(stderr, "%s\n", chip.error().message.c_str());
    return 1;
  }
  std::ifstream in(argv[1]);
  std::stringstream source;
  source << in.rdbuf();
  auto exe = xpu::assemble(source.str(), argv[1], *chip);
  if (!exe) {
    std::fprintf(stderr, "%s\n", exe.error().message.c_str());
    return 1;
  }

  // 2. A device on the emulator backend. Tools link XpuEmulator and register
  //    it; the runtime itself never depends on a backend.
  xpu::emu::registerEmulatorBackend();
  xpu::BackendOptions options;
  options.watchdogCycles = 100000;
  auto device = xpu::Device::open("emulator", options);
  if (!device) {
    std::fprintf(stderr, "%s\n", device.error().message.c_str());
    return 1;
  }

  // 3. Two inferences on the same chip (same mesh size: one elaboration).
  const int64_t starts[] = {100, 200};
  for (int i = 0; i < 2; ++i) {
    if (auto err = device->load(*exe)) {
      std::fprintf(stderr, "%s\n", err->message.c_str());
      return 1;
    }
    if (auto err = device->writeInputValues("start", {starts[i]})) {
      std::fprintf(stderr, "%s\n", err->message.c_str());
      return 1;
    }
    const xpu::RunResult r = device->runUntilHalt(/*maxCycles=*/1000000);
    if (!r.ok()) {
      std::fprintf(stderr, "run failed (%s): %s\n", xpu::runStatusName(r.status),
                   r.report.c_str());
      return 1;
    }
    auto token = device->readOutput("token");
    if (!token) {
      std::fprintf(stderr, "%s\n", token.error().message.c_str());
      return 1;
    }
    const nlohmann::json stats = device->stats();
    std::printf("inference %d: token = %lld, %llu cycles, %llu instructions, "
                "%llu flit hops, energy %.1f pJ (cores %.1f, network %.1f)\n",
                i + 1, (long long)(*token)[0],
                (unsigned long long)stats["cycles"].get<uint64_t>(),
                (unsigned long long)stats["instructions"]["total"].get<uint64_t>(),
                (unsigned long long)stats["network"]["flit_hops"].get<uint64_t>(),
                stats["energy_pj"]["total"].get<double>(),
                stats["energy_pj"]["cores"].get<double>(),
                stats["energy_pj"]["network"].get<double>());
  }
  return 0;
}

// libsystemc calls sc_main when it owns main(); this program has its own
// main() and drives the kernel through the backend, so sc_main is unused.
int sc_main(int, char *[]) { return 1; }
