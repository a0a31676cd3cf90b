// --cc vs --sc speed of the whole tile (docs/rtl.md "Tiles: --cc vs --sc
// (measured)"): what the three drivers share, so that they do the same work.
//
// A run, identical in every driver, in steps of one clock cycle:
//   step 0            rst_ni low (asynchronous reset)
//   steps 1 .. K      every tile's image words through its loader port, one
//                     per cycle (K = the longest image; the other tiles idle)
//   step K + 1        boot_i on every assigned core
//   step K + 2 + t    chip cycle t (cycle_i = t), until no core is running
//                     or blocked after a rising edge: `cycles` = t + 1.
// As in RtlMesh, the extra host edges change nothing (routers and NIs are
// empty, cores not booted), so `cycles` is the emulator's cycle count. Only
// the chip cycles are timed. Links have latency 1 (the chips' default): a
// tile's link_out_o during cycle t is its neighbour's link_in_i during t.
#pragma once

#include "../RtlRouterPorts.h"
#include "xpu/Executable.h"
#include "xpu/rtl/BootRom.h"
#include "xpu/rtl/PortBits.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/resource.h>
#include <vector>

namespace tile_bench {

using xpu::rtl::kCreditBits;  // credit_t
using xpu::rtl::kLinkBits;    // flit_link_t
constexpr uint8_t kRunning = 1, kBlocked = 2;  // emu::CoreState
constexpr uint64_t kMaxCycles = 100000000;     // a hung run is an error
constexpr uint32_t kSramBytes = 65536;         // -GSramBytes (tile_build.sh)

/// What the host drives on one tile in one host step.
struct HostInputs {
  bool rstN = true, ldWe = false, ldImem = false, boot = false;
  uint32_t ldAddr = 0, bootPc = 0;
  uint64_t ldData = 0;
};

/// An executable's cores on the first `width` x `height` tiles of its chip.
struct Workload {
  uint32_t width = 0, height = 0, chipWidth = 0, imageCount = 0;
  std::vector<std::vector<xpu::rtl::LoaderWord>> words;  // per tile
  std::vector<uint8_t> boots;
  std::vector<uint32_t> bootPc, codeLen;
  uint64_t loadSteps = 0;  // K

  uint32_t tiles() const { return width * height; }
  uint32_t coreId(uint32_t i) const { return (i / width) * chipWidth + i % width; }
  uint64_t hostSteps() const { return loadSteps + 2; }

  HostInputs host(uint32_t i, uint64_t step) const {
    HostInputs in;
    if (step == 0) {
      in.rstN = false;
    } else if (step <= loadSteps) {
      if (step - 1 < words[i].size()) {
        const xpu::rtl::LoaderWord &w = words[i][step - 1];
        in.ldWe = true;
        in.ldImem = w.imem;
        in.ldAddr = w.addr;
        in.ldData = w.data;
      }
    } else if (step == loadSteps + 1 && boots[i]) {
      in.boot = true;
      in.bootPc = bootPc[i];
    }
    return in;
  }

