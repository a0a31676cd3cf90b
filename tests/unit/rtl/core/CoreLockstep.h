// Lockstep co-simulation of the Verilated xpu_core against emu::Core.
//
// Both cores run the same program against two copies of the same scripted
// NI (outbound buffer busy windows, mailbox arrivals, barrier release delays,
// multicast sources, image count, NI faults): ModelIo implements emu::CoreIo,
// the RTL side drives the xpu_core NI ports from its own copy. Every cycle:
//  - pc, run state, block reason, fault code, "busy" (model: next issue later
//    than the next cycle; RTL: busy_o) and "an instruction issued this cycle"
//    (model: instructions++, RTL: retire_o);
//  - whenever no RTL sequencer is in flight (seq_busy_o low): all registers
//    and the whole SRAM (the model finishes an instruction at issue, the RTL
//    at the edge of its last cycle, docs/rtl.md "Core");
//  - every post to the NI (header fields and ready cycle at the post cycle,
//    payload when its last beat has streamed out), every mailbox pop, every
//    barrier arrival, at the exact cycle.
// The first divergence stops the run; Divergence::report has the cycle, pc,
// disassembled instruction, expected (model) and actual (RTL) values and the
// last `history` instructions issued on both sides.
#pragma once

#include "xpu/Isa.h"
#include "xpu/Semantics.h"
#include "xpu/emu/Core.h"

#include <verilated.h>

#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace xpu::rtl::core {

/// The chip the core models are built for (rtl/CMakeLists.txt XPU_RTL_CORE_PARAMS).
inline ChipDescriptor coreChip() {
  ChipDescriptor c;
  c.width = 3;
  c.height = 3;
  c.sramBytes = 4096;
  c.imemInstructions = 1024;
  c.vectorLanes = 4;
  c.flitBytes = 8;
  c.mailboxes = 4;
  c.maxMessageBytes = 64;
  c.bufferDepth = 4;
  c.multicastGroups = 8;
  return c;
}
constexpr uint32_t kCoreId = 4; // (1, 1)

struct Program {
  std::vector<uint64_t> code;
  std::vector<uint8_t> sram; // initial SRAM image, resized to sramBytes (zeros)
  uint32_t entry = 0, bootArg = 0;
};

struct ScriptMessage {
  uint32_t mbox = 0;
  uint64_t visibleAt = 0;
  uint32_t source = 0;
  std::vector<uint8_t> payload;
};

/// What the NI does; both sides get an identical copy.
struct Script {
  std::vector<ScriptMessage> messages;      // per mailbox in visibleAt order
  std::vector<uint32_t> groupSources{1, 3}; // groups routed from this core
  uint32_t images = 2;
  uint32_t drain = 0;                       // outbound busy after a message is ready
  std::vector<std::pair<uint64_t, uint64_t>> outboundBusy; // extra [from, to) windows
  std::function<uint64_t(unsigned)> barrierDelay = [](unsigned k) { return 1 + k % 7; };
  std::vector<std::pair<uint64_t, sem::Fault>> niFaults;    // NI raises at cycle
  uint64_t maxCycles = 200000;
};

struct PostRecord {
  uint64_t cycle = 0, ready = 0;
  emu::OutboundMessage msg;
};

/// The scripted NI state of one side.
class NiState {
public:
  NiState(const Script &s, uint32_t mailboxes) : script_(s), boxes_(mailboxes) {
    for (const ScriptMessage &m : s.messages)
      boxes_.at(m.mbox).push_back(m);
  }
  bool outboundFree(uint64_t now) const {
    if (now < freeAt_)
      return false;
    for (auto [from, to] : script_.outboundBusy)
      if (now >= from && now < to)
        return false;
    return true;
  }
  void post(emu::OutboundMessage msg, uint64_t ready, uint64_t now) {
    posts.push_back({now, ready, std::move(msg)});
    freeAt_ = ready + script_.drain;
  }
  uint32_t count(uint32_t mbox, uint64_t now) const {
    uint32_t n = 0;
    for (const ScriptMessage &m : boxes_.at(mbox))
      n += m.visibleAt <= now;
    return n;
  }
  const ScriptMessage &front(uint32_t mbox) const { return boxes_.at(mbox).front(); }
  ScriptMessage pop(uint32_t mbox, uint64_t now) {
    ScriptMessage m = boxes_.at(mbox).front();
    boxes_.at(mbox).pop_front();
    pops.push_back({now, mbox});
    return m;
  }
  void arrive(uint64_t now) {
    arrivals.push_back(now);
    releaseAt_ = now + std::max<uint64_t>(1, script_.barrierDelay(unsigned(arrivals.size() - 1)));
  }
  /// Called at the start of cycle `now`: true if the barrier releases now.
  bool release(uint64_t now) {
    if (releaseAt_ != now)
      return false;
    releaseAt_ = UINT64_MAX;
    ++timestep;
    return true;
  }
  bool isGroupSource(uint32_t g) const {
    for (uint32_t s : script_.groupSources)
      if (s == g)
        return true;
    return false;
  }

