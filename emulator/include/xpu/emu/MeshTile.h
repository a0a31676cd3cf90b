// What emu::Mesh, the statistics, the watchdog and the backend need from a
// tile: the abstract tile of the SystemC mesh (docs/emulator.md "Tile
// implementations"). emu::Tile (the model's core + NI) is one
// implementation; the RTL side (rtl/sim/) adds Verilated tiles through the
// mesh's tile factory, so this library never sees Verilator.
//
// A tile owns core `id()` and drives its router's Local port: it evaluates
// its router (Network::tickRouter(id(), now)) in every cycle it is awake, so
// every effect on other tiles is timestamped >= now + 1 and tiles may run in
// any order. Between cycles it sleeps on `wake_`, which the network (a flit
// or credit on its way), the barrier unit and the load notify via wakeAt().
#pragma once

#include "xpu/Device.h"
#include "xpu/Executable.h"
#include "xpu/Semantics.h"
#include "xpu/emu/Core.h"
#include "xpu/emu/NetworkInterface.h"

#include <systemc>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

namespace xpu::emu {

class Mesh;
class Network;
class TraceRecorder;
struct Flit;

/// A tile's counters for collectStats(). Pointers stay valid until the next
/// reset. `unavailable` names the per-core statistics keys the tile cannot
/// measure (an RTL tile exposes only its ports); they are left out of its
/// JSON entry and listed under "unavailable".
struct TileCounters {
  const CoreStats *core = nullptr;
  const NiStats *ni = nullptr;
  /// First cycle after the busy cycles of the last instruction issued.
  uint64_t busyEnd = 0;
  /// The cycle the core issues next (a pending barrier release's cycle).
  uint64_t nextIssueCycle = 0;
  std::vector<std::string_view> unavailable;
};

class MeshTile : public sc_core::sc_module {
public:
  MeshTile(sc_core::sc_module_name name, Mesh &mesh, uint32_t id)
      : sc_module(name), mesh_(mesh), id_(id) {}
  uint32_t id() const { return id_; }
  /// "model" or the implementation's name ("rtl"), for reports.
  virtual std::string_view implementation() const = 0;

  // ---- load (Mesh::load, in this order) ----
  /// Forgets the previous load; the network and services are the mesh's.
  virtual void reset(const ChipDescriptor &chip, Network &network,
                     ChipServices &services) = 0;
  /// The other implementation of this core runs this load: drop the state,
  /// so the method sleeps (nothing wakes it until the next reset).
  virtual void deactivate() = 0;
  virtual void setPolicy(uint32_t mailbox, MailboxPolicy policy, uint32_t capacity) = 0;
  /// Boots image `imageIndex` of the executable at load (startCycle 0).
  virtual void bootAtLoad(const ProgramImage &image, uint32_t imageIndex) = 0;

  // ---- running ----
  /// Wakes the tile's method at model cycle `cycle` (>= the next cycle),
  /// `wakeLead_` cycles earlier (a tile that must take a flit from a link
  /// in the cycle before its arrival sets it to 1).
  void wakeAt(uint64_t cycle);
  /// The barrier unit released this core; its next issue is at `cycle`.
  virtual void releaseBarrier(uint64_t cycle) = 0;
  /// Brings counters of a blocked core up to `lastCycle` (end of run).
  virtual void settle(uint64_t lastCycle) {}
  /// Tiles that drive their router's Local port from the network's
  /// observation hooks (the Verilated NI) return true; the mesh then installs
  /// its dispatcher and calls the two functions below, during this tile's
  /// own tickRouter(id(), now).
  virtual bool observesLocalPort() const { return false; }
  /// The router's Local output sends `f` at `now` (reaches the NI at now + 1).
  virtual void localEject(const Flit &, uint64_t) {}
  /// The router frees a Local input slot of `vc` at `now`.
  virtual void localCredit(uint8_t, uint64_t) {}

  // ---- state ----
  virtual CoreState state() const = 0;
  virtual uint32_t pc() const = 0;
  virtual sem::Fault faultCode() const = 0;
  virtual bool live() const = 0;
  /// Core::describe()'s line: "core 3 (1,1) blocked on ... at pc 4: recv ...".
  virtual std::string describe() const = 0;
  /// NetworkInterface::describeMailboxes()'s lines (empty: nothing held).
  virtual std::string describeMailboxes() const = 0;
  /// The NI's outbound side holds a packet (the NI's part of arch.md 8).
  virtual bool outboundBusy() const = 0;

  // ---- host access (the chip is stopped; range checked by the caller) ----
  virtual std::optional<Error> writeSram(uint32_t address, const uint8_t *data,
                                         size_t size) = 0;
  virtual void readSram(uint32_t address, uint8_t *data, size_t size) const = 0;

  // ---- observation ----
  virtual TileCounters counters() const = 0;
  /// Registers state variables with a VCD trace file (at elaboration).
  virtual void trace(sc_core::sc_trace_file *tf) = 0;
  /// Records this tile's timeline into `recorder` (nullptr: off).
  virtual void setTraceRecorder(TraceRecorder *recorder) = 0;
  /// SC_METHOD activations that did work (for the speed figures).
  uint64_t activations() const { return activations_; }

protected:
  /// Drops wake requests for cycles <= now (start of an activation).
  void popWakes(uint64_t now) {
    while (!wakes_.empty() && wakes_.top() <= now)
      wakes_.pop();
  }
  /// The earliest requested wake, or UINT64_MAX.
  uint64_t nextRequestedWake() const { return wakes_.empty() ? UINT64_MAX : wakes_.top(); }
  void clearWakes() { wakes_ = {}; }

  Mesh &mesh_;
  uint32_t id_;
  sc_core::sc_event wake_;
  uint64_t activations_ = 0;
  uint64_t wakeLead_ = 0;

private:
  std::priority_queue<uint64_t, std::vector<uint64_t>, std::greater<uint64_t>> wakes_;
};

/// Builds the alternative implementation of core `id`'s tile at elaboration
/// (Mesh's constructor), or nullptr for none.
using TileFactory = std::function<std::unique_ptr<MeshTile>(
    sc_core::sc_module_name name, Mesh &mesh, uint32_t id)>;

/// A tile implementation the mesh elaborates next to the model's, selected
/// per core at each load (Mesh::load).
struct TileAlternative {
  /// Module name suffix ("rtl": tile_1_0_rtl) and MeshTile::implementation().
  std::string name;
  TileFactory factory;
};

/// Core id -> the name of the alternative it runs (absent: the model's).
using TileSelection = std::map<uint32_t, std::string>;

} // namespace xpu::emu
