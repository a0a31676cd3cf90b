// A tile's SC_METHOD: one cycle of NI, core and router, then sleep until the
// next cycle anything can happen.
#include "xpu/emu/Tile.h"

#include "xpu/emu/Mesh.h"
#include "xpu/emu/Trace.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

namespace xpu::emu {

namespace {
constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();
}

Tile::Tile(sc_core::sc_module_name name, Mesh &mesh, uint32_t id)
    : MeshTile(name, mesh, id) {
  SC_METHOD(step);
  // No dont_initialize: the first load happens before the simulation starts,
  // and the initial activation is cycle 0. Later loads wake tiles explicitly.
}

void Tile::reset(const ChipDescriptor &chip, Network &network,
                 ChipServices &services) {
  ni_ = std::make_unique<NetworkInterface>(chip, id_, network, services);
  core_ = std::make_unique<Core>(chip, id_, *ni_);
  ni_->attachCore(core_.get());
  clearWakes();
  lastStep_ = kNever;
  live_ = false;
  faultSeen_ = false;
  activations_ = 0;
  busyEnd_ = 0;
}

void Tile::deactivate() {
  core_.reset();
  ni_.reset();
  clearWakes();
  live_ = false;
  recorder_ = nullptr;
}

void Tile::bootAtLoad(const ProgramImage &image, uint32_t) {
  core_->boot(image, 0, 0);
  live_ = true;
}

std::optional<Error> Tile::writeSram(uint32_t address, const uint8_t *data, size_t size) {
  if (size)
    std::memcpy(core_->sram().data() + address, data, size);
  return std::nullopt;
}

void Tile::readSram(uint32_t address, uint8_t *data, size_t size) const {
  if (size)
    std::memcpy(data, core_->sram().data() + address, size);
}

TileCounters Tile::counters() const {
  TileCounters c;
  c.core = &core_->stats();
  c.ni = &ni_->stats();
  c.busyEnd = busyEnd_;
  c.nextIssueCycle = core_->nextIssueCycle();
  return c;
}

void Tile::settle(uint64_t lastCycle) {
  // A blocked core's stall counter advances when it is ticked; a blocked
  // core's tick has no other effect unless an event (which would have woken
  // the tile) is due, so ticking it at the last cycle only settles counters.
  if (core_ && core_->state() == CoreState::Blocked && lastCycle != kNever)
    core_->tick(lastCycle);
}

void Tile::trace(sc_core::sc_trace_file *tf) {
  tracing_ = true;
  const std::string n = name();
  sc_core::sc_trace(tf, traceState_, n + ".state");
  sc_core::sc_trace(tf, tracePc_, n + ".pc");
  sc_core::sc_trace(tf, traceMailboxes_, n + ".mailbox_messages");
  sc_core::sc_trace(tf, traceOutbound_, n + ".outbound_busy");
}

void Tile::step() {
  if (!core_ || !mesh_.loaded()) {
    next_trigger(wake_);
    return;
  }
  const uint64_t now = mesh_.now();
  if (now == lastStep_) {
    // Woken twice in one cycle (a timed wake and the clock edge): the work
    // of this cycle is done; only re-arm.
    sleep(now);
    return;
  }
  lastStep_ = now;
  ++activations_;
  popWakes(now);

  // One predictable branch: tracing off runs the untraced instantiation.
  if (recorder_)
    cycle<true>(now);
  else
    cycle<false>(now);
  bookkeeping(now);
  sleep(now);
}

template <bool Traced> void Tile::cycle(uint64_t now) {
  Network &net = mesh_.network();
  // Traced: the ejection buffers' front flits before receive, to name the
  // packet whose tail the NI consumes this cycle.
  struct Front {
    bool tail = false;
    uint64_t packetId = 0, created = 0;
    uint32_t seq = 0;
  };
  std::array<Front, 8> fronts{};
  const uint32_t vcs = std::min<uint32_t>(mesh_.chip().virtualChannels, 8);
  if constexpr (Traced) {
    for (uint32_t v = 0; v < vcs; ++v)
      if (const Flit *f = net.ejectFront(id_, uint8_t(v), now))
        fronts[v] = Front{f->tail, f->packetId, f->createdCycle, f->seq};
  }
  bool active = ni_->receive(now);
  if constexpr (Traced) {
    TraceRecorder::CoreProbe &p = recorder_->probe(id_);
    const uint64_t delivered = ni_->stats().messagesDelivered;
    if (delivered != p.delivered) {
      p.delivered = delivered;
      for (uint32_t v = 0; v < vcs; ++v) {
        if (!fronts[v].tail)
          continue;
        const Flit *f = net.ejectFront(id_, uint8_t(v), now);
        if (!f || f->packetId != fronts[v].packetId || f->seq != fronts[v].seq) {
          recorder_->delivered(id_, now, fronts[v].packetId, fronts[v].created);
          break;
        }
      }
    }
  }
  if (live_) {
    const uint64_t before = core_->stats().instructions;
    [[maybe_unused]] const uint32_t pc = core_->pc();
    core_->tick(now);
    if (core_->stats().instructions != before) {
      active = true;
      // barrier: 1 busy cycle, then stall until release
      busyEnd_ = core_->state() == CoreState::Blocked ? now + 1
                                                      : core_->nextIssueCycle();
    }
    if constexpr (Traced)
      traceCore(now, pc);
  }
  active |= ni_->transmit(now);
  if (!net.routerIdle(id_)) {
    const NetworkStats &s = net.stats();
    const uint64_t before = s.flitHops + s.bufferWrites + s.flitsEjected;
    net.tickRouter(id_, now);
    active |= s.flitHops + s.bufferWrites + s.flitsEjected != before;
  }
  if (active)
    mesh_.noteActivity(now);
}

void Tile::traceCore(uint64_t now, uint32_t pc) {
  TraceRecorder::CoreProbe &p = recorder_->probe(id_);
  const CoreStats &s = core_->stats();
  const CoreState st = core_->state();
  const bool blocked = st == CoreState::Blocked;
  if (p.stalled && !blocked) {
    recorder_->stallEnd(id_, now);
    p.stalled = false;
  }
  if (s.instructions != p.instructions) {
    p.instructions = s.instructions;
    unsigned cls = 0;
    for (unsigned c = 0; c < kNumInstrClasses; ++c)
      if (s.byClass[c] != p.byClass[c]) {
        cls = c;
        p.byClass[c] = s.byClass[c];
      }
    recorder_->instruction(id_, now, std::max(busyEnd_, now + 1), InstrClass(cls), pc);
  }
  if (blocked && !p.stalled) {
    p.stalled = true;
    const BlockReason r = core_->blockReason();
    recorder_->stallBegin(id_, r == BlockReason::Barrier ? now + 1 : now, r);
  }
}


void Tile::bookkeeping(uint64_t now) {
  const CoreState st = core_->state();
  const bool live = st == CoreState::Running || st == CoreState::Blocked;
  if (live != live_) {
    live_ = live;
    mesh_.liveChanged(live);
  }
  if (st == CoreState::Faulted) {
    if (!faultSeen_) {
      faultSeen_ = true;
      mesh_.noteFault(id_);
    }
  } else {
    faultSeen_ = false;
  }
  if (mesh_.barrier().waiting(id_) &&
      !(st == CoreState::Blocked && core_->blockReason() == BlockReason::Barrier)) {
    mesh_.barrierLeave(id_);
    mesh_.requestCheck();
  }
  if (tracing_) {
    traceState_ = unsigned(st);
    tracePc_ = core_->pc();
    unsigned msgs = 0;
    for (uint32_t m = 0; m < mesh_.chip().mailboxes; ++m)
      msgs += ni_->mailboxOccupancy(m);
    traceMailboxes_ = msgs;
    traceOutbound_ = ni_->outboundBusy();
  }
}

void Tile::sleep(uint64_t now) {
  const Network &net = mesh_.network();
  uint64_t next = kNever;
  if (!net.routerIdle(id_) || net.ejectOccupancy(id_) > 0) {
    next = now + 1;
  } else {
    next = ni_->nextWake(now);
    if (live_) {
      const uint64_t c = core_->nextWake();
      if (c != kNever)
        next = std::min(next, std::max(c, now + 1));
    }
    const uint64_t requested = nextRequestedWake();
    if (requested != kNever)
      next = std::min(next, std::max(requested, now + 1));
  }
  if (next == now + 1) {
    next_trigger(mesh_.clk.posedge_event());
  } else {
    if (next != kNever)
      wake_.notify(mesh_.delayTo(next));
    next_trigger(wake_);
  }
}

} // namespace xpu::emu
