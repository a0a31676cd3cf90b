// Chrome trace-event recorder: merged instruction-class spans, stalls and
// message flows per core, and a validator of the format.
#include "xpu/emu/Trace.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace xpu::emu {

namespace {

const char *blockName(BlockReason r) {
  switch (r) {
  case BlockReason::Outbound: return "stall:outbound";
  case BlockReason::Message: return "stall:message";
  case BlockReason::Barrier: return "stall:barrier";
  default: return "stall";
  }
}

} // namespace

TraceRecorder::TraceRecorder(const ChipDescriptor &chip, const TraceOptions &options)
    : chip_(chip), options_(options), probes_(chip.numCores()),
      open_(chip.numCores()), stalls_(chip.numCores()) {}

void TraceRecorder::push(nlohmann::json event) {
  if (events_.size() >= options_.maxEvents) {
    truncated_ = true;
    return;
  }
  events_.push_back(std::move(event));
}

nlohmann::json TraceRecorder::span(uint32_t core, const Open &o) const {
  const uint64_t b = std::max(o.begin, options_.beginCycle);
  const uint64_t e = std::min(o.end, options_.endCycle);
  return {{"ph", "X"},          {"name", std::string(className(o.cls))},
          {"cat", "instruction"}, {"pid", 0},
          {"tid", core},         {"ts", b},
          {"dur", e - b},        {"args", {{"instructions", o.count}, {"first_pc", o.pc}}}};
}

nlohmann::json TraceRecorder::stallSpan(uint32_t core, const Stall &s, uint64_t end) const {
  const uint64_t b = std::max(s.begin, options_.beginCycle);
  const uint64_t e = std::min(end, options_.endCycle);
  return {{"ph", "X"}, {"name", blockName(s.reason)}, {"cat", "stall"},
          {"pid", 0},  {"tid", core},                 {"ts", b},
          {"dur", e - b}};
}

void TraceRecorder::instruction(uint32_t core, uint64_t begin, uint64_t end,
                                InstrClass cls, uint32_t pc) {
  Open &o = open_[core];
  if (o.active && o.cls == cls && o.end == begin) {
    o.end = end;
    ++o.count;
    return;
  }
  if (o.active && inWindow(o.begin, o.end)) {
    if (events_.size() >= options_.maxEvents)
      truncated_ = true; // skip building the event
    else
      push(span(core, o));
  }
  o = Open{true, begin, end, 1, pc, cls};
}

void TraceRecorder::stallBegin(uint32_t core, uint64_t cycle, BlockReason reason) {
  stalls_[core] = Stall{true, cycle, reason};
}

void TraceRecorder::stallEnd(uint32_t core, uint64_t cycle) {
  Stall &s = stalls_[core];
  if (!s.active)
    return;
  s.active = false;
  if (cycle > s.begin && inWindow(s.begin, cycle))
    push(stallSpan(core, s, cycle));
}

void TraceRecorder::delivered(uint32_t core, uint64_t cycle, uint64_t packetId,
                              uint64_t createdCycle) {
  const uint32_t source = uint32_t(packetId >> 40);
  // The sending instruction occupies [issue, createdCycle): its last cycle.
  const uint64_t sent = createdCycle > 0 ? createdCycle - 1 : 0;
  if (!inWindow(sent, cycle + 1))
    return;
  if (events_.size() + 3 > options_.maxEvents) {
    truncated_ = true;
    return;
  }
  const uint64_t id = nextFlow_++;
  const nlohmann::json args = {{"packet", packetId & ((uint64_t(1) << 40) - 1)},
                               {"source", source}, {"destination", core}};
  // A one-cycle slice on the receiving core marks the delivery (flow ends
  // bind to an enclosing slice).
  push({{"ph", "X"}, {"name", "deliver"}, {"cat", "message"}, {"pid", 0},
        {"tid", core}, {"ts", cycle}, {"dur", 1}, {"args", args}});
  push({{"ph", "s"}, {"name", "message"}, {"cat", "message"}, {"pid", 0},
        {"tid", source}, {"ts", sent}, {"id", id}});
  push({{"ph", "f"}, {"bp", "e"}, {"name", "message"}, {"cat", "message"},
        {"pid", 0}, {"tid", core}, {"ts", cycle}, {"id", id}});
}

