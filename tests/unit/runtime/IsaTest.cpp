// Encoding, decoding and disassembly of every opcode (runtime/lib/Isa.cpp).
#include "xpu/Isa.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

using namespace xpu;

namespace {

std::vector<const OpcodeInfo *> allOpcodes() {
  std::vector<const OpcodeInfo *> v;
  for (unsigned b = 0; b < 256; ++b)
    if (const OpcodeInfo *oi = opcodeInfo(uint8_t(b)))
      v.push_back(oi);
  return v;
}

/// A random instruction that is valid for its format.
Instruction randomValid(const OpcodeInfo &oi, std::mt19937 &rng) {
  Instruction i;
  i.op = oi.opcode;
  FieldUse u = fieldUse(oi.format);
  auto r = [&] { return uint8_t(rng() & 15); };
  if (u.rd) i.rd = r();
  if (u.rs1) i.rs1 = r();
  if (u.rs2) i.rs2 = r();
  if (u.rs3) i.rs3 = r();
  if (u.imm) {
    switch (oi.format) {
    case Format::RdCsr: i.imm = int32_t(rng() % kNumCsrs); break;
    case Format::Vreq: i.imm = int32_t(rng() % 32) | int32_t(rng() & 1) << 8; break;
    case Format::Nstep: i.imm = int32_t(rng() & 15); break;
    case Format::Branch: case Format::Target: case Format::RdTarget: i.imm = int32_t(rng() & 0xFFFF); break;
    default: i.imm = int32_t(rng()); break;
    }
  }
  return i;
}

} // namespace

TEST(Isa, OpcodeTableIsConsistent) {
  std::set<std::string_view> mnemonics;
  auto ops = allOpcodes();
  EXPECT_EQ(ops.size(), 58u);
  for (const OpcodeInfo *oi : ops) {
    EXPECT_TRUE(mnemonics.insert(oi->mnemonic).second) << oi->mnemonic;
    EXPECT_EQ(opcodeFromMnemonic(oi->mnemonic), oi->opcode);
    EXPECT_EQ(&info(oi->opcode), oi);
  }
  EXPECT_FALSE(opcodeFromMnemonic("bogus"));
  EXPECT_EQ(opcodeInfo(0x02), nullptr);
  EXPECT_EQ(opcodeInfo(0xFF), nullptr);
}

TEST(Isa, EncodingFieldPositions) {
  Instruction i{Opcode::Vdot, 1, 2, 3, 4, 0};
  EXPECT_EQ(encode(i), 0x0000000000432150ull);
  Instruction j{Opcode::Addi, 15, 14, 0, 0, -1};
  EXPECT_EQ(encode(j), 0xFFFFFFFF0000EF20ull);
}

TEST(Isa, RoundTripEveryOpcodeRandomOperands) {
  std::mt19937 rng(1234);
  for (const OpcodeInfo *oi : allOpcodes())
    for (int k = 0; k < 200; ++k) {
      Instruction i = randomValid(*oi, rng);
      std::string why;
      auto d = decode(encode(i), &why);
      ASSERT_TRUE(d) << oi->mnemonic << ": " << why;
      EXPECT_EQ(*d, i) << oi->mnemonic;
    }
}

TEST(Isa, DecodeRejectsMalformedWords) {
  std::string why;
  EXPECT_FALSE(decode(0x02, &why));
  EXPECT_NE(why.find("undefined opcode 0x02"), std::string::npos) << why;
  EXPECT_FALSE(decode(0x01ull | 1ull << 24, &why)); // reserved bits
  EXPECT_NE(why.find("reserved"), std::string::npos);
  EXPECT_FALSE(decode(0x01ull | 1ull << 8, &why));  // halt with rd set
  EXPECT_NE(why.find("unused field rd"), std::string::npos) << why;
  EXPECT_FALSE(decode(encode({Opcode::Add, 1, 2, 3, 0, 0}) | 5ull << 32, &why)); // imm unused
  EXPECT_NE(why.find("unused field imm"), std::string::npos) << why;
  EXPECT_FALSE(decode(encode({Opcode::Csrr, 1, 0, 0, 0, 8}), &why));
  EXPECT_FALSE(decode(encode({Opcode::Vreq, 1, 2, 0, 3, 0x200}), &why));
  EXPECT_FALSE(decode(encode({Opcode::Nstep, 1, 2, 3, 4, 16}), &why));
  EXPECT_FALSE(decode(encode({Opcode::Jmp, 0, 0, 0, 0, -1}), &why));
  EXPECT_TRUE(decode(encode({Opcode::Halt, 0, 0, 0, 0, 0}), &why));
}

TEST(Isa, Disassembly) {
  EXPECT_EQ(disassemble({Opcode::Addi, 1, 2, 0, 0, -5}), "addi r1, r2, -5");
  EXPECT_EQ(disassemble({Opcode::Lw, 3, 2, 0, 0, 8}), "lw r3, 8(r2)");
  EXPECT_EQ(disassemble({Opcode::Sw, 0, 2, 3, 0, 0}), "sw r3, 0(r2)");
  EXPECT_EQ(disassemble({Opcode::Csrr, 1, 0, 0, 0, 0}), "csrr r1, coreid");
  EXPECT_EQ(disassemble({Opcode::Vreq, 1, 2, 0, 3, 7 | 0x100}), "vreq r1, r2, r3, 7, relu");
  EXPECT_EQ(disassemble({Opcode::Nstep, 1, 2, 3, 4, 1 | 1 << 2}), "nstep r1, r2, r3, r4, lif, subtract");
  EXPECT_EQ(disassemble({Opcode::Send, 0, 1, 2, 3, 4}), "send r1, r2, r3, 4");
  EXPECT_EQ(disassemble({Opcode::Barrier, 0, 0, 0, 0, 0}), "barrier");
  EXPECT_EQ(disassemble({Opcode::Bne, 0, 1, 0, 0, 7}), "bne r1, r0, 7");
}

TEST(Isa, FieldUseMatchesDisassemblySyntaxForEveryFormat) {
  // Every register a format uses must appear in its disassembly: a format
  // whose table entry and printer disagree would lose operands.
  for (const OpcodeInfo *oi : allOpcodes()) {
    Instruction i{oi->opcode, 11, 12, 13, 14, 0};
    FieldUse u = fieldUse(oi->format);
    if (!u.rd) i.rd = 0;
    if (!u.rs1) i.rs1 = 0;
    if (!u.rs2) i.rs2 = 0;
    if (!u.rs3) i.rs3 = 0;
    std::string s = disassemble(i);
    EXPECT_EQ(s.find("r11") != std::string::npos, u.rd) << s;
    EXPECT_EQ(s.find("r12") != std::string::npos, u.rs1) << s;
    EXPECT_EQ(s.find("r13") != std::string::npos, u.rs2) << s;
    EXPECT_EQ(s.find("r14") != std::string::npos, u.rs3) << s;
  }
}
