// Bit-exact arithmetic of the XPU v0 ISA and its cycle-cost rules.
//
// Pure functions, header-only, no state: the emulator's core, the RTL test
// benches and the compiler's reference executor call these so that all three
// agree bit for bit. docs/arch.md states the same rules in prose.
#pragma once

#include "xpu/Isa.h"

#include <algorithm>
#include <cstdint>

namespace xpu::sem {

// ---------------------------------------------------------------- numerics

constexpr int32_t kMembraneMin = -(1 << 23);     // 24-bit membrane/current
constexpr int32_t kMembraneMax = (1 << 23) - 1;
constexpr int32_t kDecayOne = 4096;              // decays are d / 4096
constexpr unsigned kDecayShift = 12;

/// Saturate to the signed 24-bit range used for membrane potential and current.
constexpr int32_t sat24(int64_t x) {
  return static_cast<int32_t>(std::clamp<int64_t>(x, kMembraneMin, kMembraneMax));
}

/// x * (4096 - d) / 4096 rounded toward minus infinity (arithmetic shift).
/// Requires 0 <= d <= 4096 (checked by the caller: it is a fault otherwise).
constexpr int64_t decay(int32_t x, int32_t d) {
  return (static_cast<int64_t>(x) * (kDecayOne - d)) >> kDecayShift;
}

/// int32 -> int8 requantisation of `vreq`: round half up, then clamp to
/// [-128, 127], or to [0, 127] when relu is set. shift is 0..31.
constexpr int8_t requantise(int32_t x, unsigned shift, bool relu) {
  int64_t y = x;
  if (shift > 0)
    y = (y + (int64_t(1) << (shift - 1))) >> shift;
  return static_cast<int8_t>(std::clamp<int64_t>(y, relu ? 0 : -128, 127));
}

/// Parameter block at the start of an `nstep` state area (five int32 words,
/// followed by v[N] and, for CubaLIF only, u[N]).
struct NeuronParams {
  int32_t dv = 0;      // voltage decay, 0..4096 (0 = no leak)
  int32_t du = 0;      // current decay, 0..4096 (CubaLIF only)
  int32_t vth = 0;     // threshold: spike when v > vth
  int32_t vReset = 0;  // value for ResetMode::ToValue
  int32_t bias = 0;    // added to v every step
};
constexpr unsigned kNeuronParamBytes = 20;

constexpr bool validNeuronParams(const NeuronParams &p) {
  return p.dv >= 0 && p.dv <= kDecayOne && p.du >= 0 && p.du <= kDecayOne;
}

/// One neuron, one step. Updates v (and u for CubaLIF); returns the spike.
constexpr bool neuronStep(NeuronModel model, ResetMode reset,
                          const NeuronParams &p, int32_t &v, int32_t &u,
                          int32_t input) {
  switch (model) {
  case NeuronModel::CubaLIF:
    u = sat24(decay(u, p.du) + input);
    v = sat24(decay(v, p.dv) + u + p.bias);
    break;
  case NeuronModel::LIF:
  case NeuronModel::LI:
    v = sat24(decay(v, p.dv) + input + p.bias);
    break;
  case NeuronModel::IF:
    v = sat24(int64_t(v) + input + p.bias);
    break;
  }
  if (model == NeuronModel::LI || v <= p.vth)
    return false;
  switch (reset) {
  case ResetMode::Zero: v = 0; break;
  case ResetMode::Subtract: v = sat24(int64_t(v) - p.vth); break;
  case ResetMode::ToValue: v = sat24(p.vReset); break;
  case ResetMode::None: break;
  }
  return true;
}

// ---------------------------------------------------------------- scalar ops

/// Result of a register-register or register-immediate ALU/MUL opcode.
constexpr uint32_t alu(Opcode op, uint32_t a, uint32_t b) {
  const int32_t sa = static_cast<int32_t>(a), sb = static_cast<int32_t>(b);
  switch (op) {
  case Opcode::Add: case Opcode::Addi: return a + b;
  case Opcode::Sub: return a - b;
  case Opcode::Mul: case Opcode::Muli: return a * b;
  case Opcode::Mulh:
    return static_cast<uint32_t>((int64_t(sa) * int64_t(sb)) >> 32);
  case Opcode::And: case Opcode::Andi: return a & b;
  case Opcode::Or: case Opcode::Ori: return a | b;
  case Opcode::Xor: case Opcode::Xori: return a ^ b;
  case Opcode::Shl: case Opcode::Shli: return a << (b & 31);
  case Opcode::Shr: case Opcode::Shri: return a >> (b & 31);
  case Opcode::Sra: case Opcode::Srai:
    return static_cast<uint32_t>(sa >> (b & 31));
  case Opcode::Slt: case Opcode::Slti: return sa < sb;
  case Opcode::Sltu: return a < b;
  case Opcode::Min: return static_cast<uint32_t>(std::min(sa, sb));
  case Opcode::Max: return static_cast<uint32_t>(std::max(sa, sb));
  case Opcode::Li: return b;
  default: return 0;
  }
}

constexpr bool branchTaken(Opcode op, uint32_t a, uint32_t b) {
  const int32_t sa = static_cast<int32_t>(a), sb = static_cast<int32_t>(b);
  switch (op) {
  case Opcode::Beq: return a == b;
  case Opcode::Bne: return a != b;
  case Opcode::Blt: return sa < sb;
  case Opcode::Bge: return sa >= sb;
  case Opcode::Bltu: return a < b;
  case Opcode::Bgeu: return a >= b;
  case Opcode::Jmp: case Opcode::Jal: case Opcode::Jr: return true;
  default: return false;
  }
}

// ---------------------------------------------------------------- faults

/// Why a core stopped abnormally. A faulted core stays stopped; the fault,
/// PC and instruction are reported by the backend.
enum class Fault : uint8_t {
  None = 0,
  IllegalInstruction, // undefined opcode or malformed encoding
  PcOutOfRange,       // pc outside the loaded code
  BadAddress,         // SRAM access outside [0, sram_bytes)
  Misaligned,         // lh/lw/sh/sw, 4-byte vector operands not aligned
  BadMailbox,         // mailbox index >= mailboxes
  BadMessage,         // length > max_message_bytes, or multicast too long
  BadDestination,     // destination core id outside the mesh
  BadGroup,           // multicast group not routed from this core
  BadNeuronParams,    // decay outside 0..4096, model/reset encoding invalid
  MailboxOverflow,    // a message arrived at a full mailbox with policy error
  BadSpawn,           // image index out of range
};
const char *faultName(Fault f);

// ---------------------------------------------------------------- costs

constexpr uint32_t ceilDiv(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

/// Cycles of a vector op over n elements (bytes for vcopy/vfill).
constexpr uint32_t vectorCycles(uint32_t n, uint32_t lanes) {
  return 2 + ceilDiv(n, lanes);
}
constexpr uint32_t neuronCycles(uint32_t n, uint32_t lanes, NeuronModel m) {
  return 2 + ceilDiv(n, lanes) * (m == NeuronModel::CubaLIF ? 2 : 1);
}
/// Flits of a packet carrying `bytes` of payload: one head plus the body.
constexpr uint32_t packetFlits(uint32_t bytes, uint32_t flitBytes) {
  return 1 + ceilDiv(bytes, flitBytes);
}
/// Cycles `send`/`mcast` spend copying the payload into the NI (after any
/// stall waiting for the NI's outbound buffer), and `recv` spends copying a
/// message out of the mailbox (after any stall waiting for one).
constexpr uint32_t messageCopyCycles(uint32_t bytes, uint32_t flitBytes) {
  return 1 + ceilDiv(bytes, flitBytes);
}

/// Fixed cycle cost of instructions whose cost does not depend on operands.
inline uint32_t fixedCycles(Opcode op) {
  switch (info(op).cls) {
  case InstrClass::Control: return 1;
  case InstrClass::Alu: return 1;
  case InstrClass::Mul: return 2;
  case InstrClass::Load: return 2;
  case InstrClass::Store: return 1;
  case InstrClass::Sync: return 1;
  default: break;
  }
  switch (op) {
  case Opcode::Poll: return 1;
  case Opcode::Spawn: return 2;
  default: return 0; // operand-dependent: see the functions above
  }
}
/// Branches cost 1 cycle when not taken and 2 when taken (jumps always 2).
constexpr uint32_t branchCycles(bool taken) { return taken ? 2 : 1; }

} // namespace xpu::sem
