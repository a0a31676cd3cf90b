// Synthetic traffic: patterns, the per-tile source/sink model, the plain C++
// driver, statistics and their JSON form (docs/noc.md "Traffic mode").
#include "xpu/emu/Traffic.h"

#include "TrafficEngine.h"

#include "xpu/Semantics.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace xpu::emu {

namespace {

struct PatternName {
  TrafficPattern pattern;
  const char *name;
};
constexpr PatternName kPatternNames[] = {
    {TrafficPattern::Uniform, "uniform"},     {TrafficPattern::Transpose, "transpose"},
    {TrafficPattern::BitComplement, "bitcomp"}, {TrafficPattern::BitReverse, "bitrev"},
    {TrafficPattern::Hotspot, "hotspot"},     {TrafficPattern::Neighbor, "neighbor"},
};

bool isPowerOfTwo(uint32_t n) { return n && !(n & (n - 1)); }

uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

inline uint32_t lowestBit(uint64_t m) { return uint32_t(__builtin_ctzll(m)); }

double meanPacketFlits(const TrafficConfig &cfg) {
  if (cfg.packetFlitsMax > cfg.packetFlits) return (cfg.packetFlits + cfg.packetFlitsMax) / 2.0;
  return cfg.packetFlits;
}

} // namespace

const char *patternName(TrafficPattern p) {
  for (const auto &e : kPatternNames)
    if (e.pattern == p) return e.name;
  return "?";
}

std::optional<TrafficPattern> patternFromName(const std::string &name) {
  for (const auto &e : kPatternNames)
    if (name == e.name) return e.pattern;
  return std::nullopt;
}

std::optional<Error> validateTrafficConfig(const ChipDescriptor &chip, const TrafficConfig &cfg) {
  const uint32_t n = chip.numCores();
  auto err = [](std::string m) { return std::optional<Error>(Error{"traffic: " + std::move(m)}); };
  if (!(cfg.injectionRate >= 0.0 && cfg.injectionRate <= 1.0))
    return err("rate: must be in 0..1 flits/node/cycle, got " + std::to_string(cfg.injectionRate));
  const uint32_t maxFlits = 1 + 65535 / chip.flitBytes;
  if (cfg.packetFlits < 1 || cfg.packetFlits > maxFlits)
    return err("packet_flits: must be in 1.." + std::to_string(maxFlits) + ", got " +
               std::to_string(cfg.packetFlits));
  if (cfg.packetFlitsMax != 0 && (cfg.packetFlitsMax < cfg.packetFlits || cfg.packetFlitsMax > maxFlits))
    return err("packet_flits_max: must be 0 or in packet_flits.." + std::to_string(maxFlits) +
               ", got " + std::to_string(cfg.packetFlitsMax));
  if (cfg.pattern == TrafficPattern::Transpose && chip.width != chip.height)
    return err("pattern transpose needs a square mesh, got " + std::to_string(chip.width) + "x" +
               std::to_string(chip.height));
  if (cfg.pattern == TrafficPattern::BitReverse && !isPowerOfTwo(n))
    return err("pattern bitrev needs a power-of-two node count, got " + std::to_string(n));
  if (cfg.pattern == TrafficPattern::Hotspot) {
    if (cfg.hotspotNodes.empty()) return err("hotspot_nodes: must not be empty for pattern hotspot");
    for (uint32_t h : cfg.hotspotNodes)
      if (h >= n) return err("hotspot_nodes: node " + std::to_string(h) + " outside the mesh");
    if (!(cfg.hotspotFraction >= 0.0 && cfg.hotspotFraction <= 1.0))
      return err("hotspot_fraction: must be in 0..1");
  }
  if (!(cfg.multicastFraction >= 0.0 && cfg.multicastFraction <= 1.0))
    return err("multicast_fraction: must be in 0..1");
  if (cfg.multicastFraction > 0 && (cfg.multicastDestinations < 1 || cfg.multicastDestinations > n))
    return err("multicast_destinations: must be in 1.." + std::to_string(n));
  for (uint32_t s : cfg.sources)
    if (s >= n) return err("sources: node " + std::to_string(s) + " outside the mesh");
  if (cfg.measureCycles == 0) return err("measure: must be > 0");
  return std::nullopt;
}

