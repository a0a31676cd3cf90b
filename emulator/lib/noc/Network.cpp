// Mesh network: wormhole routers with VCs and credits, the NI-side Local
// port, multicast trees, and the always-on flit conservation checker.
//
// Timing (docs/arch.md 5.1): a flit sent over a link is written straight
// into the downstream ring with its arrival cycle, and a freed slot's credit
// is queued at the upstream sender with its arrival cycle. Both are at least
// one cycle in the future, so whatever order routers are ticked in within a
// cycle, each sees exactly the state of the previous cycles.
#include "xpu/emu/Network.h"

#include "Router.h"

#include "xpu/Semantics.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

namespace xpu::emu {

namespace {

constexpr uint8_t kLocal = uint8_t(Port::Local);

constexpr uint8_t opposite(uint8_t p) {
  switch (Port(p)) {
  case Port::East: return uint8_t(Port::West);
  case Port::West: return uint8_t(Port::East);
  case Port::North: return uint8_t(Port::South);
  case Port::South: return uint8_t(Port::North);
  default: return kLocal;
  }
}

const char *portName(uint8_t p) {
  static const char *names[] = {"Local", "East", "West", "North", "South"};
  return p < kNumPorts ? names[p] : "?";
}

inline unsigned lowestBit(uint32_t m) { return unsigned(__builtin_ctz(m)); }

[[noreturn]] void violation(const std::string &what) {
  throw std::logic_error("NoC conservation check failed: " + what);
}

/// Reports a violation found at a router input; out of line so that the
/// string building stays off the allocation loop.
[[noreturn, gnu::cold, gnu::noinline]] void routerViolation(uint32_t router, uint8_t port,
                                                              uint32_t vc, const char *what,
                                                              const std::string &detail);

std::string flitText(const Flit &f) {
  std::ostringstream os;
  os << "packet " << f.packetId << " seq " << f.seq << (f.head ? " head" : "")
     << (f.tail ? " tail" : "") << " vc " << unsigned(f.vc);
  return os.str();
}

void routerViolation(uint32_t router, uint8_t port, uint32_t vc, const char *what,
                     const std::string &detail) {
  violation("router " + std::to_string(router) + " " + portName(port) + " VC " +
            std::to_string(vc) + ": " + what + detail);
}

} // namespace

std::vector<std::vector<uint8_t>> buildMulticastTables(
    const ChipDescriptor &chip, const std::vector<MulticastGroup> &groups) {
  uint32_t entries = 0;
  for (const auto &g : groups) entries = std::max(entries, g.id + 1);
  std::vector<std::vector<uint8_t>> tables(chip.numCores(),
                                           std::vector<uint8_t>(entries, 0));
  for (const auto &g : groups) {
    const uint32_t sx = chip.coreX(g.source), sy = chip.coreY(g.source);
    for (uint32_t d : g.destinations) {
      const uint32_t dx = chip.coreX(d), dy = chip.coreY(d);
      uint32_t x = sx, y = sy;
      for (;;) {
        const Port p = routeXY(x, y, dx, dy);
        tables[chip.coreId(x, y)][g.id] |= uint8_t(1u << unsigned(p));
        if (p == Port::Local) break;
        if (p == Port::East) ++x;
        else if (p == Port::West) --x;
        else if (p == Port::North) --y;
        else ++y;
      }
    }
  }
  return tables;
}

// --------------------------------------------------------------------------
// Conservation checker: per-packet records keyed by packetId (touched once
// per packet at each end), per-stream expected sequence numbers (touched once
// per flit).
struct ConservationChecker {
  struct LivePacket {
    uint32_t source = 0;
    uint32_t dest = 0;       // core, or group id if mcast
    uint32_t flits = 0;
    uint32_t copiesLeft = 0;
    uint32_t order = 0;      // index among the packets of its (source, vc) stream
    uint8_t vc = 0;
    bool mcast = false;
  };
  struct InjectStream {
    bool inPacket = false;
    uint64_t packetId = 0;
    uint32_t nextSeq = 0;
    uint32_t flits = 0;
  };
  struct EjectStream {
    LivePacket *pkt = nullptr;
    uint64_t packetId = 0;
    uint32_t nextSeq = 0;
  };

