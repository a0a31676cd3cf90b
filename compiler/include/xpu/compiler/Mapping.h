// Mapping an actor graph onto a chip: partition, place, route.
//
// Plain C++ over ActorGraph and ChipDescriptor, so that the algorithms are
// unit-testable without MLIR. The MLIR passes (partition, place, route) run
// these steps and record their results as attributes on the nact IR; the
// lowering to xpu reads them back. docs/compiler.md explains the scheme.
#pragma once

#include "xpu/ChipDescriptor.h"
#include "xpu/Error.h"
#include "xpu/compiler/ActorGraph.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xpu::graph {

/// One slice of an actor: output elements [begin, end) (neurons or rows).
/// A `moe` actor has E + 1 partitions: index 0 is the router/combiner and
/// holds the whole output [0, outSize); index 1..E is expert e = index - 1
/// and produces nothing on channels ([0, 0)).
struct Partition {
  uint32_t actor = 0;
  uint32_t index = 0;           // position among the actor's partitions
  uint32_t begin = 0, end = 0;
  uint32_t core = ~0u;          // set by place
  uint32_t size() const { return end - begin; }
};

struct PartitionOptions {
  /// Largest slice of any actor on one core (0: limited by SRAM only). The
  /// compute budget: it lets a user spread work over more cores.
  uint32_t maxElementsPerCore = 0;
};

/// SRAM bytes the buffers of a slice of `rows` elements of `a` need on a core
/// (weights, state, inputs, accumulators, staging); `inputs` is the number
/// of incoming channels. Shared by partition and by the lowering's check.
uint64_t partitionSramBytes(const ActorGraph &g, uint32_t actor, uint32_t rows);
/// The same for a given partition (moe routers and experts differ).
uint64_t partitionSramBytes(const ActorGraph &g, const Partition &p);

/// Mixture of experts: each message between the router and an expert carries
/// per token a 2-byte header [token index u8, gate s8] and its payload (D
/// input features to the expert, O outputs back). Worst case per step:
/// `capacity` tokens each way.
constexpr uint32_t kMoeHeaderBytes = 2;
inline uint32_t moeDispatchBytes(const MoeParams &m) { return m.capacity * (kMoeHeaderBytes + m.dim); }
inline uint32_t moeReplyBytes(const MoeParams &m) { return m.capacity * (kMoeHeaderBytes + m.outDim); }
/// True if partition `p` sends or receives on the graph's channels (all but
/// moe experts, which talk only to their router).
inline bool onChannels(const ActorGraph &g, const Partition &p) {
  return (g.actors[p.actor].kind != ActorKind::Moe && g.actors[p.actor].kind != ActorKind::Pool) || p.index == 0;
}
/// A pool actor has 1 + max_workers partitions: index 0 is the dispatcher
/// (the whole output), index w + 1 is worker w, which runs on the pool's
/// w-th spare core (placePartitions) and talks only to its dispatcher.
inline bool isPoolWorker(const ActorGraph &g, const Partition &p) {
  return g.actors[p.actor].kind == ActorKind::Pool && p.index != 0;
}
/// Actors whose every partition consumes the whole input vector.
inline bool consumesWholeInput(ActorKind k) {
  return k == ActorKind::Linear || k == ActorKind::Moe || k == ActorKind::Pool;
}

/// Splits every actor into the fewest equal slices (sizes differ by at most
/// one) that fit a core's SRAM and the compute budget. Inputs are never
/// split. Fails naming the actor if even one element does not fit.
Expected<std::vector<Partition>> partitionGraph(const ActorGraph &g, const ChipDescriptor &chip,
                                                const PartitionOptions &opts = {});

/// Bytes per step sent from partition `from` to partition `to` (0 if none).
uint64_t trafficBytes(const ActorGraph &g, const Partition &from, const Partition &to);

enum class PlaceStrategy : uint8_t { Greedy, Anneal };
const char *placeStrategyName(PlaceStrategy s);
std::optional<PlaceStrategy> placeStrategyFromName(const std::string &name);