  std::vector<PostRecord> posts;
  std::vector<std::pair<uint64_t, uint32_t>> pops; // cycle, mailbox
  std::vector<uint64_t> arrivals;
  uint32_t timestep = 0;

private:
  const Script &script_;
  std::vector<std::deque<ScriptMessage>> boxes_;
  uint64_t freeAt_ = 0;
  uint64_t releaseAt_ = UINT64_MAX;
};

class ModelIo final : public emu::CoreIo {
public:
  ModelIo(NiState &ni, const Script &s) : ni_(ni), script_(s) {}
  bool outboundFree(uint64_t now) const override { return ni_.outboundFree(now); }
  void post(emu::OutboundMessage msg, uint64_t readyCycle) override {
    ni_.post(std::move(msg), readyCycle, now);
  }
  uint32_t mailboxCount(uint32_t mbox, uint64_t t) const override { return ni_.count(mbox, t); }
  emu::InboundMessage popMailbox(uint32_t mbox, uint64_t t) override {
    ScriptMessage m = ni_.pop(mbox, t);
    return {m.source, std::move(m.payload)};
  }
  const emu::InboundMessage *peekMailbox(uint32_t mbox, uint64_t) const override {
    const ScriptMessage &m = ni_.front(mbox);
    peek_ = {m.source, m.payload};
    return &peek_;
  }
  bool isGroupSource(uint32_t g) const override { return ni_.isGroupSource(g); }
  uint32_t imageCount() const override { return script_.images; }
  void arriveBarrier(uint64_t t) override { ni_.arrive(t); }
  uint32_t timestep() const override { return ni_.timestep; }
  uint64_t now = 0;

private:
  NiState &ni_;
  const Script &script_;
  mutable emu::InboundMessage peek_;
};

struct Divergence {
  uint64_t cycle = 0;
  uint32_t pc = 0;
  std::string what, expected, actual, report;
};

struct RunResult {
  std::optional<Divergence> divergence;
  uint64_t cycles = 0;        // cycles simulated
  uint64_t instructions = 0;  // instructions the model issued
  uint64_t stateCompares = 0; // cycles with registers + SRAM compared
  emu::CoreState finalState = emu::CoreState::Idle;
  sem::Fault finalFault = sem::Fault::None;
};

inline std::string disasmWord(const std::vector<uint64_t> &code, uint32_t pc) {
  if (pc >= code.size())
    return "<outside code>";
  if (auto inst = decode(code[pc]))
    return disassemble(*inst);
  std::ostringstream os;
  os << "<illegal 0x" << std::hex << code[pc] << ">";
  return os.str();
}

inline std::string describeMsg(const emu::OutboundMessage &m, uint64_t ready) {
  std::ostringstream os;
  if (m.kind == PacketKind::Spawn)
    os << "spawn core " << m.dest << " image " << m.spawnImage << " arg " << m.spawnArg;
  else
    os << (m.mcast ? "mcast group " : "send core ") << m.dest << " mbox " << unsigned(m.mailbox)
       << " len " << m.payload.size();
  os << " ready " << ready;
  return os.str();
}

