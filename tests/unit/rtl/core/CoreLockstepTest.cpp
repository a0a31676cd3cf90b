// Lockstep tests of the Verilated xpu_core against emu::Core: every
// instruction (directed, with faults and edge values), decode of random
// words, a seeded random-instruction stream, and the injected addi bug.
#include "CoreLockstep.h"
#include "CoreProgramGen.h"

#include "Vxpu_core.h"
#include "Vxpu_core___024root.h" // the public_flat_rd memories the harness compares
#include "Vxpu_core_bug_addi.h"
#include "Vxpu_core_bug_addi___024root.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <set>

using namespace xpu;
using namespace xpu::rtl::core;

namespace {

constexpr int32_t S = 4096; // coreChip().sramBytes

std::vector<uint8_t> patternSram(uint32_t seed = 7) {
  std::vector<uint8_t> m(S);
  std::mt19937 rng(seed);
  for (auto &b : m)
    b = uint8_t(rng());
  return m;
}

/// Opcodes present in the code of the directed programs (coverage check).
std::set<uint8_t> &covered() {
  static std::set<uint8_t> s;
  return s;
}

/// Runs one program in lockstep and fails the test on a divergence.
RunResult lockstep(CoreLockstep<Vxpu_core> &ls, const Program &p, const Script &s = {}) {
  for (uint64_t w : p.code)
    covered().insert(uint8_t(w));
  RunResult r = ls.run(p, s);
  EXPECT_FALSE(r.divergence) << (r.divergence ? r.divergence->report : "");
  return r;
}

/// Directed tests: each is a gtest case and is also run by EveryOpcodeCovered
/// (ctest runs every case in its own process, so coverage cannot rely on the
/// other cases having run before it).
std::vector<void (*)()> &directed() {
  static std::vector<void (*)()> v;
  return v;
}
#define DIRECTED(Name)                                                                           \
  void Name##Body();                                                                             \
  TEST(RtlCoreLockstep, Name) { Name##Body(); }                                                  \
  [[maybe_unused]] const bool Name##Registered = (directed().push_back(&Name##Body), true);      \
  void Name##Body()

const int64_t kEdges[] = {0, 1, -1, 2, 31, 32, 33, INT32_MAX, INT32_MIN, 0x12345678, -5, 0xFFFF};

// ---------------------------------------------------------------- ALU / MUL

DIRECTED(AluRegisterRegisterEdgeValues) {
  CoreLockstep<Vxpu_core> ls;
  const Opcode ops[] = {Opcode::Add, Opcode::Sub, Opcode::Mul, Opcode::Mulh, Opcode::And,
                        Opcode::Or, Opcode::Xor, Opcode::Shl, Opcode::Shr, Opcode::Sra,
                        Opcode::Slt, Opcode::Sltu, Opcode::Min, Opcode::Max};
  for (Opcode o : ops) {
    Asm a;
    for (int64_t x : kEdges)
      for (int64_t y : kEdges)
        a.li(1, x).li(2, y).rr(o, 3, 1, 2).rr(o, 0, 1, 2).rr(o, 4, 3, 3);
    a.halt();
    auto r = lockstep(ls, program(a));
    EXPECT_EQ(r.finalState, emu::CoreState::Halted);
  }
}

DIRECTED(AluImmediateEdgeValues) {
  CoreLockstep<Vxpu_core> ls;
  const Opcode ops[] = {Opcode::Addi, Opcode::Muli, Opcode::Andi, Opcode::Ori, Opcode::Xori,
                        Opcode::Shli, Opcode::Shri, Opcode::Srai, Opcode::Slti, Opcode::Li};
  for (Opcode o : ops) {
    Asm a;
    for (int64_t x : kEdges)
      for (int64_t y : kEdges) {
        a.li(1, x);
        if (o == Opcode::Li)
          a.li(3, y);
        else
          a.ri(o, 3, 1, int32_t(y));
      }
    a.halt();
    auto r = lockstep(ls, program(a));
    EXPECT_EQ(r.finalState, emu::CoreState::Halted);
  }
}

DIRECTED(CsrAndControl) {
  CoreLockstep<Vxpu_core> ls;
  Asm a;
  a.op(Opcode::Nop);
  for (int c = 0; c < 8; ++c)
    a.op(Opcode::Csrr, 1 + c, 0, 0, 0, c);
  a.op(Opcode::Barrier).op(Opcode::Csrr, 9, 0, 0, 0, 5).op(Opcode::Csrr, 10, 0, 0, 0, 6);
  a.op(Opcode::Barrier).op(Opcode::Barrier).op(Opcode::Csrr, 11, 0, 0, 0, 5).halt();
  Program p = program(a);
  p.bootArg = 0xDEADBEEF;
  Script s;
  s.barrierDelay = [](unsigned k) { return k == 1 ? 1 : 9; };
  auto r = lockstep(ls, p, s);
  EXPECT_EQ(r.finalState, emu::CoreState::Halted);
  EXPECT_EQ(ls.lastModelRegs()[8], 0xDEADBEEFu);
  EXPECT_EQ(ls.lastModelRegs()[11], 3u);
}

// ---------------------------------------------------------------- memory

DIRECTED(LoadsAndStores) {
  CoreLockstep<Vxpu_core> ls;
  Asm a;
  const Opcode loads[] = {Opcode::Lb, Opcode::Lbu, Opcode::Lh, Opcode::Lhu, Opcode::Lw};
  const int32_t addrs[] = {0, 4, 8, 0x80, S - 4, S - 8, 1000};
  a.li(1, 0x80FF7F01).li(2, -1).li(5, S);
  for (int32_t ad : addrs) {
    a.li(3, ad);
    for (Opcode o : loads)
      a.load(o, 4, 3, 0).load(o, 6, 5, ad - S);
    a.store(Opcode::Sb, 1, 3, 1).store(Opcode::Sh, 1, 3, 2).store(Opcode::Sw, 2, 3, 0)
        .store(Opcode::Sw, 1, 3, 0).load(Opcode::Lw, 7, 3, 0).load(Opcode::Lb, 8, 3, 3);
  }
  a.halt();
  auto r = lockstep(ls, program(a, patternSram()));
  EXPECT_EQ(r.finalState, emu::CoreState::Halted);
}

DIRECTED(MemoryFaults) {
  CoreLockstep<Vxpu_core> ls;
  struct Case {
    Opcode op;
    int32_t off;
    sem::Fault f;
  };
  const Case cases[] = {
      {Opcode::Lw, S, sem::Fault::BadAddress},     {Opcode::Lw, S - 2, sem::Fault::BadAddress},
      {Opcode::Lb, -1, sem::Fault::BadAddress},    {Opcode::Lh, S - 1, sem::Fault::BadAddress},
      {Opcode::Lbu, S, sem::Fault::BadAddress},    {Opcode::Lhu, S + 2, sem::Fault::BadAddress},
      {Opcode::Sb, S, sem::Fault::BadAddress},     {Opcode::Sh, S, sem::Fault::BadAddress},
      {Opcode::Sw, S - 3, sem::Fault::BadAddress}, {Opcode::Lw, 2, sem::Fault::Misaligned},
      {Opcode::Lh, 1, sem::Fault::Misaligned},     {Opcode::Lhu, 3, sem::Fault::Misaligned},
      {Opcode::Sh, 5, sem::Fault::Misaligned},     {Opcode::Sw, 6, sem::Fault::Misaligned},
      {Opcode::Lw, INT32_MIN, sem::Fault::BadAddress},
  };
  for (const Case &c : cases) {
    Asm a;
    a.li(2, 0x11223344);
    if (c.op >= Opcode::Sb)
      a.store(c.op, 2, 0, c.off);
    else
      a.load(c.op, 3, 0, c.off);
    a.halt();
    auto r = lockstep(ls, program(a, patternSram()));
    EXPECT_EQ(r.finalFault, c.f) << disassemble(ins(c.op, 3, 0, 2, 0, c.off));
  }
}

// ---------------------------------------------------------------- branches

DIRECTED(BranchesAndJumps) {
  CoreLockstep<Vxpu_core> ls;
  const Opcode brs[] = {Opcode::Beq, Opcode::Bne, Opcode::Blt, Opcode::Bge, Opcode::Bltu,
                        Opcode::Bgeu};
  const std::pair<int64_t, int64_t> pairs[] = {{0, 0}, {1, 2}, {2, 1}, {-1, 1}, {1, -1},
                                               {INT32_MIN, INT32_MAX}, {-1, -1}};
  Asm a;
  for (Opcode o : brs)
    for (auto [x, y] : pairs) {
      a.li(1, x).li(2, y);
      const uint32_t at = a.here();
      a.br(o, 1, 2, 0).ri(Opcode::Addi, 3, 3, 1); // skipped when taken
      a.patch(at, a.here());
      // a backward branch taken once: r4 counts to 2
      a.li(4, 0);
      const uint32_t top = a.here();
      a.ri(Opcode::Addi, 4, 4, 1).li(5, 2).br(Opcode::Blt, 4, 5, top);
    }
  const uint32_t j = a.here();
  a.op(Opcode::Jmp, 0, 0, 0, 0, 0);
  a.patch(j, a.here() + 1);
  a.op(Opcode::Nop); // skipped
  const uint32_t jl = a.here();
  a.op(Opcode::Jal, 6, 0, 0, 0, 0);
  a.patch(jl, a.here() + 1);
  a.op(Opcode::Nop);
  a.li(7, a.here() + 3).op(Opcode::Jr, 0, 7).op(Opcode::Nop).op(Opcode::Jal, 0, 0, 0, 0,
                                                               int32_t(a.here() + 2));
  a.halt().halt();
  auto r = lockstep(ls, program(a));
  EXPECT_EQ(r.finalState, emu::CoreState::Halted);

  // pc outside the code: jr far away, running off the end
  Asm b;
  b.li(1, 5000).op(Opcode::Jr, 0, 1);
  r = lockstep(ls, program(b));
  EXPECT_EQ(r.finalFault, sem::Fault::PcOutOfRange);
  Asm c;
  c.op(Opcode::Nop).op(Opcode::Nop);
  r = lockstep(ls, program(c));
  EXPECT_EQ(r.finalFault, sem::Fault::PcOutOfRange);
  Asm d;
  d.li(1, 1).op(Opcode::Jmp, 0, 0, 0, 0, 900); // inside IMEM, outside the code
  r = lockstep(ls, program(d));
  EXPECT_EQ(r.finalFault, sem::Fault::PcOutOfRange);
}

// ---------------------------------------------------------------- decode

DIRECTED(MalformedWordsFaultLikeDecode) {
  CoreLockstep<Vxpu_core> ls;
  std::mt19937_64 rng(11);
  std::vector<uint8_t> defined;
  for (unsigned b = 0; b < 256; ++b)
    if (opcodeInfo(uint8_t(b)))
      defined.push_back(uint8_t(b));
  unsigned illegal = 0, legal = 0;
  for (unsigned k = 0; k < 1500; ++k) {
    uint64_t w;
    const unsigned kind = k % 5;
    const uint8_t op = defined[rng() % defined.size()];
    if (kind == 0) { // any opcode byte, fields zero
      w = uint64_t(rng() % 256);
    } else if (kind == 1) { // defined opcode, one random field set
      const unsigned shift[] = {8, 12, 16, 20, 24, 32};
      w = op | uint64_t(1 + rng() % 15) << shift[rng() % 6];
    } else if (kind == 2) { // defined opcode, random immediate of interesting shape
      const uint64_t imms[] = {8, 7, 0x11F, 0x120, 0x100, 0xF, 0x10, 0x80000000, 0xFFFFFFFF, 31};
      w = op | imms[rng() % std::size(imms)] << 32;
    } else { // fully random fields on a defined opcode
      w = (rng() & ~0xFFull & ~(0xFFull << 24)) | op;
      if (rng() % 4 == 0)
        w |= uint64_t(rng() % 256) << 24;
    }
    // Execute it with harmless register values; a legal word may still fault
    // for other reasons (both sides must agree on which).
    Asm a;
    a.word(w).halt();
    Program p = program(a);
    Script s;
    s.maxCycles = 200;
    auto r = lockstep(ls, p, s);
    (r.finalFault == sem::Fault::IllegalInstruction ? illegal : legal)++;
    EXPECT_EQ(r.finalFault == sem::Fault::IllegalInstruction, !decode(w).has_value())
        << std::hex << w;
    if (::testing::Test::HasFailure())
      break;
  }
  EXPECT_GT(illegal, 300u);
  EXPECT_GT(legal, 300u);
}

// ---------------------------------------------------------------- vector

DIRECTED(VectorOps) {
  CoreLockstep<Vxpu_core> ls;
  const uint32_t ns[] = {0, 1, 3, 4, 5, 8, 13, 64};
  Asm a;
  for (uint32_t n : ns) {
    a.li(14, n).li(11, 2048).li(12, 1024).li(13, 1536);
    a.vec(Opcode::Vdot, 5, 12, 13, 14).vec(Opcode::Vmacs, 11, 12, 13, 14);
    a.li(13, -3).vec(Opcode::Vmacs, 11, 12, 13, 14).li(13, INT32_MIN).vec(Opcode::Vmacs, 11, 12, 13, 14);
    a.li(13, 1536).vec(Opcode::Vadd32, 11, 12, 13, 14).vec(Opcode::Vadd32, 12, 12, 12, 14);
    for (int32_t imm : {0, 1, 7, 31, 0x100, 0x108, 0x11F})
      a.vec(Opcode::Vreq, 11, 12, 0, 14, imm);
    a.vec(Opcode::Vreq, 12, 12, 0, 14, 3); // in place
    a.vec(Opcode::Vcopy, 11, 12, 0, 14);
    a.li(11, 2050).li(12, 2048).vec(Opcode::Vcopy, 11, 12, 0, 14);  // overlap, dst > src
    a.li(11, 2047).li(12, 2053).vec(Opcode::Vcopy, 11, 12, 0, 14);  // overlap, dst < src
    a.li(11, 2049).li(1, 0x1A5).vec(Opcode::Vfill, 11, 1, 0, 14);
    a.li(12, 1024).vec(Opcode::Vargmax, 6, 12, 0, 14);
  }
  // vargmax ties and negatives: first index of the maximum
  a.li(12, 3000).li(1, -7).li(2, 5);
  a.store(Opcode::Sw, 1, 12, 0).store(Opcode::Sw, 2, 12, 4).store(Opcode::Sw, 1, 12, 8)
      .store(Opcode::Sw, 2, 12, 12);
  a.li(14, 4).vec(Opcode::Vargmax, 7, 12, 0, 14);
  a.store(Opcode::Sw, 1, 12, 4).store(Opcode::Sw, 1, 12, 12).vec(Opcode::Vargmax, 8, 12, 0, 14);
  a.halt();
  auto r = lockstep(ls, program(a, patternSram(3)));
  EXPECT_EQ(r.finalState, emu::CoreState::Halted);
  EXPECT_EQ(ls.lastModelRegs()[7], 1u);
  EXPECT_EQ(ls.lastModelRegs()[8], 0u);
}

DIRECTED(VectorFaults) {
  CoreLockstep<Vxpu_core> ls;
  struct Case {
    std::vector<std::pair<unsigned, int64_t>> regs; // r1 dst, r2 src1, r3 src2/scalar, r4 n
    Instruction inst;
    sem::Fault f;
  };
  auto v4 = [](Opcode o) { return ins(o, 1, 2, 3, 4); };
  auto v3 = [](Opcode o) { return ins(o, 1, 2, 0, 4); };
  const Case cases[] = {
      {{{2, S - 4}, {4, 5}}, ins(Opcode::Vdot, 5, 2, 3, 4), sem::Fault::BadAddress},
      {{{3, S - 2}, {4, 3}}, ins(Opcode::Vdot, 5, 2, 3, 4), sem::Fault::BadAddress},
      {{{1, 2}, {3, 1}, {4, 1}}, v4(Opcode::Vmacs), sem::Fault::Misaligned},
      {{{1, S - 4}, {4, 2}}, v4(Opcode::Vmacs), sem::Fault::BadAddress},
      {{{2, S}, {1, 2}, {4, 1}}, v4(Opcode::Vmacs), sem::Fault::BadAddress},
      {{{2, 4}, {3, 6}, {4, 1}}, v4(Opcode::Vadd32), sem::Fault::Misaligned},
      {{{2, 4}, {3, S}, {4, 1}}, v4(Opcode::Vadd32), sem::Fault::BadAddress},
      {{{1, S}, {2, 2}, {4, 1}}, v4(Opcode::Vadd32), sem::Fault::BadAddress},
      {{{2, 1}, {4, 1}}, ins(Opcode::Vreq, 1, 2, 0, 4, 3), sem::Fault::Misaligned},
      {{{1, S - 1}, {4, 2}}, ins(Opcode::Vreq, 1, 2, 0, 4, 0), sem::Fault::BadAddress},
      {{{2, S - 3}, {4, 4}}, v3(Opcode::Vcopy), sem::Fault::BadAddress},
      {{{1, S - 3}, {4, 4}}, v3(Opcode::Vcopy), sem::Fault::BadAddress},
      {{{1, 10}, {4, -1}}, v3(Opcode::Vfill), sem::Fault::BadAddress},
      {{{2, 2}, {4, 1}}, v3(Opcode::Vargmax), sem::Fault::Misaligned},
      {{{2, S - 8}, {4, 3}}, v3(Opcode::Vargmax), sem::Fault::BadAddress},
      {{{2, S - 8}, {4, 0x40000002}}, v3(Opcode::Vargmax), sem::Fault::BadAddress}, // 4n wraps 32 bits
      {{{1, S + 1}, {2, S + 3}, {4, 0}}, v4(Opcode::Vadd32), sem::Fault::None},    // n = 0 never faults
  };
  for (const Case &c : cases) {
    Asm a;
    for (auto [r, v] : c.regs)
      a.li(r, v);
    a.word(encode(c.inst)).halt();
    auto r = lockstep(ls, program(a, patternSram()));
    EXPECT_EQ(r.finalFault, c.f) << disassemble(c.inst);
  }
}

TEST(RtlCoreLockstep, KnownDifferencePartialOverlapInsideOneChunk) {
  // docs/rtl.md "Core": lanes of one chunk read SRAM as it was at the start
  // of the cycle, the model element by element. vmacs with rd == rs1: element
  // 1 reads byte a+1, which element 0's word has just overwritten in the
  // model. The RTL differs here, and only here; arch.md should make such
  // overlaps implementation-defined (see /work/notes/rtl-core.md).
  CoreLockstep<Vxpu_core> ls;
  Asm a;
  // i32[2048] = 5, scale 256: element 0 writes 5 + 5 * 256 = 0x505, so byte
  // 2049 (element 1's multiplier) is 5 in the model and still 0 in the RTL.
  a.li(1, 2048).li(5, 5).store(Opcode::Sw, 5, 1, 0).li(3, 256).li(4, 4);
  a.vec(Opcode::Vmacs, 1, 1, 3, 4).halt();
  RunResult r = ls.run(program(a, patternSram()), Script{});
  ASSERT_TRUE(r.divergence);
  EXPECT_EQ(r.divergence->what, "SRAM byte 2053") << r.divergence->report;
  // the same op on disjoint regions, and in place with one element per chunk, agree
  Asm b;
  b.li(1, 2048).li(2, 1024).li(3, 3).li(4, 4).vec(Opcode::Vmacs, 1, 2, 3, 4)
      .li(4, 1).vec(Opcode::Vmacs, 1, 1, 3, 4).halt();
  lockstep(ls, program(b, patternSram()));
}

// ---------------------------------------------------------------- nstep

void writeWord(std::vector<uint8_t> &m, uint32_t at, int32_t v) {
  for (int k = 0; k < 4; ++k)
    m[at + k] = uint8_t(uint32_t(v) >> (8 * k));
}

DIRECTED(NeuronStepAllModelsAndResets) {
  CoreLockstep<Vxpu_core> ls;
  std::mt19937 rng(5);
  for (uint32_t model = 0; model < 4; ++model)
    for (uint32_t reset = 0; reset < 4; ++reset)
      for (uint32_t n : {0u, 1u, 4u, 7u}) {
        std::vector<uint8_t> m = patternSram(model * 16 + reset);
        const uint32_t st = 3000, in = 1024, out = 2500;
        const int32_t params[][5] = {{0, 0, 100, -50, 3}, {4096, 4096, -1, 7, -9},
                                     {1000, 300, 8000000, 8388607, 100000}};
        const auto &pp = params[(model + reset + n) % 3];
        for (int k = 0; k < 5; ++k)
          writeWord(m, st + 4 * k, pp[k]);
        const int32_t vals[] = {0, 1, -1, 8388607, -8388608, 8388608, INT32_MAX, INT32_MIN, 5000};
        for (uint32_t i = 0; i < 2 * n; ++i)
          writeWord(m, st + 20 + 4 * i, vals[rng() % std::size(vals)]);
        for (uint32_t i = 0; i < n; ++i)
          writeWord(m, in + 4 * i, vals[rng() % std::size(vals)]);
        Asm a;
        a.li(1, out).li(2, st).li(3, in).li(4, n);
        for (int rep = 0; rep < 3; ++rep)
          a.vec(Opcode::Nstep, 1, 2, 3, 4, int32_t(model | reset << 2));
        a.halt();
        auto r = lockstep(ls, program(a, m));
        EXPECT_EQ(r.finalState, emu::CoreState::Halted) << model << " " << reset << " " << n;
      }
}

DIRECTED(NeuronStepFaults) {
  CoreLockstep<Vxpu_core> ls;
  struct Case {
    int32_t dv, du;
    uint32_t st, in, out, n;
    uint32_t imm;
    sem::Fault f;
  };
  const Case cases[] = {
      {4097, 0, 3000, 1024, 2500, 2, 1, sem::Fault::BadNeuronParams},
      {0, -1, 3000, 1024, 2500, 2, 2, sem::Fault::BadNeuronParams},
      {4097, 0, 3000, 1024, 2500, 0, 1, sem::Fault::None},          // n = 0: nothing checked
      {4097, 0, 3002, 1024, 2500, 2, 1, sem::Fault::Misaligned},    // memory before params
      {0, 0, 3000, 1026, 2500, 2, 1, sem::Fault::Misaligned},
      {0, 0, 4000, 1024, 2500, 20, 2, sem::Fault::BadAddress},      // u[] past the end (cuba)
      {0, 0, 4000, 1024, 2500, 12, 1, sem::Fault::None},            // ... fits without u[]
      {4097, 0, 3000, 1024, S - 1, 2, 0, sem::Fault::BadAddress},
  };
  for (const Case &c : cases) {
    std::vector<uint8_t> m = patternSram();
    if (c.st % 4 == 0 && c.st + 8 <= uint32_t(S)) {
      writeWord(m, c.st, c.dv);
      writeWord(m, c.st + 4, c.du);
    }
    Asm a;
    a.li(1, c.out).li(2, c.st).li(3, c.in).li(4, c.n).vec(Opcode::Nstep, 1, 2, 3, 4, int32_t(c.imm));
    a.halt();
    auto r = lockstep(ls, program(a, m));
    EXPECT_EQ(r.finalFault, c.f) << c.st << " " << c.n;
  }
}

// ---------------------------------------------------------------- messages

Script messagesScript() {
  Script s;
  s.groupSources = {1, 3};
  s.images = 2;
  s.drain = 2;
  s.outboundBusy = {{40, 55}};
  std::mt19937 rng(9);
  const uint64_t at[] = {0, 0, 30, 31, 90, 200};
  const uint32_t len[] = {5, 0, 64, 8, 17, 1};
  for (int k = 0; k < 6; ++k) {
    ScriptMessage m;
    m.mbox = uint32_t(k % 2) * 3;
    m.visibleAt = at[k];
    m.source = uint32_t(k + 1);
    m.payload.resize(len[k]);
    for (auto &b : m.payload)
      b = uint8_t(rng());
    s.messages.push_back(m);
  }
  return s;
}

DIRECTED(SendMcastSpawnRecvPoll) {
  CoreLockstep<Vxpu_core> ls;
  Asm a;
  a.li(1, 8).li(2, 100).li(3, 0).op(Opcode::Send, 0, 1, 2, 3, 0);         // empty
  a.li(3, 5).op(Opcode::Send, 0, 1, 2, 3, 3);
  a.li(3, 64).li(1, 4).op(Opcode::Send, 0, 1, 2, 3, 1);                    // to itself, max length
  a.li(1, 1).li(3, 24).op(Opcode::Mcast, 0, 1, 2, 3, 2);                   // 4 flits = buffer depth
  a.li(1, 3).li(3, 9).op(Opcode::Mcast, 0, 1, 2, 3, 0);
  a.li(1, 7).li(5, 0xABCD).op(Opcode::Spawn, 0, 1, 5, 0, 1);
  for (int k = 0; k < 6; ++k)                                              // outbound busy 40..55
    a.li(1, k).li(3, k * 3).op(Opcode::Send, 0, 1, 2, 3, 0);
  a.op(Opcode::Poll, 6, 0, 0, 0, 0).op(Opcode::Poll, 7, 0, 0, 0, 3);
  a.li(8, 500).op(Opcode::Recv, 9, 8, 0, 0, 0).op(Opcode::Recv, 10, 8, 0, 0, 3);
  a.op(Opcode::Recv, 11, 8, 0, 0, 0).op(Opcode::Recv, 12, 8, 0, 0, 3);
  a.li(8, S - 17).op(Opcode::Recv, 13, 8, 0, 0, 0);                        // exactly fits
  a.op(Opcode::Recv, 13, 8, 0, 0, 3).op(Opcode::Poll, 14, 0, 0, 0, 1);     // waits until 200
  a.halt();
  auto r = lockstep(ls, program(a, patternSram(4)), messagesScript());
  EXPECT_EQ(r.finalState, emu::CoreState::Halted);
  EXPECT_EQ(ls.lastPosts().size(), 12u);
}

DIRECTED(MessageFaultsAndPrecedence) {
  CoreLockstep<Vxpu_core> ls;
  struct Case {
    std::vector<std::pair<unsigned, int64_t>> regs; // r1 dest/group, r2 addr, r3 len
    Instruction inst;
    sem::Fault f;
  };
  const Case cases[] = {
      {{{1, 9}, {3, 1}}, ins(Opcode::Send, 0, 1, 2, 3, 9), sem::Fault::BadDestination},
      {{{1, 8}, {3, 65}}, ins(Opcode::Send, 0, 1, 2, 3, 4), sem::Fault::BadMailbox},
      {{{1, 8}, {2, S}, {3, 65}}, ins(Opcode::Send, 0, 1, 2, 3, 0), sem::Fault::BadMessage},
      {{{1, 8}, {2, S - 4}, {3, 5}}, ins(Opcode::Send, 0, 1, 2, 3, 0), sem::Fault::BadAddress},
      {{{1, 8}, {2, S + 4}, {3, 0}}, ins(Opcode::Send, 0, 1, 2, 3, 0), sem::Fault::None},
      {{{1, 2}, {3, 1}}, ins(Opcode::Mcast, 0, 1, 2, 3, 7), sem::Fault::BadGroup},
      {{{1, 100}, {3, 1}}, ins(Opcode::Mcast, 0, 1, 2, 3, 0), sem::Fault::BadGroup},
      {{{1, 1}, {3, 25}}, ins(Opcode::Mcast, 0, 1, 2, 3, 9), sem::Fault::BadMailbox},
      {{{1, 1}, {3, 25}}, ins(Opcode::Mcast, 0, 1, 2, 3, 0), sem::Fault::BadMessage},
      {{{1, 3}, {2, S - 2}, {3, 24}}, ins(Opcode::Mcast, 0, 1, 2, 3, 0), sem::Fault::BadAddress},
      {{{1, 9}}, ins(Opcode::Spawn, 0, 1, 2, 0, 2), sem::Fault::BadSpawn},
      {{{1, 9}}, ins(Opcode::Spawn, 0, 1, 2, 0, 1), sem::Fault::BadDestination},
      {{{1, -1}}, ins(Opcode::Spawn, 0, 1, 2, 0, -1), sem::Fault::BadSpawn},
      {{{2, 100}}, ins(Opcode::Recv, 1, 2, 0, 0, 4), sem::Fault::BadMailbox},
      {{{2, S - 4}}, ins(Opcode::Recv, 1, 2, 0, 0, 0), sem::Fault::BadAddress}, // 5-byte message
      {{}, ins(Opcode::Poll, 1, 0, 0, 0, 4), sem::Fault::BadMailbox},
  };
  for (const Case &c : cases) {
    Asm a;
    for (auto [r, v] : c.regs)
      a.li(r, v);
    a.word(encode(c.inst)).halt();
    auto r = lockstep(ls, program(a), messagesScript());
    EXPECT_EQ(r.finalFault, c.f) << disassemble(c.inst);
  }
}

DIRECTED(BarrierAndNiFault) {
  CoreLockstep<Vxpu_core> ls;
  Asm a;
  for (int k = 0; k < 5; ++k)
    a.op(Opcode::Barrier).op(Opcode::Csrr, 1 + k, 0, 0, 0, 5);
  a.op(Opcode::Barrier).halt();
  Script s;
  s.barrierDelay = [](unsigned k) { return std::array<uint64_t, 6>{1, 2, 30, 1, 5, 3}[k % 6]; };
  auto r = lockstep(ls, program(a), s);
  EXPECT_EQ(r.finalState, emu::CoreState::Halted);
  EXPECT_EQ(ls.lastModelRegs()[5], 5u);

  // the NI raises MailboxOverflow while the core waits in a barrier / runs
  for (uint64_t at : {3ull, 20ull}) {
    Asm b;
    b.op(Opcode::Barrier);
    const uint32_t top = b.here();
    b.ri(Opcode::Addi, 1, 1, 1).op(Opcode::Jmp, 0, 0, 0, 0, int32_t(top));
    Script f;
    f.barrierDelay = [](unsigned) { return 10; };
    f.niFaults = {{at, sem::Fault::MailboxOverflow}, {at + 2, sem::Fault::BadMessage}};
    f.maxCycles = 100;
    r = lockstep(ls, program(b), f);
    EXPECT_EQ(r.finalFault, sem::Fault::MailboxOverflow);
  }
}

TEST(RtlCoreLockstep, EveryOpcodeCovered) {
  covered().clear();
  for (auto *body : directed())
    body();
  std::vector<std::string> missing;
#define XPU_OPCODE(Name, Value, Mnemonic, Format, Class, Doc)                                     \
  if (!covered().count(Value))                                                                    \
    missing.push_back(Mnemonic);
#include "xpu/Opcodes.def"
  EXPECT_TRUE(missing.empty()) << "opcodes without a directed case: "
                               << ::testing::PrintToString(missing);
}

// ---------------------------------------------------------------- random stream

uint64_t envOr(const char *name, uint64_t def) {
  const char *v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : def;
}

TEST(RtlCoreLockstep, RandomInstructionStream) {
  const uint64_t target = envOr("XPU_RTL_CORE_INSTRUCTIONS", 120000);
  CoreLockstep<Vxpu_core> ls;
  uint64_t instructions = 0, cycles = 0, compares = 0, programs = 0, faulted = 0;
  std::map<std::string, unsigned> faults; // how the programs ended
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t seed = 1; instructions < target; ++seed) {
    RandomProgramGen gen(seed);
    auto [p, s] = gen.make();
    RunResult r = ls.run(p, s);
    ASSERT_FALSE(r.divergence) << "seed " << seed << "\n" << r.divergence->report;
    ASSERT_TRUE(r.finalState == emu::CoreState::Halted || r.finalState == emu::CoreState::Faulted)
        << "seed " << seed << " did not finish in " << s.maxCycles << " cycles";
    instructions += r.instructions;
    cycles += r.cycles;
    compares += r.stateCompares;
    faulted += r.finalState == emu::CoreState::Faulted;
    ++faults[sem::faultName(r.finalFault)];
    ++programs;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("random stream: %llu programs (%llu ended in a fault), %llu instructions, %llu cycles, "
              "%llu cycles with registers+SRAM compared; %.2f s, %.0f lockstep cycles/s\n",
              (unsigned long long)programs, (unsigned long long)faulted,
              (unsigned long long)instructions, (unsigned long long)cycles,
              (unsigned long long)compares, secs, cycles / secs);
  for (auto &[name, count] : faults)
    std::printf("  ended with fault %s: %u\n", name.c_str(), count);
  EXPECT_GE(instructions, target);
  EXPECT_LT(faulted, programs); // most programs run to their halt
}

// ---------------------------------------------------------------- injected bug

Program bugProgram() {
  Asm a;
  a.li(1, 5).ri(Opcode::Addi, 2, 1, 3).op(Opcode::Nop).ri(Opcode::Addi, 3, 1, -2).halt();
  return program(a);
}

TEST(RtlCoreLockstep, BugScenarioPassesOnCorrectRtl) {
  CoreLockstep<Vxpu_core> ls;
  auto r = lockstep(ls, bugProgram());
  EXPECT_EQ(ls.lastModelRegs()[3], 3u);
}

TEST(RtlCoreLockstep, InjectedAddiBugCaughtAtRightCycle) {
  CoreLockstep<Vxpu_core_bug_addi> ls;
  RunResult r = ls.run(bugProgram(), Script{});
  ASSERT_TRUE(r.divergence);
  const Divergence &d = *r.divergence;
  std::printf("%s", d.report.c_str());
  // li @0, addi (positive imm, correct) @1, nop @2, addi r3, r1, -2 @3
  EXPECT_EQ(d.cycle, 3u);
  EXPECT_EQ(d.what, "register r3");
  EXPECT_EQ(d.expected, "r3 = 0x3");
  EXPECT_EQ(d.actual, "r3 = 0x4");
  EXPECT_NE(d.report.find("addi r3, r1, -2"), std::string::npos);
}

TEST(RtlCoreLockstep, InjectedAddiBugCaughtByRandomStream) {
  CoreLockstep<Vxpu_core_bug_addi> ls;
  bool caught = false;
  for (uint64_t seed = 1; seed <= 5 && !caught; ++seed) {
    auto [p, s] = RandomProgramGen(seed).make();
    RunResult r = ls.run(p, s);
    if (r.divergence) {
      caught = true;
      std::printf("seed %llu:\n%s", (unsigned long long)seed, r.divergence->report.c_str());
      EXPECT_NE(r.divergence->report.find("addi"), std::string::npos);
    }
  }
  EXPECT_TRUE(caught);
}

// ---------------------------------------------------------------- speed

TEST(RtlCoreAlone, Speed) {
  // RTL only: a vector/ALU loop, no model, no comparison.
  const uint64_t cycles = envOr("XPU_RTL_CORE_ALONE_CYCLES", 300000);
  CoreLockstep<Vxpu_core> ls;
  Asm a;
  a.li(1, 0).li(11, 2048).li(12, 1024).li(14, 16);
  const uint32_t top = a.here();
  a.ri(Opcode::Addi, 1, 1, 1).rr(Opcode::Mul, 2, 1, 1).load(Opcode::Lw, 3, 12, 8)
      .store(Opcode::Sw, 2, 11, 4).vec(Opcode::Vdot, 4, 12, 11, 14)
      .op(Opcode::Jmp, 0, 0, 0, 0, int32_t(top));
  Program p = program(a, patternSram());
  Script s;
  s.maxCycles = 10; // boots both sides and checks the first cycles
  auto r = lockstep(ls, p, s);
  auto &m = ls.rtl();
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t t = 0; t < cycles; ++t) {
    m.cycle_i = uint32_t(t);
    m.clk_i = 0;
    m.eval();
    m.clk_i = 1;
    m.eval();
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("core RTL alone: %llu cycles in %.3f s = %.0f cycles/s (pc %u)\n",
              (unsigned long long)cycles, secs, cycles / secs, unsigned(m.pc_o));
  EXPECT_EQ(m.state_o, 1u); // still running its loop
}

} // namespace
