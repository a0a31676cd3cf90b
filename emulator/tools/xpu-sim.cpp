// xpu-sim: runs an executable on the cycle-level SystemC emulator, or runs
// synthetic traffic on the mesh network alone.
#include "xpu/ChipDescriptor.h"
#include "xpu/Device.h"
#include "xpu/Executable.h"
#include "xpu/emu/EmulatorBackend.h"
#include "xpu/emu/Report.h"
#include "xpu/emu/Traffic.h"

#ifdef XPU_HAVE_RTL_SIM
#include "xpu/rtl/MixedBackend.h"
#endif

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string_view>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

const char *kUsage = R"(usage: xpu-sim PROGRAM.xpuexe [options]
       xpu-sim --traffic PATTERN --rate R --chip CHIP.json [traffic options]

Runs an XPU executable on the cycle-level SystemC emulator (docs/emulator.md).
Without --cycles or --steps the run ends when every core has halted.

Program options:
  --chip CHIP.json       chip descriptor to run on instead of the one in the
                         executable; its mesh size must match the executable's,
                         and the executable must fit it (SRAM, mailboxes, ...)
  --cycles N             run at most N cycles
  --steps N              run N timesteps (barrier releases)
  --max-cycles N         cycle limit for --steps and run-until-halt (default: none)
  --inputs NAME=DATA ... write input windows before the run; DATA is a list of
                         integers 'v1,v2,...' (one per element of the window's
                         dtype) or a binary file of exactly the window's bytes.
                         Several NAME=DATA may follow one --inputs; --input
                         NAME=DATA may be repeated.
  --print-outputs        print every output window after the run
  --stats FILE           write statistics JSON to FILE ('-' = stdout)
  --vcd FILE             write a VCD trace of every tile's state, pc, mailbox
                         occupancy and outbound flag (slows the run; ".vcd"
                         is appended to FILE when missing)
  --vcd-tiles X,Y;X,Y... trace only these tiles in the VCD (default: all)
  --trace FILE.json      write a Chrome trace-event timeline (open it in
                         ui.perfetto.dev): one track per core with
                         instruction-class spans and stalls, message flows
  --trace-window A:B     record only cycles A..B-1 of the timeline
  --trace-limit N        stop recording after N events (default 1000000)
  --heatmap PREFIX       write PREFIX.links.svg (per-link utilisation) and
                         PREFIX.cores.svg (per-core busy fraction, energy)
  --watchdog N           declare a deadlock after N cycles in which no core
                         issued an instruction and no flit moved while cores
                         are blocked (default 100000; 0 disables)
  --status               print every core's state at the end of the run
  --quiet                no progress lines on stderr (default: one per 1M cycles)
  --rtl-tiles all|X,Y;X,Y...
                         run these tiles (or all) as Verilated RTL tiles
                         (rtl/xpu_tile.sv: core, network interface and
                         router), the others on the model; an RTL router is
                         an external router of the network model (docs/rtl.md
                         "Mixed meshes in xpu-sim"). Outputs, cycles,
                         timesteps and core states equal the all-model run.
                         Needs router_latency 1, a build with
                         XPU_ENABLE_RTL=ON and a chip with a Verilated model
                         (2x2 or 4x4 with the core/NoC parameters of
                         examples/chips/2x2.json).
  --rtl-core-ni all|X,Y;X,Y...
                         run only the core + network interface of these tiles
                         as Verilated RTL (rtl/xpu_tile_core_ni.sv), on the
                         model's router (any router_latency); a tile in both
                         lists is a whole RTL tile.
                         RTL tiles are tiles of the SystemC emulator: --stats
                         (RTL cores: state, pc and cycle accounting; no
                         instruction, message or energy counters), --vcd,
                         --vcd-tiles, --trace, --heatmap and the watchdog
                         work as without them.

Traffic options (network only, docs/noc.md):
  --traffic PATTERN      uniform, transpose, bitcomp, bitrev, hotspot or neighbor
  --rate R               offered load in flits per node per cycle
  --chip CHIP.json       the chip whose network is simulated (required)
  --packet-flits N       flits per packet, head included (default 4)
  --warmup N             warm-up cycles (default 1000)
  --measure N            measurement cycles (default 10000)
  --seed S               random seed (default 1)
  --hotspot N,N,...      hotspot nodes (hotspot pattern; default node 0)
  --stats FILE           also write the result JSON to FILE
  --heatmap PREFIX       write PREFIX.links.svg (link utilisation in the
                         measurement window)
  The result JSON is printed on stdout.

  -h, --help             show this help

