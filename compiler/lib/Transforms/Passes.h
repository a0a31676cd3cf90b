// Passes over the xpu dialect and their registration.
#pragma once

#include "dialects/Xpu/XpuOps.h"

#include "mlir/Pass/Pass.h"

#include <memory>
#include <string>

namespace xpu::transforms {

#define GEN_PASS_DECL
#include "compiler/lib/Transforms/Passes.h.inc"

/// Rewrites the buffer-level ops of `core` into xpu.inst sequences (the
/// implementation of --xpu-expand-buffer-ops, also used by the emitter).
mlir::LogicalResult expandBufferOps(mc::CoreOp core);

/// Options of the whole compilation flow (the `xpu-compile` pipeline).
struct CompileOptions {
  unsigned maxElementsPerCore = 0;
  bool multicast = true;
  std::string place = "anneal";   // nact-place strategy: greedy | anneal
  unsigned seed = 1;              // annealing seed
  unsigned iterations = 0;        // annealing moves (0: automatic)
};
/// partition, place, route, lower-to-xpu: the flow shared by xpu-cc and
/// `xpu-opt --pass-pipeline='builtin.module(xpu-compile)'`.
void buildCompilePipeline(mlir::OpPassManager &pm, const CompileOptions &options);
/// Registers the passes and the named pipeline `xpu-compile`.
void registerCompilePipeline();

#define GEN_PASS_REGISTRATION
#include "compiler/lib/Transforms/Passes.h.inc"

} // namespace xpu::transforms
