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
constexpr uint64_t kNever = UINT64_MAX;

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

/// kPick[start][mask]: the first input port set in `mask` at or after
/// `start`, cyclically (round-robin without branches).
struct PickTable {
  uint8_t t[kNumPorts][1u << kNumPorts];
  constexpr PickTable() : t{} {
    for (uint32_t start = 0; start < kNumPorts; ++start)
      for (uint32_t m = 0; m < (1u << kNumPorts); ++m) {
        uint8_t pick = 0;
        for (uint32_t i = 0; i < kNumPorts; ++i) {
          const uint32_t p = (start + i) % kNumPorts;
          if ((m >> p) & 1) { pick = uint8_t(p); break; }
        }
        t[start][m] = pick;
      }
  }
};
constexpr PickTable kPick{};
constexpr uint8_t kNextPort[kNumPorts] = {1, 2, 3, 4, 0};


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


// --------------------------------------------------------------------------
// packetId -> record index, open addressing with linear probing and
// backward-shift deletion: no allocation per packet (the table only grows).
class PacketTable {
public:
  static constexpr uint32_t kNone = UINT32_MAX;

  PacketTable() { rehash(64); }
  size_t size() const { return size_; }

  uint32_t find(uint64_t key) const {
    for (size_t i = home(key);; i = (i + 1) & mask_) {
      if (vals_[i] == kNone) return kNone;
      if (keys_[i] == key) return vals_[i];
    }
  }
  /// False if the key is present already.
  bool insert(uint64_t key, uint32_t val) {
    if (4 * (size_ + 1) > keys_.size()) rehash(keys_.size() * 2);  // short probe sequences
    size_t i = home(key);
    for (; vals_[i] != kNone; i = (i + 1) & mask_)
      if (keys_[i] == key) return false;
    keys_[i] = key;
    vals_[i] = val;
    ++size_;
    return true;
  }
  void erase(uint64_t key) {
    size_t i = home(key);
    for (;; i = (i + 1) & mask_) {
      if (vals_[i] == kNone) return;
      if (keys_[i] == key) break;
    }
    // Backward shift: move later entries of the cluster into the hole when
    // the hole lies on their probe path.
    size_t hole = i;
    for (size_t j = (i + 1) & mask_; vals_[j] != kNone; j = (j + 1) & mask_) {
      const size_t h = home(keys_[j]);
      if (((j - h) & mask_) >= ((j - hole) & mask_)) {
        keys_[hole] = keys_[j];
        vals_[hole] = vals_[j];
        hole = j;
      }
    }
    vals_[hole] = kNone;
    --size_;
  }

private:
  size_t home(uint64_t key) const {
    return size_t((key * 0x9e3779b97f4a7c15ULL) >> shift_);
  }
  void rehash(size_t cap) {
    std::vector<uint64_t> oldKeys = std::move(keys_);
    std::vector<uint32_t> oldVals = std::move(vals_);
    keys_.assign(cap, 0);
    vals_.assign(cap, kNone);
    mask_ = cap - 1;
    shift_ = 64 - unsigned(__builtin_ctzll(cap));
    size_ = 0;
    for (size_t i = 0; i < oldVals.size(); ++i)
      if (oldVals[i] != kNone) insert(oldKeys[i], oldVals[i]);
  }
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> vals_;
  size_t mask_ = 0, size_ = 0;
  unsigned shift_ = 0;
};

// Conservation checker: per-packet records found through a flat hash table
// keyed by packetId (touched once per packet at each end, no allocation in
// the steady state), per-stream expected sequence numbers (touched once per
// flit). O(1) per flit.
struct ConservationChecker {
  struct LivePacket {
    uint64_t packetId = 0;
    uint32_t source = 0;
    uint32_t dest = 0;       // core, or group id if mcast
    uint32_t flits = 0;
    uint32_t copiesLeft = 0;
    uint32_t order = 0;      // index among the packets of its (source, vc) stream
    uint8_t vc = 0;
    bool mcast = false;
    bool live = false;
  };
  struct InjectStream {
    bool inPacket = false;
    uint64_t packetId = 0;
    uint32_t nextSeq = 0;
    uint32_t flits = 0;
    uint32_t record = 0;  // of the packet being injected
  };
  struct EjectStream {
    uint32_t pkt = PacketTable::kNone;  // record of the packet being ejected
    uint64_t packetId = 0;
    uint32_t nextSeq = 0;
  };

  uint32_t N = 0, V = 0, D = 0, F = 0;
  PacketTable table;                    // live packets
  std::vector<LivePacket> records;
  std::vector<uint32_t> freeRecords;
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

  uint32_t newRecord() {
    if (!freeRecords.empty()) {
      const uint32_t r = freeRecords.back();
      freeRecords.pop_back();
      return r;
    }
    records.emplace_back();
    return uint32_t(records.size() - 1);
  }
  void retire(uint32_t r) {
    table.erase(records[r].packetId);
    records[r].live = false;
    freeRecords.push_back(r);
  }

