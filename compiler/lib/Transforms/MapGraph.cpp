// The mapping passes (nact-partition, nact-place, nact-route) and the named
// pipeline `xpu-compile`. Each pass exports the graph to the actor-graph
// model, runs one step of compiler/lib/Mapping, and records the result as
// attributes on the IR (compiler/lib/Frontend/NactBridge.h).
#include "compiler/lib/Frontend/NactBridge.h"
#include "compiler/lib/Transforms/Passes.h"

#include "dialects/Nact/NactOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

namespace xpu::transforms {
#define GEN_PASS_DEF_NACTPARTITION
#define GEN_PASS_DEF_NACTPLACE
#define GEN_PASS_DEF_NACTROUTE
#include "compiler/lib/Transforms/Passes.h.inc"
} // namespace xpu::transforms

using namespace mlir;

namespace xpu::transforms {
namespace {

struct NactPartitionPass : impl::NactPartitionBase<NactPartitionPass> {
  using NactPartitionBase::NactPartitionBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<ChipDescriptor> chip = bridge::targetChip(module);
    if (failed(chip)) return signalPassFailure();
    for (auto graph : module.getOps<nact::GraphOp>()) {
      auto e = bridge::exportGraph(graph, &*chip);
      if (failed(e)) return signalPassFailure();
      graph::PartitionOptions opts;
      opts.maxElementsPerCore = maxElementsPerCore;
      auto parts = graph::partitionGraph(e->graph, *chip, opts);
      if (!parts) {
        graph.emitError() << parts.error().message;
        return signalPassFailure();
      }
      bridge::recordPartitions(*e, *parts, /*placed=*/false, *chip);
    }
  }
};

struct NactPlacePass : impl::NactPlaceBase<NactPlacePass> {
  using NactPlaceBase::NactPlaceBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<ChipDescriptor> chip = bridge::targetChip(module);
    if (failed(chip)) return signalPassFailure();
    for (auto graph : module.getOps<nact::GraphOp>()) {
      auto e = bridge::exportGraph(graph, &*chip);
      if (failed(e)) return signalPassFailure();
      if (e->parts.empty()) {
        graph.emitError() << "is not partitioned: run --nact-partition first";
        return signalPassFailure();
      }
      std::vector<graph::Partition> parts = e->parts;
      if (auto err = graph::placePartitions(e->graph, *chip, parts)) {
        graph.emitError() << err->message;
        return signalPassFailure();
      }
      bridge::recordPartitions(*e, parts, /*placed=*/true, *chip);
      if (report)
        graph.emitRemark() << "placement cost " << graph::placementCost(e->graph, *chip, parts)
                           << " (bytes per step x hops) over " << parts.size() << " cores";
    }
  }
};

struct NactRoutePass : impl::NactRouteBase<NactRoutePass> {
  using NactRouteBase::NactRouteBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<ChipDescriptor> chip = bridge::targetChip(module);
    if (failed(chip)) return signalPassFailure();
    for (auto graph : module.getOps<nact::GraphOp>()) {
      auto e = bridge::exportGraph(graph, &*chip);
      if (failed(e)) return signalPassFailure();
      if (!e->placed) {
        graph.emitError() << "is not placed: run --nact-partition and --nact-place first";
        return signalPassFailure();
      }
      graph::RouteOptions opts;
      opts.multicast = multicast;
      auto routing = graph::routeMessages(e->graph, *chip, e->parts, opts);
      if (!routing) {
        graph.emitError() << routing.error().message;
        return signalPassFailure();
      }
      bridge::recordRouting(graph, *routing);
    }
  }
};

struct CompilePipelineOptions : PassPipelineOptions<CompilePipelineOptions> {
  Option<unsigned> maxElementsPerCore{*this, "max-elements-per-core",
                                      llvm::cl::desc("largest slice of an actor on one core (0: SRAM only)"),
                                      llvm::cl::init(0)};
  Option<bool> multicast{*this, "multicast", llvm::cl::desc("use multicast groups for fan-out"),
                         llvm::cl::init(true)};
};

} // namespace

void buildCompilePipeline(OpPassManager &pm, const CompileOptions &options) {
  pm.addPass(createNactInferShapes());
  pm.addPass(createNactQuantize());
  pm.addPass(createNactPartition(NactPartitionOptions{options.maxElementsPerCore}));
  pm.addPass(createNactPlace());
  pm.addPass(createNactRoute(NactRouteOptions{options.multicast}));
  pm.addPass(createNactLowerToXpu());
}

void registerCompilePipeline() {
  registerXpuTransformsPasses();
  PassPipelineRegistration<CompilePipelineOptions>(
      "xpu-compile", "Compile nact graphs to xpu programs: infer shapes, quantise, partition, place, route, lower",
      [](OpPassManager &pm, const CompilePipelineOptions &o) {
        CompileOptions c;
        c.maxElementsPerCore = o.maxElementsPerCore;
        c.multicast = o.multicast;
        buildCompilePipeline(pm, c);
      });
}

} // namespace xpu::transforms
