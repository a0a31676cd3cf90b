// Unit tests of xpu::emu::Core: ISA semantics, faults, cycle costs, message
// and barrier timing, against a scripted CoreIo (no tile, no network).
#include "xpu/emu/Core.h"
#include "xpu/Assembler.h"
#include "xpu/Isa.h"
#include "xpu/Semantics.h"

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <limits>
#include <random>
#include <set>

using namespace xpu;
using namespace xpu::emu;

namespace {

// ------------------------------------------------------------------ FakeIo

/// A scripted tile: an outbound buffer that is busy until a given cycle, and
/// mailboxes whose messages become visible at given cycles.
class FakeIo : public CoreIo {
public:
  explicit FakeIo(uint32_t mailboxes) : mailboxes_(mailboxes) {}

  struct Post {
    OutboundMessage msg;
    uint64_t readyCycle;
  };
  std::vector<Post> posts;
  uint64_t outboundFreeAt = 0;  // the outbound buffer is free from this cycle
  uint64_t drainCycles = 0;     // after a post, busy until ready + drainCycles
  bool supportsPeek = true;
  std::set<uint32_t> groups;
  uint32_t images = 1;
  std::vector<uint64_t> barrierArrivals;
  uint32_t ts = 0;
  uint32_t pops = 0;

  void deliver(uint32_t mbox, uint64_t visibleAt, uint32_t source,
               std::vector<uint8_t> payload) {
    mailboxes_[mbox].push_back({visibleAt, InboundMessage{source, std::move(payload)}});
  }

  bool outboundFree(uint64_t now) const override { return now >= outboundFreeAt; }
  void post(OutboundMessage msg, uint64_t readyCycle) override {
    posts.push_back({std::move(msg), readyCycle});
    outboundFreeAt = readyCycle + drainCycles;
  }
  uint32_t mailboxCount(uint32_t mbox, uint64_t now) const override {
    uint32_t n = 0;
    for (const auto &m : mailboxes_.at(mbox))
      n += m.first <= now;
    return n;
  }
  InboundMessage popMailbox(uint32_t mbox, uint64_t now) override {
    auto &q = mailboxes_.at(mbox);
    EXPECT_FALSE(q.empty());
    EXPECT_LE(q.front().first, now);
    InboundMessage m = q.front().second;
    q.pop_front();
    ++pops;
    return m;
  }
  const InboundMessage *peekMailbox(uint32_t mbox, uint64_t now) const override {
    if (!supportsPeek)
      return nullptr;
    return &mailboxes_.at(mbox).front().second;
  }
  bool isGroupSource(uint32_t group) const override { return groups.count(group) > 0; }
  uint32_t imageCount() const override { return images; }
  void arriveBarrier(uint64_t now) override { barrierArrivals.push_back(now); }
  uint32_t timestep() const override { return ts; }

  size_t queued(uint32_t mbox) const { return mailboxes_.at(mbox).size(); }

private:
  std::vector<std::deque<std::pair<uint64_t, InboundMessage>>> mailboxes_;
};

// ------------------------------------------------------------------ builders

Instruction mk(Opcode op, unsigned rd = 0, unsigned rs1 = 0, unsigned rs2 = 0,
               unsigned rs3 = 0, int32_t imm = 0) {
  Instruction i;
  i.op = op;
  i.rd = uint8_t(rd);
  i.rs1 = uint8_t(rs1);
  i.rs2 = uint8_t(rs2);
  i.rs3 = uint8_t(rs3);
  i.imm = imm;
  return i;
}
Instruction rrr(Opcode op, unsigned rd, unsigned rs1, unsigned rs2) { return mk(op, rd, rs1, rs2); }
Instruction rri(Opcode op, unsigned rd, unsigned rs1, int32_t imm) { return mk(op, rd, rs1, 0, 0, imm); }
Instruction li(unsigned rd, int32_t imm) { return mk(Opcode::Li, rd, 0, 0, 0, imm); }
Instruction ld(Opcode op, unsigned rd, unsigned rs1, int32_t imm) { return mk(op, rd, rs1, 0, 0, imm); }
Instruction st(Opcode op, unsigned rs2, unsigned rs1, int32_t imm) { return mk(op, 0, rs1, rs2, 0, imm); }
Instruction br(Opcode op, unsigned rs1, unsigned rs2, int32_t t) { return mk(op, 0, rs1, rs2, 0, t); }
Instruction jmp(int32_t t) { return mk(Opcode::Jmp, 0, 0, 0, 0, t); }
Instruction jal(unsigned rd, int32_t t) { return mk(Opcode::Jal, rd, 0, 0, 0, t); }
Instruction jr(unsigned rs1) { return mk(Opcode::Jr, 0, rs1); }
Instruction csrr(unsigned rd, int32_t csr) { return mk(Opcode::Csrr, rd, 0, 0, 0, csr); }
Instruction v4(Opcode op, unsigned rd, unsigned rs1, unsigned rs2, unsigned rs3) { return mk(op, rd, rs1, rs2, rs3); }
Instruction v3(Opcode op, unsigned rd, unsigned rs1, unsigned rs3) { return mk(op, rd, rs1, 0, rs3); }
Instruction vreq(unsigned rd, unsigned rs1, unsigned rs3, int shift, bool relu) {
  return mk(Opcode::Vreq, rd, rs1, 0, rs3, shift | (relu ? 0x100 : 0));
}
Instruction nstep(unsigned rd, unsigned rs1, unsigned rs2, unsigned rs3,
                  NeuronModel m, ResetMode r) {
  return mk(Opcode::Nstep, rd, rs1, rs2, rs3, int32_t(m) | int32_t(r) << 2);
}
Instruction send(unsigned rs1, unsigned rs2, unsigned rs3, int32_t mbox) { return mk(Opcode::Send, 0, rs1, rs2, rs3, mbox); }
Instruction mcast(unsigned rs1, unsigned rs2, unsigned rs3, int32_t mbox) { return mk(Opcode::Mcast, 0, rs1, rs2, rs3, mbox); }
Instruction recv(unsigned rd, unsigned rs1, int32_t mbox) { return mk(Opcode::Recv, rd, rs1, 0, 0, mbox); }
Instruction poll(unsigned rd, int32_t mbox) { return mk(Opcode::Poll, rd, 0, 0, 0, mbox); }
Instruction spawn(unsigned rs1, unsigned rs2, int32_t image) { return mk(Opcode::Spawn, 0, rs1, rs2, 0, image); }
Instruction halt() { return mk(Opcode::Halt); }
Instruction nop() { return mk(Opcode::Nop); }
Instruction barrier() { return mk(Opcode::Barrier); }

std::vector<uint64_t> encodeAll(const std::vector<Instruction> &prog) {
  std::vector<uint64_t> words;
  for (const Instruction &i : prog)
    words.push_back(encode(i));
  return words;
}

std::vector<uint8_t> le32(std::initializer_list<int32_t> values) {
  std::vector<uint8_t> out;
  for (int32_t v : values)
    for (int b = 0; b < 4; ++b)
      out.push_back(uint8_t(uint32_t(v) >> (8 * b)));
  return out;
}

// ------------------------------------------------------------------ rig

ChipDescriptor smallChip() {
  ChipDescriptor c;
  c.width = 4;
  c.height = 4;
  c.sramBytes = 4096;
  c.vectorLanes = 16;
  c.mailboxes = 4;
  c.maxMessageBytes = 64;
  c.flitBytes = 8;
  c.bufferDepth = 4;
  return c;
}

struct Rig {
  ChipDescriptor chip;
  FakeIo io;
  Core core;
  uint64_t start = 0;

  explicit Rig(ChipDescriptor c = smallChip(), uint32_t id = 0)
      : chip(c), io(c.mailboxes), core(chip, id, io) {}