  uint32_t N = 0, V = 0, D = 0, F = 0;
  std::unordered_map<uint64_t, LivePacket> live;
  std::vector<InjectStream> inj;        // [core * V + vc]
  std::vector<EjectStream> ej;          // [core * V + vc]
  std::vector<uint32_t> nextOrder;      // [core * V + vc]
  // Last (order + 1) seen per (dest, source, vc): dense when small.
  std::vector<uint32_t> lastOrderDense;
  std::unordered_map<uint64_t, uint32_t> lastOrderSparse;
  std::vector<std::vector<uint32_t>> groupDests; // by group id, sorted
  std::vector<int64_t> groupSource;              // by group id, -1 = none

  void init(const ChipDescriptor &chip, const std::vector<MulticastGroup> &groups) {
    N = chip.numCores();
    V = chip.virtualChannels;
    D = chip.bufferDepth;
    F = chip.flitBytes;
    inj.assign(size_t(N) * V, {});
    ej.assign(size_t(N) * V, {});
    nextOrder.assign(size_t(N) * V, 0);
    const uint64_t pairs = uint64_t(N) * N * V;
    if (pairs <= (uint64_t(1) << 21)) lastOrderDense.assign(pairs, 0);
    for (const auto &g : groups) {
      if (g.id >= groupDests.size()) {
        groupDests.resize(g.id + 1);
        groupSource.resize(g.id + 1, -1);
      }
      groupDests[g.id] = g.destinations;
      std::sort(groupDests[g.id].begin(), groupDests[g.id].end());
      groupDests[g.id].erase(std::unique(groupDests[g.id].begin(), groupDests[g.id].end()),
                             groupDests[g.id].end());
      groupSource[g.id] = g.source;
    }
  }

  uint32_t &lastOrder(uint32_t dest, uint32_t source, uint32_t vc) {
    const uint64_t key = (uint64_t(dest) * N + source) * V + vc;
    if (!lastOrderDense.empty()) return lastOrderDense[key];
    return lastOrderSparse[key];
  }

  void onInject(uint32_t core, const Flit &f) {
    if (f.vc >= V)
      violation("core " + std::to_string(core) + " injected a flit on VC " +
                std::to_string(f.vc) + " (only " + std::to_string(V) + " VCs)");
    InjectStream &s = inj[size_t(core) * V + f.vc];
    // Built only when reporting: the checks run for every flit.
    const auto where = [&] { return "core " + std::to_string(core) + " VC " + std::to_string(f.vc); };
    if (!s.inPacket) {
      if (!f.head) violation(where() + " injected a body flit without a head: " + flitText(f));
      if (f.seq != 0) violation(where() + " injected a head with seq != 0: " + flitText(f));
      const PacketHeader h = unpackHeader(f.data[0]);
      if (h.source != core)
        violation(where() + " injected a head whose source is " + std::to_string(h.source));
      const uint32_t flits = sem::packetFlits(h.length, F);
      LivePacket p;
      p.source = core;
      p.dest = h.dest;
      p.flits = flits;
      p.vc = f.vc;
      p.mcast = h.mcast;
      if (!h.mcast) {
        if (h.dest >= N) violation(where() + " injected a packet for core " + std::to_string(h.dest) +
                                   " outside the mesh");
        p.copiesLeft = 1;
      } else {
        if (h.dest >= groupDests.size() || groupSource[h.dest] != int64_t(core))
          violation(where() + " injected a multicast packet for group " + std::to_string(h.dest) +
                    " which is not routed from this core");
        if (flits > D)
          violation(where() + " injected a multicast packet of " + std::to_string(flits) +
                    " flits > buffer depth " + std::to_string(D));
        p.copiesLeft = uint32_t(groupDests[h.dest].size());
      }
      if (f.tail != (flits == 1))
        violation(where() + " injected a head whose tail mark disagrees with length " +
                  std::to_string(h.length) + ": " + flitText(f));
      p.order = nextOrder[size_t(core) * V + f.vc]++;
      if (!live.emplace(f.packetId, p).second)
        violation(where() + " injected packet id " + std::to_string(f.packetId) +
                  " while a packet with that id is still in flight");
      if (p.copiesLeft == 0) live.erase(f.packetId);
      s.inPacket = flits > 1;
      s.packetId = f.packetId;
      s.nextSeq = 1;
      s.flits = flits;
    } else {
      if (f.head || f.packetId != s.packetId || f.seq != s.nextSeq)
        violation(where() + " interleaved packets: expected packet " + std::to_string(s.packetId) +
                  " seq " + std::to_string(s.nextSeq) + ", got " + flitText(f));
      if (f.tail != (f.seq + 1 == s.flits))
        violation(where() + " injected a misplaced tail mark: " + flitText(f));
      ++s.nextSeq;
      if (f.tail) s.inPacket = false;
    }
  }

