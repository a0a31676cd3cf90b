// The XPU v0 in-order core: every instruction of docs/arch.md 3.3, bit exact,
// with the cycle costs of 3.5.
//
// Timing model. An instruction issues at cycle c; its cost k (sem:: cost
// functions) sets the next issue to c + k and is added to busy cycles. An
// instruction that must wait (send/mcast/spawn for the NI outbound buffer,
// recv for a message, barrier for its release) puts the core in Blocked; the
// blocked cycles are stall cycles, counted incrementally on every tick and
// finally when the wait ends, so that ticks may skip cycles (nextWake()).
//
// Fault precedence inside one instruction (the first failing check is the
// fault; docs/arch.md does not fix an order, this is the emulator's):
//   fetch: PcOutOfRange, then IllegalInstruction (malformed word)
//   send:  BadDestination, BadMailbox, BadMessage (length), memory
//   mcast: BadGroup, BadMailbox, BadMessage (length, then packet > buffer), memory
//   spawn: BadSpawn, BadDestination
//   recv:  BadMailbox at issue; BadAddress when the message is there
//   nstep: memory, then BadNeuronParams (dv/du); bad imm bits are malformed
//   memory: BadAddress for every region in operand order, then Misaligned for
//   every region. A zero-length region (count 0, empty message) touches no
//   memory and is never checked.
// Faults are checked before the core waits (send/mcast/spawn/recv operands),
// except recv's BadAddress, which needs the message length.
#include "xpu/emu/Core.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <sstream>

