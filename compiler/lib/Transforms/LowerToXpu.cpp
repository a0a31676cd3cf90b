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

constexpr uint32_t kGather = ~0u;

/// Emits the buffers, labels and instructions of one core.
class CoreEmitter {
public:
  CoreEmitter(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  void buffer(StringRef name, int64_t elements, unsigned bits, ElementsAttr init = {},
              std::optional<mc::HostAccess> host = std::nullopt) {
    auto type = RankedTensorType::get({elements}, b.getIntegerType(bits));
    b.create<mc::BufferOp>(loc, b.getStringAttr(name), TypeAttr::get(type), IntegerAttr(), IntegerAttr(), init,
                           host ? mc::HostAccessAttr::get(b.getContext(), *host) : mc::HostAccessAttr());
  }
  void label(StringRef name) { b.create<mc::LabelOp>(loc, b.getStringAttr(name)); }

  void emit(Opcode opcode, int32_t rd = 0, int32_t rs1 = 0, int32_t rs2 = 0, int32_t rs3 = 0, int32_t imm = 0,
            StringRef target = {}) {
    const mc::IsaOpcode &entry = mc::lookupIsaOpcode(opcode);
    mc::IsaFields f = mc::isaFields(entry.format);
    auto reg = [&](bool used, int32_t v) { return used ? b.getI32IntegerAttr(v) : IntegerAttr(); };
    IntegerAttr immAttr;
    if (f.imm && (target.empty() || imm != 0)) immAttr = b.getI32IntegerAttr(imm);
    b.create<mc::InstOp>(loc, b.getStringAttr(entry.mnemonic), reg(f.rd, rd), reg(f.rs1, rs1), reg(f.rs2, rs2),
                         reg(f.rs3, rs3), immAttr,
                         target.empty() ? FlatSymbolRefAttr() : FlatSymbolRefAttr::get(b.getContext(), target));
  }
  void li(int32_t rd, int32_t value) { emit(Opcode::Li, rd, 0, 0, 0, value); }
  void liSym(int32_t rd, StringRef symbol, int32_t offset = 0) { emit(Opcode::Li, rd, 0, 0, 0, offset, symbol); }

  /// r1 = address, r2 = source<<16|length after the receive.
  void recv(StringRef buf, int32_t offset, uint32_t mailbox) {
    liSym(1, buf, offset);
    emit(Opcode::Recv, 2, 1, 0, 0, int32_t(mailbox));
  }
  void send(uint32_t destCore, StringRef buf, int32_t offset, uint32_t bytes, uint32_t mailbox) {
    li(1, int32_t(destCore));
    liSym(2, buf, offset);
    li(3, int32_t(bytes));
    emit(Opcode::Send, 0, 1, 2, 3, int32_t(mailbox));
  }
  void mcast(StringRef group, StringRef buf, int32_t offset, uint32_t bytes, uint32_t mailbox) {
    liSym(1, group);
    liSym(2, buf, offset);
    li(3, int32_t(bytes));
    emit(Opcode::Mcast, 0, 1, 2, 3, int32_t(mailbox));
  }
  void copy(StringRef dst, int32_t dstOffset, StringRef src, int32_t srcOffset, uint32_t bytes) {
    liSym(1, dst, dstOffset);
    liSym(2, src, srcOffset);
    li(3, int32_t(bytes));
    emit(Opcode::Vcopy, 1, 2, 0, 3);
  }

  OpBuilder &b;
  Location loc;
};

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

    std::vector<uint32_t> partCount(g.actors.size(), 0);
    for (const Partition &p : parts) ++partCount[p.actor];
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
      auto core = b.create<mc::CoreOp>(actorOp->getLoc(), b.getStringAttr(coreName),
                                       b.getI32IntegerAttr(int32_t(chip.coreX(p.core))),
                                       b.getI32IntegerAttr(int32_t(chip.coreY(p.core))));
      core.getBody().emplaceBlock();
      OpBuilder cb(ctx);
      cb.setInsertionPointToEnd(core.getBodyBlock());
      CoreEmitter c(cb, actorOp->getLoc());

      // ---- buffers
      OutputRef out;
      switch (a.kind) {
      case ActorKind::Input:
        if (a.name[0] == '_')
          return actorOp->emitOpError() << "input names starting with '_' are reserved";
        c.buffer(a.name, a.outSize, 8 * eb, {}, mc::HostAccess::Input);
        out = {a.name, 0};
        break;
      case ActorKind::Linear: {
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
        c.buffer("_x", a.inSize, 8);
        c.buffer("_acc", rows, 32);
        if (a.requantize) c.buffer("_out", rows, 8);
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
        if (a.kind == ActorKind::Linear) return {"_x", int32_t(m.begin * seb)};
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
        if (m->delay) emitSend(*m);

      // ---- the timestep loop
      // Receives of one phase (inputs, or output gathers). A mailbox shared
      // by single messages from several sources is drained in arrival order,
      // each message copied to its place according to its source core.
      unsigned dispatchCount = 0;
      auto receive = [&](bool gathers) {
        std::map<uint32_t, std::vector<const Message *>> byMailbox;
        std::vector<uint32_t> order;
        for (const Message *m : byDst[pi])
          if ((m->channel == kGather) == gathers) {
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
      case ActorKind::Linear:
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
      for (const Message *m : bySrc[pi]) emitSend(*m);
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
