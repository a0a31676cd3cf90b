// Random valid actor graphs for differential testing (compile + emulate vs
// the reference executor), and writing graphs back to JSON so that a failing
// seed can be reproduced with xpu-cc.
#pragma once

#include "xpu/compiler/ActorGraph.h"
#include "xpu/compiler/ReferenceExecutor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace xpu::graph {

struct RandomGraphOptions {
  uint64_t seed = 1;
  uint32_t maxActors = 8;     // including inputs; keep <= cores of the chip
  uint32_t maxWidth = 40;     // elements per actor
  /// Percent chance per added block to add a mixture of experts (a
  /// requantised linear layer producing T x D tokens, then a moe actor with
  /// E + 1 partitions counted against maxActors, maybe feeding a neuron
  /// population). 0 (default) draws no extra random numbers, so the graphs
  /// of every seed stay what they were.
  uint32_t moePercent = 0;
};

/// A valid graph: inputs, linear layers (requantised or feeding neurons),
/// IF/LIF/CubaLIF/LI populations summing several projections, fan-out,
/// recurrent delay-1 projections, varied mailbox capacities; 1-3 outputs;
/// with `moePercent`, mixtures of experts (every moe output is observed).
ActorGraph randomActorGraph(const RandomGraphOptions &opts);
/// Random inputs for `steps` steps (i8 vectors, some spiking 0/1).
std::vector<Values> randomInputs(const ActorGraph &g, uint32_t steps, uint64_t seed);

/// The graph as actor-graph JSON (weights inline), readable by loadActorGraph.
std::string actorGraphToJson(const ActorGraph &g);

} // namespace xpu::graph
