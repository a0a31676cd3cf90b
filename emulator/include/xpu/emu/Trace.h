// Timeline traces of an emulator run in the Chrome trace-event format
// (JSON, opened in ui.perfetto.dev or chrome://tracing): one track per core
// with instruction-class spans and stalls, message deliveries as flow
// events from the sending instruction to the receiving core
// (docs/tutorial-perf.md "Timelines").
//
// Off by default. When off, the tile pays one predictable branch per
// activation (Tile::step picks the traced or untraced instantiation of its
// body); the recorder is only created when a trace is asked for.
#pragma once

#include "xpu/ChipDescriptor.h"
#include "xpu/Isa.h"
#include "xpu/emu/Core.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace xpu::emu {

struct TraceOptions {
  /// Record only cycles in [beginCycle, endCycle).
  uint64_t beginCycle = 0;
  uint64_t endCycle = UINT64_MAX;
  /// Stop recording after this many events (the JSON says it was truncated).
  uint64_t maxEvents = 1000000;
};

/// Collects events during a run. Time unit: one cycle is written as one
/// microsecond (`ts`, `dur`), so the viewer's "us" read as cycles.
class TraceRecorder {
public:
  TraceRecorder(const ChipDescriptor &chip, const TraceOptions &options);

  // ---- called by the tiles (only while tracing) ----
  /// Core `core` issued an instruction of class `cls` at pc `pc` occupying
  /// cycles [begin, end). Contiguous instructions of one class merge into
  /// one span.
  void instruction(uint32_t core, uint64_t begin, uint64_t end, InstrClass cls,
                   uint32_t pc);
  /// The core is blocked from `cycle` on (`reason`) / until `cycle`.
  void stallBegin(uint32_t core, uint64_t cycle, BlockReason reason);
  void stallEnd(uint32_t core, uint64_t cycle);
  /// A message packet `packetId` (created by its source's NI at
  /// `createdCycle`, right after the sending instruction's copy) was
  /// delivered into a mailbox of `core` at `cycle`.
  void delivered(uint32_t core, uint64_t cycle, uint64_t packetId, uint64_t createdCycle);

  /// Per-core probe state kept for the tile (previous counters).
  struct CoreProbe {
    uint64_t instructions = 0;
    std::array<uint64_t, kNumInstrClasses> byClass{};
    uint64_t delivered = 0;
    bool stalled = false;
  };
  CoreProbe &probe(uint32_t core) { return probes_[core]; }

  // ---- output ----
  uint64_t eventCount() const { return events_.size(); }
  bool truncated() const { return truncated_; }
  /// The trace as a JSON object {"traceEvents": [...], ...}; spans still
  /// open (a stall, the last merged span) end at `endCycle`.
  nlohmann::json toJson(uint64_t endCycle) const;

private:
  struct Open {
    bool active = false;
    uint64_t begin = 0, end = 0, count = 0;
    uint32_t pc = 0;
    InstrClass cls = InstrClass::Control;
  };
  struct Stall {
    bool active = false;
    uint64_t begin = 0;
    BlockReason reason = BlockReason::None;
  };
  bool inWindow(uint64_t begin, uint64_t end) const {
    return end > options_.beginCycle && begin < options_.endCycle;
  }
  void push(nlohmann::json event);
  nlohmann::json span(uint32_t core, const Open &o) const;
  nlohmann::json stallSpan(uint32_t core, const Stall &s, uint64_t end) const;

  ChipDescriptor chip_;
  TraceOptions options_;
  std::vector<CoreProbe> probes_;
  std::vector<Open> open_;
  std::vector<Stall> stalls_;
  std::vector<nlohmann::json> events_;
  uint64_t nextFlow_ = 1;
  bool truncated_ = false;
};

/// Checks `trace` against the trace-event format as used here: an object
/// with a "traceEvents" array whose events have a string "ph" in
/// {X, s, f, M, i}, integer pid and tid, numeric ts (and dur >= 0 for X),
/// string names, flow events paired by id (each "s" has one "f" with the
/// same id, at a ts not earlier). Returns an empty string when valid,
/// otherwise the first problem.
std::string validateTraceEvents(const nlohmann::json &trace);

} // namespace xpu::emu
