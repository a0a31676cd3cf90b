// xpu::rtl::makeMixedLoopBackend: MixedMesh (xpu/rtl/MixedMesh.h, the
// plain C++ mixed loop, stage 1) behind the runtime Backend interface. Kept
// next to the SystemC path (MixedBackend.cpp) as its speed and behaviour
// reference (tests/unit/rtl/mesh RtlMixedSpeed); xpu-sim does not use it.

// The --cc models first: verilated.h must not see SystemC's headers
// (MixedBackend.h includes the emulator's), see MixedBackend.cpp.
#include "Vxpu_tile_core_ni_2x2.h"
#include "Vxpu_tile_core_ni_4x4.h"
#include "Vxpu_tile_core_ni_2x2___024root.h"
#include "Vxpu_tile_core_ni_4x4___024root.h"

#include "xpu/rtl/MixedBackend.h"
#include "xpu/rtl/MixedMesh.h"

#include "xpu/emu/Core.h"

#include <cmath>
#include <set>

namespace xpu::rtl {

namespace {

class Impl {
public:
  virtual ~Impl() = default;
  virtual std::optional<Error> writeSram(uint32_t core, uint32_t address, const uint8_t *data,
                                         size_t size) = 0;
  virtual std::vector<uint8_t> readSram(uint32_t core) const = 0;
  virtual RunResult run(int mode, uint64_t amount, uint64_t maxCycles) = 0;
  virtual uint64_t cycle() const = 0;
  virtual uint32_t timestep() const = 0;
  virtual uint8_t coreState(uint32_t core) const = 0;
  virtual uint32_t corePc(uint32_t core) const = 0;
  virtual uint8_t coreFault(uint32_t core) const = 0;
  virtual bool isRtl(uint32_t core) const = 0;
  virtual std::string describe(uint32_t core) const = 0;
};

template <class Model> class ImplT final : public Impl {
public:
  ImplT(const Executable &exe, std::set<uint32_t> rtl, uint64_t watchdog)
      : mesh_(exe, std::move(rtl)) {
    mesh_.setWatchdog(watchdog);
  }
  std::optional<Error> writeSram(uint32_t core, uint32_t address, const uint8_t *data,
                                 size_t size) override {
    return mesh_.writeSram(core, address, data, size);
  }
  std::vector<uint8_t> readSram(uint32_t core) const override { return mesh_.readSram(core); }
  RunResult run(int mode, uint64_t amount, uint64_t maxCycles) override {
    return mesh_.run(typename MixedMesh<Model>::Mode(mode), amount, maxCycles);
  }
  uint64_t cycle() const override { return mesh_.cycle(); }
  uint32_t timestep() const override { return mesh_.timestep(); }
  uint8_t coreState(uint32_t c) const override { return mesh_.coreState(c); }
  uint32_t corePc(uint32_t c) const override { return mesh_.corePc(c); }
  uint8_t coreFault(uint32_t c) const override { return mesh_.coreFault(c); }
  bool isRtl(uint32_t c) const override { return mesh_.isRtl(c); }
  std::string describe(uint32_t c) const override { return mesh_.describe(c); }

private:
  MixedMesh<Model> mesh_;
};

using Mode = MixedMesh<Vxpu_tile_core_ni_2x2>::Mode;

class MixedLoopBackend final : public Backend {
public:
  MixedLoopBackend(const BackendOptions &o, const MixedOptions &m) : options_(o), mixed_(m) {}

  std::string name() const override { return "mixed-rtl"; }

  std::optional<Error> load(const Executable &exe) override {
    if (auto err = validateExecutable(exe))
      return err;
    const ChipDescriptor &c = exe.chip;
    std::set<uint32_t> rtl, whole;
    if (auto err = selectRtlTiles(c, mixed_, rtl, whole))
      return err;
    if (!whole.empty())
      return Error{"the plain mixed loop backend runs RTL core + NI tiles only; whole RTL "
                   "tiles run in makeMixedBackend (xpu-sim --rtl-tiles)"};
    if (auto err = checkMixedChip(c))
      return err;
    exe_ = std::make_shared<const Executable>(exe);
    impl_.reset();
    if (c.width == 2)
      impl_ = std::make_unique<ImplT<Vxpu_tile_core_ni_2x2>>(*exe_, std::move(rtl),
                                                          options_.watchdogCycles);
    else
      impl_ = std::make_unique<ImplT<Vxpu_tile_core_ni_4x4>>(*exe_, std::move(rtl),
                                                          options_.watchdogCycles);
    return std::nullopt;
  }

