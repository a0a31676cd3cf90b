// Statistics of an emulator run as JSON (docs/emulator.md "Statistics").
//
// Built from counters only (cores, NIs, network) after a run, so collecting
// costs nothing on the hot path. Deterministic: keys are sorted and every
// value is a function of the simulated cycles alone.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <vector>

namespace xpu::emu {

class Mesh;

struct LatencySummary {
  uint64_t count = 0;
  double avg = 0;
  uint64_t p50 = 0, p99 = 0, max = 0;
};
/// Nearest-rank percentiles of `samples` (taken by value: sorted here).
LatencySummary summariseLatencies(std::vector<uint32_t> samples);

/// The full statistics object of the mesh's current run.
nlohmann::json collectStats(const Mesh &mesh);

} // namespace xpu::emu
