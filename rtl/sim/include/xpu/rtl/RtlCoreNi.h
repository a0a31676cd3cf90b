// An RTL core + NI (Verilated xpu_tile_core_ni, docs/rtl.md "Mixed meshes",
// stage 1) on the Local port of its router in a model network: the per-cycle
// protocol shared by the plain mixed loop (MixedMesh.h) and the SystemC tile
// (RtlCoreNiTile.h).
//
// Independent of any run loop: the owner calls, for every chip cycle t,
//   1. drive(t, ...)   chip inputs of t, evaluate (clk low); inj_o valid ->
//                      Network::inject (arrives t + 1); ej_credit_o valid ->
//                      Network::ejectPop (the model's ejection buffer of this
//                      core mirrors the RTL NI's rings, so the router's Local
//                      credits stay exact); returns what the core did
//                      (barrier arrival, spawn counting) for the owner's
//                      chip services; a spawn request starts the boot ROM;
//   2. tick the router of this tile, routing its Local output flit and Local
//      input credit of t to localEject / localCredit (the NI's ej_i and
//      inj_credit_i during t);
//   3. edge(t)         rising edge (and the boot ROM's SRAM clear).
// Barrier release and the chip's bookkeeping stay with the owner. The host
// port (load, SRAM, policies) clocks this tile alone, outside chip time.
#pragma once

#include "xpu/ChipDescriptor.h"
#include "xpu/Packet.h"
#include "xpu/emu/Network.h"
#include "xpu/emu/NetworkInterface.h"
#include "xpu/emu/Trace.h"
#include "xpu/rtl/BootRom.h"
#include "xpu/rtl/FlitLink.h"
#include "xpu/rtl/RtlHostPort.h"
#include "xpu/rtl/RtlTileStatus.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace xpu::rtl {

/// What the core + NI did during drive(t).
struct CoreNiOutputs {
  bool barrierArrive = false;
  bool spawnPosted = false;    // a spawn packet left this core (in flight)
  bool spawnConsumed = false;  // a spawn packet was consumed here
  bool spawnBoot = false;      // a spawn boot starts (the boot ROM runs)
  bool flitMoved = false;      // a flit injected or consumed at the Local port
};

