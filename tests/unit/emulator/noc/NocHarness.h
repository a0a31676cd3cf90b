// A minimal NI model for router tests: per-core FIFOs of packets to inject
// (one flit per cycle, respecting credits), sinks that consume one flit per
// cycle round-robin over VCs (or stall), and a log of every consumed flit.
#pragma once

#include "xpu/Semantics.h"
#include "xpu/emu/Network.h"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <numeric>
#include <random>
#include <vector>

namespace xpu::emu::test {

inline ChipDescriptor makeChip(uint32_t w, uint32_t h, uint32_t vcs = 2, uint32_t depth = 4,
                               uint32_t routerLatency = 1, uint32_t linkLatency = 1) {
  ChipDescriptor c;
  c.width = w;
  c.height = h;
  c.virtualChannels = vcs;
  c.bufferDepth = depth;
  c.routerLatency = routerLatency;
  c.linkLatency = linkLatency;
  return c;
}

struct Consumed {
  uint32_t core = 0;
  uint64_t cycle = 0;
  Flit flit;
};

class NocHarness {
public:
  explicit NocHarness(const ChipDescriptor &chip, const std::vector<MulticastGroup> &groups = {},
                      const std::vector<MulticastRoute> &routes = {})
      : chip_(chip), net(chip, groups, routes), out_(chip.numCores()), sinkOn(chip.numCores(), true),
        sinkVcMask(chip.numCores(), 0xff), sinkRR_(chip.numCores(), 0) {}

  /// Queues an n-flit packet at `src`; returns its packet id.
  uint64_t send(uint32_t src, uint32_t dest, uint8_t vc, uint32_t flits, bool mcast = false) {
    const uint64_t id = nextId_++;
    PacketHeader h;
    h.dest = uint16_t(dest);
    h.source = uint16_t(src);
    h.mailbox = vc;
    h.length = uint16_t((flits - 1) * chip_.flitBytes);
    h.mcast = mcast;
    for (uint32_t i = 0; i < flits; ++i) {
      Flit f;
      f.vc = vc;
      f.head = i == 0;
      f.tail = i + 1 == flits;
      f.packetId = id;
      f.seq = i;
      f.createdCycle = now;
      if (f.head) f.data[0] = packHeader(h);
      f.data[1] = id * 1000 + i;  // payload marker
      out_[src].push_back(f);
    }
    return id;
  }

  /// One cycle: sinks, sources, routers (routers in `order` if given).
  void step(const std::vector<uint32_t> *order = nullptr) {
    const uint32_t n = chip_.numCores(), V = chip_.virtualChannels;
    for (uint32_t c = 0; c < n; ++c) {
      if (sinkOn[c]) {
        uint32_t vc = sinkRR_[c];
        for (uint32_t i = 0; i < V; ++i) {
          vc = (vc + 1) % V;
          if (!((sinkVcMask[c] >> vc) & 1)) continue;
          if (const Flit *f = net.ejectFront(c, uint8_t(vc), now)) {
            if (onConsume) onConsume(Consumed{c, now, *f});
            if (logConsumed) consumed.push_back({c, now, *f});
            net.ejectPop(c, uint8_t(vc), now);
            sinkRR_[c] = vc;
            break;
          }
        }
      }
      if (!out_[c].empty() && net.injectCredits(c, out_[c].front().vc, now) > 0) {
        Flit f = out_[c].front();
        out_[c].pop_front();
        net.inject(c, f, now);
        ++flitsInjected;
        if (logConsumed) injectedAt.push_back({c, now, f});
      }
    }
    if (order)
      for (uint32_t r : *order) net.tickRouter(r, now);
    else
      net.tick(now);
    ++now;
  }

  bool pendingSends() const {
    for (const auto &q : out_)
      if (!q.empty()) return true;
    return false;
  }

  /// Steps until everything queued is delivered; false on timeout.
  bool drain(uint64_t limit = 100000) {
    const uint64_t end = now + limit;
    while (now < end) {
      if (!pendingSends() && net.quiescent()) return true;
      step();
    }
    return false;
  }

  /// Cycle the tail of `packetId` was consumed at `core` (or UINT64_MAX).
  uint64_t tailConsumed(uint64_t packetId, uint32_t core) const {
    for (const auto &c : consumed)
      if (c.flit.packetId == packetId && c.flit.tail && c.core == core) return c.cycle;
    return UINT64_MAX;
  }

  ChipDescriptor chip_;
  Network net;
  uint64_t now = 0;
  std::vector<Consumed> consumed, injectedAt;
  std::vector<std::deque<Flit>> out_;
  std::vector<bool> sinkOn;
  std::vector<uint8_t> sinkVcMask;  // per core: VCs the sink consumes (bit per VC)
  /// Called for every consumed flit; with logConsumed false, `consumed` and
  /// `injectedAt` stay empty (long runs check online instead).
  std::function<void(const Consumed &)> onConsume;
  bool logConsumed = true;
  uint64_t flitsInjected = 0;

private:
  std::vector<uint32_t> sinkRR_;
  uint64_t nextId_ = 1;
};

} // namespace xpu::emu::test
