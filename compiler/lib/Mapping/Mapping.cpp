// Partition, place and route an actor graph on a chip (Mapping.h).
#include "xpu/compiler/Mapping.h"

#include "xpu/Multicast.h"
#include "xpu/compiler/Pool.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

namespace xpu::graph {
namespace {

uint64_t align4(uint64_t n) { return (n + 3) & ~uint64_t(3); }

uint32_t incomingChannels(const ActorGraph &g, uint32_t actor) {
  uint32_t n = 0;
  for (const Channel &c : g.channels) n += c.to == actor;
  return n;
}

bool isGraphOutput(const ActorGraph &g, uint32_t actor) {
  for (const GraphOutput &o : g.outputs)
    if (o.actor == actor) return true;
  return false;
}

/// partitionSramBytes with the actor's incoming channel count and output
/// flag known (partitionGraph computes them once for all actors).
uint64_t sramBytes(const ActorGraph &g, uint32_t actor, uint32_t rows, uint32_t incoming, bool output) {
  const Actor &a = g.actors[actor];
  constexpr uint64_t kSlack = 32; // alignment padding between buffers
  uint64_t bytes = kSlack;
  switch (a.kind) {
  case ActorKind::Input:
    return bytes + align4(uint64_t(a.outSize) * elemBytes(a.outType));
  case ActorKind::Linear:
    bytes += align4(uint64_t(rows) * a.inSize);           // weights
    bytes += 4ull * rows;                                 // accumulators
    if (!a.bias.empty()) bytes += 4ull * rows;            // bias
    if (hasEventInput(g, actor)) {
      for (const Channel &c : g.channels)                 // events: one message of K u16 (_ev)
        if (c.to == actor && c.events()) bytes += align4(2ull * c.eventsPerMessage);
      if (a.requantize) bytes += align4(rows);            // int8 output
    } else {
      // The dense input vector and the int8 output have disjoint live
      // ranges (LowerToXpu): they share SRAM.
      bytes += std::max<uint64_t>(align4(a.inSize), a.requantize ? align4(rows) : 0);
    }
    break;
  default: {
    const uint32_t k = incoming;
    bytes += 20 + 4ull * rows * (a.kind == ActorKind::CubaLIF ? 2 : 1); // state
    bytes += 4ull * rows;                                 // summed current
    if (k > 1) bytes += 4ull * rows * k;                  // one staging slice per channel
    if (a.kind != ActorKind::LI) bytes += align4(rows);   // spikes
    if (hasEventOutput(g, actor)) bytes += align4(2ull * rows); // u16 event indices
    break;
  }
  }
  if (rows < a.outSize && output)
    bytes += align4(uint64_t(a.outSize) * elemBytes(a.outType)); // gathered output
  return bytes;
}

/// SRAM of the moe router/combiner (index 0) or of one expert (index >= 1):
/// the buffers LowerToXpu allocates (docs/compiler.md).
uint64_t moeSramBytes(const ActorGraph &g, uint32_t actor, uint32_t index, bool output) {
  const Actor &a = g.actors[actor];
  const MoeParams &m = a.moe;
  const uint64_t T = m.tokens, E = m.experts, D = m.dim, O = m.outDim;
  uint64_t bytes = 64; // alignment padding between buffers
  if (index == 0) {
    bytes += align4(E * D) + align4(T * D);                  // router weights, tokens
    bytes += 4 * T * E + align4(T * E);                      // scores, gates
    bytes += 4 * std::max(T, E);                             // masked scores
    bytes += align4(E * uint64_t(moeDispatchBytes(m))) + 4 * E; // dispatch buffers, lengths
    bytes += align4(moeReplyBytes(m));                       // one reply
    bytes += 4 * T * O;                                      // combined output
    if (output) bytes += 4 * T * O;                          // host window
  } else {
    bytes += align4(O * D);                                  // expert weights
    if (!m.expertBias.empty()) bytes += 4 * O;               // bias
    bytes += align4(moeDispatchBytes(m)) + 4 * O;            // tokens, accumulators
    bytes += align4(moeReplyBytes(m));                       // reply
  }
  return bytes;
}

/// Elements [begin, end) of partition `src`'s output sent to partitions
/// `dsts` every step on channel `channel`.
struct Transfer {
  uint32_t channel, src;
  std::vector<uint32_t> dsts;
  uint32_t begin, end, delay;
};

/// Flits of `elements` elements of `eb` bytes cut into messages of at most
/// `chunk` bytes (a head flit each).
uint64_t streamFlits(uint64_t elements, uint32_t eb, uint32_t chunk, uint32_t flitBytes) {
  const uint64_t bytes = elements * eb, full = bytes / chunk, rest = bytes % chunk;
  return full * (1 + (chunk + flitBytes - 1) / flitBytes) + (rest ? 1 + (rest + flitBytes - 1) / flitBytes : 0);
}

/// The fan-outs (source core, destination cores) worth a multicast group.
/// Multicast messages are smaller (one input buffer each, so more head
/// flits), but the source injects each flit once instead of once per
/// destination. A fan-out qualifies when its source injects fewer flits
/// (the sender's NI serialises them: they set the step's latency). When more
/// qualify than the routers' tables hold (`multicast_groups`), those saving
/// the most win -- injected flits plus flits over router ports (links and
/// local deliveries, XY tree vs XY paths) -- and the rest stay unicast, so a
/// table never overflows.
std::set<std::pair<uint32_t, std::vector<uint32_t>>>
chooseMulticastFanouts(const ActorGraph &g, const ChipDescriptor &chip, const std::vector<Partition> &parts,
                       const std::vector<Transfer> &transfers, const RouteOptions &opts) {
  using Key = std::pair<uint32_t, std::vector<uint32_t>>;
  std::map<Key, int64_t> saving, injectedSaving;
  std::vector<Key> order;  // first appearance: deterministic ties
  if (!opts.multicast) return {};
  for (const Transfer &t : transfers) {
    if (t.dsts.size() < 2) continue;
    const uint32_t eb = elemBytes(g.actors[parts[t.src].actor].outType);
    const uint32_t mcastChunk = (std::min(chip.maxMessageBytes, (chip.bufferDepth - 1) * chip.flitBytes) / eb) * eb;
    const uint32_t unicastChunk = (chip.maxMessageBytes / eb) * eb;
    if (mcastChunk < eb || unicastChunk < eb) continue;
    Key key{parts[t.src].core, {}};
    for (uint32_t d : t.dsts) key.second.push_back(parts[d].core);
    std::sort(key.second.begin(), key.second.end());
    const uint32_t src = key.first;
    uint64_t unicastPorts = 0;
    for (uint32_t d : key.second) {
      const uint32_t dx = chip.coreX(d), dy = chip.coreY(d), sx = chip.coreX(src), sy = chip.coreY(src);
      unicastPorts += (sx > dx ? sx - dx : dx - sx) + (sy > dy ? sy - dy : dy - sy) + 1;
    }
    uint64_t treePorts = 0;
    for (const MulticastRoute &route : xyTreeRoutes(chip, MulticastGroup{0, src, key.second}))
      treePorts += uint64_t(__builtin_popcount(route.ports));
    const uint64_t n = t.end - t.begin;
    const int64_t uFlits = int64_t(streamFlits(n, eb, unicastChunk, chip.flitBytes));
    const int64_t mFlits = int64_t(streamFlits(n, eb, mcastChunk, chip.flitBytes));
    if (!saving.count(key)) order.push_back(key);
    injectedSaving[key] += int64_t(key.second.size()) * uFlits - mFlits;
    saving[key] += int64_t(key.second.size()) * uFlits - mFlits + uFlits * int64_t(unicastPorts) -
                   mFlits * int64_t(treePorts);
  }
  std::vector<Key> worth;
  for (const Key &k : order)
    if (injectedSaving[k] > 0) worth.push_back(k);
  std::stable_sort(worth.begin(), worth.end(), [&](const Key &a, const Key &b) { return saving[a] > saving[b]; });
  if (worth.size() > chip.multicastGroups) worth.resize(chip.multicastGroups);
  return {worth.begin(), worth.end()};
}

} // namespace

uint64_t partitionSramBytes(const ActorGraph &g, uint32_t actor, uint32_t rows) {
  if (g.actors[actor].kind == ActorKind::Pool) return poolSramBytes(g, actor, 0, isGraphOutput(g, actor));
  if (g.actors[actor].kind == ActorKind::Moe) return moeSramBytes(g, actor, 0, isGraphOutput(g, actor));
  return sramBytes(g, actor, rows, incomingChannels(g, actor), isGraphOutput(g, actor));
}

uint64_t partitionSramBytes(const ActorGraph &g, const Partition &p) {
  if (g.actors[p.actor].kind == ActorKind::Pool) return poolSramBytes(g, p.actor, p.index, isGraphOutput(g, p.actor));
  if (g.actors[p.actor].kind == ActorKind::Moe) return moeSramBytes(g, p.actor, p.index, isGraphOutput(g, p.actor));
  return partitionSramBytes(g, p.actor, p.size());
}

Expected<std::vector<Partition>> partitionGraph(const ActorGraph &g, const ChipDescriptor &chip,
                                                const PartitionOptions &opts) {
  std::vector<Partition> parts;
  std::vector<uint32_t> incoming(g.actors.size(), 0);
  std::vector<bool> output(g.actors.size(), false);
  for (const Channel &c : g.channels) ++incoming[c.to];
  for (const GraphOutput &o : g.outputs) output[o.actor] = true;
  auto partitionSramBytes = [&](const ActorGraph &, uint32_t actor, uint32_t rows) {
    return sramBytes(g, actor, rows, incoming[actor], output[actor]);
  };
  for (uint32_t ai = 0; ai < g.actors.size(); ++ai) {
    const Actor &a = g.actors[ai];
    uint32_t k = 1;
    if (a.kind == ActorKind::Moe) {
      // E + 1 partitions: the router/combiner, then one per expert.
      for (uint32_t i = 0; i <= a.moe.experts; ++i) {
        const uint64_t need = moeSramBytes(g, ai, i, output[ai]);
        if (need > chip.sramBytes)
          return Error{a.pointer + ": moe actor '" + a.name + "': " +
                       (i == 0 ? std::string("the router/combiner") : "expert " + std::to_string(i - 1)) +
                       " needs " + std::to_string(need) + " bytes of SRAM, more than a core has (" +
                       std::to_string(chip.sramBytes) + "); moe actors are not split further"};
        parts.push_back(Partition{ai, i, 0, i == 0 ? a.outSize : 0, ~0u});
      }
      continue;
    }
    if (a.kind == ActorKind::Pool) {
      // 1 + B partitions: the dispatcher, then one per worker (on spare cores).
      for (uint32_t i = 0; i <= a.pool.maxWorkers; ++i) {
        const uint64_t need = poolSramBytes(g, ai, i, output[ai]);
        if (need > chip.sramBytes)
          return Error{a.pointer + ": pool actor '" + a.name + "': " +
                       (i == 0 ? std::string("the dispatcher") : std::string("a worker")) + " needs " +
                       std::to_string(need) + " bytes of SRAM, more than a core has (" +
                       std::to_string(chip.sramBytes) + "); pools are not split further"};
        parts.push_back(Partition{ai, i, 0, i == 0 ? a.outSize : 0, ~0u});
      }
      continue;
    }
    if (hasEventOutput(g, ai)) {
      // One ordered event stream per step: the source is never split.
      const uint64_t need = partitionSramBytes(g, ai, a.outSize);
      if (need > chip.sramBytes)
        return Error{a.pointer + ": actor '" + a.name + "' is the source of an events channel and needs " +
                     std::to_string(need) + " bytes of SRAM, more than a core has (" +
                     std::to_string(chip.sramBytes) + "); sources of events channels are not split"};
    } else if (a.kind == ActorKind::Input) {
      if (partitionSramBytes(g, ai, a.outSize) > chip.sramBytes)
        return Error{a.pointer + ": input '" + a.name + "' of " + std::to_string(a.outSize) +
                     " elements does not fit one core's SRAM (" + std::to_string(chip.sramBytes) +
                     " bytes); inputs are not split"};
    } else {
      const uint64_t one = partitionSramBytes(g, ai, 1);
      if (one > chip.sramBytes)
        return Error{a.pointer + ": actor '" + a.name + "' needs " + std::to_string(one) +
                     " bytes of SRAM for a single element, more than a core has (" +
                     std::to_string(chip.sramBytes) + ")"};
      // Fewest slices that fit: the per-slice size shrinks monotonically.
      uint32_t lo = 1, hi = a.outSize;
      auto fits = [&](uint32_t slices) {
        const uint32_t rows = (a.outSize + slices - 1) / slices;
        return partitionSramBytes(g, ai, rows) <= chip.sramBytes &&
               (!opts.maxElementsPerCore || rows <= opts.maxElementsPerCore);
      };
      while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (fits(mid)) hi = mid;
        else lo = mid + 1;
      }
      k = lo;
    }
    const uint32_t base = a.outSize / k, rem = a.outSize % k;
    uint32_t at = 0;
    for (uint32_t i = 0; i < k; ++i) {
      const uint32_t rows = base + (i < rem ? 1 : 0);
      parts.push_back(Partition{ai, i, at, at + rows, ~0u});
      at += rows;
    }
  }
  return parts;
}