Expected<TrafficConfig> parseTrafficConfig(const nlohmann::json &j, const std::string &source) {
  TrafficConfig c;
  auto fail = [&](const std::string &ptr, const std::string &m) {
    return Error{source + ": " + ptr + ": " + m};
  };
  if (!j.is_object()) return fail("", "traffic configuration must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string key = it.key(), ptr = "/" + key;
    const nlohmann::json &v = it.value();
    auto needUnsigned = [&]() { return v.is_number_unsigned(); };
    auto needNumber = [&]() { return v.is_number(); };
    auto needNodeList = [&]() {
      if (!v.is_array()) return false;
      for (const auto &e : v)
        if (!e.is_number_unsigned()) return false;
      return true;
    };
    if (key == "pattern") {
      if (!v.is_string()) return fail(ptr, "must be a string");
      auto p = patternFromName(v.get<std::string>());
      if (!p) return fail(ptr, "unknown pattern '" + v.get<std::string>() +
                               "' (uniform, transpose, bitcomp, bitrev, hotspot, neighbor)");
      c.pattern = *p;
    } else if (key == "rate") {
      if (!needNumber()) return fail(ptr, "must be a number");
      c.injectionRate = v.get<double>();
    } else if (key == "packet_flits") {
      if (!needUnsigned()) return fail(ptr, "must be an unsigned integer");
      c.packetFlits = v.get<uint32_t>();
    } else if (key == "packet_flits_max") {
      if (!needUnsigned()) return fail(ptr, "must be an unsigned integer");
      c.packetFlitsMax = v.get<uint32_t>();
    } else if (key == "hotspot_nodes") {
      if (!needNodeList()) return fail(ptr, "must be an array of node ids");
      c.hotspotNodes = v.get<std::vector<uint32_t>>();
    } else if (key == "hotspot_fraction") {
      if (!needNumber()) return fail(ptr, "must be a number");
      c.hotspotFraction = v.get<double>();
    } else if (key == "multicast_fraction") {
      if (!needNumber()) return fail(ptr, "must be a number");
      c.multicastFraction = v.get<double>();
    } else if (key == "multicast_destinations") {
      if (!needUnsigned()) return fail(ptr, "must be an unsigned integer");
      c.multicastDestinations = v.get<uint32_t>();
    } else if (key == "sources") {
      if (!needNodeList()) return fail(ptr, "must be an array of node ids");
      c.sources = v.get<std::vector<uint32_t>>();
    } else if (key == "seed") {
      if (!needUnsigned()) return fail(ptr, "must be an unsigned integer");
      c.seed = v.get<uint64_t>();
    } else if (key == "warmup") {
      if (!needUnsigned()) return fail(ptr, "must be an unsigned integer (cycles)");
      c.warmupCycles = v.get<uint64_t>();
    } else if (key == "measure") {
      if (!needUnsigned()) return fail(ptr, "must be an unsigned integer (cycles)");
      c.measureCycles = v.get<uint64_t>();
    } else if (key == "drain_limit") {
      if (!needUnsigned()) return fail(ptr, "must be an unsigned integer (cycles)");
      c.drainLimit = v.get<uint64_t>();
    } else if (key == "drain_all") {
      if (!v.is_boolean()) return fail(ptr, "must be true or false");
      c.drainAll = v.get<bool>();
    } else {
      return fail(ptr, "unknown field");
    }
  }
  return c;
}

