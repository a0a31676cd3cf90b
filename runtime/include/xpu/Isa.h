// The XPU v0 instruction set: opcodes, encoding, operand formats, cycle costs.
//
// One definition shared by the assembler, the compiler's ISA emitter, the
// emulator and the RTL tests. The opcode list itself lives in Opcodes.def;
// docs/arch.md section "ISA" is the prose specification of this file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xpu {

/// Encoding (64-bit instruction word, stored little-endian in images):
///   [7:0] opcode  [11:8] rd  [15:12] rs1  [19:16] rs2  [23:20] rs3
///   [31:24] reserved, must be zero  [63:32] imm (two's complement int32)
namespace enc {
constexpr unsigned kOpcodeShift = 0, kRdShift = 8, kRs1Shift = 12,
                   kRs2Shift = 16, kRs3Shift = 20, kReservedShift = 24,
                   kImmShift = 32;
} // namespace enc

constexpr unsigned kNumRegisters = 16;      // r0 reads as zero, writes ignored
constexpr unsigned kInstructionBytes = 8;

enum class Opcode : uint8_t {
#define XPU_OPCODE(Name, Value, Mnemonic, Format, Class, Doc) Name = Value,
#include "xpu/Opcodes.def"
};

/// Operand syntax / meaningful fields. Unused fields must encode as zero.
enum class Format : uint8_t {
  None,     // op
  RdRsRs,   // op rd, rs1, rs2
  RdRsImm,  // op rd, rs1, imm
  RdImm,    // op rd, imm
  Load,     // op rd, imm(rs1)
  Store,    // op rs2, imm(rs1)
  Branch,   // op rs1, rs2, target
  Target,   // op target
  RdTarget, // op rd, target
  Rs,       // op rs1
  RdCsr,    // op rd, csr           (imm = CSR number)
  RdRsRsRs, // op rd, rs1, rs2, rs3
  RdRsRs3,  // op rd, rs1, rs3      (rs2 unused)
  Vreq,     // op rd, rs1, rs3, shift[, relu]   (imm = shift | relu<<8)
  Nstep,    // op rd, rs1, rs2, rs3, model, reset (imm = model | reset<<2)
  Send,     // op rs1, rs2, rs3, mailbox          (imm = mailbox)
  Recv,     // op rd, rs1, mailbox                (imm = mailbox)
  RdMbox,   // op rd, mailbox                     (imm = mailbox)
  Spawn,    // op rs1, rs2, image                 (imm = image index)
};

/// Instruction classes: cycle-cost rules, statistics and energy events.
enum class InstrClass : uint8_t {
  Control, Alu, Mul, Load, Store, Branch, Vector, Neuron, Message, Sync
};
constexpr unsigned kNumInstrClasses = 10;

struct OpcodeInfo {
  Opcode opcode;
  std::string_view mnemonic;
  Format format;
  InstrClass cls;
  std::string_view doc;
};

/// A decoded instruction. Register fields are 0..15.
struct Instruction {
  Opcode op = Opcode::Nop;
  uint8_t rd = 0, rs1 = 0, rs2 = 0, rs3 = 0;
  int32_t imm = 0;
  friend bool operator==(const Instruction &a, const Instruction &b) {
    return a.op == b.op && a.rd == b.rd && a.rs1 == b.rs1 && a.rs2 == b.rs2 &&
           a.rs3 == b.rs3 && a.imm == b.imm;
  }
};

/// Control/status registers readable with `csrr`.
enum class Csr : uint8_t {
  CoreId = 0,   // y * width + x
  X = 1,
  Y = 2,
  Width = 3,
  Height = 4,
  Timestep = 5, // barriers completed since start
  CycleLo = 6,  // low 32 bits of the core's cycle counter
  BootArg = 7,  // argument given by the spawn that booted this core (0 at load)
};
constexpr unsigned kNumCsrs = 8;

/// Neuron models and reset modes of `nstep` (imm = model | reset << 2).
enum class NeuronModel : uint8_t { IF = 0, LIF = 1, CubaLIF = 2, LI = 3 };
enum class ResetMode : uint8_t { Zero = 0, Subtract = 1, ToValue = 2, None = 3 };

/// Table lookups. `info` returns nullptr for an undefined opcode byte.
const OpcodeInfo *opcodeInfo(uint8_t opcodeByte);
const OpcodeInfo &info(Opcode op);
std::optional<Opcode> opcodeFromMnemonic(std::string_view mnemonic);
std::string_view className(InstrClass cls);

/// Which fields a format uses (unused ones must be zero in a valid encoding).
struct FieldUse { bool rd, rs1, rs2, rs3, imm; };
FieldUse fieldUse(Format format);

uint64_t encode(const Instruction &inst);
/// Decodes one instruction word; on failure returns nullopt and, if `error`
/// is given, says why (undefined opcode, reserved bits set, unused field set,
/// operand out of range).
std::optional<Instruction> decode(uint64_t word, std::string *error = nullptr);

/// Assembly syntax accepted by the assembler, e.g. "addi r1, r2, -5".
/// Branch/jump targets print as absolute instruction indices.
std::string disassemble(const Instruction &inst);

} // namespace xpu
