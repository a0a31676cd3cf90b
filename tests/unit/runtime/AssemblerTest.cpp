// The assembler: syntax, label resolution, directives and diagnostics
// (runtime/lib/Assembler.cpp, docs/assembly.md).
#include "xpu/Assembler.h"
#include "xpu/Isa.h"

#include <gtest/gtest.h>

using namespace xpu;

namespace {

ChipDescriptor chip2x2() {
  ChipDescriptor c;
  c.width = 2;
  c.height = 2;
  return c;
}

Executable ok(const std::string &src, ChipDescriptor chip = chip2x2()) {
  auto r = assemble(src, "t.s", chip);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : Executable{};
}

std::string err(const std::string &src, ChipDescriptor chip = chip2x2()) {
  auto r = assemble(src, "t.s", chip);
  EXPECT_FALSE(r) << "expected an error for:\n" << src;
  return r ? "" : r.error().message;
}

Instruction at(const Executable &e, size_t image, size_t pc) {
  auto d = decode(e.images.at(image).code.at(pc));
  EXPECT_TRUE(d);
  return d ? *d : Instruction{};
}

} // namespace

TEST(Assembler, EveryFormat) {
  Executable e = ok(R"(
.image main
.core 0, 0
start:
  nop
  add r1, r2, r3
  addi r1, r1, -5
  li r2, 0x10
  lw r3, 8(r2)
  sw r3, (r2)
  beq r1, r0, start
  jmp end
  jal r15, start
  jr r15
  csrr r4, timestep
  vdot r1, r2, r3, r4
  vcopy r1, r2, r3
  vreq r5, r6, r7, 7, relu
  nstep r1, r2, r3, r4, cuba, value
  send r1, r2, r3, 7
  mcast r1, r2, r3, 0
  recv r1, r2, 3
  poll r1, 2
  barrier
  spawn r1, r0, main
end:
  halt
)");
  ASSERT_EQ(e.images.size(), 1u);
  ASSERT_EQ(e.images[0].code.size(), 22u);
  EXPECT_EQ(at(e, 0, 1), (Instruction{Opcode::Add, 1, 2, 3, 0, 0}));
  EXPECT_EQ(at(e, 0, 2), (Instruction{Opcode::Addi, 1, 1, 0, 0, -5}));
  EXPECT_EQ(at(e, 0, 3), (Instruction{Opcode::Li, 2, 0, 0, 0, 16}));
  EXPECT_EQ(at(e, 0, 4), (Instruction{Opcode::Lw, 3, 2, 0, 0, 8}));
  EXPECT_EQ(at(e, 0, 5), (Instruction{Opcode::Sw, 0, 2, 3, 0, 0}));
  EXPECT_EQ(at(e, 0, 6), (Instruction{Opcode::Beq, 0, 1, 0, 0, 0}));
  EXPECT_EQ(at(e, 0, 7), (Instruction{Opcode::Jmp, 0, 0, 0, 0, 21})); // forward label
  EXPECT_EQ(at(e, 0, 10), (Instruction{Opcode::Csrr, 4, 0, 0, 0, 5}));
  EXPECT_EQ(at(e, 0, 13), (Instruction{Opcode::Vreq, 5, 6, 0, 7, 7 | 0x100}));
  EXPECT_EQ(at(e, 0, 14), (Instruction{Opcode::Nstep, 1, 2, 3, 4, 2 | 2 << 2}));
  EXPECT_EQ(at(e, 0, 15), (Instruction{Opcode::Send, 0, 1, 2, 3, 7}));
  EXPECT_EQ(at(e, 0, 20), (Instruction{Opcode::Spawn, 0, 1, 0, 0, 0}));
  EXPECT_EQ(e.cores.size(), 1u);
}

TEST(Assembler, DataLabelsEquAndCoreFunction) {
  Executable e = ok(R"(
.equ N, 4
.image a
.core 1, 1
  li r1, buf+N       ; data label plus constant
  li r2, core(1, 0)
  li r3, -N
  halt
.data 32
buf: .byte 1, -1, 255
     .align 4
tab: .word 0x01020304, tab
     .half -2
     .zero N
)");
  const ProgramImage &im = e.images[0];
  EXPECT_EQ(at(e, 0, 0).imm, 36);
  EXPECT_EQ(at(e, 0, 1).imm, 1);
  EXPECT_EQ(at(e, 0, 2).imm, -4);
  ASSERT_EQ(im.data.size(), 1u);
  EXPECT_EQ(im.data[0].address, 32u);
  const std::vector<uint8_t> expect = {1, 0xFF, 0xFF, 0, 4, 3, 2, 1, 36, 0, 0, 0, 0xFE, 0xFF, 0, 0, 0, 0};
  EXPECT_EQ(im.data[0].bytes, expect);
  EXPECT_EQ(e.cores[0].core, 3u);
}