uint64_t trafficBytes(const ActorGraph &g, const Partition &from, const Partition &to) {
  const Actor &src = g.actors[from.actor], &dst = g.actors[to.actor];
  const uint32_t eb = elemBytes(src.outType);
  uint64_t bytes = 0;
  if (src.kind == ActorKind::Moe && from.actor == to.actor) {
    // Router <-> expert, worst case: `capacity` tokens each way.
    if (from.index == 0 && to.index != 0) return moeDispatchBytes(src.moe);
    if (from.index != 0 && to.index == 0) return moeReplyBytes(src.moe);
    return 0;
  }
  if (src.kind == ActorKind::Pool && from.actor == to.actor) {
    // Dispatcher <-> worker (on a spare core), worst case: J jobs each way.
    if (from.index == 0 && to.index != 0) return poolDispatchBytes(src.pool);
    if (from.index != 0 && to.index == 0) return poolReplyBytes(src.pool);
    return 0;
  }
  if (!onChannels(g, from) || !onChannels(g, to)) return 0;
  for (const Channel &c : g.channels) {
    if (c.from != from.actor || c.to != to.actor) continue;
    if (consumesWholeInput(dst.kind)) {
      bytes += uint64_t(from.size()) * eb;
    } else {
      const uint32_t b = std::max(from.begin, to.begin), e = std::min(from.end, to.end);
      if (b < e) bytes += uint64_t(e - b) * eb;
    }
  }
  if (from.actor == to.actor && to.index == 0 && from.index != 0 && isGraphOutput(g, from.actor) &&
      src.kind != ActorKind::Moe && src.kind != ActorKind::Pool)
    bytes += uint64_t(from.size()) * eb; // output gather
  return bytes;
}

