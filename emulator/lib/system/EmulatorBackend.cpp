// EmulatorBackend: the process's mesh, the run loop (chunks between
// watchdog deadlines and progress reports), host SRAM access.
#include "xpu/emu/EmulatorBackend.h"

#include "xpu/emu/Mesh.h"
#include "xpu/emu/Stats.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

// Every binary linking SystemC needs an sc_main; tools and tests built on
// this library drive SystemC from their own main(), so a weak stub suffices
// (a strong sc_main elsewhere wins).
__attribute__((weak)) int sc_main(int, char *[]) {
  std::fprintf(stderr, "xpu emulator: sc_main is not an entry point of this program\n");
  return 1;
}

namespace xpu::emu {

namespace {
constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kProgressEvery = 1000000;

Mesh *gMesh = nullptr;        // never destroyed: SystemC owns the kernel state
uint64_t gGeneration = 0;     // incremented at every load
} // namespace

EmulatorBackend::EmulatorBackend(const BackendOptions &options,
                                 const EmulatorOptions &emulatorOptions)
    : options_(options), emuOptions_(emulatorOptions), watchdog_(options.watchdogCycles) {
  // SystemC prints a banner on stdout unless told not to; tools print
  // results on stdout.
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
}

EmulatorBackend::~EmulatorBackend() = default;

Mesh *EmulatorBackend::mesh() const {
  return gMesh && generation_ == gGeneration ? gMesh : nullptr;
}

std::optional<Error> EmulatorBackend::load(const Executable &exe) {
  if (auto err = validateExecutable(exe))
    return err;
  const ChipDescriptor &chip = exe.chip;
  if (!gMesh) {
    gMesh = new Mesh("xpu", chip.width, chip.height, options_.vcdPath,
                     emuOptions_.vcdTiles, emuOptions_.alternatives);
  } else if (gMesh->width() != chip.width || gMesh->height() != chip.height) {
    return Error{"this process already elaborated a " + std::to_string(gMesh->width()) +
                 "x" + std::to_string(gMesh->height()) +
                 " mesh; SystemC elaborates once per process, so run the " +
                 std::to_string(chip.width) + "x" + std::to_string(chip.height) +
                 " executable in another process"};
  }
  for (const auto &[core, implementation] : emuOptions_.tileImplementations)
    if (!gMesh->hasAlternative(core, implementation))
      return Error{"core " + std::to_string(core) + " has no '" + implementation +
                   "' tile: this process elaborated its mesh without one (SystemC "
                   "elaborates once per process, at the first load)"};
  gMesh->setTraceOptions(emuOptions_.trace);
  gMesh->load(exe, emuOptions_.tileImplementations);
  generation_ = ++gGeneration;
  watchdog_.reset();
  return std::nullopt;
}

std::optional<Error> EmulatorBackend::checkAccess(uint32_t core, uint32_t address,
                                                  size_t size) const {
  const Mesh *m = mesh();
  if (!m)
    return Error{"no executable loaded"};
  if (core >= m->numTiles())
    return Error{"core " + std::to_string(core) + " is outside the " +
                 std::to_string(m->width()) + "x" + std::to_string(m->height()) + " mesh"};
  const uint64_t sram = m->chip().sramBytes;
  if (uint64_t(address) + size > sram)
    return Error{"SRAM window " + std::to_string(address) + "+" + std::to_string(size) +
                 " of core " + std::to_string(core) + " is outside its " +
                 std::to_string(sram) + " bytes"};
  return std::nullopt;
}

std::optional<Error> EmulatorBackend::writeSram(uint32_t core, uint32_t address,
                                                const uint8_t *data, size_t size) {
  if (auto err = checkAccess(core, address, size))
    return err;
  return gMesh->tile(core).writeSram(address, data, size);
}

std::optional<Error> EmulatorBackend::readSram(uint32_t core, uint32_t address,
                                               uint8_t *data, size_t size) const {
  if (auto err = checkAccess(core, address, size))
    return err;
  gMesh->tile(core).readSram(address, data, size);
  return std::nullopt;
}

RunResult EmulatorBackend::runCycles(uint64_t cycles) {
  return run(Mode::Cycles, cycles, 0);
}
RunResult EmulatorBackend::runSteps(uint64_t steps, uint64_t maxCycles) {
  return run(Mode::Steps, steps, maxCycles);
}
RunResult EmulatorBackend::runUntilHalt(uint64_t maxCycles) {
  return run(Mode::UntilHalt, 0, maxCycles);
}

RunResult EmulatorBackend::run(Mode mode, uint64_t amount, uint64_t maxCycles) {
  RunResult r;
  Mesh *m = mesh();
  if (!m) {
    r.status = RunStatus::Error;
    r.report = gMesh ? "another backend loaded an executable since this one did"
                     : "no executable loaded";
    return r;
  }
  const uint64_t start = m->cyclesDone();
  uint64_t limit = kNever;
  if (mode == Mode::Cycles)
    limit = start + amount;
  else if (maxCycles)
    limit = start + maxCycles;
  m->setStepTarget(mode == Mode::Steps
                       ? std::optional<uint32_t>(m->timestep() + uint32_t(amount))
                       : std::nullopt);

  const auto wallStart = std::chrono::steady_clock::now();
  uint64_t nextProgress = (start / kProgressEvery + 1) * kProgressEvery;
  r.status = RunStatus::Error;
  if (mode == Mode::Steps && amount == 0) {
    r.status = RunStatus::StepsDone;
  } else if (mode == Mode::Cycles && amount == 0) {
    r.status = RunStatus::CyclesDone;
  } else if (m->finished()) {
    r.status = RunStatus::Halted;
  } else {
    while (true) {
      const uint64_t cur = m->cyclesDone();
      const uint64_t wd = watchdog_.deadline(m->quietSince());
      uint64_t target = std::min(limit, wd);
      if (options_.progress)
        target = std::min(target, nextProgress);
      if (target <= cur)
        target = cur + 1;
      const Mesh::Stop stop = m->runUntil(target);
      if (stop == Mesh::Stop::Fault) {
        r.status = RunStatus::Fault;
        m->takeNewFaults();
        r.report = Watchdog::faults(*m);
        break;
      }
      if (stop == Mesh::Stop::Finished) {
        r.status = RunStatus::Halted;
        break;
      }
      if (stop == Mesh::Stop::Steps) {
        r.status = RunStatus::StepsDone;
        break;
      }
      const uint64_t now = m->cyclesDone();
      if (now >= limit) {
        r.status = mode == Mode::Cycles ? RunStatus::CyclesDone : RunStatus::CycleLimit;
        break;
      }
      if (now >= wd && watchdog_.check(*m, now)) {
        r.status = RunStatus::Deadlock;
        r.report = Watchdog::report(*m, m->quietSince(), now);
        break;
      }
      if (options_.progress && now >= nextProgress) {
        const double secs = std::chrono::duration<double>(
                                std::chrono::steady_clock::now() - wallStart)
                                .count();
        std::fprintf(stderr, "xpu-sim: %llu cycles, timestep %u (%.2f M cycles/s)\n",
                     (unsigned long long)now, m->timestep(),
                     secs > 0 ? double(now - start) / secs / 1e6 : 0.0);
        nextProgress = (now / kProgressEvery + 1) * kProgressEvery;
      }
    }
  }
  m->settle();
  m->setStepTarget(std::nullopt);
  r.cycles = m->cyclesDone();
  r.ranCycles = r.cycles - start;
  r.timestep = m->timestep();
  return r;
}

nlohmann::json EmulatorBackend::stats() const {
  const Mesh *m = mesh();
  if (!m)
    return nlohmann::json::object();
  nlohmann::json j = collectStats(*m);
  j["backend"] = emuOptions_.name;
  return j;
}

nlohmann::json EmulatorBackend::traceJson() const {
  const Mesh *m = mesh();
  if (!m || !m->traceRecorder())
    return nullptr;
  return m->traceRecorder()->toJson(m->cyclesDone());
}

std::string EmulatorBackend::statusReport() const {
  const Mesh *m = mesh();
  if (!m)
    return "no executable loaded\n";
  return "cycle " + std::to_string(m->cyclesDone()) + ", timestep " +
         std::to_string(m->timestep()) + "\n" + Watchdog::status(*m);
}

uint64_t EmulatorBackend::cycle() const {
  const Mesh *m = mesh();
  return m ? m->cyclesDone() : 0;
}

uint32_t EmulatorBackend::timestep() const {
  const Mesh *m = mesh();
  return m ? m->timestep() : 0;
}

void registerEmulatorBackend() {
  registerBackend("emulator", [](const BackendOptions &o)
                                  -> Expected<std::unique_ptr<Backend>> {
    return std::unique_ptr<Backend>(std::make_unique<EmulatorBackend>(o));
  });
}

} // namespace xpu::emu