  /// Returns true when the flit completes one copy of a packet.
  bool onEject(uint32_t core, uint32_t vc, const Flit &f) {
    EjectStream &e = ej[size_t(core) * V + vc];
    const auto where = [&] { return "core " + std::to_string(core) + " VC " + std::to_string(vc); };
    if (f.vc != vc) violation(where() + " ejected a flit carrying VC " + std::to_string(f.vc));
    if (!e.pkt) {
      if (!f.head) violation(where() + " ejected a body flit without its head: " + flitText(f));
      auto it = live.find(f.packetId);
      if (it == live.end())
        violation(where() + " ejected " + flitText(f) +
                  " which is not in flight (duplicated, or never injected)");
      LivePacket &p = it->second;
      if (p.vc != vc) violation(where() + " ejected a packet injected on VC " + std::to_string(p.vc));
      if (!p.mcast) {
        if (p.dest != core)
          violation(where() + " ejected " + flitText(f) + " addressed to core " +
                    std::to_string(p.dest) + " (misrouted)");
      } else if (!std::binary_search(groupDests[p.dest].begin(), groupDests[p.dest].end(), core)) {
        violation(where() + " ejected multicast " + flitText(f) + " of group " +
                  std::to_string(p.dest) + " which does not include this core");
      }
      uint32_t &last = lastOrder(core, p.source, vc);
      if (p.order + 1 <= last)
        violation(where() + " ejected packet " + std::to_string(f.packetId) + " from core " +
                  std::to_string(p.source) + " out of order or twice (its index " +
                  std::to_string(p.order) + ", already seen up to " + std::to_string(last - 1) + ")");
      last = p.order + 1;
      e.pkt = &p;
      e.packetId = f.packetId;
      e.nextSeq = 1;
    } else {
      if (f.head || f.packetId != e.packetId || f.seq != e.nextSeq)
        violation(where() + " expected packet " + std::to_string(e.packetId) + " seq " +
                  std::to_string(e.nextSeq) + ", got " + flitText(f) +
                  " (lost, duplicated, reordered or interleaved flit)");
      ++e.nextSeq;
    }
    if (f.tail != (f.seq + 1 == e.pkt->flits))
      violation(where() + " ejected a misplaced tail mark: " + flitText(f));
    if (!f.tail) return false;
    LivePacket *p = e.pkt;
    e.pkt = nullptr;
    if (p->copiesLeft == 0) violation(where() + " ejected an extra copy of packet " + std::to_string(f.packetId));
    if (--p->copiesLeft == 0) live.erase(f.packetId);
    return true;
  }

  void checkAllDelivered() const {
    if (live.empty()) return;
    std::ostringstream os;
    os << live.size() << " packet(s) injected but not delivered to every destination:";
    size_t shown = 0;
    for (const auto &[id, p] : live) {
      if (shown++ == 8) { os << " ..."; break; }
      os << " [packet " << id << " from core " << p.source << " VC " << unsigned(p.vc)
         << (p.mcast ? " to group " : " to core ") << p.dest << ", " << p.copiesLeft
         << " copies missing]";
    }
    violation(os.str());
  }
};

// --------------------------------------------------------------------------
struct Network::Impl {
  Network &net;
  uint32_t W, H, N, V, D, F, R, L;
  uint32_t cap, capMask;       // input / injection-credit ring capacity
  uint32_t ejCap, ejMask;      // ejection rings (one spare slot for the test hook)
  std::vector<Router *> routers;

  // NI side, [core * V + vc]
  std::vector<CreditCounter> injCredits;
  std::vector<uint64_t> injCreditTime;   // [(core * V + vc) * cap + slot]
  std::vector<FlitRing> ej;
  std::vector<Flit> ejBuf;               // [(core * V + vc) * ejCap + slot]
  std::vector<uint64_t> ejArrival;
  std::vector<uint32_t> ejFlits;         // per core
  mutable std::vector<uint64_t> lastNow; // per core

