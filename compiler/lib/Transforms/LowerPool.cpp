// Pool dispatcher and worker code (LowerPool.h, docs/compiler.md "Pools").
//
// Registers: r1-r3 addresses and lengths of one instruction's operands;
// r12-r15 are the expansion scratch of xpu.spawn. Dispatcher: r4 job count
// c, r7 live workers, r6 live workers of the previous step, r10 job index,
// r11 first job beyond the workers. Worker: r7 the dispatcher (source of
// the jobs), r11 received bytes, r10 job index, r4 its byte offset. One
// job: r5 accumulator pointer, r6 bias pointer, r8 row count, r9 sum.
#include "compiler/lib/Transforms/LowerPool.h"

#include "compiler/lib/Transforms/CoreEmitter.h"
#include "dialects/Xpu/XpuOps.h"
#include "xpu/compiler/Pool.h"

#include "mlir/IR/BuiltinTypes.h"

namespace xpu::transforms {

using namespace mlir;
using ::xpu::Opcode;
using namespace xpu::graph;

namespace {

using Emitter = CoreEmitter;

/// The template's buffers: `_w`, `_b` (if any bias), `_acc`.
void templateBuffers(Emitter &c, const PoolParams &m) {
  c.buffer("_w", int64_t(m.weight.size()), 8,
           DenseElementsAttr::get(RankedTensorType::get({int64_t(m.weight.size())}, c.b.getIntegerType(8)),
                                  ArrayRef<int8_t>(m.weight)));
  if (!m.bias.empty())
    c.buffer("_b", m.outputs, 32,
             DenseElementsAttr::get(RankedTensorType::get({int64_t(m.outputs)}, c.b.getIntegerType(32)),
                                    ArrayRef<int32_t>(m.bias)));
  c.buffer("_acc", m.outputs, 32);
}

/// One job: y = requant(W x_j + b) with j in register `rj`, x_j at
/// `xSym + xOff + j*D`, y at `ySym + yOff + j*O`.
void emitJob(Emitter &c, const PoolParams &m, int32_t rj, StringRef xSym, int32_t xOff, StringRef ySym, int32_t yOff,
             const std::string &tag) {
  const int32_t D = int32_t(m.features), O = int32_t(m.outputs);
  const bool bias = !m.bias.empty();
  c.emit(Opcode::Muli, 2, rj, 0, 0, D);
  c.liSym(3, xSym, xOff);
  c.emit(Opcode::Add, 2, 2, 3);
  c.liSym(1, "_w");
  c.li(3, D);
  c.liSym(5, "_acc");
  if (bias) c.liSym(6, "_b");
  c.li(8, O);
  c.label(tag);
  if (bias) c.emit(Opcode::Lw, 9, 6, 0, 0, 0);
  else c.li(9, 0);
  c.emit(Opcode::Vdot, 9, 1, 2, 3);
  c.emit(Opcode::Sw, 0, 5, 9, 0, 0);
  c.emit(Opcode::Addi, 1, 1, 0, 0, D);
  c.emit(Opcode::Addi, 5, 5, 0, 0, 4);
  if (bias) c.emit(Opcode::Addi, 6, 6, 0, 0, 4);
  c.emit(Opcode::Addi, 8, 8, 0, 0, -1);
  c.emit(Opcode::Bne, 0, 8, 0, 0, 0, tag);
  c.emit(Opcode::Muli, 2, rj, 0, 0, O);
  c.liSym(1, ySym, yOff);
  c.emit(Opcode::Add, 2, 2, 1);
  c.liSym(1, "_acc");
  c.li(3, O);
  c.emit(Opcode::Vreq, 2, 1, 0, 3, int32_t(m.requantize.shift | (m.requantize.relu ? 1u << 8 : 0u)));
}

/// The routed message of `channel` in `msgs` whose other end is partition
/// `other` (its source or destination), or null.
const Message *find(const std::vector<const Message *> &msgs, uint32_t channel, uint32_t other, bool bySource) {
  for (const Message *m : msgs)
    if (m->channel == channel && (bySource ? m->srcPart == other : m->dstParts[0] == other)) return m;
  return nullptr;
}

} // namespace

std::string poolWorkerImage(const Actor &a, uint32_t w) { return a.name + ".worker" + std::to_string(w); }

void emitPoolDispatcherBuffers(OpBuilder &b, Location loc, const Actor &a) {
  Emitter c{b, loc};
  const PoolParams &m = a.pool;
  templateBuffers(c, m);
  c.buffer("_x", a.inSize, 8);
  c.buffer("_out", a.outSize, 8);
  // Workers needed for each job count c: min(B, ceil(c / J)) (no divide).
  std::vector<int8_t> need;
  for (uint32_t n = 0; n <= m.jobs; ++n) need.push_back(int8_t(poolWorkersAfter(m, 0, n)));
  c.buffer("_need", int64_t(need.size()), 8,
           DenseElementsAttr::get(RankedTensorType::get({int64_t(need.size())}, b.getIntegerType(8)),
                                  ArrayRef<int8_t>(need)));
  c.buffer("_live", 1, 32);
  c.buffer("_r", std::max<int64_t>(1, poolReplyBytes(m)), 8);
}

LogicalResult emitPoolDispatcherStep(OpBuilder &b, Location loc, const ActorGraph &g,
                                     const std::vector<Partition> &parts, uint32_t dispatcher,
                                     const std::vector<const Message *> &sent,
                                     const std::vector<const Message *> &received, const ChipDescriptor &chip,
                                     Operation *diagOp) {
  Emitter c{b, loc};
  const uint32_t actor = parts[dispatcher].actor;
  const Actor &a = g.actors[actor];
  const PoolParams &m = a.pool;
  const int32_t N = int32_t(m.jobs), D = int32_t(m.features), O = int32_t(m.outputs), J = int32_t(m.jobsPerWorker);
  const int32_t B = int32_t(m.maxWorkers);
  struct Link {
    uint32_t core;
    const Message *dispatch, *reply;
  };
  std::vector<Link> workers(B, Link{~0u, nullptr, nullptr});
  for (uint32_t i = 0; i < parts.size(); ++i) {
    const Partition &p = parts[i];
    if (p.actor != actor || p.index == 0) continue;
    Link &l = workers[p.index - 1];
    l.core = p.core;
    l.dispatch = find(sent, kPoolDispatchChannel, i, /*bySource=*/false);
    l.reply = find(received, kPoolReplyChannel, i, /*bySource=*/true);
    if (!l.dispatch || !l.reply)
      return diagOp->emitOpError() << "pool worker " << (p.index - 1) << " has no routed dispatch/reply messages";
    if (l.core != poolWorkerCore(g, chip, actor, p.index - 1))
      return diagOp->emitOpError() << "pool worker " << (p.index - 1)
                                   << " is not on its spare core (placement is fixed for spawn)";
  }
  // c = clamp(x[0], 0, N); live = max(prev, need[c]).
  c.liSym(1, "_x");
  c.emit(Opcode::Lb, 4, 1, 0, 0, 0);
  c.emit(Opcode::Max, 4, 4, 0);
  c.li(5, N);
  c.emit(Opcode::Min, 4, 4, 5);
  c.liSym(1, "_need");
  c.emit(Opcode::Add, 1, 1, 4);
  c.emit(Opcode::Lbu, 5, 1, 0, 0, 0);
  c.liSym(1, "_live");
  c.emit(Opcode::Lw, 6, 1, 0, 0, 0);
  c.emit(Opcode::Max, 7, 6, 5);
  c.emit(Opcode::Sw, 0, 1, 7, 0, 0);
  c.liSym(1, "_out");
  c.li(3, int32_t(a.outSize));
  c.emit(Opcode::Vfill, 1, 0, 0, 3);
  // Spawn the newly needed workers, in order: worker w when prev <= w < live.
  for (int32_t w = 0; w < B; ++w) {
    const std::string skip = "pool_spawn" + std::to_string(w) + "_skip";
    c.li(8, w);
    c.emit(Opcode::Bge, 0, 8, 7, 0, 0, "pool_spawned");
    c.emit(Opcode::Blt, 0, 8, 6, 0, 0, skip);
    b.create<mc::SpawnOp>(loc, FlatSymbolRefAttr::get(b.getContext(), poolWorkerImage(a, uint32_t(w))),
                          b.getI32IntegerAttr(int32_t(chip.coreX(workers[w].core))),
                          b.getI32IntegerAttr(int32_t(chip.coreY(workers[w].core))), b.getI32IntegerAttr(w));
    c.label(skip);
  }
  c.label("pool_spawned");
  // Every live worker gets one message per step: jobs [wJ, min((w+1)J, c)),
  // possibly none (it must still reach the barrier).
  for (int32_t w = 0; w < B; ++w) {
    c.li(8, w);
    c.emit(Opcode::Bge, 0, 8, 7, 0, 0, "pool_dispatched");
    c.emit(Opcode::Addi, 9, 4, 0, 0, -w * J);
    c.emit(Opcode::Max, 9, 9, 0);
    c.li(3, J);
    c.emit(Opcode::Min, 9, 9, 3);
    c.emit(Opcode::Muli, 3, 9, 0, 0, D);
    c.li(1, int32_t(workers[w].core));
    c.liSym(2, "_x", 1 + w * J * D);
    c.emit(Opcode::Send, 0, 1, 2, 3, int32_t(workers[w].dispatch->mailbox));
  }
  c.label("pool_dispatched");
  // Jobs [live * J, c) are beyond the workers: computed here or dropped.
  c.emit(Opcode::Muli, 11, 7, 0, 0, J);
  if (m.onBound == PoolOverflow::Self) {
    c.mov(10, 11);
    c.label("pool_excess");
    c.emit(Opcode::Bge, 0, 10, 4, 0, 0, "pool_excess_done");
    emitJob(c, m, 10, "_x", 1, "_out", 0, "pool_excess_row");
    c.emit(Opcode::Addi, 10, 10, 0, 0, 1);
    c.emit(Opcode::Jmp, 0, 0, 0, 0, 0, "pool_excess");
    c.label("pool_excess_done");
  } else {
    c.emit(Opcode::Sub, 9, 4, 11);
    c.emit(Opcode::Max, 9, 9, 0);
    c.liSym(1, "_out", N * O + 1);
    c.emit(Opcode::Sb, 0, 1, 9, 0, 0);
  }
  // One reply per live worker; its results go where its source core says:
  // worker w = K - src with K = numCores - 1 - (spare cores of earlier pools).
  const int32_t K = int32_t(poolWorkerCore(g, chip, actor, 0));
  for (int32_t w = 0; w < B; ++w) {
    c.li(8, w);
    c.emit(Opcode::Bge, 0, 8, 7, 0, 0, "pool_replied");
    c.liSym(1, "_r");
    c.emit(Opcode::Recv, 5, 1, 0, 0, int32_t(workers[w].reply->mailbox));
    c.emit(Opcode::Shri, 9, 5, 0, 0, 16);
    c.emit(Opcode::Shli, 10, 5, 0, 0, 16);
    c.emit(Opcode::Shri, 10, 10, 0, 0, 16);
    c.li(11, K);
    c.emit(Opcode::Sub, 11, 11, 9);
    c.emit(Opcode::Muli, 11, 11, 0, 0, J * O);
    c.liSym(1, "_out");
    c.emit(Opcode::Add, 1, 1, 11);
    c.liSym(2, "_r");
    c.emit(Opcode::Vcopy, 1, 2, 0, 10);
  }
  c.label("pool_replied");
  c.liSym(1, "_out", N * O);
  c.emit(Opcode::Sb, 0, 1, 7, 0, 0);
  return success();
}

LogicalResult emitPoolWorker(OpBuilder &b, Location loc, const ActorGraph &g, const Partition &p,
                             const std::vector<const Message *> &sent, const std::vector<const Message *> &received,
                             const ChipDescriptor &chip, Operation *diagOp) {
  const Actor &a = g.actors[p.actor];
  const PoolParams &m = a.pool;
  const Message *in = nullptr, *reply = nullptr;
  for (const Message *msg : received) in = msg->channel == kPoolDispatchChannel ? msg : in;
  for (const Message *msg : sent) reply = msg->channel == kPoolReplyChannel ? msg : reply;
  if (!in || !reply)
    return diagOp->emitOpError() << "pool worker " << (p.index - 1) << " has no routed dispatch/reply messages";
  b.create<mc::SpareOp>(loc, b.getI32IntegerAttr(int32_t(chip.coreX(p.core))),
                        b.getI32IntegerAttr(int32_t(chip.coreY(p.core))));
  auto core = b.create<mc::CoreOp>(loc, b.getStringAttr(poolWorkerImage(a, p.index - 1)), IntegerAttr(), IntegerAttr());
  core.getBody().emplaceBlock();
  OpBuilder cb(b.getContext());
  cb.setInsertionPointToEnd(core.getBodyBlock());
  Emitter c{cb, loc};
  const int32_t D = int32_t(m.features), O = int32_t(m.outputs);
  templateBuffers(c, m);
  c.buffer("_x", std::max<int64_t>(1, poolDispatchBytes(m)), 8);
  c.buffer("_y", std::max<int64_t>(1, poolReplyBytes(m)), 8);
  // Every step: the jobs (len / D of them) from the dispatcher, the results
  // back to whoever sent them (the source field of recv), the barrier.
  c.label("step");
  c.liSym(1, "_x");
  c.emit(Opcode::Recv, 5, 1, 0, 0, int32_t(in->mailbox));
  c.emit(Opcode::Shri, 7, 5, 0, 0, 16);
  c.emit(Opcode::Shli, 11, 5, 0, 0, 16);
  c.emit(Opcode::Shri, 11, 11, 0, 0, 16);
  c.li(10, 0);
  c.li(4, 0);
  c.label("jobs");
  c.emit(Opcode::Bge, 0, 4, 11, 0, 0, "reply");
  emitJob(c, m, 10, "_x", 0, "_y", 0, "rows");
  c.emit(Opcode::Addi, 10, 10, 0, 0, 1);
  c.emit(Opcode::Addi, 4, 4, 0, 0, D);
  c.emit(Opcode::Jmp, 0, 0, 0, 0, 0, "jobs");
  c.label("reply");
  c.emit(Opcode::Muli, 3, 10, 0, 0, O);
  c.liSym(2, "_y");
  c.emit(Opcode::Send, 0, 7, 2, 3, int32_t(reply->mailbox));
  c.emit(Opcode::Barrier);
  c.emit(Opcode::Jmp, 0, 0, 0, 0, 0, "step");
  return success();
}

} // namespace xpu::transforms