struct PlaceOptions {
  PlaceStrategy strategy = PlaceStrategy::Anneal;
  /// Annealing: the run is a pure function of (graph, chip, options); the
  /// same seed gives the same placement on every run.
  uint64_t seed = 1;
  /// Annealing moves (swap or move) to try; 0: automatic,
  /// clamp(200 x partitions, 20'000, 4'000'000), 70 x partitions from a
  /// multilevel start.
  uint64_t iterations = 0;
  /// Weight of the link-load balance term of the annealing objective: a byte
  /// on a directed link costs 1 + balanceWeight x (link load / heaviest pair
  /// traffic), i.e. objective = traffic x hops + balanceWeight x
  /// sum(load^2) / max pair traffic (placementObjective). 0 (default): traffic x
  /// hops only; a positive weight also spreads load (docs/mapping.md says why
  /// the default is 0).
  double balanceWeight = 0.1;
  /// Hook for spawn bounds: the `spareCores` highest core ids stay free (no
  /// partition is placed there). 0 until the model has spawn.
  uint32_t spareCores = 0;
  /// Annealing starts from a multilevel placement (heavy-edge coarsening,
  /// clusters annealed over blocks of 2^level cores, then split level by
  /// level; docs/mapping.md) when its objective beats the greedy one.
  bool multilevel = true;
  /// Multilevel: annealing moves per cluster at each level.
  uint32_t multilevelMovesPerCluster = 400;
  /// Multilevel runs (each from its own stream of `seed`); the best start
  /// wins. 3 rather than 2: the worst of seeds 1-4 at 10k actors drops from
  /// 1.51 to 1.48 x the lower bound (docs/mapping.md "Seeds").
  uint32_t multilevelRuns = 3;
  /// Start temperature of the final annealing from a multilevel start,
  /// relative to the mean uphill delta of a sample of moves.
  double refineTemperature = 0.05;
  /// Start temperature of the annealing from the greedy start, relative to
  /// the mean uphill delta of a sample of moves. At 1 a large graph melts
  /// and does not freeze back in the move budget (1M-neuron model: 1.43-1.61
  /// x the bound over seeds 1-4, 1.23-1.24 at 0.2); below ~0.2 the hub of
  /// Anneal.BeatsGreedyOnAHubAndReachesTheBound no longer escapes its corner.
  double startTemperature = 0.2;
};

/// What a placement achieved (filled by placePartitions when asked).
struct PlaceReport {
  uint64_t cost = 0;            // placementCost: bytes per step x hops
  uint64_t lowerBound = 0;      // placementLowerBound (any placement costs at least this)
  uint64_t greedyCost = 0;      // cost of the greedy start
  uint64_t maxLinkLoad = 0;     // bytes per step on the busiest directed link
  double objective = 0;         // placementObjective of the result
  double greedyObjective = 0;   // ... of the greedy start (annealing never ends above it)
  uint64_t moves = 0, accepted = 0; // annealing moves tried / accepted
  double gap() const { return lowerBound ? double(cost) / double(lowerBound) : 1.0; }
};

/// Greedy deterministic placement, one partition per core: partitions in
/// topological order, each on the free core minimising traffic x hops to the
/// partitions already placed (ties: lowest core id). Fails if there are more
/// partitions than cores.
std::optional<Error> placePartitions(const ActorGraph &g, const ChipDescriptor &chip,
                                     std::vector<Partition> &parts);
/// Placement with a strategy: greedy (above), or simulated annealing
/// started from the greedy placement, swapping and moving partitions over all
/// cores (one per core) to lower placementObjective; the result is never
/// worse than the greedy start. Fills `report` if given.
std::optional<Error> placePartitions(const ActorGraph &g, const ChipDescriptor &chip,
                                     std::vector<Partition> &parts, const PlaceOptions &opts,
                                     PlaceReport *report = nullptr);
/// Sum over communicating partition pairs of bytes per step x XY hops.
uint64_t placementCost(const ActorGraph &g, const ChipDescriptor &chip,
                       const std::vector<Partition> &parts);