  /// Returns the record of the flit's packet (kNone if it has no copies to
  /// deliver): the network keeps it with the flit as a look-up hint.
  uint32_t onInject(uint32_t core, const Flit &f) {
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
      p.packetId = f.packetId;
      p.source = core;
      p.dest = h.dest;
      p.flits = flits;
      p.vc = f.vc;
      p.mcast = h.mcast;
      p.live = true;
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
      uint32_t r = PacketTable::kNone;
      if (p.copiesLeft != 0) {
        r = newRecord();
        if (!table.insert(f.packetId, r)) {  // the insertion is the in-flight check
          freeRecords.push_back(r);
          r = PacketTable::kNone;
        }
      }
      if (r == PacketTable::kNone && table.find(f.packetId) != PacketTable::kNone)
        violation(where() + " injected packet id " + std::to_string(f.packetId) +
                  " while a packet with that id is still in flight");
      p.order = nextOrder[size_t(core) * V + f.vc]++;
      if (r != PacketTable::kNone) records[r] = p;
      s.inPacket = flits > 1;
      s.packetId = f.packetId;
      s.nextSeq = 1;
      s.flits = flits;
      s.record = r;
      return r;
    } else {
      if (f.head || f.packetId != s.packetId || f.seq != s.nextSeq)
        violation(where() + " interleaved packets: expected packet " + std::to_string(s.packetId) +
                  " seq " + std::to_string(s.nextSeq) + ", got " + flitText(f));
      if (f.tail != (f.seq + 1 == s.flits))
        violation(where() + " injected a misplaced tail mark: " + flitText(f));
      ++s.nextSeq;
      if (f.tail) s.inPacket = false;
      return s.record;
    }
  }

  /// Returns true when the flit completes one copy of a packet.
  /// `hint`: the record onInject returned for this flit's packet; trusted
  /// only if it is live and holds this packet id (a duplicated or stale
  /// flit falls back to the table, which does not know it).
  bool onEject(uint32_t core, uint32_t vc, const Flit &f, uint32_t hint) {
    EjectStream &e = ej[size_t(core) * V + vc];
    const auto where = [&] { return "core " + std::to_string(core) + " VC " + std::to_string(vc); };
    if (f.vc != vc) violation(where() + " ejected a flit carrying VC " + std::to_string(f.vc));
    if (e.pkt == PacketTable::kNone) {
      if (!f.head) violation(where() + " ejected a body flit without its head: " + flitText(f));
      const uint32_t r = hint < records.size() && records[hint].live &&
                                 records[hint].packetId == f.packetId
                             ? hint
                             : table.find(f.packetId);
      if (r == PacketTable::kNone)
        violation(where() + " ejected " + flitText(f) +
                  " which is not in flight (duplicated, or never injected)");
      LivePacket &p = records[r];
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
      e.pkt = r;
      e.packetId = f.packetId;
      e.nextSeq = 1;
    } else {
      if (f.head || f.packetId != e.packetId || f.seq != e.nextSeq)
        violation(where() + " expected packet " + std::to_string(e.packetId) + " seq " +
                  std::to_string(e.nextSeq) + ", got " + flitText(f) +
                  " (lost, duplicated, reordered or interleaved flit)");
      ++e.nextSeq;
    }
    LivePacket &p = records[e.pkt];
    if (f.tail != (f.seq + 1 == p.flits))
      violation(where() + " ejected a misplaced tail mark: " + flitText(f));
    if (!f.tail) return false;
    const uint32_t r = e.pkt;
    e.pkt = PacketTable::kNone;
    if (p.copiesLeft == 0) violation(where() + " ejected an extra copy of packet " + std::to_string(f.packetId));
    if (--p.copiesLeft == 0) retire(r);
    return true;
  }

  /// A model packet's head enters external router `at`: the `copies` copies
  /// delivered through it leave the checked domain (counted as delivered).
  void onLeave(uint32_t at, const Flit &f, uint32_t hint, uint32_t copies) {
    const uint32_t r = hint < records.size() && records[hint].live &&
                               records[hint].packetId == f.packetId
                           ? hint
                           : table.find(f.packetId);
    const auto where = [&] { return "external router " + std::to_string(at) + " received "; };
    if (r == PacketTable::kNone)
      violation(where() + flitText(f) + " which is not in flight (duplicated, or never injected)");
    LivePacket &p = records[r];
    if (copies > p.copiesLeft)
      violation(where() + flitText(f) + " carrying " + std::to_string(copies) +
                " copies of a packet with " + std::to_string(p.copiesLeft) + " left to deliver");
    p.copiesLeft -= copies;
    if (p.copiesLeft == 0) retire(r);
  }

  void checkAllDelivered() const {
    if (table.size() == 0) return;
    std::ostringstream os;
    os << table.size() << " packet(s) injected but not delivered to every destination:";
    size_t shown = 0;
    for (const LivePacket &p : records) {
      if (!p.live) continue;
      if (shown++ == 8) { os << " ..."; break; }
      os << " [packet " << p.packetId << " from core " << p.source << " VC " << unsigned(p.vc)
         << (p.mcast ? " to group " : " to core ") << p.dest << ", " << p.copiesLeft
         << " copies missing]";
    }
    violation(os.str());
  }
};

// Checker record of a flit an external router emitted: trusted, not checked.
constexpr uint32_t kExternalRecord = PacketTable::kNone - 1;

// --------------------------------------------------------------------------
struct Network::Impl {
  Network &net;
  uint32_t W, H, N, V, D, F, R, L;
  uint32_t PV;                 // input (or output) VCs per router: 5 * V
  uint32_t cap, capMask;       // input / injection-credit ring capacity
  uint32_t ejCap, ejMask;      // ejection rings (one spare slot for the test hook)
  uint64_t vcMask;             // V low bits

  std::vector<Router> routers;
  // Router state, flat: [router * PV + q] and [(router * PV + q) * cap + i].
  std::vector<InputVc> inVcs;
  std::vector<uint64_t> readyTimes;
  std::vector<FlitSlot> inSlots;
  std::vector<OutputVc> outVcs;
  std::vector<uint64_t> creditTimes;

  // Every flit in the network lives in the pool; buffers hold indices. The
  // pool is reserved for the most flits the buffers can hold, so pointers
  // returned by ejectFront stay valid (and untouched pages cost nothing).
  std::vector<Flit> pool;
  std::vector<uint32_t> poolRecord;  // checker record of each pooled flit's packet (a hint)
  std::vector<uint32_t> freeFlits;

  // Coordinates of each core (no division on the routing path).
  std::vector<uint16_t> xOf, yOf;

  // NI side, [core * V + vc]
  std::vector<OutputVc> injCredits;      // credits for the Local input VC
  std::vector<uint64_t> injCreditTime;   // [(core * V + vc) * cap + slot]
  std::vector<InputVc> ej;               // head/count only
  std::vector<FlitSlot> ejSlots;         // [(core * V + vc) * ejCap + slot]
  std::vector<uint32_t> ejFlits;         // per core
  mutable std::vector<uint64_t> lastNow; // per core

  uint64_t routerFlits = 0, ejectFlits = 0;
  // Observation hooks (setTraverseCallback / setCreditCallback): `observed`
  // is the one branch traverse() pays when neither is set.
  bool observed = false;
  std::function<void(uint32_t, uint8_t, uint8_t, const Flit &, uint64_t)> onTraverse;
  std::function<void(uint32_t, uint8_t, uint8_t, uint64_t)> onCredit;
  std::vector<std::vector<uint8_t>> tables;
  ConservationChecker checker;

  // External routers (allocated by the first setExternalRouter): the packet
  // each (router, output port, VC) is sending, for the bookkeeping fields of
  // the flits it emits, and per router the credits it is owed.
  struct ExternalStream {
    bool inPacket = false;
    uint64_t packetId = 0;
    uint32_t nextSeq = 0;
    uint64_t created = 0;
  };
  std::vector<ExternalStream> extStreams;  // [(router * kNumPorts + port) * V + vc]
  std::vector<uint32_t> extOwed;           // [router]
  uint64_t extPackets = 0;

