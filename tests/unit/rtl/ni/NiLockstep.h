// Lockstep differential test of the Verilated xpu_ni against the C++ model
// NI (emu::NetworkInterface), cycle by cycle.
//
// The model NI cannot run without an emu::Network (it injects into and
// ejects from the network's Local port), so the harness builds a 3x3 model
// mesh with the NI under test at the centre (core 4) and scripted endpoints
// at the other eight cores: they inject random packets towards core 4
// (unicast on every mailbox, multicast, spawn; the router side), and consume
// their own ejection buffers with random stalls, so that core 4's packets
// back up and its Local-port credits return after random delays. A scripted
// core drives core 4's CoreIo side (posts, pops) with the timing of
// emu::Core (one instruction at a time, send/recv copy cycles).
//
// The RTL NI sees exactly what the model NI sees at its router boundary: the
// flits model router 4 switches to its Local output (traverse callback) on
// ej_i, the Local input credits router 4 returns (credit callback) on
// inj_credit_i, and the same core-side inputs. Every cycle the harness
// compares every RTL output with the model:
//  - inj_o (valid, head, tail, vc, payload) with the flit the model injects;
//  - ej_credit_o with the ejection VC the model consumes (ejectPop);
//  - ob_free_o with outboundFree();
//  - mb_count_o, and mb_front_len_o / mb_front_src_o of non-empty mailboxes,
//    with mailboxCount() / peekMailbox() as the core sees them;
//  - mb_data_o, after a pop, with the popped payload beat by beat;
//  - ni_fault_o (+ code) with the model core's MailboxOverflow fault;
//  - spawn_valid_o (+ image, argument) with the spawn boot the model does;
//  - quiescent_o with !outboundBusy && !reassembling && empty ejection;
//  - the three dropped-message counters with NiStats::dropped.
// The first difference stops the run with a report (cycle, port, expected,
// actual, both sides' last `history` cycles); writeVcdWindow() replays the
// run (deterministic given the seed) with a VCD of the RTL around it.
#pragma once

#include "../RtlRouterPorts.h"

#include "xpu/Packet.h"
#include "xpu/Semantics.h"
#include "xpu/emu/Core.h"
#include "xpu/emu/Network.h"
#include "xpu/emu/NetworkInterface.h"
#include "xpu/rtl/FlitLink.h"

#include <verilated.h>
#include <verilated_vcd_c.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <iomanip>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace xpu::rtl::ni {

// ------------------------------------------------------------ port access
/// Bits [lsb, lsb + width) of a Verilated port of any width (width <= 64).
template <class T> uint64_t sigGet(const T &s, unsigned lsb, unsigned width) {
  if constexpr (std::is_integral_v<T>) {
    const uint64_t v = uint64_t(s) >> lsb;
    return width >= 64 ? v : v & ((uint64_t(1) << width) - 1);
  } else {
    return getBits(s.data(), lsb, width);
  }
}
template <class T> void sigSet(T &s, unsigned lsb, unsigned width, uint64_t v) {
  if constexpr (std::is_integral_v<T>) {
    const uint64_t mask = (width >= 64 ? ~uint64_t(0) : ((uint64_t(1) << width) - 1)) << lsb;
    s = T((uint64_t(s) & ~mask) | ((v << lsb) & mask));
  } else {
    putBits(s.data(), lsb, width, v);
  }
}
// flit_link_t and credit_t layouts: RtlRouterPorts.h.
template <class T> LinkFlit linkGet(const T &s) {
  LinkFlit f;
  f.valid = sigGet(s, 69, 1);
  if (!f.valid) return f;
  f.data = sigGet(s, 0, 64);
  f.vc = uint8_t(sigGet(s, 64, 3));
  f.tail = sigGet(s, 67, 1);
  f.head = sigGet(s, 68, 1);
  return f;
}
template <class T> void linkSet(T &s, const LinkFlit &f) {
  sigSet(s, 0, 64, f.valid ? f.data : 0);
  sigSet(s, 64, 3, f.valid ? f.vc : 0);
  sigSet(s, 67, 1, f.valid && f.tail);
  sigSet(s, 68, 1, f.valid && f.head);
  sigSet(s, 69, 1, f.valid);
}

inline std::string flitText(const LinkFlit &f) {
  if (!f.valid) return "-";
  std::ostringstream os;
  os << "vc" << unsigned(f.vc) << (f.head ? " H" : "") << (f.tail ? " T" : "");
  if (f.head) {
    const PacketHeader h = unpackHeader(f.data);
    os << " {" << (h.kind == PacketKind::Spawn ? "spawn " : "") << (h.mcast ? "group " : "dest ")
       << h.dest << " src " << h.source << " mb " << unsigned(h.mailbox) << " len " << h.length
       << "}";
  } else {
    os << " 0x" << std::hex << f.data << std::dec;
  }
  return os.str();
}