Expected<Routing> routeMessages(const ActorGraph &g, const ChipDescriptor &chip,
                                const std::vector<Partition> &parts, const RouteOptions &opts) {
  Routing r;
  // Partitions that send and receive on channels (moe experts do not).
  std::vector<std::vector<uint32_t>> partsOf(g.actors.size());
  for (uint32_t i = 0; i < parts.size(); ++i)
    if (onChannels(g, parts[i])) partsOf[parts[i].actor].push_back(i);

  std::vector<Transfer> transfers;
  for (uint32_t ci = 0; ci < g.channels.size(); ++ci) {
    const Channel &c = g.channels[ci];
    if (c.events()) continue; // routed below
    const bool full = consumesWholeInput(g.actors[c.to].kind);
    for (uint32_t sp : partsOf[c.from]) {
      const Partition &P = parts[sp];
      if (full) {
        transfers.push_back({ci, sp, partsOf[c.to], P.begin, P.end, c.delay});
        continue;
      }
      for (uint32_t dp : partsOf[c.to]) {
        const Partition &Q = parts[dp];
        const uint32_t b = std::max(P.begin, Q.begin), e = std::min(P.end, Q.end);
        if (b < e) transfers.push_back({ci, sp, {dp}, b, e, c.delay});
      }
    }
  }
  std::set<uint32_t> gathered;
  for (const GraphOutput &o : g.outputs) {
    if (partsOf[o.actor].size() < 2 || !gathered.insert(o.actor).second) continue;
    for (size_t k = 1; k < partsOf[o.actor].size(); ++k) {
      const Partition &P = parts[partsOf[o.actor][k]];
      transfers.push_back({~0u, partsOf[o.actor][k], {partsOf[o.actor][0]}, P.begin, P.end, 0});
    }
  }

  // Mailbox table per core. A mailbox is free, dedicated to one stream, or
  // shared by single-message streams of one phase (inputs or output
  // gathers) from distinct sources, at most `depth` of them.
  struct Mailbox {
    enum Use { Free, Dedicated, SharedInput, SharedGather, SharedMoe } use = Free;
    std::set<uint32_t> sources;
  };
  std::vector<std::vector<Mailbox>> boxes(chip.numCores(), std::vector<Mailbox>(chip.mailboxes));
  std::map<std::pair<uint32_t, std::vector<uint32_t>>, int32_t> groupIds;
  const std::set<std::pair<uint32_t, std::vector<uint32_t>>> worthMulticast =
      chooseMulticastFanouts(g, chip, parts, transfers, opts);
  auto coreName = [&](uint32_t core) {
    return "(" + std::to_string(chip.coreX(core)) + ", " + std::to_string(chip.coreY(core)) + ")";
  };
  auto outOfMailboxes = [&](const std::vector<uint32_t> &cores) {
    // Name the destination with the fewest free mailboxes.
    uint32_t worst = cores[0], worstFree = ~0u;
    for (uint32_t c : cores) {
      uint32_t freeCount = 0;
      for (const Mailbox &m : boxes[c]) freeCount += m.use == Mailbox::Free;
      if (freeCount < worstFree) worst = c, worstFree = freeCount;
    }
    return Error{"core " + coreName(worst) + " needs more than the chip's " + std::to_string(chip.mailboxes) +
                 " mailboxes for the messages it receives every step (raise core.mailboxes or "
                 "core.mailbox_depth, or spread the graph over more cores)"};
  };
  /// `count` consecutive mailboxes free on every core, marked dedicated.
  auto takeDedicated = [&](const std::vector<uint32_t> &cores, uint32_t count) -> Expected<uint32_t> {
    for (uint32_t m = 0; m + count <= chip.mailboxes; ++m) {
      bool ok = true;
      for (uint32_t c : cores)
        for (uint32_t k = m; k < m + count && ok; ++k) ok = boxes[c][k].use == Mailbox::Free;
      if (!ok) continue;
      for (uint32_t c : cores)
        for (uint32_t k = m; k < m + count; ++k) boxes[c][k].use = Mailbox::Dedicated;
      return m;
    }
    return outOfMailboxes(cores);
  };
  /// One mailbox (same index on every core) that can take one more message
  /// from `source` in phase `use`.
  auto takeShared = [&](const std::vector<uint32_t> &cores, uint32_t source, Mailbox::Use use) -> Expected<uint32_t> {
    for (uint32_t m = 0; m < chip.mailboxes; ++m) {
      bool ok = true;
      for (uint32_t c : cores) {
        const Mailbox &b = boxes[c][m];
        ok &= b.use == Mailbox::Free ||
              (b.use == use && b.sources.size() < chip.mailboxDepth && !b.sources.count(source));
      }
      if (!ok) continue;
      for (uint32_t c : cores) {
        boxes[c][m].use = use;
        boxes[c][m].sources.insert(source);
      }
      return m;
    }
    return outOfMailboxes(cores);
  };

  for (const Transfer &t : transfers) {
    const Actor &src = g.actors[parts[t.src].actor];
    const uint32_t eb = elemBytes(src.outType);
    const uint32_t srcCore = parts[t.src].core;
    std::vector<uint32_t> dstCores;
    for (uint32_t d : t.dsts) dstCores.push_back(parts[d].core);
    std::vector<uint32_t> sortedDst = dstCores;
    std::sort(sortedDst.begin(), sortedDst.end());

    const uint32_t mcastChunk = (std::min(chip.maxMessageBytes, (chip.bufferDepth - 1) * chip.flitBytes) / eb) * eb;
    // Multicast only for the fan-outs chooseMulticastFanouts picked (they
    // save link traffic and fit the routers' tables); the rest go unicast.
    bool mcast = worthMulticast.count({srcCore, sortedDst}) > 0;
    int32_t group = -1;
    if (mcast) {
      auto key = std::make_pair(srcCore, sortedDst);
      auto it = groupIds.find(key);
      if (it != groupIds.end()) {
        group = it->second;
      } else {
        group = int32_t(r.groups.size());
        groupIds[key] = group;
        r.groups.push_back(MulticastGroup{uint32_t(group), srcCore, sortedDst});
      }
    }
    const uint32_t chunk = mcast ? mcastChunk : (chip.maxMessageBytes / eb) * eb;
    if (chunk < eb)
      return Error{"messages of '" + src.name + "' need " + std::to_string(eb) +
                   "-byte elements but max_message_bytes is " + std::to_string(chip.maxMessageBytes)};
    const uint32_t perMsg = chunk / eb;
    const uint32_t chunks = (t.end - t.begin + perMsg - 1) / perMsg;
    // Delay-1 streams may hold two steps' worth.
    const uint32_t cap = t.delay ? chip.mailboxDepth / 2 : chip.mailboxDepth;
    if (cap == 0)
      return Error{"channel from '" + src.name + "' has delay 1, which needs mailbox_depth >= 2 (chip has " +
                   std::to_string(chip.mailboxDepth) + ")"};
    auto emit = [&](const std::vector<uint32_t> &dsts, uint32_t mailbox0, int32_t grp) {
      for (uint32_t k = 0; k < chunks; ++k) {
        Message m;
        m.channel = t.channel;
        m.srcPart = t.src;
        m.dstParts = dsts;
        m.begin = t.begin + k * perMsg;
        m.end = std::min(t.end, m.begin + perMsg);
        m.bytes = (m.end - m.begin) * eb;
        m.mailbox = mailbox0 + k / cap;
        m.group = grp;
        m.delay = t.delay;
        r.messages.push_back(std::move(m));
      }
    };
    // Single-message, delay-0 streams share mailboxes; the receiver tells
    // them apart by the source core that recv returns.
    const bool shareable = chunks == 1 && t.delay == 0;
    const Mailbox::Use phase = t.channel == ~0u ? Mailbox::SharedGather : Mailbox::SharedInput;
    auto take = [&](const std::vector<uint32_t> &cores) {
      return shareable ? takeShared(cores, srcCore, phase) : takeDedicated(cores, (chunks + cap - 1) / cap);
    };
    if (mcast) {
      auto mb = take(dstCores);
      if (!mb) return mb.error();
      emit(t.dsts, *mb, group);
    } else {
      for (size_t i = 0; i < t.dsts.size(); ++i) {
        auto mb = take({dstCores[i]});
        if (!mb) return mb.error();
        emit({t.dsts[i]}, *mb, -1);
      }
    }
  }

  // Events channels (docs/mapping.md "Event channels"): the unsplit source
  // streams 0..ceil(N/K) messages of up to K u16 indices per step to every
  // consumer slice, into two dedicated mailboxes (step parity), each holding
  // `capacity` messages under the channel's policy.
  for (uint32_t ci = 0; ci < g.channels.size(); ++ci) {
    const Channel &c = g.channels[ci];
    if (!c.events()) continue;
    const std::string name = c.pointer + ": events channel '" + g.actors[c.from].name + "' -> '" +
                             g.actors[c.to].name + "'";
    if (c.capacity > chip.mailboxDepth)
      return Error{name + " has capacity " + std::to_string(c.capacity) + ", more than the chip's mailbox_depth (" +
                   std::to_string(chip.mailboxDepth) + ")"};
    const uint32_t bytes = 2 * c.eventsPerMessage;
    if (bytes > chip.maxMessageBytes)
      return Error{name + " sends " + std::to_string(c.eventsPerMessage) + " events (" + std::to_string(bytes) +
                   " bytes) per message, more than max_message_bytes (" + std::to_string(chip.maxMessageBytes) + ")"};
    if (partsOf[c.from].size() != 1)
      return Error{name + ": the source must be one slice"};
    const uint32_t src = partsOf[c.from][0], srcCore = parts[src].core;
    const std::vector<uint32_t> &dsts = partsOf[c.to];
    std::vector<uint32_t> dstCores;
    for (uint32_t d : dsts) dstCores.push_back(parts[d].core);
    std::vector<uint32_t> sortedDst = dstCores;
    std::sort(sortedDst.begin(), sortedDst.end());
    const uint32_t mcastBytes = std::min(chip.maxMessageBytes, (chip.bufferDepth - 1) * chip.flitBytes);
    int32_t group = -1;
    if (opts.multicast && dsts.size() >= 2 && bytes <= mcastBytes) {
      auto key = std::make_pair(srcCore, sortedDst);
      if (auto it = groupIds.find(key); it != groupIds.end()) {
        group = it->second;
      } else if (r.groups.size() < chip.multicastGroups) {
        group = int32_t(r.groups.size());
        groupIds[key] = group;
        r.groups.push_back(MulticastGroup{uint32_t(group), srcCore, sortedDst});
      }
    }
    auto stream = [&](const std::vector<uint32_t> &to, const std::vector<uint32_t> &cores) -> std::optional<Error> {
      auto mb = takeDedicated(cores, 2);
      if (!mb) return mb.error();
      Message m;
      m.channel = ci;
      m.srcPart = src;
      m.dstParts = to;
      m.begin = 0;
      m.end = g.actors[c.from].outSize;
      m.bytes = bytes;
      m.mailbox = *mb;
      m.group = to.size() > 1 ? group : -1;
      m.delay = 1;
      r.messages.push_back(std::move(m));
      return std::nullopt;
    };
    if (group >= 0) {
      if (auto err = stream(dsts, dstCores)) return *err;
    } else {
      for (size_t i = 0; i < dsts.size(); ++i)
        if (auto err = stream({dsts[i]}, {dstCores[i]})) return *err;
    }
  }

  // Hub actors -- a moe router and its experts, a pool dispatcher and its
  // workers: per spoke and step one dispatch message hub -> spoke and one
  // reply spoke -> hub, each of at most `items` entries (the actual length
  // varies per step; `bytes` is the largest). Replies from distinct spokes
  // share the hub's mailboxes, up to their depth (drained by source core).
  for (uint32_t ai = 0; ai < g.actors.size(); ++ai) {
    const Actor &a = g.actors[ai];
    if (a.kind != ActorKind::Moe && a.kind != ActorKind::Pool) continue;
    const bool moe = a.kind == ActorKind::Moe;
    uint32_t hub = ~0u;
    std::vector<uint32_t> spokes;
    for (uint32_t i = 0; i < parts.size(); ++i) {
      if (parts[i].actor != ai) continue;
      if (parts[i].index == 0) hub = i;
      else spokes.push_back(i);
    }
    const uint32_t dispatch = moe ? moeDispatchBytes(a.moe) : poolDispatchBytes(a.pool);
    const uint32_t reply = moe ? moeReplyBytes(a.moe) : poolReplyBytes(a.pool);
    const uint32_t items = moe ? a.moe.capacity : a.pool.jobsPerWorker;
    if (std::max(dispatch, reply) > chip.maxMessageBytes)
      return Error{a.pointer + ": " + kindName(a.kind) + " actor '" + a.name + "' sends up to " +
                   std::to_string(std::max(dispatch, reply)) + " bytes between its " +
                   (moe ? "router and an expert (capacity x (2 + in or out))"
                        : "dispatcher and a worker (jobs_per_worker x features or outputs)") +
                   ", more than max_message_bytes (" + std::to_string(chip.maxMessageBytes) + ")"};
    auto message = [&](uint32_t channel, uint32_t src, uint32_t dst, uint32_t bytes) -> std::optional<Error> {
      auto mb = takeShared({parts[dst].core}, parts[src].core, Mailbox::SharedMoe);
      if (!mb) return mb.error();
      Message m;
      m.channel = channel;
      m.srcPart = src;
      m.dstParts = {dst};
      m.begin = 0;
      m.end = items;
      m.bytes = bytes;
      m.mailbox = *mb;
      r.messages.push_back(std::move(m));
      return std::nullopt;
    };
    for (uint32_t sp : spokes)
      if (auto err = message(moe ? kMoeDispatchChannel : kPoolDispatchChannel, hub, sp, dispatch)) return *err;
    for (uint32_t sp : spokes)
      if (auto err = message(moe ? kMoeReplyChannel : kPoolReplyChannel, sp, hub, reply)) return *err;
  }
  return r;
}

} // namespace xpu::graph
