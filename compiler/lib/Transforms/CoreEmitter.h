// The instruction emitter shared by the lowerings to xpu (LowerToXpu,
// LowerPool, LowerEvents): buffers, labels and ISA instructions of one core,
// in program order, plus the message and copy idioms they all use.
#pragma once

#include "dialects/Xpu/XpuOps.h"
#include "xpu/Isa.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

#include <optional>

namespace xpu::transforms {

using ::mlir::DenseElementsAttr;
using ::mlir::ElementsAttr;
using ::mlir::FlatSymbolRefAttr;
using ::mlir::IntegerAttr;
using ::mlir::Location;
using ::mlir::OpBuilder;
using ::mlir::RankedTensorType;
using ::mlir::StringRef;
using ::mlir::TypeAttr;
using ::xpu::Opcode;

/// Phases of the timestep loop, for the live ranges of temporaries
/// (xpu.buffer `live`; docs/compiler.md "SRAM"). The prologue's delay-1
/// sends read SRAM before any phase has written it: zeros.
constexpr int32_t kPhaseReceive = 0, kPhaseCompute = 1, kPhaseRequantise = 2, kPhaseSend = 3;

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
  void mov(int32_t rd, int32_t rs) { emit(Opcode::Addi, rd, rs, 0, 0, 0); }

  /// A per-step temporary holding a value only in phases [first, last] of
  /// the loop (kPhase*): temporaries with disjoint phases share SRAM.
  void temporary(StringRef name, int64_t elements, unsigned bits, int32_t first, int32_t last) {
    auto type = RankedTensorType::get({elements}, b.getIntegerType(bits));
    b.create<mc::BufferOp>(loc, b.getStringAttr(name), TypeAttr::get(type), IntegerAttr(), IntegerAttr(),
                           ElementsAttr(), mc::HostAccessAttr(), b.getDenseI32ArrayAttr({first, last}));
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

} // namespace xpu::transforms
