// The mapping passes (nact-partition, nact-place, nact-route) and the named
// pipeline `xpu-compile`. Each pass exports the graph to the actor-graph
// model, runs one step of compiler/lib/Mapping, and records the result as
// attributes on the IR (compiler/lib/Frontend/NactBridge.h).
#include "compiler/lib/Frontend/NactBridge.h"
#include "compiler/lib/Transforms/Passes.h"

#include "dialects/Nact/NactOps.h"
#include "xpu/compiler/DeadlockCheck.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include <cstdio>

namespace xpu::transforms {
#define GEN_PASS_DEF_NACTPARTITION
#define GEN_PASS_DEF_NACTPLACE
#define GEN_PASS_DEF_NACTROUTE
#define GEN_PASS_DEF_NACTCHECKDEADLOCK
#include "compiler/lib/Transforms/Passes.h.inc"
} // namespace xpu::transforms

using namespace mlir;

namespace xpu::transforms {

/// Runs `fn` on every nact.graph of `module`, exported for the module's
/// target chip; stops at the first failure (diagnostics are at the ops).
LogicalResult forEachGraph(ModuleOp module,
                           llvm::function_ref<LogicalResult(nact::GraphOp, bridge::ExportedGraph &,
                                                            const ChipDescriptor &)> fn) {
  FailureOr<ChipDescriptor> chip = bridge::targetChip(module);
  if (failed(chip)) return failure();
  for (auto graph : llvm::make_early_inc_range(module.getOps<nact::GraphOp>())) {
    auto e = bridge::exportGraph(graph, &*chip);
    if (failed(e) || failed(fn(graph, *e, *chip))) return failure();
  }
  return success();
}

namespace {

struct NactPartitionPass : impl::NactPartitionBase<NactPartitionPass> {
  using NactPartitionBase::NactPartitionBase;
  void runOnOperation() override {
    auto partition = [&](nact::GraphOp graph, bridge::ExportedGraph &e, const ChipDescriptor &chip) -> LogicalResult {
      graph::PartitionOptions opts;
      opts.maxElementsPerCore = maxElementsPerCore;
      auto parts = graph::partitionGraph(e.graph, chip, opts);
      if (!parts) return graph.emitError() << parts.error().message;
      bridge::recordPartitions(e, *parts, /*placed=*/false, chip);
      return success();
    };
    if (failed(forEachGraph(getOperation(), partition))) signalPassFailure();
  }
};

struct NactPlacePass : impl::NactPlaceBase<NactPlacePass> {
  using NactPlaceBase::NactPlaceBase;
  void runOnOperation() override {
    auto place = [&](nact::GraphOp graph, bridge::ExportedGraph &e, const ChipDescriptor &chip) -> LogicalResult {
      if (e.parts.empty()) return graph.emitError() << "is not partitioned: run --nact-partition first";
      auto s = graph::placeStrategyFromName(strategy);
      if (!s)
        return graph.emitError() << "unknown placement strategy '" << strategy << "' (expected greedy or anneal)";
      graph::PlaceOptions opts;
      opts.strategy = *s;
      opts.seed = seed;
      opts.iterations = iterations;
      opts.balanceWeight = balanceWeight;
      opts.spareCores = spareCores;
      std::vector<graph::Partition> parts = e.parts;
      graph::PlaceReport r;
      if (auto err = graph::placePartitions(e.graph, chip, parts, opts, report ? &r : nullptr))
        return graph.emitError() << err->message;
      bridge::recordPartitions(e, parts, /*placed=*/true, chip);
      if (report) {
        char gap[32];
        std::snprintf(gap, sizeof gap, "%.3f", r.gap());
        auto remark = graph.emitRemark();
        remark << "placement cost " << r.cost << " (bytes per step x hops) over " << parts.size()
               << " cores, lower bound " << r.lowerBound << ", gap " << gap << ", max link load "
               << r.maxLinkLoad << " B (" << graph::placeStrategyName(opts.strategy);
        if (opts.strategy == graph::PlaceStrategy::Anneal)
          remark << " seed " << opts.seed << ", greedy cost " << r.greedyCost << ", " << r.moves << " moves";
        remark << ")";
      }
      return success();
    };
    if (failed(forEachGraph(getOperation(), place))) signalPassFailure();
  }
};

struct NactRoutePass : impl::NactRouteBase<NactRoutePass> {
  using NactRouteBase::NactRouteBase;
  void runOnOperation() override {
    auto route = [&](nact::GraphOp graph, bridge::ExportedGraph &e, const ChipDescriptor &chip) -> LogicalResult {
      if (!e.placed)
        return graph.emitError() << "is not placed: run --nact-partition and --nact-place first";
      graph::RouteOptions opts;
      opts.multicast = multicast;
      auto routing = graph::routeMessages(e.graph, chip, e.parts, opts);
      if (!routing) return graph.emitError() << routing.error().message;
      bridge::recordRouting(graph, *routing);
      return success();
    };
    if (failed(forEachGraph(getOperation(), route))) signalPassFailure();
  }
};

struct NactCheckDeadlockPass : impl::NactCheckDeadlockBase<NactCheckDeadlockPass> {
  void runOnOperation() override {
    auto check = [&](nact::GraphOp graph, bridge::ExportedGraph &e, const ChipDescriptor &chip) -> LogicalResult {
      if (!e.routing) return graph.emitError() << "is not routed: run --nact-route first";
      if (auto err = graph::checkDeadlockFree(e.graph, chip, e.parts, *e.routing))
        return graph.emitError() << err->message;
      return success();
    };
    if (failed(forEachGraph(getOperation(), check))) signalPassFailure();
  }
};

struct CompilePipelineOptions : PassPipelineOptions<CompilePipelineOptions> {
  Option<unsigned> maxElementsPerCore{*this, "max-elements-per-core",
                                      llvm::cl::desc("largest slice of an actor on one core (0: SRAM only)"),
                                      llvm::cl::init(0)};
  Option<bool> multicast{*this, "multicast", llvm::cl::desc("use multicast groups for fan-out"),
                         llvm::cl::init(true)};
  Option<std::string> place{*this, "place", llvm::cl::desc("placement strategy: greedy | anneal"),
                            llvm::cl::init("anneal")};
  Option<unsigned> seed{*this, "seed", llvm::cl::desc("annealing random seed"), llvm::cl::init(1)};
  Option<unsigned> iterations{*this, "iterations", llvm::cl::desc("annealing moves (0: automatic)"),
                              llvm::cl::init(0)};
};

} // namespace

void buildCompilePipeline(OpPassManager &pm, const CompileOptions &options) {
  pm.addPass(createNactInferShapes());
  pm.addPass(createNactQuantize());
  pm.addPass(createNactPartition(NactPartitionOptions{options.maxElementsPerCore}));
  NactPlaceOptions place;
  place.strategy = options.place;
  place.seed = options.seed;
  place.iterations = options.iterations;
  pm.addPass(createNactPlace(place));
  pm.addPass(createNactRoute(NactRouteOptions{options.multicast}));
  pm.addPass(createNactCheckDeadlock());
  pm.addPass(createNactLowerToXpu());
}

void registerCompilePipeline() {
  registerXpuTransformsPasses();
  PassPipelineRegistration<CompilePipelineOptions>(
      "xpu-compile", "Compile nact graphs to xpu programs: infer shapes, quantise, partition, place, route, check deadlock freedom, lower",
      [](OpPassManager &pm, const CompilePipelineOptions &o) {
        CompileOptions c;
        c.maxElementsPerCore = o.maxElementsPerCore;
        c.multicast = o.multicast;
        c.place = o.place;
        c.seed = o.seed;
        c.iterations = o.iterations;
        buildCompilePipeline(pm, c);
      });
}

} // namespace xpu::transforms