TEST(Assembler, ImagesSparesGroupsMailboxesIo) {
  Executable e = ok(R"(
.image boss
.core 0, 0
.entry go
  nop
go: spawn r1, r0, worker
  halt
.image worker
.spare 1, 1
  halt
.group 3, (0,0), (1,0), (0,1), (1,1)
.mailbox 1, 0, 2, drop_oldest
.input x, 0, 0, 64, i8, 16
.output y, 1, 0, 128, i32, 4
)");
  ASSERT_EQ(e.images.size(), 2u);
  EXPECT_EQ(e.images[0].entry, 1u);
  EXPECT_EQ(at(e, 0, 1).imm, 1); // image index of worker
  EXPECT_EQ(e.spareCores, std::vector<uint32_t>{3});
  ASSERT_EQ(e.multicastGroups.size(), 1u);
  EXPECT_EQ(e.multicastGroups[0].id, 3u);
  EXPECT_EQ(e.multicastGroups[0].source, 0u);
  EXPECT_EQ(e.multicastGroups[0].destinations, (std::vector<uint32_t>{1, 2, 3}));
  ASSERT_EQ(e.mailboxPolicies.size(), 1u);
  EXPECT_EQ(e.mailboxPolicies[0].policy, MailboxPolicy::DropOldest);
  EXPECT_EQ(e.inputs[0].bytes, 16u);
  EXPECT_EQ(e.outputs[0].bytes, 16u);
  EXPECT_EQ(e.outputs[0].core, 1u);
  bool found = false;
  for (const Symbol &s : e.symbols)
    found |= s.name == "go" && s.image == 0 && s.value == 1;
  EXPECT_TRUE(found);
}

TEST(Assembler, LabelsAreLocalToTheirImage) {
  Executable e = ok(R"(
.image a
.core 0, 0
loop: jmp loop
.image b
.core 1, 0
  nop
loop: jmp loop
)");
  EXPECT_EQ(at(e, 0, 0).imm, 0);
  EXPECT_EQ(at(e, 1, 1).imm, 1);
}

struct ErrorCase {
  const char *source;
  const char *expected;
};

TEST(Assembler, DiagnosticsCarryLineAndColumn) {
  const ErrorCase cases[] = {
      {".image a\n  bogus r1\n", "t.s:2:3: error: unknown instruction 'bogus'"},
      {".image a\n  add r1, r2\n", "t.s:2:3: error: 'add' expects 3 operands (rd, rs1, rs2), got 2"},
      {".image a\n  add r1, r2, r16\n", "t.s:2:15: error: expected a register r0..r15, got 'r16'"},
      {".image a\n  jmp nowhere\n", "t.s:2:7: error: undefined symbol 'nowhere'"},
      {".image a\n  jmp 5\n", "branch target (an instruction of this image) must be in 0..0, got 5"},
      {".image a\n  send r1, r2, r3, 8\n", "t.s:2:20: error: mailbox (chip mailboxes) must be in 0..7, got 8"},
      {".image a\n  vreq r1, r2, r3, 32\n", "shift must be in 0..31, got 32"},
      {".image a\n  nstep r1, r2, r3, r4, lif, reset\n", "unknown reset mode 'reset'"},
      {".image a\n  nstep r1, r2, r3, r4, lof, zero\n", "unknown neuron model 'lof'"},
      {".image a\n.core 2, 0\n  halt\n", "t.s:2:7: error: x (mesh width) must be in 0..1, got 2"},
      {".image a\n.core 0, 0\n.core 0, 0\n  halt\n", "t.s:3:1: error: tile (0, 0) is already assigned at line 2"},
      {".image a\nx: halt\nx: halt\n", "t.s:3:1: error: label 'x' is already defined at line 2"},
      {"  halt\n", "t.s:1:3: error: 'halt' outside an image"},
      {".image a\n.data 0\n  halt\n", "instruction 'halt' in a .data section"},
      {".image a\n  halt\n.data 1\n.word 5\n", "'.word' at address 1 is not 4-byte aligned"},
      {".image a\n  halt\n.data 0\n.byte 300\n", "byte value must be in -128..255, got 300"},
      {".image a\n  halt\n.data 65532\n.word 1, 2\n", "t.s:4:1: error: data at 65532 of 8 bytes exceeds SRAM of 65536 bytes"},
      {".image a\n  halt\n.data 65535\n.half 1\n", "'.half' at address 65535 is not 2-byte aligned"},
      {".image a\n  halt\n.data 0\n.word 1\n.data 2\n.byte 1\n", "overlaps earlier data"},
      {".image a\n  halt\n.frob 1\n", "unknown directive '.frob'"},
      {".image a\n  halt\n.group 64, (0,0), (1,0)\n", "multicast group id (chip multicast_groups) must be in 0..63"},
      {".image a\n  halt\n.mailbox 0, 0, 0, sometimes\n", "unknown mailbox policy 'sometimes'"},
      {".image a\n  halt\n.input x, 0, 0, 65530, i32, 4\n", "exceeds SRAM"},
      {".image a\n  halt\n.input x, 0, 0, 0, f32, 4\n", "unknown dtype 'f32'"},
      {".image a\n  li r1, 1 +\n", "ends with an operator"},
      {".image a\n  li r1, 0x1g\n", "invalid number"},
      {".image a\n.entry nowhere\n  halt\n", "entry must be a code label of image 'a'"},
      {".image a\n.image a\n", "image 'a' is already defined"},
      {"", "no program image"},
      {".image a\n", "image 'a' has no instructions"},
      {".image a\n  lw r1, 4[r2]\n", "expected a memory operand offset(rN)"},
  };
  for (const ErrorCase &c : cases) {
    std::string m = err(c.source);
    EXPECT_NE(m.find(c.expected), std::string::npos) << "source:\n" << c.source << "\ngot: " << m
                                                     << "\nexpected: " << c.expected;
  }
}