  uint64_t routerFlits = 0, ejectFlits = 0;
  std::vector<std::vector<uint8_t>> tables;
  ConservationChecker checker;

  Impl(Network &n, const std::vector<MulticastGroup> &groups) : net(n) {
    const ChipDescriptor &c = n.chip_;
    W = c.width; H = c.height; N = c.numCores();
    V = c.virtualChannels; D = c.bufferDepth; F = c.flitBytes;
    R = c.routerLatency; L = c.linkLatency;
    cap = ringCapacity(D); capMask = cap - 1;
    ejCap = ringCapacity(D + 1); ejMask = ejCap - 1;
    tables = buildMulticastTables(c, groups);
    checker.init(c, groups);

    const uint32_t pv = kNumPorts * V;
    for (uint32_t r = 0; r < N; ++r) {
      auto rt = std::make_unique<Router>();
      rt->id = r; rt->x = c.coreX(r); rt->y = c.coreY(r);
      rt->neighbor = {-1, -1, -1, -1, -1};
      if (rt->x + 1 < W) rt->neighbor[uint8_t(Port::East)] = int32_t(r + 1);
      if (rt->x > 0) rt->neighbor[uint8_t(Port::West)] = int32_t(r - 1);
      if (rt->y > 0) rt->neighbor[uint8_t(Port::North)] = int32_t(r - W);
      if (rt->y + 1 < H) rt->neighbor[uint8_t(Port::South)] = int32_t(r + W);
      rt->in.assign(pv, {});
      rt->inState.assign(pv, {});
      rt->out.assign(pv, {});
      for (uint32_t p = 0; p < kNumPorts; ++p)
        for (uint32_t v = 0; v < V; ++v)
          rt->out[p * V + v].credits = (p == kLocal || rt->neighbor[p] >= 0) ? D : 0;
      rt->owned.assign(pv, 0);
      rt->buf.assign(size_t(pv) * cap, Flit{});
      rt->arrival.assign(size_t(pv) * cap, 0);
      rt->headRoute.assign(size_t(pv) * cap, kNoRoute);
      rt->creditTime.assign(size_t(pv) * cap, 0);
      rt->inRR.fill(uint8_t(V - 1));   // so VC 0 is tried first
      rt->outRR.fill(uint8_t(kNumPorts - 1));
      if (!tables.empty() && !tables[r].empty()) {
        rt->mcTable = tables[r].data();
        rt->mcTableSize = uint32_t(tables[r].size());
      }
      routers.push_back(rt.get());
      n.routers_.push_back(std::move(rt));
    }
    injCredits.assign(size_t(N) * V, {});
    for (auto &cc : injCredits) cc.credits = D;
    injCreditTime.assign(size_t(N) * V * cap, 0);
    ej.assign(size_t(N) * V, {});
    ejBuf.assign(size_t(N) * V * ejCap, Flit{});
    ejArrival.assign(size_t(N) * V * ejCap, 0);
    ejFlits.assign(N, 0);
    lastNow.assign(N, 0);
    n.stats_.linkFlits.assign(N, {});
    n.stats_.windowLinkFlits.assign(N, {});
  }

  void wake(uint32_t r, uint64_t when) {
    if (net.wake_) net.wake_(r, when);
  }

  // ---- router input rings ----
  void pushInput(Router &rt, uint32_t port, uint32_t vc, const Flit &f, uint64_t when) {
    const uint32_t q = port * V + vc;
    FlitRing &ring = rt.in[q];
    if (ring.count >= D)
      routerViolation(rt.id, uint8_t(port), vc, "input buffer overflow (credit protocol broken)", "");
    const size_t slot = size_t(q) * cap + ((ring.head + ring.count) & capMask);
    rt.buf[slot] = f;
    rt.arrival[slot] = when;
    if (f.head) {
      // Route computation happens once per hop, off the allocation loop.
      const PacketHeader h = unpackHeader(f.data[0]);
      rt.headRoute[slot] = h.mcast ? kMulticastRoute : routeUnicast(rt, h.dest);
    }
    ++ring.count;
    ++rt.portFlits[port];
    if (rt.flits++ == 0) wake(rt.id, when);
    ++routerFlits;
    ++net.stats_.bufferWrites;
  }