/// `Model`: the Verilated xpu_tile_core_ni.
template <class Model> class RtlCoreNi {
public:
  /// Reset with the identity straps of tile `id` and the chip services'
  /// image count and multicast sources. `net` and `services` must outlive
  /// the adapter.
  RtlCoreNi(const ChipDescriptor &chip, uint32_t id, emu::Network &net,
            emu::ChipServices &services)
      : chip_(chip), id_(id), net_(net), services_(services), m_(std::make_unique<Model>()) {
    Model &m = *m_;
    resetTile(m, chip, id);
    m.image_count_i = services.imageCount();
    uint64_t src = 0;
    for (uint32_t g = 0; g < 64 && g < chip.multicastGroups; ++g)
      if (services.isGroupSource(g, id))
        src |= uint64_t(1) << g;
    m.mc_source_i = src;
  }
  RtlCoreNi(const RtlCoreNi &) = delete;
  RtlCoreNi &operator=(const RtlCoreNi &) = delete;

  Model &model() { return *m_; }
  const Model &model() const { return *m_; }

  // ---- host port, outside chip time ----
  void setPolicy(uint32_t mailbox, MailboxPolicy policy) { policyEdge(*m_, mailbox, policy); }
  /// Writes image `index` (booted by bootLoadedImage() before cycle 0).
  void load(const ProgramImage &image, uint32_t index) {
    loadImage(*m_, image);
    bootPc_ = image.entry;
    bootPending_ = true;
    image_ = index;
  }
  /// Raises boot_i for the image of load(), if any (one host edge).
  void bootLoadedImage() {
    if (!bootPending_)
      return;
    bootEdge(*m_, bootPc_);
    bootPending_ = false;
  }
  bool bootPending() const { return bootPending_; }
  void writeSram(uint32_t address, const uint8_t *data, size_t size) {
    writeSramWords(*m_, sram(), address, data, size);
  }
  void readSram(uint32_t address, uint8_t *data, size_t size) const {
    for (size_t i = 0; i < size; ++i)
      data[i] = sram()[address + i];
  }

  // ---- one chip cycle ----
  CoreNiOutputs drive(uint64_t now, uint32_t timestep, bool barrierRelease) {
    Model &m = *m_;
    m.clk_i = 0;
    m.cycle_i = uint32_t(now);
    m.timestep_i = timestep;
    m.bar_release_i = barrierRelease;
    rom_.drive(m, now);
    m.eval();
    CoreNiOutputs out;

    // NI -> router: injection and the ejection consume
    const LinkFlit f = getFlitLink(m.inj_o.data());
    if (f.valid) {
      emu::Flit ef = emuFlitOf(f);
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
      net_.inject(id_, ef, now);
      ++niStats_.flitsSent;
      out.flitMoved = true;
    }
    if (m.ej_credit_o & 8u) {
      const uint8_t vc = uint8_t(m.ej_credit_o & 7u);
      // The NI consumes the front flit of `vc`: a tail ends a packet (the
      // model NI's latency sample: head creation -> tail consumed).
      if (const emu::Flit *front = net_.ejectFront(id_, vc, now)) {
        if (front->head && vc < rxMessage_.size())
          rxMessage_[vc] = unpackHeader(front->data[0]).kind != PacketKind::Spawn;
        if (front->tail) {
          niStats_.packetLatencies.push_back(
              uint32_t(std::min<uint64_t>(now - std::min(now, front->createdCycle), UINT32_MAX)));
          if (recorder_ && vc < rxMessage_.size() && rxMessage_[vc])
            recorder_->delivered(id_, now, front->packetId, front->createdCycle);
        }
      }
      net_.ejectPop(id_, vc, now);
      ++niStats_.flitsReceived;
      out.flitMoved = true;
    }
    if (m.retire_o)
      countRetire(retireStats_, image_ == SIZE_MAX ? nullptr : services_.image(uint32_t(image_)),
                  m.retire_pc_o);
    out.barrierArrive = m.bar_arrive_o;
    out.spawnPosted = m.spawn_posted_o;
    out.spawnConsumed = m.spawn_consumed_o;
    spawnReq_ = m.spawn_req_o;
    if (spawnReq_) {
      const ProgramImage *img = services_.image(m.spawn_image_o);
      if (!img)
        throw std::logic_error("RTL tile " + std::to_string(id_) + ": spawn of image " +
                               std::to_string(m.spawn_image_o) + " which does not exist");
      rom_.start(*img, m.spawn_arg_o, now);
      image_ = m.spawn_image_o;
      ++niStats_.spawnsBooted;
    }
    out.spawnBoot = spawnReq_;
    ej_ = {};
    injCredit_ = {};
    return out;
  }
  /// The router's Local output flit / Local input credit of this cycle.
  void localEject(const emu::Flit &f) { ej_ = linkFlitOf(f); }
  void localCredit(uint8_t vc) { injCredit_ = {true, vc}; }
  void edge(uint64_t) {
    Model &m = *m_;
    putFlitLink(m.ej_i.data(), 0, ej_);
    m.inj_credit_i = injCredit_.valid ? uint8_t(8u | injCredit_.vc) : uint8_t(0);
    m.clk_i = 1;
    m.eval();
    readDropped(niStats_, m);
    if (spawnReq_) { // the boot's SRAM clear (docs/rtl.md "The boot ROM is the host")
      auto &s = sram();
      for (uint32_t a = 0; a < chip_.sramBytes; ++a)
        s[a] = 0;
      spawnReq_ = false;
    }
  }

  // ---- status (after edge) ----
  uint8_t state() const { return m_->state_o; }         // emu::CoreState
  uint8_t blockReason() const { return m_->block_o; }   // emu::BlockReason
  uint8_t faultCode() const { return m_->fault_o; }     // sem::Fault
  uint32_t pc() const { return rom_.booting ? rom_.bootPc : m_->pc_o; }
  bool booting() const { return rom_.booting; }
  /// The NI's outbound, reassembly and ejection buffers are empty.
  bool niQuiescent() const { return m_->ni_quiescent_o; }
  /// The image last booted (status lines), SIZE_MAX before any.
  size_t image() const { return image_; }
  const emu::NiStats &niStats() const { return niStats_; }
  /// The counters of retired instructions (countRetire); the cycle
  /// accounting is the owner's (accountRtlCycle).
  const emu::CoreStats &retireStats() const { return retireStats_; }
  void setTraceRecorder(emu::TraceRecorder *recorder) { recorder_ = recorder; }

private:
  auto &sram() { return m_->rootp->xpu_tile_core_ni__DOT__u_core__DOT__sram_q; }
  const auto &sram() const { return m_->rootp->xpu_tile_core_ni__DOT__u_core__DOT__sram_q; }

  ChipDescriptor chip_;
  uint32_t id_;
  emu::Network &net_;
  emu::ChipServices &services_;
  std::unique_ptr<Model> m_;
  BootRom rom_;
  bool bootPending_ = false, spawnReq_ = false;
  uint32_t bootPc_ = 0;
  size_t image_ = SIZE_MAX;
  uint64_t packetId_ = 0, packetCount_ = 0;
  uint32_t seq_ = 0;
  LinkFlit ej_;
  LinkCredit injCredit_;
  std::array<bool, 8> rxMessage_{}; // [vc] the packet being consumed is a message
  emu::NiStats niStats_;
  emu::CoreStats retireStats_;
  emu::TraceRecorder *recorder_ = nullptr;
};

} // namespace xpu::rtl