double uniformBisectionBound(const ChipDescriptor &chip) {
  // Uniform traffic over N = w*h nodes across the bisection cutting the
  // longer dimension k: (N/2 nodes) * rate * (1/2 of their traffic crosses)
  // per direction, over h (or w) channels per direction.
  const double w = chip.width, h = chip.height;
  const double k = std::max(w, h), across = std::min(w, h);
  if (k < 2) return 1.0;
  // crossing load per direction = (N/2) * rate * (1/2) = w*h*rate/4 <= across
  return std::min(1.0, 4.0 * across / (w * h));
}

bool operator==(const TrafficResult &a, const TrafficResult &b) {
  return a.pattern == b.pattern && a.width == b.width && a.height == b.height &&
         a.virtualChannels == b.virtualChannels && a.offeredRate == b.offeredRate &&
         a.acceptedRate == b.acceptedRate && a.acceptedBySource == b.acceptedBySource &&
         a.minAcceptedBySource == b.minAcceptedBySource && a.offeredBySource == b.offeredBySource &&
         a.packetsMeasured == b.packetsMeasured &&
         a.avgLatency == b.avgLatency && a.p50Latency == b.p50Latency &&
         a.p99Latency == b.p99Latency && a.maxLatency == b.maxLatency &&
         a.avgHops == b.avgHops && a.saturated == b.saturated && a.drained == b.drained &&
         a.cycles == b.cycles && a.flitsInjected == b.flitsInjected &&
         a.flitsEjected == b.flitsEjected && a.flitHops == b.flitHops &&
         a.linkUtilisation == b.linkUtilisation && a.maxLinkUtilisation == b.maxLinkUtilisation;
}

nlohmann::json toJson(const TrafficResult &r) {
  nlohmann::json j;
  j["pattern"] = r.pattern;
  j["mesh"] = {{"width", r.width}, {"height", r.height}};
  j["virtual_channels"] = r.virtualChannels;
  j["offered_flits_per_node_cycle"] = r.offeredRate;
  j["accepted_flits_per_node_cycle"] = r.acceptedRate;
  j["min_accepted_by_source"] = r.minAcceptedBySource;
  j["packets_measured"] = r.packetsMeasured;
  j["latency_cycles"] = {{"avg", r.avgLatency}, {"p50", r.p50Latency},
                         {"p99", r.p99Latency}, {"max", r.maxLatency}};
  j["avg_hops"] = r.avgHops;
  j["saturated"] = r.saturated;
  j["drained"] = r.drained;
  j["cycles"] = r.cycles;
  j["flits_injected"] = r.flitsInjected;
  j["flits_ejected"] = r.flitsEjected;
  j["flit_hops"] = r.flitHops;
  j["max_link_utilisation"] = r.maxLinkUtilisation;
  static const char *ports[] = {"local", "east", "west", "north", "south"};
  nlohmann::json links = nlohmann::json::array();
  for (size_t router = 0; router < r.linkUtilisation.size(); ++router) {
    nlohmann::json row;
    row["router"] = router;
    for (unsigned p = 0; p < kNumPorts; ++p) row[ports[p]] = r.linkUtilisation[router][p];
    links.push_back(std::move(row));
  }
  j["link_utilisation"] = std::move(links);
  return j;
}

