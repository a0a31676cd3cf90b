// Long random-traffic runs (100k cycles) checked independently of the
// network's own conservation checker: every packet copy arrives exactly
// once, flits of a VC never interleave, packets from one source on one VC
// arrive in order at each destination, payloads are intact, and after the
// sources stop everything drains (no deadlock).
#include "NocHarness.h"

#include <gtest/gtest.h>

#include <string>
#include <unordered_map>

namespace xpu::emu::test {
namespace {

struct LongRunCase {
  const char *name;
  uint32_t k, vcs, depth, R, L;
  double flitsPerNodeCycle;  // offered load (mean packet length 3.5 flits)
  uint64_t cycles;
};

class NocRandomTraffic : public testing::TestWithParam<LongRunCase> {};

TEST_P(NocRandomTraffic, LongRunConservesOrdersAndDrains) {
  const LongRunCase p = GetParam();
  const ChipDescriptor chip = makeChip(p.k, p.k, p.vcs, p.depth, p.R, p.L);
  const uint32_t n = chip.numCores();
  // Two multicast groups (packets of at most `depth` flits).
  const std::vector<MulticastGroup> groups = {{0, 1, {0, n - 1, n / 2, p.k}},
                                              {1, n - 2, {1, 2, n - 1, n - p.k}}};
  NocHarness h(chip, groups);
  h.logConsumed = false;

  struct Sent {
    uint32_t src = 0, flits = 0, copiesLeft = 0;
    uint8_t vc = 0;
    std::vector<uint32_t> dests;
  };
  std::vector<Sent> sent(1);  // by packet id (ids are 1, 2, ...)
  // Online checks of every consumed flit.
  std::vector<std::pair<uint64_t, uint32_t>> open(size_t(n) * p.vcs);  // (packet, next seq)
  std::unordered_map<uint64_t, uint64_t> lastFrom;  // (dest, src, vc) -> last packet id
  uint64_t copiesDone = 0, flitsDone = 0, errors = 0;
  h.onConsume = [&](const Consumed &c) {
    ++flitsDone;
    auto &o = open[size_t(c.core) * p.vcs + c.flit.vc];
    const uint64_t id = c.flit.packetId;
    if (id == 0 || id >= sent.size()) {
      ADD_FAILURE() << "unknown packet " << id;
      ++errors;
      return;
    }
    const Sent &s = sent[id];
    if (c.flit.head) {
      if (o.first != 0) ++errors, ADD_FAILURE() << "interleaved at core " << c.core;
      if (std::find(s.dests.begin(), s.dests.end(), c.core) == s.dests.end())
        ++errors, ADD_FAILURE() << "packet " << id << " misdelivered to " << c.core;
      uint64_t &last = lastFrom[(uint64_t(c.core) * n + s.src) * p.vcs + s.vc];
      if (id <= last) ++errors, ADD_FAILURE() << "packet " << id << " out of order or twice";
      last = id;
      o = {id, 1};
    } else {
      if (o.first != id || o.second != c.flit.seq)
        ++errors, ADD_FAILURE() << "flit " << id << "." << c.flit.seq << " out of sequence";
      ++o.second;
    }
    if (c.flit.vc != s.vc) ++errors, ADD_FAILURE() << "VC changed";
    if (c.flit.data[1] != id * 1000 + c.flit.seq) ++errors, ADD_FAILURE() << "payload corrupted";
    if (c.flit.tail) {
      if (c.flit.seq + 1 != s.flits) ++errors, ADD_FAILURE() << "tail misplaced";
      o = {0, 0};
      --sent[id].copiesLeft;
      ++copiesDone;
    }
  };

  std::mt19937_64 rng(p.k * 1000 + p.vcs);
  const double packetProb = p.flitsPerNodeCycle / 3.5;
  const uint64_t threshold = uint64_t(packetProb * double(UINT32_MAX));
  uint64_t copiesSent = 0;
  for (uint64_t cycle = 0; cycle < p.cycles; ++cycle) {
    for (uint32_t s = 0; s < n; ++s) {
      if ((rng() & UINT32_MAX) >= threshold) continue;
      Sent rec;
      rec.src = s;
      rec.vc = uint8_t(rng() % p.vcs);
      rec.flits = 1 + uint32_t(rng() % 6);
      const MulticastGroup *g = nullptr;
      for (const auto &gg : groups)
        if (gg.source == s && rng() % 4 == 0) g = &gg;
      uint64_t id;
      if (g && rec.flits <= p.depth) {
        rec.dests = g->destinations;
        id = h.send(s, g->id, rec.vc, rec.flits, true);
      } else {
        rec.dests = {uint32_t(rng() % n)};
        id = h.send(s, rec.dests[0], rec.vc, rec.flits);
      }
      rec.copiesLeft = uint32_t(rec.dests.size());
      copiesSent += rec.copiesLeft;
      ASSERT_EQ(id, sent.size());
      sent.push_back(std::move(rec));
    }
    // Sinks stall now and then (back-pressure into the network).
    for (uint32_t c = 0; c < n; ++c) h.sinkOn[c] = (rng() & 15) != 0;
    h.step();
    ASSERT_EQ(errors, 0u) << "at cycle " << cycle;
  }
  for (uint32_t c = 0; c < n; ++c) h.sinkOn[c] = true;
  ASSERT_TRUE(h.drain(200000)) << "not drained: deadlock or livelock";
  EXPECT_EQ(errors, 0u);
  EXPECT_EQ(copiesDone, copiesSent);
  for (size_t id = 1; id < sent.size(); ++id)
    ASSERT_EQ(sent[id].copiesLeft, 0u) << "packet " << id << " from " << sent[id].src;
  EXPECT_TRUE(h.net.quiescent());
  h.net.checkAllDelivered();
  // The load was real: most of the offered flits were sent during the run.
  EXPECT_GT(double(h.flitsInjected), 0.8 * p.flitsPerNodeCycle * n * double(p.cycles));
  RecordProperty("flits", std::to_string(flitsDone));
}

INSTANTIATE_TEST_SUITE_P(
    Meshes, NocRandomTraffic,
    testing::Values(LongRunCase{"mesh4x4_vc4_D2_R2L2", 4, 4, 2, 2, 2, 0.25, 100000},
                    LongRunCase{"mesh4x4_vc2_D4", 4, 2, 4, 1, 1, 0.35, 100000},
                    LongRunCase{"mesh8x8_vc2_D4", 8, 2, 4, 1, 1, 0.2, 100000}),
    [](const testing::TestParamInfo<LongRunCase> &i) { return std::string(i.param.name); });

} // namespace
} // namespace xpu::emu::test