  /// Neighbour of tile i through port p (1 East, 2 West, 3 North, 4 South),
  /// or -1 at the mesh edge.
  int neighbour(uint32_t i, unsigned p) const {
    const uint32_t x = i % width, y = i / width;
    switch (p) {
    case 1: return x + 1 < width ? int(i + 1) : -1;
    case 2: return x > 0 ? int(i - 1) : -1;
    case 3: return y > 0 ? int(i - width) : -1;
    default: return y + 1 < height ? int(i + width) : -1;
    }
  }
  static unsigned opposite(unsigned p) { return p == 1 ? 2 : p == 2 ? 1 : p == 3 ? 4 : 3; }
};

[[noreturn]] inline void fail(const std::string &msg) {
  std::fprintf(stderr, "error: %s\n", msg.c_str());
  std::exit(1);
}

/// argv: EXE WIDTH HEIGHT (the mesh of tiles to simulate, from core 0).
inline Workload loadWorkload(int argc, char **argv) {
  if (argc != 4)
    fail(std::string("usage: ") + argv[0] + " PROGRAM.xpuexe WIDTH HEIGHT");
  auto exe = xpu::loadExecutable(argv[1]);
  if (!exe)
    fail(exe.error().message);
  Workload w;
  w.width = uint32_t(std::atoi(argv[2]));
  w.height = uint32_t(std::atoi(argv[3]));
  w.chipWidth = exe->chip.width;
  if (w.width == 0 || w.height == 0 || w.width > exe->chip.width || w.height > exe->chip.height)
    fail("the simulated mesh must fit the executable's chip");
  if (exe->chip.linkLatency != 1 || !exe->multicastGroups.empty() || !exe->mailboxPolicies.empty())
    fail("the benchmark drives link latency 1, no multicast groups, default mailbox policies");
  w.imageCount = uint32_t(exe->images.size());
  w.words.resize(w.tiles());
  w.boots.assign(w.tiles(), 0);
  w.bootPc.assign(w.tiles(), 0);
  w.codeLen.assign(w.tiles(), 0);
  for (const xpu::CoreAssignment &a : exe->cores) {
    const uint32_t x = a.core % w.chipWidth, y = a.core / w.chipWidth;
    if (x >= w.width || y >= w.height)
      fail("core " + std::to_string(a.core) + " is outside the simulated mesh");
    const uint32_t i = y * w.width + x;
    const xpu::ProgramImage &img = exe->images[a.image];
    w.words[i] = xpu::rtl::imageWords(img);
    w.boots[i] = 1;
    w.bootPc[i] = img.entry;
    w.codeLen[i] = uint32_t(img.code.size());
    w.loadSteps = std::max<uint64_t>(w.loadSteps, w.words[i].size());
  }
  return w;
}

/// Copies port p's link of `out` (link_out_o words) into port q of `in`
/// (link_in_i words), and the credits likewise. getBits reads <= 64 bits.
inline void copyLink(const uint32_t *out, unsigned p, uint32_t *in, unsigned q) {
  const unsigned a = (p - 1) * kLinkBits, b = (q - 1) * kLinkBits, rest = kLinkBits - 64;
  xpu::rtl::putBits(in, b, 64, xpu::rtl::getBits(out, a, 64));
  xpu::rtl::putBits(in, b + 64, rest, xpu::rtl::getBits(out, a + 64, rest));
}
inline uint32_t copyCredit(uint32_t out, unsigned p, uint32_t in, unsigned q) {
  const uint32_t c = (out >> ((p - 1) * kCreditBits)) & 15u;
  const unsigned s = (q - 1) * kCreditBits;
  return (in & ~(15u << s)) | (c << s);
}

/// Wall and user CPU time of the chip cycles.
struct Timer {
  std::chrono::steady_clock::time_point t0;
  double u0 = 0;
  static double userSeconds() {
    rusage r{};
    getrusage(RUSAGE_SELF, &r);
    return double(r.ru_utime.tv_sec) + 1e-6 * double(r.ru_utime.tv_usec);
  }
  void start() {
    u0 = userSeconds();
    t0 = std::chrono::steady_clock::now();
  }
  /// One result line (tile_run.sh collects it).
  void report(const char *driver, const Workload &w, uint64_t cycles) const {
    const auto now = std::chrono::steady_clock::now();
    const double wall = std::chrono::duration<double>(now - t0).count();
    const double user = userSeconds() - u0;
    const double tc = double(cycles) * w.tiles();
    std::printf("RESULT %s %ux%u cycles %llu tile-cycles %.0f wall %.3f s user %.3f s: "
                "%.0f tile-cycles/s, %.3f user-us/tile-cycle\n",
                driver, w.width, w.height, (unsigned long long)cycles, tc, wall, user, tc / wall,
                1e6 * user / tc);
  }
};

/// Core i's end state (pc, state, fault, the exchange's accumulator at
/// 0x400 and a hash of the whole 64 KiB SRAM), for the drivers' comparison.
template <class Sram>
void printEndState(uint32_t core, unsigned state, unsigned pc, unsigned fault, const Sram &sram,
                   uint32_t sramBytes) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (uint32_t a = 0; a < sramBytes; ++a)
    h = (h ^ sram[a]) * 1099511628211ull;
  int32_t acc = 0;
  for (unsigned j = 0; j < 4; ++j)
    acc |= int32_t(uint32_t(sram[0x400 + j]) << (8 * j));
  std::printf("core %u: state %u pc %u fault %u acc %d sram %016llx\n", core, state, pc, fault, acc,
              (unsigned long long)h);
}

} // namespace tile_bench
