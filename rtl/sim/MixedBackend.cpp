// xpu::rtl::makeMixedBackend: emu::EmulatorBackend with RtlCoreNiTile on
// the chosen tiles, for the Verilated parameter points of rtl/CMakeLists.txt
// (the example chips' core/NoC parameters, 2x2 and 4x4).

// The --cc models first: verilated.h must not see SystemC's headers (it
// would switch to SystemC time, unlike the XpuRtl library it links with).
#include "Vxpu_tile_core_ni_2x2.h"
#include "Vxpu_tile_core_ni_4x4.h"
#include "Vxpu_tile_core_ni_2x2___024root.h"
#include "Vxpu_tile_core_ni_4x4___024root.h"
#include "Vxpu_tile_2x2.h"
#include "Vxpu_tile_4x4.h"
#include "Vxpu_tile_2x2___024root.h"
#include "Vxpu_tile_4x4___024root.h"

#include "xpu/rtl/MixedBackend.h"

#include "xpu/emu/Mesh.h"
#include "xpu/rtl/RtlCoreNiTile.h"
#include "xpu/rtl/RtlWholeMeshTile.h"

#include <set>

namespace xpu::rtl {

namespace {

class MixedBackend final : public Backend {
public:
  MixedBackend(const BackendOptions &o, const MixedOptions &m, const emu::EmulatorOptions &e)
      : options_(o), mixed_(m), emuOptions_(e) {}

  std::string name() const override { return "mixed-rtl"; }

  std::optional<Error> load(const Executable &exe) override {
    if (auto err = validateExecutable(exe))
      return err;
    const ChipDescriptor &c = exe.chip;
    std::set<uint32_t> rtl, whole;
    if (auto err = selectRtlTiles(c, mixed_, rtl, whole))
      return err;
    if (!whole.empty() && c.routerLatency != 1)
      return Error{"whole RTL tiles need router_latency 1 (the RTL router's pipeline); this "
                   "chip has " + std::to_string(c.routerLatency)};
    if (auto err = checkMixedChip(c))
      return err;
    for (const MailboxConfig &m : exe.mailboxPolicies)
      if ((rtl.count(m.core) || whole.count(m.core)) && m.capacity != 0 &&
          m.capacity != c.mailboxDepth)
        return Error{"mailbox " + std::to_string(m.mailbox) + " of RTL tile " +
                     std::to_string(m.core) + " has capacity " + std::to_string(m.capacity) +
                     "; the RTL NI's mailboxes hold mailbox_depth (" +
                     std::to_string(c.mailboxDepth) + ") messages"};
    // Every core gets the RTL alternatives at elaboration (the first load
    // of the process); each backend's loads select theirs.
    emu::EmulatorOptions eo = emuOptions_;
    eo.name = "mixed-rtl";
    eo.alternatives = rtlTileAlternatives(c.width);
    for (uint32_t id : rtl)
      eo.tileImplementations[id] = "rtl";
    for (uint32_t id : whole)
      eo.tileImplementations[id] = "rtl_tile";
    if (!emu_ || rtl != rtl_ || whole != whole_)
      emu_ = std::make_unique<emu::EmulatorBackend>(options_, eo);
    if (auto err = emu_->load(exe))
      return err;
    rtl_ = rtl;
    whole_ = whole;
    return std::nullopt;
  }

  std::optional<Error> writeSram(uint32_t core, uint32_t address, const uint8_t *data,
                                 size_t size) override {
    if (!emu_)
      return Error{"no executable loaded"};
    return emu_->writeSram(core, address, data, size);
  }
  std::optional<Error> readSram(uint32_t core, uint32_t address, uint8_t *data,
                                size_t size) const override {
    if (!emu_)
      return Error{"no executable loaded"};
    return emu_->readSram(core, address, data, size);
  }
  RunResult runCycles(uint64_t cycles) override {
    return emu_ ? emu_->runCycles(cycles) : notLoaded();
  }
  RunResult runSteps(uint64_t steps, uint64_t maxCycles) override {
    return emu_ ? emu_->runSteps(steps, maxCycles) : notLoaded();
  }
  RunResult runUntilHalt(uint64_t maxCycles) override {
    return emu_ ? emu_->runUntilHalt(maxCycles) : notLoaded();
  }

  /// The emulator's statistics, plus which tiles are RTL (and which of
  /// them include their router).
  nlohmann::json stats() const override {
    if (!emu_)
      return nlohmann::json::object();
    nlohmann::json j = emu_->stats();
    if (j.empty())
      return j;
    std::set<uint32_t> all = rtl_;
    all.insert(whole_.begin(), whole_.end());
    j["rtl_tiles"] = nlohmann::json(std::vector<uint32_t>(all.begin(), all.end()));
    if (!whole_.empty())
      j["rtl_routers"] = nlohmann::json(std::vector<uint32_t>(whole_.begin(), whole_.end()));
    for (nlohmann::json &c : j["cores"]) {
      const uint32_t id = c["id"].get<uint32_t>();
      c["rtl"] = all.count(id) > 0;
      if (whole_.count(id))
        c["rtl_router"] = true;
    }
    return j;
  }
  std::string statusReport() const override {
    return emu_ ? emu_->statusReport() : "no executable loaded\n";
  }
  uint64_t cycle() const override { return emu_ ? emu_->cycle() : 0; }
  uint32_t timestep() const override { return emu_ ? emu_->timestep() : 0; }

