// Events channels: producer and consumer code (LowerEvents.h,
// docs/compiler.md "Event channels").
//
// Registers, producer: r1 spike pointer, r2 event write pointer, r3 neuron
// index, r4 neuron count, r6 spike byte, r8 event bytes of the step; one
// stream: r9 step parity, r2 message start, r10 bytes left, r3 length.
// Consumer: r11 messages waiting, r5 event pointer, r12 message end, r6
// weight column, r4 accumulators, r13 = 1, r3 rows.
#include "compiler/lib/Transforms/LowerEvents.h"

#include "compiler/lib/Transforms/CoreEmitter.h"
#include "dialects/Xpu/XpuOps.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/SymbolTable.h"

namespace xpu::transforms {

using namespace mlir;
using ::xpu::Opcode;
using namespace xpu::graph;

namespace {

constexpr int32_t kTimestepCsr = 5;

using Emitter = CoreEmitter;

/// r9 = t mod 2 (the timestep CSR counts barriers released since load).
void parity(Emitter &c) {
  c.emit(Opcode::Csrr, 9, 0, 0, 0, kTimestepCsr);
  c.emit(Opcode::Andi, 9, 9, 0, 0, 1);
}

} // namespace

void emitEventMailboxes(OpBuilder &b, Location loc, const ActorGraph &g, const std::vector<Partition> &parts,
                        const Routing &routing, const ChipDescriptor &chip) {
  for (const Message &m : routing.messages) {
    if (!isEventMessage(g, m)) continue;
    const Channel &c = g.channels[m.channel];
    const uint32_t src = parts[m.srcPart].core;
    for (uint32_t d : m.dstParts)
      for (uint32_t k = 0; k < 2; ++k) {
        const uint32_t dst = parts[d].core;
        auto op = b.create<mc::ChannelOp>(
            loc, "ev" + std::to_string(m.channel) + "_" + std::to_string(dst) + "_" + std::to_string(k),
            int32_t(chip.coreX(src)), int32_t(chip.coreY(src)), int32_t(chip.coreX(dst)), int32_t(chip.coreY(dst)),
            int32_t(m.mailbox + k), int32_t(m.bytes), mc::MailboxPolicy(static_cast<uint32_t>(c.policy)));
        op->setAttr("capacity", b.getI32IntegerAttr(int32_t(c.capacity)));
      }
  }
}

void emitEventSourceBuffers(OpBuilder &b, Location loc, uint32_t rows) {
  Emitter(b, loc).buffer("_ev", rows, 16);
}

void emitEventSends(OpBuilder &b, Location loc, const ActorGraph &g, const std::vector<Partition> &parts,
                    uint32_t rows, const std::vector<const Message *> &sent) {
  Emitter c{b, loc};
  bool any = false;
  for (const Message *m : sent) any |= isEventMessage(g, *m);
  if (!any) return;
  // The step's events: ascending indices of the neurons that spiked. Spike
  // bytes are 0 or 1, so a zero word means four quiet neurons: a quiet
  // population costs ~6 instructions per 4 neurons, not 6 per neuron.
  c.liSym(1, "_spk");
  c.liSym(2, "_ev");
  c.li(3, 0);
  c.li(5, int32_t(rows & ~3u));
  c.label("ev_word");
  c.emit(Opcode::Beq, 0, 3, 5, 0, 0, "ev_words_done");
  c.emit(Opcode::Lw, 6, 1, 0, 0, 0);
  c.emit(Opcode::Bne, 0, 6, 0, 0, 0, "ev_word_bytes");
  c.emit(Opcode::Addi, 1, 1, 0, 0, 4);
  c.emit(Opcode::Addi, 3, 3, 0, 0, 4);
  c.emit(Opcode::Jmp, 0, 0, 0, 0, 0, "ev_word");
  c.label("ev_word_bytes");  // a word with spikes: its four bytes one by one
  c.emit(Opcode::Addi, 4, 3, 0, 0, 4);
  c.emit(Opcode::Jmp, 0, 0, 0, 0, 0, "ev_scan");
  c.label("ev_words_done");  // the last rows % 4 neurons
  c.li(4, int32_t(rows));
  c.label("ev_scan");
  c.emit(Opcode::Beq, 0, 3, 4, 0, 0, "ev_scanned");
  c.emit(Opcode::Lbu, 6, 1, 0, 0, 0);
  c.emit(Opcode::Beq, 0, 6, 0, 0, 0, "ev_quiet");
  c.emit(Opcode::Sh, 0, 2, 3, 0, 0);
  c.emit(Opcode::Addi, 2, 2, 0, 0, 2);
  c.label("ev_quiet");
  c.emit(Opcode::Addi, 1, 1, 0, 0, 1);
  c.emit(Opcode::Addi, 3, 3, 0, 0, 1);
  c.emit(Opcode::Jmp, 0, 0, 0, 0, 0, "ev_scan");
  c.label("ev_scanned");
  // After a word's four bytes: more words, or the tail, or done.
  c.emit(Opcode::Bltu, 0, 3, 5, 0, 0, "ev_word");
  c.li(6, int32_t(rows));
  c.emit(Opcode::Bltu, 0, 3, 6, 0, 0, "ev_words_done");
  c.liSym(7, "_ev");
  c.emit(Opcode::Sub, 8, 2, 7);
  unsigned n = 0;
  for (const Message *m : sent) {
    if (!isEventMessage(g, *m)) continue;
    const std::string tag = "ev_send" + std::to_string(n++);
    parity(c);
    c.liSym(2, "_ev");
    c.emit(Opcode::Addi, 10, 8, 0, 0, 0);
    c.label(tag);
    c.emit(Opcode::Beq, 0, 10, 0, 0, 0, tag + "_done");
    c.li(3, int32_t(m->bytes));
    c.emit(Opcode::Min, 3, 3, 10);
    if (m->group >= 0) c.liSym(1, "g" + std::to_string(m->group));
    else c.li(1, int32_t(parts[m->dstParts[0]].core));
    const Opcode op = m->group >= 0 ? Opcode::Mcast : Opcode::Send;
    c.emit(Opcode::Bne, 0, 9, 0, 0, 0, tag + "_odd");
    c.emit(op, 0, 1, 2, 3, int32_t(m->mailbox));
    c.emit(Opcode::Jmp, 0, 0, 0, 0, 0, tag + "_sent");
    c.label(tag + "_odd");
    c.emit(op, 0, 1, 2, 3, int32_t(m->mailbox + 1));
    c.label(tag + "_sent");
    c.emit(Opcode::Add, 2, 2, 3);
    c.emit(Opcode::Sub, 10, 10, 3);
    c.emit(Opcode::Jmp, 0, 0, 0, 0, 0, tag);
    c.label(tag + "_done");
  }
}

void emitEventLinearBuffers(OpBuilder &b, Location loc, const Actor &a, const Partition &p,
                            uint32_t eventsPerMessage) {
  Emitter c{b, loc};
  const uint32_t rows = p.size();
  std::vector<int8_t> wt(size_t(a.inSize) * rows);
  for (uint32_t i = 0; i < a.inSize; ++i)
    for (uint32_t r = 0; r < rows; ++r) wt[size_t(i) * rows + r] = a.weight[size_t(p.begin + r) * a.inSize + i];
  c.buffer("_wt", int64_t(wt.size()), 8,
           DenseElementsAttr::get(RankedTensorType::get({int64_t(wt.size())}, b.getIntegerType(8)),
                                  ArrayRef<int8_t>(wt)));
  if (!a.bias.empty()) {
    std::vector<int32_t> bias(a.bias.begin() + p.begin, a.bias.begin() + p.end);
    c.buffer("_b", rows, 32,
             DenseElementsAttr::get(RankedTensorType::get({int64_t(rows)}, b.getIntegerType(32)),
                                    ArrayRef<int32_t>(bias)));
  }
  c.buffer("_ev", eventsPerMessage, 16);
  c.buffer("_acc", rows, 32);
  if (a.requantize) c.buffer("_out", rows, 8);
}

void emitEventLinearStep(OpBuilder &b, Location loc, const Actor &a, const Partition &p, const Message &in) {
  Emitter c{b, loc};
  const int32_t rows = int32_t(p.size());
  // acc = bias (or 0).
  c.liSym(1, "_acc");
  c.li(3, 4 * rows);
  if (!a.bias.empty()) {
    c.liSym(2, "_b");
    c.emit(Opcode::Vcopy, 1, 2, 0, 3);
  } else {
    c.emit(Opcode::Vfill, 1, 0, 0, 3);
  }
  // Events of step t - 1 wait in mailbox base + ((t - 1) mod 2): all of them
  // arrived before the barrier that started this step.
  parity(c);
  c.emit(Opcode::Bne, 0, 9, 0, 0, 0, "ev_in_odd");
  for (uint32_t k : {1u, 0u}) {
    const uint32_t mailbox = in.mailbox + k;
    const std::string tag = "ev_in" + std::to_string(k);
    if (k == 0) c.label("ev_in_odd");
    c.emit(Opcode::Poll, 11, 0, 0, 0, int32_t(mailbox));
    c.label(tag);
    c.emit(Opcode::Beq, 0, 11, 0, 0, 0, "ev_in_done");
    c.liSym(1, "_ev");
    c.emit(Opcode::Recv, 2, 1, 0, 0, int32_t(mailbox));
    c.emit(Opcode::Andi, 3, 2, 0, 0, 0xFFFF);  // length in bytes
    c.liSym(5, "_ev");
    c.emit(Opcode::Add, 12, 5, 3);
    c.label(tag + "_event");
    c.emit(Opcode::Beq, 0, 5, 12, 0, 0, tag + "_next");
    c.emit(Opcode::Lhu, 6, 5, 0, 0, 0);        // neuron index i
    c.emit(Opcode::Muli, 6, 6, 0, 0, rows);
    c.liSym(7, "_wt");
    c.emit(Opcode::Add, 6, 6, 7);              // column i of this slice
    c.liSym(4, "_acc");
    c.li(13, 1);
    c.li(3, rows);
    c.emit(Opcode::Vmacs, 4, 6, 13, 3);
    c.emit(Opcode::Addi, 5, 5, 0, 0, 2);
    c.emit(Opcode::Jmp, 0, 0, 0, 0, 0, tag + "_event");
    c.label(tag + "_next");
    c.emit(Opcode::Addi, 11, 11, 0, 0, -1);
    c.emit(Opcode::Jmp, 0, 0, 0, 0, 0, tag);
  }
  c.label("ev_in_done");
  if (a.requantize)
    b.create<mc::VreqOp>(loc, StringRef("_out"), 0, StringRef("_acc"), 0, rows, int32_t(a.requantize->shift),
                         a.requantize->relu);
}

} // namespace xpu::transforms