namespace xpu::emu {

const char *coreStateName(CoreState s) {
  switch (s) {
  case CoreState::Idle: return "idle";
  case CoreState::Running: return "running";
  case CoreState::Blocked: return "blocked";
  case CoreState::Halted: return "halted";
  case CoreState::Faulted: return "faulted";
  }
  return "?";
}

namespace {

constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

/// A byte range of SRAM an instruction touches, and its required alignment.
struct Region {
  uint32_t addr;
  uint64_t bytes;
  uint32_t align;
};

/// Memory checks of one instruction (see the precedence rule at the top).
template <size_t N>
sem::Fault checkRegions(const Region (&regions)[N], size_t sramBytes) {
  for (const Region &r : regions)
    if (r.bytes && uint64_t(r.addr) + r.bytes > sramBytes)
      return sem::Fault::BadAddress;
  for (const Region &r : regions)
    if (r.bytes && r.addr % r.align)
      return sem::Fault::Misaligned;
  return sem::Fault::None;
}

inline uint32_t load32(const uint8_t *p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 |
         uint32_t(p[3]) << 24;
}
inline void store32(uint8_t *p, uint32_t v) {
  p[0] = uint8_t(v);
  p[1] = uint8_t(v >> 8);
  p[2] = uint8_t(v >> 16);
  p[3] = uint8_t(v >> 24);
}

} // namespace

Core::Core(const ChipDescriptor &chip, uint32_t coreId, CoreIo &io)
    : chip_(chip), id_(coreId), io_(io), sram_(chip.sramBytes, 0) {}

void Core::boot(const ProgramImage &image, uint32_t bootArg,
                uint64_t startCycle) {
  imem_ = image.code;
  decoded_.assign(imem_.size(), Decoded{});
  for (size_t i = 0; i < imem_.size(); ++i)
    if (auto inst = decode(imem_[i]))
      decoded_[i] = Decoded{*inst, info(inst->op).cls, true};
  sram_.assign(chip_.sramBytes, 0);
  for (const DataSegment &seg : image.data) {
    // validateExecutable guarantees segments fit; clip defensively anyway.
    if (seg.address >= sram_.size())
      continue;
    size_t n = std::min<size_t>(seg.bytes.size(), sram_.size() - seg.address);
    std::copy_n(seg.bytes.begin(), n, sram_.begin() + seg.address);
  }
  regs_.fill(0);
  pc_ = image.entry;
  bootArg_ = bootArg;
  state_ = CoreState::Running;
  block_ = BlockReason::None;
  fault_ = sem::Fault::None;
  nextIssue_ = startCycle;
  stallFrom_ = startCycle;
}

void Core::tick(uint64_t now) {
  lastTick_ = now;
  switch (state_) {
  case CoreState::Running:
    if (now >= nextIssue_)
      issue(now);
    break;
  case CoreState::Blocked:
    if (!retryBlocked(now) && state_ == CoreState::Blocked &&
        now >= stallFrom_) {
      stats_.stallCycles += now + 1 - stallFrom_;
      stallFrom_ = now + 1;
    }
    break;
  default:
    break;
  }
}

uint64_t Core::nextWake() const {
  switch (state_) {
  case CoreState::Running: return nextIssue_;
  case CoreState::Blocked:
    return block_ == BlockReason::Outbound ? lastTick_ + 1 : kNever;
  default: return kNever;
  }
}

void Core::releaseBarrier(uint64_t cycle) {
  if (state_ != CoreState::Blocked || block_ != BlockReason::Barrier)
    return;
  const uint64_t issueAt = std::max(blockIssue_ + 1, cycle);
  if (issueAt > stallFrom_)
    stats_.stallCycles += issueAt - stallFrom_;
  stallFrom_ = issueAt;
  nextIssue_ = issueAt;
  state_ = CoreState::Running;
  block_ = BlockReason::None;
  ++pc_;
}

void Core::fault(sem::Fault f) {
  if (state_ == CoreState::Faulted)
    return; // the first fault is the one reported
  raise(f);
}

void Core::raise(sem::Fault f) {
  state_ = CoreState::Faulted;
  block_ = BlockReason::None;
  fault_ = f;
}

// Accounts the instruction at pc_ as issued at c with cost `cost`.
void Core::complete(uint64_t c, uint32_t cost) {
  nextIssue_ = c + cost;
  stats_.busyCycles += cost;
  ++stats_.instructions;
  ++stats_.byClass[static_cast<size_t>(decoded_[pc_].cls)];
}

bool Core::retryBlocked(uint64_t now) {
  switch (block_) {
  case BlockReason::Outbound: return tryOutbound(now);
  case BlockReason::Message: return tryRecv(now);
  default: return false; // the barrier unit calls releaseBarrier
  }
}

// send / mcast / spawn, once their operands are checked: wait for the NI's
// outbound buffer, then copy the message in.
bool Core::tryOutbound(uint64_t now) {
  if (!io_.outboundFree(now))
    return false;
  const Instruction &inst = decoded_[pc_].inst;
  const uint32_t a = regs_[inst.rs1], b = regs_[inst.rs2];
  OutboundMessage msg;
  uint32_t cost;
  if (inst.op == Opcode::Spawn) {
    msg.kind = PacketKind::Spawn;
    msg.dest = a;
    msg.spawnArg = b;
    msg.spawnImage = static_cast<uint32_t>(inst.imm);
    cost = sem::fixedCycles(Opcode::Spawn);
  } else {
    const uint32_t len = regs_[inst.rs3];
    msg.mcast = inst.op == Opcode::Mcast;
    msg.dest = a;
    msg.mailbox = static_cast<uint8_t>(inst.imm);
    msg.payload.assign(sram_.begin() + b, sram_.begin() + b + len);
    stats_.sramReadBytes += len;
    ++stats_.messagesSent;
    cost = sem::messageCopyCycles(len, chip_.flitBytes);
  }
  if (now > stallFrom_)
    stats_.stallCycles += now - stallFrom_;
  state_ = CoreState::Running;
  block_ = BlockReason::None;
  io_.post(std::move(msg), now + cost);
  complete(now, cost);
  ++pc_;
  return true;
}

bool Core::tryRecv(uint64_t now) {
  const uint32_t mbox = blockMailbox_;
  if (io_.mailboxCount(mbox, now) == 0)
    return false;
  const Instruction &inst = decoded_[pc_].inst;
  const uint32_t addr = regs_[inst.rs1];
  if (now > stallFrom_)
    stats_.stallCycles += now - stallFrom_;
  stallFrom_ = now;
  auto fits = [&](size_t len) {
    return len == 0 || uint64_t(addr) + len <= sram_.size();
  };
  InboundMessage msg;
  if (const InboundMessage *front = io_.peekMailbox(mbox, now)) {
    if (!fits(front->payload.size())) {
      raise(sem::Fault::BadAddress);
      return true;
    }
    msg = io_.popMailbox(mbox, now);
  } else {
    msg = io_.popMailbox(mbox, now);
    if (!fits(msg.payload.size())) {
      raise(sem::Fault::BadAddress);
      return true;
    }
  }
  const uint32_t len = static_cast<uint32_t>(msg.payload.size());
  std::copy(msg.payload.begin(), msg.payload.end(), sram_.begin() + addr);
  stats_.sramWriteBytes += len;
  ++stats_.messagesReceived;
  writeReg(inst.rd, (msg.source << 16) | (len & 0xFFFF));
  state_ = CoreState::Running;
  block_ = BlockReason::None;
  complete(now, sem::messageCopyCycles(len, chip_.flitBytes));
  ++pc_;
  return true;
}

void Core::issue(uint64_t c) {
  if (pc_ >= decoded_.size())
    return raise(sem::Fault::PcOutOfRange);
  const Decoded &d = decoded_[pc_];
  if (!d.valid)
    return raise(sem::Fault::IllegalInstruction);
  const Instruction &inst = d.inst;
  const uint32_t a = regs_[inst.rs1], b = regs_[inst.rs2];
  const uint32_t imm = static_cast<uint32_t>(inst.imm);
  const size_t sramBytes = sram_.size();
  uint8_t *mem = sram_.data();
  const uint32_t lanes = chip_.vectorLanes;

  switch (inst.op) {
  // ------------------------------------------------------------ control
  case Opcode::Nop:
    complete(c, 1);
    ++pc_;
    return;
  case Opcode::Halt:
    complete(c, 1);
    state_ = CoreState::Halted;
    return; // pc stays at the halt

  // ------------------------------------------------------------ ALU / MUL
  case Opcode::Add: case Opcode::Sub: case Opcode::Mul: case Opcode::Mulh:
  case Opcode::And: case Opcode::Or: case Opcode::Xor: case Opcode::Shl:
  case Opcode::Shr: case Opcode::Sra: case Opcode::Slt: case Opcode::Sltu:
  case Opcode::Min: case Opcode::Max:
    writeReg(inst.rd, sem::alu(inst.op, a, b));
    complete(c, sem::fixedCycles(inst.op));
    ++pc_;
    return;
  case Opcode::Addi: case Opcode::Muli: case Opcode::Andi: case Opcode::Ori:
  case Opcode::Xori: case Opcode::Shli: case Opcode::Shri: case Opcode::Srai:
  case Opcode::Slti: case Opcode::Li:
    writeReg(inst.rd, sem::alu(inst.op, a, imm));
    complete(c, sem::fixedCycles(inst.op));
    ++pc_;
    return;
  case Opcode::Csrr: {
    if (imm >= kNumCsrs) // decode rejects these; kept for safety
      return raise(sem::Fault::IllegalInstruction);
    uint32_t v = 0;
    switch (static_cast<Csr>(imm)) {
    case Csr::CoreId: v = id_; break;
    case Csr::X: v = chip_.coreX(id_); break;
    case Csr::Y: v = chip_.coreY(id_); break;
    case Csr::Width: v = chip_.width; break;
    case Csr::Height: v = chip_.height; break;
    case Csr::Timestep: v = io_.timestep(); break;
    case Csr::CycleLo: v = static_cast<uint32_t>(c); break;
    case Csr::BootArg: v = bootArg_; break;
    default: return raise(sem::Fault::IllegalInstruction);
    }
    writeReg(inst.rd, v);
    complete(c, 1);
    ++pc_;
    return;
  }

  // ------------------------------------------------------------ load/store
  case Opcode::Lb: case Opcode::Lbu: case Opcode::Lh: case Opcode::Lhu:
  case Opcode::Lw: case Opcode::Sb: case Opcode::Sh: case Opcode::Sw: {
    const uint32_t addr = a + imm;
    uint32_t size = 1;
    if (inst.op == Opcode::Lh || inst.op == Opcode::Lhu || inst.op == Opcode::Sh)
      size = 2;
    else if (inst.op == Opcode::Lw || inst.op == Opcode::Sw)
      size = 4;
    const Region r[] = {{addr, size, size}};
    if (sem::Fault f = checkRegions(r, sramBytes); f != sem::Fault::None)
      return raise(f);
    const uint8_t *p = mem + addr;
    switch (inst.op) {
    case Opcode::Lb: writeReg(inst.rd, uint32_t(int32_t(int8_t(p[0])))); break;
    case Opcode::Lbu: writeReg(inst.rd, p[0]); break;
    case Opcode::Lh:
      writeReg(inst.rd, uint32_t(int32_t(int16_t(uint16_t(p[0] | p[1] << 8)))));
      break;
    case Opcode::Lhu: writeReg(inst.rd, uint32_t(p[0] | p[1] << 8)); break;
    case Opcode::Lw: writeReg(inst.rd, load32(p)); break;
    case Opcode::Sb: mem[addr] = uint8_t(b); break;
    case Opcode::Sh:
      mem[addr] = uint8_t(b);
      mem[addr + 1] = uint8_t(b >> 8);
      break;
    case Opcode::Sw: store32(mem + addr, b); break;
    default: break;
    }
    if (d.cls == InstrClass::Load)
      stats_.sramReadBytes += size;
    else
      stats_.sramWriteBytes += size;
    complete(c, sem::fixedCycles(inst.op));
    ++pc_;
    return;
  }

  // ------------------------------------------------------------ branches
  case Opcode::Beq: case Opcode::Bne: case Opcode::Blt: case Opcode::Bge:
  case Opcode::Bltu: case Opcode::Bgeu: {
    const bool taken = sem::branchTaken(inst.op, a, b);
    complete(c, sem::branchCycles(taken));
    pc_ = taken ? imm : pc_ + 1;
    return;
  }
  case Opcode::Jmp:
    complete(c, sem::branchCycles(true));
    pc_ = imm;
    return;
  case Opcode::Jal:
    writeReg(inst.rd, pc_ + 1);
    complete(c, sem::branchCycles(true));
    pc_ = imm;
    return;
  case Opcode::Jr:
    complete(c, sem::branchCycles(true));
    pc_ = a;
    return;

  // ------------------------------------------------------------ vector
  case Opcode::Vdot: {
    const uint32_t n = regs_[inst.rs3];
    const Region r[] = {{a, n, 1}, {b, n, 1}};
    if (sem::Fault f = checkRegions(r, sramBytes); f != sem::Fault::None)
      return raise(f);
    uint32_t acc = regs_[inst.rd];
    for (uint32_t i = 0; i < n; ++i)
      acc += uint32_t(int32_t(int8_t(mem[a + i])) * int32_t(int8_t(mem[b + i])));
    writeReg(inst.rd, acc);
    stats_.sramReadBytes += 2ull * n;
    stats_.vectorMacs += n;
    complete(c, sem::vectorCycles(n, lanes));
    ++pc_;
    return;
  }
  case Opcode::Vmacs: {
    const uint32_t dst = regs_[inst.rd], n = regs_[inst.rs3];
    const Region r[] = {{dst, 4ull * n, 4}, {a, n, 1}};
    if (sem::Fault f = checkRegions(r, sramBytes); f != sem::Fault::None)
      return raise(f);
    const int32_t scale = static_cast<int32_t>(b);
    for (uint32_t i = 0; i < n; ++i) {
      // int8 * int32 can exceed int32: multiply in 64 bits, wrap to 32.
      const uint32_t prod =
          uint32_t(int64_t(int8_t(mem[a + i])) * int64_t(scale));
      uint8_t *p = mem + dst + 4ull * i;
      store32(p, load32(p) + prod);
    }
    stats_.sramReadBytes += 5ull * n;
    stats_.sramWriteBytes += 4ull * n;
    stats_.vectorMacs += n;
    complete(c, sem::vectorCycles(n, lanes));
    ++pc_;
    return;
  }
  case Opcode::Vadd32: {
    const uint32_t dst = regs_[inst.rd], n = regs_[inst.rs3];
    const Region r[] = {{dst, 4ull * n, 4}, {a, 4ull * n, 4}, {b, 4ull * n, 4}};
    if (sem::Fault f = checkRegions(r, sramBytes); f != sem::Fault::None)
      return raise(f);
    for (uint32_t i = 0; i < n; ++i)
      store32(mem + dst + 4ull * i,
              load32(mem + a + 4ull * i) + load32(mem + b + 4ull * i));
    stats_.sramReadBytes += 8ull * n;
    stats_.sramWriteBytes += 4ull * n;
    complete(c, sem::vectorCycles(n, lanes));
    ++pc_;
    return;
  }
  case Opcode::Vreq: {
    const uint32_t dst = regs_[inst.rd], n = regs_[inst.rs3];
    if (imm & ~0x11Fu) // decode rejects these; kept for a hand-made Decoded
      return raise(sem::Fault::IllegalInstruction);
    const unsigned shift = imm & 31;
    const bool relu = imm & 0x100;
    const Region r[] = {{dst, n, 1}, {a, 4ull * n, 4}};
    if (sem::Fault f = checkRegions(r, sramBytes); f != sem::Fault::None)
      return raise(f);
    for (uint32_t i = 0; i < n; ++i)
      mem[dst + i] = uint8_t(
          sem::requantise(int32_t(load32(mem + a + 4ull * i)), shift, relu));
    stats_.sramReadBytes += 4ull * n;
    stats_.sramWriteBytes += n;
    complete(c, sem::vectorCycles(n, lanes));
    ++pc_;
    return;
  }
  case Opcode::Vcopy: {
    const uint32_t dst = regs_[inst.rd], n = regs_[inst.rs3];
    const Region r[] = {{dst, n, 1}, {a, n, 1}};
    if (sem::Fault f = checkRegions(r, sramBytes); f != sem::Fault::None)
      return raise(f);
    if (n)
      std::memmove(mem + dst, mem + a, n);
    stats_.sramReadBytes += n;
    stats_.sramWriteBytes += n;
    complete(c, sem::vectorCycles(n, lanes));
    ++pc_;
    return;
  }
  case Opcode::Vfill: {
    const uint32_t dst = regs_[inst.rd], n = regs_[inst.rs3];
    const Region r[] = {{dst, n, 1}};
    if (sem::Fault f = checkRegions(r, sramBytes); f != sem::Fault::None)
      return raise(f);
    if (n)
      std::memset(mem + dst, int(a & 0xFF), n);
    stats_.sramWriteBytes += n;
    complete(c, sem::vectorCycles(n, lanes));
    ++pc_;
    return;
  }
  case Opcode::Vargmax: {
    const uint32_t n = regs_[inst.rs3];
    const Region r[] = {{a, 4ull * n, 4}};
    if (sem::Fault f = checkRegions(r, sramBytes); f != sem::Fault::None)
      return raise(f);
    uint32_t best = 0;
    int32_t bestValue = 0;
    for (uint32_t i = 0; i < n; ++i) {
      const int32_t v = int32_t(load32(mem + a + 4ull * i));
      if (i == 0 || v > bestValue) {
        best = i;
        bestValue = v;
      }
    }
    writeReg(inst.rd, best);
    stats_.sramReadBytes += 4ull * n;
    complete(c, sem::vectorCycles(n, lanes));
    ++pc_;
    return;
  }

  // ------------------------------------------------------------ neuron
  case Opcode::Nstep: {
    if (imm & ~0xFu)
      return raise(sem::Fault::BadNeuronParams);
    const auto model = static_cast<NeuronModel>(imm & 3);
    const auto reset = static_cast<ResetMode>((imm >> 2) & 3);
    const uint32_t out = regs_[inst.rd], n = regs_[inst.rs3];
    const bool cuba = model == NeuronModel::CubaLIF;
    if (n > 0) {
      const uint64_t stateBytes =
          sem::kNeuronParamBytes + (cuba ? 8ull : 4ull) * n;
      const Region r[] = {{a, stateBytes, 4}, {b, 4ull * n, 4}, {out, n, 1}};
      if (sem::Fault f = checkRegions(r, sramBytes); f != sem::Fault::None)
        return raise(f);
      sem::NeuronParams p;
      p.dv = int32_t(load32(mem + a));
      p.du = int32_t(load32(mem + a + 4));
      p.vth = int32_t(load32(mem + a + 8));
      p.vReset = int32_t(load32(mem + a + 12));
      p.bias = int32_t(load32(mem + a + 16));
      if (!sem::validNeuronParams(p))
        return raise(sem::Fault::BadNeuronParams);
      uint8_t *vArr = mem + a + sem::kNeuronParamBytes;
      uint8_t *uArr = vArr + 4ull * n;
      for (uint32_t i = 0; i < n; ++i) {
        int32_t v = int32_t(load32(vArr + 4ull * i));
        int32_t u = cuba ? int32_t(load32(uArr + 4ull * i)) : 0;
        const int32_t input = int32_t(load32(mem + b + 4ull * i));
        const bool spike = sem::neuronStep(model, reset, p, v, u, input);
        store32(vArr + 4ull * i, uint32_t(v));
        if (cuba)
          store32(uArr + 4ull * i, uint32_t(u));
        mem[out + i] = spike ? 1 : 0;
      }
      stats_.sramReadBytes += sem::kNeuronParamBytes + (cuba ? 12ull : 8ull) * n;
      stats_.sramWriteBytes += (cuba ? 9ull : 5ull) * n;
      stats_.neuronUpdates += n;
    }
    complete(c, sem::neuronCycles(n, lanes, model));
    ++pc_;
    return;
  }

  // ------------------------------------------------------------ messages
  case Opcode::Send:
  case Opcode::Mcast: {
    const uint32_t len = regs_[inst.rs3];
    if (inst.op == Opcode::Mcast) {
      if (!io_.isGroupSource(a))
        return raise(sem::Fault::BadGroup);
    } else if (a >= chip_.numCores()) {
      return raise(sem::Fault::BadDestination);
    }
    if (imm >= chip_.mailboxes)
      return raise(sem::Fault::BadMailbox);
    if (len > chip_.maxMessageBytes)
      return raise(sem::Fault::BadMessage);
    if (inst.op == Opcode::Mcast &&
        sem::packetFlits(len, chip_.flitBytes) > chip_.bufferDepth)
      return raise(sem::Fault::BadMessage);
    const Region r[] = {{b, len, 1}};
    if (sem::Fault f = checkRegions(r, sramBytes); f != sem::Fault::None)
      return raise(f);
    state_ = CoreState::Blocked;
    block_ = BlockReason::Outbound;
    blockIssue_ = stallFrom_ = c;
    tryOutbound(c);
    return;
  }
  case Opcode::Spawn:
    if (imm >= io_.imageCount())
      return raise(sem::Fault::BadSpawn);
    if (a >= chip_.numCores())
      return raise(sem::Fault::BadDestination);
    state_ = CoreState::Blocked;
    block_ = BlockReason::Outbound;
    blockIssue_ = stallFrom_ = c;
    tryOutbound(c);
    return;
  case Opcode::Recv:
    if (imm >= chip_.mailboxes)
      return raise(sem::Fault::BadMailbox);
    state_ = CoreState::Blocked;
    block_ = BlockReason::Message;
    blockMailbox_ = imm;
    blockIssue_ = stallFrom_ = c;
    tryRecv(c);
    return;
  case Opcode::Poll:
    if (imm >= chip_.mailboxes)
      return raise(sem::Fault::BadMailbox);
    writeReg(inst.rd, io_.mailboxCount(imm, c));
    complete(c, sem::fixedCycles(Opcode::Poll));
    ++pc_;
    return;
  case Opcode::Barrier:
    // The barrier costs one busy cycle; waiting beyond it is stall. pc moves
    // past the barrier at release.
    complete(c, 1);
    state_ = CoreState::Blocked;
    block_ = BlockReason::Barrier;
    blockIssue_ = c;
    stallFrom_ = c + 1;
    io_.arriveBarrier(c);
    return;
  }
  raise(sem::Fault::IllegalInstruction);
}

std::string Core::describe() const {
  std::ostringstream os;
  os << "core " << id_ << " (" << chip_.coreX(id_) << "," << chip_.coreY(id_)
     << ") ";
  switch (state_) {
  case CoreState::Idle: os << "idle"; return os.str();
  case CoreState::Running: os << "running"; break;
  case CoreState::Halted: os << "halted"; break;
  case CoreState::Faulted: os << "faulted (" << sem::faultName(fault_) << ")"; break;
  case CoreState::Blocked:
    switch (block_) {
    case BlockReason::Outbound: os << "blocked on outbound buffer"; break;
    case BlockReason::Message: os << "blocked on recv mailbox " << blockMailbox_; break;
    case BlockReason::Barrier: os << "blocked on barrier"; break;
    case BlockReason::None: os << "blocked"; break;
    }
    break;
  }
  os << " at pc " << pc_ << ": ";
  if (pc_ >= decoded_.size())
    os << "<outside code of " << decoded_.size() << " instructions>";
  else if (!decoded_[pc_].valid)
    os << "<illegal 0x" << std::hex << imem_[pc_] << std::dec << ">";
  else
    os << disassemble(decoded_[pc_].inst);
  return os.str();
}

} // namespace xpu::emu
