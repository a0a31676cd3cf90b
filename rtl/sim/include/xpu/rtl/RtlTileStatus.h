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
#include "xpu/emu/Trace.h"

#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace xpu::rtl {

/// Statistics keys an RTL core + NI tile cannot measure: the tile's ports
/// carry no instruction or message counters (xpu_core's retire_o / busy_o
/// and the NI's dropped counters end inside xpu_tile_core_ni), and energy
/// is computed from them.
inline const std::vector<std::string_view> &rtlCoreNiUnavailable() {
  static const std::vector<std::string_view> keys = {
      "instructions",      "by_class",          "sram_read_bytes", "sram_write_bytes",
      "vector_macs",       "neuron_updates",    "messages_sent",   "messages_received",
      "messages_delivered", "spawn_rejected",   "energy_pj"};
  return keys;
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
