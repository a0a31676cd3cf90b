// The actor graph: the compiler's input model, parsed from actor-graph JSON
// (docs/actor-graph.md) and executed by the reference executor.
//
// Plain C++ (no MLIR): the importer turns it into the `nact` dialect, and the
// reference executor and its tests use it directly.
#pragma once

#include "xpu/Error.h"
#include "xpu/Executable.h"
#include "xpu/Isa.h"
#include "xpu/Semantics.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xpu::graph {

/// Element types of values on channels.
enum class DType : uint8_t { I8, I32 };
const char *dtypeName(DType t);

enum class ActorKind : uint8_t {
  Input,   // a graph input: the host writes a vector every timestep
  Linear,  // y = requant?(W x + b): int8 weights, int32 accumulation
  IF, LIF, CubaLIF, LI, // neuron populations (docs/arch.md nstep)
};
const char *kindName(ActorKind k);
std::optional<ActorKind> kindFromName(const std::string &name);
inline bool isNeuron(ActorKind k) {
  return k == ActorKind::IF || k == ActorKind::LIF || k == ActorKind::CubaLIF || k == ActorKind::LI;
}

/// vreq parameters: int32 accumulators -> int8 activations.
struct Requantize {
  uint32_t shift = 0;
  bool relu = false;
};

struct Actor {
  std::string name;
  ActorKind kind = ActorKind::Input;
  std::string pointer;          // JSON pointer of its definition, for errors
  uint32_t inSize = 0;          // elements consumed per step (0 for inputs)
  uint32_t outSize = 0;         // elements produced per step
  DType inType = DType::I8;
  DType outType = DType::I8;
  // Linear
  std::vector<int8_t> weight;   // [outSize][inSize], row-major
  std::vector<int32_t> bias;    // [outSize]; empty means zero
  std::optional<Requantize> requantize; // set: output i8; unset: output i32
  // Neuron populations
  sem::NeuronParams params;
  ResetMode reset = ResetMode::Zero;

  NeuronModel neuronModel() const;
};

/// A channel from one actor's output to another's input. A channel with
/// delay 1 delivers the value produced in step t at step t + 1 (zeros at
/// step 0): it is how recurrent graphs break cycles.
struct Channel {
  uint32_t from = 0, to = 0;    // actor indices
  uint32_t capacity = 1;        // mailbox capacity in messages
  MailboxPolicy policy = MailboxPolicy::Block;
  uint32_t delay = 0;           // 0 or 1
  std::string pointer;
};

struct GraphOutput {
  std::string name;
  uint32_t actor = 0;           // its output vector is the graph output
};

enum class SyncMode : uint8_t { Barrier, Free };

struct ActorGraph {
  std::string name;
  double dt = 1.0;
  SyncMode sync = SyncMode::Barrier;
  std::vector<Actor> actors;
  std::vector<Channel> channels;
  std::vector<GraphOutput> outputs;

  std::optional<uint32_t> find(const std::string &actorName) const;
  /// Actor indices in an order where every delay-0 producer comes before its
  /// consumers (computed by validation; the graph has no delay-0 cycle).
  std::vector<uint32_t> topologicalOrder() const;
};

/// Parses and validates a graph. `source` prefixes errors (a file name);
/// `baseDir` resolves `.npy` weight files. Errors name the JSON pointer and
/// say what was expected; all problems found are reported.
Expected<ActorGraph> parseActorGraph(const nlohmann::json &j, const std::string &source,
                                     const std::string &baseDir);
Expected<ActorGraph> loadActorGraph(const std::string &path);

/// Checks shapes, types, parameter ranges and that every cycle has a delay.
/// parseActorGraph calls it; graphs built in code (tests, the nact exporter)
/// call it directly.
std::optional<Error> validateActorGraph(const ActorGraph &g);

} // namespace xpu::graph