// --------------------------------------------------------------------------
TrafficEngine::TrafficEngine(const ChipDescriptor &chip, const TrafficConfig &cfg)
    : chip_(chip), cfg_(cfg) {
  if (auto e = validateTrafficConfig(chip, cfg)) throw std::invalid_argument(e->message);
  const uint32_t n = chip.numCores();
  if (cfg.multicastFraction > 0) {
    // One group per node (id = node id): distinct destinations drawn from a
    // generator of its own, so group shapes do not depend on traffic draws.
    TrafficRng rng(splitmix(cfg.seed ^ 0x6d756c7469636173ULL));
    std::vector<uint32_t> nodes(n);
    for (uint32_t s = 0; s < n; ++s) {
      for (uint32_t i = 0; i < n; ++i) nodes[i] = i;
      MulticastGroup g;
      g.id = s;
      g.source = s;
      for (uint32_t i = 0; i < cfg.multicastDestinations; ++i) {
        const uint32_t k = i + uint32_t(rng.below(n - i));
        std::swap(nodes[i], nodes[k]);
        g.destinations.push_back(nodes[i]);
      }
      std::sort(g.destinations.begin(), g.destinations.end());
      groups_.push_back(std::move(g));
    }
  }
  net_ = std::make_unique<Network>(chip, groups_);
  ejectCounts_ = net_->ejectOccupancies();

  packetProbability_ = std::min(1.0, cfg.injectionRate / meanPacketFlits(cfg));
  logNoPacket_ = packetProbability_ < 1.0 ? std::log1p(-packetProbability_) : 0.0;
  measureBegin_ = cfg.warmupCycles;
  measureEnd_ = cfg.warmupCycles + cfg.measureCycles;
  if (cfg.drainAll) generationEnd_ = measureEnd_;
  net_->setStatsWindow(measureBegin_, measureEnd_);

  xOf_.resize(n);
  yOf_.resize(n);
  consumedBySource_.assign(n, 0);
  drawNode_ = RangeDraw(n);
  drawVc_ = RangeDraw(chip.virtualChannels);
  drawHotspot_ = RangeDraw(std::max<size_t>(1, cfg.hotspotNodes.size()));
  drawLength_ = RangeDraw(cfg.packetFlitsMax > cfg.packetFlits
                              ? cfg.packetFlitsMax - cfg.packetFlits + 1
                              : 1);
  for (uint32_t i = 0; i < n; ++i) {
    xOf_[i] = uint16_t(chip.coreX(i));
    yOf_[i] = uint16_t(chip.coreY(i));
  }
  tiles_.reserve(n);
  for (uint32_t t = 0; t < n; ++t) {
    tiles_.emplace_back(splitmix(cfg.seed * 0x100000001b3ULL + t));
  }
  if (cfg.sources.empty())
    for (auto &t : tiles_) t.source = true;
  else
    for (uint32_t s : cfg.sources) tiles_[s].source = true;
  if (packetProbability_ > 0)
    for (auto &t : tiles_)
      if (t.source) {
        const uint64_t g = drawGap(t);
        t.nextGen = g < generationEnd_ ? g : kNever;
      }
}

uint64_t TrafficEngine::drawGap(Tile &tile) {
  // Bernoulli trials with probability p per cycle: the number of failures
  // before the next success is geometric. Drawing it directly lets an idle
  // tile sleep until its next packet instead of drawing every cycle.
  if (packetProbability_ >= 1.0) return 0;
  const double u = 1.0 - tile.rng.unit();  // (0, 1]
  const double g = std::floor(std::log(u) / logNoPacket_);
  return g >= 9.0e18 ? kNever / 2 : uint64_t(g);
}

uint32_t TrafficEngine::drawDestination(Tile &tile, uint32_t self) {
  const uint32_t n = chip_.numCores(), w = chip_.width, h = chip_.height;
  const uint32_t x = self % w, y = self / w;
  switch (cfg_.pattern) {
  case TrafficPattern::Uniform: return uint32_t(tile.rng.below(drawNode_));
  case TrafficPattern::Transpose: return chip_.coreId(y, x);
  case TrafficPattern::BitComplement: return n - 1 - self;
  case TrafficPattern::BitReverse: {
    uint32_t bits = 0;
    while ((1u << bits) < n) ++bits;
    uint32_t r = 0;
    for (uint32_t i = 0; i < bits; ++i)
      if (self & (1u << i)) r |= 1u << (bits - 1 - i);
    return r;
  }
  case TrafficPattern::Hotspot:
    if (tile.rng.unit() < cfg_.hotspotFraction)
      return cfg_.hotspotNodes[tile.rng.below(drawHotspot_)];
    return uint32_t(tile.rng.below(drawNode_));
  case TrafficPattern::Neighbor: return chip_.coreId((x + 1) % w, (y + 1) % h);
  }
  return self;
}