// ------------------------------------------------------------ configuration
struct NiTraffic {
  // Scripted core (the NI's CoreIo side).
  double postRate = 0.5;        // per free cycle: post a message (if the buffer is free)
  double spawnFraction = 0.05;  // of posts
  double mcastFraction = 0.2;   // of posts (groups sourced at the DUT)
  double popRateLow = 0.02;     // per free cycle: pop a non-empty mailbox; the rate
  double popRateHigh = 0.5;     // alternates low/high every `phaseCycles` so that
  uint64_t phaseCycles = 3000;  // mailboxes fill up and drain again
  // Scripted router side: the eight other cores.
  double inboundRate = 0.05;    // per idle remote per cycle: a new packet to the DUT
  double inSpawnFraction = 0.03;
  double inMcastFraction = 0.15;
  double badMailboxFraction = 0.01;  // header mailbox >= mailboxes (discarded)
  double sinkStallRate = 0.02;  // remote sinks stop consuming for 1..maxStall cycles
  uint32_t maxStall = 40;
  bool generate = true;         // false: no new traffic (drain)
};

struct NiConfig {
  ChipDescriptor chip;          // 3x3 mesh; the Verilated model's parameters
  uint32_t dut = 4;
  std::vector<MailboxPolicy> policies;
  std::vector<MulticastGroup> groups;
  NiTraffic traffic;
  uint64_t seed = 1;
  unsigned history = 12;
  std::string vcdPath;          // VCD of the RTL NI for cycles [traceBegin, traceEnd]
  uint64_t traceBegin = 0, traceEnd = 0;
};

struct NiDivergence {
  uint64_t cycle = 0;
  std::string port, expected, actual;
  std::string report;
};

/// The chip-level services the model NI calls: spawn lookups are recorded.
class RecordingServices final : public emu::ChipServices {
public:
  void arriveBarrier(uint32_t, uint64_t) override {}
  uint32_t timestep() const override { return 0; }
  const ProgramImage *image(uint32_t index) const override {
    lastImage = index;
    return &image_;
  }
  uint32_t imageCount() const override { return 0x10000; }
  bool isGroupSource(uint32_t, uint32_t) const override { return true; }
  mutable uint32_t lastImage = 0;

private:
  ProgramImage image_;
};

/// What the NI's output ports show in one cycle.
struct NiPortsView {
  LinkFlit inj;
  LinkCredit ejCredit;
  bool obFree = false;
  std::vector<uint32_t> count, frontLen, frontSrc;
  bool beat = false;             // a popped-payload beat is due this cycle
  uint64_t beatData = 0;
  uint32_t beatBytes = 0;        // bytes of it that are payload
  bool fault = false;
  uint32_t faultCode = 0;
  bool spawn = false;
  uint32_t spawnImage = 0, spawnArg = 0;
  bool quiescent = false;
  std::array<uint64_t, 3> dropped{};  // drop_newest, drop_oldest, error
};

/// Everything the RTL NI is driven with in one cycle (after the loader).
struct NiInputs {
  LinkFlit ej;
  LinkCredit injCredit;
  bool post = false, spawn = false, mcast = false;
  uint32_t dest = 0, mbox = 0, len = 0, spawnImage = 0, spawnArg = 0;
  bool beat = false;
  uint64_t obData = 0;
  bool pop = false;
  uint32_t popIdx = 0;
};

template <class M> void applyInputs(M &m, const NiInputs &in) {
  m.policy_we_i = 0;
  linkSet(m.ej_i, in.ej);
  m.inj_credit_i = in.injCredit.valid ? (8u | in.injCredit.vc) : 0u;
  m.ob_post_i = in.post;
  m.ob_spawn_i = in.spawn;
  m.ob_mcast_i = in.mcast;
  m.ob_dest_i = in.dest;
  m.ob_mbox_i = in.mbox;
  m.ob_len_i = in.len;
  m.ob_spawn_image_i = in.spawnImage;
  m.ob_spawn_arg_i = in.spawnArg;
  m.ob_data_valid_i = in.beat;
  m.ob_data_i = in.obData;
  m.mb_pop_i = in.pop;
  m.mb_pop_idx_i = in.popIdx;
}

/// Resets a Verilated NI and writes the mailbox policies through the loader
/// port, one per clock.
template <class M> void resetAndLoad(M &m, uint32_t coreId, const std::vector<MailboxPolicy> &pol) {
  m.core_id_i = coreId;
  m.rst_ni = 0;
  m.clk_i = 0;
  m.eval();
  m.clk_i = 1;
  m.eval();
  m.clk_i = 0;
  m.rst_ni = 1;
  m.eval();
  for (uint32_t mb = 0; mb < pol.size(); ++mb) {
    m.policy_we_i = 1;
    m.policy_idx_i = mb;
    m.policy_i = uint8_t(pol[mb]);
    m.clk_i = 0;
    m.eval();
    m.clk_i = 1;
    m.eval();
  }
  m.policy_we_i = 0;
  m.clk_i = 0;
  m.eval();
}

struct NiCycleRecord {
  uint64_t cycle = 0;
  NiInputs in;
  NiPortsView model, rtl;
};