  // ---- credits ----
  static void pushCredit(CreditCounter &cc, uint64_t *times, uint32_t mask, uint64_t when) {
    times[(cc.pendHead + cc.pendCount) & mask] = when;
    ++cc.pendCount;
  }
  static void absorb(CreditCounter &cc, const uint64_t *times, uint32_t mask, uint64_t now) {
    while (cc.pendCount && times[cc.pendHead] <= now) {
      cc.pendHead = (cc.pendHead + 1) & mask;
      --cc.pendCount;
      ++cc.credits;
    }
  }
  static uint32_t available(const CreditCounter &cc, const uint64_t *times, uint32_t mask,
                            uint64_t now) {
    uint32_t n = cc.credits;
    for (uint32_t i = 0; i < cc.pendCount; ++i) {
      if (times[(cc.pendHead + i) & mask] > now) break;
      ++n;
    }
    return n;
  }

  void absorbRouterCredits(Router &rt, uint64_t now) {
    uint64_t m = rt.pendingMask;
    while (m) {
      const unsigned q = unsigned(__builtin_ctzll(m));
      m &= m - 1;
      CreditCounter &cc = rt.out[q];
      absorb(cc, &rt.creditTime[size_t(q) * cap], capMask, now);
      if (!cc.pendCount) rt.pendingMask &= ~(uint64_t(1) << q);
    }
  }

  // ---- allocation ----
  /// The output port of a unicast packet for `dest` at router `rt`.
  uint8_t routeUnicast(const Router &rt, uint32_t dest) const {
    return uint8_t(routeXY(rt.x, rt.y, dest % W, dest / W));
  }

  /// Does input VC (port, vc) request an output this cycle? Fills `outPort`
  /// and the offset of the flit it would send.
  inline __attribute__((always_inline)) bool request(Router &rt, uint32_t port, uint32_t vc, uint64_t now, uint8_t &outPort,
               uint16_t &offset) {
    const uint32_t q = port * V + vc;
    const FlitRing &ring = rt.in[q];
    InputVcState &st = rt.inState[q];
    const size_t base = size_t(q) * cap;
    if (st.route == kNoRoute) {
      // The front flit (or, between multicast branches, the packet's head at
      // offset 0) starts a packet or a branch.
      if (!ring.count) return false;
      const size_t slot = base + ring.head;
      if (rt.arrival[slot] + R > now) return false;
      const Flit &f = rt.buf[slot];
      if (!f.head)
        routerViolation(rt.id, uint8_t(port), vc,
                        "body flit at the front with no packet in progress: ", flitText(f));
      const uint8_t route = rt.headRoute[slot];
      if (route != kMulticastRoute) {
        const uint8_t o = route;
        const uint32_t oq = o * V + vc;
        if (rt.owned[oq] || rt.out[oq].credits == 0) return false;
        outPort = o;
        offset = 0;
        return true;
      }
      if (st.mcMask == 0) {
        const PacketHeader h = unpackHeader(f.data[0]);
        const uint8_t mask = h.dest < rt.mcTableSize ? rt.mcTable[h.dest] : 0;
        if (!mask)
          routerViolation(rt.id, uint8_t(port), vc, "no multicast table entry for the group of ",
                          flitText(f) + " (group " + std::to_string(h.dest) + ")");
        st.mcMask = mask;
        st.mcFlits = uint16_t(sem::packetFlits(h.length, F));
      }
      // Virtual cut-through: the whole packet must be in the buffer...
      if (ring.count < st.mcFlits) return false;
      const size_t tailSlot = base + ((ring.head + st.mcFlits - 1) & capMask);
      if (rt.arrival[tailSlot] > now) return false;
      // ...and the downstream VC free and empty.
      const uint8_t o = uint8_t(lowestBit(st.mcMask));
      const uint32_t oq = o * V + vc;
      if (rt.owned[oq] || rt.out[oq].credits != D) return false;
      outPort = o;
      offset = 0;
      return true;
    }
    // In the middle of a packet (unicast or a multicast branch).
    const uint16_t off = st.readPos;
    if (off >= ring.count) return false;
    const size_t slot = base + ((ring.head + off) & capMask);
    if (rt.arrival[slot] + R > now) return false;
    if (rt.out[st.route * V + vc].credits == 0) return false;
    outPort = st.route;
    offset = off;
    return true;
  }