Exit codes: 0 success; 1 bad input (file, input name, sizes); 2 bad usage;
3 a core faulted; 4 deadlock (watchdog); 5 cycle limit reached.
)";

int usageError(const std::string &msg) {
  std::cerr << "xpu-sim: error: " << msg << " (see --help)\n";
  return 2;
}
int inputError(const std::string &msg) {
  std::cerr << "xpu-sim: error: " << msg << "\n";
  return 1;
}

bool parseU64(const std::string &s, uint64_t &out) {
  if (s.empty() || s.size() > 19)
    return false;
  for (char c : s)
    if (c < '0' || c > '9')
      return false;
  out = std::stoull(s);
  return true;
}

bool parseDouble(const std::string &s, double &out) {
  if (s.empty())
    return false;
  char *end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end && *end == '\0';
}

bool readFile(const std::string &path, std::vector<uint8_t> &bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

bool writeText(const std::string &path, const std::string &text) {
  if (path == "-") {
    std::cout << text;
    return bool(std::cout);
  }
  std::ofstream out(path);
  out << text;
  return bool(out);
}

struct Options {
  std::string program;
  std::string chipPath;
  bool haveCycles = false, haveSteps = false;
  uint64_t cycles = 0, steps = 0, maxCycles = 0;
  std::vector<std::string> inputs;
  bool printOutputs = false, status = false, quiet = false;
  std::string statsPath, vcdPath;
  std::string vcdTiles, tracePath, heatmap;
  uint64_t traceBegin = 0, traceEnd = UINT64_MAX, traceLimit = 1000000;
  uint64_t watchdog = 100000;
  bool haveRtlCoreNi = false;
  std::string rtlCoreNi; // "all" or "x,y;x,y..."
  bool haveRtlWhole = false;
  std::string rtlWhole; // whole RTL tiles: "all" or "x,y;x,y..."
  // traffic
  std::string traffic;
  bool haveRate = false;
  double rate = 0;
  std::string rateText;
  uint64_t packetFlits = 4, warmup = 1000, measure = 10000, seed = 1;
  bool haveTrafficOnly = false;
  std::string hotspot;
};

int runTrafficMode(const Options &o) {
  if (!o.program.empty())
    return usageError("--traffic takes no executable (got '" + o.program + "')");
  if (!o.haveRate)
    return usageError("--traffic needs --rate R");
  if (o.chipPath.empty())
    return usageError("--traffic needs --chip CHIP.json");
  auto chip = xpu::loadChipDescriptor(o.chipPath);
  if (!chip)
    return inputError(chip.error().message);
  auto pattern = xpu::emu::patternFromName(o.traffic);
  if (!pattern)
    return usageError("unknown traffic pattern '" + o.traffic +
                      "' (uniform, transpose, bitcomp, bitrev, hotspot, neighbor)");
  xpu::emu::TrafficConfig cfg;
  cfg.pattern = *pattern;
  cfg.injectionRate = o.rate;
  cfg.packetFlits = uint32_t(o.packetFlits);
  cfg.warmupCycles = o.warmup;
  cfg.measureCycles = o.measure;
  cfg.seed = o.seed;
  if (cfg.pattern == xpu::emu::TrafficPattern::Hotspot) {
    cfg.hotspotNodes = {0};
    if (!o.hotspot.empty()) {
      auto nodes = xpu::parseValueList(o.hotspot);
      if (!nodes)
        return usageError("--hotspot: " + nodes.error().message);
      cfg.hotspotNodes.clear();
      for (int64_t n : *nodes) {
        if (n < 0 || uint64_t(n) >= chip->numCores())
          return inputError("--hotspot: node " + std::to_string(n) + " is outside the mesh");
        cfg.hotspotNodes.push_back(uint32_t(n));
      }
    }
  }
  if (!o.statsPath.empty() && o.statsPath != "-" && !std::ofstream(o.statsPath, std::ios::app))
    return inputError("cannot write " + o.statsPath);
  if (auto err = xpu::emu::validateTrafficConfig(*chip, cfg))
    return inputError(err->message);
  const xpu::emu::TrafficResult result = xpu::emu::runTrafficSystemC(*chip, cfg);
  const nlohmann::json resultJson = xpu::emu::toJson(result);
  const std::string text = resultJson.dump(2) + "\n";
  std::cout << text;
  if (!o.statsPath.empty() && o.statsPath != "-" && !writeText(o.statsPath, text))
    return inputError("cannot write " + o.statsPath);
  if (!o.heatmap.empty() &&
      !xpu::emu::writeTextFile(
          o.heatmap + ".links.svg",
          xpu::emu::linkHeatMap(chip->width, chip->height,
                                xpu::emu::linkUtilisationFromJson(resultJson),
                                o.traffic + " " + o.rateText + " flits/node/cycle: link utilisation",
                                "flits/cycle")))
    return inputError("cannot write " + o.heatmap + ".links.svg");
  return 0;
}

void printOutputs(const xpu::Device &dev) {
  for (const xpu::IoBinding &b : dev.executable().outputs) {
    auto values = dev.readOutput(b.name);
    if (!values) {
      std::cout << b.name << ": " << values.error().message << "\n";
      continue;
    }
    std::cout << "output " << b.name << " (" << b.dtype << " x " << values->size()
              << ", core " << b.core << " @" << b.address << "):";
    for (int64_t v : *values)
      std::cout << " " << v;
    std::cout << "\n";
  }
}

int runProgramMode(const Options &o) {
  if (o.program.empty())
    return usageError("no executable given");
  if (o.haveCycles && o.haveSteps)
    return usageError("--cycles and --steps are exclusive");
  std::error_code ec;
  if (std::filesystem::is_directory(o.program, ec))
    return inputError(o.program + ": is a directory, not an executable");
  // Fail before a long run, not after it, when an output file is unwritable.
  std::string vcdFile = o.vcdPath; // SystemC appends ".vcd" when missing
  if (!vcdFile.empty() &&
      (vcdFile.size() < 4 || vcdFile.compare(vcdFile.size() - 4, 4, ".vcd") != 0))
    vcdFile += ".vcd";
  for (const std::string *path : {&o.statsPath, static_cast<const std::string *>(&vcdFile),
                                  &o.tracePath})
    if (!path->empty() && *path != "-" && !std::ofstream(*path, std::ios::app))
      return inputError("cannot write " + *path);
  auto exe = xpu::loadExecutable(o.program);
  if (!exe)
    return inputError(exe.error().message);
  if (!o.chipPath.empty()) {
    auto chip = xpu::loadChipDescriptor(o.chipPath);
    if (!chip)
      return inputError(chip.error().message);
    if (chip->width != exe->chip.width || chip->height != exe->chip.height)
      return inputError(o.chipPath + ": mesh " + std::to_string(chip->width) + "x" +
                        std::to_string(chip->height) + " does not match the executable's " +
                        std::to_string(exe->chip.width) + "x" +
                        std::to_string(exe->chip.height));
    exe->chip = *chip;
    if (auto err = xpu::validateExecutable(*exe))
      return inputError(o.program + " does not fit " + o.chipPath + ": " + err->message);
  }

  xpu::BackendOptions bo;
  bo.watchdogCycles = o.watchdog;
  bo.vcdPath = o.vcdPath;
  bo.progress = !o.quiet;
  xpu::emu::EmulatorOptions eo;
  // "x,y;x,y;..." -> core ids of the executable's mesh.
  auto parseTiles = [&](const std::string &flag, const std::string &text,
                        std::vector<uint32_t> &out) -> int {
    std::stringstream list(text);
    std::string item;
    while (std::getline(list, item, ';')) {
      if (item.empty())
        continue;
      const auto comma = item.find(',');
      uint64_t x = 0, y = 0;
      if (comma == std::string::npos || !parseU64(item.substr(0, comma), x) ||
          !parseU64(item.substr(comma + 1), y))
        return usageError(flag + " expects X,Y;X,Y;..., got '" + item + "'");
      if (x >= exe->chip.width || y >= exe->chip.height)
        return inputError(flag + ": tile (" + std::to_string(x) + "," + std::to_string(y) +
                          ") is outside the " + std::to_string(exe->chip.width) + "x" +
                          std::to_string(exe->chip.height) + " mesh");
      out.push_back(exe->chip.coreId(uint32_t(x), uint32_t(y)));
    }
    return 0;
  };
  if (!o.vcdTiles.empty())
    if (int rc = parseTiles("--vcd-tiles", o.vcdTiles, eo.vcdTiles))
      return rc;
  if (!o.tracePath.empty()) {
    xpu::emu::TraceOptions to;
    to.beginCycle = o.traceBegin;
    to.endCycle = o.traceEnd;
    to.maxEvents = o.traceLimit;
    eo.trace = to;
  }
  std::unique_ptr<xpu::Backend> backend;
  xpu::emu::EmulatorBackend *emu = nullptr;
  if (o.haveRtlCoreNi || o.haveRtlWhole) {
#ifdef XPU_HAVE_RTL_SIM
    xpu::rtl::MixedOptions mo;
    if (o.haveRtlCoreNi && o.rtlCoreNi != "all") {
      std::vector<uint32_t> ids;
      if (int rc = parseTiles("--rtl-core-ni", o.rtlCoreNi, ids))
        return rc;
      if (ids.empty())
        return usageError("--rtl-core-ni expects 'all' or X,Y;X,Y;...");
      mo.rtlTiles = ids;
    } else if (!o.haveRtlCoreNi) {
      mo.rtlTiles = std::vector<uint32_t>{}; // --rtl-tiles alone
    }
    if (o.haveRtlWhole) {
      if (o.rtlWhole == "all") {
        mo.allWhole = true;
      } else {
        if (int rc = parseTiles("--rtl-tiles", o.rtlWhole, mo.wholeTiles))
          return rc;
        if (mo.wholeTiles.empty())
          return usageError("--rtl-tiles expects 'all' or X,Y;X,Y;...");
      }
    }
    backend = xpu::rtl::makeMixedBackend(bo, mo, eo);
#else
    return usageError("--rtl-tiles and --rtl-core-ni need RTL tiles, but this xpu-sim was built without "
                      "them (configure with -DXPU_ENABLE_RTL=ON and Verilator installed)");
#endif
  } else {
    auto e = std::make_unique<xpu::emu::EmulatorBackend>(bo, eo);
    emu = e.get();
    backend = std::move(e);
  }
  std::optional<xpu::Device> dev;
  dev.emplace(std::move(backend));
  if (auto err = dev->load(*exe))
    return inputError(o.program + ": " + err->message);
#ifdef XPU_HAVE_RTL_SIM
  if (o.haveRtlCoreNi || o.haveRtlWhole) // its emulator exists from the load on
    emu = xpu::rtl::mixedEmulator(dev->backend());
#endif

  for (const std::string &spec : o.inputs) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0)
      return usageError("--inputs expects NAME=v1,v2,... or NAME=FILE, got '" + spec + "'");
    const std::string name = spec.substr(0, eq), data = spec.substr(eq + 1);
    const xpu::IoBinding *b = dev->findInput(name);
    if (!b) {
      std::string known;
      for (const auto &in : exe->inputs)
        known += (known.empty() ? "" : ", ") + in.name;
      return inputError("unknown input '" + name + "' (inputs: " +
                        (known.empty() ? std::string("none") : known) + ")");
    }
    auto values = xpu::parseValueList(data);
    std::optional<xpu::Error> err;
    if (values && !data.empty()) {
      err = dev->writeInputValues(name, *values);
    } else {
      std::vector<uint8_t> bytes;
      if (!readFile(data, bytes))
        return inputError("input '" + name + "': '" + data +
                          "' is neither a list of integers nor a readable file");
      err = dev->writeInput(name, bytes);
    }
    if (err)
      return inputError(err->message);
  }

  xpu::RunResult r;
  if (o.haveCycles)
    r = dev->runCycles(o.cycles);
  else if (o.haveSteps)
    r = dev->runSteps(o.steps, o.maxCycles);
  else
    r = dev->runUntilHalt(o.maxCycles);

  std::cout << "xpu-sim: " << xpu::runStatusName(r.status) << " after " << r.cycles
            << " cycles, " << r.timestep << " timesteps\n";
  if (!r.report.empty())
    std::cerr << "xpu-sim: " << r.report << (r.report.back() == '\n' ? "" : "\n");
  if (o.printOutputs)
    printOutputs(*dev);
  if (o.status)
    std::cout << dev->statusReport();
  if (!o.statsPath.empty() && !writeText(o.statsPath, dev->stats().dump(2) + "\n"))
    return inputError("cannot write " + o.statsPath);
  if (emu && !o.tracePath.empty() && !writeText(o.tracePath, emu->traceJson().dump() + "\n"))
    return inputError("cannot write " + o.tracePath);
  if (!o.heatmap.empty()) {
    const nlohmann::json stats = dev->stats();
    const std::string name = std::filesystem::path(o.program).filename().string();
    if (!xpu::emu::writeTextFile(
            o.heatmap + ".links.svg",
            xpu::emu::linkHeatMap(exe->chip.width, exe->chip.height,
                                  xpu::emu::linkUtilisationFromJson(stats),
                                  name + ": link utilisation", "flits/cycle")) ||
        !xpu::emu::writeTextFile(
            o.heatmap + ".cores.svg",
            xpu::emu::coreHeatMaps(exe->chip.width, exe->chip.height,
                                   xpu::emu::corePanelsFromStats(stats), name + ": cores")))
      return inputError("cannot write " + o.heatmap + ".{links,cores}.svg");
  }
  switch (r.status) {
  case xpu::RunStatus::Halted:
  case xpu::RunStatus::CyclesDone:
  case xpu::RunStatus::StepsDone: return 0;
  case xpu::RunStatus::Fault: return 3;
  case xpu::RunStatus::Deadlock: return 4;
  case xpu::RunStatus::CycleLimit: return 5;
  case xpu::RunStatus::Error: return 1;
  }
  return 1;
}

