// The mesh module: elaboration, loading, the run loop's sc_start calls and
// the end-of-cycle monitor (barrier release, stop conditions).
#include "xpu/emu/Mesh.h"

#include <algorithm>
#include <cstdlib>
#include <limits>

namespace xpu::emu {

namespace {
constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();
const sc_core::sc_time kPeriod(1, sc_core::SC_NS);
} // namespace

Mesh::Mesh(sc_core::sc_module_name name, uint32_t width, uint32_t height,
           const std::string &vcdPath, const std::vector<uint32_t> &vcdTiles,
           const std::vector<TileAlternative> &alternatives)
    : sc_module(name), clk("clk", kPeriod, 0.5, sc_core::SC_ZERO_TIME, true),
      width_(width), height_(height), periodTicks_(kPeriod.value()) {
  chip_.width = width;
  chip_.height = height;
  // Test hook: XPU_EMU_TILE_ORDER=reverse creates (and so first evaluates)
  // the tiles in reverse order; results must not change (tests/lit/sim).
  const char *order = std::getenv("XPU_EMU_TILE_ORDER");
  const bool reverse = order && std::string(order) == "reverse";
  const uint32_t n = width * height;
  models_.resize(n);
  alternatives_.resize(n);
  tiles_.resize(n);
  for (uint32_t k = 0; k < n; ++k) {
    const uint32_t id = reverse ? n - 1 - k : k;
    const std::string name = "tile_" + std::to_string(id % width) + "_" +
                             std::to_string(id / width);
    models_[id] = std::make_unique<Tile>(name.c_str(), *this, id);
    tiles_[id] = models_[id].get();
    for (const TileAlternative &a : alternatives)
      if (a.factory)
        if (auto t = a.factory((name + "_" + a.name).c_str(), *this, id))
          alternatives_[id].emplace_back(a.name, std::move(t));
  }
  SC_METHOD(endOfCycle);
  sensitive << check_;
  dont_initialize();
  if (!vcdPath.empty()) {
    std::string base = vcdPath;
    if (base.size() > 4 && base.substr(base.size() - 4) == ".vcd")
      base = base.substr(0, base.size() - 4); // SystemC appends ".vcd"
    vcd_ = sc_core::sc_create_vcd_trace_file(base.c_str());
    sc_core::sc_trace(vcd_, clk, "clk");
    for (uint32_t id = 0; id < n; ++id)
      if (vcdTiles.empty() || std::find(vcdTiles.begin(), vcdTiles.end(), id) != vcdTiles.end()) {
        models_[id]->trace(vcd_);
        for (auto &[altName, alt] : alternatives_[id])
          alt->trace(vcd_);
      }
  }
}

Mesh::~Mesh() {
  if (vcd_)
    sc_core::sc_close_vcd_trace_file(vcd_);
}

bool Mesh::hasAlternative(uint32_t core, const std::string &name) const {
  if (core >= alternatives_.size())
    return false;
  for (const auto &[altName, alt] : alternatives_[core])
    if (altName == name)
      return true;
  return false;
}

void Mesh::load(const Executable &exe, const TileSelection &implementations) {
  // Choose each core's implementation for this load; the others sleep
  // (their method has no state to run and nothing wakes them).
  for (uint32_t id = 0; id < tiles_.size(); ++id) {
    const auto chosen = implementations.find(id);
    MeshTile *active = models_[id].get();
    for (auto &[altName, alt] : alternatives_[id])
      if (chosen != implementations.end() && chosen->second == altName)
        active = alt.get();
    if (active != models_[id].get())
      models_[id]->deactivate();
    for (auto &[altName, alt] : alternatives_[id])
      if (alt.get() != active)
        alt->deactivate();
    tiles_[id] = active;
  }
  localPortTiles_.clear();
  for (uint32_t id = 0; id < tiles_.size(); ++id)
    if (tiles_[id]->observesLocalPort()) {
      localPortTiles_.resize(tiles_.size(), nullptr);
      localPortTiles_[id] = tiles_[id];
    }
  exe_ = std::make_shared<Executable>(exe);
  chip_ = exe.chip;
  // A new load starts at the next rising edge after the current time.
  if (started_)
    base_ = sc_core::sc_time_stamp().value() / periodTicks_ + 1;
  network_ = std::make_unique<Network>(chip_, exe.multicastGroups, exe.multicastRoutes);
  network_->setWakeCallback(
      [this](uint32_t r, uint64_t when) { tiles_[r]->wakeAt(when); });
  // The network has one traverse and one credit hook: the mesh dispatches
  // them to the tiles that drive their router's Local port (only when there
  // are such tiles: an unset hook is the network's zero-cost case).
  if (!localPortTiles_.empty()) {
    network_->setTraverseCallback(
        [this](uint32_t r, uint8_t, uint8_t out, const Flit &f, uint64_t now) {
          if (out == uint8_t(Port::Local) && localPortTiles_[r])
            localPortTiles_[r]->localEject(f, now);
        });
    network_->setCreditCallback([this](uint32_t r, uint8_t in, uint8_t vc, uint64_t now) {
      if (in == uint8_t(Port::Local) && localPortTiles_[r])
        localPortTiles_[r]->localCredit(vc, now);
    });
  }
  groupSource_.assign(chip_.multicastGroups, UINT32_MAX);
  for (const MulticastGroup &g : exe.multicastGroups)
    if (g.id < groupSource_.size())
      groupSource_[g.id] = g.source;
  barrier_.reset(chip_.numCores(), chip_.effectiveBarrierLatency());
  trace_.reset();
  if (traceOptions_)
    trace_ = std::make_unique<TraceRecorder>(chip_, *traceOptions_);
  for (auto &t : tiles_) {
    t->reset(chip_, *network_, *this);
    t->setTraceRecorder(trace_.get());
  }
  for (const MailboxConfig &m : exe.mailboxPolicies)
    if (m.core < tiles_.size())
      tiles_[m.core]->setPolicy(m.mailbox, m.policy, m.capacity);
  liveCores_ = 0;
  for (const CoreAssignment &a : exe.cores) {
    tiles_[a.core]->bootAtLoad(exe_->images[a.image], a.image);
    ++liveCores_;
  }
  spawnsInFlight_ = 0;
  quietSince_ = 0;
  newFaults_.clear();
  stepTarget_.reset();
  stepStopCycle_.reset();
  stop_ = Stop::None;
  if (started_)
    for (auto &t : tiles_)
      t->wakeAt(0);
}

void MeshTile::wakeAt(uint64_t cycle) {
  cycle -= std::min(cycle, wakeLead_);
  wakes_.push(cycle);
  wake_.notify(mesh_.delayTo(cycle));
}

uint64_t Mesh::now() const {
  const uint64_t c = sc_core::sc_time_stamp().value() / periodTicks_;
  return c >= base_ ? c - base_ : 0;
}

sc_core::sc_time Mesh::delayTo(uint64_t c) const {
  const sc_core::sc_time target = kPeriod * double(base_ + c);
  const sc_core::sc_time t = sc_core::sc_time_stamp();
  return target > t ? target - t : sc_core::SC_ZERO_TIME;
}

uint64_t Mesh::cyclesDone() const {
  if (!started_)
    return 0;
  const uint64_t c = sc_core::sc_time_stamp().value() / periodTicks_ + 1;
  return c >= base_ ? c - base_ : 0;
}

Mesh::Stop Mesh::runUntil(uint64_t endCycle) {
  stop_ = Stop::None;
  if (endCycle <= cyclesDone() && started_)
    return Stop::None;
  if (endCycle == 0)
    return Stop::None;
  // The end of cycle endCycle - 1: after its falling edge, before the next
  // rising edge, so no activation sits exactly on the boundary.
  const sc_core::sc_time target =
      kPeriod * double(base_ + endCycle - 1) + kPeriod * 0.75;
  const sc_core::sc_time t = sc_core::sc_time_stamp();
  started_ = true;
  if (target > t)
    sc_core::sc_start(target - t);
  return stop_;
}

void Mesh::setStepTarget(std::optional<uint32_t> timestep) {
  stepTarget_ = timestep;
  stepStopCycle_.reset();
}

bool Mesh::quiescent() const {
  if (!network_->quiescent())
    return false;
  for (const auto &t : tiles_)
    if (t->outboundBusy())
      return false;
  return true;
}

void Mesh::settle() {
  if (!started_)
    return;
  const uint64_t done = cyclesDone();
  if (done == 0)
    return;
  for (auto &t : tiles_)
    t->settle(done - 1);
}

std::vector<uint32_t> Mesh::takeNewFaults() {
  std::vector<uint32_t> f;
  f.swap(newFaults_);
  std::sort(f.begin(), f.end());
  return f;
}

void Mesh::arriveBarrier(uint32_t core, uint64_t now) {
  barrier_.arrive(core);
  requestCheck();
}

const ProgramImage *Mesh::image(uint32_t index) const {
  return exe_ && index < exe_->images.size() ? &exe_->images[index] : nullptr;
}

uint32_t Mesh::imageCount() const {
  return exe_ ? uint32_t(exe_->images.size()) : 0;
}

bool Mesh::isGroupSource(uint32_t group, uint32_t core) const {
  return group < groupSource_.size() && groupSource_[group] == core;
}

void Mesh::spawnConsumed() {
  if (spawnsInFlight_)
    --spawnsInFlight_;
  requestCheck();
}

void Mesh::liveChanged(bool live) {
  if (live)
    ++liveCores_;
  else if (liveCores_)
    --liveCores_;
  requestCheck();
}

void Mesh::noteFault(uint32_t core) {
  newFaults_.push_back(core);
  requestCheck();
}

void Mesh::requestCheck() {
  // The falling edge of the current cycle.
  const uint64_t t = sc_core::sc_time_stamp().value();
  const uint64_t edge = (t / periodTicks_) * periodTicks_ + periodTicks_ / 2;
  check_.notify(edge > t ? sc_core::sc_time::from_value(edge - t)
                         : sc_core::SC_ZERO_TIME);
}

void Mesh::endOfCycle() {
  if (!exe_) {
    next_trigger(check_);
    return;
  }
  const uint64_t now = this->now();
  if (barrier_.armed()) {
    auto release = barrier_.endOfCycle(now, liveCores_,
                                       [this] { return quiescent(); });
    if (release) {
      for (uint32_t c : release->cores) {
        tiles_[c]->releaseBarrier(release->cycle);
        tiles_[c]->wakeAt(release->cycle);
      }
      noteActivity(now);
      if (stepTarget_ && barrier_.timestep() >= *stepTarget_) {
        stepStopCycle_ = release->cycle - 1;
        stepTarget_.reset();
      }
    }
  }
  if (!newFaults_.empty()) {
    stop_ = Stop::Fault;
    sc_core::sc_pause();
  } else if (finished()) {
    stop_ = Stop::Finished;
    sc_core::sc_pause();
  } else if (stepStopCycle_ && *stepStopCycle_ <= now) {
    stop_ = Stop::Steps;
    stepStopCycle_.reset();
    sc_core::sc_pause();
  }
  if (barrier_.armed()) {
    next_trigger(clk.negedge_event());
  } else {
    if (stepStopCycle_) {
      const uint64_t edge = (base_ + *stepStopCycle_) * periodTicks_ + periodTicks_ / 2;
      const uint64_t t = sc_core::sc_time_stamp().value();
      if (edge > t)
        check_.notify(sc_core::sc_time::from_value(edge - t));
    }
    next_trigger(check_);
  }
}

} // namespace xpu::emu
