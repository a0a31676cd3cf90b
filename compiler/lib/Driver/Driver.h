// The compiler driver as a library: actor graph (or nact IR) in, IR of any
// phase or an executable out; plus running an executable step by step on a
// Device with the graph's inputs. Shared by xpu-cc and the end-to-end tests.
#pragma once

#include "xpu/ChipDescriptor.h"
#include "xpu/Device.h"
#include "xpu/Error.h"
#include "xpu/Executable.h"
#include "xpu/compiler/ActorGraph.h"
#include "xpu/compiler/Mapping.h"
#include "xpu/compiler/ReferenceExecutor.h"

#include <optional>
#include <string>
#include <vector>

namespace xpu::driver {

/// The phases `--compile-to` can stop after.
enum class Phase { Nact, Partitioned, Placed, Routed, Xpu, Exe };
std::optional<Phase> phaseFromName(const std::string &name);

struct CompileOptions {
  Phase stopAfter = Phase::Exe;
  unsigned maxElementsPerCore = 0;   // compute budget per core (0: SRAM only)
  bool multicast = true;
  graph::PlaceStrategy place = graph::PlaceStrategy::Anneal; // nact-place strategy
  uint64_t seed = 1;                 // annealing seed (deterministic per seed)
  uint64_t iterations = 0;           // annealing moves (0: automatic)
  bool mappingReport = false;        // fill CompileResult::mappingReport
  std::string sourceName = "model";  // prefixes diagnostics
};

struct CompileResult {
  std::string ir;                    // the IR after `stopAfter` (not for Exe)
  std::optional<Executable> exe;     // set when stopAfter == Exe
  std::string mappingReport;         // per-core SRAM, placement cost, bound, gap, link traffic
};

/// Compiles an actor graph for `chip`. Errors carry every diagnostic, one per
/// line, as "<source>: <JSON pointer or location>: error: <message>".
Expected<CompileResult> compileGraph(const graph::ActorGraph &g, const ChipDescriptor &chip,
                                     const CompileOptions &options);
/// The same from nact IR text (a module holding one nact.graph).
Expected<CompileResult> compileMlir(const std::string &text, const ChipDescriptor &chip,
                                    const CompileOptions &options);
/// The actor graph of nact IR text (for running the reference executor on it).
Expected<graph::ActorGraph> graphFromMlir(const std::string &text, const std::string &sourceName);

/// Runs `inputs.size()` timesteps of a compiled graph: before each step the
/// graph inputs are written, after it the graph outputs are read.
Expected<std::vector<graph::Values>> runSteps(Device &device, const graph::ActorGraph &g,
                                              const std::vector<graph::Values> &inputs,
                                              uint64_t maxCyclesPerStep = 10'000'000);

/// Runs the reference executor over the same inputs.
Expected<std::vector<graph::Values>> runReference(const graph::ActorGraph &g,
                                                  const std::vector<graph::Values> &inputs);

/// "" if equal, else the first difference (step, output, element, values).
std::string compareOutputs(const std::vector<graph::Values> &expected, const std::vector<graph::Values> &actual);

} // namespace xpu::driver
