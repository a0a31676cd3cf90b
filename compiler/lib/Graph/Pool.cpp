// The `pool` actor kind: validation, reference semantics and shared sizes
// (Pool.h; docs/actor-graph.md "Pools").
#include "xpu/compiler/Pool.h"

#include <algorithm>

namespace xpu::graph {

uint32_t poolWorkersAfter(const PoolParams &p, uint32_t prev, uint32_t count) {
  const uint32_t needed = (count + p.jobsPerWorker - 1) / p.jobsPerWorker;
  return std::min(p.maxWorkers, std::max(prev, needed));
}

void validatePool(const Actor &a, std::vector<std::string> &errs) {
  auto err = [&](const std::string &ptr, const std::string &msg) { errs.push_back(ptr + ": " + msg); };
  const PoolParams &p = a.pool;
  const std::string N = std::to_string(p.jobs);
  if (p.jobs < 1 || p.jobs > kPoolMaxJobs)
    err(a.pointer + "/jobs", "must be in 1.." + std::to_string(kPoolMaxJobs) + " (the job count is one i8), got " + N);
  if (p.features < 1) err(a.pointer + "/features", "must be at least 1");
  if (p.outputs < 1) err(a.pointer + "/outputs", "must be at least 1");
  if (p.jobsPerWorker < 1 || p.jobsPerWorker > std::max(p.jobs, 1u))
    err(a.pointer + "/jobs_per_worker", "must be in 1.." + N + " (jobs), got " + std::to_string(p.jobsPerWorker));
  const uint32_t busiest = p.jobsPerWorker ? (p.jobs + p.jobsPerWorker - 1) / p.jobsPerWorker : p.jobs;
  if (p.maxWorkers < 1 || p.maxWorkers > std::max(busiest, 1u))
    err(a.pointer + "/max_workers", "must be in 1.." + std::to_string(std::max(busiest, 1u)) +
                                        " (ceil(jobs / jobs_per_worker): more workers are never busy), got " +
                                        std::to_string(p.maxWorkers));
  if (p.requantize.shift > 31)
    err(a.pointer + "/template/requantize/shift", "must be in 0..31, got " + std::to_string(p.requantize.shift));
  if (p.weight.size() != size_t(p.outputs) * p.features)
    err(a.pointer + "/template/weight", "expected " + std::to_string(p.outputs) + "x" + std::to_string(p.features) +
                                            " weights, got " + std::to_string(p.weight.size()));
  if (!p.bias.empty() && p.bias.size() != p.outputs)
    err(a.pointer + "/template/bias", "expected " + std::to_string(p.outputs) + " values, got " +
                                          std::to_string(p.bias.size()));
  if (a.inSize != 1 + uint64_t(p.jobs) * p.features || a.outSize != uint64_t(p.jobs) * p.outputs + 2)
    err(a.pointer, "pool actor '" + a.name + "' consumes 1 + jobs x features and produces jobs x outputs + 2 values");
  if (a.inType != DType::I8 || a.outType != DType::I8)
    err(a.pointer, "pool actor '" + a.name + "' consumes and produces i8 values");
}

void poolStep(const Actor &a, const std::vector<int32_t> &x, std::vector<int32_t> &out, uint32_t &workers) {
  const PoolParams &p = a.pool;
  const uint32_t N = p.jobs, D = p.features, O = p.outputs;
  const uint32_t count = uint32_t(std::clamp<int32_t>(int8_t(x[0]), 0, int32_t(N)));
  workers = poolWorkersAfter(p, workers, count);
  const uint32_t byWorkers = std::min(count, workers * p.jobsPerWorker);
  uint32_t dropped = 0;
  std::fill(out.begin(), out.end(), 0);
  for (uint32_t j = 0; j < count; ++j) {
    if (j >= byWorkers && p.onBound == PoolOverflow::Drop) {
      ++dropped;
      continue;
    }
    for (uint32_t o = 0; o < O; ++o) {
      // int32 accumulation with wrap-around, as vdot does.
      uint32_t acc = p.bias.empty() ? 0u : uint32_t(p.bias[o]);
      for (uint32_t d = 0; d < D; ++d)
        acc += uint32_t(int32_t(p.weight[size_t(o) * D + d]) * int32_t(int8_t(x[1 + size_t(j) * D + d])));
      out[size_t(j) * O + o] = sem::requantise(int32_t(acc), p.requantize.shift, p.requantize.relu);
    }
  }
  out[size_t(N) * O] = int32_t(workers);
  out[size_t(N) * O + 1] = int32_t(dropped);
}

uint32_t poolSpareCores(const ActorGraph &g) {
  uint32_t n = 0;
  for (const Actor &a : g.actors)
    if (a.kind == ActorKind::Pool) n += a.pool.maxWorkers;
  return n;
}

uint64_t poolSramBytes(const ActorGraph &g, uint32_t actor, uint32_t index, bool output) {
  const PoolParams &p = g.actors[actor].pool;
  auto align4 = [](uint64_t n) { return (n + 3) & ~uint64_t(3); };
  const uint64_t N = p.jobs, D = p.features, O = p.outputs, J = p.jobsPerWorker;
  uint64_t bytes = 64;                                     // alignment padding between buffers
  bytes += align4(O * D) + (p.bias.empty() ? 0 : 4 * O);   // template weights, bias
  bytes += 4 * O;                                          // accumulators of one job
  if (index == 0) {
    bytes += align4(1 + N * D);                            // input
    bytes += align4(N * O + 2);                            // results and counters
    bytes += align4(N + 1) + 4;                            // workers needed per count, live workers
    bytes += align4(J * O);                                // one reply
    if (output) bytes += align4(N * O + 2);                // host window
  } else {
    bytes += align4(J * D) + align4(J * O);                // jobs, results
  }
  return bytes;
}

} // namespace xpu::graph
