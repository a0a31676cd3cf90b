// The compiler driver (Driver.h): import, the xpu-compile passes phase by
// phase, emission through the runtime, and step-by-step execution.
#include "compiler/lib/Driver/Driver.h"

#include "compiler/lib/Frontend/NactBridge.h"
#include "compiler/lib/Target/XpuToExecutable.h"
#include "compiler/lib/Transforms/Passes.h"
#include "dialects/Nact/NactDialect.h"
#include "dialects/Nact/NactOps.h"
#include "dialects/Xpu/XpuDialect.h"
#include "dialects/Xpu/XpuOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

using namespace mlir;

namespace xpu::driver {

std::optional<Phase> phaseFromName(const std::string &name) {
  static const std::map<std::string, Phase> names = {
      {"nact", Phase::Nact},     {"partitioned", Phase::Partitioned}, {"placed", Phase::Placed},
      {"routed", Phase::Routed}, {"xpu", Phase::Xpu},                 {"exe", Phase::Exe}};
  auto it = names.find(name);
  if (it == names.end()) return std::nullopt;
  return it->second;
}

namespace {

/// Collects diagnostics as "<source>: <where>: error: message" lines; a
/// NameLoc holds a JSON pointer or symbol, a FileLineColLoc a text position.
class DiagnosticCollector {
public:
  DiagnosticCollector(MLIRContext &ctx, std::string source)
      : handler(&ctx, [this](Diagnostic &d) { collect(d); return success(); }), source(std::move(source)) {}

