// What the SystemC emulator derives from an RTL tile's status ports
// (state_o, block_o, fault_o, pc_o), shared by the RTL core + NI tile
// (RtlCoreNiTile.h) and the whole RTL tile (RtlWholeMeshTile.h): the
// model's status line, its cycle accounting, its stall spans, and the
// statistics the ports cannot provide.
#pragma once

#include "xpu/Executable.h"
#include "xpu/Isa.h"
#include "xpu/Semantics.h"
#include "xpu/emu/Core.h"
#include "xpu/emu/NetworkInterface.h"
#include "xpu/emu/Trace.h"

#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace xpu::rtl {

/// Statistics keys an RTL core + NI tile cannot measure: the SRAM, vector
/// and neuron counters need operand values the tile's ports do not carry,
/// energy is computed from them, and delivered messages and rejected spawns
/// are not counted by the RTL NI. Instructions, by_class and messages
/// sent / received follow from retire_o / retire_pc_o (countRetire), the
/// dropped totals from the NI's dropped_*_o (readDropped).
inline const std::vector<std::string_view> &rtlCoreNiUnavailable() {
  static const std::vector<std::string_view> keys = {
      "sram_read_bytes",    "sram_write_bytes", "vector_macs", "neuron_updates",
      "messages_delivered", "spawn_rejected",   "energy_pj"};
  return keys;
}

/// emu::Core::complete's counters for the instruction xpu_core retired
/// (retire_o) at `pc` of `image`, the image the core last booted:
/// instructions and by_class, plus messages_sent for a send / mcast and
/// messages_received for a recv (the model counts both when they complete;
/// a spawn is no message).
inline void countRetire(emu::CoreStats &s, const ProgramImage *image, uint32_t pc) {
  const std::optional<Instruction> inst =
      image && pc < image->code.size() ? decode(image->code[pc]) : std::nullopt;
  if (!inst) // retire_o never rises for an illegal or out-of-code fetch (a fault)
    throw std::logic_error("RTL core retired pc " + std::to_string(pc) +
                           " which is no instruction of its image");
  ++s.instructions;
  ++s.byClass[size_t(info(inst->op).cls)];
  if (inst->op == Opcode::Send || inst->op == Opcode::Mcast)
    ++s.messagesSent;
  else if (inst->op == Opcode::Recv)
    ++s.messagesReceived;
}

/// NiStats::dropped from the NI's counters (dropped_newest_o, ...), read
/// after an edge.
template <class Model> void readDropped(emu::NiStats &n, const Model &m) {
  n.dropped[size_t(MailboxPolicy::DropNewest)] = m.dropped_newest_o;
  n.dropped[size_t(MailboxPolicy::DropOldest)] = m.dropped_oldest_o;
  n.dropped[size_t(MailboxPolicy::Error)] = m.dropped_error_o;
}

/// emu::Core::describe()'s line from the status outputs; the mailbox of a
/// blocked recv is the recv's immediate, read from `image` (the image the
/// core last booted, nullptr if none).
inline std::string describeRtlCore(const ChipDescriptor &chip, uint32_t id, emu::CoreState st,
                                   emu::BlockReason block, sem::Fault fault, uint32_t pc,
                                   const ProgramImage *image) {
  std::ostringstream os;
  os << "core " << id << " (" << chip.coreX(id) << "," << chip.coreY(id) << ") ";
  const std::vector<uint64_t> *code = image ? &image->code : nullptr;
  std::optional<Instruction> inst;
  if (code && pc < code->size())
    inst = decode((*code)[pc]);
  switch (st) {
  case emu::CoreState::Idle: os << "idle"; return os.str();
  case emu::CoreState::Running: os << "running"; break;
  case emu::CoreState::Halted: os << "halted"; break;
  case emu::CoreState::Faulted: os << "faulted (" << sem::faultName(fault) << ")"; break;
  case emu::CoreState::Blocked:
    switch (block) {
    case emu::BlockReason::Outbound: os << "blocked on outbound buffer"; break;
    case emu::BlockReason::Message:
      os << "blocked on recv mailbox " << (inst ? uint32_t(inst->imm) : 0u);
      break;
    case emu::BlockReason::Barrier: os << "blocked on barrier"; break;
    default: os << "blocked"; break;
    }
    break;
  }
  os << " at pc " << pc << ": ";
  if (!code || pc >= code->size())
    os << "<outside code of " << (code ? code->size() : 0) << " instructions>";
  else if (inst)
    os << disassemble(*inst);
  else
    os << "<illegal 0x" << std::hex << (*code)[pc] << std::dec << ">";
  return os.str();
}

/// The model's cycle accounting (CoreStats busy / stall) for one cycle, from
/// the state before and after its edge: busy while running (an instruction
/// issuing or still executing) and in the cycle a halt or a barrier arrival
/// issues; stalled while blocked otherwise (a recv or send that cannot
/// proceed stalls from its first cycle). A spawned core's boot window
/// (state_o running while the boot ROM works) is neither, as in the model.
inline void accountRtlCycle(emu::CoreStats &s, emu::CoreState before, emu::CoreState after,
                            emu::BlockReason afterBlock, bool booting) {
  if (booting)
    return;
  const bool issuedBlocking =
      before == emu::CoreState::Running &&
      (after == emu::CoreState::Halted ||
       (after == emu::CoreState::Blocked && afterBlock == emu::BlockReason::Barrier));
  if (after == emu::CoreState::Running || issuedBlocking)
    ++s.busyCycles;
  else if (after == emu::CoreState::Blocked)
    ++s.stallCycles;
}

/// Stall spans as emu::Tile::traceCore records them: a barrier stall begins
/// after the arrival's busy cycle; a stall ends in the first cycle the core
/// is no longer blocked (for a barrier, the release decision).
struct RtlStallTracer {
  bool stalled = false;
  void update(emu::TraceRecorder &r, uint32_t id, uint64_t now, emu::CoreState st,
              emu::BlockReason block) {
    const bool blocked = st == emu::CoreState::Blocked;
    if (stalled && !blocked) {
      r.stallEnd(id, now);
      stalled = false;
    }
    if (blocked && !stalled) {
      stalled = true;
      r.stallBegin(id, block == emu::BlockReason::Barrier ? now + 1 : now, block);
    }
  }
};

} // namespace xpu::rtl
