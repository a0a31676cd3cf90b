// Turns an xpu.module into an XPU executable (.xpuexe) with the runtime library.
#pragma once

#include "mlir/Support/LogicalResult.h"

#include "xpu/Executable.h"

namespace xpu::mc {
class ModuleOp;
}

namespace xpu::target {

/// Builds the executable of `module`: one program image per xpu.core (in
/// order), buffer-level ops expanded to instructions (clobbering r12..r15),
/// symbols resolved, data segments, groups, mailbox policies and host I/O.
/// Reports problems as diagnostics at the offending op.
mlir::FailureOr<xpu::Executable> buildExecutable(mc::ModuleOp module);

/// Registers `--xpu-to-exe` with mlir-translate's registry.
void registerXpuToExeTranslation();

} // namespace xpu::target