  std::string text() const { return out; }
  bool empty() const { return out.empty(); }

private:
  std::string where(Location loc) {
    if (auto name = dyn_cast<NameLoc>(loc)) return source + ": " + name.getName().str();
    if (auto file = dyn_cast<FileLineColLoc>(loc))
      return file.getFilename().str() + ":" + std::to_string(file.getLine()) + ":" + std::to_string(file.getColumn());
    if (auto fused = dyn_cast<FusedLoc>(loc))
      for (Location l : fused.getLocations())
        if (!isa<UnknownLoc>(l)) return where(l);
    return source;
  }
  void collect(Diagnostic &d) {
    const char *sev = d.getSeverity() == DiagnosticSeverity::Error     ? "error"
                      : d.getSeverity() == DiagnosticSeverity::Warning ? "warning"
                      : d.getSeverity() == DiagnosticSeverity::Remark  ? "remark"
                                                                        : "note";
    out += (out.empty() ? "" : "\n") + where(d.getLocation()) + ": " + sev + ": " + d.str();
    for (Diagnostic &n : d.getNotes()) out += "\n" + where(n.getLocation()) + ": note: " + n.str();
  }
  ScopedDiagnosticHandler handler;
  std::string source;
  std::string out;
};

void loadDialects(MLIRContext &ctx) {
  ctx.loadDialect<nact::NactDialect, mc::XpuDialect>();
  // Users see the diagnostic and its location, not a dump of the whole graph.
  ctx.printOpOnDiagnostic(false);
}

std::string print(Operation *op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  op->print(os);
  os << "\n";
  return s;
}

std::string mappingReport(ModuleOp module, const ChipDescriptor &chip) {
  std::ostringstream r;
  for (auto graphOp : module.getOps<nact::GraphOp>()) {
    auto e = bridge::exportGraph(graphOp, &chip);
    if (failed(e) || !e->routing) continue;
    const graph::ActorGraph &g = e->graph;
    r << "mapping of '" << g.name << "' on a " << chip.width << "x" << chip.height << " chip ("
      << chip.sramBytes << " B SRAM per core)\n";
    r << "  core     slice                          SRAM bytes   use\n";
    for (const graph::Partition &p : e->parts) {
      const uint64_t bytes = graph::partitionSramBytes(g, p);
      std::ostringstream slice;
      if (graph::onChannels(g, p)) slice << g.actors[p.actor].name << "[" << p.begin << ":" << p.end << "]";
      else if (graph::isPoolWorker(g, p))
        slice << g.actors[p.actor].name << ".worker" << (p.index - 1) << " (spare, spawned)";
      else
        slice << e->expertOps[p.actor][p.index - 1]->getAttrOfType<StringAttr>(SymbolTable::getSymbolAttrName()).str()
              << " (expert)";
      char line[160];
      std::snprintf(line, sizeof line, "  (%u,%u)%*s %-30s %10llu  %5.1f%%\n", chip.coreX(p.core), chip.coreY(p.core),
                    int(6 - std::to_string(chip.coreX(p.core)).size() - std::to_string(chip.coreY(p.core)).size()), "",
                    slice.str().c_str(), (unsigned long long)bytes, 100.0 * double(bytes) / chip.sramBytes);
      r << line;
    }
    {
      const uint64_t cost = graph::placementCost(g, chip, e->parts);
      const uint64_t bound = graph::placementLowerBound(g, chip, e->parts);
      const std::vector<uint64_t> loads = graph::linkLoads(g, chip, e->parts);
      char gap[32];
      std::snprintf(gap, sizeof gap, "%.3f", bound ? double(cost) / double(bound) : 1.0);
      r << "  placement cost: " << cost << " (bytes per step x hops), lower bound: " << bound << ", gap: " << gap
        << "\n";
      r << "  busiest link (unicast XY paths of partition pairs): "
        << (loads.empty() ? 0 : *std::max_element(loads.begin(), loads.end())) << " bytes per step\n";
    }
    // Expected traffic per directed link per step, from the messages' XY paths.
    std::map<std::pair<uint32_t, uint32_t>, uint64_t> link; // (from core, to core) -> bytes
    auto addPath = [&](uint32_t src, uint32_t dst, uint64_t bytes) {
      uint32_t x = chip.coreX(src), y = chip.coreY(src);
      const uint32_t dx = chip.coreX(dst), dy = chip.coreY(dst);
      while (x != dx || y != dy) {
        uint32_t nx = x, ny = y;
        if (x != dx) nx = dx > x ? x + 1 : x - 1;
        else ny = dy > y ? y + 1 : y - 1;
        link[{chip.coreId(x, y), chip.coreId(nx, ny)}] += bytes;
        x = nx;
        y = ny;
      }
    };
    uint64_t messages = 0, bytesTotal = 0;
    for (const graph::Message &m : e->routing->messages) {
      ++messages;
      bytesTotal += m.bytes;
      const uint32_t src = e->parts[m.srcPart].core;
      if (m.group >= 0) {
        // A multicast tree carries each link once.
        std::map<std::pair<uint32_t, uint32_t>, uint64_t> tree;
        for (uint32_t d : m.dstParts) {
          std::swap(link, tree);
          addPath(src, e->parts[d].core, m.bytes);
          std::swap(link, tree);
        }
        for (auto &[k, v] : tree) link[k] += m.bytes;
      } else {
        addPath(src, e->parts[m.dstParts[0]].core, m.bytes);
      }
    }
    r << "  messages per step: " << messages << " (" << bytesTotal << " payload bytes), multicast groups: "
      << e->routing->groups.size() << "\n";
    r << "  expected link traffic per step (payload bytes):\n";
    for (auto &[k, v] : link)
      r << "    (" << chip.coreX(k.first) << "," << chip.coreY(k.first) << ") -> (" << chip.coreX(k.second) << ","
        << chip.coreY(k.second) << "): " << v << "\n";
  }
  return r.str();
}

Expected<CompileResult> runPhases(MLIRContext &ctx, ModuleOp module, const ChipDescriptor &chip,
                                  const CompileOptions &o, DiagnosticCollector &diags) {
  auto fail = [&]() -> Expected<CompileResult> {
    return Error{diags.empty() ? o.sourceName + ": error: compilation failed" : diags.text()};
  };
  module->setAttr(bridge::kChipAttr, bridge::toChipAttr(&ctx, chip));
  if (failed(verify(module))) return fail();
  {
    // Normalise: static shapes, fixed-point profile (no-ops on JSON graphs).
    PassManager pm(&ctx);
    pm.addPass(transforms::createNactInferShapes());
    pm.addPass(transforms::createNactQuantize());
    if (failed(pm.run(module))) return fail();
  }
  CompileResult result;
  auto stop = [&](Phase p) { return o.stopAfter == p; };
  if (stop(Phase::Nact)) {
    result.ir = print(module);
    return result;
  }
  struct Step {
    Phase phase;
    std::function<void(PassManager &)> add;
  };
  transforms::NactPartitionOptions partOpts;
  partOpts.maxElementsPerCore = o.maxElementsPerCore;
  transforms::NactPlaceOptions placeOpts;
  placeOpts.strategy = graph::placeStrategyName(o.place);
  placeOpts.seed = unsigned(o.seed);
  placeOpts.iterations = unsigned(o.iterations);
  transforms::NactRouteOptions routeOpts;
  routeOpts.multicast = o.multicast;
  const Step steps[] = {
      {Phase::Partitioned, [&](PassManager &pm) { pm.addPass(transforms::createNactPartition(partOpts)); }},
      {Phase::Placed, [&](PassManager &pm) { pm.addPass(transforms::createNactPlace(placeOpts)); }},
      {Phase::Routed, [&](PassManager &pm) { pm.addPass(transforms::createNactRoute(routeOpts)); }},
      {Phase::Xpu,
       [&](PassManager &pm) {
         // As the xpu-compile pipeline: reject routings that could deadlock
         // (e.g. events channels under `block` beyond their capacity).
         pm.addPass(transforms::createNactCheckDeadlock());
         pm.addPass(transforms::createNactLowerToXpu());
       }},
  };
  for (const Step &s : steps) {
    PassManager pm(&ctx);
    s.add(pm);
    if (failed(pm.run(module))) return fail();
    if (s.phase == Phase::Routed && o.mappingReport) result.mappingReport = mappingReport(module, chip);
    if (stop(s.phase)) {
      result.ir = print(module);
      return result;
    }
  }
  auto xmods = module.getOps<mc::ModuleOp>();
  if (xmods.empty()) {
    module.emitError() << "nothing to emit: the module holds no nact.graph";
    return fail();
  }
  auto exe = target::buildExecutable(*xmods.begin());
  if (failed(exe)) return fail();
  exe->producer = "xpu-cc";
  result.exe = std::move(*exe);
  return result;
}

} // namespace

Expected<CompileResult> compileGraph(const graph::ActorGraph &g, const ChipDescriptor &chip,
                                     const CompileOptions &o) {
  MLIRContext ctx;
  loadDialects(ctx);
  DiagnosticCollector diags(ctx, o.sourceName);
  OwningOpRef<ModuleOp> module = ModuleOp::create(UnknownLoc::get(&ctx));
  bridge::importActorGraph(*module, g);
  return runPhases(ctx, *module, chip, o, diags);
}

Expected<CompileResult> compileMlir(const std::string &text, const ChipDescriptor &chip, const CompileOptions &o) {
  MLIRContext ctx;
  loadDialects(ctx);
  DiagnosticCollector diags(ctx, o.sourceName);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, ParserConfig(&ctx), o.sourceName);
  if (!module) return Error{diags.empty() ? o.sourceName + ": error: cannot parse" : diags.text()};
  return runPhases(ctx, *module, chip, o, diags);
}