  Impl(Network &n, const std::vector<MulticastGroup> &groups, const std::vector<MulticastRoute> &routes)
      : net(n) {
    const ChipDescriptor &c = n.chip_;
    W = c.width; H = c.height; N = c.numCores();
    V = c.virtualChannels; D = c.bufferDepth; F = c.flitBytes;
    R = c.routerLatency; L = c.linkLatency;
    PV = kNumPorts * V;
    cap = ringCapacity(D); capMask = cap - 1;
    ejCap = ringCapacity(D + 1); ejMask = ejCap - 1;
    vcMask = (uint64_t(1) << V) - 1;
    tables = buildMulticastTables(c, groups, routes);
    checker.init(c, groups);
    n.stats_.linkFlits.assign(N, {});
    n.stats_.windowLinkFlits.assign(N, {});

    inVcs.assign(size_t(N) * PV, {});
    readyTimes.assign(size_t(N) * PV, kNever);
    inSlots.assign(size_t(N) * PV * cap, {});
    outVcs.assign(size_t(N) * PV, {});
    creditTimes.assign(size_t(N) * PV * cap, 0);
    routers.resize(N);
    xOf.resize(N);
    yOf.resize(N);
    for (uint32_t r = 0; r < N; ++r) {
      Router &rt = routers[r];
      rt.id = r; rt.x = c.coreX(r); rt.y = c.coreY(r);
      xOf[r] = uint16_t(rt.x);
      yOf[r] = uint16_t(rt.y);
      rt.neighbor = {-1, -1, -1, -1, -1};
      if (rt.x + 1 < W) rt.neighbor[uint8_t(Port::East)] = int32_t(r + 1);
      if (rt.x > 0) rt.neighbor[uint8_t(Port::West)] = int32_t(r - 1);
      if (rt.y > 0) rt.neighbor[uint8_t(Port::North)] = int32_t(r - W);
      if (rt.y + 1 < H) rt.neighbor[uint8_t(Port::South)] = int32_t(r + W);
      rt.in = &inVcs[size_t(r) * PV];
      rt.readyAt = &readyTimes[size_t(r) * PV];
      rt.slots = &inSlots[size_t(r) * PV * cap];
      rt.out = &outVcs[size_t(r) * PV];
      rt.creditTime = &creditTimes[size_t(r) * PV * cap];
      rt.linkFlits = &n.stats_.linkFlits[r];
      for (uint32_t p = 0; p < kNumPorts; ++p)
        for (uint32_t v = 0; v < V; ++v)
          rt.out[p * V + v].credits = uint16_t((p == kLocal || rt.neighbor[p] >= 0) ? D : 0);
      rt.inRR.fill(uint8_t(V - 1));   // so VC 0 is tried first
      rt.outRR.fill(uint8_t(kNumPorts - 1));
      if (!tables.empty() && !tables[r].empty()) {
        rt.mcTable = tables[r].data();
        rt.mcTableSize = uint32_t(tables[r].size());
      }
    }
    injCredits.assign(size_t(N) * V, {});
    for (auto &cc : injCredits) cc.credits = uint16_t(D);
    injCreditTime.assign(size_t(N) * V * cap, 0);
    ej.assign(size_t(N) * V, {});
    ejSlots.assign(size_t(N) * V * ejCap, {});
    ejFlits.assign(N, 0);
    lastNow.assign(N, 0);
    // Router input buffers + ejection buffers (+ one per ejection VC for the
    // test hook's duplicate): no flit can exist beyond these.
    pool.reserve(size_t(N) * (PV * D + V * (D + 1)));
    poolRecord.reserve(pool.capacity());
    freeFlits.reserve(pool.capacity());
    tickFn = tickFor(V);
  }

  void wake(uint32_t r, uint64_t when) {
    if (net.wake_) net.wake_(r, when);
  }

  // ---- flit pool ----
  uint32_t newFlit(const Flit &f, uint32_t record) {
    if (!freeFlits.empty()) {
      const uint32_t i = freeFlits.back();
      freeFlits.pop_back();
      pool[i] = f;
      poolRecord[i] = record;
      return i;
    }
    if (pool.size() == pool.capacity())
      throw std::logic_error("NoC conservation check failed: more flits in the network than "
                             "its buffers can hold (credit protocol broken)");
    pool.push_back(f);
    poolRecord.push_back(record);
    return uint32_t(pool.size() - 1);
  }
  uint32_t cloneFlit(uint32_t i) { return newFlit(pool[i], poolRecord[i]); }
  void freeFlit(uint32_t i) { freeFlits.push_back(i); }

  // ---- router input rings ----
  /// The output port of a unicast packet for `dest` at router `rt`.
  uint8_t routeUnicast(const Router &rt, uint32_t dest) const {
    // routeXY without branches (random destinations defeat the predictor):
    // bit 0 east, 1 west, 2 north, 3 south; the lowest set bit wins.
    static constexpr uint8_t kFirst[16] = {
        kLocal, uint8_t(Port::East), uint8_t(Port::West), uint8_t(Port::East),
        uint8_t(Port::North), uint8_t(Port::East), uint8_t(Port::West), uint8_t(Port::East),
        uint8_t(Port::South), uint8_t(Port::East), uint8_t(Port::West), uint8_t(Port::East),
        uint8_t(Port::North), uint8_t(Port::East), uint8_t(Port::West), uint8_t(Port::East)};
    const uint32_t dx = xOf[dest], dy = yOf[dest];
    const int32_t ex = int32_t(rt.x) - int32_t(dx), ey = int32_t(rt.y) - int32_t(dy);
    const uint32_t k = (uint32_t(ex) >> 31) | (uint32_t(-ex) >> 31) << 1 |
                       (uint32_t(-ey) >> 31) << 2 | (uint32_t(ey) >> 31) << 3;
    return kFirst[k];
  }

