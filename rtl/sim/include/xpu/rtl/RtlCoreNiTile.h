// An RTL core + NI as a tile of the SystemC emulator (docs/rtl.md "Mixed
// meshes in xpu-sim"): the Verilated `xpu_tile_core_ni` (--cc model class
// `Model`) evaluated by an SC_METHOD on the mesh clock, on its router's
// Local port of the model network. It implements emu::MeshTile, so the
// emulator's run modes, statistics, VCD, Chrome trace and watchdog see it
// like a model tile.
//
// Cycle t of the method (the NI's Local-port timing, rtl/xpu_ni.sv, which is
// the model's; the per-cycle protocol of xpu/rtl/MixedMesh.h):
//   - clk low, chip inputs of cycle t, eval: inj_o valid -> Network::inject
//     (arrives t + 1); ej_credit_o valid -> Network::ejectPop (the model's
//     ejection buffer of this core mirrors the RTL NI's rings, so the
//     router's Local credits stay exact); barrier arrival, spawn counting and
//     the boot ROM as the model's ChipServices calls;
//   - tick the tile's router: its Local output flit / Local input credit at
//     t (the mesh dispatches the network hooks to localEject/localCredit)
//     are the NI's ej_i / inj_credit_i during t;
//   - rising edge (clk high, eval).
// The method runs every cycle while the core is live, the NI is not
// quiescent, a boot or barrier release is pending, or the router or
// ejection buffers hold flits; otherwise it sleeps until the network or the
// barrier unit wakes it (MeshTile::wakeAt), like emu::Tile.
#pragma once

#include "xpu/Isa.h"
#include "xpu/Packet.h"
#include "xpu/Semantics.h"
#include "xpu/emu/Mesh.h"
#include "xpu/emu/MeshTile.h"
#include "xpu/emu/Network.h"
#include "xpu/emu/Trace.h"
#include "xpu/rtl/BootRom.h"
#include "xpu/rtl/PortBits.h"
#include "xpu/rtl/RtlTileStatus.h"

#include <array>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

