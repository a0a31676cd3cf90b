// Chrome trace timelines: valid trace-event JSON with the expected spans and
// flows; tracing does not change the statistics.
#include "SystemTestUtil.h"

#include "xpu/emu/Trace.h"

#include <gtest/gtest.h>

#include <map>

namespace xpu {
namespace {

using test::assembleOrFail;
using test::chip;
using test::readSource;

emu::EmulatorOptions tracing(emu::TraceOptions t = {}) {
  emu::EmulatorOptions o;
  o.trace = t;
  return o;
}

struct Traced {
  std::unique_ptr<Device> device;
  emu::EmulatorBackend *backend = nullptr;
};

Traced loadTraced(const Executable &exe, const emu::EmulatorOptions &o) {
  Traced t;
  auto b = std::make_unique<emu::EmulatorBackend>(BackendOptions{}, o);
  t.backend = b.get();
  t.device = std::make_unique<Device>(std::move(b));
  if (auto err = t.device->load(exe))
    ADD_FAILURE() << err->message;
  return t;
}

TEST(Trace, RingHasSpansStallsAndOneFlowPerMessage) {
  Executable exe = assembleOrFail(readSource("examples/asm/ring.s"), chip(2, 2), "ring.s");
  Traced t = loadTraced(exe, tracing());
  ASSERT_EQ(t.device->runUntilHalt().status, RunStatus::Halted);
  const nlohmann::json trace = t.backend->traceJson();
  const nlohmann::json stats = t.device->stats();
  EXPECT_EQ(emu::validateTraceEvents(trace), "");
  EXPECT_EQ(trace["otherData"]["truncated"], false);

  std::map<uint64_t, uint64_t> busy, instructions, stall, deliveries;
  std::map<uint64_t, std::map<std::string, int>> names;
  uint64_t flows = 0;
  for (const auto &e : trace["traceEvents"]) {
    const uint64_t tid = e["tid"];
    if (e["ph"] == "s")
      ++flows;
    if (e["ph"] != "X")
      continue;
    ++names[tid][e["name"].get<std::string>()];
    if (e["cat"] == "instruction") {
      busy[tid] += e["dur"].get<uint64_t>();
      instructions[tid] += e["args"]["instructions"].get<uint64_t>();
    } else if (e["cat"] == "stall") {
      stall[tid] += e["dur"].get<uint64_t>();
    } else if (e["cat"] == "message") {
      ++deliveries[tid];
    }
  }
  // One flow per delivered message (3 rounds x 4 cores), each delivery a
  // slice on the receiving core.
  EXPECT_EQ(flows, stats["messages"]["delivered"].get<uint64_t>());
  EXPECT_EQ(flows, 12u);
  for (uint32_t c = 0; c < 4; ++c) {
    SCOPED_TRACE("core " + std::to_string(c));
    const auto &core = stats["cores"][c];
    // Instruction spans cover exactly the busy cycles and instructions;
    // stall spans the stall cycles.
    EXPECT_EQ(busy[c], core["busy_cycles"].get<uint64_t>());
    EXPECT_EQ(instructions[c], core["instructions"].get<uint64_t>());
    EXPECT_EQ(stall[c], core["stall_cycles"].get<uint64_t>());
    EXPECT_EQ(deliveries[c], core["messages_delivered"].get<uint64_t>());
    EXPECT_GT(names[c]["message"], 0);
    EXPECT_GT(names[c]["stall:message"], 0);
    EXPECT_GT(names[c]["alu"], 0);
  }
}

TEST(Trace, BarrierStallsAndWindowAndLimit) {
  Executable exe = assembleOrFail(readSource("examples/asm/spikes.s"), chip(2, 2), "spikes.s");
  emu::TraceOptions w;
  w.beginCycle = 100;
  w.endCycle = 300;
  Traced t = loadTraced(exe, tracing(w));
  ASSERT_EQ(t.device->runUntilHalt().status, RunStatus::Halted);
  const nlohmann::json trace = t.backend->traceJson();
  EXPECT_EQ(emu::validateTraceEvents(trace), "");
  bool barrier = false;
  for (const auto &e : trace["traceEvents"]) {
    if (e["ph"] == "M")
      continue;
    EXPECT_GE(e["ts"].get<uint64_t>(), 100u);
    if (e["ph"] == "X") {
      EXPECT_LE(e["ts"].get<uint64_t>() + e["dur"].get<uint64_t>(), 300u);
    }
    barrier |= e["name"] == "stall:barrier";
  }
  EXPECT_TRUE(barrier);
}

TEST(Trace, EventLimitTruncates) {
  Executable exe = assembleOrFail(readSource("examples/asm/ring.s"), chip(2, 2), "ring.s");
  emu::TraceOptions l;
  l.maxEvents = 10;
  Traced t = loadTraced(exe, tracing(l));
  ASSERT_EQ(t.device->runUntilHalt().status, RunStatus::Halted);
  const nlohmann::json trace = t.backend->traceJson();
  EXPECT_EQ(trace["otherData"]["truncated"], true);
  size_t n = 0;
  for (const auto &e : trace["traceEvents"])
    n += e["ph"] != "M";
  EXPECT_LE(n, 10u);
}

TEST(Trace, DoesNotChangeStatistics) {
  Executable exe = assembleOrFail(readSource("examples/asm/scatter_reduce.s"), chip(2, 2),
                                  "scatter_reduce.s");
  std::string plain, traced;
  {
    Traced t = loadTraced(exe, {});
    ASSERT_EQ(t.device->runUntilHalt().status, RunStatus::Halted);
    plain = t.device->stats().dump();
    EXPECT_TRUE(t.backend->traceJson().is_null());
  }
  {
    Traced t = loadTraced(exe, tracing());
    ASSERT_EQ(t.device->runUntilHalt().status, RunStatus::Halted);
    traced = t.device->stats().dump();
    EXPECT_EQ(emu::validateTraceEvents(t.backend->traceJson()), "");
  }
  EXPECT_EQ(plain, traced);
}

TEST(Trace, ValidatorRejectsBrokenTraces) {
  using nlohmann::json;
  EXPECT_NE(emu::validateTraceEvents(json::object()), "");
  EXPECT_NE(emu::validateTraceEvents({{"traceEvents", {{{"ph", "X"}, {"name", "a"}, {"pid", 0},
                                                        {"tid", 0}, {"ts", 1}}}}}),
            "");
  EXPECT_NE(emu::validateTraceEvents({{"traceEvents", {{{"ph", "s"}, {"name", "m"}, {"pid", 0},
                                                        {"tid", 0}, {"ts", 1}, {"id", 7}}}}}),
            "");
}

} // namespace
} // namespace xpu