  /// Writes a flit (pool index `fi`, head/tail/mcast `flags`, header
  /// destination `dest`) into an input ring with its arrival cycle. The
  /// flit itself is not touched: a hop moves 16 bytes.
  template <uint32_t VV>
  void pushInput(Router &rt, uint32_t port, uint32_t vc, uint32_t fi, uint8_t flags,
                 uint16_t dest, uint64_t when) {
    const uint32_t q = port * VV + vc;
    InputVc &ring = rt.in[q];
    if (ring.count >= D)
      routerViolation(rt.id, uint8_t(port), vc, "input buffer overflow (credit protocol broken)", "");
    FlitSlot &slot = rt.slots[size_t(q) * cap + ((ring.head + ring.count) & capMask)];
    slot.arrival = when;
    slot.flit = fi;
    slot.flags = flags;
    slot.dest = dest;
    // Route computation happens once per hop, off the allocation loop.
    // (Selected with masks: a body flit or multicast head carries dest 0.)
    const uint32_t unicast = routeUnicast(rt, dest);
    const uint32_t isHead = 0u - uint32_t(flags & kFlitHead);
    const uint32_t isMcast = 0u - uint32_t((flags >> 2) & 1);
    const uint32_t headRoute = (unicast & ~isMcast) | (kMulticastRoute & isMcast);
    slot.route = uint16_t((headRoute & isHead) | (kBodyFlit & ~isHead)) & 0xff;
    // The flit is the next one this VC sends: it becomes eligible R cycles
    // after it arrives.
    const uint32_t nextOff = ring.route == kNoRoute ? 0u : ring.readPos;
    const uint64_t ready = when + R;
    const uint64_t keep = uint64_t(0) - uint64_t(ring.count != nextOff);  // no branch
    rt.readyAt[q] = (rt.readyAt[q] & keep) | (ready & ~keep);
    ++ring.count;
    if (rt.flits++ == 0) wake(rt.id, when);
    ++routerFlits;
    ++net.stats_.bufferWrites;
  }

  // ---- credits ----
  static void pushCredit(OutputVc &cc, uint64_t *times, uint32_t mask, uint64_t when) {
    times[(cc.pendHead + cc.pendCount) & mask] = when;
    ++cc.pendCount;
  }
  static void absorb(OutputVc &cc, const uint64_t *times, uint32_t mask, uint64_t now) {
    while (cc.pendCount && times[cc.pendHead] <= now) {
      cc.pendHead = uint8_t((cc.pendHead + 1) & mask);
      --cc.pendCount;
      ++cc.credits;
    }
  }
  static uint32_t available(const OutputVc &cc, const uint64_t *times, uint32_t mask,
                            uint64_t now) {
    uint32_t n = cc.credits;
    for (uint32_t i = 0; i < cc.pendCount; ++i) {
      if (times[(cc.pendHead + i) & mask] > now) break;
      ++n;
    }
    return n;
  }

  /// Credits are absorbed lazily, when a request finds none absorbed: a
  /// credit in flight becomes usable at its arrival cycle either way.
  bool hasCredit(Router &rt, uint32_t oq, uint64_t now) {
    OutputVc &ov = rt.out[oq];
    if (ov.credits) return true;
    if (!ov.pendCount) return false;
    const uint64_t *times = rt.creditTime + size_t(oq) * cap;
    if (times[ov.pendHead] > now) return false;
    // One credit is all a request needs; later ones are absorbed when needed.
    ov.pendHead = uint16_t((ov.pendHead + 1) & capMask);
    --ov.pendCount;
    ov.credits = 1;
    return true;
  }
  uint32_t creditsNow(Router &rt, uint32_t oq, uint64_t now) {
    OutputVc &ov = rt.out[oq];
    absorb(ov, rt.creditTime + size_t(oq) * cap, capMask, now);
    return ov.credits;
  }

  // ---- allocation ----
  /// Does input VC (port, vc) request an output this cycle? Fills `outPort`
  /// and the offset of the flit it would send. Only called for VCs whose
  /// next flit is eligible (readyAt <= now: arrived at least R cycles ago).
  template <uint32_t VV>
  inline __attribute__((always_inline)) bool request(Router &rt, uint32_t port, uint32_t vc,
                                                     uint64_t now, uint8_t &outPort,
                                                     uint16_t &offset) {
    const uint32_t q = port * VV + vc;
    InputVc &st = rt.in[q];
    FlitSlot *base = rt.slots + size_t(q) * cap;
    if (st.route == kNoRoute) {
      // The front flit (or, between multicast branches, the packet's head at
      // offset 0) starts a packet or a branch.
      const FlitSlot &s = base[st.head];
      const uint8_t route = s.route;
      if (route < kNumPorts) {
        const uint32_t oq = route * VV + vc;
        if (rt.out[oq].owned || !hasCredit(rt, oq, now)) return false;
        outPort = route;
        offset = 0;
        return true;
      }
      return requestMulticastHead(rt, port, vc, st, base, s, now, outPort, offset);
    }
    // In the middle of a packet (unicast or a multicast branch).
    if (!hasCredit(rt, st.route * VV + vc, now)) return false;
    outPort = st.route;
    offset = st.readPos;
    return true;
  }

  bool requestMulticastHead(Router &rt, uint32_t port, uint32_t vc, InputVc &st,
                            const FlitSlot *base, const FlitSlot &s, uint64_t now,
                            uint8_t &outPort, uint16_t &offset) {
    const Flit &f = pool[s.flit];
    if (s.route == kBodyFlit)
      routerViolation(rt.id, uint8_t(port), vc,
                      "body flit at the front with no packet in progress: ", flitText(f));
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
    if (st.count < st.mcFlits) return false;
    if (base[(st.head + st.mcFlits - 1) & capMask].arrival > now) return false;
    // ...and the downstream VC free and empty.
    const uint8_t o = uint8_t(lowestBit(st.mcMask));
    const uint32_t oq = o * V + vc;
    if (rt.out[oq].owned || creditsNow(rt, oq, now) != D) return false;
    outPort = o;
    offset = 0;
    return true;
  }

  // Out of line: keeps the hook calls off traverse()'s hot path.
  [[gnu::noinline, gnu::cold]] void observe(uint32_t r, uint32_t port, uint32_t vc, uint8_t o,
                                            uint32_t fi, bool lastCopy, uint64_t now) {
    if (onTraverse) onTraverse(r, uint8_t(port), o, pool[fi], now);
    if (lastCopy && onCredit) onCredit(r, uint8_t(port), uint8_t(vc), now);
  }

