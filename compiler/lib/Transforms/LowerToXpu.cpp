// nact-lower-to-xpu: one xpu program per slice of a partitioned, placed and
// routed nact graph.
//
// Every core runs the same timestep loop (docs/compiler.md "Generated code"):
//   prologue: send the delay-1 messages of step -1 (zeros)
//   step:     recv this slice's inputs; compute; copy graph outputs;
//             send / multicast; recv output gathers; barrier; jmp step
// The routing pass guarantees that no mailbox ever holds more messages than
// its depth, so receives never block the network and the loop cannot
// deadlock; delay-0 dependencies are acyclic, so every receive is eventually
// matched.
#include "compiler/lib/Frontend/NactBridge.h"
#include "compiler/lib/Transforms/LowerEvents.h"
#include "compiler/lib/Transforms/CoreEmitter.h"
#include "compiler/lib/Transforms/LowerPool.h"
#include "compiler/lib/Transforms/Passes.h"

#include "dialects/Nact/NactOps.h"
#include "dialects/Xpu/XpuOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include <map>
#include <set>

namespace xpu::transforms {
#define GEN_PASS_DEF_NACTLOWERTOXPU
#include "compiler/lib/Transforms/Passes.h.inc"
} // namespace xpu::transforms

using namespace mlir;
using ::xpu::Opcode;
using namespace xpu::graph;

