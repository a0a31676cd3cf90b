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
  Moe,     // mixture of experts: a router/combiner and E expert layers
  Pool,    // a dispatcher that spawns up to B workers from a template (spawn)
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

/// How a mixture-of-experts router assigns tokens to experts.
enum class MoeRouting : uint8_t {
  ExpertChoice, // each expert takes its top-`capacity` tokens (ties: lower token)
  TopK,         // each token picks its top-`k` experts (ties: lower expert); an
                // expert accepts its first `capacity` tokens in token order
};

/// Parameters of a `moe` actor (docs/actor-graph.md). Input: T tokens of D
/// int8 features, token-major; output: T x O int32, token-major.
struct MoeParams {
  uint32_t tokens = 0;          // T (1..256: a token index is one byte in messages)
  uint32_t experts = 0;         // E
  uint32_t dim = 0;             // D, features per token
  uint32_t outDim = 0;          // O, expert outputs per token
  MoeRouting routing = MoeRouting::ExpertChoice;
  uint32_t k = 1;               // top_k only
  uint32_t capacity = 1;        // tokens per expert per step, 1..T
  uint32_t gateShift = 0;       // gate = vreq(score, gateShift) (no relu)
  std::vector<int8_t> routerWeight;  // [E][D]
  std::vector<int8_t> expertWeight;  // [E][O][D]
  std::vector<int32_t> expertBias;   // [E][O]; empty means zero
  Requantize expertRequantize;       // expert outputs are int8
};

/// What a pool does with the jobs its live workers cannot take.
enum class PoolOverflow : uint8_t { Self, Drop };

/// Parameters of a `pool` actor (docs/actor-graph.md "Pools"). Input: i8
/// [c, N x D jobs]; output: i8 [N x O results, live workers, dropped jobs].
struct PoolParams {
  uint32_t jobs = 0;            // N, jobs per step (1..127)
  uint32_t features = 0;        // D, features per job
  uint32_t outputs = 0;         // O, results per job
  uint32_t jobsPerWorker = 1;   // J
  uint32_t maxWorkers = 1;      // B, spare cores kept for this pool
  PoolOverflow onBound = PoolOverflow::Self;
  std::vector<int8_t> weight;   // template [O][D]
  std::vector<int32_t> bias;    // template [O]; empty means zero
  Requantize requantize;        // results are int8
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
  // Mixture of experts (kind Moe): inSize = T*D, outSize = T*O
  MoeParams moe;
  // Pool (kind Pool): inSize = 1 + N*D, outSize = N*O + 2
  PoolParams pool;

  NeuronModel neuronModel() const;
};

/// A channel from one actor's output to another's input. A channel with
/// delay 1 delivers the value produced in step t at step t + 1 (zeros at
/// step 0): it is how recurrent graphs break cycles.
/// How a channel carries its values: the whole vector every step (dense),
/// or the indices of the source's spikes as address events (docs/actor-graph.md
/// "Event channels"): a data-dependent number of messages of up to
/// `eventsPerMessage` u16 indices, whose mailbox `capacity` and `policy`
/// decide what the consumer sees.
enum class ChannelEncoding : uint8_t { Dense, Events };

struct Channel {
  uint32_t from = 0, to = 0;    // actor indices
  uint32_t capacity = 1;        // mailbox capacity in messages
  MailboxPolicy policy = MailboxPolicy::Block;
  uint32_t delay = 0;           // 0 or 1
  std::string pointer;
  ChannelEncoding encoding = ChannelEncoding::Dense;
  uint32_t eventsPerMessage = 8; // K (events channels only)
  bool events() const { return encoding == ChannelEncoding::Events; }
};

/// Event channels: the largest event index is a u16.
constexpr uint32_t kMaxEventSource = 1u << 16;
/// Messages of a step with `spikes` events, K per message.
inline uint32_t eventMessages(uint32_t spikes, uint32_t k) { return (spikes + k - 1) / k; }

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