// ------------------------------------------------------------ the harness
template <class M> class NiLockstep {
public:
  explicit NiLockstep(NiConfig cfg)
      : cfg_(std::move(cfg)), chip_(cfg_.chip), V_(chip_.virtualChannels),
        F_(chip_.flitBytes), MB_(chip_.mailboxes), dut_(cfg_.dut), net_(chip_, cfg_.groups),
        rng_(cfg_.seed) {
    if (F_ != 8) throw std::invalid_argument("the RTL NI is built for 8-byte flits");
    if (chip_.numCores() <= dut_) throw std::invalid_argument("DUT core outside the mesh");
    ni_ = std::make_unique<emu::NetworkInterface>(chip_, dut_, net_, svc_);
    freshCore();
    cfg_.policies.resize(MB_, MailboxPolicy::Block);
    for (uint32_t m = 0; m < MB_; ++m) ni_->setPolicy(m, cfg_.policies[m]);
    for (const MulticastGroup &g : cfg_.groups) {
      const bool toDut = std::find(g.destinations.begin(), g.destinations.end(), dut_) !=
                         g.destinations.end();
      if (g.source == dut_) dutGroups_.push_back(g.id);
      else if (toDut) remoteGroupsToDut_[g.source].push_back(g.id);
      groupHasDut_[g.id] = toDut;
    }
    remotes_.resize(chip_.numCores());
    hist_.resize(std::max(1u, cfg_.history));

    net_.setTraverseCallback([this](uint32_t r, uint8_t, uint8_t out, const emu::Flit &f,
                                    uint64_t now) {
      if (r == dut_ && out == 0 && now == now_) ejIn_ = linkFlitOf(f);
    });
    net_.setCreditCallback([this](uint32_t r, uint8_t in, uint8_t vc, uint64_t now) {
      if (r == dut_ && in == 0 && now == now_) injCredit_ = {true, vc};
    });

    ctx_ = std::make_unique<VerilatedContext>();
    ctx_->randReset(0);
    if (!cfg_.vcdPath.empty()) ctx_->traceEverOn(true);
    rtl_ = std::make_unique<M>(ctx_.get(), "ni");
    if (!cfg_.vcdPath.empty()) {
      vcd_ = std::make_unique<VerilatedVcdC>();
      rtl_->trace(vcd_.get(), 99);
      vcd_->open(cfg_.vcdPath.c_str());
    }
    resetAndLoad(*rtl_, dut_, cfg_.policies);
  }

  ~NiLockstep() {
    if (vcd_) vcd_->close();
    rtl_->final();
  }

  uint64_t cycle() const { return now_; }
  const std::optional<NiDivergence> &divergence() const { return div_; }
  NiTraffic &traffic() { return cfg_.traffic; }
  const emu::NetworkInterface &modelNi() const { return *ni_; }
  /// First cycle a message tail was consumed (a message stored), or -1.
  int64_t firstDelivery() const { return firstDelivery_; }
  /// First cycle a drop_oldest changed the front a core sees (-1: none).
  int64_t firstFrontChangingDropOldest() const { return firstDropOldestFront_; }

  // Coverage counters (model side; both sides agreed on all of them).
  struct Counts {
    uint64_t posts = 0, postedSpawns = 0, postedMcasts = 0, postedEmpty = 0, postedMax = 0;
    uint64_t flitsOut = 0, flitsIn = 0, pops = 0, spawnsIn = 0, faults = 0;
    uint64_t inboundPackets = 0, fullMailboxHeads = 0, blockedCycles = 0;
    uint64_t ledgerSent = 0, ledgerPopped = 0, ledgerLost = 0;
    uint64_t outboundReadyCycles = 0, creditStallCycles = 0;  // head/body ready; no credit
    uint64_t beatsCompared = 0, popDropSameMailbox = 0;
    std::array<uint64_t, 3> dropped{};  // filled by the tests from NiStats
  };
  const Counts &counts() const { return counts_; }
  /// Keep every cycle's RTL inputs (for replaying the RTL alone).
  void recordInputs(bool on) { recordInputs_ = on; }
  const std::vector<NiInputs> &recordedInputs() const { return recorded_; }

  /// Runs until `cycles` more cycles have passed or a divergence.
  bool run(uint64_t cycles) {
    const uint64_t end = now_ + cycles;
    while (now_ < end && !div_) step();
    return !div_;
  }

  /// Stops new traffic and runs until everything sent has been consumed and
  /// every mailbox is empty (or `limit` cycles). True if drained.
  bool drain(uint64_t limit) {
    cfg_.traffic.generate = false;
    cfg_.traffic.popRateLow = cfg_.traffic.popRateHigh = 1.0;
    cfg_.traffic.sinkStallRate = 0.0;
    const uint64_t end = now_ + limit;
    while (now_ < end && !div_) {
      step();
      if (idle()) return true;
    }
    return false;
  }

  /// Everything quiet: no packet anywhere, no message in any mailbox.
  bool idle() const {
    if (ni_->outboundBusy() || ni_->reassembling() || !net_.quiescent() || now_ < coreBusyUntil_)
      return false;
    for (const Remote &r : remotes_)
      if (!r.out.empty()) return false;
    for (uint32_t m = 0; m < MB_; ++m)
      if (ni_->mailboxOccupancy(m)) return false;
    return true;
  }

  /// Messages to the DUT's mailboxes that were neither popped nor dropped.
  uint64_t unaccounted() const {
    uint64_t n = 0;
    for (const auto &kv : ledger_) n += kv.second.size();
    return n;
  }

  /// Replays the run of `cfg` with a VCD of the RTL for cycles [from, to].
  static void writeVcdWindow(NiConfig cfg, const std::string &path, uint64_t from, uint64_t to) {
    cfg.vcdPath = path;
    cfg.traceBegin = from;
    cfg.traceEnd = to;
    NiLockstep sim(cfg);
    sim.replay_ = true;
    while (sim.cycle() <= to) sim.step();
  }

  void step() {
    const uint64_t t = now_;
    NiCycleRecord &rec = hist_[t % hist_.size()];
    rec = NiCycleRecord{};
    rec.cycle = t;
    NiPortsView &mv = rec.model;
    NiInputs &in = rec.in;
    const emu::NiStats &st = ni_->stats();

    // 1. Registered-state outputs, before the NI acts this cycle.
    mv.quiescent = !ni_->outboundBusy() && !ni_->reassembling() && net_.ejectOccupancy(dut_) == 0;
    mv.dropped = {st.dropped[1], st.dropped[2], st.dropped[3]};

    // 2. Model receive (which VC, fault, spawn, deliveries).
    std::array<std::pair<uint64_t, uint32_t>, 8> front{};
    std::array<bool, 8> hasFront{};
    for (uint32_t v = 0; v < V_; ++v)
      if (const emu::Flit *f = net_.ejectFront(dut_, uint8_t(v), t)) {
        hasFront[v] = true;
        front[v] = {f->packetId, f->seq};
      }
    const uint64_t recvBefore = st.flitsReceived, delivBefore = st.messagesDelivered;
    const uint64_t dropOldBefore = st.dropped[size_t(MailboxPolicy::DropOldest)];
    std::vector<std::pair<uint32_t, uint32_t>> frontsBefore(MB_);
    std::vector<uint32_t> countBefore(MB_);
    for (uint32_t m = 0; m < MB_; ++m) countBefore[m] = ni_->mailboxCount(m, t);
    for (uint32_t m = 0; m < MB_; ++m)
      if (const emu::InboundMessage *p = ni_->mailboxCount(m, t) ? ni_->peekMailbox(m, t) : nullptr)
        frontsBefore[m] = {p->source, uint32_t(p->payload.size())};
    ni_->receive(t);
    if (st.flitsReceived != recvBefore) {
      ++counts_.flitsIn;
      for (uint32_t v = 0; v < V_; ++v) {
        const emu::Flit *f = net_.ejectFront(dut_, uint8_t(v), t);
        if (hasFront[v] && (!f || f->packetId != front[v].first || f->seq != front[v].second)) {
          mv.ejCredit = {true, uint8_t(v)};
          break;
        }
      }
    } else {
      for (uint32_t v = 0; v < V_; ++v) counts_.blockedCycles += hasFront[v] ? 1 : 0;
    }
    if (core_->state() == emu::CoreState::Faulted) {
      mv.fault = true;
      mv.faultCode = uint32_t(core_->faultCode());
      ++counts_.faults;
    } else if (core_->state() != emu::CoreState::Idle) {
      mv.spawn = true;
      mv.spawnImage = svc_.lastImage;
      mv.spawnArg = core_->bootArg();
      ++counts_.spawnsIn;
    }
    if (mv.fault || mv.spawn) freshCore();
    if (st.messagesDelivered != delivBefore && firstDelivery_ < 0) firstDelivery_ = int64_t(t);

    // 3. What the core sees this cycle.
    mv.obFree = ni_->outboundFree(t);
    mv.count.assign(MB_, 0);
    mv.frontLen.assign(MB_, 0);
    mv.frontSrc.assign(MB_, 0);
    for (uint32_t m = 0; m < MB_; ++m) {
      mv.count[m] = ni_->mailboxCount(m, t);
      if (mv.count[m]) {
        const emu::InboundMessage *p = ni_->peekMailbox(m, t);
        mv.frontLen[m] = uint32_t(p->payload.size());
        mv.frontSrc[m] = p->source;
      }
    }
    dropOldestNow_ = -1;
    if (st.dropped[size_t(MailboxPolicy::DropOldest)] != dropOldBefore)
      for (uint32_t m = 0; m < MB_; ++m)
        if (mv.count[m] + 1 == countBefore[m])  // receive never adds a visible message
          dropOldestNow_ = int64_t(m);
    if (st.dropped[size_t(MailboxPolicy::DropOldest)] != dropOldBefore && firstDropOldestFront_ < 0)
      for (uint32_t m = 0; m < MB_; ++m)
        if (mv.count[m] && std::make_pair(mv.frontSrc[m], mv.frontLen[m]) != frontsBefore[m])
          firstDropOldestFront_ = int64_t(t);

    // 4. Scripted core: at most one instruction at a time.
    if (t >= coreBusyUntil_) coreAct(t, mv, in);
    in.obData = rng_();  // idle lanes carry noise
    if (!beats_.empty() && beats_.front().first == t) {
      in.beat = true;
      in.obData = beats_.front().second;
      beats_.pop_front();
    }
    if (!expectedOut_.empty() && t >= outReady_) ++counts_.outboundReadyCycles;
    if (!popBeats_.empty() && popBeats_.front().cycle == t) {
      mv.beat = true;
      mv.beatData = popBeats_.front().data;
      mv.beatBytes = popBeats_.front().bytes;
      popBeats_.pop_front();
      ++counts_.beatsCompared;
    }

    // 5. Model transmit.
    const uint64_t sentBefore = st.flitsSent;
    ni_->transmit(t);
    if (st.flitsSent != sentBefore) {
      mv.inj = linkFlitOf(expectedOut_.front());
      expectedOut_.pop_front();
      ++counts_.flitsOut;
    } else if (!expectedOut_.empty() && t >= outReady_) {
      ++counts_.creditStallCycles;  // ready to inject, no credit
    }

    // 6. The scripted endpoints, then the routers.
    remotesAct(t);
    ejIn_ = {};
    injCredit_ = {};
    net_.tick(t);
    in.ej = ejIn_;
    in.injCredit = injCredit_;

    // 7. The RTL, same inputs.
    if (recordInputs_) recorded_.push_back(in);
    M &m = *rtl_;
    m.clk_i = 0;
    applyInputs(m, in);
    m.eval();
    readRtl(rec.rtl, mv);
    if (!div_) compare(t, rec);

    // 8. Clock edge.
    const bool dump = vcd_ && t >= cfg_.traceBegin && t <= cfg_.traceEnd;
    if (dump) vcd_->dump(2 * t);
    m.clk_i = 1;
    m.eval();
    if (dump) vcd_->dump(2 * t + 1);
    ++now_;
  }

private:
  struct Remote {
    std::deque<emu::Flit> out;  // flits of the packet(s) being injected
    uint32_t stall = 0;
    uint8_t ejRR = 0;
  };
  struct PopBeat {
    uint64_t cycle, data;
    uint32_t bytes;
  };

  void freshCore() {
    core_ = std::make_unique<emu::Core>(chip_, dut_, *ni_);
    ni_->attachCore(core_.get());
  }

  uint32_t randomLength(uint32_t maxLen) {
    const uint32_t r = uint32_t(rng_() % 10);
    if (r < 2) return 0;
    if (r < 4) return maxLen;
    return uint32_t(rng_() % (maxLen + 1));
  }

  std::vector<uint8_t> randomPayload(uint32_t n) {
    std::vector<uint8_t> p(n);
    for (auto &b : p) b = uint8_t(rng_());
    return p;
  }

  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  void ledgerAdd(uint32_t src, uint32_t mbox, const std::vector<uint8_t> &payload) {
    if (mbox >= MB_) return;
    ledger_[{src, mbox}].push_back(payload);
    ++counts_.ledgerSent;
  }

  // The scripted core: pop a non-empty mailbox, or post a message, with the
  // costs of emu::Core (recv / send: 1 + ceil(b/F), spawn: 2).
  void coreAct(uint64_t t, const NiPortsView &mv, NiInputs &in) {
    const NiTraffic &tr = cfg_.traffic;
    const double popRate = (t / std::max<uint64_t>(1, tr.phaseCycles)) % 2 ? tr.popRateHigh
                                                                            : tr.popRateLow;
    std::vector<uint32_t> ready;
    for (uint32_t m = 0; m < MB_; ++m)
      if (mv.count[m]) ready.push_back(m);
    if (!ready.empty() && chance(popRate)) {
      const uint32_t mb = ready[rng_() % ready.size()];
      counts_.popDropSameMailbox += dropOldestNow_ == int64_t(mb);
      emu::InboundMessage msg = ni_->popMailbox(mb, t);
      in.pop = true;
      in.popIdx = mb;
      ++counts_.pops;
      const uint32_t len = uint32_t(msg.payload.size());
      for (uint32_t j = 0; j * F_ < len; ++j) {
        uint64_t w = 0;
        const uint32_t n = std::min(F_, len - j * F_);
        for (uint32_t i = 0; i < n; ++i) w |= uint64_t(msg.payload[j * F_ + i]) << (8 * i);
        popBeats_.push_back({t + 1 + j, w, n});
      }
      coreBusyUntil_ = t + sem::messageCopyCycles(len, F_);
      ledgerPop(msg, mb);
      return;
    }
    if (!tr.generate || !mv.obFree || !chance(tr.postRate)) return;
    emu::OutboundMessage msg;
    uint32_t cost;
    if (chance(tr.spawnFraction)) {
      msg.kind = PacketKind::Spawn;
      msg.dest = uint32_t(rng_() % chip_.numCores());
      msg.spawnImage = uint32_t(rng_() & 0xFFFF);
      msg.spawnArg = uint32_t(rng_());
      cost = sem::fixedCycles(Opcode::Spawn);
      ++counts_.postedSpawns;
    } else {
      msg.mailbox = uint8_t(rng_() % MB_);
      uint32_t maxLen = chip_.maxMessageBytes;
      if (!dutGroups_.empty() && chance(tr.mcastFraction)) {
        msg.mcast = true;
        msg.dest = dutGroups_[rng_() % dutGroups_.size()];
        maxLen = std::min(maxLen, (chip_.bufferDepth - 1) * F_);  // packetFlits <= D
        ++counts_.postedMcasts;
      } else {
        msg.dest = uint32_t(rng_() % chip_.numCores());
      }
      msg.payload = randomPayload(randomLength(maxLen));
      counts_.postedEmpty += msg.payload.empty();
      counts_.postedMax += msg.payload.size() == chip_.maxMessageBytes;
      cost = sem::messageCopyCycles(uint32_t(msg.payload.size()), F_);
      if (msg.mcast ? groupHasDut_[msg.dest] : msg.dest == dut_)
        ledgerAdd(dut_, msg.mailbox, msg.payload);
      // Payload beats on ob_data_i; lanes past the length carry noise (the
      // NI must send zeros there).
      const uint32_t len = uint32_t(msg.payload.size());
      for (uint32_t j = 0; j * F_ < len; ++j) {
        uint64_t w = rng_();
        for (uint32_t i = 0; i < F_ && j * F_ + i < len; ++i) {
          w &= ~(uint64_t(0xFF) << (8 * i));
          w |= uint64_t(msg.payload[j * F_ + i]) << (8 * i);
        }
        beats_.push_back({t + 1 + j, w});
      }
    }
    in.post = true;
    in.spawn = msg.kind == PacketKind::Spawn;
    in.mcast = msg.mcast;
    in.dest = msg.dest;
    in.mbox = msg.mailbox;
    in.len = uint32_t(msg.payload.size());
    in.spawnImage = msg.spawnImage;
    in.spawnArg = msg.spawnArg;
    outReady_ = t + cost;
    for (const emu::Flit &f : emu::NetworkInterface::packetise(chip_, dut_, msg, 0, 0))
      expectedOut_.push_back(f);
    ni_->post(std::move(msg), t + cost);
    coreBusyUntil_ = t + cost;
    ++counts_.posts;
  }

  void ledgerPop(const emu::InboundMessage &msg, uint32_t mb) {
    auto it = ledger_.find({msg.source, mb});
    if (it == ledger_.end()) return;
    auto &q = it->second;
    // Order per (source, mailbox) is kept; dropped messages are skipped.
    for (size_t i = 0; i < q.size(); ++i) {
      if (q[i] == msg.payload) {
        counts_.ledgerLost += i;
        q.erase(q.begin(), q.begin() + long(i) + 1);
        ++counts_.ledgerPopped;
        return;
      }
    }
    if (!div_) diverge(now_, "ledger", "a message sent to this mailbox", "unknown or reordered payload");
  }

  // The scripted router side: eight endpoints injecting towards the DUT and
  // consuming their own ejection buffers with random stalls.
  void remotesAct(uint64_t t) {
    const NiTraffic &tr = cfg_.traffic;
    for (uint32_t r = 0; r < chip_.numCores(); ++r) {
      if (r == dut_) continue;
      Remote &rm = remotes_[r];
      // Sink: one flit per cycle, round-robin over VCs, unless stalled.
      if (rm.stall) {
        --rm.stall;
      } else if (chance(tr.sinkStallRate)) {
        rm.stall = 1 + uint32_t(rng_() % tr.maxStall);
      } else {
        for (uint32_t i = 1; i <= V_; ++i) {
          const uint8_t v = uint8_t((rm.ejRR + i) % V_);
          if (net_.ejectFront(r, v, t)) {
            net_.ejectPop(r, v, t);
            rm.ejRR = v;
            break;
          }
        }
      }
      // Source.
      if (rm.out.empty() && tr.generate && chance(tr.inboundRate)) newInbound(r, t);
      if (!rm.out.empty() && net_.injectCredits(r, rm.out.front().vc, t) > 0) {
        net_.inject(r, rm.out.front(), t);
        rm.out.pop_front();
      }
    }
  }

  void newInbound(uint32_t r, uint64_t t) {
    const NiTraffic &tr = cfg_.traffic;
    emu::OutboundMessage msg;
    bool toDut = true;
    if (chance(tr.inSpawnFraction)) {
      msg.kind = PacketKind::Spawn;
      msg.dest = dut_;
      msg.spawnImage = uint32_t(rng_() & 0xFFFF);
      msg.spawnArg = uint32_t(rng_());
      toDut = false;  // not a mailbox message
    } else {
      uint32_t maxLen = chip_.maxMessageBytes;
      auto g = remoteGroupsToDut_.find(r);
      if (g != remoteGroupsToDut_.end() && chance(tr.inMcastFraction)) {
        msg.mcast = true;
        msg.dest = g->second[rng_() % g->second.size()];
        maxLen = std::min(maxLen, (chip_.bufferDepth - 1) * F_);
      } else {
        msg.dest = dut_;
      }
      msg.mailbox = chance(tr.badMailboxFraction) ? uint8_t(MB_ + rng_() % (256 - MB_))
                                                  : uint8_t(rng_() % MB_);
      msg.payload = randomPayload(randomLength(maxLen));
    }
    if (toDut) ledgerAdd(r, msg.mailbox, msg.payload);
    const uint64_t id = (uint64_t(r) << 40) | ++remotePackets_;
    for (const emu::Flit &f : emu::NetworkInterface::packetise(chip_, r, msg, id, t))
      remotes_[r].out.push_back(f);
    ++counts_.inboundPackets;
  }

  void readRtl(NiPortsView &rv, const NiPortsView &mv) {
    M &m = *rtl_;
    rv.inj = linkGet(m.inj_o);
    const uint32_t c = m.ej_credit_o;
    rv.ejCredit = {bool(c & 8u), uint8_t(c & 7u)};
    rv.obFree = m.ob_free_o;
    rv.count.assign(MB_, 0);
    rv.frontLen.assign(MB_, 0);
    rv.frontSrc.assign(MB_, 0);
    for (uint32_t i = 0; i < MB_; ++i) {
      rv.count[i] = uint32_t(sigGet(m.mb_count_o, 16 * i, 16));
      rv.frontLen[i] = uint32_t(sigGet(m.mb_front_len_o, 16 * i, 16));
      rv.frontSrc[i] = uint32_t(sigGet(m.mb_front_src_o, 16 * i, 16));
    }
    rv.beat = mv.beat;
    rv.beatBytes = mv.beatBytes;
    rv.beatData = uint64_t(m.mb_data_o);
    rv.fault = m.ni_fault_o;
    rv.faultCode = m.ni_fault_o ? m.ni_fault_code_o : 0;
    rv.spawn = m.spawn_valid_o;
    rv.spawnImage = m.spawn_valid_o ? m.spawn_image_o : 0;
    rv.spawnArg = m.spawn_valid_o ? m.spawn_arg_o : 0;
    rv.quiescent = m.quiescent_o;
    rv.dropped = {m.dropped_newest_o, m.dropped_oldest_o, m.dropped_error_o};
  }

  static std::string hex(uint64_t v) {
    std::ostringstream os;
    os << "0x" << std::hex << v;
    return os.str();
  }

  void compare(uint64_t t, const NiCycleRecord &rec) {
    const NiPortsView &e = rec.model, &a = rec.rtl;
    if (e.inj != a.inj) return diverge(t, "inj_o", flitText(e.inj), flitText(a.inj));
    if (e.ejCredit.valid != a.ejCredit.valid || (e.ejCredit.valid && e.ejCredit.vc != a.ejCredit.vc))
      return diverge(t, "ej_credit_o", creditText(e.ejCredit), creditText(a.ejCredit));
    if (e.obFree != a.obFree)
      return diverge(t, "ob_free_o", std::to_string(e.obFree), std::to_string(a.obFree));
    for (uint32_t m = 0; m < MB_; ++m) {
      const std::string mb = "[" + std::to_string(m) + "]";
      if (e.count[m] != a.count[m])
        return diverge(t, "mb_count_o" + mb, std::to_string(e.count[m]), std::to_string(a.count[m]));
      if (!e.count[m]) continue;
      if (e.frontLen[m] != a.frontLen[m])
        return diverge(t, "mb_front_len_o" + mb, std::to_string(e.frontLen[m]),
                       std::to_string(a.frontLen[m]));
      if (e.frontSrc[m] != a.frontSrc[m])
        return diverge(t, "mb_front_src_o" + mb, std::to_string(e.frontSrc[m]),
                       std::to_string(a.frontSrc[m]));
    }
    if (e.beat) {
      const uint64_t mask = e.beatBytes >= 8 ? ~uint64_t(0) : (uint64_t(1) << (8 * e.beatBytes)) - 1;
      if ((e.beatData & mask) != (a.beatData & mask))
        return diverge(t, "mb_data_o (" + std::to_string(e.beatBytes) + " bytes)",
                       hex(e.beatData & mask), hex(a.beatData & mask));
    }
    if (e.fault != a.fault || e.faultCode != a.faultCode)
      return diverge(t, "ni_fault_o", e.fault ? "fault " + std::to_string(e.faultCode) : "-",
                     a.fault ? "fault " + std::to_string(a.faultCode) : "-");
    if (e.spawn != a.spawn || e.spawnImage != a.spawnImage || e.spawnArg != a.spawnArg)
      return diverge(t, "spawn_o", spawnText(e), spawnText(a));
    if (e.quiescent != a.quiescent)
      return diverge(t, "quiescent_o", std::to_string(e.quiescent), std::to_string(a.quiescent));
    static const char *dn[] = {"dropped_newest_o", "dropped_oldest_o", "dropped_error_o"};
    for (int i = 0; i < 3; ++i)
      if (e.dropped[i] != a.dropped[i])
        return diverge(t, dn[i], std::to_string(e.dropped[i]), std::to_string(a.dropped[i]));
  }

  static std::string creditText(const LinkCredit &c) {
    return c.valid ? "credit vc" + std::to_string(unsigned(c.vc)) : "-";
  }
  static std::string spawnText(const NiPortsView &v) {
    if (!v.spawn) return "-";
    return "spawn image " + std::to_string(v.spawnImage) + " arg " + hex(v.spawnArg);
  }

  static std::string viewText(const NiPortsView &v) {
    std::ostringstream os;
    os << "inj " << flitText(v.inj) << " | ejcr " << creditText(v.ejCredit) << " | free "
       << v.obFree << " | mb";
    for (size_t m = 0; m < v.count.size(); ++m) {
      os << " " << v.count[m];
      if (v.count[m]) os << "(s" << v.frontSrc[m] << " l" << v.frontLen[m] << ")";
    }
    if (v.beat) os << " | data " << hex(v.beatData);
    if (v.fault) os << " | FAULT " << v.faultCode;
    if (v.spawn) os << " | " << spawnText(v);
    os << " | q " << v.quiescent << " | drop " << v.dropped[0] << "/" << v.dropped[1] << "/"
       << v.dropped[2];
    return os.str();
  }

  static std::string inputText(const NiInputs &in) {
    std::ostringstream os;
    os << "ej_i " << flitText(in.ej) << " | inj_credit_i " << creditText(in.injCredit);
    if (in.post)
      os << " | post " << (in.spawn ? "spawn" : in.mcast ? "mcast" : "send") << " dest " << in.dest
         << " mb " << in.mbox << " len " << in.len;
    if (in.beat) os << " | ob beat";
    if (in.pop) os << " | pop mb " << in.popIdx;
    return os.str();
  }

  void diverge(uint64_t t, const std::string &port, const std::string &exp,
               const std::string &act) {
    if (replay_ && div_) return;
    NiDivergence d;
    d.cycle = t;
    d.port = port;
    d.expected = exp;
    d.actual = act;
    std::ostringstream os;
    os << "RTL NI diverges from the model at cycle " << t << ", port " << port << ": expected "
       << exp << ", actual " << act << "\nLast cycles (in = inputs both sides got):\n";
    const uint64_t n = std::min<uint64_t>(hist_.size(), t + 1);
    for (uint64_t c = t + 1 - n; c <= t; ++c) {
      const NiCycleRecord &r = hist_[c % hist_.size()];
      os << "cycle " << c << "\n  in    " << inputText(r.in) << "\n  model " << viewText(r.model)
         << "\n  rtl   " << viewText(r.rtl) << "\n";
    }
    d.report = os.str();
    div_ = d;
  }

  NiConfig cfg_;
  ChipDescriptor chip_;
  uint32_t V_, F_, MB_, dut_;
  emu::Network net_;
  RecordingServices svc_;
  std::unique_ptr<emu::NetworkInterface> ni_;
  std::unique_ptr<emu::Core> core_;
  std::mt19937_64 rng_;

  std::vector<uint32_t> dutGroups_;
  std::map<uint32_t, std::vector<uint32_t>> remoteGroupsToDut_;
  std::map<uint32_t, bool> groupHasDut_;
  std::vector<Remote> remotes_;
  uint64_t remotePackets_ = 0;

  uint64_t now_ = 0;
  uint64_t coreBusyUntil_ = 0;
  std::deque<std::pair<uint64_t, uint64_t>> beats_;  // (cycle, ob_data_i)
  uint64_t outReady_ = 0;  // head of the posted message may leave from here
  bool recordInputs_ = false;
  std::vector<NiInputs> recorded_;
  std::deque<PopBeat> popBeats_;
  std::deque<emu::Flit> expectedOut_;
  LinkFlit ejIn_;
  LinkCredit injCredit_;
  std::map<std::pair<uint32_t, uint32_t>, std::deque<std::vector<uint8_t>>> ledger_;

  Counts counts_;
  int64_t firstDelivery_ = -1, firstDropOldestFront_ = -1;
  int64_t dropOldestNow_ = -1;  // mailbox a drop_oldest hit this cycle
  std::vector<NiCycleRecord> hist_;
  std::optional<NiDivergence> div_;
  bool replay_ = false;

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<M> rtl_;
  std::unique_ptr<VerilatedVcdC> vcd_;
};

} // namespace xpu::rtl::ni