namespace xpu::transforms {
namespace {

constexpr uint32_t kGather = kGatherChannel;

bool isMoeMessage(const Message &m) { return m.channel == kMoeDispatchChannel || m.channel == kMoeReplyChannel; }
/// Messages the kind's own code sends and receives (moe, pool), not the
/// generic channel phases.
bool isKindMessage(const Message &m) {
  return isMoeMessage(m) || m.channel == kPoolDispatchChannel || m.channel == kPoolReplyChannel;
}

DenseElementsAttr i8Init(OpBuilder &b, ArrayRef<int8_t> v) {
  return DenseElementsAttr::get(RankedTensorType::get({int64_t(v.size())}, b.getIntegerType(8)), v);
}
DenseElementsAttr i32Init(OpBuilder &b, ArrayRef<int32_t> v) {
  return DenseElementsAttr::get(RankedTensorType::get({int64_t(v.size())}, b.getIntegerType(32)), v);
}

/// Mixture of experts, router/combiner (docs/compiler.md "Mixture of
/// experts"): scores with vdot, gates with vreq, selection with vargmax and
/// masking, one dispatch message per expert [token, gate, x[token]]..., then
/// the experts' replies [token, gate, y]... combined with vmacs.
void emitMoeRouterBuffers(CoreEmitter &c, const Actor &a) {
  const MoeParams &m = a.moe;
  const uint32_t T = m.tokens, E = m.experts, D = m.dim, O = m.outDim;
  c.buffer("_wr", int64_t(E) * D, 8, i8Init(c.b, m.routerWeight));
  c.buffer("_x", int64_t(T) * D, 8);
  c.buffer("_s", int64_t(T) * E, 32);
  c.buffer("_g", int64_t(T) * E, 8);
  c.buffer("_m", std::max(T, E), 32);
  c.buffer("_d", int64_t(E) * moeDispatchBytes(m), 8);
  c.buffer("_len", E, 32);
  c.buffer("_r", moeReplyBytes(m), 8);
  c.buffer("_out", int64_t(T) * O, 32);
}

void emitMoeRouterCompute(CoreEmitter &c, const Actor &a) {
  const MoeParams &m = a.moe;
  const int32_t T = int32_t(m.tokens), E = int32_t(m.experts), D = int32_t(m.dim);
  const int32_t stride = int32_t(moeDispatchBytes(m)), entry = int32_t(kMoeHeaderBytes) + D;
  const bool topK = m.routing == MoeRouting::TopK;
  // Scores, expert-major [e][t] for expert choice (each expert scans its
  // row), token-major [t][e] for top-k (each token scans its row).
  c.liSym(1, topK ? "_x" : "_wr");
  c.liSym(4, "_s");
  c.li(5, topK ? T : E);
  c.label("moe_score_outer");
  c.liSym(2, topK ? "_wr" : "_x");
  c.li(6, topK ? E : T);
  c.label("moe_score_inner");
  c.li(7, 0);
  c.li(3, D);
  c.emit(Opcode::Vdot, 7, 1, 2, 3);
  c.emit(Opcode::Sw, 0, 4, 7, 0, 0);
  c.emit(Opcode::Addi, 4, 4, 0, 0, 4);
  c.emit(Opcode::Addi, 2, 2, 0, 0, D);
  c.emit(Opcode::Addi, 6, 6, 0, 0, -1);
  c.emit(Opcode::Bne, 0, 6, 0, 0, 0, "moe_score_inner");
  c.emit(Opcode::Addi, 1, 1, 0, 0, D);
  c.emit(Opcode::Addi, 5, 5, 0, 0, -1);
  c.emit(Opcode::Bne, 0, 5, 0, 0, 0, "moe_score_outer");
  // Gates: every score requantised at once, exactly as the reference does.
  c.b.create<mc::VreqOp>(c.loc, StringRef("_g"), 0, StringRef("_s"), 0, T * E, int32_t(m.gateShift), false);
  // r8: score row, r9: gate row, r13: the pick of vargmax.
  auto pickAndMask = [&](int32_t n) {
    c.liSym(1, "_m");
    c.li(3, n);
    c.emit(Opcode::Vargmax, 13, 1, 0, 3);
    c.emit(Opcode::Shli, 2, 13, 0, 0, 2);
    c.emit(Opcode::Add, 2, 2, 1);
    c.li(3, INT32_MIN); // below every score: |score| <= D * 2^14 < 2^31
    c.emit(Opcode::Sw, 0, 2, 3, 0, 0);
  };
  auto copyRow = [&](int32_t bytes) {
    c.liSym(1, "_m");
    c.emit(Opcode::Addi, 2, 8, 0, 0, 0);
    c.li(3, bytes);
    c.emit(Opcode::Vcopy, 1, 2, 0, 3);
  };
  c.liSym(8, "_s");
  c.liSym(9, "_g");
  if (!topK) {
    // Expert e takes its top `capacity` tokens: repeated vargmax over its
    // scores, each pick masked; r10 walks the dispatch buffers.
    c.liSym(10, "_d");
    c.li(11, E);
    c.label("moe_expert");
    copyRow(4 * T);
    c.li(12, int32_t(m.capacity));
    c.label("moe_pick");
    pickAndMask(T);
    c.emit(Opcode::Sb, 0, 10, 13, 0, 0);                // token index
    c.emit(Opcode::Add, 2, 9, 13);
    c.emit(Opcode::Lb, 3, 2, 0, 0, 0);
    c.emit(Opcode::Sb, 0, 10, 3, 0, 1);                 // gate
    c.emit(Opcode::Muli, 2, 13, 0, 0, D);
    c.liSym(3, "_x");
    c.emit(Opcode::Add, 2, 2, 3);
    c.emit(Opcode::Addi, 1, 10, 0, 0, int32_t(kMoeHeaderBytes));
    c.li(3, D);
    c.emit(Opcode::Vcopy, 1, 2, 0, 3);                  // features
    c.emit(Opcode::Addi, 10, 10, 0, 0, entry);
    c.emit(Opcode::Addi, 12, 12, 0, 0, -1);
    c.emit(Opcode::Bne, 0, 12, 0, 0, 0, "moe_pick");
    c.emit(Opcode::Addi, 8, 8, 0, 0, 4 * T);
    c.emit(Opcode::Addi, 9, 9, 0, 0, T);
    c.emit(Opcode::Addi, 11, 11, 0, 0, -1);
    c.emit(Opcode::Bne, 0, 11, 0, 0, 0, "moe_expert");
    return;
  }
  // Top-k: token t (r14, features at r10) picks its top k experts; expert e
  // accepts while its buffer has room (tokens arrive in token order).
  c.liSym(1, "_len");
  c.li(3, 4 * E);
  c.emit(Opcode::Vfill, 1, 0, 0, 3);
  c.liSym(10, "_x");
  c.li(14, 0);
  c.li(11, T);
  c.label("moe_token");
  copyRow(4 * E);
  c.li(12, int32_t(m.k));
  c.label("moe_pick");
  pickAndMask(E);
  c.emit(Opcode::Shli, 2, 13, 0, 0, 2);
  c.liSym(3, "_len");
  c.emit(Opcode::Add, 15, 2, 3);                        // &len[e]
  c.emit(Opcode::Lw, 4, 15, 0, 0, 0);
  c.li(5, stride);
  c.emit(Opcode::Bge, 0, 4, 5, 0, 0, "moe_full");       // capacity reached: dropped
  c.emit(Opcode::Muli, 6, 13, 0, 0, stride);
  c.liSym(7, "_d");
  c.emit(Opcode::Add, 6, 6, 7);
  c.emit(Opcode::Add, 6, 6, 4);
  c.emit(Opcode::Sb, 0, 6, 14, 0, 0);                   // token index
  c.emit(Opcode::Add, 2, 9, 13);
  c.emit(Opcode::Lb, 3, 2, 0, 0, 0);
  c.emit(Opcode::Sb, 0, 6, 3, 0, 1);                    // gate
  c.emit(Opcode::Addi, 1, 6, 0, 0, int32_t(kMoeHeaderBytes));
  c.emit(Opcode::Addi, 2, 10, 0, 0, 0);
  c.li(3, D);
  c.emit(Opcode::Vcopy, 1, 2, 0, 3);                    // features
  c.emit(Opcode::Addi, 4, 4, 0, 0, entry);
  c.emit(Opcode::Sw, 0, 15, 4, 0, 0);
  c.label("moe_full");
  c.emit(Opcode::Addi, 12, 12, 0, 0, -1);
  c.emit(Opcode::Bne, 0, 12, 0, 0, 0, "moe_pick");
  c.emit(Opcode::Addi, 8, 8, 0, 0, 4 * E);
  c.emit(Opcode::Addi, 9, 9, 0, 0, E);
  c.emit(Opcode::Addi, 10, 10, 0, 0, D);
  c.emit(Opcode::Addi, 14, 14, 0, 0, 1);
  c.emit(Opcode::Addi, 11, 11, 0, 0, -1);
  c.emit(Opcode::Bne, 0, 11, 0, 0, 0, "moe_token");
}

/// Sends expert e its tokens (one message, possibly empty).
void emitMoeDispatch(CoreEmitter &c, const Actor &a, uint32_t expert, uint32_t core, uint32_t mailbox) {
  const int32_t stride = int32_t(moeDispatchBytes(a.moe));
  c.li(1, int32_t(core));
  c.liSym(2, "_d", int32_t(expert) * stride);
  if (a.moe.routing == MoeRouting::TopK) {
    c.liSym(4, "_len");
    c.emit(Opcode::Lw, 3, 4, 0, 0, 4 * int32_t(expert));
  } else {
    c.li(3, stride);
  }
  c.emit(Opcode::Send, 0, 1, 2, 3, int32_t(mailbox));
}

/// Receives `count` replies from mailbox `mailbox`, in any order, and adds
/// gate x y into the output row of each token they carry.
void emitMoeCombine(CoreEmitter &c, const Actor &a, uint32_t mailbox, uint32_t count, const std::string &tag) {
  const int32_t O = int32_t(a.moe.outDim);
  c.li(9, int32_t(count));
  c.label(tag);
  c.liSym(1, "_r");
  c.emit(Opcode::Recv, 2, 1, 0, 0, int32_t(mailbox));
  c.emit(Opcode::Andi, 3, 2, 0, 0, 0xFFFF);             // length
  c.liSym(5, "_r");
  c.emit(Opcode::Add, 12, 5, 3);
  c.label(tag + "_entry");
  c.emit(Opcode::Beq, 0, 5, 12, 0, 0, tag + "_done");
  c.emit(Opcode::Lbu, 6, 5, 0, 0, 0);                   // token
  c.emit(Opcode::Lb, 7, 5, 0, 0, 1);                    // gate
  c.emit(Opcode::Muli, 6, 6, 0, 0, 4 * O);
  c.liSym(4, "_out");
  c.emit(Opcode::Add, 6, 6, 4);
  c.emit(Opcode::Addi, 1, 5, 0, 0, int32_t(kMoeHeaderBytes));
  c.li(3, O);
  c.emit(Opcode::Vmacs, 6, 1, 7, 3);
  c.emit(Opcode::Addi, 5, 5, 0, 0, int32_t(kMoeHeaderBytes) + O);
  c.emit(Opcode::Jmp, 0, 0, 0, 0, 0, tag + "_entry");
  c.label(tag + "_done");
  c.emit(Opcode::Addi, 9, 9, 0, 0, -1);
  c.emit(Opcode::Bne, 0, 9, 0, 0, 0, tag);
}

/// One expert: receive the router's tokens, y = vreq(W x + b) per token, and
/// reply to whoever sent them: the source core that recv returns (rd >> 16),
/// not a core fixed at compile time.
void emitMoeExpert(CoreEmitter &c, const Actor &a, uint32_t expert, uint32_t inMailbox, uint32_t replyMailbox) {
  const MoeParams &m = a.moe;
  const int32_t D = int32_t(m.dim), O = int32_t(m.outDim);
  const size_t rows = m.outDim;
  std::vector<int8_t> w(m.expertWeight.begin() + expert * rows * m.dim,
                        m.expertWeight.begin() + (expert + 1) * rows * m.dim);
  std::vector<int32_t> bias(rows, 0);
  if (!m.expertBias.empty())
    bias.assign(m.expertBias.begin() + expert * rows, m.expertBias.begin() + (expert + 1) * rows);
  c.buffer("_w", int64_t(w.size()), 8, i8Init(c.b, w));
  c.buffer("_b", O, 32, i32Init(c.b, bias));
  c.buffer("_xin", moeDispatchBytes(m), 8);
  c.buffer("_acc", O, 32);
  c.buffer("_y", moeReplyBytes(m), 8);
  c.label("step");
  c.liSym(1, "_xin");
  c.emit(Opcode::Recv, 2, 1, 0, 0, int32_t(inMailbox));
  c.emit(Opcode::Shri, 10, 2, 0, 0, 16);                // the sender: reply address
  c.emit(Opcode::Andi, 3, 2, 0, 0, 0xFFFF);             // length: tokens x (2 + D)
  c.liSym(5, "_xin");
  c.emit(Opcode::Add, 12, 5, 3);
  c.liSym(11, "_y");
  c.label("tokens");
  c.emit(Opcode::Beq, 0, 5, 12, 0, 0, "reply");
  c.emit(Opcode::Lbu, 7, 5, 0, 0, 0);                   // header [token, gate] echoed
  c.emit(Opcode::Sb, 0, 11, 7, 0, 0);
  c.emit(Opcode::Lbu, 7, 5, 0, 0, 1);
  c.emit(Opcode::Sb, 0, 11, 7, 0, 1);
  c.liSym(1, "_w");
  c.emit(Opcode::Addi, 2, 5, 0, 0, int32_t(kMoeHeaderBytes));
  c.li(3, D);
  c.liSym(4, "_acc");
  c.liSym(13, "_b");
  c.li(6, O);
  c.label("rows");
  c.emit(Opcode::Lw, 7, 13, 0, 0, 0);
  c.emit(Opcode::Vdot, 7, 1, 2, 3);
  c.emit(Opcode::Sw, 0, 4, 7, 0, 0);
  c.emit(Opcode::Addi, 1, 1, 0, 0, D);
  c.emit(Opcode::Addi, 4, 4, 0, 0, 4);
  c.emit(Opcode::Addi, 13, 13, 0, 0, 4);
  c.emit(Opcode::Addi, 6, 6, 0, 0, -1);
  c.emit(Opcode::Bne, 0, 6, 0, 0, 0, "rows");
  c.liSym(4, "_acc");
  c.emit(Opcode::Addi, 1, 11, 0, 0, int32_t(kMoeHeaderBytes));
  c.li(3, O);
  c.emit(Opcode::Vreq, 1, 4, 0, 3, int32_t(m.expertRequantize.shift | (m.expertRequantize.relu ? 1u << 8 : 0u)));
  c.emit(Opcode::Addi, 5, 5, 0, 0, int32_t(kMoeHeaderBytes) + D);
  c.emit(Opcode::Addi, 11, 11, 0, 0, int32_t(kMoeHeaderBytes) + O);
  c.emit(Opcode::Jmp, 0, 0, 0, 0, 0, "tokens");
  c.label("reply");
  c.liSym(2, "_y");
  c.emit(Opcode::Sub, 3, 11, 2);
  c.emit(Opcode::Send, 0, 10, 2, 3, int32_t(replyMailbox));
  c.emit(Opcode::Barrier);
  c.emit(Opcode::Jmp, 0, 0, 0, 0, 0, "step");
}

/// Where a slice's output lives in its core's SRAM.
struct OutputRef {
  std::string buffer;
  int32_t baseOffset = 0; // bytes before element `begin` of the slice
};

struct NactLowerToXpuPass : impl::NactLowerToXpuBase<NactLowerToXpuPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<ChipDescriptor> chip = bridge::targetChip(module);
    if (failed(chip)) return signalPassFailure();
    for (auto graphOp : llvm::make_early_inc_range(module.getOps<nact::GraphOp>())) {
      auto e = bridge::exportGraph(graphOp, &*chip);
      if (failed(e)) return signalPassFailure();
      if (!e->routing) {
        graphOp.emitError() << "is not routed: run --nact-partition, --nact-place and --nact-route first";
        return signalPassFailure();
      }
      if (failed(lower(module, graphOp, *e, *chip))) return signalPassFailure();
      graphOp.erase();
    }
  }