void TrafficEngine::generate(Tile &tile, uint32_t self, uint64_t now) {
  Pending p;
  p.id = uint64_t(self) << 40 | tile.packetCounter++;
  p.created = now;
  p.flits = uint16_t(cfg_.packetFlits);
  if (cfg_.packetFlitsMax > cfg_.packetFlits)
    p.flits = uint16_t(cfg_.packetFlits + tile.rng.below(drawLength_));
  p.vc = uint8_t(tile.rng.below(drawVc_));
  p.mcast = cfg_.multicastFraction > 0 && tile.rng.unit() < cfg_.multicastFraction;
  uint64_t copies = 1;
  if (p.mcast) {
    p.dest = self;  // group id
    p.flits = uint16_t(std::min<uint32_t>(p.flits, chip_.bufferDepth));
    copies = groups_[self].destinations.size();
  } else {
    p.dest = drawDestination(tile, self);
  }
  copiesExpected_ += copies;
  if (inWindow(now)) {
    measuredExpected_ += copies;
    tile.flitsCreatedInWindow += p.flits;
  }
  tile.queue.push_back(p);
  ++queued_;
}

void TrafficEngine::sink(Tile &tile, uint32_t self, uint64_t now) {
  // At most one flit per cycle, round-robin over VCs whose front arrived.
  if (ejectCounts_[self] == 0) return;  // the common case: nothing to take
  uint8_t vc = 0;
  const Flit *f = net_->ejectNext(self, tile.sinkRR, now, vc);
  {
    if (!f) return;
    if (f->head) {
      const PacketHeader h = unpackHeader(f->data[0]);
      const uint32_t sx = xOf_[h.source], sy = yOf_[h.source];
      const uint32_t dx = xOf_[self], dy = yOf_[self];
      tile.hopsInProgress[vc] = (sx > dx ? sx - dx : dx - sx) + (sy > dy ? sy - dy : dy - sy);
      tile.sourceInProgress[vc] = h.source;
    }
    if (inWindow(now)) {
      ++tile.flitsConsumedInWindow;
      ++consumedBySource_[tile.sourceInProgress[vc]];
    }
    if (f->tail) {
      ++copiesDone_;
      if (inWindow(f->createdCycle)) {
        ++measuredDone_;
        const uint64_t lat = now - f->createdCycle;
        if (lat >= tile.latencyCounts.size()) tile.latencyCounts.resize(lat + 1, 0);
        ++tile.latencyCounts[lat];
        tile.hopSum += tile.hopsInProgress[vc];
      }
    }
    net_->ejectPop(self, vc, now);
    tile.sinkRR = vc;
  }
}

void TrafficEngine::inject(Tile &tile, uint32_t self, uint64_t now) {
  if (tile.queue.empty()) return;
  const Pending &p = tile.queue.front();
  if (net_->injectCredits(self, p.vc, now) == 0) return;
  Flit f;
  f.vc = p.vc;
  f.packetId = p.id;
  f.seq = tile.sentFlits;
  f.createdCycle = p.created;
  f.head = tile.sentFlits == 0;
  f.tail = tile.sentFlits + 1 == p.flits;
  if (f.head) {
    PacketHeader h;
    h.dest = uint16_t(p.dest);
    h.source = uint16_t(self);
    h.mailbox = p.vc;
    h.length = uint16_t((p.flits - 1) * chip_.flitBytes);
    h.mcast = p.mcast;
    f.data[0] = packHeader(h);
  }
  net_->inject(self, f, now);
  if (f.tail) {
    tile.queue.pop_front();
    tile.sentFlits = 0;
    --queued_;
  } else {
    ++tile.sentFlits;
  }
}

