// Between the actor-graph model and the nact dialect: import (ActorGraph ->
// nact.graph) and export (nact.graph -> ActorGraph, plus the mapping
// decisions recorded on it by the partition, place and route passes).
//
// The integer ("fixed-point profile") parameters travel as attributes:
//   linear/affine/expert:  nact.requantize = {shift = s : i32, relu = b}
//   moe:            nact.moe_router (combining form) + one nact.expert per expert
//   pool:           nact.pool (template weight/bias, nact.requantize)
//   neuron kinds:   nact.fixed_point = {dv, du, v_threshold, v_reset, bias : i32}
// and the mapping decisions as
//   actors/inputs:  xpu.partition = array<i32: b0, b1, ..., bk> (slice bounds)
//                   xpu.placement = array<i32: x0, y0, x1, y1, ...> (per slice;
//                   pools: the dispatcher, then each worker's spare tile)
//   graph:          xpu.messages = [{...}], xpu.groups = [{...}]
//   module:         xpu.chip = #xpu.chip<...> (the target)
// docs/compiler.md describes the scheme.
#pragma once

#include "xpu/compiler/ActorGraph.h"
#include "xpu/compiler/Mapping.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"

#include <optional>
#include <vector>

namespace xpu::nact {
class GraphOp;
}
namespace xpu::mc {
class ChipAttr;
}

namespace xpu::bridge {

constexpr const char *kRequantizeAttr = "nact.requantize";
constexpr const char *kFixedPointAttr = "nact.fixed_point";
constexpr const char *kEventsAttr = "nact.events_per_message"; // on nact.channel: events encoding, K
constexpr const char *kPartitionAttr = "xpu.partition";
constexpr const char *kPlacementAttr = "xpu.placement";
constexpr const char *kMessagesAttr = "xpu.messages";
constexpr const char *kGroupsAttr = "xpu.groups";
constexpr const char *kChipAttr = "xpu.chip";

/// Builds `nact.graph` for `g` at the end of `module`'s body.
nact::GraphOp importActorGraph(mlir::ModuleOp module, const graph::ActorGraph &g);

/// The graph and whatever mapping decisions the IR already records.
struct ExportedGraph {
  graph::ActorGraph graph;
  std::vector<mlir::Operation *> actorOps;   // graph.actors[i] <- actorOps[i]
  /// moe actors: the nact.expert op of each expert (partition index e + 1);
  /// empty for other kinds. Experts record their own `xpu.placement`.
  std::vector<std::vector<mlir::Operation *>> expertOps;
  std::vector<graph::Partition> parts;       // empty until partitioned
  bool placed = false;
  std::optional<graph::Routing> routing;
};

/// Reads a nact.graph in the integer profile. Emits an error at the
/// offending op (e.g. an actor kind the slice does not lower yet, missing
/// fixed-point parameters) and fails.
/// `chip` (when given) decodes and checks the recorded placement.
mlir::FailureOr<ExportedGraph> exportGraph(nact::GraphOp graph, const ChipDescriptor *chip = nullptr);

/// The module's target chip (`xpu.chip`), or an error at the module.
mlir::FailureOr<ChipDescriptor> targetChip(mlir::ModuleOp module);
ChipDescriptor toChipDescriptor(mc::ChipAttr attr);
mc::ChipAttr toChipAttr(mlir::MLIRContext *ctx, const ChipDescriptor &chip);

/// Writes partition bounds (and placement, if placed) onto the actor ops.
void recordPartitions(const ExportedGraph &e, const std::vector<graph::Partition> &parts, bool placed,
                      const ChipDescriptor &chip);
/// Writes the routing onto the graph op.
void recordRouting(nact::GraphOp graph, const graph::Routing &routing);

} // namespace xpu::bridge