  std::optional<Error> writeSram(uint32_t core, uint32_t address, const uint8_t *data,
                                 size_t size) override {
    if (auto err = checkAccess(core, address, size))
      return err;
    return impl_->writeSram(core, address, data, size);
  }
  std::optional<Error> readSram(uint32_t core, uint32_t address, uint8_t *data,
                                size_t size) const override {
    if (auto err = checkAccess(core, address, size))
      return err;
    const std::vector<uint8_t> s = impl_->readSram(core);
    std::copy_n(s.begin() + address, size, data);
    return std::nullopt;
  }

  RunResult runCycles(uint64_t cycles) override { return run(Mode::Cycles, cycles, 0); }
  RunResult runSteps(uint64_t steps, uint64_t maxCycles) override {
    return run(Mode::Steps, steps, maxCycles);
  }
  RunResult runUntilHalt(uint64_t maxCycles) override { return run(Mode::UntilHalt, 0, maxCycles); }

  nlohmann::json stats() const override {
    if (!impl_)
      return nlohmann::json::object();
    const ChipDescriptor &chip = exe_->chip;
    nlohmann::json j;
    j["backend"] = "mixed-rtl";
    j["cycles"] = impl_->cycle();
    j["clock_mhz"] = chip.clockMhz;
    j["time_us"] = std::round(double(impl_->cycle()) / chip.clockMhz * 1e6) / 1e6;
    j["timesteps"] = impl_->timestep();
    j["mesh"] = {{"width", chip.width}, {"height", chip.height}};
    nlohmann::json rtl = nlohmann::json::array(), cores = nlohmann::json::array();
    for (uint32_t i = 0; i < chip.numCores(); ++i) {
      if (impl_->isRtl(i))
        rtl.push_back(i);
      const uint8_t st = impl_->coreState(i);
      nlohmann::json c = {{"id", i},
                          {"x", chip.coreX(i)},
                          {"y", chip.coreY(i)},
                          {"rtl", impl_->isRtl(i)},
                          {"state", emu::coreStateName(emu::CoreState(st))},
                          {"pc", impl_->corePc(i)}};
      if (st == uint8_t(emu::CoreState::Faulted))
        c["fault"] = sem::faultName(sem::Fault(impl_->coreFault(i)));
      cores.push_back(std::move(c));
    }
    j["rtl_tiles"] = std::move(rtl);
    j["cores"] = std::move(cores);
    return j;
  }

  std::string statusReport() const override {
    if (!impl_)
      return "no executable loaded\n";
    std::string s = "cycle " + std::to_string(impl_->cycle()) + ", timestep " +
                    std::to_string(impl_->timestep()) + "\ncores:\n";
    for (uint32_t i = 0; i < exe_->chip.numCores(); ++i)
      s += "  " + impl_->describe(i) + (impl_->isRtl(i) ? " [rtl]" : "") + "\n";
    return s;
  }
  uint64_t cycle() const override { return impl_ ? impl_->cycle() : 0; }
  uint32_t timestep() const override { return impl_ ? impl_->timestep() : 0; }

private:
  std::optional<Error> checkAccess(uint32_t core, uint32_t address, size_t size) const {
    if (!impl_)
      return Error{"no executable loaded"};
    const ChipDescriptor &c = exe_->chip;
    if (core >= c.numCores())
      return Error{"core " + std::to_string(core) + " is outside the mesh"};
    if (uint64_t(address) + size > c.sramBytes)
      return Error{"SRAM window " + std::to_string(address) + "+" + std::to_string(size) +
                   " of core " + std::to_string(core) + " is outside its " +
                   std::to_string(c.sramBytes) + " bytes"};
    return std::nullopt;
  }
  RunResult run(Mode mode, uint64_t amount, uint64_t maxCycles) {
    if (!impl_) {
      RunResult r;
      r.status = RunStatus::Error;
      r.report = "no executable loaded";
      return r;
    }
    RunResult r = impl_->run(int(mode), amount, maxCycles);
    if (r.status == RunStatus::Fault) {  // as emu::Watchdog::faults
      for (uint32_t i = 0; i < exe_->chip.numCores(); ++i)
        if (impl_->coreState(i) == uint8_t(emu::CoreState::Faulted))
          r.report += "fault: " + impl_->describe(i) + "\n";
    } else if (r.status == RunStatus::Deadlock) {
      r.report += statusReport();
    }
    return r;
  }

  BackendOptions options_;
  MixedOptions mixed_;
  std::shared_ptr<const Executable> exe_;
  std::unique_ptr<Impl> impl_;
};

} // namespace

std::unique_ptr<Backend> makeMixedLoopBackend(const BackendOptions &options,
                                              const MixedOptions &mixedOptions) {
  return std::make_unique<MixedLoopBackend>(options, mixedOptions);
}

} // namespace xpu::rtl