  void traverse(Router &rt, uint32_t port, uint32_t vc, uint8_t o, uint16_t offset, uint64_t now) {
    const uint32_t q = port * V + vc;
    FlitRing &ring = rt.in[q];
    InputVcState &st = rt.inState[q];
    const size_t slot = size_t(q) * cap + ((ring.head + offset) & capMask);
    const Flit &f = rt.buf[slot];
    const bool head = f.head, tail = f.tail;
    const bool lastCopy = st.mcMask == 0 || st.mcMask == (1u << o);

    // Send downstream.
    if (o == kLocal) {
      const uint32_t eq = rt.id * V + vc;
      FlitRing &er = ej[eq];
      if (er.count >= D)
        routerViolation(rt.id, kLocal, vc, "ejection buffer overflow (credit protocol broken)", "");
      const size_t es = size_t(eq) * ejCap + ((er.head + er.count) & ejMask);
      ejBuf[es] = f;
      ejArrival[es] = now + 1;
      ++er.count;
      ++ejectFlits;
      if (ejFlits[rt.id]++ == 0) wake(rt.id, now + 1);
    } else {
      Router &dn = *routers[uint32_t(rt.neighbor[o])];
      pushInput(dn, opposite(o), vc, f, now + L);
      ++net.stats_.flitHops;
    }
    ++net.stats_.linkFlits[rt.id][o];
    if (now >= net.stats_.windowBegin && now < net.stats_.windowEnd)
      ++net.stats_.windowLinkFlits[rt.id][o];
    const uint32_t oq = o * V + vc;
    --rt.out[oq].credits;
    if (head) rt.owned[oq] = 1;
    if (tail) rt.owned[oq] = 0;

    // Remove from the input buffer (only on the last copy) and return the credit.
    if (lastCopy) {
      ring.head = (ring.head + 1) & capMask;
      --ring.count;
      --rt.portFlits[port];
      --rt.flits;
      --routerFlits;
      if (port == kLocal) {
        CreditCounter &cc = injCredits[rt.id * V + vc];
        const bool none = cc.credits == 0 && cc.pendCount == 0;
        pushCredit(cc, &injCreditTime[size_t(rt.id * V + vc) * cap], capMask, now + 1);
        if (none) wake(rt.id, now + 1);
      } else {
        Router &up = *routers[uint32_t(rt.neighbor[port])];
        const uint32_t uq = opposite(uint8_t(port)) * V + vc;
        pushCredit(up.out[uq], &up.creditTime[size_t(uq) * cap], capMask, now + L);
        up.pendingMask |= uint64_t(1) << uq;
      }
    } else {
      ++st.readPos;
    }

    // Packet / branch bookkeeping.
    if (tail) {
      st.route = kNoRoute;
      st.readPos = 0;
      if (st.mcMask) st.mcMask = uint8_t(st.mcMask & ~(1u << o));
    } else if (head) {
      st.route = o;
    }
  }

  void tickRouter(Router &rt, uint64_t now) {
    if (rt.pendingMask) absorbRouterCredits(rt, now);
    if (!rt.flits) return;
    std::array<int8_t, kNumPorts> chosenVc;
    std::array<uint8_t, kNumPorts> chosenOut;
    std::array<uint16_t, kNumPorts> chosenOff;
    uint32_t requestedOutputs = 0;
    // 1-2: each input port picks one requesting VC, round-robin.
    for (uint32_t p = 0; p < kNumPorts; ++p) {
      chosenVc[p] = -1;
      if (!rt.portFlits[p]) continue;
      uint32_t v = rt.inRR[p];
      for (uint32_t i = 0; i < V; ++i) {
        v = v + 1 == V ? 0 : v + 1;
        uint8_t o;
        uint16_t off;
        if (request(rt, p, v, now, o, off)) {
          chosenVc[p] = int8_t(v);
          chosenOut[p] = o;
          chosenOff[p] = off;
          requestedOutputs |= 1u << o;
          break;
        }
      }
    }
    // 3: each output port picks one requesting input port, round-robin.
    while (requestedOutputs) {
      const uint32_t o = lowestBit(requestedOutputs);
      requestedOutputs &= requestedOutputs - 1;
      uint32_t p = rt.outRR[o];
      for (uint32_t i = 0; i < kNumPorts; ++i) {
        p = p + 1 == kNumPorts ? 0 : p + 1;
        if (chosenVc[p] >= 0 && chosenOut[p] == o) {
          rt.outRR[o] = uint8_t(p);
          rt.inRR[p] = uint8_t(chosenVc[p]);
          traverse(rt, p, uint32_t(chosenVc[p]), uint8_t(o), chosenOff[p], now);
          break;
        }
      }
    }
  }