int realMain(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](std::string &out) -> bool {
      if (i + 1 >= argc)
        return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    auto number = [&](uint64_t &out) -> int {
      if (!value(v))
        return usageError(a + " needs a value");
      if (!parseU64(v, out))
        return usageError(a + " expects a non-negative integer, got '" + v + "'");
      return 0;
    };
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--chip") {
      if (!value(o.chipPath))
        return usageError("--chip needs a value");
    } else if (a == "--cycles") {
      if (int rc = number(o.cycles)) return rc;
      o.haveCycles = true;
    } else if (a == "--steps") {
      if (int rc = number(o.steps)) return rc;
      o.haveSteps = true;
    } else if (a == "--max-cycles") {
      if (int rc = number(o.maxCycles)) return rc;
    } else if (a == "--inputs") {
      int n = 0;
      while (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
        o.inputs.push_back(argv[++i]);
        ++n;
      }
      if (!n)
        return usageError("--inputs needs NAME=DATA arguments");
    } else if (a == "--input") {
      if (!value(v))
        return usageError("--input needs NAME=DATA");
      o.inputs.push_back(v);
    } else if (a == "--print-outputs") {
      o.printOutputs = true;
    } else if (a == "--status") {
      o.status = true;
    } else if (a == "--quiet") {
      o.quiet = true;
    } else if (a == "--stats") {
      if (!value(o.statsPath))
        return usageError("--stats needs a file name");
    } else if (a == "--vcd") {
      if (!value(o.vcdPath))
        return usageError("--vcd needs a file name");
    } else if (a == "--vcd-tiles") {
      if (!value(o.vcdTiles))
        return usageError("--vcd-tiles needs a tile list");
    } else if (a == "--trace") {
      if (!value(o.tracePath))
        return usageError("--trace needs a file name");
    } else if (a == "--trace-window") {
      if (!value(v))
        return usageError("--trace-window needs A:B");
      const auto colon = v.find(':');
      if (colon == std::string::npos || !parseU64(v.substr(0, colon), o.traceBegin) ||
          !parseU64(v.substr(colon + 1), o.traceEnd) || o.traceEnd <= o.traceBegin)
        return usageError("--trace-window expects A:B with A < B, got '" + v + "'");
    } else if (a == "--trace-limit") {
      if (int rc = number(o.traceLimit)) return rc;
    } else if (a == "--heatmap") {
      if (!value(o.heatmap))
        return usageError("--heatmap needs a file prefix");
    } else if (a == "--rtl-core-ni") {
      if (!value(o.rtlCoreNi))
        return usageError("--rtl-core-ni needs 'all' or a tile list X,Y;X,Y;...");
      o.haveRtlCoreNi = true;
    } else if (a == "--rtl-tiles") {
      if (!value(o.rtlWhole))
        return usageError("--rtl-tiles needs 'all' or a tile list X,Y;X,Y;...");
      o.haveRtlWhole = true;
    } else if (a == "--watchdog") {
      if (int rc = number(o.watchdog)) return rc;
    } else if (a == "--traffic") {
      if (!value(o.traffic))
        return usageError("--traffic needs a pattern");
    } else if (a == "--rate") {
      if (!value(v))
        return usageError("--rate needs a value");
      if (!parseDouble(v, o.rate) || !(o.rate >= 0))
        return usageError("--rate expects a non-negative number, got '" + v + "'");
      o.rateText = v;
      o.haveRate = true;
    } else if (a == "--packet-flits") {
      if (int rc = number(o.packetFlits)) return rc;
      o.haveTrafficOnly = true;
    } else if (a == "--warmup") {
      if (int rc = number(o.warmup)) return rc;
      o.haveTrafficOnly = true;
    } else if (a == "--measure") {
      if (int rc = number(o.measure)) return rc;
      o.haveTrafficOnly = true;
    } else if (a == "--seed") {
      if (int rc = number(o.seed)) return rc;
      o.haveTrafficOnly = true;
    } else if (a == "--hotspot") {
      if (!value(o.hotspot))
        return usageError("--hotspot needs a node list");
      o.haveTrafficOnly = true;
    } else if (a.size() > 1 && a[0] == '-') {
      return usageError("unknown option '" + a + "'");
    } else if (o.program.empty()) {
      o.program = a;
    } else {
      return usageError("more than one executable ('" + o.program + "' and '" + a + "')");
    }
  }
  if (!o.traffic.empty()) {
    if (o.haveRtlCoreNi || o.haveRtlWhole)
      return usageError("--rtl-tiles and --rtl-core-ni run programs; they do not apply to --traffic");
    return runTrafficMode(o);
  }
  if (o.haveTrafficOnly || o.haveRate)
    return usageError("--rate, --packet-flits, --warmup, --measure, --seed and "
                      "--hotspot need --traffic");
  return runProgramMode(o);
}

} // namespace

