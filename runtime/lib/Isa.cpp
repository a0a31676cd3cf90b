// The XPU v0 opcode table, encoder, decoder and disassembler (Isa.h).
#include "xpu/Isa.h"
#include "xpu/Semantics.h"

#include <array>
#include <string>

namespace xpu {
namespace {

constexpr OpcodeInfo kOpcodes[] = {
#define XPU_OPCODE(Name, Value, Mnemonic, Fmt, Class, Doc)                     \
  {Opcode::Name, Mnemonic, Format::Fmt, InstrClass::Class, Doc},
#include "xpu/Opcodes.def"
};

/// opcode byte -> index into kOpcodes, or -1.
struct OpcodeIndex {
  std::array<int16_t, 256> index{};
  OpcodeIndex() {
    index.fill(-1);
    for (size_t i = 0; i < std::size(kOpcodes); ++i)
      index[static_cast<uint8_t>(kOpcodes[i].opcode)] = static_cast<int16_t>(i);
  }
};
const OpcodeIndex &opcodeIndex() {
  static const OpcodeIndex idx;
  return idx;
}

constexpr const char *kCsrNames[kNumCsrs] = {
    "coreid", "x", "y", "width", "height", "timestep", "cycle", "bootarg"};
constexpr const char *kModelNames[] = {"if", "lif", "cuba", "li"};
constexpr const char *kResetNames[] = {"zero", "subtract", "value", "none"};

std::string reg(unsigned r) { return "r" + std::to_string(r); }

} // namespace

const OpcodeInfo *opcodeInfo(uint8_t opcodeByte) {
  int16_t i = opcodeIndex().index[opcodeByte];
  return i < 0 ? nullptr : &kOpcodes[i];
}

const OpcodeInfo &info(Opcode op) {
  return *opcodeInfo(static_cast<uint8_t>(op));
}

std::optional<Opcode> opcodeFromMnemonic(std::string_view mnemonic) {
  for (const OpcodeInfo &i : kOpcodes)
    if (i.mnemonic == mnemonic)
      return i.opcode;
  return std::nullopt;
}

std::string_view className(InstrClass cls) {
  switch (cls) {
  case InstrClass::Control: return "control";
  case InstrClass::Alu: return "alu";
  case InstrClass::Mul: return "mul";
  case InstrClass::Load: return "load";
  case InstrClass::Store: return "store";
  case InstrClass::Branch: return "branch";
  case InstrClass::Vector: return "vector";
  case InstrClass::Neuron: return "neuron";
  case InstrClass::Message: return "message";
  case InstrClass::Sync: return "sync";
  }
  return "?";
}

FieldUse fieldUse(Format format) {
  //                      rd     rs1    rs2    rs3    imm
  switch (format) {
  case Format::None:     return {false, false, false, false, false};
  case Format::RdRsRs:   return {true,  true,  true,  false, false};
  case Format::RdRsImm:  return {true,  true,  false, false, true};
  case Format::RdImm:    return {true,  false, false, false, true};
  case Format::Load:     return {true,  true,  false, false, true};
  case Format::Store:    return {false, true,  true,  false, true};
  case Format::Branch:   return {false, true,  true,  false, true};
  case Format::Target:   return {false, false, false, false, true};
  case Format::RdTarget: return {true,  false, false, false, true};
  case Format::Rs:       return {false, true,  false, false, false};
  case Format::RdCsr:    return {true,  false, false, false, true};
  case Format::RdRsRsRs: return {true,  true,  true,  true,  false};
  case Format::RdRsRs3:  return {true,  true,  false, true,  false};
  case Format::Vreq:     return {true,  true,  false, true,  true};
  case Format::Nstep:    return {true,  true,  true,  true,  true};
  case Format::Send:     return {false, true,  true,  true,  true};
  case Format::Recv:     return {true,  true,  false, false, true};
  case Format::RdMbox:   return {true,  false, false, false, true};
  case Format::Spawn:    return {false, true,  true,  false, true};
  }
  return {false, false, false, false, false};
}

uint64_t encode(const Instruction &inst) {
  return uint64_t(static_cast<uint8_t>(inst.op)) << enc::kOpcodeShift |
         uint64_t(inst.rd & 0xF) << enc::kRdShift |
         uint64_t(inst.rs1 & 0xF) << enc::kRs1Shift |
         uint64_t(inst.rs2 & 0xF) << enc::kRs2Shift |
         uint64_t(inst.rs3 & 0xF) << enc::kRs3Shift |
         uint64_t(static_cast<uint32_t>(inst.imm)) << enc::kImmShift;
}

std::optional<Instruction> decode(uint64_t word, std::string *error) {
  auto fail = [&](std::string why) -> std::optional<Instruction> {
    if (error)
      *error = std::move(why);
    return std::nullopt;
  };
  const uint8_t opByte = uint8_t(word >> enc::kOpcodeShift);
  const OpcodeInfo *oi = opcodeInfo(opByte);
  if (!oi)
    return fail("undefined opcode 0x" + [&] {
      static const char *hex = "0123456789abcdef";
      return std::string{hex[opByte >> 4], hex[opByte & 15]};
    }());
  if ((word >> enc::kReservedShift) & 0xFF)
    return fail("reserved bits 31:24 are not zero");
  Instruction inst;
  inst.op = oi->opcode;
  inst.rd = uint8_t(word >> enc::kRdShift) & 0xF;
  inst.rs1 = uint8_t(word >> enc::kRs1Shift) & 0xF;
  inst.rs2 = uint8_t(word >> enc::kRs2Shift) & 0xF;
  inst.rs3 = uint8_t(word >> enc::kRs3Shift) & 0xF;
  inst.imm = static_cast<int32_t>(uint32_t(word >> enc::kImmShift));
  const FieldUse use = fieldUse(oi->format);
  const std::string m(oi->mnemonic);
  if (!use.rd && inst.rd) return fail(m + ": unused field rd is not zero");
  if (!use.rs1 && inst.rs1) return fail(m + ": unused field rs1 is not zero");
  if (!use.rs2 && inst.rs2) return fail(m + ": unused field rs2 is not zero");
  if (!use.rs3 && inst.rs3) return fail(m + ": unused field rs3 is not zero");
  if (!use.imm && inst.imm) return fail(m + ": unused field imm is not zero");
  // Operand ranges that the encoding alone does not bound.
  switch (oi->format) {
  case Format::RdCsr:
    if (inst.imm < 0 || inst.imm >= int32_t(kNumCsrs))
      return fail("csrr: no CSR " + std::to_string(inst.imm));
    break;
  case Format::Vreq:
    if (inst.imm & ~0x11F)
      return fail("vreq: immediate must be shift (0..31) | relu << 8");
    break;
  case Format::Nstep:
    if (inst.imm & ~0xF)
      return fail("nstep: immediate must be model | reset << 2");
    break;
  case Format::Branch: case Format::Target: case Format::RdTarget:
    if (inst.imm < 0)
      return fail(m + ": negative branch target");
    break;
  default:
    break;
  }
  return inst;
}

std::string disassemble(const Instruction &inst) {
  const OpcodeInfo &oi = info(inst.op);
  std::string s(oi.mnemonic);
  const std::string imm = std::to_string(inst.imm);
  auto memref = [&](unsigned base) { return imm + "(" + reg(base) + ")"; };
  switch (oi.format) {
  case Format::None: break;
  case Format::RdRsRs: s += " " + reg(inst.rd) + ", " + reg(inst.rs1) + ", " + reg(inst.rs2); break;
  case Format::RdRsImm: s += " " + reg(inst.rd) + ", " + reg(inst.rs1) + ", " + imm; break;
  case Format::RdImm: s += " " + reg(inst.rd) + ", " + imm; break;
  case Format::Load: s += " " + reg(inst.rd) + ", " + memref(inst.rs1); break;
  case Format::Store: s += " " + reg(inst.rs2) + ", " + memref(inst.rs1); break;
  case Format::Branch: s += " " + reg(inst.rs1) + ", " + reg(inst.rs2) + ", " + imm; break;
  case Format::Target: s += " " + imm; break;
  case Format::RdTarget: s += " " + reg(inst.rd) + ", " + imm; break;
  case Format::Rs: s += " " + reg(inst.rs1); break;
  case Format::RdCsr:
    s += " " + reg(inst.rd) + ", " +
         (inst.imm >= 0 && inst.imm < int32_t(kNumCsrs) ? kCsrNames[inst.imm] : imm);
    break;
  case Format::RdRsRsRs:
    s += " " + reg(inst.rd) + ", " + reg(inst.rs1) + ", " + reg(inst.rs2) + ", " + reg(inst.rs3);
    break;
  case Format::RdRsRs3: s += " " + reg(inst.rd) + ", " + reg(inst.rs1) + ", " + reg(inst.rs3); break;
  case Format::Vreq:
    s += " " + reg(inst.rd) + ", " + reg(inst.rs1) + ", " + reg(inst.rs3) + ", " +
         std::to_string(inst.imm & 0xFF);
    if (inst.imm & 0x100)
      s += ", relu";
    break;
  case Format::Nstep:
    s += " " + reg(inst.rd) + ", " + reg(inst.rs1) + ", " + reg(inst.rs2) + ", " + reg(inst.rs3) +
         ", " + kModelNames[inst.imm & 3] + ", " + kResetNames[(inst.imm >> 2) & 3];
    break;
  case Format::Send:
    s += " " + reg(inst.rs1) + ", " + reg(inst.rs2) + ", " + reg(inst.rs3) + ", " + imm;
    break;
  case Format::Recv: s += " " + reg(inst.rd) + ", " + reg(inst.rs1) + ", " + imm; break;
  case Format::RdMbox: s += " " + reg(inst.rd) + ", " + imm; break;
  case Format::Spawn: s += " " + reg(inst.rs1) + ", " + reg(inst.rs2) + ", " + imm; break;
  }
  return s;
}

namespace sem {
const char *faultName(Fault f) {
  switch (f) {
  case Fault::None: return "none";
  case Fault::IllegalInstruction: return "IllegalInstruction";
  case Fault::PcOutOfRange: return "PcOutOfRange";
  case Fault::BadAddress: return "BadAddress";
  case Fault::Misaligned: return "Misaligned";
  case Fault::BadMailbox: return "BadMailbox";
  case Fault::BadMessage: return "BadMessage";
  case Fault::BadDestination: return "BadDestination";
  case Fault::BadGroup: return "BadGroup";
  case Fault::BadNeuronParams: return "BadNeuronParams";
  case Fault::MailboxOverflow: return "MailboxOverflow";
  case Fault::BadSpawn: return "BadSpawn";
  }
  return "?";
}
} // namespace sem

} // namespace xpu