  void seen(uint32_t core, uint64_t now) const {
    if (now > lastNow[core]) lastNow[core] = now;
  }
};

// --------------------------------------------------------------------------
Network::Network(const ChipDescriptor &chip, const std::vector<MulticastGroup> &groups)
    : chip_(chip) {
  impl_ = std::make_unique<Impl>(*this, groups);
}

Network::~Network() = default;

uint32_t Network::injectCredits(uint32_t core, uint8_t vc, uint64_t now) const {
  impl_->seen(core, now);
  const uint32_t q = core * impl_->V + vc;
  return Impl::available(impl_->injCredits[q], &impl_->injCreditTime[size_t(q) * impl_->cap],
                         impl_->capMask, now);
}

uint32_t Network::injectCredits(uint32_t core, uint8_t vc) const {
  return injectCredits(core, vc, impl_->lastNow[core]);
}

void Network::inject(uint32_t core, const Flit &f, uint64_t now) {
  Impl &m = *impl_;
  m.seen(core, now);
  const uint32_t q = core * m.V + f.vc;
  if (f.vc >= m.V)
    violation("core " + std::to_string(core) + " injected on VC " + std::to_string(f.vc));
  CreditCounter &cc = m.injCredits[q];
  Impl::absorb(cc, &m.injCreditTime[size_t(q) * m.cap], m.capMask, now);
  if (cc.credits == 0)
    violation("core " + std::to_string(core) + " injected on VC " + std::to_string(f.vc) +
              " without a credit at cycle " + std::to_string(now));
  m.checker.onInject(core, f);
  --cc.credits;
  m.pushInput(*m.routers[core], kLocal, f.vc, f, now + 1);
  ++stats_.flitsInjected;
  if (f.head) ++stats_.packetsInjected;
}

const Flit *Network::ejectFront(uint32_t core, uint8_t vc, uint64_t now) const {
  const Impl &m = *impl_;
  m.seen(core, now);
  const uint32_t q = core * m.V + vc;
  const FlitRing &er = m.ej[q];
  if (!er.count) return nullptr;
  const size_t slot = size_t(q) * m.ejCap + er.head;
  return m.ejArrival[slot] <= now ? &m.ejBuf[slot] : nullptr;
}

void Network::ejectPop(uint32_t core, uint8_t vc, uint64_t now) {
  Impl &m = *impl_;
  m.seen(core, now);
  const uint32_t q = core * m.V + vc;
  FlitRing &er = m.ej[q];
  const size_t slot = size_t(q) * m.ejCap + er.head;
  if (!er.count || m.ejArrival[slot] > now)
    violation("core " + std::to_string(core) + " popped an empty ejection buffer (VC " +
              std::to_string(vc) + ")");
  if (m.checker.onEject(core, vc, m.ejBuf[slot])) ++stats_.packetCopiesEjected;
  er.head = (er.head + 1) & m.ejMask;
  --er.count;
  --m.ejFlits[core];
  --m.ejectFlits;
  ++stats_.flitsEjected;
  Router &rt = *m.routers[core];
  const uint32_t oq = uint32_t(Port::Local) * m.V + vc;
  Impl::pushCredit(rt.out[oq], &rt.creditTime[size_t(oq) * m.cap], m.capMask, now + 1);
  rt.pendingMask |= uint64_t(1) << oq;
}

uint32_t Network::ejectOccupancy(uint32_t core) const { return impl_->ejFlits[core]; }

void Network::tickRouter(uint32_t r, uint64_t now) {
  impl_->seen(r, now);
  impl_->tickRouter(*impl_->routers[r], now);
}

void Network::tick(uint64_t now) {
  for (uint32_t r = 0; r < impl_->N; ++r) tickRouter(r, now);
}

bool Network::routerIdle(uint32_t r) const { return impl_->routers[r]->flits == 0; }

void Network::setWakeCallback(std::function<void(uint32_t r, uint64_t when)> cb) {
  wake_ = std::move(cb);
}

bool Network::quiescent() const { return impl_->routerFlits == 0 && impl_->ejectFlits == 0; }

void Network::setStatsWindow(uint64_t begin, uint64_t end) {
  stats_.windowBegin = begin;
  stats_.windowEnd = end;
}

std::string Network::describeBuffers() const {
  const Impl &m = *impl_;
  std::ostringstream os;
  for (uint32_t r = 0; r < m.N; ++r) {
    const Router &rt = *m.routers[r];
    for (uint32_t p = 0; p < kNumPorts; ++p)
      for (uint32_t v = 0; v < m.V; ++v) {
        const uint32_t q = p * m.V + v;
        const FlitRing &ring = rt.in[q];
        const InputVcState &st = rt.inState[q];
        if (!ring.count && !rt.owned[q]) continue;
        os << "router " << r << " (" << rt.x << "," << rt.y << ") ";
        if (ring.count) {
          os << "in " << portName(uint8_t(p)) << " VC " << v << ": " << ring.count << " flit(s)";
          if (st.route != kNoRoute) os << ", forwarding to " << portName(st.route);
          if (st.mcMask) os << ", multicast branches mask 0x" << std::hex << unsigned(st.mcMask) << std::dec;
          for (uint32_t i = 0; i < ring.count; ++i) {
            const size_t s = size_t(q) * m.cap + ((ring.head + i) & m.capMask);
            os << (i ? ", " : " [") << flitText(rt.buf[s]) << " @" << rt.arrival[s];
          }
          os << "]";
        }
        if (rt.owned[q]) os << (ring.count ? "; " : "") << "out " << portName(uint8_t(p)) << " VC " << v << " owned";
        os << " credits out " << portName(uint8_t(p)) << "=" << rt.out[q].credits << "\n";
      }
    for (uint32_t v = 0; v < m.V; ++v) {
      const FlitRing &er = m.ej[r * m.V + v];
      if (er.count) os << "core " << r << " ejection VC " << v << ": " << er.count << " flit(s)\n";
    }
  }
  return os.str();
}

void Network::checkAllDelivered() const { impl_->checker.checkAllDelivered(); }

void Network::testOnlyCorruptEjection(uint32_t core, uint8_t vc, EjectionCorruption kind,
                                      uint32_t otherCore) {
  Impl &m = *impl_;
  const uint32_t q = core * m.V + vc;
  FlitRing &er = m.ej[q];
  const size_t base = size_t(q) * m.ejCap;
  auto at = [&](uint32_t i) -> size_t { return base + ((er.head + i) & m.ejMask); };
  if (!er.count) throw std::invalid_argument("testOnlyCorruptEjection: empty ejection buffer");
  switch (kind) {
  case EjectionCorruption::Drop:
    er.head = (er.head + 1) & m.ejMask;
    --er.count;
    --m.ejFlits[core];
    --m.ejectFlits;
    break;
  case EjectionCorruption::Duplicate: {
    if (er.count >= m.ejCap) throw std::invalid_argument("testOnlyCorruptEjection: buffer full");
    // Shift everything behind the front back by one slot, then copy the front.
    for (uint32_t i = er.count; i > 1; --i) {
      m.ejBuf[at(i)] = m.ejBuf[at(i - 1)];
      m.ejArrival[at(i)] = m.ejArrival[at(i - 1)];
    }
    m.ejBuf[at(1)] = m.ejBuf[at(0)];
    m.ejArrival[at(1)] = m.ejArrival[at(0)];
    ++er.count;
    ++m.ejFlits[core];
    ++m.ejectFlits;
    break;
  }
  case EjectionCorruption::Misroute: {
    const uint32_t oq = otherCore * m.V + vc;
    FlitRing &other = m.ej[oq];
    if (other.count >= m.ejCap) throw std::invalid_argument("testOnlyCorruptEjection: target full");
    const size_t os = size_t(oq) * m.ejCap + ((other.head + other.count) & m.ejMask);
    m.ejBuf[os] = m.ejBuf[at(0)];
    m.ejArrival[os] = m.ejArrival[at(0)];
    ++other.count;
    ++m.ejFlits[otherCore];
    er.head = (er.head + 1) & m.ejMask;
    --er.count;
    --m.ejFlits[core];
    break;
  }
  case EjectionCorruption::Reorder:
    if (er.count < 2) throw std::invalid_argument("testOnlyCorruptEjection: need two flits");
    std::swap(m.ejBuf[at(0)], m.ejBuf[at(1)]);
    break;
  }
}

} // namespace xpu::emu