nlohmann::json TraceRecorder::toJson(uint64_t endCycle) const {
  std::vector<nlohmann::json> events = events_;
  bool truncated = truncated_;
  auto add = [&](nlohmann::json e) {
    if (events.size() >= options_.maxEvents) {
      truncated = true;
      return;
    }
    events.push_back(std::move(e));
  };
  for (uint32_t c = 0; c < open_.size(); ++c) {
    Open o = open_[c];
    o.end = std::min(o.end, endCycle);
    if (o.active && o.end > o.begin && inWindow(o.begin, o.end))
      add(span(c, o));
    const Stall &s = stalls_[c];
    if (s.active && endCycle > s.begin && inWindow(s.begin, endCycle))
      add(stallSpan(c, s, endCycle));
  }
  // Sorted by track and time (longer spans first at equal start, so nested
  // slices follow their parents) for readers that expect order. Keys are
  // computed once: comparing JSON values directly dominates large traces.
  struct Key {
    uint64_t tid, ts, negDur;
    char ph;
    size_t index;
    bool operator<(const Key &o) const {
      return std::tie(tid, ts, negDur, ph, index) < std::tie(o.tid, o.ts, o.negDur, o.ph, o.index);
    }
  };
  std::vector<Key> keys;
  keys.reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    const nlohmann::json &e = events[i];
    const uint64_t dur = e.contains("dur") ? e["dur"].get<uint64_t>() : 0;
    keys.push_back({e["tid"].get<uint64_t>(), e["ts"].get<uint64_t>(), UINT64_MAX - dur,
                    e["ph"].get<std::string>()[0], i});
  }
  std::sort(keys.begin(), keys.end());
  nlohmann::json list = nlohmann::json::array();
  list.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", 0}, {"tid", 0},
                  {"ts", 0}, {"args", {{"name", chip_.name + " " +
                                                    std::to_string(chip_.width) + "x" +
                                                    std::to_string(chip_.height)}}}});
  for (uint32_t c = 0; c < chip_.numCores(); ++c) {
    list.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", 0}, {"tid", c}, {"ts", 0},
                    {"args", {{"name", "core " + std::to_string(c) + " (" +
                                           std::to_string(chip_.coreX(c)) + "," +
                                           std::to_string(chip_.coreY(c)) + ")"}}}});
    list.push_back({{"ph", "M"}, {"name", "thread_sort_index"}, {"pid", 0}, {"tid", c},
                    {"ts", 0}, {"args", {{"sort_index", c}}}});
  }
  for (const Key &k : keys)
    list.push_back(std::move(events[k.index]));
  nlohmann::json j;
  j["traceEvents"] = std::move(list);
  j["displayTimeUnit"] = "ns";
  j["otherData"] = {{"time_unit", "1 us in the viewer = 1 cycle"},
                    {"clock_mhz", chip_.clockMhz},
                    {"end_cycle", endCycle},
                    {"truncated", truncated}};
  return j;
}

std::string validateTraceEvents(const nlohmann::json &trace) {
  if (!trace.is_object() || !trace.contains("traceEvents") || !trace["traceEvents"].is_array())
    return "no traceEvents array";
  std::map<uint64_t, std::pair<int, double>> starts, finishes; // id -> (count, ts)
  size_t i = 0;
  for (const auto &e : trace["traceEvents"]) {
    const std::string at = "event " + std::to_string(i++) + ": ";
    if (!e.is_object())
      return at + "not an object";
    if (!e.contains("ph") || !e["ph"].is_string())
      return at + "no string ph";
    const std::string ph = e["ph"];
    if (ph != "X" && ph != "s" && ph != "f" && ph != "M" && ph != "i")
      return at + "unexpected ph '" + ph + "'";
    if (!e.contains("name") || !e["name"].is_string())
      return at + "no string name";
    for (const char *k : {"pid", "tid"})
      if (!e.contains(k) || !e[k].is_number_integer())
        return at + "no integer " + k;
    if (!e.contains("ts") || !e["ts"].is_number())
      return at + "no numeric ts";
    if (ph == "X" && (!e.contains("dur") || !e["dur"].is_number() || e["dur"].get<double>() < 0))
      return at + "complete event without a non-negative dur";
    if (ph == "s" || ph == "f") {
      if (!e.contains("id") || !e["id"].is_number_integer())
        return at + "flow event without an integer id";
      auto &m = ph == "s" ? starts : finishes;
      auto &entry = m[e["id"].get<uint64_t>()];
      ++entry.first;
      entry.second = e["ts"].get<double>();
    }
  }
  for (const auto &[id, s] : starts) {
    auto f = finishes.find(id);
    if (s.first != 1 || f == finishes.end() || f->second.first != 1)
      return "flow " + std::to_string(id) + " is not one start and one finish";
    if (f->second.second < s.second)
      return "flow " + std::to_string(id) + " finishes before it starts";
  }
  if (finishes.size() != starts.size())
    return "a flow finish has no start";
  return "";
}

} // namespace xpu::emu
