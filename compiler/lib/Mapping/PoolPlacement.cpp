// Placement of graphs with pools: workers on the spare cores reserved for
// spawn, everything else placed as usual around them (Pool.h).
#include "xpu/compiler/Pool.h"

namespace xpu::graph {

uint32_t poolWorkerCore(const ActorGraph &g, const ChipDescriptor &chip, uint32_t actor, uint32_t w) {
  uint32_t base = 0;
  for (uint32_t i = 0; i < actor; ++i)
    if (g.actors[i].kind == ActorKind::Pool) base += g.actors[i].pool.maxWorkers;
  return chip.numCores() - 1 - (base + w);
}

std::optional<Error> placeWithPoolWorkers(const ActorGraph &g, const ChipDescriptor &chip,
                                          std::vector<Partition> &parts, const PlaceOptions &opts,
                                          PlaceReport *report) {
  const uint32_t spare = poolSpareCores(g);
  std::vector<Partition> placed;
  std::vector<uint32_t> where;
  for (uint32_t i = 0; i < parts.size(); ++i)
    if (!isPoolWorker(g, parts[i])) {
      placed.push_back(parts[i]);
      where.push_back(i);
    }
  if (uint64_t(placed.size()) + opts.spareCores + spare > chip.numCores()) {
    const Actor *first = nullptr;
    for (const Actor &a : g.actors)
      if (a.kind == ActorKind::Pool && !first) first = &a;
    return Error{first->pointer + ": pool actor '" + first->name + "' keeps " +
                 std::to_string(first->pool.maxWorkers) + " spare cores for its workers (max_workers); the graph needs " +
                 std::to_string(placed.size()) + " cores for its other partitions plus " + std::to_string(spare) +
                 " spare cores for all pools" +
                 (opts.spareCores ? " and " + std::to_string(opts.spareCores) + " more kept free" : std::string()) +
                 ", but the " + std::to_string(chip.width) + "x" + std::to_string(chip.height) + " chip has " +
                 std::to_string(chip.numCores()) + " cores"};
  }
  PlaceOptions inner = opts;
  inner.spareCores = opts.spareCores + spare;
  if (auto err = placePartitions(g, chip, placed, inner, report)) return err;
  for (size_t k = 0; k < placed.size(); ++k) parts[where[k]].core = placed[k].core;
  for (Partition &p : parts)
    if (isPoolWorker(g, p)) p.core = poolWorkerCore(g, chip, p.actor, p.index - 1);
  return std::nullopt;
}

} // namespace xpu::graph
