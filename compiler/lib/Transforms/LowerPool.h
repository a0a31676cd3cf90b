// Lowering of `pool` actors (docs/compiler.md "Pools"): the dispatcher's
// buffers and step code, and the worker images booted by `spawn` on the
// pool's spare cores. Called by nact-lower-to-xpu (LowerToXpu.cpp).
#pragma once

#include "xpu/ChipDescriptor.h"
#include "xpu/compiler/Mapping.h"

#include "mlir/IR/Builders.h"

#include <vector>

namespace xpu::transforms {

/// The dispatcher's buffers; its output vector is `_out` (i8, N*O + 2).
void emitPoolDispatcherBuffers(mlir::OpBuilder &b, mlir::Location loc, const graph::Actor &a);

/// The dispatcher's work between receiving its input (`_x`) and sending its
/// output: spawn newly needed workers, send each live worker its jobs,
/// compute or drop the excess, collect the replies, write the counters.
/// `sent` / `received`: the routed messages of the dispatcher's partition.
mlir::LogicalResult emitPoolDispatcherStep(mlir::OpBuilder &b, mlir::Location loc, const graph::ActorGraph &g,
                                           const std::vector<graph::Partition> &parts, uint32_t dispatcher,
                                           const std::vector<const graph::Message *> &sent,
                                           const std::vector<const graph::Message *> &received,
                                           const ChipDescriptor &chip, mlir::Operation *diagOp);

/// Worker `p` (a pool partition with index >= 1): `xpu.spare` at its core
/// and its program image, an `xpu.core` without a tile, inserted at `b`.
mlir::LogicalResult emitPoolWorker(mlir::OpBuilder &b, mlir::Location loc, const graph::ActorGraph &g,
                                   const graph::Partition &p, const std::vector<const graph::Message *> &sent,
                                   const std::vector<const graph::Message *> &received, const ChipDescriptor &chip,
                                   mlir::Operation *diagOp);

/// The name of worker `w`'s image of pool actor `a`.
std::string poolWorkerImage(const graph::Actor &a, uint32_t w);

} // namespace xpu::transforms