void TrafficEngine::tickTile(uint32_t t, uint64_t now) {
  Tile &tile = tiles_[t];
  sink(tile, t, now);
  if (tile.nextGen <= now) {
    generate(tile, t, now);
    const uint64_t next = now + 1 + drawGap(tile);
    tile.nextGen = next < generationEnd_ ? next : kNever;
  }
  inject(tile, t, now);
  net_->tickRouter(t, now);
}

void TrafficEngine::tickTiles(TileBlock &b, uint64_t now) {
  // Which tiles have which work, as masks, then one loop per kind: a loop
  // exit per kind and block instead of a random branch per tile and kind
  // (mispredicted, they cost more than these loops). Each tile still does
  // sink, generation, injection, router in that order; across tiles the
  // order does not matter (docs/noc.md 1.2).
  const uint32_t base = b.base, count = std::min<uint32_t>(64, numTiles() - base);
  Tile *tile = &tiles_[base];
  const uint32_t *ejected = ejectCounts_ + base;
  uint64_t due = 0, earliest = kNever;
  if (now >= b.nextGen) {
    for (uint32_t i = 0; i < count; ++i) {
      const uint64_t g = tile[i].nextGen;
      due |= uint64_t(g <= now) << i;
      earliest = g <= now ? earliest : std::min(earliest, g);
    }
    if (!due) b.nextGen = earliest;  // else once the due tiles have drawn theirs
  }
  uint64_t &tiles = b.awake;
  tiles |= due;
  if (!tiles) return;  // the whole block sleeps
  uint64_t sinks = 0;
  for (uint32_t i = 0; i < count; ++i) sinks |= uint64_t(ejected[i] != 0) << i;
  for (sinks &= tiles; sinks; sinks &= sinks - 1) {
    const uint32_t i = lowestBit(sinks);
    sink(tile[i], base + i, now);
  }
  if (due) {
    for (; due; due &= due - 1) {
      const uint32_t i = lowestBit(due);
      generate(tile[i], base + i, now);
      const uint64_t next = now + 1 + drawGap(tile[i]);
      tile[i].nextGen = next < generationEnd_ ? next : kNever;
      earliest = std::min(earliest, tile[i].nextGen);
    }
    b.nextGen = earliest;
  }
  uint64_t sources = 0;
  for (uint32_t i = 0; i < count; ++i) sources |= uint64_t(!tile[i].queue.empty()) << i;
  for (sources &= tiles; sources; sources &= sources - 1) {
    const uint32_t i = lowestBit(sources);
    inject(tile[i], base + i, now);
  }
  net_->tickRouters(base, tiles, now);
  // Still busy (tileBusy): a source queue or ejection buffer holding
  // something, or else a router holding flits.
  uint64_t busy = 0;
  for (uint32_t i = 0; i < count; ++i)
    busy |= uint64_t(!tile[i].queue.empty() | (ejected[i] != 0)) << i;
  for (uint64_t m = tiles & ~busy; m; m &= m - 1) {
    const uint32_t i = lowestBit(m);
    if (net_->routerIdle(base + i)) tiles &= ~(uint64_t(1) << i);
  }
}

bool TrafficEngine::tileBusy(uint32_t t) const {
  return !tiles_[t].queue.empty() || !net_->tileIdle(t);
}

bool TrafficEngine::endOfCycle(uint64_t now) {
  cycles_ = now + 1;
  if (cycles_ < measureEnd_) return false;
  if (!cfg_.drainAll) {
    if (measuredDone_ == measuredExpected_) return true;
  } else if (copiesDone_ == copiesExpected_ && queued_ == 0 && net_->quiescent()) {
    net_->checkAllDelivered();
    drained_ = true;
    return true;
  }
  if (cycles_ >= measureEnd_ + cfg_.drainLimit) {
    saturated_ = true;
    return true;
  }
  return false;
}

