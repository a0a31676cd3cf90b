// Passes over the xpu dialect and their registration.
#pragma once

#include "dialects/Xpu/XpuOps.h"

#include "mlir/Pass/Pass.h"

#include <memory>

namespace xpu::transforms {

#define GEN_PASS_DECL
#include "compiler/lib/Transforms/Passes.h.inc"

/// Rewrites the buffer-level ops of `core` into xpu.inst sequences (the
/// implementation of --xpu-expand-buffer-ops, also used by the emitter).
mlir::LogicalResult expandBufferOps(mc::CoreOp core);

#define GEN_PASS_REGISTRATION
#include "compiler/lib/Transforms/Passes.h.inc"

} // namespace xpu::transforms
