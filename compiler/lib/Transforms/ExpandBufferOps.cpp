// Expands buffer-level xpu ops into xpu.inst sequences (scratch r12..r15).
#include "compiler/lib/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/TypeSwitch.h"

namespace xpu::transforms {
#define GEN_PASS_DEF_EXPANDBUFFEROPS
#include "compiler/lib/Transforms/Passes.h.inc"
} // namespace xpu::transforms

using namespace mlir;
using namespace xpu::mc;
using ::xpu::Opcode;

namespace {

constexpr int32_t kR12 = kScratchRegisters[0], kR13 = kScratchRegisters[1],
                  kR14 = kScratchRegisters[2], kR15 = kScratchRegisters[3];

/// Builds xpu.inst ops, setting exactly the fields the opcode's format uses.
class InstBuilder {
public:
  InstBuilder(Operation *anchor) : builder(anchor), loc(anchor->getLoc()) {}

  void emit(Opcode opcode, int32_t rd = 0, int32_t rs1 = 0, int32_t rs2 = 0,
            int32_t rs3 = 0, int32_t imm = 0, FlatSymbolRefAttr target = {}) {
    const IsaOpcode &entry = lookupIsaOpcode(opcode);
    IsaFields fields = isaFields(entry.format);
    auto reg = [&](bool used, int32_t value) {
      return used ? builder.getI32IntegerAttr(value) : IntegerAttr();
    };
    IntegerAttr immAttr;
    if (fields.imm && (!target || imm != 0))
      immAttr = builder.getI32IntegerAttr(imm);
    builder.create<InstOp>(loc, builder.getStringAttr(entry.mnemonic),
                           reg(fields.rd, rd), reg(fields.rs1, rs1),
                           reg(fields.rs2, rs2), reg(fields.rs3, rs3), immAttr,
                           fields.imm ? target : FlatSymbolRefAttr());
  }

  /// `li rd, value`
  void li(int32_t rd, int32_t value) { emit(Opcode::Li, rd, 0, 0, 0, value); }
  /// `li rd, @symbol + offset`
  void li(int32_t rd, FlatSymbolRefAttr symbol, int32_t offset = 0) {
    emit(Opcode::Li, rd, 0, 0, 0, offset, symbol);
  }

private:
  OpBuilder builder;
  Location loc;
};

/// Emits the expansion of `op` before it. Returns false for ops that are not
/// buffer-level ops (left alone).
bool expand(Operation *op, ChipAttr chip) {
  InstBuilder b(op);
  auto coreId = [&](int64_t x, int64_t y) {
    return static_cast<int32_t>(chip.coreId(x, y));
  };
  auto lookup = [&](FlatSymbolRefAttr ref) {
    return op->getParentOfType<ModuleOp>().lookupSymbol(ref.getAttr());
  };
  return TypeSwitch<Operation *, bool>(op)
      .Case([&](VmacsOp v) {
        b.li(kR12, v.getAccAttr(), v.getAccOffset());
        b.li(kR13, v.getSrcAttr(), v.getSrcOffset());
        b.li(kR14, v.getScale());
        b.li(kR15, v.getCount());
        b.emit(Opcode::Vmacs, kR12, kR13, kR14, kR15);
        return true;
      })
      .Case([&](Vadd32Op v) {
        b.li(kR12, v.getDstAttr(), v.getDstOffset());
        b.li(kR13, v.getLhsAttr(), v.getLhsOffset());
        b.li(kR14, v.getRhsAttr(), v.getRhsOffset());
        b.li(kR15, v.getCount());
        b.emit(Opcode::Vadd32, kR12, kR13, kR14, kR15);
        return true;
      })
      .Case([&](VreqOp v) {
        b.li(kR12, v.getDstAttr(), v.getDstOffset());
        b.li(kR13, v.getSrcAttr(), v.getSrcOffset());
        b.li(kR15, v.getCount());
        b.emit(Opcode::Vreq, kR12, kR13, 0, kR15,
               v.getShift() | (v.getRelu() ? 1 << 8 : 0));
        return true;
      })
      .Case([&](NstepOp v) {
        b.li(kR12, v.getSpikesAttr(), v.getSpikesOffset());
        b.li(kR13, v.getStateAttr(), v.getStateOffset());
        b.li(kR14, v.getInputAttr(), v.getInputOffset());
        b.li(kR15, v.getCount());
        b.emit(Opcode::Nstep, kR12, kR13, kR14, kR15,
               static_cast<int32_t>(v.getModel()) |
                   static_cast<int32_t>(v.getReset()) << 2);
        return true;
      })
      .Case([&](SendOp v) {
        auto channel = cast<ChannelOp>(lookup(v.getChannelAttr()));
        b.li(kR12, coreId(channel.getToX(), channel.getToY()));
        b.li(kR13, v.getBufferAttr());
        b.li(kR14, channel.getBytes());
        b.emit(Opcode::Send, 0, kR12, kR13, kR14, 0, v.getChannelAttr());
        return true;
      })
      .Case([&](RecvOp v) {
        b.li(kR13, v.getBufferAttr());
        b.emit(Opcode::Recv, kR12, kR13, 0, 0, 0, v.getChannelAttr());
        return true;
      })
      .Case([&](PollOp v) {
        b.emit(Opcode::Poll, v.getRd(), 0, 0, 0, 0, v.getChannelAttr());
        return true;
      })
      .Case([&](McastOp v) {
        auto buffer = cast<BufferOp>(op->getParentOfType<CoreOp>().lookupSymbol(
            v.getBufferAttr().getAttr()));
        b.li(kR12, v.getGroupAttr());
        b.li(kR13, v.getBufferAttr());
        b.li(kR14, buffer.getSizeInBytes());
        b.emit(Opcode::Mcast, 0, kR12, kR13, kR14, v.getMailbox());
        return true;
      })
      .Case([&](SpawnOp v) {
        b.li(kR12, coreId(v.getX(), v.getY()));
        b.li(kR13, v.getArg());
        b.emit(Opcode::Spawn, 0, kR12, kR13, 0, 0, v.getImageAttr());
        return true;
      })
      .Case([&](BarrierOp) {
        b.emit(Opcode::Barrier);
        return true;
      })
      .Case([&](HaltOp) {
        b.emit(Opcode::Halt);
        return true;
      })
      .Default([](Operation *) { return false; });
}

struct ExpandBufferOpsPass
    : xpu::transforms::impl::ExpandBufferOpsBase<ExpandBufferOpsPass> {
  void runOnOperation() override {
    for (auto core : getOperation().getBodyBlock()->getOps<CoreOp>())
      if (failed(xpu::transforms::expandBufferOps(core)))
        return signalPassFailure();
  }
};

} // namespace

LogicalResult xpu::transforms::expandBufferOps(CoreOp core) {
  ChipAttr chip = core.getChip();
  if (!chip)
    return core.emitOpError() << "must be inside an xpu.module";
  for (Operation &op : llvm::make_early_inc_range(*core.getBodyBlock()))
    if (expand(&op, chip))
      op.erase();
  return success();
}