TrafficResult TrafficEngine::result() const {
  TrafficResult r;
  const uint32_t n = chip_.numCores();
  r.pattern = patternName(cfg_.pattern);
  r.width = chip_.width;
  r.height = chip_.height;
  r.virtualChannels = chip_.virtualChannels;
  const double nodeCycles = double(n) * double(cfg_.measureCycles);
  uint64_t created = 0, consumed = 0, hops = 0, latSum = 0, count = 0;
  // Latencies are kept as histograms (counts per latency value): the same
  // mean and nearest-rank percentiles as sorting every sample.
  std::vector<uint64_t> hist;
  for (const auto &t : tiles_) {
    created += t.flitsCreatedInWindow;
    consumed += t.flitsConsumedInWindow;
    hops += t.hopSum;
    if (t.latencyCounts.size() > hist.size()) hist.resize(t.latencyCounts.size(), 0);
    for (size_t l = 0; l < t.latencyCounts.size(); ++l) hist[l] += t.latencyCounts[l];
  }
  for (size_t l = 0; l < hist.size(); ++l) {
    count += hist[l];
    latSum += hist[l] * l;
  }
  r.offeredRate = double(created) / nodeCycles;
  r.acceptedRate = double(consumed) / nodeCycles;
  r.acceptedBySource.resize(n);
  r.offeredBySource.resize(n);
  bool first = true;
  for (uint32_t i = 0; i < n; ++i) {
    r.offeredBySource[i] = double(tiles_[i].flitsCreatedInWindow) / double(cfg_.measureCycles);
    r.acceptedBySource[i] = double(consumedBySource_[i]) / double(cfg_.measureCycles);
    if (tiles_[i].source && (first || r.acceptedBySource[i] < r.minAcceptedBySource)) {
      r.minAcceptedBySource = r.acceptedBySource[i];
      first = false;
    }
  }
  r.packetsMeasured = count;
  if (count) {
    r.avgLatency = double(latSum) / double(count);
    // Nearest rank: the k-th smallest sample, k = ceil(q * count) >= 1.
    auto rank = [&](double q) {
      const uint64_t k = std::min<uint64_t>(
          count, std::max<uint64_t>(uint64_t(std::ceil(q * double(count))), 1));
      uint64_t seen = 0;
      for (size_t l = 0; l < hist.size(); ++l) {
        seen += hist[l];
        if (seen >= k) return uint64_t(l);
      }
      return uint64_t(hist.size() - 1);
    };
    r.p50Latency = rank(0.50);
    r.p99Latency = rank(0.99);
    r.maxLatency = rank(1.0);
    r.avgHops = double(hops) / double(count);
  }
  r.saturated = saturated_;
  r.drained = drained_;
  r.cycles = cycles_;
  const NetworkStats &s = net_->stats();
  r.flitsInjected = s.flitsInjected;
  r.flitsEjected = s.flitsEjected;
  r.flitHops = s.flitHops;
  r.linkUtilisation.resize(n);
  for (uint32_t i = 0; i < n; ++i)
    for (unsigned p = 0; p < kNumPorts; ++p) {
      const double u = double(s.windowLinkFlits[i][p]) / double(cfg_.measureCycles);
      r.linkUtilisation[i][p] = u;
      r.maxLinkUtilisation = std::max(r.maxLinkUtilisation, u);
    }
  return r;
}

// --------------------------------------------------------------------------
TrafficResult runTraffic(const ChipDescriptor &chip, const TrafficConfig &cfg) {
  TrafficEngine eng(chip, cfg);
  const uint32_t n = eng.numTiles();
  std::vector<TrafficEngine::TileBlock> blocks((n + 63) / 64);
  for (uint32_t w = 0; w < blocks.size(); ++w) blocks[w].base = w * 64;
  eng.network().setWakeCallback(
      [&blocks](uint32_t r, uint64_t) { blocks[r / 64].awake |= uint64_t(1) << (r % 64); });
  for (uint64_t now = 0;; ++now) {
    for (auto &b : blocks) eng.tickTiles(b, now);
    if (eng.endOfCycle(now)) break;
  }
  return eng.result();
}

} // namespace xpu::emu