namespace xpu::rtl {

template <class Model> class RtlCoreNiTile final : public emu::MeshTile {
public:
  SC_HAS_PROCESS(RtlCoreNiTile);
  RtlCoreNiTile(sc_core::sc_module_name name, emu::Mesh &mesh, uint32_t id)
      : MeshTile(name, mesh, id) {
    SC_METHOD(step);
    // As emu::Tile: the initial activation is cycle 0 of the first load.
  }

  std::string_view implementation() const override { return "rtl"; }

  void reset(const ChipDescriptor &chip, emu::Network &network,
             emu::ChipServices &services) override {
    chip_ = chip;
    net_ = &network;
    services_ = &services;
    m_ = std::make_unique<Model>();
    Model &m = *m_;
    m.core_id_i = uint16_t(id_);
    m.x_i = uint8_t(chip.coreX(id_));
    m.y_i = uint8_t(chip.coreY(id_));
    m.clk_i = 0;
    m.rst_ni = 1;
    m.eval();
    m.rst_ni = 0;
    m.eval();
    m.rst_ni = 1;
    m.eval();
    m.image_count_i = services.imageCount();
    uint64_t src = 0;
    for (uint32_t g = 0; g < 64 && g < chip.multicastGroups; ++g)
      if (services.isGroupSource(g, id_))
        src |= uint64_t(1) << g;
    m.mc_source_i = src;
    clearWakes();
    lastStep_ = kNever;
    activations_ = 0;
    live_ = faultSeen_ = bootPending_ = releasePending_ = started_ = false;
    releaseCycle_ = 0;
    rom_ = BootRom{};
    image_ = SIZE_MAX;
    packetId_ = packetCount_ = 0;
    seq_ = 0;
    ej_ = {};
    injCredit_ = {};
    coreStats_ = emu::CoreStats{};
    niStats_ = emu::NiStats{};
    stalls_ = {};
    rxMessage_ = {};
  }

  void deactivate() override {
    m_.reset();
    clearWakes();
    live_ = false;
    recorder_ = nullptr;
  }

  void setPolicy(uint32_t mailbox, MailboxPolicy policy, uint32_t) override {
    // The RTL NI's capacity is mailbox_depth; the backend rejects others.
    m_->policy_we_i = 1;
    m_->policy_idx_i = uint8_t(mailbox);
    m_->policy_i = uint8_t(policy);
    hostEdge();
    m_->policy_we_i = 0;
  }

  void bootAtLoad(const ProgramImage &image, uint32_t imageIndex) override {
    for (const LoaderWord &w : imageWords(image))
      loaderEdge(w);
    m_->code_len_i = uint32_t(image.code.size());
    bootPending_ = true;
    bootPc_ = image.entry;
    image_ = imageIndex;
    live_ = true;
  }

  void releaseBarrier(uint64_t cycle) override {
    releasePending_ = true;
    releaseCycle_ = cycle;
  }

  bool observesLocalPort() const override { return true; }
  void localEject(const emu::Flit &f, uint64_t now) override {
    if (now == lastStep_)
      ej_ = {true, f.head, f.tail, f.vc, f.data[0]};
  }
  void localCredit(uint8_t vc, uint64_t now) override {
    if (now == lastStep_)
      injCredit_ = {true, vc};
  }

  // ---- state, as the model defines it (docs/rtl.md "The chip driver") ----
  emu::CoreState state() const override {
    if (releasePending_)
      return emu::CoreState::Running;
    return emu::CoreState(m_->state_o);
  }
  uint32_t pc() const override {
    if (releasePending_)
      return m_->pc_o + 1;
    if (rom_.booting)
      return rom_.bootPc;
    return m_->pc_o;
  }
  sem::Fault faultCode() const override { return sem::Fault(m_->fault_o); }
  bool live() const override { return live_; }

  std::string describe() const override {
    const ProgramImage *img =
        image_ == SIZE_MAX ? nullptr : services_->image(uint32_t(image_));
    return describeRtlCore(chip_, id_, state(), emu::BlockReason(m_->block_o), faultCode(),
                           pc(), img);
  }
  /// Mailbox occupancy is not a port of the tile; the NI's quiescent_o is.
  std::string describeMailboxes() const override {
    if (m_->ni_quiescent_o)
      return "";
    return "  core " + std::to_string(id_) +
           " [rtl] NI not quiescent: outbound, reassembly or ejection buffers hold flits "
           "(mailbox contents are not visible at the RTL tile's ports)\n";
  }
  bool outboundBusy() const override { return !m_->ni_quiescent_o; }

  // ---- host ----
  std::optional<Error> writeSram(uint32_t address, const uint8_t *data, size_t size) override {
    // Through the loader port: one host edge per 8-byte word, only before
    // the core boots (a host edge later would also clock the running core).
    if (started_ && size)
      return Error{"RTL tile " + std::to_string(id_) +
                   ": host SRAM writes only before the first run"};
    for (uint32_t w = address / 8; size && w < (address + size + 7) / 8; ++w) {
      uint64_t v = 0;
      for (uint32_t j = 0; j < 8; ++j) {
        const uint64_t a = uint64_t(w) * 8 + j;
        const uint8_t b = a >= address && a < address + size ? data[a - address] : sram()[a];
        v |= uint64_t(b) << (8 * j);
      }
      loaderEdge(LoaderWord{false, w, v});
    }
    return std::nullopt;
  }
  void readSram(uint32_t address, uint8_t *data, size_t size) const override {
    for (size_t i = 0; i < size; ++i)
      data[i] = sram()[address + i];
  }

  // ---- observation ----
  emu::TileCounters counters() const override {
    emu::TileCounters c;
    c.core = &coreStats_;
    c.ni = &niStats_;
    c.unavailable = rtlCoreNiUnavailable();
    return c;
  }
  void trace(sc_core::sc_trace_file *tf) override {
    tracing_ = true;
    const std::string n = name();
    sc_core::sc_trace(tf, traceState_, n + ".state");
    sc_core::sc_trace(tf, tracePc_, n + ".pc");
    sc_core::sc_trace(tf, traceNiBusy_, n + ".ni_busy");
  }
  void setTraceRecorder(emu::TraceRecorder *recorder) override { recorder_ = recorder; }

private:
  static constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();
  auto &sram() { return m_->rootp->xpu_tile_core_ni__DOT__u_core__DOT__sram_q; }
  const auto &sram() const { return m_->rootp->xpu_tile_core_ni__DOT__u_core__DOT__sram_q; }

  void hostEdge() {
    m_->clk_i = 0;
    m_->eval();
    m_->clk_i = 1;
    m_->eval();
    m_->clk_i = 0;
  }
  void loaderEdge(const LoaderWord &w) {
    m_->ld_we_i = 1;
    m_->ld_imem_i = w.imem;
    m_->ld_addr_i = w.addr;
    m_->ld_data_i = w.data;
    hostEdge();
    m_->ld_we_i = 0;
  }

  void step() {
    if (!m_ || !mesh_.loaded()) {
      next_trigger(wake_);
      return;
    }
    const uint64_t now = mesh_.now();
    if (now == lastStep_) {
      sleep(now);
      return;
    }
    lastStep_ = now;
    ++activations_;
    popWakes(now);
    cycle(now);
    bookkeeping(now);
    sleep(now);
  }

  void cycle(uint64_t now) {
    Model &m = *m_;
    emu::Network &net = *net_;
    if (bootPending_) { // the image booted at load: first issue in cycle 0
      m.boot_i = 1;
      m.boot_pc_i = bootPc_;
      m.boot_arg_i = 0;
      hostEdge();
      m.boot_i = 0;
      bootPending_ = false;
    }
    started_ = true;
    m.clk_i = 0;
    m.cycle_i = uint32_t(now);
    m.timestep_i = services_->timestep();
    m.bar_release_i = releasePending_ && releaseCycle_ == now;
    const bool wasBooting = rom_.booting;
    rom_.drive(m, now);
    m.eval();
    const uint32_t pcBefore = m.pc_o;
    const auto stateBefore = emu::CoreState(m.state_o);
    bool active = false;

    // NI -> router: injection and the ejection consume
    const LinkFlit f = getFlitLink(m.inj_o.data());
    if (f.valid) {
      emu::Flit ef;
      ef.data[0] = f.data;
      ef.vc = f.vc;
      ef.head = f.head;
      ef.tail = f.tail;
      if (f.head) {
        // Unique among packets in flight: bit 39 keeps RTL ids apart from
        // the model NI's (core << 40 | count).
        packetId_ = (uint64_t(id_) << 40) | (uint64_t(1) << 39) | ++packetCount_;
        seq_ = 0;
        ++niStats_.packetsSent;
      }
      ef.packetId = packetId_;
      ef.seq = seq_++;
      ef.createdCycle = now;
      net.inject(id_, ef, now);
      ++niStats_.flitsSent;
      active = true;
    }
    if (m.ej_credit_o & 8u) {
      const uint8_t vc = uint8_t(m.ej_credit_o & 7u);
      // The NI consumes the front flit of `vc`: a tail ends a packet (the
      // model NI's latency sample: head creation -> tail consumed).
      if (const emu::Flit *front = net.ejectFront(id_, vc, now)) {
        if (front->head && vc < rxMessage_.size())
          rxMessage_[vc] = unpackHeader(front->data[0]).kind != PacketKind::Spawn;
        if (front->tail) {
          niStats_.packetLatencies.push_back(
              uint32_t(std::min<uint64_t>(now - std::min(now, front->createdCycle), UINT32_MAX)));
          if (recorder_ && vc < rxMessage_.size() && rxMessage_[vc])
            recorder_->delivered(id_, now, front->packetId, front->createdCycle);
        }
      }
      net.ejectPop(id_, vc, now);
      ++niStats_.flitsReceived;
      active = true;
    }
    if (m.bar_arrive_o) {
      services_->arriveBarrier(id_, now);
      active = true;
    }
    if (m.spawn_posted_o)
      services_->spawnPosted();
    if (m.spawn_consumed_o)
      services_->spawnConsumed();
    const bool spawnReq = m.spawn_req_o;
    if (spawnReq) {
      rom_.start(*services_->image(m.spawn_image_o), m.spawn_arg_o, now);
      image_ = m.spawn_image_o;
      ++niStats_.spawnsBooted;
    }

    // router tick: its Local output / credit this cycle are the NI's inputs
    ej_ = {};
    injCredit_ = {};
    if (!net.routerIdle(id_)) {
      const emu::NetworkStats &s = net.stats();
      const uint64_t before = s.flitHops + s.bufferWrites + s.flitsEjected;
      net.tickRouter(id_, now);
      active |= s.flitHops + s.bufferWrites + s.flitsEjected != before;
    }
    putFlitLink(m.ej_i.data(), 0, ej_);
    m.inj_credit_i = injCredit_.valid ? uint8_t(8u | injCredit_.vc) : uint8_t(0);
    m.clk_i = 1;
    m.eval();
    if (spawnReq) // the boot's SRAM clear (docs/rtl.md "The boot ROM is the host")
      for (uint32_t a = 0; a < chip_.sramBytes; ++a)
        sram()[a] = 0;
    if (releasePending_ && releaseCycle_ == now)
      releasePending_ = false;

    // An instruction issued: the pc moved, or the core left the running
    // state other than by blocking (halt, fault). A blocked recv retrying
    // is not an issue (the model's watchdog definition).
    const auto st = emu::CoreState(m.state_o);
    if (m.pc_o != pcBefore ||
        (st != stateBefore && st != emu::CoreState::Blocked && st != emu::CoreState::Running))
      active = true;
    accountRtlCycle(coreStats_, stateBefore, st, emu::BlockReason(m.block_o),
                    wasBooting || spawnReq);
    if (recorder_)
      stalls_.update(*recorder_, id_, now, state(), emu::BlockReason(m.block_o));
    if (active)
      mesh_.noteActivity(now);
  }

  void bookkeeping(uint64_t now) {
    const auto st = emu::CoreState(m_->state_o);
    const bool live = st == emu::CoreState::Running || st == emu::CoreState::Blocked;
    if (live != live_) {
      live_ = live;
      mesh_.liveChanged(live);
    }
    if (st == emu::CoreState::Faulted) {
      if (!faultSeen_) {
        faultSeen_ = true;
        mesh_.noteFault(id_);
      }
    } else {
      faultSeen_ = false;
    }
    const bool atBarrier =
        st == emu::CoreState::Blocked && emu::BlockReason(m_->block_o) == emu::BlockReason::Barrier;
    if (mesh_.barrier().waiting(id_) && !atBarrier && !releasePending_) {
      mesh_.barrierLeave(id_);
      mesh_.requestCheck();
    }
    if (tracing_) {
      traceState_ = unsigned(state());
      tracePc_ = pc();
      traceNiBusy_ = !m_->ni_quiescent_o;
    }
    (void)now;
  }

  void sleep(uint64_t now) {
    const emu::Network &net = *net_;
    const bool busy = live_ || !m_->ni_quiescent_o || rom_.booting || releasePending_ ||
                      bootPending_ || !net.routerIdle(id_) || net.ejectOccupancy(id_) > 0;
    if (busy) {
      next_trigger(mesh_.clk.posedge_event());
      return;
    }
    const uint64_t requested = nextRequestedWake();
    if (requested != kNever)
      wake_.notify(mesh_.delayTo(std::max(requested, now + 1)));
    next_trigger(wake_);
  }

  ChipDescriptor chip_;
  emu::Network *net_ = nullptr;
  emu::ChipServices *services_ = nullptr;
  std::unique_ptr<Model> m_;
  uint64_t lastStep_ = kNever;
  bool live_ = false, faultSeen_ = false;
  bool bootPending_ = false, started_ = false;
  uint32_t bootPc_ = 0;
  bool releasePending_ = false;
  uint64_t releaseCycle_ = 0;
  BootRom rom_;
  size_t image_ = SIZE_MAX; // the image last booted (status lines)
  uint64_t packetId_ = 0, packetCount_ = 0;
  uint32_t seq_ = 0;
  LinkFlit ej_;
  LinkCredit injCredit_;
  std::array<bool, 8> rxMessage_{}; // [vc] the packet being consumed is a message
  emu::CoreStats coreStats_;
  emu::NiStats niStats_;
  emu::TraceRecorder *recorder_ = nullptr;
  RtlStallTracer stalls_;
  bool tracing_ = false;
  unsigned traceState_ = 0, tracePc_ = 0, traceNiBusy_ = 0;
};

} // namespace xpu::rtl