/// A lower bound on placementCost over all placements of `parts` on `chip`
/// (docs/mapping.md): each pair's traffic is charged to one of its two
/// partitions (the one with more neighbours); a partition's charged pairs,
/// heaviest first, go at best to distinct cores at distances 1, 1, 1, 1, 2
/// (x8), 3 (x12), ... since at most 4d cores lie at distance d of a core.
uint64_t placementLowerBound(const ActorGraph &g, const ChipDescriptor &chip,
                             const std::vector<Partition> &parts);
/// Bytes per step on every directed link (index core * 4 + direction, 0: +x,
/// 1: -x, 2: +y, 3: -y) when each partition pair's traffic follows its XY path.
std::vector<uint64_t> linkLoads(const ActorGraph &g, const ChipDescriptor &chip,
                                const std::vector<Partition> &parts);
/// The annealing objective: placementCost + balanceWeight x sum over links
/// of load^2 / (largest traffic of one partition pair).
double placementObjective(const ActorGraph &g, const ChipDescriptor &chip, const std::vector<Partition> &parts,
                          double balanceWeight);

/// One message sent every step: elements [begin, end) of the source actor's
/// output, from one partition to one or more partitions, into the same
/// mailbox of every destination core.
/// Message::channel values that are not channel indices.
constexpr uint32_t kGatherChannel = ~0u;       // partitioned graph output onto slice 0
constexpr uint32_t kMoeDispatchChannel = ~1u;  // moe router -> expert: selected tokens
constexpr uint32_t kMoeReplyChannel = ~2u;     // moe expert -> router (the sender of the dispatch)
constexpr uint32_t kPoolDispatchChannel = ~3u; // pool dispatcher -> worker: its jobs of the step
constexpr uint32_t kPoolReplyChannel = ~4u;    // pool worker -> dispatcher (the source of the jobs)

struct Message {
  uint32_t channel = 0;         // index into g.channels; ~0u: output gather; ~1u/~2u: moe
  uint32_t srcPart = 0;
  std::vector<uint32_t> dstParts;
  uint32_t begin = 0, end = 0;  // element range of the source actor's output
  uint32_t bytes = 0;
  uint32_t mailbox = 0;
  int32_t group = -1;           // multicast group id, or -1 for unicast
  uint32_t delay = 0;
};

struct RouteOptions {
  bool multicast = true;        // use multicast groups for fan-out when possible
};

struct Routing {
  std::vector<Message> messages;
  std::vector<MulticastGroup> groups;
};

/// Derives every message of a step: each channel's slices from producer to
/// consumer partitions, split into messages that fit `max_message_bytes`
/// (multicast: one input buffer), plus the gather of partitioned graph
/// outputs onto their first partition. Assigns mailboxes so that no mailbox
/// ever holds more than its depth: a multi-message or delay-1 stream gets its
/// own mailboxes (delay-1 ones may hold two steps), single-message streams
/// from distinct sources share one (the receiver dispatches on the source
/// core). Fails naming the core when it runs out of mailboxes.
Expected<Routing> routeMessages(const ActorGraph &g, const ChipDescriptor &chip,
                                const std::vector<Partition> &parts, const RouteOptions &opts = {});

/// True if `m` is an events stream (docs/mapping.md "Event channels"): one
/// routed Message per destination set stands for the 0..ceil(N/K) messages
/// of each step (`bytes` = 2K, the largest), sent to mailbox
/// `mailbox + (t mod 2)` at step t and drained at step t + 1.
inline bool isEventMessage(const ActorGraph &g, const Message &m) {
  return m.channel < g.channels.size() && g.channels[m.channel].events();
}
/// True if actor `a` is the source of an events channel (never split).
inline bool hasEventOutput(const ActorGraph &g, uint32_t a) {
  for (const Channel &c : g.channels)
    if (c.from == a && c.events()) return true;
  return false;
}
/// True if linear actor `a` consumes an events channel.
inline bool hasEventInput(const ActorGraph &g, uint32_t a) {
  for (const Channel &c : g.channels)
    if (c.to == a && c.events()) return true;
  return false;
}

/// Bytes of one element of an actor's output.
inline uint32_t elemBytes(DType t) { return t == DType::I8 ? 1 : 4; }

} // namespace xpu::graph