  emu::EmulatorBackend *emulator() { return emu_.get(); }

private:
  static RunResult notLoaded() {
    RunResult r;
    r.status = RunStatus::Error;
    r.report = "no executable loaded";
    return r;
  }

  BackendOptions options_;
  MixedOptions mixed_;
  emu::EmulatorOptions emuOptions_;
  std::unique_ptr<emu::EmulatorBackend> emu_;
  std::set<uint32_t> rtl_, whole_; // RTL core + NI tiles, whole RTL tiles
};

/// The tile of the Verilated model of the mesh width (2: Tile2, 4: Tile4).
template <class Tile2, class Tile4> emu::TileFactory byMeshWidth(uint32_t meshWidth) {
  return [meshWidth](sc_core::sc_module_name name, emu::Mesh &mesh,
                     uint32_t id) -> std::unique_ptr<emu::MeshTile> {
    if (meshWidth == 2)
      return std::make_unique<Tile2>(name, mesh, id);
    if (meshWidth == 4)
      return std::make_unique<Tile4>(name, mesh, id);
    return nullptr;
  };
}

} // namespace

std::vector<emu::TileAlternative> rtlTileAlternatives(uint32_t meshWidth) {
  emu::TileAlternative coreNi;
  coreNi.name = "rtl";
  coreNi.factory = byMeshWidth<RtlCoreNiTile<Vxpu_tile_core_ni_2x2>,
                               RtlCoreNiTile<Vxpu_tile_core_ni_4x4>>(meshWidth);
  emu::TileAlternative whole;
  whole.name = "rtl_tile";
  whole.factory = byMeshWidth<RtlWholeMeshTile<Vxpu_tile_2x2>, RtlWholeMeshTile<Vxpu_tile_4x4>>(meshWidth);
  return {coreNi, whole};
}

std::unique_ptr<Backend> makeMixedBackend(const BackendOptions &options,
                                          const MixedOptions &mixedOptions,
                                          const emu::EmulatorOptions &emulatorOptions) {
  return std::make_unique<MixedBackend>(options, mixedOptions, emulatorOptions);
}

emu::EmulatorBackend *mixedEmulator(Backend &backend) {
  auto *m = dynamic_cast<MixedBackend *>(&backend);
  return m ? m->emulator() : nullptr;
}

// The Verilated parameters (rtl/CMakeLists.txt, "the tile"): core and NI
// parameters of examples/chips/{2x2,4x4}.json. Router latency, link latency,
// barrier latency and the clock are the network model's and may differ.
std::optional<Error> selectRtlTiles(const ChipDescriptor &c, const MixedOptions &mixed,
                                    std::set<uint32_t> &rtl, std::set<uint32_t> &whole) {
  rtl.clear();
  whole.clear();
  auto inMesh = [&](uint32_t id) -> std::optional<Error> {
    if (id >= c.numCores())
      return Error{"RTL tile " + std::to_string(id) + " is outside the " +
                   std::to_string(c.width) + "x" + std::to_string(c.height) + " mesh"};
    return std::nullopt;
  };
  for (uint32_t id : mixed.wholeTiles) {
    if (auto err = inMesh(id))
      return err;
    whole.insert(id);
  }
  if (mixed.allWhole)
    for (uint32_t id = 0; id < c.numCores(); ++id)
      whole.insert(id);
  if (mixed.rtlTiles) {
    for (uint32_t id : *mixed.rtlTiles) {
      if (auto err = inMesh(id))
        return err;
      rtl.insert(id);
    }
  } else if (whole.empty()) {
    for (uint32_t id = 0; id < c.numCores(); ++id)
      rtl.insert(id);
  }
  for (uint32_t id : whole)
    rtl.erase(id);
  return std::nullopt;
}

std::optional<Error> checkMixedChip(const ChipDescriptor &c) {
  if (mixedChipSupported(c))
    return std::nullopt;
  return Error{"no Verilated core + NI model for this chip ('" + c.name + "', " +
               std::to_string(c.width) + "x" + std::to_string(c.height) +
               "); RTL tiles exist for " + mixedSupportedChips()};
}

bool mixedChipSupported(const ChipDescriptor &c) {
  return c.sramBytes == 65536 && c.imemInstructions == 4096 && c.vectorLanes == 16 &&
         c.mailboxes == 8 && c.mailboxDepth == 4 && c.maxMessageBytes == 256 &&
         c.virtualChannels == 2 && c.bufferDepth == 4 && c.flitBytes == 8 &&
         c.multicastGroups == 64 &&
         ((c.width == 2 && c.height == 2) || (c.width == 4 && c.height == 4));
}

std::string mixedSupportedChips() {
  return "2x2 and 4x4 meshes with the core/NoC parameters of examples/chips/2x2.json "
         "(64 KiB SRAM, 4096 IMEM words, 16 lanes, 8 mailboxes of depth 4, 256-byte "
         "messages, 2 VCs, 4-flit buffers, 8-byte flits, 64 groups; any router, link "
         "and barrier latency)";
}

} // namespace xpu::rtl