Expected<graph::ActorGraph> graphFromMlir(const std::string &text, const std::string &sourceName) {
  MLIRContext ctx;
  loadDialects(ctx);
  DiagnosticCollector diags(ctx, sourceName);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, ParserConfig(&ctx), sourceName);
  if (!module) return Error{diags.text()};
  PassManager pm(&ctx); // the same normalisation as compileMlir
  pm.addPass(transforms::createNactInferShapes());
  pm.addPass(transforms::createNactQuantize());
  if (failed(pm.run(*module))) return Error{diags.text()};
  auto graphs = module->getOps<nact::GraphOp>();
  if (graphs.empty()) return Error{sourceName + ": error: no nact.graph in the module"};
  auto e = bridge::exportGraph(*graphs.begin());
  if (failed(e)) return Error{diags.text()};
  return e->graph;
}

Expected<std::vector<graph::Values>> runSteps(Device &device, const graph::ActorGraph &g,
                                              const std::vector<graph::Values> &inputs, uint64_t maxCyclesPerStep) {
  std::vector<graph::Values> outputs;
  for (size_t t = 0; t < inputs.size(); ++t) {
    for (const graph::Actor &a : g.actors) {
      if (a.kind != graph::ActorKind::Input) continue;
      auto it = inputs[t].find(a.name);
      if (it == inputs[t].end()) return Error{"step " + std::to_string(t) + ": no value for input '" + a.name + "'"};
      std::vector<int64_t> values(it->second.begin(), it->second.end());
      if (auto err = device.writeInputValues(a.name, values))
        return Error{"step " + std::to_string(t) + ": " + err->message};
    }
    RunResult r = device.runSteps(1, maxCyclesPerStep);
    if (r.status != RunStatus::StepsDone)
      return Error{"step " + std::to_string(t) + ": the run stopped (" + runStatusName(r.status) + ") after " +
                   std::to_string(r.cycles) + " cycles\n" + r.report};
    graph::Values step;
    for (const graph::GraphOutput &o : g.outputs) {
      auto v = device.readOutput(o.name);
      if (!v) return v.error();
      step[o.name].assign(v->begin(), v->end());
    }
    outputs.push_back(std::move(step));
  }
  return outputs;
}

Expected<std::vector<graph::Values>> runReference(const graph::ActorGraph &g, const std::vector<graph::Values> &inputs) {
  graph::ReferenceExecutor ex(g);
  std::vector<graph::Values> outputs;
  for (const graph::Values &in : inputs) {
    auto r = ex.step(in);
    if (!r) return r.error();
    outputs.push_back(std::move(*r));
  }
  return outputs;
}

std::string compareOutputs(const std::vector<graph::Values> &expected, const std::vector<graph::Values> &actual) {
  if (expected.size() != actual.size())
    return "expected " + std::to_string(expected.size()) + " steps, got " + std::to_string(actual.size());
  for (size_t t = 0; t < expected.size(); ++t)
    for (const auto &[name, ev] : expected[t]) {
      auto it = actual[t].find(name);
      if (it == actual[t].end()) return "step " + std::to_string(t) + ": output '" + name + "' missing";
      const auto &av = it->second;
      if (av.size() != ev.size())
        return "step " + std::to_string(t) + ": output '" + name + "' has " + std::to_string(av.size()) +
               " elements, expected " + std::to_string(ev.size());
      for (size_t i = 0; i < ev.size(); ++i)
        if (av[i] != ev[i])
          return "step " + std::to_string(t) + ": output '" + name + "'[" + std::to_string(i) + "] = " +
                 std::to_string(av[i]) + ", reference " + std::to_string(ev[i]);
    }
  return "";
}

} // namespace xpu::driver