#if !defined(XPU_HAVE_RTL_SIM) && defined(XPU_RTL_SIM_COMPANION)
/// --rtl-tiles and --rtl-core-ni run in xpu-sim-rtl (the same program linked with the
/// Verilated tiles), next to this binary; returns only if it cannot start.
void runRtlCompanion(char **argv) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::filesystem::path companion = (ec ? std::filesystem::path(argv[0]) : self).parent_path() / "xpu-sim-rtl";
  argv[0] = const_cast<char *>("xpu-sim");  // messages keep the name the user typed
  execv(companion.c_str(), argv);
  std::cerr << "xpu-sim: error: --rtl-tiles and --rtl-core-ni run " << companion.string()
            << ", which is not built (ninja xpu-sim-rtl) (see --help)\n";
  std::exit(2);
}
#endif

int main(int argc, char **argv) {
#if !defined(XPU_HAVE_RTL_SIM) && defined(XPU_RTL_SIM_COMPANION)
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]).rfind("--rtl-core-ni", 0) == 0 ||
        std::string_view(argv[i]).rfind("--rtl-tiles", 0) == 0)
      runRtlCompanion(argv);
#endif
  // SystemC prints a banner on stdout at elaboration unless told not to.
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  try {
    return realMain(argc, argv);
  } catch (const std::exception &e) {
    std::cerr << "xpu-sim: internal error: " << e.what() << "\n";
    return 70;
  }
}

// libsystemc references sc_main; this program has its own main.
int sc_main(int, char *[]) { return 1; }
