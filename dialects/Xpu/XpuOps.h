// The ops of the xpu dialect and the ISA table they are checked against.
#pragma once

#include "dialects/Xpu/XpuDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"

#include "xpu/Isa.h"

#include <optional>

#define GET_OP_CLASSES
#include "dialects/Xpu/XpuOps.h.inc"

namespace xpu::mc {

/// One row of the opcode table (runtime/include/xpu/Opcodes.def).
struct IsaOpcode {
  ::xpu::Opcode opcode;
  llvm::StringRef mnemonic;
  ::xpu::Format format;
};
/// The opcode named `mnemonic`, or null.
const IsaOpcode *lookupIsaOpcode(llvm::StringRef mnemonic);
/// The table row of `opcode`.
const IsaOpcode &lookupIsaOpcode(::xpu::Opcode opcode);

/// Which instruction fields an operand format uses.
struct IsaFields {
  bool rd, rs1, rs2, rs3, imm;
};
IsaFields isaFields(::xpu::Format format);

/// Registers clobbered by the expansion of buffer-level ops into instructions.
constexpr unsigned kScratchRegisters[4] = {12, 13, 14, 15};

/// SRAM placement of a core's buffers: buffer -> byte address.
using BufferLayout = llvm::SmallVector<std::pair<BufferOp, int64_t>>;

/// Flits of a packet carrying `bytes` payload bytes (docs/arch.md 4).
inline int64_t packetFlits(int64_t bytes, int64_t flitBytes) {
  return 1 + (bytes + flitBytes - 1) / flitBytes;
}

} // namespace xpu::mc