TEST(Assembler, ReportsAllErrorsOfAFile) {
  std::string m = err(".image a\n  bogus\n  add r1\n  li r99, 1\n  halt\n");
  EXPECT_NE(m.find("t.s:2:"), std::string::npos) << m;
  EXPECT_NE(m.find("t.s:3:"), std::string::npos) << m;
  EXPECT_NE(m.find("t.s:4:"), std::string::npos) << m;
}

TEST(Assembler, ImemCapacityIsChecked) {
  ChipDescriptor c = chip2x2();
  c.imemInstructions = 16;
  std::string src = ".image a\n";
  for (int i = 0; i < 17; ++i) src += "  nop\n";
  EXPECT_NE(err(src, c).find("has 17 instructions; IMEM holds 16"), std::string::npos);
}

TEST(Assembler, DisassemblyReassemblesToTheSameWordForEveryOpcode) {
  // disassemble(decode(w)) is valid assembly for w: checked for every opcode
  // with edge operand values (r0, r15, INT32_MIN/MAX immediates, the last
  // instruction as a branch target).
  constexpr unsigned kProgram = 64;
  const int32_t imms[] = {0, 1, -1, INT32_MIN, INT32_MAX, 12345};
  std::vector<Instruction> insts;
  for (unsigned b = 0; b < 256; ++b) {
    const OpcodeInfo *oi = opcodeInfo(uint8_t(b));
    if (!oi) continue;
    FieldUse u = fieldUse(oi->format);
    for (int variant = 0; variant < 6; ++variant) {
      Instruction i;
      i.op = oi->opcode;
      uint8_t r = variant % 2 ? 15 : uint8_t(variant);
      if (u.rd) i.rd = r;
      if (u.rs1) i.rs1 = uint8_t(15 - r);
      if (u.rs2) i.rs2 = r;
      if (u.rs3) i.rs3 = uint8_t(15 - r);
      if (u.imm) {
        switch (oi->format) {
        case Format::RdCsr: i.imm = variant % int(kNumCsrs); break;
        case Format::Vreq: i.imm = (variant * 31 / 5) | (variant % 2) << 8; break;
        case Format::Nstep: i.imm = variant * 3 % 16; break;
        case Format::Branch: case Format::Target: case Format::RdTarget:
          i.imm = variant % 2 ? int32_t(kProgram - 1) : 0; break;
        case Format::Send: case Format::Recv: case Format::RdMbox: i.imm = variant % 2 ? 7 : 0; break;
        case Format::Spawn: i.imm = 0; break;
        default: i.imm = imms[variant]; break;
        }
      }
      insts.push_back(i);
    }
  }
  for (size_t start = 0; start < insts.size(); start += kProgram) {
    std::string src = ".image a\n.core 0, 0\n";
    std::vector<uint64_t> expect;
    for (size_t k = 0; k < kProgram; ++k) {
      Instruction i = start + k < insts.size() ? insts[start + k] : Instruction{Opcode::Nop};
      expect.push_back(encode(i));
      src += "  " + disassemble(i) + "\n";
    }
    Executable e = ok(src);
    ASSERT_EQ(e.images.size(), 1u);
    for (size_t k = 0; k < kProgram; ++k)
      EXPECT_EQ(e.images[0].code[k], expect[k]) << disassemble(*decode(expect[k]));
  }
}
