// The chip as a SystemC module: W x H tiles, the network, the barrier unit
// and the end-of-cycle monitor (docs/emulator.md "Structure").
//
// One sc_clock (1 ns period) drives the tiles; model cycle c is the rising
// edge at (base + c) ns, where base moves forward at each load so a process
// can load several executables on one elaborated mesh. The monitor method
// runs on the falling edge of a cycle, after every tile has evaluated it,
// and only when asked (a barrier arrival, a core halting or faulting) or
// while a barrier waits: it applies the barrier release condition and stops
// the simulation (sc_pause) when the chip finished, faulted or completed the
// requested timesteps.
#pragma once

#include "xpu/Executable.h"
#include "xpu/emu/BarrierUnit.h"
#include "xpu/emu/Network.h"
#include "xpu/emu/MeshTile.h"
#include "xpu/emu/NetworkInterface.h"
#include "xpu/emu/Tile.h"
#include "xpu/emu/Trace.h"

#include <systemc>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace xpu::emu {

class Mesh : public sc_core::sc_module, public ChipServices {
public:
  SC_HAS_PROCESS(Mesh);
  /// Elaborates width x height model tiles (emu::Tile) and, where an
  /// alternative's factory returns one, other implementations of the tile
  /// ("tile_X_Y_<name>"); each load chooses which one runs.
  /// `vcdPath` non-empty: trace the state, pc, mailbox occupancy and
  /// outbound flag of the tiles in `vcdTiles` (core ids; empty = every tile).
  Mesh(sc_core::sc_module_name name, uint32_t width, uint32_t height,
       const std::string &vcdPath = "", const std::vector<uint32_t> &vcdTiles = {},
       const std::vector<TileAlternative> &alternatives = {});
  ~Mesh() override;

  uint32_t width() const { return width_; }
  uint32_t height() const { return height_; }

  /// Loads a validated executable whose mesh is width() x height(): new
  /// network, cores and NIs, statistics reset, cycle 0 is the next edge.
  /// `implementations`: core -> name of the alternative it runs
  /// (precondition: hasAlternative); the other cores run the model.
  void load(const Executable &exe, const TileSelection &implementations = {});
  /// An alternative named `name` was elaborated for this core.
  bool hasAlternative(uint32_t core, const std::string &name) const;
  bool loaded() const { return exe_ != nullptr; }
  const Executable &executable() const { return *exe_; }
  const ChipDescriptor &chip() const { return chip_; }
  /// Record a Chrome trace from the next load on (nullopt: stop recording).
  void setTraceOptions(std::optional<TraceOptions> options) { traceOptions_ = options; }
  /// The trace of the current load, or nullptr when not recording.
  const TraceRecorder *traceRecorder() const { return trace_.get(); }

  // ---- running ----
  enum class Stop : uint8_t { None, Finished, Fault, Steps };
  /// Simulates until cyclesDone() == endCycle or a stop condition; returns
  /// the stop condition (None if endCycle was reached).
  Stop runUntil(uint64_t endCycle);
  /// Stop when the timestep counter reaches `timestep`, just before the
  /// release cycle (nullopt: never).
  void setStepTarget(std::optional<uint32_t> timestep);
  /// Cycles simulated since load.
  uint64_t cyclesDone() const;
  /// Every core halted, idle or faulted and no spawn request in flight.
  bool finished() const { return liveCores_ == 0 && spawnsInFlight_ == 0; }
  /// First cycle of the current quiet period (no instruction issued, no
  /// flit moved since): the watchdog's reference.
  uint64_t quietSince() const { return quietSince_; }
  /// Network, NI outbound and ejection buffers empty (docs/arch.md 8).
  bool quiescent() const;
  /// Brings every blocked core's stall counter up to the last cycle run.
  void settle();
  /// Cores that faulted since the last call (in core order).
  std::vector<uint32_t> takeNewFaults();

  // ---- parts ----
  uint32_t numTiles() const { return uint32_t(tiles_.size()); }
  MeshTile &tile(uint32_t i) { return *tiles_[i]; }
  const MeshTile &tile(uint32_t i) const { return *tiles_[i]; }
  /// The model tile of core i if it is the one running, else nullptr.
  Tile *modelTile(uint32_t i) { return tiles_[i] == models_[i].get() ? models_[i].get() : nullptr; }
  const Tile *modelTile(uint32_t i) const {
    return tiles_[i] == models_[i].get() ? models_[i].get() : nullptr;
  }
  Network &network() { return *network_; }
  const Network &network() const { return *network_; }
  const BarrierUnit &barrier() const { return barrier_; }

  // ---- ChipServices ----
  void arriveBarrier(uint32_t core, uint64_t now) override;
  uint32_t timestep() const override { return barrier_.timestep(); }
  const ProgramImage *image(uint32_t index) const override;
  uint32_t imageCount() const override;
  bool isGroupSource(uint32_t group, uint32_t core) const override;
  void spawnPosted() override { ++spawnsInFlight_; }
  void spawnConsumed() override;

  // ---- for the tiles ----
  /// Current model cycle (floor of simulated time minus base).
  uint64_t now() const;
  uint64_t base() const { return base_; }
  /// Simulated-time delay from now to the rising edge of model cycle `c`.
  sc_core::sc_time delayTo(uint64_t c) const;
  void noteActivity(uint64_t now) {
    if (now + 1 > quietSince_)
      quietSince_ = now + 1;
  }
  void liveChanged(bool live);
  void noteFault(uint32_t core);
  void barrierLeave(uint32_t core) { barrier_.leave(core); }
  /// Runs the monitor at the end of the current cycle.
  void requestCheck();
  sc_core::sc_clock clk;

private:
  void endOfCycle();

  uint32_t width_, height_;
  ChipDescriptor chip_;
  std::shared_ptr<const Executable> exe_;
  std::unique_ptr<Network> network_;
  std::vector<std::unique_ptr<Tile>> models_;            // [core]
  /// [core] -> the alternatives elaborated for it (name, tile).
  std::vector<std::vector<std::pair<std::string, std::unique_ptr<MeshTile>>>> alternatives_;
  std::vector<MeshTile *> tiles_;                       // [core] the running one
  /// Tiles driving their router's Local port from the network hooks,
  /// [router] (empty: no such tile, the hooks stay unset and cost nothing).
  std::vector<MeshTile *> localPortTiles_;
  std::vector<uint32_t> groupSource_; // [group] -> source core, or UINT32_MAX
  BarrierUnit barrier_;
  sc_core::sc_event check_;
  sc_core::sc_trace_file *vcd_ = nullptr;
  std::optional<TraceOptions> traceOptions_;
  std::unique_ptr<TraceRecorder> trace_;
  uint64_t periodTicks_;
  uint64_t base_ = 0;
  bool started_ = false;
  uint32_t liveCores_ = 0;
  uint32_t spawnsInFlight_ = 0;
  uint64_t quietSince_ = 0;
  std::vector<uint32_t> newFaults_;
  std::optional<uint32_t> stepTarget_;
  std::optional<uint64_t> stepStopCycle_;
  Stop stop_ = Stop::None;
};

} // namespace xpu::emu
