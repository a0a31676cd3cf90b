// The `pool` actor kind ("the neural actor that creates actors"): its
// validation, its reference semantics and the facts the mapping and the
// lowering share (docs/actor-graph.md "Pools", docs/compiler.md "Pools").
#pragma once

#include "xpu/compiler/ActorGraph.h"
#include "xpu/compiler/Mapping.h"

#include <cstdint>
#include <string>
#include <vector>

namespace xpu::graph {

constexpr uint32_t kPoolMaxJobs = 127; // the job count travels as one i8

/// Live workers after a step with `count` jobs: min(B, max(prev, ceil(count / J))).
uint32_t poolWorkersAfter(const PoolParams &p, uint32_t prev, uint32_t count);

/// Appends "pointer: message" problems of a pool actor to `errs`.
void validatePool(const Actor &a, std::vector<std::string> &errs);

/// One reference step: x = [c, jobs...] (i8 values), out = N*O + 2 values;
/// `workers` is the pool's live-worker state (0 before the first step).
void poolStep(const Actor &a, const std::vector<int32_t> &x, std::vector<int32_t> &out, uint32_t &workers);

/// Spare cores all pools of `g` keep for their workers (sum of max_workers).
uint32_t poolSpareCores(const ActorGraph &g);

/// Bytes of the per-step messages dispatcher -> worker (J jobs of D
/// features) and worker -> dispatcher (J results of O values), worst case.
inline uint32_t poolDispatchBytes(const PoolParams &p) { return p.jobsPerWorker * p.features; }
inline uint32_t poolReplyBytes(const PoolParams &p) { return p.jobsPerWorker * p.outputs; }

/// SRAM bytes of the dispatcher (index 0) or of one worker (index >= 1),
/// as LowerPool allocates them.
uint64_t poolSramBytes(const ActorGraph &g, uint32_t actor, uint32_t index, bool output);

/// placePartitions when `parts` holds pool workers
/// (compiler/lib/Mapping/PoolPlacement.cpp): the other partitions are placed
/// as usual with opts.spareCores + poolSpareCores(g) highest cores kept
/// free; worker w of the k-th pool (actor order) goes to core
/// numCores - 1 - (B_0 + ... + B_{k-1} + w). Fails naming the first pool
/// when the chip is too small. `report` covers the placed partitions.
std::optional<Error> placeWithPoolWorkers(const ActorGraph &g, const ChipDescriptor &chip,
                                          std::vector<Partition> &parts, const PlaceOptions &opts,
                                          PlaceReport *report);
/// The core of worker `w` of pool actor `actor` (see placeWithPoolWorkers).
uint32_t poolWorkerCore(const ActorGraph &g, const ChipDescriptor &chip, uint32_t actor, uint32_t w);

} // namespace xpu::graph
