// The XPU v0 core: executes the ISA with the cycle costs of docs/arch.md 3.5.
//
// Plain C++ (no SystemC): the tile's SC_METHOD calls tick() once per cycle it
// is awake, and unit tests drive it directly. Everything outside the core
// (NI outbound buffer, mailboxes, barrier unit, multicast tables) is reached
// through CoreIo, which the tile implements.
#pragma once

#include "xpu/ChipDescriptor.h"
#include "xpu/Executable.h"
#include "xpu/Isa.h"
#include "xpu/Packet.h"
#include "xpu/Semantics.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace xpu::emu {

enum class CoreState : uint8_t { Idle, Running, Blocked, Halted, Faulted };
const char *coreStateName(CoreState s);

/// What a blocked core waits for (for the watchdog dump and statistics).
enum class BlockReason : uint8_t { None, Outbound, Message, Barrier };

/// A message the core hands to its NI (`send`, `mcast`) or a spawn request.
struct OutboundMessage {
  PacketKind kind = PacketKind::Message;
  bool mcast = false;
  uint32_t dest = 0;          // core id, or group id if mcast
  uint8_t mailbox = 0;
  std::vector<uint8_t> payload;
  uint32_t spawnImage = 0, spawnArg = 0; // kind == Spawn
};

/// A message delivered to a mailbox.
struct InboundMessage {
  uint32_t source = 0;
  std::vector<uint8_t> payload;
};

/// The core's view of its tile. All calls happen inside Core::tick(now).
class CoreIo {
public:
  virtual ~CoreIo() = default;
  /// True if the NI's single outbound buffer is empty at `now`.
  virtual bool outboundFree(uint64_t now) const = 0;
  /// Hands a message to the NI. The copy takes the instruction's cycles; the
  /// NI creates the head flit at `readyCycle` (when the copy is done).
  virtual void post(OutboundMessage msg, uint64_t readyCycle) = 0;
  /// Messages visible in mailbox `mbox` at `now`.
  virtual uint32_t mailboxCount(uint32_t mbox, uint64_t now) const = 0;
  /// Pops the oldest visible message of `mbox`. Precondition: count > 0.
  virtual InboundMessage popMailbox(uint32_t mbox, uint64_t now) = 0;
  /// The oldest visible message of `mbox` without removing it, or nullptr if
  /// the implementation cannot peek. `recv` uses it to check that the payload
  /// fits in SRAM before popping, so that a faulting `recv` leaves the mailbox
  /// untouched (docs/arch.md 3.3). Precondition: count > 0. Without it (the
  /// default), a `recv` that faults with BadAddress has consumed the message.
  virtual const InboundMessage *peekMailbox(uint32_t mbox, uint64_t now) const {
    return nullptr;
  }
  /// True if multicast group `group` is routed from this core.
  virtual bool isGroupSource(uint32_t group) const = 0;
  /// Number of program images in the executable (for `spawn`).
  virtual uint32_t imageCount() const = 0;
  /// The core arrived at the barrier at `now`; the barrier unit later calls
  /// Core::releaseBarrier.
  virtual void arriveBarrier(uint64_t now) = 0;
  /// Barriers released so far (CSR timestep).
  virtual uint32_t timestep() const = 0;
};

/// Per-core statistics: counters only, updated on the hot path.
struct CoreStats {
  uint64_t busyCycles = 0;     // cycles spent executing (instruction costs)
  uint64_t stallCycles = 0;    // cycles blocked (outbound, message, barrier)
  uint64_t instructions = 0;
  std::array<uint64_t, kNumInstrClasses> byClass{};
  uint64_t sramReadBytes = 0, sramWriteBytes = 0;
  uint64_t vectorMacs = 0, neuronUpdates = 0;
  uint64_t messagesSent = 0, messagesReceived = 0;
};

class Core {
public:
  Core(const ChipDescriptor &chip, uint32_t coreId, CoreIo &io);