  void load(const std::vector<Instruction> &prog,
            std::vector<DataSegment> data = {}, uint64_t startCycle = 0,
            uint32_t bootArg = 0) {
    loadWords(encodeAll(prog), std::move(data), startCycle, bootArg);
  }
  void loadWords(std::vector<uint64_t> words, std::vector<DataSegment> data = {},
                 uint64_t startCycle = 0, uint32_t bootArg = 0) {
    ProgramImage img;
    img.name = "test";
    img.code = std::move(words);
    img.data = std::move(data);
    start = startCycle;
    core.boot(img, bootArg, startCycle);
  }
  bool stopped() const {
    return core.state() == CoreState::Halted || core.state() == CoreState::Faulted ||
           core.state() == CoreState::Idle;
  }
  /// Ticks every cycle until the core stops; returns the cycle of the tick in
  /// which it stopped (for a halt: the cycle the halt issued).
  uint64_t run(uint64_t maxCycles = 100000) {
    for (uint64_t now = start; now < start + maxCycles; ++now) {
      core.tick(now);
      if (stopped())
        return now;
    }
    ADD_FAILURE() << "core did not stop: " << core.describe();
    return ~0ull;
  }
  /// Like run() but ticks only at nextWake() (and at `extraWakes`, e.g. when a
  /// scripted message becomes visible), exercising skipped cycles.
  uint64_t runSparse(std::vector<uint64_t> extraWakes = {},
                     uint64_t maxCycles = 100000) {
    std::set<uint64_t> extra(extraWakes.begin(), extraWakes.end());
    uint64_t now = start;
    for (int steps = 0; steps < 100000; ++steps) {
      core.tick(now);
      if (stopped())
        return now;
      uint64_t next = core.nextWake();
      auto it = extra.upper_bound(now);
      if (it != extra.end())
        next = std::min(next, *it);
      if (next == std::numeric_limits<uint64_t>::max() || next > start + maxCycles)
        break;
      EXPECT_GT(next, now);
      now = next;
    }
    ADD_FAILURE() << "core did not stop: " << core.describe();
    return ~0ull;
  }
  uint32_t r(unsigned i) const { return core.reg(i); }
  uint32_t word(uint32_t addr) const {
    const auto &m = core.sram();
    return uint32_t(m[addr]) | uint32_t(m[addr + 1]) << 8 |
           uint32_t(m[addr + 2]) << 16 | uint32_t(m[addr + 3]) << 24;
  }
  void putWords(uint32_t addr, std::initializer_list<int32_t> v) {
    auto bytes = le32(v);
    std::copy(bytes.begin(), bytes.end(), core.sram().begin() + addr);
  }
};

// Runs `inst` with r1 = a, r2 = b (set with li) and returns r3.
uint32_t evalRR(Opcode op, uint32_t a, uint32_t b) {
  Rig rig;
  rig.load({li(1, int32_t(a)), li(2, int32_t(b)), rrr(op, 3, 1, 2), halt()});
  rig.run();
  EXPECT_EQ(rig.core.state(), CoreState::Halted) << rig.core.describe();
  return rig.r(3);
}
uint32_t evalRI(Opcode op, uint32_t a, int32_t imm) {
  Rig rig;
  rig.load({li(1, int32_t(a)), op == Opcode::Li ? li(3, imm) : rri(op, 3, 1, imm), halt()});
  rig.run();
  EXPECT_EQ(rig.core.state(), CoreState::Halted) << rig.core.describe();
  return rig.r(3);
}

// ------------------------------------------------------------------ scalar

TEST(CoreAlu, RegisterRegister) {
  EXPECT_EQ(evalRR(Opcode::Add, 0x7FFFFFFF, 1), 0x80000000u);
  EXPECT_EQ(evalRR(Opcode::Add, 0xFFFFFFFF, 2), 1u);
  EXPECT_EQ(evalRR(Opcode::Sub, 0, 1), 0xFFFFFFFFu);
  EXPECT_EQ(evalRR(Opcode::Sub, 0x80000000, 1), 0x7FFFFFFFu);
  EXPECT_EQ(evalRR(Opcode::Mul, 0x10000, 0x10000), 0u);
  EXPECT_EQ(evalRR(Opcode::Mul, 0xFFFFFFFF, 7), uint32_t(-7));
  EXPECT_EQ(evalRR(Opcode::Mul, 123456, 789), 97406784u);
  EXPECT_EQ(evalRR(Opcode::Mulh, 0x80000000, 0x80000000), 0x40000000u);
  EXPECT_EQ(evalRR(Opcode::Mulh, uint32_t(-2), 3), 0xFFFFFFFFu);  // -6 >> 32 = -1
  EXPECT_EQ(evalRR(Opcode::Mulh, 0x7FFFFFFF, 2), 0u);
  EXPECT_EQ(evalRR(Opcode::Mulh, 0x7FFFFFFF, 0x7FFFFFFF), 0x3FFFFFFFu);
  EXPECT_EQ(evalRR(Opcode::Mulh, 0xFFFFFFFF, 0xFFFFFFFF), 0u);  // (-1)*(-1) = 1
  EXPECT_EQ(evalRR(Opcode::And, 0xF0F0FF00, 0x0FF0F0F0), 0x00F0F000u);
  EXPECT_EQ(evalRR(Opcode::Or, 0xF0000000, 0x0000000F), 0xF000000Fu);
  EXPECT_EQ(evalRR(Opcode::Xor, 0xFFFF0000, 0xFF00FF00), 0x00FFFF00u);
  EXPECT_EQ(evalRR(Opcode::Shl, 1, 31), 0x80000000u);
  EXPECT_EQ(evalRR(Opcode::Shl, 1, 33), 2u);        // low 5 bits: 1
  EXPECT_EQ(evalRR(Opcode::Shl, 5, 32), 5u);        // low 5 bits: 0
  EXPECT_EQ(evalRR(Opcode::Shr, 0x80000000, 31), 1u);
  EXPECT_EQ(evalRR(Opcode::Shr, 0x80000000, 36), 0x08000000u);
  EXPECT_EQ(evalRR(Opcode::Sra, 0x80000000, 31), 0xFFFFFFFFu);
  EXPECT_EQ(evalRR(Opcode::Sra, 0x80000000, 4), 0xF8000000u);
  EXPECT_EQ(evalRR(Opcode::Sra, 0x80000000, 64), 0x80000000u);
  EXPECT_EQ(evalRR(Opcode::Sra, 0x40000000, 1), 0x20000000u);
  EXPECT_EQ(evalRR(Opcode::Slt, uint32_t(-1), 1), 1u);
  EXPECT_EQ(evalRR(Opcode::Slt, 1, uint32_t(-1)), 0u);
  EXPECT_EQ(evalRR(Opcode::Slt, 5, 5), 0u);
  EXPECT_EQ(evalRR(Opcode::Sltu, uint32_t(-1), 1), 0u);
  EXPECT_EQ(evalRR(Opcode::Sltu, 1, uint32_t(-1)), 1u);
  EXPECT_EQ(evalRR(Opcode::Min, uint32_t(-5), 3), uint32_t(-5));
  EXPECT_EQ(evalRR(Opcode::Min, 0x80000000, 0x7FFFFFFF), 0x80000000u);
  EXPECT_EQ(evalRR(Opcode::Max, uint32_t(-5), 3), 3u);
  EXPECT_EQ(evalRR(Opcode::Max, 0x80000000, 0x7FFFFFFF), 0x7FFFFFFFu);
}

TEST(CoreAlu, RegisterImmediate) {
  EXPECT_EQ(evalRI(Opcode::Addi, 10, -11), 0xFFFFFFFFu);
  EXPECT_EQ(evalRI(Opcode::Addi, 0x7FFFFFFF, 1), 0x80000000u);
  EXPECT_EQ(evalRI(Opcode::Muli, 1000, -3), uint32_t(-3000));
  EXPECT_EQ(evalRI(Opcode::Muli, 0x40000000, 4), 0u);
  EXPECT_EQ(evalRI(Opcode::Andi, 0x12345678, -1), 0x12345678u);  // imm sign-extends
  EXPECT_EQ(evalRI(Opcode::Andi, 0x12345678, 0xFF), 0x78u);
  EXPECT_EQ(evalRI(Opcode::Ori, 0x12340000, 0x5678), 0x12345678u);
  EXPECT_EQ(evalRI(Opcode::Xori, 0x0000FFFF, -1), 0xFFFF0000u);
  EXPECT_EQ(evalRI(Opcode::Shli, 3, 37), 96u);                   // 37 & 31 = 5
  EXPECT_EQ(evalRI(Opcode::Shri, 0xF0000000, 28), 0xFu);
  EXPECT_EQ(evalRI(Opcode::Shri, 0xF0000000, -4), 0xFu);         // -4 & 31 = 28
  EXPECT_EQ(evalRI(Opcode::Srai, 0xF0000000, 28), 0xFFFFFFFFu);
  EXPECT_EQ(evalRI(Opcode::Slti, uint32_t(-3), -2), 1u);
  EXPECT_EQ(evalRI(Opcode::Slti, uint32_t(-2), -2), 0u);
  EXPECT_EQ(evalRI(Opcode::Slti, 0, -1), 0u);
  EXPECT_EQ(evalRI(Opcode::Li, 0, -123456), uint32_t(-123456));
}

TEST(CoreAlu, R0StaysZero) {
  Rig rig;
  rig.load({li(0, 99), rri(Opcode::Addi, 0, 0, 5), rrr(Opcode::Add, 1, 0, 0),
            jal(0, 4), halt()});
  rig.run();
  ASSERT_EQ(rig.core.state(), CoreState::Halted);
  EXPECT_EQ(rig.r(0), 0u);
  EXPECT_EQ(rig.r(1), 0u);
  rig.core.setReg(0, 7);
  EXPECT_EQ(rig.r(0), 0u);
}

TEST(CoreAlu, Csrs) {
  ChipDescriptor chip = smallChip();
  chip.width = 5;
  chip.height = 3;
  Rig rig(chip, /*id=*/7);  // (2, 1)
  rig.io.ts = 42;
  rig.load({csrr(1, 0), csrr(2, 1), csrr(3, 2), csrr(4, 3), csrr(5, 4),
            csrr(6, 5), csrr(7, 6), csrr(8, 6), csrr(9, 7), halt()},
           {}, /*start=*/0x100000005ull, /*bootArg=*/0xDEADBEEF);
  rig.run();
  ASSERT_EQ(rig.core.state(), CoreState::Halted) << rig.core.describe();
  EXPECT_EQ(rig.r(1), 7u);
  EXPECT_EQ(rig.r(2), 2u);
  EXPECT_EQ(rig.r(3), 1u);
  EXPECT_EQ(rig.r(4), 5u);
  EXPECT_EQ(rig.r(5), 3u);
  EXPECT_EQ(rig.r(6), 42u);
  // cycle of issue, low 32 bits: issued at start + 6 and start + 7.
  EXPECT_EQ(rig.r(7), 5u + 6u);
  EXPECT_EQ(rig.r(8), 5u + 7u);
  EXPECT_EQ(rig.r(9), 0xDEADBEEFu);
  EXPECT_EQ(rig.core.bootArg(), 0xDEADBEEFu);
}

// ------------------------------------------------------------------ memory

TEST(CoreMemory, LoadsStoresLittleEndian) {
  Rig rig;
  rig.load({li(1, 0x100), li(2, int32_t(0x8081F2F3)),
            st(Opcode::Sw, 2, 1, 0),          // [0x100] = f3 f2 81 80
            ld(Opcode::Lb, 3, 1, 0),          // 0xf3 -> -13
            ld(Opcode::Lbu, 4, 1, 0),         // 0xf3
            ld(Opcode::Lh, 5, 1, 2),          // 0x8081 -> sign-extended
            ld(Opcode::Lhu, 6, 1, 2),
            ld(Opcode::Lw, 7, 1, 0),
            li(8, 0x1234ABCD),
            st(Opcode::Sh, 8, 1, 4),          // [0x104] = cd ab
            st(Opcode::Sb, 8, 1, 7),          // [0x107] = cd
            ld(Opcode::Lw, 9, 1, 4),
            li(10, -4), ld(Opcode::Lw, 11, 10, 0x104),  // address wraps: -4 + 0x104
            halt()});
  rig.run();
  ASSERT_EQ(rig.core.state(), CoreState::Halted) << rig.core.describe();
  EXPECT_EQ(rig.core.sram()[0x100], 0xF3);
  EXPECT_EQ(rig.core.sram()[0x103], 0x80);
  EXPECT_EQ(rig.r(3), uint32_t(-13));
  EXPECT_EQ(rig.r(4), 0xF3u);
  EXPECT_EQ(rig.r(5), 0xFFFF8081u);
  EXPECT_EQ(rig.r(6), 0x8081u);
  EXPECT_EQ(rig.r(7), 0x8081F2F3u);
  EXPECT_EQ(rig.r(9), 0xCD00ABCDu);
  EXPECT_EQ(rig.r(11), 0x8081F2F3u);
  EXPECT_EQ(rig.core.stats().sramReadBytes, 1u + 1 + 2 + 2 + 4 + 4 + 4);
  EXPECT_EQ(rig.core.stats().sramWriteBytes, 4u + 2 + 1);
}

TEST(CoreMemory, DataSegmentsAndBootReset) {
  Rig rig;
  rig.core.sram()[50] = 7;  // must be cleared by boot
  rig.load({ld(Opcode::Lw, 1, 0, 16), halt()},
           {DataSegment{16, {0x78, 0x56, 0x34, 0x12}}});
  rig.run();
  EXPECT_EQ(rig.r(1), 0x12345678u);
  EXPECT_EQ(rig.core.sram()[50], 0);
  EXPECT_EQ(rig.core.sram().size(), rig.chip.sramBytes);
}

// ------------------------------------------------------------------ control

TEST(CoreControl, BranchesSignedUnsigned) {
  // Each branch sets a distinct bit of r9 when taken.
  struct Case { Opcode op; uint32_t a, b; bool taken; };
  const Case cases[] = {
      {Opcode::Beq, 5, 5, true},   {Opcode::Beq, 5, 6, false},
      {Opcode::Bne, 5, 6, true},   {Opcode::Bne, 5, 5, false},
      {Opcode::Blt, uint32_t(-1), 0, true}, {Opcode::Blt, 0, uint32_t(-1), false},
      {Opcode::Bge, 0, uint32_t(-1), true}, {Opcode::Bge, 3, 3, true},
      {Opcode::Bge, uint32_t(-1), 0, false},
      {Opcode::Bltu, 0, uint32_t(-1), true}, {Opcode::Bltu, uint32_t(-1), 0, false},
      {Opcode::Bgeu, uint32_t(-1), 0, true}, {Opcode::Bgeu, 0, 1, false},
  };
  for (const Case &c : cases) {
    Rig rig;
    // 0 li r1; 1 li r2; 2 branch -> 5; 3 li r3,1; 4 halt; 5 li r3,2; 6 halt
    rig.load({li(1, int32_t(c.a)), li(2, int32_t(c.b)), br(c.op, 1, 2, 5),
              li(3, 1), halt(), li(3, 2), halt()});
    uint64_t end = rig.run();
    SCOPED_TRACE(info(c.op).mnemonic);
    EXPECT_EQ(rig.r(3), c.taken ? 2u : 1u);
    // li, li, branch (2 taken / 1 not), li -> halt issue cycle
    EXPECT_EQ(end, 1u + 1 + (c.taken ? 2 : 1) + 1);
  }
}

TEST(CoreControl, JumpsAndLinks) {
  Rig rig;
  // 0 jal r15, 4; 1 li r2, 7; 2 halt; 3 nop; 4 li r1, 1; 5 jr r15
  rig.load({jal(15, 4), li(2, 7), halt(), nop(), li(1, 1), jr(15)});
  uint64_t end = rig.run();
  ASSERT_EQ(rig.core.state(), CoreState::Halted);
  EXPECT_EQ(rig.r(15), 1u);
  EXPECT_EQ(rig.r(1), 1u);
  EXPECT_EQ(rig.r(2), 7u);
  EXPECT_EQ(rig.core.pc(), 2u);  // pc stays at the halt
  EXPECT_EQ(end, 2u + 1 + 2 + 1);
  EXPECT_EQ(rig.core.stats().byClass[size_t(InstrClass::Branch)], 2u);
}

// ------------------------------------------------------------------ faults

/// Runs a program whose instruction at `pc` must fault: checks the code, the
/// pc, and that nothing was posted or popped. Callers check registers/SRAM.
void expectFault(Rig &rig, sem::Fault fault, uint32_t pc) {
  rig.run();
  EXPECT_EQ(rig.core.state(), CoreState::Faulted) << rig.core.describe();
  EXPECT_EQ(rig.core.faultCode(), fault)
      << sem::faultName(rig.core.faultCode()) << " vs " << sem::faultName(fault);
  EXPECT_EQ(rig.core.pc(), pc);
  EXPECT_EQ(rig.core.nextWake(), std::numeric_limits<uint64_t>::max());
  EXPECT_TRUE(rig.io.posts.empty());
  EXPECT_EQ(rig.io.pops, 0u);
}

/// Instructions that set r1..r13 to sentinel values 1000+i, then `tail`.
std::vector<Instruction> withSentinels(std::vector<Instruction> setup,
                                       std::vector<Instruction> tail) {
  std::vector<Instruction> p;
  for (unsigned i = 1; i < 14; ++i)
    p.push_back(li(i, int32_t(1000 + i)));
  p.insert(p.end(), setup.begin(), setup.end());
  p.insert(p.end(), tail.begin(), tail.end());
  return p;
}

TEST(CoreFaults, IllegalInstruction) {
  const uint64_t halt = encode(mk(Opcode::Halt));
  const uint64_t badWords[] = {
      0x02,                                     // undefined opcode
      0xFF,                                     // undefined opcode
      encode(mk(Opcode::Add, 1, 2, 3)) | (1ull << 24),  // reserved bits
      encode(mk(Opcode::Add, 1, 2, 3)) | (0x80ull << 24),
      encode(mk(Opcode::Add, 1, 2, 3, 4)),      // rs3 unused
      encode(mk(Opcode::Add, 1, 2, 3, 0, 1)),   // imm unused
      encode(mk(Opcode::Nop, 1)),               // rd unused
      encode(mk(Opcode::Li, 1, 2, 0, 0, 5)),    // rs1 unused
      encode(mk(Opcode::Sw, 1, 2, 3, 0, 0)),    // rd unused in a store
      encode(mk(Opcode::Csrr, 1, 0, 0, 0, 8)),  // no CSR 8
      encode(mk(Opcode::Vreq, 1, 2, 0, 3, 32)), // shift out of range
  };
  for (uint64_t bad : badWords) {
    Rig rig;
    rig.loadWords({encode(li(1, 11)), encode(li(2, 22)), bad, halt});
    uint64_t end = rig.run();
    SCOPED_TRACE(testing::Message() << std::hex << bad);
    EXPECT_EQ(rig.core.state(), CoreState::Faulted);
    EXPECT_EQ(rig.core.faultCode(), sem::Fault::IllegalInstruction);
    EXPECT_EQ(rig.core.pc(), 2u);
    EXPECT_EQ(end, 2u);
    EXPECT_EQ(rig.r(1), 11u);
    EXPECT_EQ(rig.r(2), 22u);
    EXPECT_EQ(rig.r(3), 0u);
    EXPECT_EQ(rig.core.stats().instructions, 2u);
    EXPECT_EQ(rig.core.stats().busyCycles, 2u);
    EXPECT_NE(rig.core.describe().find("faulted (IllegalInstruction) at pc 2"),
              std::string::npos)
        << rig.core.describe();
  }
}

TEST(CoreFaults, PcOutOfRange) {
  {
    Rig rig;  // falls off the end of the code
    rig.load({nop(), nop()});
    expectFault(rig, sem::Fault::PcOutOfRange, 2);
  }
  {
    Rig rig;
    rig.load({jmp(100), halt()});
    expectFault(rig, sem::Fault::PcOutOfRange, 100);
  }
  {
    Rig rig;  // a negative target is malformed (docs/arch.md 3.2)
    rig.load({jmp(-1), halt()});
    expectFault(rig, sem::Fault::IllegalInstruction, 0);
  }
  {
    Rig rig;
    rig.load({li(1, 3), jr(1), halt()});
    expectFault(rig, sem::Fault::PcOutOfRange, 3);
  }
  {
    Rig rig;  // entry outside the code
    ProgramImage img;
    img.code = encodeAll({halt()});
    img.entry = 5;
    rig.core.boot(img, 0, 0);
    expectFault(rig, sem::Fault::PcOutOfRange, 5);
  }
}

TEST(CoreFaults, MemoryFaultsWriteNothing) {
  const int32_t S = int32_t(smallChip().sramBytes);
  struct Case { Instruction inst; sem::Fault fault; };
  const Case cases[] = {
      {ld(Opcode::Lw, 3, 0, S), sem::Fault::BadAddress},
      {ld(Opcode::Lw, 3, 0, S - 2), sem::Fault::BadAddress},  // straddles end
      {ld(Opcode::Lb, 3, 0, -1), sem::Fault::BadAddress},     // wraps to 2^32-1
      {ld(Opcode::Lh, 3, 0, S - 1), sem::Fault::BadAddress},  // also misaligned
      {ld(Opcode::Lbu, 3, 0, S), sem::Fault::BadAddress},
      {st(Opcode::Sb, 3, 0, S), sem::Fault::BadAddress},
      {st(Opcode::Sw, 3, 0, S - 4 + 4), sem::Fault::BadAddress},
      {ld(Opcode::Lw, 3, 0, 2), sem::Fault::Misaligned},
      {ld(Opcode::Lh, 3, 0, 1), sem::Fault::Misaligned},
      {ld(Opcode::Lhu, 3, 0, 3), sem::Fault::Misaligned},
      {st(Opcode::Sh, 3, 0, 5), sem::Fault::Misaligned},
      {st(Opcode::Sw, 3, 0, 6), sem::Fault::Misaligned},
  };
  for (const Case &c : cases) {
    Rig rig;
    auto prog = withSentinels({}, {c.inst, halt()});
    rig.load(prog);
    SCOPED_TRACE(disassemble(c.inst));
    expectFault(rig, c.fault, 13);
    for (unsigned i = 1; i < 14; ++i)
      EXPECT_EQ(rig.r(i), 1000 + i);
    for (uint8_t b : rig.core.sram())
      ASSERT_EQ(b, 0);
    EXPECT_EQ(rig.core.stats().sramReadBytes + rig.core.stats().sramWriteBytes, 0u);
  }
}

TEST(CoreFaults, VectorBoundsAndAlignment) {
  const int32_t S = int32_t(smallChip().sramBytes);
  struct Case { std::vector<Instruction> setup; Instruction inst; sem::Fault fault; };
  // registers: r1 dst, r2 src1, r3 src2/scalar, r4 count
  const Case cases[] = {
      {{li(1, 0), li(2, S - 4), li(3, 0), li(4, 5)}, v4(Opcode::Vdot, 5, 2, 3, 4), sem::Fault::BadAddress},
      {{li(1, 0), li(2, 0), li(3, S - 2), li(4, 3)}, v4(Opcode::Vdot, 5, 2, 3, 4), sem::Fault::BadAddress},
      {{li(1, 2), li(2, 0), li(3, 1), li(4, 1)}, v4(Opcode::Vmacs, 1, 2, 3, 4), sem::Fault::Misaligned},
      {{li(1, S - 4), li(2, 0), li(3, 1), li(4, 2)}, v4(Opcode::Vmacs, 1, 2, 3, 4), sem::Fault::BadAddress},
      {{li(1, 0), li(2, 4), li(3, 6), li(4, 1)}, v4(Opcode::Vadd32, 1, 2, 3, 4), sem::Fault::Misaligned},
      {{li(1, 0), li(2, 4), li(3, S), li(4, 1)}, v4(Opcode::Vadd32, 1, 2, 3, 4), sem::Fault::BadAddress},
      // misaligned src and out-of-range dst: BadAddress wins
      {{li(1, S), li(2, 2), li(3, 0), li(4, 1)}, v4(Opcode::Vadd32, 1, 2, 3, 4), sem::Fault::BadAddress},
      {{li(1, 0), li(2, 1), li(4, 1)}, vreq(1, 2, 4, 0, false), sem::Fault::Misaligned},
      {{li(1, S - 1), li(2, 0), li(4, 2)}, vreq(1, 2, 4, 0, false), sem::Fault::BadAddress},
      {{li(1, 0), li(2, S - 3), li(4, 4)}, v3(Opcode::Vcopy, 1, 2, 4), sem::Fault::BadAddress},
      {{li(1, S - 3), li(2, 0), li(4, 4)}, v3(Opcode::Vcopy, 1, 2, 4), sem::Fault::BadAddress},
      {{li(1, 10), li(2, 0), li(4, -1)}, v3(Opcode::Vfill, 1, 2, 4), sem::Fault::BadAddress},
      {{li(2, 2), li(4, 1)}, v3(Opcode::Vargmax, 1, 2, 4), sem::Fault::Misaligned},
      {{li(2, S - 8), li(4, 3)}, v3(Opcode::Vargmax, 1, 2, 4), sem::Fault::BadAddress},
  };
  for (const Case &c : cases) {
    Rig rig;
    auto prog = withSentinels(c.setup, {c.inst, halt()});
    rig.load(prog);
    for (size_t i = 0; i < rig.core.sram().size(); ++i)
      rig.core.sram()[i] = uint8_t(i * 7);
    auto before = rig.core.sram();
    SCOPED_TRACE(disassemble(c.inst));
    expectFault(rig, c.fault, uint32_t(13 + c.setup.size()));
    EXPECT_EQ(rig.core.sram(), before);
    EXPECT_EQ(rig.r(5), 1005u);  // vdot's rd untouched
    EXPECT_EQ(rig.core.stats().vectorMacs, 0u);
  }
}

TEST(CoreFaults, ZeroCountTouchesNothing) {
  // Count 0 with addresses that would fault for any non-zero count.
  Rig rig;
  rig.load({li(1, -2), li(2, -3), li(3, 7), li(4, 0), li(5, 77),
            v4(Opcode::Vdot, 5, 2, 3, 4), v4(Opcode::Vmacs, 1, 2, 3, 4),
            v4(Opcode::Vadd32, 1, 2, 3, 4), vreq(1, 2, 4, 3, true),
            v3(Opcode::Vcopy, 1, 2, 4), v3(Opcode::Vfill, 1, 2, 4),
            v3(Opcode::Vargmax, 6, 2, 4),
            nstep(1, 2, 3, 4, NeuronModel::CubaLIF, ResetMode::Zero), halt()});
  uint64_t end = rig.run();
  ASSERT_EQ(rig.core.state(), CoreState::Halted) << rig.core.describe();
  EXPECT_EQ(rig.r(5), 77u);
  EXPECT_EQ(rig.r(6), 0u);
  EXPECT_EQ(end, 5u + 8 * 2);  // every op over 0 elements costs 2
  EXPECT_EQ(rig.core.stats().sramReadBytes + rig.core.stats().sramWriteBytes, 0u);
}

TEST(CoreFaults, MessageOperands) {
  const int32_t cores = 16;
  struct Case { const char *name; std::vector<Instruction> setup; Instruction inst; sem::Fault fault; };
  // r1 dest/group, r2 address, r3 length
  const Case cases[] = {
      {"send dest", {li(1, cores), li(2, 0), li(3, 4)}, send(1, 2, 3, 0), sem::Fault::BadDestination},
      {"send dest neg", {li(1, -1), li(2, 0), li(3, 4)}, send(1, 2, 3, 0), sem::Fault::BadDestination},
      {"send mbox", {li(1, 3), li(2, 0), li(3, 4)}, send(1, 2, 3, 4), sem::Fault::BadMailbox},
      {"send mbox neg", {li(1, 3), li(2, 0), li(3, 4)}, send(1, 2, 3, -1), sem::Fault::BadMailbox},
      {"send len", {li(1, 3), li(2, 0), li(3, 65)}, send(1, 2, 3, 0), sem::Fault::BadMessage},
      {"send addr", {li(1, 3), li(2, 4090), li(3, 8)}, send(1, 2, 3, 0), sem::Fault::BadAddress},
      {"mcast group", {li(1, 5), li(2, 0), li(3, 4)}, mcast(1, 2, 3, 0), sem::Fault::BadGroup},
      {"mcast mbox", {li(1, 2), li(2, 0), li(3, 4)}, mcast(1, 2, 3, 9), sem::Fault::BadMailbox},
      // packetFlits(25, 8) = 1 + 4 = 5 > buffer depth 4
      {"mcast flits", {li(1, 2), li(2, 0), li(3, 25)}, mcast(1, 2, 3, 0), sem::Fault::BadMessage},
      {"recv mbox", {li(2, 0)}, recv(1, 2, 4), sem::Fault::BadMailbox},
      {"poll mbox", {}, poll(1, 100), sem::Fault::BadMailbox},
      {"spawn image", {li(1, 3), li(2, 9)}, spawn(1, 2, 2), sem::Fault::BadSpawn},
      {"spawn image neg", {li(1, 3), li(2, 9)}, spawn(1, 2, -1), sem::Fault::BadSpawn},
      {"spawn dest", {li(1, cores), li(2, 9)}, spawn(1, 2, 1), sem::Fault::BadDestination},
  };
  for (const Case &c : cases) {
    Rig rig;
    rig.io.groups = {2};
    rig.io.images = 2;
    rig.io.deliver(0, 0, 1, {1, 2, 3});
    auto prog = withSentinels(c.setup, {c.inst, halt()});
    rig.load(prog);
    SCOPED_TRACE(c.name);
    expectFault(rig, c.fault, uint32_t(13 + c.setup.size()));
    // registers: the sentinels, overwritten only by the setup's li
    std::array<uint32_t, 16> expect{};
    for (unsigned i = 1; i < 14; ++i)
      expect[i] = 1000 + i;
    for (const Instruction &i : c.setup)
      expect[i.rd] = uint32_t(i.imm);
    for (unsigned i = 0; i < 16; ++i)
      EXPECT_EQ(rig.r(i), expect[i]) << "r" << i;
    EXPECT_EQ(rig.core.stats().messagesSent, 0u);
    EXPECT_EQ(rig.io.queued(0), 1u);
  }
}

TEST(CoreFaults, MaxMessageAndMcastFitAreLegal) {
  Rig rig;
  rig.io.groups = {2};
  // 64 bytes = max_message_bytes: legal. mcast of 24 bytes: 1 + 3 = 4 flits.
  rig.load({li(1, 3), li(2, 0), li(3, 64), send(1, 2, 3, 3), li(1, 2), li(3, 24),
            mcast(1, 2, 3, 0), halt()});
  rig.run();
  ASSERT_EQ(rig.core.state(), CoreState::Halted) << rig.core.describe();
  ASSERT_EQ(rig.io.posts.size(), 2u);
  EXPECT_EQ(rig.io.posts[0].msg.payload.size(), 64u);
  EXPECT_TRUE(rig.io.posts[1].msg.mcast);
}

TEST(CoreFaults, NeuronParams) {
  struct Case { const char *name; int32_t dv, du; int32_t imm; sem::Fault fault; };
  const Case cases[] = {
      {"dv 4097", 4097, 0, 1, sem::Fault::BadNeuronParams},
      {"dv -1", -1, 0, 0, sem::Fault::BadNeuronParams},
      {"du 4097", 0, 4097, 2, sem::Fault::BadNeuronParams},
      {"du -5 (checked even for LIF)", 100, -5, 1, sem::Fault::BadNeuronParams},
      {"imm bit 4 (malformed)", 0, 0, 0x10, sem::Fault::IllegalInstruction},
      {"imm negative (malformed)", 0, 0, -1, sem::Fault::IllegalInstruction},
      {"dv 4096 du 4096 ok", 4096, 4096, 2, sem::Fault::None},
  };
  for (const Case &c : cases) {
    Rig rig;
    // state at 0x100 (params + v[2] + u[2]), inputs at 0x200, out at 0x300
    auto prog = withSentinels({li(1, 0x300), li(2, 0x100), li(3, 0x200), li(4, 2)},
                              {mk(Opcode::Nstep, 1, 2, 3, 4, c.imm), halt()});
    rig.load(prog, {DataSegment{0x100, le32({c.dv, c.du, 5, 0, 0, 9, 9, 9, 9})},
                    DataSegment{0x200, le32({100, 100})}});
    SCOPED_TRACE(c.name);
    auto before = rig.core.sram();
    if (c.fault == sem::Fault::None) {
      rig.run();
      EXPECT_EQ(rig.core.state(), CoreState::Halted) << rig.core.describe();
      EXPECT_EQ(rig.core.stats().neuronUpdates, 2u);
    } else {
      expectFault(rig, c.fault, 17);
      EXPECT_EQ(rig.core.sram(), before);
      EXPECT_EQ(rig.core.stats().neuronUpdates, 0u);
    }
  }
}

TEST(CoreFaults, NeuronRegions) {
  // CubaLIF state needs 20 + 8N bytes; LIF only 20 + 4N.
  const int32_t S = int32_t(smallChip().sramBytes);
  {
    Rig rig;
    rig.load({li(1, 0x300), li(2, S - 28), li(3, 0x200), li(4, 2),
              nstep(1, 2, 3, 4, NeuronModel::LIF, ResetMode::Zero),
              nstep(1, 2, 3, 4, NeuronModel::CubaLIF, ResetMode::Zero), halt()});
    expectFault(rig, sem::Fault::BadAddress, 5);
  }
  {
    Rig rig;
    rig.load({li(1, 0x300), li(2, 0x102), li(3, 0x200), li(4, 2),
              nstep(1, 2, 3, 4, NeuronModel::IF, ResetMode::Zero), halt()});
    expectFault(rig, sem::Fault::Misaligned, 4);
  }
  {
    Rig rig;
    rig.load({li(1, 0x300), li(2, 0x100), li(3, 0x201), li(4, 2),
              nstep(1, 2, 3, 4, NeuronModel::IF, ResetMode::Zero), halt()});
    expectFault(rig, sem::Fault::Misaligned, 4);
  }
  {
    Rig rig;
    rig.load({li(1, S - 1), li(2, 0x100), li(3, 0x200), li(4, 2),
              nstep(1, 2, 3, 4, NeuronModel::IF, ResetMode::Zero), halt()});
    expectFault(rig, sem::Fault::BadAddress, 4);
  }
}

TEST(CoreFaults, ExternalMailboxOverflowKeepsFirstFault) {
  Rig rig;
  rig.load({nop(), nop(), nop(), halt()});
  rig.core.tick(0);
  rig.core.tick(1);
  rig.core.fault(sem::Fault::MailboxOverflow);
  EXPECT_EQ(rig.core.state(), CoreState::Faulted);
  EXPECT_EQ(rig.core.pc(), 2u);
  rig.core.fault(sem::Fault::BadAddress);
  EXPECT_EQ(rig.core.faultCode(), sem::Fault::MailboxOverflow);
  rig.core.tick(2);
  EXPECT_EQ(rig.core.pc(), 2u);
  EXPECT_EQ(rig.core.stats().instructions, 2u);
}

// ------------------------------------------------------------------ costs

TEST(CoreCycles, EveryFixedClass) {
  Rig rig;
  rig.io.deliver(1, 0, 2, {});
  // cost of each instruction in the comment
  rig.load({
      nop(),                                  // 1
      li(1, 0x40),                            // 1
      rrr(Opcode::Add, 2, 1, 1),              // 1
      rrr(Opcode::Mul, 3, 1, 1),              // 2
      rrr(Opcode::Mulh, 3, 1, 1),             // 2
      rri(Opcode::Muli, 3, 1, 3),             // 2
      ld(Opcode::Lw, 4, 1, 0),                // 2
      ld(Opcode::Lb, 4, 1, 0),                // 2
      st(Opcode::Sw, 4, 1, 0),                // 1
      st(Opcode::Sb, 4, 1, 0),                // 1
      csrr(5, 6),                             // 1
      poll(6, 1),                             // 1
      br(Opcode::Beq, 0, 1, 0),               // 1 (not taken)
      br(Opcode::Bne, 0, 1, 14),              // 2 (taken)
      jmp(15),                                // 2
      jal(7, 16),                             // 2
      halt(),
  });
  uint64_t end = rig.run();
  ASSERT_EQ(rig.core.state(), CoreState::Halted) << rig.core.describe();
  const uint64_t sum = 1 + 1 + 1 + 2 + 2 + 2 + 2 + 2 + 1 + 1 + 1 + 1 + 1 + 2 + 2 + 2;
  EXPECT_EQ(end, sum);
  EXPECT_EQ(rig.r(5), 15u);  // csrr issued at 1+1+1+2+2+2+2+2+1+1
  EXPECT_EQ(rig.r(6), 1u);   // poll
  const CoreStats &s = rig.core.stats();
  EXPECT_EQ(s.busyCycles, sum + 1);
  EXPECT_EQ(s.stallCycles, 0u);
  EXPECT_EQ(s.instructions, 17u);
  EXPECT_EQ(s.byClass[size_t(InstrClass::Control)], 2u);
  EXPECT_EQ(s.byClass[size_t(InstrClass::Alu)], 3u);  // li, add, csrr
  EXPECT_EQ(s.byClass[size_t(InstrClass::Mul)], 3u);
  EXPECT_EQ(s.byClass[size_t(InstrClass::Load)], 2u);
  EXPECT_EQ(s.byClass[size_t(InstrClass::Store)], 2u);
  EXPECT_EQ(s.byClass[size_t(InstrClass::Branch)], 4u);
  EXPECT_EQ(s.byClass[size_t(InstrClass::Message)], 1u);
}

uint64_t vectorProgramCycles(uint32_t lanes, Instruction inst, int32_t n) {
  ChipDescriptor chip = smallChip();
  chip.vectorLanes = lanes;
  Rig rig(chip);
  rig.load({li(1, 0x100), li(2, 0x200), li(3, 0x300), li(4, n), inst, halt()});
  uint64_t end = rig.run();
  EXPECT_EQ(rig.core.state(), CoreState::Halted) << rig.core.describe();
  return end - 4;
}

TEST(CoreCycles, VectorOpsByLanes) {
  const Instruction ops[] = {
      v4(Opcode::Vdot, 5, 2, 3, 4), v4(Opcode::Vmacs, 1, 2, 3, 4),
      v4(Opcode::Vadd32, 1, 2, 3, 4), vreq(1, 2, 4, 1, false),
      v3(Opcode::Vcopy, 1, 2, 4), v3(Opcode::Vfill, 1, 2, 4),
      v3(Opcode::Vargmax, 5, 2, 4)};
  for (const Instruction &op : ops) {
    SCOPED_TRACE(disassemble(op));
    EXPECT_EQ(vectorProgramCycles(16, op, 0), 2u);
    EXPECT_EQ(vectorProgramCycles(16, op, 1), 3u);
    EXPECT_EQ(vectorProgramCycles(16, op, 16), 3u);
    EXPECT_EQ(vectorProgramCycles(16, op, 17), 4u);
    EXPECT_EQ(vectorProgramCycles(16, op, 33), 5u);
    EXPECT_EQ(vectorProgramCycles(1, op, 17), 19u);
    EXPECT_EQ(vectorProgramCycles(1, op, 1), 3u);
    EXPECT_EQ(vectorProgramCycles(4, op, 9), 5u);
  }
}

TEST(CoreCycles, NstepCubaDoubles) {
  for (uint32_t lanes : {1u, 16u}) {
    for (int32_t n : {0, 1, 16, 17}) {
      for (NeuronModel m : {NeuronModel::IF, NeuronModel::LIF, NeuronModel::LI,
                            NeuronModel::CubaLIF}) {
        uint64_t body = (uint64_t(n) + lanes - 1) / lanes;
        uint64_t expect = 2 + body * (m == NeuronModel::CubaLIF ? 2 : 1);
        EXPECT_EQ(vectorProgramCycles(lanes, nstep(3, 1, 2, 4, m, ResetMode::Zero), n), expect)
            << "lanes " << lanes << " n " << n << " model " << int(m);
      }
    }
  }
  // spot values from the table, independent of the formula above
  EXPECT_EQ(vectorProgramCycles(16, nstep(3, 1, 2, 4, NeuronModel::CubaLIF, ResetMode::Zero), 17), 6u);
  EXPECT_EQ(vectorProgramCycles(16, nstep(3, 1, 2, 4, NeuronModel::LIF, ResetMode::Zero), 17), 4u);
}

// ------------------------------------------------------------------ vector semantics

TEST(CoreVector, VdotAccumulatesSigned) {
  Rig rig;
  rig.load({li(1, 0x10), li(2, 0x20), li(4, 4), li(5, 1000),
            v4(Opcode::Vdot, 5, 1, 2, 4), halt()},
           {DataSegment{0x10, {0x80, 0x7F, 0xFF, 3}},   // -128, 127, -1, 3
            DataSegment{0x20, {0x80, 0x81, 0x05, 0}}}); // -128, -127, 5, 0
  rig.run();
  // 1000 + 16384 - 16129 - 5 + 0 = 1250
  EXPECT_EQ(rig.r(5), 1250u);
  EXPECT_EQ(rig.core.stats().vectorMacs, 4u);
  EXPECT_EQ(rig.core.stats().sramReadBytes, 8u);
}

TEST(CoreVector, VdotWraps) {
  Rig rig;
  rig.load({li(1, 0x10), li(2, 0x10), li(4, 1), li(5, 0x7FFFFFFF),
            v4(Opcode::Vdot, 5, 1, 2, 4), halt()},
           {DataSegment{0x10, {0x02}}});
  rig.run();
  EXPECT_EQ(rig.r(5), 0x80000003u);
}

TEST(CoreVector, VmacsScalesAndWraps) {
  Rig rig;
  rig.load({li(1, 0x100), li(2, 0x10), li(3, 0x7FFFFFFF), li(4, 3),
            v4(Opcode::Vmacs, 1, 2, 3, 4), li(3, -2), v4(Opcode::Vmacs, 1, 2, 3, 4),
            halt()},
           {DataSegment{0x10, {0x80, 0x01, 0x00}},
            DataSegment{0x100, le32({5, 7, 9})}});
  rig.run();
  ASSERT_EQ(rig.core.state(), CoreState::Halted) << rig.core.describe();
  // first: 5 + (-128 * 0x7FFFFFFF) mod 2^32 = 5 + 0x80 = 133 (since -128*(2^31-1) = -2^38 + 128)
  //        7 + 0x7FFFFFFF = 0x80000006; 9 + 0
  // second (* -2): 133 + 256 = 389; 0x80000006 - 2 = 0x80000004; 9
  EXPECT_EQ(rig.word(0x100), 389u);
  EXPECT_EQ(rig.word(0x104), 0x80000004u);
  EXPECT_EQ(rig.word(0x108), 9u);
  EXPECT_EQ(rig.r(1), 0x100u);  // rd is an address, not written
  EXPECT_EQ(rig.core.stats().vectorMacs, 6u);
  EXPECT_EQ(rig.core.stats().sramWriteBytes, 24u);
}

TEST(CoreVector, Vadd32Wraps) {
  Rig rig;
  rig.load({li(1, 0x200), li(2, 0x100), li(3, 0x180), li(4, 2),
            v4(Opcode::Vadd32, 1, 2, 3, 4), halt()},
           {DataSegment{0x100, le32({0x7FFFFFFF, -5})},
            DataSegment{0x180, le32({1, 3})}});
  rig.run();
  EXPECT_EQ(rig.word(0x200), 0x80000000u);
  EXPECT_EQ(rig.word(0x204), uint32_t(-2));
}

TEST(CoreVector, VreqRoundsClampsRelu) {
  struct Case { int32_t x; int shift; bool relu; int8_t expect; };
  const Case cases[] = {
      {5, 1, false, 3},      // (5 + 1) >> 1
      {4, 1, false, 2},
      {-5, 1, false, -2},    // (-5 + 1) >> 1 = -2
      {-6, 1, false, -3},    // (-6 + 1) >> 1 = floor(-2.5) = -3
      {-7, 2, false, -2},    // (-7 + 2) >> 2 = floor(-1.25) = -2
      {1000, 0, false, 127},
      {-1000, 0, false, -128},
      {-128, 0, false, -128},
      {-129, 0, false, -128},
      {127, 0, false, 127},
      {-5, 0, true, 0},
      {1000, 3, true, 125},  // (1000 + 4) >> 3 = 125
      {1020, 3, true, 127},  // (1020 + 4) >> 3 = 128 -> 127
      {0x7FFFFFFF, 31, false, 1},            // computed in 64 bits
      {int32_t(0x80000000), 31, false, -1},
      {int32_t(0x80000000), 0, true, 0},
      {255, 1, false, 127},  // 128 -> 127
      {-257, 1, false, -128},
  };
  const int n = int(std::size(cases));
  for (bool relu : {false, true}) {
    Rig rig;
    std::vector<Instruction> prog = {li(1, 0x400), li(2, 0x100), li(4, 1)};
    std::vector<DataSegment> data;
    int k = 0;
    for (int i = 0; i < n; ++i) {
      if (cases[i].relu != relu)
        continue;
      data.push_back(DataSegment{uint32_t(0x100 + 4 * i), le32({cases[i].x})});
      prog.push_back(li(2, 0x100 + 4 * i));
      prog.push_back(li(1, 0x400 + i));
      prog.push_back(vreq(1, 2, 4, cases[i].shift, relu));
      ++k;
    }
    prog.push_back(halt());
    rig.load(prog, data);
    rig.run();
    ASSERT_EQ(rig.core.state(), CoreState::Halted) << rig.core.describe();
    for (int i = 0; i < n; ++i) {
      if (cases[i].relu == relu) {
        EXPECT_EQ(int8_t(rig.core.sram()[0x400 + i]), cases[i].expect)
            << "x=" << cases[i].x << " shift=" << cases[i].shift << " relu=" << relu;
      }
    }
  }
}

TEST(CoreVector, VreqArray) {
  Rig rig;
  rig.load({li(1, 0x400), li(2, 0x100), li(4, 4), vreq(1, 2, 4, 4, false), halt()},
           {DataSegment{0x100, le32({16, -24, 3000, 7})}, DataSegment{0x404, {0xAA}}});
  rig.run();
  EXPECT_EQ(int8_t(rig.core.sram()[0x400]), 1);
  EXPECT_EQ(int8_t(rig.core.sram()[0x401]), -1);   // (-24 + 8) >> 4 = -1
  EXPECT_EQ(int8_t(rig.core.sram()[0x402]), 127);  // 188 clamped
  EXPECT_EQ(int8_t(rig.core.sram()[0x403]), 0);    // (7 + 8) >> 4 = 0
  EXPECT_EQ(rig.core.sram()[0x404], 0xAA);         // past the end untouched
}

TEST(CoreVector, VcopyIsMemmove) {
  Rig rig;
  // forward overlap: copy [0x10, 0x16) to 0x12; backward: [0x32, 0x38) to 0x30
  rig.load({li(1, 0x12), li(2, 0x10), li(4, 6), v3(Opcode::Vcopy, 1, 2, 4),
            li(1, 0x30), li(2, 0x32), v3(Opcode::Vcopy, 1, 2, 4), halt()},
           {DataSegment{0x10, {1, 2, 3, 4, 5, 6, 7, 8}},
            DataSegment{0x30, {1, 2, 3, 4, 5, 6, 7, 8}}});
  rig.run();
  const std::vector<uint8_t> fwd(rig.core.sram().begin() + 0x10, rig.core.sram().begin() + 0x18);
  const std::vector<uint8_t> bwd(rig.core.sram().begin() + 0x30, rig.core.sram().begin() + 0x38);
  EXPECT_EQ(fwd, (std::vector<uint8_t>{1, 2, 1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(bwd, (std::vector<uint8_t>{3, 4, 5, 6, 7, 8, 7, 8}));
}

TEST(CoreVector, VfillLowByte) {
  Rig rig;
  rig.load({li(1, 0x21), li(2, 0x1FF), li(4, 3), v3(Opcode::Vfill, 1, 2, 4), halt()});
  rig.run();
  EXPECT_EQ(rig.core.sram()[0x20], 0);
  EXPECT_EQ(rig.core.sram()[0x21], 0xFF);
  EXPECT_EQ(rig.core.sram()[0x23], 0xFF);
  EXPECT_EQ(rig.core.sram()[0x24], 0);
  EXPECT_EQ(rig.core.stats().sramWriteBytes, 3u);
}

TEST(CoreVector, VargmaxFirstMax) {
  struct Case { std::vector<int32_t> v; uint32_t expect; };
  const Case cases[] = {
      {{3, 7, -1, 7}, 1},
      {{-9, -3, -3, -8}, 1},
      {{int32_t(0x80000000), int32_t(0x80000000)}, 0},
      {{5}, 0},
      {{1, 2, 3, 4, 5, 6, 0x7FFFFFFF}, 6},
      {{}, 0},
  };
  for (const Case &c : cases) {
    Rig rig;
    std::vector<uint8_t> bytes;
    for (int32_t x : c.v)
      for (int b = 0; b < 4; ++b)
        bytes.push_back(uint8_t(uint32_t(x) >> (8 * b)));
    rig.load({li(2, 0x100), li(4, int32_t(c.v.size())), li(5, 99),
              v3(Opcode::Vargmax, 5, 2, 4), halt()},
             {DataSegment{0x100, bytes}});
    rig.run();
    EXPECT_EQ(rig.r(5), c.expect) << testing::PrintToString(c.v);
  }
}

// ------------------------------------------------------------------ nstep

struct NeuronRun {
  std::vector<std::vector<uint8_t>> spikes;  // [step][neuron]
  std::vector<int32_t> v, u;
};

/// Runs `steps` nsteps over N neurons with constant inputs; state at 0x100,
/// inputs at 0x200, spikes of step k at 0x300 + 16k.
NeuronRun runNeurons(NeuronModel m, ResetMode r, sem::NeuronParams p,
                     std::vector<int32_t> v0, std::vector<int32_t> u0,
                     std::vector<int32_t> input, int steps) {
  const uint32_t n = uint32_t(v0.size());
  std::vector<int32_t> state = {p.dv, p.du, p.vth, p.vReset, p.bias};
  state.insert(state.end(), v0.begin(), v0.end());
  if (m == NeuronModel::CubaLIF)
    state.insert(state.end(), u0.begin(), u0.end());
  auto toBytes = [](const std::vector<int32_t> &w) {
    std::vector<uint8_t> b;
    for (int32_t x : w)
      for (int i = 0; i < 4; ++i)
        b.push_back(uint8_t(uint32_t(x) >> (8 * i)));
    return b;
  };
  std::vector<Instruction> prog = {li(2, 0x100), li(3, 0x200), li(4, int32_t(n))};
  for (int k = 0; k < steps; ++k) {
    prog.push_back(li(1, 0x300 + 16 * k));
    prog.push_back(nstep(1, 2, 3, 4, m, r));
  }
  prog.push_back(halt());
  Rig rig;
  rig.load(prog, {DataSegment{0x100, toBytes(state)}, DataSegment{0x200, toBytes(input)}});
  rig.run();
  EXPECT_EQ(rig.core.state(), CoreState::Halted) << rig.core.describe();
  NeuronRun out;
  for (int k = 0; k < steps; ++k)
    out.spikes.emplace_back(rig.core.sram().begin() + 0x300 + 16 * k,
                            rig.core.sram().begin() + 0x300 + 16 * k + n);
  for (uint32_t i = 0; i < n; ++i) {
    out.v.push_back(int32_t(rig.word(0x100 + 20 + 4 * i)));
    if (m == NeuronModel::CubaLIF)
      out.u.push_back(int32_t(rig.word(0x100 + 20 + 4 * n + 4 * i)));
  }
  EXPECT_EQ(rig.core.stats().neuronUpdates, uint64_t(n) * steps);
  return out;
}

using Spikes = std::vector<std::vector<uint8_t>>;

TEST(CoreNstep, IfAllResetModes) {
  // bias 1, input 4 (neuron 0) / -3 (neuron 1), vth 10:
  // neuron 0: 5, 10 (not > 10), 15 -> spike, then one more step.
  sem::NeuronParams p{0, 0, 10, -7, 1};
  const Spikes spikes = {{0, 0}, {0, 0}, {1, 0}, {0, 0}};
  {
    auto r = runNeurons(NeuronModel::IF, ResetMode::Zero, p, {0, 0}, {}, {4, -3}, 4);
    EXPECT_EQ(r.spikes, spikes);
    EXPECT_EQ(r.v, (std::vector<int32_t>{5, -8}));
  }
  {
    auto r = runNeurons(NeuronModel::IF, ResetMode::Subtract, p, {0, 0}, {}, {4, -3}, 4);
    EXPECT_EQ(r.spikes, spikes);
    EXPECT_EQ(r.v, (std::vector<int32_t>{10, -8}));  // 15 - 10 = 5, then 10
  }
  {
    auto r = runNeurons(NeuronModel::IF, ResetMode::ToValue, p, {0, 0}, {}, {4, -3}, 4);
    EXPECT_EQ(r.spikes, spikes);
    EXPECT_EQ(r.v, (std::vector<int32_t>{-2, -8}));  // -7 + 5
  }
  {
    auto r = runNeurons(NeuronModel::IF, ResetMode::None, p, {0, 0}, {}, {4, -3}, 4);
    EXPECT_EQ(r.spikes, (Spikes{{0, 0}, {0, 0}, {1, 0}, {1, 0}}));
    EXPECT_EQ(r.v, (std::vector<int32_t>{20, -8}));
  }
}

TEST(CoreNstep, LifDecayFloors) {
  // dv = 1024: decay(x) = floor(x * 3072 / 4096) = floor(0.75 x)
  // neuron 0 (input 40): 40, 70, 92 (52.5 -> 52), 109 -> spike (vth 100) -> 0
  // neuron 1 (input -40): -40, -70, -93 (-52.5 -> -53), -110 (-69.75 -> -70)
  sem::NeuronParams p{1024, 0, 100, 0, 0};
  auto r = runNeurons(NeuronModel::LIF, ResetMode::Zero, p, {0, 0}, {}, {40, -40}, 4);
  EXPECT_EQ(r.spikes, (Spikes{{0, 0}, {0, 0}, {0, 0}, {1, 0}}));
  EXPECT_EQ(r.v, (std::vector<int32_t>{0, -110}));
  auto s = runNeurons(NeuronModel::LIF, ResetMode::Subtract, p, {0, 0}, {}, {40, -40}, 4);
  EXPECT_EQ(s.v, (std::vector<int32_t>{9, -110}));
}

TEST(CoreNstep, LiNeverSpikes) {
  sem::NeuronParams p{1024, 0, 100, 0, 0};
  auto r = runNeurons(NeuronModel::LI, ResetMode::Zero, p, {0, 0}, {}, {40, -40}, 4);
  EXPECT_EQ(r.spikes, (Spikes{{0, 0}, {0, 0}, {0, 0}, {0, 0}}));
  EXPECT_EQ(r.v, (std::vector<int32_t>{109, -110}));
}

TEST(CoreNstep, CubaLifTrace) {
  // dv = 2048 (halve), du = 1024 (x0.75), bias 2, vth 300, input 100:
  //  u: 100, 175, 231 (131.25 -> 131), 273 (173.25 -> 173)
  //  v: 102, 228 (51 + 175 + 2), 347 (114 + 231 + 2) -> spike -> 47,
  //     298 (23.5 -> 23, + 273 + 2) no spike
  sem::NeuronParams p{2048, 1024, 300, 0, 2};
  auto r = runNeurons(NeuronModel::CubaLIF, ResetMode::Subtract, p, {0}, {0}, {100}, 4);
  EXPECT_EQ(r.spikes, (Spikes{{0}, {0}, {1}, {0}}));
  EXPECT_EQ(r.v, (std::vector<int32_t>{298}));
  EXPECT_EQ(r.u, (std::vector<int32_t>{273}));
  auto z = runNeurons(NeuronModel::CubaLIF, ResetMode::Zero, p, {0}, {0}, {100}, 4);
  EXPECT_EQ(z.v, (std::vector<int32_t>{275}));  // 0 + 273 + 2
  auto val = runNeurons(NeuronModel::CubaLIF, ResetMode::ToValue, sem::NeuronParams{2048, 1024, 300, -10, 2},
                        {0}, {0}, {100}, 4);
  EXPECT_EQ(val.v, (std::vector<int32_t>{270}));  // -5 + 273 + 2
  auto none = runNeurons(NeuronModel::CubaLIF, ResetMode::None, p, {0}, {0}, {100}, 4);
  EXPECT_EQ(none.spikes, (Spikes{{0}, {0}, {1}, {1}}));
  EXPECT_EQ(none.v, (std::vector<int32_t>{448}));  // 173 + 273 + 2
}

TEST(CoreNstep, Saturates24Bits) {
  const int32_t kMax = (1 << 23) - 1, kMin = -(1 << 23);
  sem::NeuronParams p{0, 0, kMax, 0, 0};
  auto r = runNeurons(NeuronModel::IF, ResetMode::Zero, p, {kMax - 10, kMin + 5},
                      {}, {100, -100}, 1);
  EXPECT_EQ(r.v, (std::vector<int32_t>{kMax, kMin}));
  EXPECT_EQ(r.spikes, (Spikes{{0, 0}}));  // kMax is not > vth = kMax
  // subtract of a negative threshold saturates too
  sem::NeuronParams q{0, 0, -(1 << 22), 0, 0};
  auto s = runNeurons(NeuronModel::IF, ResetMode::Subtract, q, {kMax - 1}, {}, {0}, 1);
  EXPECT_EQ(s.v, (std::vector<int32_t>{kMax}));
  EXPECT_EQ(s.spikes, (Spikes{{1}}));
  // full decay and no decay
  auto full = runNeurons(NeuronModel::LIF, ResetMode::None, sem::NeuronParams{4096, 0, kMax, 0, 0},
                         {500}, {}, {0}, 1);
  EXPECT_EQ(full.v, (std::vector<int32_t>{0}));
  auto keep = runNeurons(NeuronModel::LIF, ResetMode::None, sem::NeuronParams{0, 0, kMax, 0, 0},
                         {500}, {}, {0}, 1);
  EXPECT_EQ(keep.v, (std::vector<int32_t>{500}));
}

// ------------------------------------------------------------------ messages

TEST(CoreMessages, SendCopiesAndCosts) {
  Rig rig;
  // 20 bytes, F = 8: 1 + 3 = 4 cycles
  rig.load({li(1, 9), li(2, 0x40), li(3, 20), send(1, 2, 3, 3), halt()},
           {DataSegment{0x40, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                               16, 17, 18, 19, 20, 21}}});
  uint64_t end = rig.run();
  ASSERT_EQ(rig.io.posts.size(), 1u);
  const auto &p = rig.io.posts[0];
  EXPECT_EQ(p.msg.kind, PacketKind::Message);
  EXPECT_FALSE(p.msg.mcast);
  EXPECT_EQ(p.msg.dest, 9u);
  EXPECT_EQ(p.msg.mailbox, 3);
  ASSERT_EQ(p.msg.payload.size(), 20u);
  EXPECT_EQ(p.msg.payload[0], 1);
  EXPECT_EQ(p.msg.payload[19], 20);
  EXPECT_EQ(p.readyCycle, 3u + 4);
  EXPECT_EQ(end, 3u + 4);
  EXPECT_EQ(rig.core.stats().sramReadBytes, 20u);
  EXPECT_EQ(rig.core.stats().messagesSent, 1u);
  EXPECT_EQ(rig.core.stats().stallCycles, 0u);
}

TEST(CoreMessages, SendStallsOnBusyOutbound) {
  for (bool sparse : {false, true}) {
    SCOPED_TRACE(sparse ? "sparse ticks" : "every cycle");
    Rig rig;
    rig.io.outboundFreeAt = 10;
    // empty message: 1 + 0 = 1 copy cycle; issued at 2, copies at 10
    rig.load({li(1, 0), li(2, 0), send(1, 2, 0, 0), halt()});
    uint64_t end;
    if (!sparse) {
      for (uint64_t c = 0; c < 6; ++c)
        rig.core.tick(c);
      EXPECT_EQ(rig.core.state(), CoreState::Blocked);
      EXPECT_EQ(rig.core.blockReason(), BlockReason::Outbound);
      EXPECT_EQ(rig.core.nextWake(), 6u);  // polls the NI every cycle
      EXPECT_EQ(rig.core.stats().stallCycles, 4u);  // cycles 2..5 so far
      EXPECT_EQ(rig.core.describe(),
                "core 0 (0,0) blocked on outbound buffer at pc 2: send r1, r2, r0, 0");
      EXPECT_TRUE(rig.io.posts.empty());
      rig.start = 6;
      end = rig.run();
    } else {
      end = rig.runSparse();
    }
    ASSERT_EQ(rig.io.posts.size(), 1u);
    EXPECT_EQ(rig.io.posts[0].readyCycle, 11u);
    EXPECT_EQ(end, 11u);
    EXPECT_EQ(rig.core.stats().stallCycles, 8u);  // cycles 2..9
    EXPECT_EQ(rig.core.stats().busyCycles, 4u);
  }
}

TEST(CoreMessages, BackToBackSendsWaitForDrain) {
  Rig rig;
  rig.io.drainCycles = 5;  // the NI needs 5 cycles after the copy to inject
  rig.load({li(3, 8), send(0, 0, 3, 0), send(0, 0, 3, 1), halt()});
  uint64_t end = rig.run();
  ASSERT_EQ(rig.io.posts.size(), 2u);
  EXPECT_EQ(rig.io.posts[0].readyCycle, 3u);   // issued 1, 1 + ceil(8/8)
  EXPECT_EQ(rig.io.posts[1].readyCycle, 10u);  // waits until 8, copies 2
  EXPECT_EQ(end, 10u);
  EXPECT_EQ(rig.core.stats().stallCycles, 5u);
  EXPECT_EQ(rig.core.stats().messagesSent, 2u);
}

TEST(CoreMessages, RecvBlocksThenCopies) {
  for (bool sparse : {false, true}) {
    SCOPED_TRACE(sparse ? "sparse ticks" : "every cycle");
    Rig rig;
    rig.io.deliver(2, 20, /*source=*/5, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
    rig.load({li(2, 0x80), recv(1, 2, 2), halt()});
    uint64_t end;
    if (!sparse) {
      for (uint64_t c = 0; c < 11; ++c)
        rig.core.tick(c);
      EXPECT_EQ(rig.core.state(), CoreState::Blocked);
      EXPECT_EQ(rig.core.blockReason(), BlockReason::Message);
      EXPECT_EQ(rig.core.blockedMailbox(), 2u);
      EXPECT_EQ(rig.core.nextWake(), std::numeric_limits<uint64_t>::max());
      EXPECT_EQ(rig.core.describe(),
                "core 0 (0,0) blocked on recv mailbox 2 at pc 1: recv r1, r2, 2");
      rig.start = 11;
      end = rig.run();
    } else {
      end = rig.runSparse({20});
    }
    ASSERT_EQ(rig.core.state(), CoreState::Halted) << rig.core.describe();
    EXPECT_EQ(rig.r(1), (5u << 16) | 10u);
    EXPECT_EQ(rig.core.sram()[0x80], 1);
    EXPECT_EQ(rig.core.sram()[0x89], 10);
    EXPECT_EQ(rig.core.sram()[0x8A], 0);
    EXPECT_EQ(end, 20u + 1 + 2);  // 1 + ceil(10 / 8)
    EXPECT_EQ(rig.core.stats().stallCycles, 19u);
    EXPECT_EQ(rig.core.stats().busyCycles, 1u + 3 + 1);
    EXPECT_EQ(rig.core.stats().sramWriteBytes, 10u);
    EXPECT_EQ(rig.core.stats().messagesReceived, 1u);
    EXPECT_EQ(rig.io.queued(2), 0u);
  }
}

TEST(CoreMessages, RecvInOrderAndEmptyMessage) {
  Rig rig;
  rig.io.deliver(0, 0, 3, {0xAA});
  rig.io.deliver(0, 0, 4, {});
  rig.load({li(2, 0x10), recv(1, 2, 0), li(2, -1), recv(3, 2, 0), halt()});
  rig.run();
  ASSERT_EQ(rig.core.state(), CoreState::Halted) << rig.core.describe();
  EXPECT_EQ(rig.r(1), (3u << 16) | 1u);
  EXPECT_EQ(rig.core.sram()[0x10], 0xAA);
  EXPECT_EQ(rig.r(3), 4u << 16);  // empty message at any address touches nothing
}

TEST(CoreMessages, RecvBadAddressLeavesMailbox) {
  const int32_t S = int32_t(smallChip().sramBytes);
  for (bool peek : {true, false}) {
    Rig rig;
    rig.io.supportsPeek = peek;
    rig.io.deliver(1, 3, 7, std::vector<uint8_t>(10, 0x55));
    rig.load({li(1, 77), li(2, S - 8), recv(1, 2, 1), halt()});
    rig.run();
    EXPECT_EQ(rig.core.state(), CoreState::Faulted);
    EXPECT_EQ(rig.core.faultCode(), sem::Fault::BadAddress);
    EXPECT_EQ(rig.core.pc(), 2u);
    EXPECT_EQ(rig.r(1), 77u);
    for (uint8_t b : rig.core.sram())
      ASSERT_EQ(b, 0);
    // With peek the message stays; an io without peek had to pop it first.
    EXPECT_EQ(rig.io.queued(1), peek ? 1u : 0u);
    EXPECT_EQ(rig.core.stats().messagesReceived, 0u);
    EXPECT_EQ(rig.core.stats().stallCycles, 1u);  // cycle 2 (visible at 3)
  }
}

TEST(CoreMessages, PollCountsVisible) {
  Rig rig;
  rig.io.deliver(3, 0, 1, {1});
  rig.io.deliver(3, 5, 1, {2});
  rig.io.deliver(3, 50, 1, {3});
  rig.load({poll(1, 3), nop(), nop(), nop(), nop(), poll(2, 3), poll(4, 0), halt()});
  rig.run();
  EXPECT_EQ(rig.r(1), 1u);
  EXPECT_EQ(rig.r(2), 2u);
  EXPECT_EQ(rig.r(4), 0u);
  EXPECT_EQ(rig.io.pops, 0u);
}

TEST(CoreMessages, Multicast) {
  Rig rig;
  rig.io.groups = {3};
  rig.load({li(1, 3), li(2, 0x20), li(3, 16), mcast(1, 2, 3, 1), halt()},
           {DataSegment{0x20, std::vector<uint8_t>(16, 9)}});
  uint64_t end = rig.run();
  ASSERT_EQ(rig.io.posts.size(), 1u);
  EXPECT_TRUE(rig.io.posts[0].msg.mcast);
  EXPECT_EQ(rig.io.posts[0].msg.dest, 3u);
  EXPECT_EQ(rig.io.posts[0].msg.mailbox, 1);
  EXPECT_EQ(rig.io.posts[0].msg.payload, std::vector<uint8_t>(16, 9));
  EXPECT_EQ(rig.io.posts[0].readyCycle, 3u + 3);
  EXPECT_EQ(end, 6u);
}

TEST(CoreMessages, Spawn) {
  Rig rig;
  rig.io.images = 3;
  rig.io.outboundFreeAt = 4;
  rig.load({li(1, 5), li(2, 0xABC), spawn(1, 2, 2), halt()});
  uint64_t end = rig.run();
  ASSERT_EQ(rig.io.posts.size(), 1u);
  const OutboundMessage &m = rig.io.posts[0].msg;
  EXPECT_EQ(m.kind, PacketKind::Spawn);
  EXPECT_EQ(m.dest, 5u);
  EXPECT_EQ(m.spawnImage, 2u);
  EXPECT_EQ(m.spawnArg, 0xABCu);
  EXPECT_TRUE(m.payload.empty());
  EXPECT_EQ(rig.io.posts[0].readyCycle, 6u);  // waits 2..3, then 2 cycles
  EXPECT_EQ(end, 6u);
  EXPECT_EQ(rig.core.stats().stallCycles, 2u);
  EXPECT_EQ(rig.core.stats().byClass[size_t(InstrClass::Message)], 1u);
}

// ------------------------------------------------------------------ barrier

TEST(CoreBarrier, ReleaseTiming) {
  for (bool sparse : {false, true}) {
    SCOPED_TRACE(sparse ? "sparse ticks" : "every cycle");
    Rig rig;
    rig.load({nop(), barrier(), csrr(1, 5), csrr(2, 6), halt()});
    rig.core.tick(0);
    rig.core.tick(1);
    ASSERT_EQ(rig.io.barrierArrivals, std::vector<uint64_t>{1});
    EXPECT_EQ(rig.core.state(), CoreState::Blocked);
    EXPECT_EQ(rig.core.blockReason(), BlockReason::Barrier);
    EXPECT_EQ(rig.core.nextWake(), std::numeric_limits<uint64_t>::max());
    EXPECT_EQ(rig.core.describe(), "core 0 (0,0) blocked on barrier at pc 1: barrier");
    if (!sparse)
      for (uint64_t c = 2; c < 8; ++c)
        rig.core.tick(c);
    rig.io.ts = 1;
    rig.core.releaseBarrier(12);  // called by the barrier unit before cycle 12
    EXPECT_EQ(rig.core.state(), CoreState::Running);
    EXPECT_EQ(rig.core.nextWake(), 12u);
    if (!sparse)
      for (uint64_t c = 8; c < 12; ++c)
        rig.core.tick(c);
    rig.start = 12;
    uint64_t end = sparse ? rig.runSparse() : rig.run();
    EXPECT_EQ(rig.r(1), 1u);
    EXPECT_EQ(rig.r(2), 13u);
    EXPECT_EQ(end, 14u);
    EXPECT_EQ(rig.core.stats().busyCycles, 5u);
    EXPECT_EQ(rig.core.stats().stallCycles, 10u);  // cycles 2..11
    EXPECT_EQ(rig.core.stats().byClass[size_t(InstrClass::Sync)], 1u);
  }
}

TEST(CoreBarrier, EarlyReleaseCostsOneCycle) {
  Rig rig;
  rig.load({barrier(), csrr(2, 6), halt()});
  rig.core.tick(0);
  rig.core.releaseBarrier(0);  // release condition already held
  EXPECT_EQ(rig.core.nextWake(), 1u);  // barrier costs at least one cycle
  rig.core.releaseBarrier(7);  // not blocked any more: ignored
  rig.start = 1;
  rig.run();
  EXPECT_EQ(rig.r(2), 1u);
  EXPECT_EQ(rig.core.stats().stallCycles, 0u);
}

// ------------------------------------------------------------------ lifecycle

TEST(CoreLifecycle, DescribeAndReboot) {
  ChipDescriptor chip = smallChip();
  Rig rig(chip, 5);
  EXPECT_EQ(rig.core.state(), CoreState::Idle);
  EXPECT_EQ(rig.core.describe(), "core 5 (1,1) idle");
  rig.core.tick(0);
  EXPECT_EQ(rig.core.state(), CoreState::Idle);
  rig.load({li(1, 4), halt()}, {}, 100);
  EXPECT_EQ(rig.core.describe(), "core 5 (1,1) running at pc 0: li r1, 4");
  EXPECT_EQ(rig.core.nextWake(), 100u);
  rig.core.tick(99);  // too early: nothing happens
  EXPECT_EQ(rig.core.pc(), 0u);
  EXPECT_EQ(rig.run(), 101u);
  EXPECT_EQ(rig.core.describe(), "core 5 (1,1) halted at pc 1: halt");
  // a spawn reboots a halted core: registers cleared, statistics kept
  rig.load({csrr(2, 7), halt()}, {}, 200, 17);
  EXPECT_EQ(rig.r(1), 0u);
  rig.run();
  EXPECT_EQ(rig.r(2), 17u);
  EXPECT_EQ(rig.core.stats().instructions, 4u);
  EXPECT_STREQ(coreStateName(CoreState::Faulted), "faulted");
}

TEST(CoreLifecycle, SparseTicksMatchEveryCycle) {
  auto program = std::vector<Instruction>{
      li(1, 10), li(2, 0x100), li(4, 20),
      // loop at 3
      rri(Opcode::Addi, 1, 1, -1), rrr(Opcode::Mul, 3, 1, 1),
      st(Opcode::Sw, 3, 2, 0), ld(Opcode::Lw, 5, 2, 0),
      v3(Opcode::Vfill, 2, 1, 4), br(Opcode::Bne, 1, 0, 3),
      csrr(6, 6), halt()};
  Rig dense, sparse;
  dense.load(program, {}, 7);
  sparse.load(program, {}, 7);
  uint64_t e1 = dense.run(), e2 = sparse.runSparse();
  EXPECT_EQ(e1, e2);
  // 3 + 10 * (1 + 2 + 1 + 2 + (2 + 2) + 2 taken / 1 last) - 1
  EXPECT_EQ(e1 - 7, 3u + 10 * 12 - 1 + 1);
  for (unsigned r = 0; r < 16; ++r)
    EXPECT_EQ(dense.r(r), sparse.r(r));
  EXPECT_EQ(dense.core.stats().busyCycles, sparse.core.stats().busyCycles);
  EXPECT_EQ(dense.core.stats().instructions, sparse.core.stats().instructions);
  EXPECT_EQ(dense.core.sram(), sparse.core.sram());
}

// ------------------------------------------------------------------ random

/// An independent reference for straight-line ALU code: registers only.
TEST(CoreRandom, AluDifferential) {
  static const Opcode kRR[] = {Opcode::Add, Opcode::Sub, Opcode::Mul, Opcode::Mulh,
                               Opcode::And, Opcode::Or, Opcode::Xor, Opcode::Shl,
                               Opcode::Shr, Opcode::Sra, Opcode::Slt, Opcode::Sltu,
                               Opcode::Min, Opcode::Max};
  static const Opcode kRI[] = {Opcode::Addi, Opcode::Muli, Opcode::Andi, Opcode::Ori,
                               Opcode::Xori, Opcode::Shli, Opcode::Shri, Opcode::Srai,
                               Opcode::Slti, Opcode::Li};
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    auto pickImm = [&]() -> int32_t {
      switch (rng() % 4) {
      case 0: return int32_t(rng() % 64) - 32;
      case 1: return int32_t(rng());
      case 2: {
        static const int32_t edges[] = {0, 1, -1, 31, 32, 33, 0x7FFFFFFF,
                                        int32_t(0x80000000), 0xFFFF, -65536};
        return edges[rng() % std::size(edges)];
      }
      default: return int32_t(rng() % 4096);
      }
    };
    std::vector<Instruction> prog;
    std::array<uint32_t, 16> ref{};
    uint64_t cycles = 0;
    auto exec = [&](const Instruction &i) {
      prog.push_back(i);
      const bool mul = i.op == Opcode::Mul || i.op == Opcode::Mulh || i.op == Opcode::Muli;
      cycles += mul ? 2 : 1;
      uint32_t v;
      if (info(i.op).format == Format::RdRsRs)
        v = sem::alu(i.op, ref[i.rs1], ref[i.rs2]);
      else
        v = sem::alu(i.op, ref[i.rs1], uint32_t(i.imm));
      if (i.rd != 0)
        ref[i.rd] = v;
    };
    for (unsigned r = 1; r < 16; ++r)
      exec(li(r, pickImm()));
    for (int k = 0; k < 300; ++k) {
      unsigned rd = rng() % 16, rs1 = rng() % 16, rs2 = rng() % 16;
      if (rng() % 2)
        exec(rrr(kRR[rng() % std::size(kRR)], rd, rs1, rs2));
      else {
        Opcode op = kRI[rng() % std::size(kRI)];
        exec(op == Opcode::Li ? li(rd, pickImm()) : rri(op, rd, rs1, pickImm()));
      }
    }
    prog.push_back(halt());
    Rig rig;
    rig.load(prog);
    uint64_t end = rig.run();
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    ASSERT_EQ(rig.core.state(), CoreState::Halted) << rig.core.describe();
    EXPECT_EQ(end, cycles);
    for (unsigned r = 0; r < 16; ++r)
      EXPECT_EQ(rig.r(r), ref[r]) << "r" << r;
    EXPECT_EQ(rig.core.stats().instructions, prog.size());
  }
}


// ------------------------------------------------------------------ assembler

TEST(CoreAssembled, LoopProgramFromAssembler) {
  const char *src = R"(
.image main
.core 1, 0
.data 0x100
vals: .word 3, -9, 12, 12, 5
.text
    li r1, vals
    li r2, 5
    vargmax r3, r1, r2
    li r4, 0
loop:
    addi r4, r4, 3
    addi r2, r2, -1
    bne r2, r0, loop
    csrr r5, coreid
    halt
)";
  ChipDescriptor chip = smallChip();
  auto exe = assemble(src, "loop.s", chip);
  ASSERT_TRUE(exe) << exe.error().message;
  ASSERT_EQ(exe->cores.size(), 1u);
  FakeIo io(chip.mailboxes);
  Core core(chip, exe->cores[0].core, io);
  core.boot(exe->images[exe->cores[0].image], 0, 0);
  uint64_t now = 0;
  while (core.state() == CoreState::Running && now < 1000)
    core.tick(now++);
  ASSERT_EQ(core.state(), CoreState::Halted) << core.describe();
  EXPECT_EQ(core.reg(3), 2u);   // first of the two maxima
  EXPECT_EQ(core.reg(4), 15u);
  EXPECT_EQ(core.reg(5), 1u);   // core (1, 0)
  // li, li, vargmax(2 + 1), li, 5 x (addi, addi) + 4 taken + 1 untaken, csrr
  EXPECT_EQ(now - 1, 1u + 1 + 3 + 1 + 10 + 4 * 2 + 1 + 1);
}

} // namespace
