// The SystemC driver of synthetic traffic: one sc_module per tile whose
// SC_METHOD runs on the rising clock edge and ticks that tile's sink, source
// and router; an idle tile waits on an sc_event, notified by the network or
// by the generation calendar, instead of the clock. A controller on the
// falling edge ends the run.
#include "xpu/emu/Traffic.h"

#include "TrafficEngine.h"

#include <systemc>

#include <algorithm>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace xpu::emu {

namespace {

using namespace sc_core;

uint64_t cycleAt(const sc_time &now, const sc_time &period) {
  return now.value() / period.value();
}

/// The current cycle without a 64-bit division per activation: every
/// process of a cycle sees the same time stamp, so the division runs once
/// per time step.
class CycleClock {
public:
  explicit CycleClock(const sc_time &period) : period_(period.value()) {}
  uint64_t now() {
    const uint64_t t = sc_time_stamp().value();
    if (t != lastTime_) {
      lastTime_ = t;
      lastCycle_ = t / period_;
    }
    return lastCycle_;
  }

private:
  uint64_t period_;
  uint64_t lastTime_ = UINT64_MAX, lastCycle_ = 0;
};

class GenerationCalendar;

/// One tile. While busy it is dynamically sensitive to the rising edge (not
/// statically: the clock then only visits busy tiles); while idle it waits
/// on its wake event, notified by the network (a flit or credit is coming)
/// or by the generation calendar (its next packet is due this cycle).
class TrafficTileModule : public sc_module {
public:
  SC_HAS_PROCESS(TrafficTileModule);
  TrafficTileModule(sc_module_name name, TrafficEngine &eng, uint32_t id, const sc_clock &clk,
                    GenerationCalendar &calendar, CycleClock &cycles)
      : sc_module(name), eng_(eng), id_(id), clk_(clk), cycles_(cycles), calendar_(calendar) {
    SC_METHOD(evaluate);  // initialised: runs at cycle 0
  }

  /// Wakes a sleeping tile within the current cycle (a delta cycle later);
  /// it ticks this cycle (a no-op: whatever was sent to it arrives later)
  /// or, if it already has, resumes on the next rising edge.
  void wake() {
    if (asleep_) {
      asleep_ = false;
      wakeEvent_.notify(SC_ZERO_TIME);
    }
  }

private:
  void evaluate();

  TrafficEngine &eng_;
  uint32_t id_;
  const sc_clock &clk_;
  CycleClock &cycles_;
  GenerationCalendar &calendar_;
  sc_event wakeEvent_;
  bool asleep_ = false;
  bool ticked_ = false;
  uint64_t lastTick_ = 0;
  uint64_t scheduledGen_ = TrafficEngine::kNever;
};

/// Wakes sleeping tiles at their next generation cycle: one min-heap of
/// (cycle, tile) in plain C++ checked once per cycle, instead of a timed
/// SystemC notification per sleep (the kernel allocates each and keeps
/// cancelled ones in its queue).
class GenerationCalendar : public sc_module {
public:
  SC_HAS_PROCESS(GenerationCalendar);
  GenerationCalendar(sc_module_name name, const sc_clock &clk)
      : sc_module(name), period_(clk.period()) {
    SC_METHOD(fire);
    sensitive << clk.posedge_event();
    dont_initialize();
  }
  void setTiles(std::vector<TrafficTileModule *> tiles) { tiles_ = std::move(tiles); }
  void schedule(uint64_t cycle, uint32_t tile) {
    heap_.push_back({cycle, tile});
    std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
  }

private:
  void fire() {
    const uint64_t now = cycleAt(sc_time_stamp(), period_);
    while (!heap_.empty() && heap_.front().first <= now) {
      const uint32_t t = heap_.front().second;
      std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
      heap_.pop_back();
      tiles_[t]->wake();
    }
  }
  sc_time period_;
  std::vector<TrafficTileModule *> tiles_;
  std::vector<std::pair<uint64_t, uint32_t>> heap_;
};

void TrafficTileModule::evaluate() {
  const uint64_t now = cycles_.now();
  asleep_ = false;
  if (!ticked_ || now != lastTick_) {
    eng_.tickTile(id_, now);
    ticked_ = true;
    lastTick_ = now;
    if (!eng_.tileBusy(id_)) {
      // Asleep until the network wakes it or its next packet is due: only a
      // sleeping tile needs the calendar (an awake one is ticked anyway; a
      // stale entry only wakes an awake tile, which is a no-op).
      const uint64_t next = eng_.tileNextGeneration(id_);
      if (next != scheduledGen_ && next != TrafficEngine::kNever) {
        calendar_.schedule(next, id_);
        scheduledGen_ = next;
      }
      asleep_ = true;
      next_trigger(wakeEvent_);
      return;
    }
  }
  next_trigger(clk_.posedge_event());
}

class TrafficController : public sc_module {
public:
  SC_HAS_PROCESS(TrafficController);
  TrafficController(sc_module_name name, TrafficEngine &eng, const sc_clock &clk)
      : sc_module(name), eng_(eng), period_(clk.period()) {
    SC_METHOD(endOfCycle);
    sensitive << clk.negedge_event();
    dont_initialize();
  }

private:
  void endOfCycle() {
    if (eng_.endOfCycle(cycleAt(sc_time_stamp(), period_))) sc_stop();
  }
  TrafficEngine &eng_;
  sc_time period_;
};

bool gSystemCUsed = false;

} // namespace

TrafficResult runTrafficSystemC(const ChipDescriptor &chip, const TrafficConfig &cfg) {
  if (gSystemCUsed)
    throw std::logic_error("runTrafficSystemC: SystemC elaborates once per process; "
                           "run each SystemC simulation in its own process");
  gSystemCUsed = true;
  // The models live until the process ends: SystemC does not support
  // destroying a simulated design and starting another.
  static std::unique_ptr<TrafficEngine> engine;
  engine = std::make_unique<TrafficEngine>(chip, cfg);
  TrafficEngine &eng = *engine;

  auto *clk = new sc_clock("noc_clk", sc_time(1, SC_NS));
  auto *calendar = new GenerationCalendar("noc_generation_calendar", *clk);
  auto *cycles = new CycleClock(clk->period());
  std::vector<TrafficTileModule *> tiles;
  tiles.reserve(eng.numTiles());
  for (uint32_t t = 0; t < eng.numTiles(); ++t)
    tiles.push_back(
        new TrafficTileModule(("tile_" + std::to_string(t)).c_str(), eng, t, *clk, *calendar,
                              *cycles));
  calendar->setTiles(tiles);
  new TrafficController("noc_controller", eng, *clk);
  eng.network().setWakeCallback([tiles](uint32_t r, uint64_t) { tiles[r]->wake(); });

  // Every tile evaluates at cycle 0 (static sensitivity), then sleeps if idle.
  sc_report_handler::set_actions("/OSCI/SystemC", SC_INFO, SC_DO_NOTHING);  // "stopped by user"
  sc_start();
  return eng.result();
}

} // namespace xpu::emu