  /// Loads an image as at load time or at a spawn boot (docs/arch.md 9):
  /// IMEM from code, SRAM zeroed then data written, registers 0, pc = entry,
  /// bootarg CSR set; the first instruction issues at `startCycle`.
  void boot(const ProgramImage &image, uint32_t bootArg, uint64_t startCycle);

  /// Advances the core to cycle `now` (called once per cycle while awake;
  /// calls may skip cycles in which nothing can happen, see nextWake()).
  void tick(uint64_t now);
  /// The earliest cycle at which tick() can do something without an external
  /// event (a message arriving, a barrier release); UINT64_MAX if none.
  /// Running: the next issue cycle. Blocked on the outbound buffer: the cycle
  /// after the last tick (the core polls io.outboundFree every cycle, so a
  /// tile need not wake it when the NI drains). Blocked on a message or the
  /// barrier, halted, idle, faulted: UINT64_MAX.
  uint64_t nextWake() const;

  /// Called by the barrier unit: the next instruction issues at `cycle`.
  void releaseBarrier(uint64_t cycle);
  /// Called by the NI when a message with policy `error` overflows.
  void fault(sem::Fault f);

  CoreState state() const { return state_; }
  BlockReason blockReason() const { return block_; }
  sem::Fault faultCode() const { return fault_; }
  uint32_t pc() const { return pc_; }
  uint32_t coreId() const { return id_; }
  uint32_t reg(unsigned r) const { return regs_[r]; }
  /// Writes a register (r0 stays 0): for tests and debuggers, not the ISA.
  void setReg(unsigned r, uint32_t value) {
    if (r != 0 && r < kNumRegisters)
      regs_[r] = value;
  }
  uint32_t bootArg() const { return bootArg_; }
  /// The cycle the next instruction may issue (meaningful while running).
  uint64_t nextIssueCycle() const { return nextIssue_; }
  /// Mailbox a core blocked in `recv` waits on (BlockReason::Message).
  uint32_t blockedMailbox() const { return blockMailbox_; }
  std::vector<uint8_t> &sram() { return sram_; }
  const std::vector<uint8_t> &sram() const { return sram_; }
  const CoreStats &stats() const { return stats_; }
  /// One line for the watchdog: state, pc, disassembled instruction, reason.
  std::string describe() const;

private:
  // implementation detail: see Core.cpp
  /// IMEM decoded once at boot; `valid` false for a malformed word.
  struct Decoded {
    Instruction inst;
    InstrClass cls = InstrClass::Control;
    bool valid = false;
  };
  void issue(uint64_t c);
  bool retryBlocked(uint64_t now);
  bool tryOutbound(uint64_t now);
  bool tryRecv(uint64_t now);
  void raise(sem::Fault f);
  void complete(uint64_t c, uint32_t cost);
  void writeReg(unsigned r, uint32_t v) {
    if (r != 0)
      regs_[r] = v;
  }

  const ChipDescriptor &chip_;
  uint32_t id_;
  CoreIo &io_;
  CoreState state_ = CoreState::Idle;
  BlockReason block_ = BlockReason::None;
  sem::Fault fault_ = sem::Fault::None;
  std::vector<uint64_t> imem_;
  std::vector<uint8_t> sram_;
  std::array<uint32_t, kNumRegisters> regs_{};
  uint32_t pc_ = 0;
  uint32_t bootArg_ = 0;
  uint64_t nextIssue_ = 0;     // cycle the next instruction may issue
  uint64_t lastTick_ = 0;      // last cycle tick() was called
  uint64_t stallFrom_ = 0;     // first blocked cycle not yet counted as stall
  uint64_t blockIssue_ = 0;    // cycle the blocked instruction first issued
  uint32_t blockMailbox_ = 0;  // recv: mailbox waited on
  std::vector<Decoded> decoded_;
  CoreStats stats_;
};

} // namespace xpu::emu