  LogicalResult lower(ModuleOp module, nact::GraphOp graphOp, const bridge::ExportedGraph &e,
                      const ChipDescriptor &chip) {
    const ActorGraph &g = e.graph;
    const std::vector<Partition> &parts = e.parts;
    const Routing &routing = *e.routing;
    MLIRContext *ctx = module.getContext();
    OpBuilder b(ctx);
    b.setInsertionPoint(graphOp);
    Location loc = graphOp.getLoc();
    auto xmod = b.create<mc::ModuleOp>(loc, graphOp.getSymNameAttr(), bridge::toChipAttr(ctx, chip));
    xmod.getBody().emplaceBlock();
    b.setInsertionPointToEnd(xmod.getBodyBlock());

    for (const MulticastGroup &grp : routing.groups) {
      std::vector<int32_t> coords;
      for (uint32_t d : grp.destinations) {
        coords.push_back(int32_t(chip.coreX(d)));
        coords.push_back(int32_t(chip.coreY(d)));
      }
      b.create<mc::GroupOp>(loc, "g" + std::to_string(grp.id), int32_t(grp.id), int32_t(chip.coreX(grp.source)),
                            int32_t(chip.coreY(grp.source)), coords);
    }
    emitEventMailboxes(b, loc, g, parts, routing, chip);

    // Slices on the graph's channels per actor (a moe actor's experts are not).
    std::vector<uint32_t> partCount(g.actors.size(), 0);
    for (const Partition &p : parts) partCount[p.actor] += onChannels(g, p);
    // Incoming channel rank per (actor, channel): which staging buffer.
    std::vector<std::vector<uint32_t>> incoming(g.actors.size());
    for (uint32_t ci = 0; ci < g.channels.size(); ++ci) incoming[g.channels[ci].to].push_back(ci);
    // Graph outputs per actor (the first one receives gathers).
    std::vector<std::vector<std::string>> outputsOf(g.actors.size());
    for (const GraphOutput &o : g.outputs) {
      if (o.name.empty() || o.name[0] == '_')
        return graphOp.emitError() << "graph output '" << o.name << "': names starting with '_' are reserved";
      outputsOf[o.actor].push_back(o.name);
    }

    // Messages by source and by destination slice, in routing order (the
    // order of sends and receives on each core).
    std::vector<std::vector<const Message *>> bySrc(parts.size()), byDst(parts.size());
    for (const Message &m : routing.messages) {
      bySrc[m.srcPart].push_back(&m);
      for (uint32_t d : m.dstParts) byDst[d].push_back(&m);
    }

    for (uint32_t pi = 0; pi < parts.size(); ++pi) {
      const Partition &p = parts[pi];
      const Actor &a = g.actors[p.actor];
      const uint32_t rows = p.size();
      const uint32_t eb = elemBytes(a.outType);
      Operation *actorOp = e.actorOps[p.actor];
      std::string coreName = a.name + (partCount[p.actor] > 1 ? "_" + std::to_string(p.index) : "");
      if (isPoolWorker(g, p)) { // a pool worker: an image for spawn on its spare core
        if (failed(emitPoolWorker(b, actorOp->getLoc(), g, p, bySrc[pi], byDst[pi], chip, actorOp))) return failure();
        continue;
      }
      if (!onChannels(g, p)) { // a moe expert: its own op, name and location
        actorOp = e.expertOps[p.actor][p.index - 1];
        coreName = actorOp->getAttrOfType<StringAttr>(SymbolTable::getSymbolAttrName()).str();
      }
      auto core = b.create<mc::CoreOp>(actorOp->getLoc(), b.getStringAttr(coreName),
                                       b.getI32IntegerAttr(int32_t(chip.coreX(p.core))),
                                       b.getI32IntegerAttr(int32_t(chip.coreY(p.core))));
      core.getBody().emplaceBlock();
      OpBuilder cb(ctx);
      cb.setInsertionPointToEnd(core.getBodyBlock());
      CoreEmitter c(cb, actorOp->getLoc());

      if (!onChannels(g, p)) { // a moe expert
        const Message *in = nullptr, *reply = nullptr;
        for (const Message *m : byDst[pi]) in = m->channel == kMoeDispatchChannel ? m : in;
        for (const Message *m : bySrc[pi]) reply = m->channel == kMoeReplyChannel ? m : reply;
        if (!in || !reply)
          return actorOp->emitOpError() << "expert " << (p.index - 1) << " has no routed dispatch/reply messages";
        emitMoeExpert(c, a, p.index - 1, in->mailbox, reply->mailbox);
        continue;
      }

      // ---- buffers
      OutputRef out;
      switch (a.kind) {
      case ActorKind::Moe:
        emitMoeRouterBuffers(c, a);
        out = {"_out", 0};
        break;
      case ActorKind::Pool:
        emitPoolDispatcherBuffers(cb, c.loc, a);
        out = {"_out", 0};
        break;
      case ActorKind::Input:
        if (a.name[0] == '_')
          return actorOp->emitOpError() << "input names starting with '_' are reserved";
        c.buffer(a.name, a.outSize, 8 * eb, {}, mc::HostAccess::Input);
        out = {a.name, 0};
        break;
      case ActorKind::Linear: {
        if (hasEventInput(g, p.actor)) {
          const Message *in = nullptr;
          for (const Message *m : byDst[pi]) in = isEventMessage(g, *m) ? m : in;
          if (!in) return actorOp->emitOpError() << "has no routed events stream";
          emitEventLinearBuffers(cb, c.loc, a, p, g.channels[in->channel].eventsPerMessage);
          out = {a.requantize ? "_out" : "_acc", 0};
          break;
        }
        std::vector<int8_t> w(a.weight.begin() + size_t(p.begin) * a.inSize,
                              a.weight.begin() + size_t(p.end) * a.inSize);
        c.buffer("_w", int64_t(w.size()), 8,
                 DenseElementsAttr::get(RankedTensorType::get({int64_t(w.size())}, cb.getIntegerType(8)),
                                        ArrayRef<int8_t>(w)));
        if (!a.bias.empty()) {
          std::vector<int32_t> bias(a.bias.begin() + p.begin, a.bias.begin() + p.end);
          c.buffer("_b", rows, 32,
                   DenseElementsAttr::get(RankedTensorType::get({int64_t(rows)}, cb.getIntegerType(32)),
                                          ArrayRef<int32_t>(bias)));
        }
        // The input is dead once the rows are computed and the int8 output
        // is born at requantisation: they share SRAM (xpu.buffer live).
        c.temporary("_x", a.inSize, 8, kPhaseReceive, kPhaseCompute);
        c.temporary("_acc", rows, 32, kPhaseCompute, a.requantize ? kPhaseRequantise : kPhaseSend);
        if (a.requantize) c.temporary("_out", rows, 8, kPhaseRequantise, kPhaseSend);
        out = {a.requantize ? "_out" : "_acc", 0};
        break;
      }
      default: {
        const bool cuba = a.kind == ActorKind::CubaLIF;
        std::vector<int32_t> state = {a.params.dv, a.params.du, a.params.vth, a.params.vReset, a.params.bias};
        state.resize(5 + size_t(rows) * (cuba ? 2 : 1), 0);
        c.buffer("_state", int64_t(state.size()), 32,
                 DenseElementsAttr::get(RankedTensorType::get({int64_t(state.size())}, cb.getIntegerType(32)),
                                        ArrayRef<int32_t>(state)));
        c.buffer("_cur", rows, 32);
        if (incoming[p.actor].size() > 1)
          for (size_t k = 0; k < incoming[p.actor].size(); ++k) c.buffer("_in" + std::to_string(k), rows, 32);
        c.buffer("_spk", rows, 8);
        if (hasEventOutput(g, p.actor)) emitEventSourceBuffers(cb, c.loc, rows);
        out = a.kind == ActorKind::LI ? OutputRef{"_state", 20} : OutputRef{"_spk", 0};
        break;
      }
      }
      if (p.index == 0)
        for (const std::string &name : outputsOf[p.actor])
          c.buffer(name, a.outSize, 8 * eb, {}, mc::HostAccess::Output);

      // A staging buffer for mailboxes shared by several sources.
      {
        std::map<uint32_t, std::set<uint32_t>> sourcesOf;
        std::map<uint32_t, uint32_t> largest;
        for (const Message *m : byDst[pi]) {
          if (isKindMessage(*m) || isEventMessage(g, *m)) continue; // moe/pool replies land in _r
          sourcesOf[m->mailbox].insert(parts[m->srcPart].core);
          largest[m->mailbox] = std::max(largest[m->mailbox], m->bytes);
        }
        uint32_t stage = 0;
        for (const auto &[mb, sources] : sourcesOf)
          if (sources.size() > 1) stage = std::max(stage, largest[mb]);
        if (stage) c.buffer("_stage", (stage + 3) / 4, 32);
      }

      // Where message m lands on this slice.
      auto landing = [&](const Message &m) -> std::pair<std::string, int32_t> {
        if (m.channel == kGather) return {outputsOf[p.actor][0], int32_t(m.begin * eb)};
        const Actor &src = g.actors[g.channels[m.channel].from];
        const uint32_t seb = elemBytes(src.outType);
        if (consumesWholeInput(a.kind)) return {"_x", int32_t(m.begin * seb)};
        const auto &in = incoming[p.actor];
        const int32_t off = int32_t((m.begin - p.begin) * seb);
        if (in.size() == 1) return {"_cur", off};
        size_t k = std::find(in.begin(), in.end(), m.channel) - in.begin();
        return {"_in" + std::to_string(k), off};
      };
      auto emitSend = [&](const Message &m) {
        const int32_t off = out.baseOffset + int32_t((m.begin - p.begin) * eb);
        if (m.group >= 0) c.mcast("g" + std::to_string(m.group), out.buffer, off, m.bytes, m.mailbox);
        else c.send(parts[m.dstParts[0]].core, out.buffer, off, m.bytes, m.mailbox);
      };

      // ---- prologue: delay-1 messages of step -1 carry zeros
      for (const Message *m : bySrc[pi])
        if (m->delay && !isKindMessage(*m) && !isEventMessage(g, *m)) emitSend(*m);

      // ---- the timestep loop
      // Receives of one phase (inputs, or output gathers). A mailbox shared
      // by single messages from several sources is drained in arrival order,
      // each message copied to its place according to its source core.
      unsigned dispatchCount = 0;
      auto receive = [&](bool gathers) {
        std::map<uint32_t, std::vector<const Message *>> byMailbox;
        std::vector<uint32_t> order;
        for (const Message *m : byDst[pi])
          if (!isKindMessage(*m) && !isEventMessage(g, *m) && (m->channel == kGather) == gathers) {
            if (!byMailbox.count(m->mailbox)) order.push_back(m->mailbox);
            byMailbox[m->mailbox].push_back(m);
          }
        for (uint32_t mb : order) {
          const auto &msgs = byMailbox[mb];
          std::set<uint32_t> sources;
          for (const Message *m : msgs) sources.insert(parts[m->srcPart].core);
          if (sources.size() == 1) {
            // One stream: its messages arrive in the order they were sent.
            for (const Message *m : msgs) {
              auto [buf, off] = landing(*m);
              c.recv(buf, off, mb);
            }
            continue;
          }
          const std::string tag = "mb" + std::to_string(dispatchCount++);
          c.li(9, int32_t(msgs.size()));
          c.label(tag);
          c.liSym(1, "_stage");
          c.emit(Opcode::Recv, 2, 1, 0, 0, int32_t(mb));
          c.emit(Opcode::Shri, 3, 2, 0, 0, 16);
          for (size_t j = 0; j < msgs.size(); ++j) {
            c.li(4, int32_t(parts[msgs[j]->srcPart].core));
            c.emit(Opcode::Beq, 0, 3, 4, 0, 0, tag + "_" + std::to_string(j));
          }
          for (size_t j = 0; j < msgs.size(); ++j) {
            c.label(tag + "_" + std::to_string(j));
            auto [buf, off] = landing(*msgs[j]);
            c.copy(buf, off, "_stage", 0, msgs[j]->bytes);
            c.emit(Opcode::Jmp, 0, 0, 0, 0, 0, tag + "_next");
          }
          c.label(tag + "_next");
          c.emit(Opcode::Addi, 9, 9, 0, 0, -1);
          c.emit(Opcode::Bne, 0, 9, 0, 0, 0, tag);
        }
      };

      c.label("step");
      receive(/*gathers=*/false);
      switch (a.kind) {
      case ActorKind::Input:
        break;
      case ActorKind::Pool:
        if (failed(emitPoolDispatcherStep(cb, c.loc, g, parts, pi, bySrc[pi], byDst[pi], chip, actorOp)))
          return failure();
        break;
      case ActorKind::Moe: {
        emitMoeRouterCompute(c, a);
        std::map<uint32_t, uint32_t> replies; // mailbox -> replies per step
        for (const Message *m : bySrc[pi])
          if (m->channel == kMoeDispatchChannel)
            emitMoeDispatch(c, a, parts[m->dstParts[0]].index - 1, parts[m->dstParts[0]].core, m->mailbox);
        for (const Message *m : byDst[pi])
          if (m->channel == kMoeReplyChannel) ++replies[m->mailbox];
        c.liSym(1, "_out");
        c.li(3, int32_t(4 * a.outSize));
        c.emit(Opcode::Vfill, 1, 0, 0, 3);
        for (const auto &[mb, count] : replies)
          emitMoeCombine(c, a, mb, count, "moe_combine" + std::to_string(mb));
        break;
      }
      case ActorKind::Linear:
        if (hasEventInput(g, p.actor)) {
          for (const Message *m : byDst[pi])
            if (isEventMessage(g, *m)) emitEventLinearStep(cb, c.loc, a, p, *m);
          break;
        }
        // acc[o] = bias[o] + vdot(w[o], x), one row per iteration.
        c.liSym(1, "_w");
        c.liSym(2, "_x");
        c.li(3, int32_t(a.inSize));
        c.liSym(4, "_acc");
        if (!a.bias.empty()) c.liSym(5, "_b");
        c.li(6, int32_t(rows));
        c.label("rows");
        if (!a.bias.empty()) c.emit(Opcode::Lw, 7, 5, 0, 0, 0);
        else c.li(7, 0);
        c.emit(Opcode::Vdot, 7, 1, 2, 3);
        c.emit(Opcode::Sw, 0, 4, 7, 0, 0);
        c.emit(Opcode::Addi, 1, 1, 0, 0, int32_t(a.inSize));
        c.emit(Opcode::Addi, 4, 4, 0, 0, 4);
        if (!a.bias.empty()) c.emit(Opcode::Addi, 5, 5, 0, 0, 4);
        c.emit(Opcode::Addi, 6, 6, 0, 0, -1);
        c.emit(Opcode::Bne, 0, 6, 0, 0, 0, "rows");
        if (a.requantize)
          cb.create<mc::VreqOp>(c.loc, StringRef("_out"), 0, StringRef("_acc"), 0, int32_t(rows),
                                int32_t(a.requantize->shift), a.requantize->relu);
        break;
      default: {
        const auto &in = incoming[p.actor];
        auto ref = [](const std::string &s) { return s; };
        if (in.size() > 1) {
          cb.create<mc::Vadd32Op>(c.loc, StringRef("_cur"), 0, StringRef("_in0"), 0, StringRef("_in1"), 0,
                                  int32_t(rows));
          for (size_t k = 2; k < in.size(); ++k)
            cb.create<mc::Vadd32Op>(c.loc, StringRef("_cur"), 0, StringRef("_cur"), 0,
                                    StringRef(ref("_in" + std::to_string(k))), 0, int32_t(rows));
        }
        mc::NeuronModel model = a.kind == ActorKind::IF ? mc::NeuronModel::IF
                                : a.kind == ActorKind::CubaLIF ? mc::NeuronModel::CubaLIF
                                : a.kind == ActorKind::LI ? mc::NeuronModel::LI : mc::NeuronModel::LIF;
        cb.create<mc::NstepOp>(c.loc, StringRef("_spk"), 0, StringRef("_state"), 0, StringRef("_cur"), 0,
                               int32_t(rows), model,
                               mc::ResetMode(static_cast<uint32_t>(a.reset)));
        break;
      }
      }
      if (p.index == 0)
        for (size_t k = 0; k < outputsOf[p.actor].size(); ++k)
          if (k == 0 || partCount[p.actor] == 1)
            c.copy(outputsOf[p.actor][k], int32_t(p.begin * eb), out.buffer, out.baseOffset, rows * eb);
      for (const Message *m : bySrc[pi])
        if (!isKindMessage(*m) && !isEventMessage(g, *m)) emitSend(*m);
      emitEventSends(cb, c.loc, g, parts, rows, bySrc[pi]);
      receive(/*gathers=*/true);
      // Further outputs of a gathered actor copy the first one.
      if (p.index == 0 && partCount[p.actor] > 1)
        for (size_t k = 1; k < outputsOf[p.actor].size(); ++k)
          c.copy(outputsOf[p.actor][k], 0, outputsOf[p.actor][0], 0, a.outSize * eb);
      c.emit(Opcode::Barrier);
      c.emit(Opcode::Jmp, 0, 0, 0, 0, 0, "step");
    }
    return success();
  }
};

} // namespace
} // namespace xpu::transforms
