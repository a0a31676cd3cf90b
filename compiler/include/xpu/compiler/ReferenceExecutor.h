// The golden reference: runs an actor graph step by step with exactly the
// integer semantics of docs/arch.md (xpu::sem). Every end-to-end test
// compares the emulator's outputs with this executor's, bit for bit.
#pragma once

#include "xpu/compiler/ActorGraph.h"

#include <map>
#include <string>
#include <vector>

namespace xpu::graph {

/// One vector per named graph input or output; i8 values are held in int32.
using Values = std::map<std::string, std::vector<int32_t>>;

class ReferenceExecutor {
public:
  /// The graph must be valid (validateActorGraph).
  explicit ReferenceExecutor(const ActorGraph &graph);

  /// Runs one timestep: every actor fires once, in topological order; delay-1
  /// channels carry the previous step's values. Missing inputs are an error.
  /// Events channels (docs/actor-graph.md "Event channels") then pass the
  /// step's spikes through their mailbox policy: a step whose messages
  /// exceed the capacity is an error under `error` ("mailbox overflow") and
  /// `block` (it would block forever).
  Expected<Values> step(const Values &inputs);
  uint64_t stepsDone() const { return steps_; }
  /// Messages of events channel `channel` dropped so far (drop policies).
  uint64_t droppedMessages(uint32_t channel) const { return dropped_[channel]; }
  /// Messages channel `channel` carried in the last step (before policies).
  uint32_t lastMessages(uint32_t channel) const { return lastMessages_[channel]; }

private:
  const ActorGraph &g_;
  std::vector<uint32_t> order_;
  std::vector<std::vector<int32_t>> out_, prevOut_;    // per actor
  std::vector<std::vector<int32_t>> v_, u_;            // neuron state
  std::vector<uint32_t> poolWorkers_;                  // live workers per pool actor
  std::vector<std::vector<int32_t>> eventInput_;       // per events channel: 0/1 per kept event
  std::vector<uint64_t> dropped_;                      // per channel
  std::vector<uint32_t> lastMessages_;                 // per channel
  uint64_t steps_ = 0;
};

} // namespace xpu::graph