  template <uint32_t VV>
  void traverse(Router &rt, uint32_t port, uint32_t vc, uint8_t o, uint16_t offset, uint64_t now) {
    const uint32_t q = port * VV + vc;
    InputVc &st = rt.in[q];
    const FlitSlot &slot = rt.slots[size_t(q) * cap + ((st.head + offset) & capMask)];
    uint32_t fi = slot.flit;
    const uint8_t flags = slot.flags;
    const uint16_t dest = slot.dest;
    const bool head = flags & kFlitHead, tail = flags & kFlitTail;
    const bool lastCopy = st.mcMask == 0 || st.mcMask == (1u << o);
    // A branch other than the last sends a copy; the last one moves the flit.
    if (!lastCopy) fi = cloneFlit(fi);
    if (__builtin_expect(observed, false))
      observe(rt.id, port, vc, o, fi, lastCopy, now);

    // Send downstream.
    if (o == kLocal) {
      const uint32_t eq = rt.id * VV + vc;
      InputVc &er = ej[eq];
      if (er.count >= D)
        routerViolation(rt.id, kLocal, vc, "ejection buffer overflow (credit protocol broken)", "");
      FlitSlot &es = ejSlots[size_t(eq) * ejCap + ((er.head + er.count) & ejMask)];
      es.arrival = now + 1;
      es.flit = fi;
      ++er.count;
      ++ejectFlits;
      if (ejFlits[rt.id]++ == 0) wake(rt.id, now + 1);
    } else {
      Router &dn = routers[uint32_t(rt.neighbor[o])];
      pushInput<VV>(dn, opposite(o), vc, fi, flags, dest, now + L);
      ++net.stats_.flitHops;
    }
    ++(*rt.linkFlits)[o];
    if (now - net.stats_.windowBegin < net.stats_.windowEnd - net.stats_.windowBegin)
      ++net.stats_.windowLinkFlits[rt.id][o];
    OutputVc &ov = rt.out[o * VV + vc];
    --ov.credits;
    ov.owned = uint16_t((ov.owned | uint16_t(head)) & uint16_t(!tail));  // head takes, tail frees

    // Remove from the input buffer (only on the last copy) and return the credit.
    if (lastCopy) {
      st.head = uint8_t((st.head + 1) & capMask);
      --st.count;
      --rt.flits;
      --routerFlits;
      if (port == kLocal) {
        OutputVc &cc = injCredits[rt.id * VV + vc];
        const bool none = cc.credits == 0 && cc.pendCount == 0;
        pushCredit(cc, &injCreditTime[size_t(rt.id * VV + vc) * cap], capMask, now + 1);
        if (none) wake(rt.id, now + 1);
      } else {
        Router &up = routers[uint32_t(rt.neighbor[port])];
        const uint32_t uq = opposite(uint8_t(port)) * VV + vc;
        pushCredit(up.out[uq], &up.creditTime[size_t(uq) * cap], capMask, now + L);
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
    // The next flit to send, if it is in the buffer (else pushInput sets it).
    // (The slot is read even when empty: stale but inside the ring, and the
    // select below compiles to a conditional move.)
    const uint32_t nextOff = st.route == kNoRoute ? 0u : st.readPos;
    const uint64_t nextReady =
        rt.slots[size_t(q) * cap + ((st.head + nextOff) & capMask)].arrival + R;
    rt.readyAt[q] = nextOff < st.count ? nextReady : kNever;
  }

  template <uint32_t VV> void tickRouterT(Router &rt, uint64_t now) {
    if (!rt.flits) return;
    constexpr uint64_t vcBits = (uint64_t(1) << VV) - 1;
    // Input VCs whose next flit is eligible (no branch per VC).
    uint64_t occ = 0;
    for (uint32_t q = 0; q < kNumPorts * VV; ++q) occ |= uint64_t(rt.readyAt[q] <= now) << q;
    if (!occ) return;
    // Input ports holding flits.
    uint32_t ports = 0;
    for (uint32_t p = 0; p < kNumPorts; ++p)
      ports |= uint32_t(((occ >> (p * VV)) & vcBits) != 0) << p;
    // 1-2: each input port holding flits picks one requesting VC,
    // round-robin from the VC after the one it last granted.
    std::array<uint8_t, kNumPorts> chosenVc, chosenOut;
    std::array<uint16_t, kNumPorts> chosenOff;
    std::array<uint8_t, kNumPorts> requestsFor{};  // per output: input ports requesting it
    uint32_t requestedOutputs = 0;
    while (ports) {
      const uint32_t p = lowestBit(ports);
      ports &= ports - 1;
      const uint32_t m = uint32_t((occ >> (p * VV)) & vcBits);
      // VCs in the order start, start + 1, ... (mod VV): m rotated right.
      uint32_t start = rt.inRR[p] + 1u;
      if constexpr ((VV & (VV - 1)) == 0) start &= VV - 1;
      else start -= VV & (0u - uint32_t(start >= VV));
      uint32_t order = VV == 1 ? m : ((m >> start) | (m << (VV - start))) & uint32_t(vcBits);
      while (order) {
        uint32_t v = lowestBit(order) + start;
        order &= order - 1;
        if constexpr ((VV & (VV - 1)) == 0) v &= VV - 1;
        else v -= VV & (0u - uint32_t(v >= VV));
        uint8_t o;
        uint16_t off;
        if (request<VV>(rt, p, v, now, o, off)) {
          chosenVc[p] = uint8_t(v);
          chosenOut[p] = o;
          chosenOff[p] = off;
          requestsFor[o] |= uint8_t(1u << p);
          requestedOutputs |= 1u << o;
          break;
        }
      }
    }
    // 3: each output port picks one requesting input port, round-robin from
    // the port after the one it last granted.
    while (requestedOutputs) {
      const uint32_t o = lowestBit(requestedOutputs);
      requestedOutputs &= requestedOutputs - 1;
      const uint32_t p = kPick.t[kNextPort[rt.outRR[o]]][requestsFor[o]];
      rt.outRR[o] = uint8_t(p);
      rt.inRR[p] = chosenVc[p];
      traverse<VV>(rt, p, chosenVc[p], uint8_t(o), chosenOff[p], now);
    }
  }

  using TickFn = void (Impl::*)(Router &, uint64_t);
  TickFn tickFn = nullptr;
  static TickFn tickFor(uint32_t v) {
    switch (v) {
    case 1: return &Impl::tickRouterT<1>;
    case 2: return &Impl::tickRouterT<2>;
    case 3: return &Impl::tickRouterT<3>;
    case 4: return &Impl::tickRouterT<4>;
    case 5: return &Impl::tickRouterT<5>;
    case 6: return &Impl::tickRouterT<6>;
    case 7: return &Impl::tickRouterT<7>;
    default: return &Impl::tickRouterT<8>;
    }
  }
  void tickRouter(Router &rt, uint64_t now) {
    if (rt.flits && !rt.external) (this->*tickFn)(rt, now);
  }

  /// Copies of a packet delivered through router `r` (the head `f` entering
  /// it): 1 for unicast, the Local bits of its multicast subtree from `r`.
  uint32_t copiesThrough(uint32_t r, const Flit &f) const {
    const PacketHeader h = unpackHeader(f.data[0]);
    if (!h.mcast) return 1;
    uint32_t copies = 0;
    std::vector<uint32_t> frontier{r};
    for (uint32_t steps = 0; !frontier.empty() && steps <= N; ++steps) {  // a tree: N routers at most
      const uint32_t x = frontier.back();
      frontier.pop_back();
      const uint8_t mask = h.dest < tables[x].size() ? tables[x][h.dest] : 0;
      for (uint32_t p = 0; p < kNumPorts; ++p) {
        if (!((mask >> p) & 1)) continue;
        if (p == kLocal) ++copies;
        else if (routers[x].neighbor[p] >= 0) frontier.push_back(uint32_t(routers[x].neighbor[p]));
      }
    }
    return copies;
  }

  /// describeBuffers for an external router: its link queues.
  void describeExternal(std::ostream &os, uint32_t r) const {
    const Impl &m = *this;
    const Router &rt = m.routers[r];
    for (uint32_t p = 1; p < kNumPorts; ++p)
      for (uint32_t v = 0; v < m.V; ++v) {
        const uint32_t q = p * m.V + v;
        const InputVc &st = rt.in[q];
        const OutputVc &ov = rt.out[q];
        if (!st.count && !ov.pendCount) continue;
        os << "external router " << r << " (" << rt.x << "," << rt.y << ") " << portName(uint8_t(p))
           << " VC " << v << ":";
        for (uint32_t i = 0; i < st.count; ++i) {
          const FlitSlot &s = rt.slots[size_t(q) * m.cap + ((st.head + i) & m.capMask)];
          os << (i ? ", " : " link in [") << flitText(m.pool[s.flit]) << " @" << s.arrival;
        }
        if (st.count) os << "]";
        if (ov.pendCount) os << " " << ov.pendCount << " credit(s) towards it";
        os << "\n";
      }
    if (m.extOwed[r]) os << "external router " << r << ": " << m.extOwed[r] << " credit(s) owed\n";
  }

  Router &externalRouter(uint32_t r, uint8_t port, const char *what) {
    if (r >= N || !routers[r].external)
      throw std::invalid_argument(std::string(what) + ": router " + std::to_string(r) +
                                  " is not external");
    if (port == kLocal || port >= kNumPorts || routers[r].neighbor[port] < 0 ||
        routers[uint32_t(routers[r].neighbor[port])].external)
      throw std::invalid_argument(std::string(what) + ": router " + std::to_string(r) + " port " +
                                  portName(port) + " has no model neighbour");
    return routers[r];
  }
  /// Into the Local input port (port 0: the VC index is the queue index
  /// whatever V is).
  void pushLocal(Router &rt, uint32_t vc, const Flit &f, uint32_t record, uint64_t when) {
    const uint8_t flags = uint8_t((f.head ? kFlitHead : 0) | (f.tail ? kFlitTail : 0) |
                                  (f.head && ((f.data[0] >> 56) & 1) ? kFlitMcast : 0));
    // dest: unicast heads only (the route of a multicast head comes from its
    // group's table entry).
    pushInput<1>(rt, kLocal, vc, newFlit(f, record), flags,
                 flags == kFlitHead || flags == (kFlitHead | kFlitTail) ? uint16_t(f.data[0]) : 0,
                 when);
  }

  void seen(uint32_t core, uint64_t now) const {
    lastNow[core] = std::max(lastNow[core], now);
  }
};

// --------------------------------------------------------------------------
Network::Network(const ChipDescriptor &chip, const std::vector<MulticastGroup> &groups,
                 const std::vector<MulticastRoute> &routes)
    : chip_(chip) {
  impl_ = std::make_unique<Impl>(*this, groups, routes);
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
  if (__builtin_expect(m.routers[core].external, false))
    throw std::logic_error("core " + std::to_string(core) +
                           " injected into an external router's Local port (it belongs to the "
                           "external tile)");
  if (f.vc >= m.V)
    violation("core " + std::to_string(core) + " injected on VC " + std::to_string(f.vc));
  OutputVc &cc = m.injCredits[q];
  Impl::absorb(cc, &m.injCreditTime[size_t(q) * m.cap], m.capMask, now);
  if (cc.credits == 0)
    violation("core " + std::to_string(core) + " injected on VC " + std::to_string(f.vc) +
              " without a credit at cycle " + std::to_string(now));
  const uint32_t record = m.checker.onInject(core, f);
  --cc.credits;
  m.pushLocal(m.routers[core], f.vc, f, record, now + 1);
  ++stats_.flitsInjected;
  if (f.head) ++stats_.packetsInjected;
}

const Flit *Network::ejectFront(uint32_t core, uint8_t vc, uint64_t now) const {
  const Impl &m = *impl_;
  m.seen(core, now);
  const uint32_t q = core * m.V + vc;
  const InputVc &er = m.ej[q];
  if (!er.count) return nullptr;
  const FlitSlot &s = m.ejSlots[size_t(q) * m.ejCap + er.head];
  return s.arrival <= now ? &m.pool[s.flit] : nullptr;
}

const Flit *Network::ejectNext(uint32_t core, uint8_t afterVc, uint64_t now, uint8_t &vc) const {
  const Impl &m = *impl_;
  m.seen(core, now);
  if (!m.ejFlits[core]) return nullptr;
  uint32_t v = afterVc;
  for (uint32_t i = 0; i < m.V; ++i) {
    v = v + 1 == m.V ? 0 : v + 1;
    const uint32_t q = core * m.V + v;
    const InputVc &er = m.ej[q];
    if (!er.count) continue;
    const FlitSlot &s = m.ejSlots[size_t(q) * m.ejCap + er.head];
    if (s.arrival > now) continue;
    vc = uint8_t(v);
    return &m.pool[s.flit];
  }
  return nullptr;
}

void Network::ejectPop(uint32_t core, uint8_t vc, uint64_t now) {
  Impl &m = *impl_;
  m.seen(core, now);
  const uint32_t q = core * m.V + vc;
  InputVc &er = m.ej[q];
  const FlitSlot &s = m.ejSlots[size_t(q) * m.ejCap + er.head];
  if (!er.count || s.arrival > now)
    violation("core " + std::to_string(core) + " popped an empty ejection buffer (VC " +
              std::to_string(vc) + ")");
  const uint32_t record = m.poolRecord[s.flit];
  if (__builtin_expect(record == kExternalRecord, false)) {
    // Emitted by an external router: trusted (see Network.h).
    if (m.pool[s.flit].tail) ++stats_.packetCopiesEjected;
  } else if (m.checker.onEject(core, vc, m.pool[s.flit], record)) {
    ++stats_.packetCopiesEjected;
  }
  m.freeFlit(s.flit);
  er.head = uint8_t((er.head + 1) & m.ejMask);
  --er.count;
  --m.ejFlits[core];
  --m.ejectFlits;
  ++stats_.flitsEjected;
  Router &rt = m.routers[core];
  const uint32_t oq = uint32_t(Port::Local) * m.V + vc;
  Impl::pushCredit(rt.out[oq], &rt.creditTime[size_t(oq) * m.cap], m.capMask, now + 1);
}

uint32_t Network::ejectOccupancy(uint32_t core) const { return impl_->ejFlits[core]; }

const uint32_t *Network::ejectOccupancies() const { return impl_->ejFlits.data(); }

void Network::tickRouter(uint32_t r, uint64_t now) {
  impl_->seen(r, now);
  impl_->tickRouter(impl_->routers[r], now);
}

void Network::tick(uint64_t now) {
  // Only routers holding flits have anything to do (credits are absorbed
  // when needed).
  Impl &m = *impl_;
  for (uint32_t r = 0; r < m.N; ++r) {
    m.seen(r, now);
    Router &rt = m.routers[r];
    if (rt.flits) m.tickRouter(rt, now);
  }
}

void Network::tickRouters(uint32_t first, uint64_t mask, uint64_t now) {
  Impl &m = *impl_;
  for (; mask; mask &= mask - 1) {
    const uint32_t r = first + uint32_t(__builtin_ctzll(mask));
    m.seen(r, now);
    m.tickRouter(m.routers[r], now);
  }
}

bool Network::routerIdle(uint32_t r) const { return impl_->routers[r].flits == 0; }

bool Network::tileIdle(uint32_t r) const {
  return impl_->routers[r].flits == 0 && impl_->ejFlits[r] == 0;
}

void Network::setWakeCallback(std::function<void(uint32_t r, uint64_t when)> cb) {
  wake_ = std::move(cb);
}

void Network::setTraverseCallback(
    std::function<void(uint32_t, uint8_t, uint8_t, const Flit &, uint64_t)> cb) {
  impl_->onTraverse = std::move(cb);
  impl_->observed = bool(impl_->onTraverse) || bool(impl_->onCredit);
}

void Network::setCreditCallback(std::function<void(uint32_t, uint8_t, uint8_t, uint64_t)> cb) {
  impl_->onCredit = std::move(cb);
  impl_->observed = bool(impl_->onTraverse) || bool(impl_->onCredit);
}

bool Network::quiescent() const { return impl_->routerFlits == 0 && impl_->ejectFlits == 0; }

void Network::setStatsWindow(uint64_t begin, uint64_t end) {
  stats_.windowBegin = begin;
  stats_.windowEnd = std::max(begin, end);  // traverse() tests now - begin < end - begin
}

std::string Network::describeBuffers() const {
  const Impl &m = *impl_;
  std::ostringstream os;
  for (uint32_t r = 0; r < m.N; ++r) {
    const Router &rt = m.routers[r];
    if (rt.external) {
      m.describeExternal(os, r);
      continue;
    }
    for (uint32_t p = 0; p < kNumPorts; ++p)
      for (uint32_t v = 0; v < m.V; ++v) {
        const uint32_t q = p * m.V + v;
        const InputVc &st = rt.in[q];
        if (!st.count && !rt.out[q].owned) continue;
        os << "router " << r << " (" << rt.x << "," << rt.y << ") ";
        if (st.count) {
          os << "in " << portName(uint8_t(p)) << " VC " << v << ": " << unsigned(st.count) << " flit(s)";
          if (st.route != kNoRoute) os << ", forwarding to " << portName(st.route);
          if (st.mcMask) os << ", multicast branches mask 0x" << std::hex << unsigned(st.mcMask) << std::dec;
          for (uint32_t i = 0; i < st.count; ++i) {
            const FlitSlot &s = rt.slots[size_t(q) * m.cap + ((st.head + i) & m.capMask)];
            os << (i ? ", " : " [") << flitText(m.pool[s.flit]) << " @" << s.arrival;
          }
          os << "]";
        }
        if (rt.out[q].owned) os << (st.count ? "; " : "") << "out " << portName(uint8_t(p)) << " VC " << v << " owned";
        os << " credits out " << portName(uint8_t(p)) << "=" << rt.out[q].credits << "\n";
      }
    for (uint32_t v = 0; v < m.V; ++v) {
      const InputVc &er = m.ej[r * m.V + v];
      if (er.count) os << "core " << r << " ejection VC " << v << ": " << unsigned(er.count) << " flit(s)\n";
    }
  }
  return os.str();
}

// --------------------------------------------------------------------------
// External routers.

void Network::setExternalRouter(uint32_t r) {
  Impl &m = *impl_;
  if (r >= m.N)
    throw std::invalid_argument("setExternalRouter: router " + std::to_string(r) +
                                " outside the mesh");
  if (stats_.bufferWrites != 0 || stats_.flitsInjected != 0)
    throw std::logic_error("setExternalRouter: router " + std::to_string(r) +
                           " must be made external before any traffic");
  if (m.extStreams.empty()) {
    m.extStreams.assign(size_t(m.N) * kNumPorts * m.V, {});
    m.extOwed.assign(m.N, 0);
  }
  m.routers[r].external = true;
}

bool Network::isExternalRouter(uint32_t r) const {
  return r < impl_->N && impl_->routers[r].external;
}

bool Network::takeExternalFlit(uint32_t r, uint8_t inPort, uint64_t now, Flit &f) {
  Impl &m = *impl_;
  Router &rt = m.externalRouter(r, inPort, "takeExternalFlit");
  bool found = false;
  for (uint32_t v = 0; v < m.V; ++v) {
    const uint32_t q = inPort * m.V + v;
    InputVc &st = rt.in[q];
    if (!st.count) continue;
    const FlitSlot &s = rt.slots[size_t(q) * m.cap + st.head];
    if (s.arrival > now + 1) continue;
    if (s.arrival < now + 1 || found)
      violation("external router " + std::to_string(r) + " " + portName(inPort) + " link: " +
                flitText(m.pool[s.flit]) + " was due on the link during cycle " +
                std::to_string(s.arrival - 1) + ", taken at " + std::to_string(now) +
                (found ? " with another flit (two flits on one link)" : " (cycle skipped)"));
    f = m.pool[s.flit];
    const uint32_t record = m.poolRecord[s.flit];
    if (f.head && record != kExternalRecord)
      m.checker.onLeave(r, f, record, m.copiesThrough(r, f));
    m.freeFlit(s.flit);
    st.head = uint16_t((st.head + 1) & m.capMask);
    --st.count;
    --rt.flits;
    --m.routerFlits;
    found = true;
  }
  return found;
}

bool Network::takeExternalCredit(uint32_t r, uint8_t outPort, uint64_t now, uint8_t &vc) {
  Impl &m = *impl_;
  Router &rt = m.externalRouter(r, outPort, "takeExternalCredit");
  bool found = false;
  for (uint32_t v = 0; v < m.V; ++v) {
    const uint32_t q = outPort * m.V + v;
    OutputVc &ov = rt.out[q];
    if (!ov.pendCount) continue;
    const uint64_t when = rt.creditTime[size_t(q) * m.cap + ov.pendHead];
    if (when > now + 1) continue;
    if (when < now + 1 || found)
      violation("external router " + std::to_string(r) + " " + portName(outPort) +
                " link: credit for VC " + std::to_string(v) + " was due during cycle " +
                std::to_string(when - 1) + ", taken at " + std::to_string(now) +
                (found ? " with another credit" : " (cycle skipped)"));
    ov.pendHead = uint16_t((ov.pendHead + 1) & m.capMask);
    --ov.pendCount;
    --m.extOwed[r];
    vc = uint8_t(v);
    found = true;
  }
  return found;
}

void Network::externalFlit(uint32_t r, uint8_t outPort, const Flit &f, uint64_t now) {
  Impl &m = *impl_;
  m.externalRouter(r, outPort, "externalFlit");
  const auto where = [&] {
    return "external router " + std::to_string(r) + " " + portName(outPort) + " VC " +
           std::to_string(f.vc) + " at cycle " + std::to_string(now) + ": ";
  };
  if (f.vc >= m.V) violation(where() + "VC out of range");
  Impl::ExternalStream &es = m.extStreams[(size_t(r) * kNumPorts + outPort) * m.V + f.vc];
  Flit g = f;
  if (!es.inPacket) {
    if (!f.head) violation(where() + "body flit without a head");
    const PacketHeader h = unpackHeader(f.data[0]);
    es.packetId = (uint64_t(h.source) << 40) | (uint64_t(1) << 39) | ++m.extPackets;
    es.nextSeq = 0;
    es.created = now;
  } else if (f.head) {
    violation(where() + "head flit inside packet " + std::to_string(es.packetId) +
              " (packets interleaved on a VC)");
  }
  g.packetId = es.packetId;
  g.seq = es.nextSeq++;
  g.createdCycle = es.created;
  es.inPacket = !f.tail;

  Router &dn = m.routers[uint32_t(m.routers[r].neighbor[outPort])];
  const uint8_t in = opposite(outPort);
  const uint32_t q = in * m.V + f.vc;
  if (dn.in[q].count >= m.D)
    violation(where() + "sent into a full buffer of router " + std::to_string(dn.id) +
              " (credit protocol broken)");
  const uint8_t flags = uint8_t((f.head ? kFlitHead : 0) | (f.tail ? kFlitTail : 0) |
                                (f.head && ((f.data[0] >> 56) & 1) ? kFlitMcast : 0));
  // pushInput<1> with port 0 indexes ring `q` directly, whatever V is.
  m.pushInput<1>(dn, 0, q, m.newFlit(g, kExternalRecord), flags,
                 flags == kFlitHead || flags == (kFlitHead | kFlitTail) ? uint16_t(f.data[0]) : 0,
                 now + m.L);
  ++m.extOwed[r];
  ++stats_.flitHops;
  ++stats_.linkFlits[r][outPort];
  if (now - stats_.windowBegin < stats_.windowEnd - stats_.windowBegin)
    ++stats_.windowLinkFlits[r][outPort];
}

void Network::externalCredit(uint32_t r, uint8_t inPort, uint8_t vc, uint64_t now) {
  Impl &m = *impl_;
  m.externalRouter(r, inPort, "externalCredit");
  Router &up = m.routers[uint32_t(m.routers[r].neighbor[inPort])];
  const uint32_t uq = opposite(inPort) * m.V + vc;
  OutputVc &ov = up.out[uq];
  if (vc >= m.V || ov.credits + ov.pendCount >= m.D)
    violation("external router " + std::to_string(r) + " " + portName(inPort) +
              " returned a credit for VC " + std::to_string(vc) + " at cycle " +
              std::to_string(now) + " that router " + std::to_string(up.id) + " is not owed");
  Impl::pushCredit(ov, &up.creditTime[size_t(uq) * m.cap], m.capMask, now + m.L);
}

bool Network::externalIdle(uint32_t r) const {
  const Impl &m = *impl_;
  return m.routers[r].flits == 0 && (m.extOwed.empty() || m.extOwed[r] == 0);
}

void Network::checkAllDelivered() const { impl_->checker.checkAllDelivered(); }

void Network::testOnlyCorruptEjection(uint32_t core, uint8_t vc, EjectionCorruption kind,
                                      uint32_t otherCore) {
  Impl &m = *impl_;
  const uint32_t q = core * m.V + vc;
  InputVc &er = m.ej[q];
  const size_t base = size_t(q) * m.ejCap;
  auto at = [&](uint32_t i) -> FlitSlot & { return m.ejSlots[base + ((er.head + i) & m.ejMask)]; };
  if (!er.count) throw std::invalid_argument("testOnlyCorruptEjection: empty ejection buffer");
  switch (kind) {
  case EjectionCorruption::Drop:
    m.freeFlit(at(0).flit);
    er.head = uint8_t((er.head + 1) & m.ejMask);
    --er.count;
    --m.ejFlits[core];
    --m.ejectFlits;
    break;
  case EjectionCorruption::Duplicate: {
    if (er.count >= m.ejCap) throw std::invalid_argument("testOnlyCorruptEjection: buffer full");
    // Shift everything behind the front back by one slot, then copy the front.
    for (uint32_t i = er.count; i > 1; --i) at(i) = at(i - 1);
    at(1) = at(0);
    at(1).flit = m.cloneFlit(at(0).flit);
    ++er.count;
    ++m.ejFlits[core];
    ++m.ejectFlits;
    break;
  }
  case EjectionCorruption::Misroute: {
    const uint32_t oq = otherCore * m.V + vc;
    InputVc &other = m.ej[oq];
    if (other.count >= m.ejCap) throw std::invalid_argument("testOnlyCorruptEjection: target full");
    m.ejSlots[size_t(oq) * m.ejCap + ((other.head + other.count) & m.ejMask)] = at(0);
    ++other.count;
    ++m.ejFlits[otherCore];
    er.head = uint8_t((er.head + 1) & m.ejMask);
    --er.count;
    --m.ejFlits[core];
    break;
  }
  case EjectionCorruption::Reorder:
    if (er.count < 2) throw std::invalid_argument("testOnlyCorruptEjection: need two flits");
    std::swap(at(0), at(1));
    break;
  }
}

} // namespace xpu::emu