/// One Verilated core `M` and one emu::Core, run in lockstep.
template <class M> class CoreLockstep {
public:
  explicit CoreLockstep(ChipDescriptor chip = coreChip(), unsigned history = 8)
      : chip_(chip), history_(history), ctx_(std::make_unique<VerilatedContext>()),
        rtl_(std::make_unique<M>(ctx_.get(), "core")) {
    rtl_->rst_ni = 0;
    rtl_->clk_i = 0;
    rtl_->eval();
    rtl_->rst_ni = 1;
    rtl_->eval();
  }

  M &rtl() { return *rtl_; }
  uint64_t rtlCyclesTotal() const { return rtlCycles_; }

  /// Boots both cores on `prog` (RTL: reset, loader port for every IMEM/SRAM
  /// word that differs, boot pulse) and runs them in lockstep from cycle 0.
  RunResult run(const Program &prog, const Script &script) {
    Program p = prog;
    p.sram.resize(chip_.sramBytes, 0);
    loadRtl(p);

    NiState mNi(script, chip_.mailboxes), rNi(script, chip_.mailboxes);
    ModelIo io(mNi, script);
    emu::Core model(chip_, kCoreId, io);
    ProgramImage img;
    img.code = p.code;
    img.entry = p.entry;
    img.data.push_back({0, p.sram});
    model.boot(img, p.bootArg, 0);

    auto &root = *rtl_->rootp;
    M &r = *rtl_;
    RunResult res;
    std::deque<std::string> mHist, rHist;
    auto push = [&](std::deque<std::string> &h, uint64_t t, uint32_t pc, const char *note = "") {
      std::ostringstream os;
      os << "  cycle " << t << " pc " << pc << ": " << disasmWord(p.code, pc) << note;
      h.push_back(os.str());
      if (h.size() > history_)
        h.pop_front();
    };
    // RTL posts whose payload is still streaming out
    size_t rPayloadPost = SIZE_MAX;
    std::vector<uint8_t> recvStream;
    uint64_t recvStart = 0;

    auto diverge = [&](uint64_t t, const std::string &what, const std::string &exp,
                       const std::string &act) {
      Divergence d;
      d.cycle = t;
      d.pc = model.pc();
      d.what = what;
      d.expected = exp;
      d.actual = act;
      std::ostringstream os;
      os << "RTL/model divergence at cycle " << t << ": " << what << "\n"
         << "  pc " << model.pc() << " (RTL " << r.pc_o << "): " << disasmWord(p.code, model.pc())
         << "\n  expected (C++ model): " << exp << "\n  actual   (RTL)      : " << act
         << "\nlast " << mHist.size() << " instructions issued by the model:\n";
      for (auto &s : mHist)
        os << s << "\n";
      os << "last " << rHist.size() << " instructions issued by the RTL:\n";
      for (auto &s : rHist)
        os << s << "\n";
      d.report = os.str();
      res.divergence = d;
    };

    const uint32_t F = chip_.flitBytes;
    uint64_t t = 0;
    for (; t < script.maxCycles; ++t) {
      // ---------------- model
      const bool mRel = mNi.release(t);
      if (mRel)
        model.releaseBarrier(t);
      for (auto [c, f] : script.niFaults)
        if (c == t)
          model.fault(f);
      const uint64_t before = model.stats().instructions;
      const uint32_t pcBefore = model.pc();
      io.now = t;
      model.tick(t);
      const bool mIssued = model.stats().instructions != before;
      if (mIssued)
        push(mHist, t, pcBefore);

      // ---------------- RTL
      const bool rRel = rNi.release(t);
      r.cycle_i = uint32_t(t);
      r.ob_free_i = rNi.outboundFree(t);
      uint64_t counts = 0, lens = 0, srcs = 0;
      for (uint32_t mb = 0; mb < chip_.mailboxes; ++mb) {
        const uint32_t n = rNi.count(mb, t);
        counts |= uint64_t(std::min<uint32_t>(n, 0xFFFF)) << (16 * mb);
        if (n) {
          lens |= uint64_t(rNi.front(mb).payload.size() & 0xFFFF) << (16 * mb);
          srcs |= uint64_t(rNi.front(mb).source & 0xFFFF) << (16 * mb);
        }
      }
      r.mb_count_i = counts;
      r.mb_front_len_i = lens;
      r.mb_front_src_i = srcs;
      uint64_t beat = 0;
      if (t >= recvStart && !recvStream.empty()) {
        const size_t off = size_t(t - recvStart) * F;
        for (uint32_t j = 0; j < F && off + j < recvStream.size(); ++j)
          beat |= uint64_t(recvStream[off + j]) << (8 * j);
      }
      r.mb_data_i = beat;
      uint32_t groups = 0;
      for (uint32_t g = 0; g < chip_.multicastGroups; ++g)
        groups |= uint32_t(rNi.isGroupSource(g)) << g;
      r.mc_source_i = groups;
      r.image_count_i = script.images;
      r.bar_release_i = rRel;
      r.timestep_i = rNi.timestep;
      r.ni_fault_i = 0;
      r.ni_fault_code_i = 0;
      for (auto [c, f] : script.niFaults)
        if (c == t) {
          r.ni_fault_i = 1;
          r.ni_fault_code_i = uint8_t(f);
        }
      r.clk_i = 0;
      r.eval();
      const bool rIssued = r.retire_o;
      if (rIssued)
        push(rHist, t, r.retire_pc_o);
      if (r.ob_post_o) {
        emu::OutboundMessage msg;
        uint32_t cost;
        if (r.ob_spawn_o) {
          msg.kind = PacketKind::Spawn;
          msg.dest = r.ob_dest_o;
          msg.spawnImage = r.ob_spawn_image_o;
          msg.spawnArg = r.ob_spawn_arg_o;
          cost = sem::fixedCycles(Opcode::Spawn);
        } else {
          msg.mcast = r.ob_mcast_o;
          msg.dest = r.ob_dest_o;
          msg.mailbox = r.ob_mbox_o;
          msg.payload.reserve(r.ob_len_o);
          cost = sem::messageCopyCycles(r.ob_len_o, F);
          rPayloadPost = rNi.posts.size();
          rPayloadLen_ = r.ob_len_o;
        }
        rNi.post(std::move(msg), t + cost, t);
      }
      if (r.ob_data_valid_o && rPayloadPost < rNi.posts.size()) {
        auto &pl = rNi.posts[rPayloadPost].msg.payload;
        for (uint32_t j = 0; j < F && pl.size() < rPayloadLen_; ++j)
          pl.push_back(uint8_t(r.ob_data_o >> (8 * j)));
      }
      if (r.mb_pop_o) {
        ScriptMessage m = rNi.pop(r.mb_pop_idx_o, t);
        recvStream = m.payload;
        recvStart = t + 1;
      }
      if (r.bar_arrive_o)
        rNi.arrive(t);
      r.clk_i = 1;
      r.eval();
      ++rtlCycles_;

      // ---------------- compare
      std::ostringstream e, a;
      auto st = [](unsigned s) { return emu::coreStateName(emu::CoreState(s)); };
      if (unsigned(model.state()) != r.state_o || unsigned(model.blockReason()) != r.block_o ||
          unsigned(model.faultCode()) != r.fault_o || model.pc() != r.pc_o) {
        e << st(unsigned(model.state())) << " block " << unsigned(model.blockReason()) << " fault "
          << sem::faultName(model.faultCode()) << " pc " << model.pc();
        a << st(r.state_o) << " block " << unsigned(r.block_o) << " fault "
          << sem::faultName(sem::Fault(r.fault_o)) << " pc " << r.pc_o;
        diverge(t, "run state / pc", e.str(), a.str());
        break;
      }
      if (mIssued != rIssued) {
        diverge(t, "instruction issued this cycle", mIssued ? "issued" : "none",
                rIssued ? "issued" : "none");
        break;
      }
      const bool mBusy = model.state() == emu::CoreState::Running && model.nextIssueCycle() > t + 1;
      if (mBusy != bool(r.busy_o)) {
        e << "busy=" << mBusy << " (next issue at " << model.nextIssueCycle() << ")";
        a << "busy=" << unsigned(r.busy_o);
        diverge(t, "busy (cycle cost)", e.str(), a.str());
        break;
      }
      if (!r.seq_busy_o) {
        ++res.stateCompares;
        bool bad = false;
        for (unsigned i = 0; i < kNumRegisters; ++i)
          if (model.reg(i) != root.xpu_core__DOT__rf_q[i]) {
            e << "r" << i << " = 0x" << std::hex << model.reg(i);
            a << "r" << i << " = 0x" << std::hex << root.xpu_core__DOT__rf_q[i];
            diverge(t, "register r" + std::to_string(i), e.str(), a.str());
            bad = true;
            break;
          }
        if (bad)
          break;
        const uint8_t *ms = model.sram().data();
        const uint8_t *rs = &root.xpu_core__DOT__sram_q.m_storage[0];
        if (std::memcmp(ms, rs, chip_.sramBytes) != 0) {
          uint32_t i = 0;
          while (ms[i] == rs[i])
            ++i;
          e << "sram[" << i << "] = 0x" << std::hex << unsigned(ms[i]);
          a << "sram[" << i << "] = 0x" << std::hex << unsigned(rs[i]);
          diverge(t, "SRAM byte " + std::to_string(i), e.str(), a.str());
          break;
        }
      }
      if (mNi.posts.size() != rNi.posts.size()) {
        diverge(t, "posts to the NI", std::to_string(mNi.posts.size()) + " posts",
                std::to_string(rNi.posts.size()) + " posts");
        break;
      }
      if (!mNi.posts.empty() && mNi.posts.back().cycle == t) {
        const PostRecord &mp = mNi.posts.back(), &rp = rNi.posts.back();
        const emu::OutboundMessage &x = mp.msg, &y = rp.msg;
        const bool same = x.kind == y.kind && x.mcast == y.mcast && x.dest == y.dest &&
                          x.mailbox == y.mailbox && x.spawnImage == y.spawnImage &&
                          x.spawnArg == y.spawnArg && mp.ready == rp.ready &&
                          (x.kind == PacketKind::Spawn || x.payload.size() == rPayloadLen_);
        if (!same) {
          emu::OutboundMessage yy = y;
          yy.payload.resize(rPayloadLen_);
          diverge(t, "post to the NI", describeMsg(x, mp.ready), describeMsg(yy, rp.ready));
          break;
        }
      }
      if (rPayloadPost < rNi.posts.size() &&
          rNi.posts[rPayloadPost].msg.payload.size() == rPayloadLen_) {
        if (rNi.posts[rPayloadPost].msg.payload != mNi.posts[rPayloadPost].msg.payload) {
          diverge(t, "payload of post " + std::to_string(rPayloadPost), "model payload",
                  "different RTL payload bytes");
          break;
        }
        rPayloadPost = SIZE_MAX;
      }
      if (mNi.pops != rNi.pops) {
        diverge(t, "mailbox pops", std::to_string(mNi.pops.size()) + " pops",
                std::to_string(rNi.pops.size()) + " pops");
        break;
      }
      if (mNi.arrivals != rNi.arrivals) {
        diverge(t, "barrier arrivals", std::to_string(mNi.arrivals.size()),
                std::to_string(rNi.arrivals.size()));
        break;
      }
      const auto s = model.state();
      if ((s == emu::CoreState::Halted || s == emu::CoreState::Faulted) && !r.seq_busy_o) {
        ++t;
        break;
      }
    }
    res.cycles = t;
    res.instructions = model.stats().instructions;
    res.finalState = model.state();
    res.finalFault = model.faultCode();
    lastModelSram_ = model.sram();
    lastModelRegs_.clear();
    for (unsigned i = 0; i < kNumRegisters; ++i)
      lastModelRegs_.push_back(model.reg(i));
    lastPosts_ = mNi.posts;
    return res;
  }

  const std::vector<uint8_t> &lastModelSram() const { return lastModelSram_; }
  const std::vector<uint32_t> &lastModelRegs() const { return lastModelRegs_; }
  const std::vector<PostRecord> &lastPosts() const { return lastPosts_; }

private:
  void clock() {
    rtl_->clk_i = 0;
    rtl_->eval();
    rtl_->clk_i = 1;
    rtl_->eval();
  }
  void loadRtl(const Program &p) {
    M &r = *rtl_;
    auto &root = *r.rootp;
    r.boot_i = 0;
    r.ld_we_i = 0;
    r.rst_ni = 0;
    r.clk_i = 0;
    r.eval();
    r.rst_ni = 1;
    r.eval();
    r.ld_we_i = 1;
    r.ld_imem_i = 1;
    for (uint32_t i = 0; i < p.code.size(); ++i)
      if (root.xpu_core__DOT__imem_q[i] != p.code[i]) {
        r.ld_addr_i = i;
        r.ld_data_i = p.code[i];
        clock();
      }
    r.ld_imem_i = 0;
    const uint8_t *cur = &root.xpu_core__DOT__sram_q.m_storage[0];
    for (uint32_t w = 0; w < chip_.sramBytes / 8; ++w)
      if (std::memcmp(cur + 8 * w, p.sram.data() + 8 * w, 8) != 0) {
        uint64_t v;
        std::memcpy(&v, p.sram.data() + 8 * w, 8);
        r.ld_addr_i = w;
        r.ld_data_i = v;
        clock();
      }
    r.ld_we_i = 0;
    r.boot_i = 1;
    r.boot_pc_i = p.entry;
    r.boot_arg_i = p.bootArg;
    r.code_len_i = uint32_t(p.code.size());
    r.x_i = uint8_t(chip_.coreX(kCoreId));
    r.y_i = uint8_t(chip_.coreY(kCoreId));
    r.core_id_i = uint16_t(kCoreId);
    clock();
    r.boot_i = 0;
  }

  ChipDescriptor chip_;
  unsigned history_;
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<M> rtl_;
  uint64_t rtlCycles_ = 0;
  uint32_t rPayloadLen_ = 0;
  std::vector<uint8_t> lastModelSram_;
  std::vector<uint32_t> lastModelRegs_;
  std::vector<PostRecord> lastPosts_;
};

} // namespace xpu::rtl::core
