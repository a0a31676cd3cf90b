// Placement (Mapping.h): greedy, simulated annealing, the cost, its lower
// bound and the link loads. docs/mapping.md explains the algorithms.
#include "xpu/compiler/Mapping.h"
#include "xpu/compiler/Pool.h"
#include "xpu/compiler/Xorshift.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace xpu::graph {
namespace {

/// The shared xorshift with this file's own stream of annealing moves.
struct Rng : Xorshift {
  explicit Rng(uint64_t seed) : Xorshift(seed, 0x2545F4914F6CDD1Dull, 4) {}
};

/// Every partition pair that communicates: directed edges (bytes per step
/// from `src` to `dst`) and, per partition, its undirected neighbours with
/// the traffic both ways. Built in O(pairs log pairs), not O(parts^2 x channels).
struct TrafficGraph {
  struct Edge {
    uint32_t src, dst;
    uint64_t bytes;
  };
  std::vector<Edge> edges;                 // sorted by (src, dst), no self edges
  std::vector<uint32_t> incidentBegin;     // CSR: edges touching partition p
  std::vector<uint32_t> incident;
  struct Neighbour {
    uint32_t part;
    uint64_t bytes;                        // both directions
  };
  std::vector<uint32_t> nbrBegin;          // CSR: undirected neighbours of p
  std::vector<Neighbour> nbrs;
  uint64_t maxPairBytes = 0;               // heaviest directed edge

  uint32_t numParts() const { return uint32_t(nbrBegin.size() - 1); }
};

TrafficGraph buildTraffic(const ActorGraph &g, const std::vector<Partition> &parts) {
  TrafficGraph t;
  const uint32_t n = uint32_t(parts.size());
  // Partitions on the graph's channels (moe experts talk only to their router).
  std::vector<std::vector<uint32_t>> partsOf(g.actors.size());
  std::vector<TrafficGraph::Edge> raw;
  std::vector<uint32_t> moeRouter(g.actors.size(), ~0u);
  for (uint32_t i = 0; i < n; ++i)
    if (onChannels(g, parts[i])) {
      partsOf[parts[i].actor].push_back(i);
      if (g.actors[parts[i].actor].kind == ActorKind::Moe) moeRouter[parts[i].actor] = i;
    }
  for (uint32_t i = 0; i < n; ++i)
    if (!onChannels(g, parts[i]) && moeRouter[parts[i].actor] != ~0u) {
      const MoeParams &m = g.actors[parts[i].actor].moe;
      raw.push_back({moeRouter[parts[i].actor], i, moeDispatchBytes(m)});
      raw.push_back({i, moeRouter[parts[i].actor], moeReplyBytes(m)});
    }
  for (auto &list : partsOf)
    std::sort(list.begin(), list.end(), [&](uint32_t a, uint32_t b) { return parts[a].begin < parts[b].begin; });
  for (const Channel &c : g.channels) {
    const uint32_t eb = elemBytes(g.actors[c.from].outType);
    const auto &from = partsOf[c.from], &to = partsOf[c.to];
    if (consumesWholeInput(g.actors[c.to].kind)) {
      for (uint32_t sp : from)
        for (uint32_t dp : to) raw.push_back({sp, dp, uint64_t(parts[sp].size()) * eb});
      continue;
    }
    // Neuron consumers take the overlap of ranges: a merge of two sorted lists.
    size_t i = 0, j = 0;
    while (i < from.size() && j < to.size()) {
      const Partition &P = parts[from[i]], &Q = parts[to[j]];
      const uint32_t b = std::max(P.begin, Q.begin), e = std::min(P.end, Q.end);
      if (b < e) raw.push_back({from[i], to[j], uint64_t(e - b) * eb});
      if (P.end < Q.end) ++i;
      else if (Q.end < P.end) ++j;
      else ++i, ++j;
    }
  }
  std::vector<bool> isOutput(g.actors.size(), false);
  for (const GraphOutput &o : g.outputs) isOutput[o.actor] = true;
  for (uint32_t a = 0; a < g.actors.size(); ++a) {
    if (!isOutput[a]) continue;
    const uint32_t eb = elemBytes(g.actors[a].outType);
    uint32_t first = ~0u;
    for (uint32_t p : partsOf[a])
      if (parts[p].index == 0) first = p;
    if (first == ~0u) continue;
    for (uint32_t p : partsOf[a])
      if (parts[p].index != 0) raw.push_back({p, first, uint64_t(parts[p].size()) * eb});
  }
  std::sort(raw.begin(), raw.end(),
            [](const auto &a, const auto &b) { return a.src != b.src ? a.src < b.src : a.dst < b.dst; });
  for (const auto &e : raw) {
    if (e.src == e.dst || e.bytes == 0) continue;
    if (!t.edges.empty() && t.edges.back().src == e.src && t.edges.back().dst == e.dst) t.edges.back().bytes += e.bytes;
    else t.edges.push_back(e);
  }
  // Incident directed edges.
  t.incidentBegin.assign(n + 1, 0);
  for (const auto &e : t.edges) ++t.incidentBegin[e.src + 1], ++t.incidentBegin[e.dst + 1];
  for (uint32_t i = 0; i < n; ++i) t.incidentBegin[i + 1] += t.incidentBegin[i];
  t.incident.resize(t.incidentBegin[n]);
  {
    std::vector<uint32_t> at(t.incidentBegin.begin(), t.incidentBegin.end() - 1);
    for (uint32_t k = 0; k < t.edges.size(); ++k) {
      t.incident[at[t.edges[k].src]++] = k;
      t.incident[at[t.edges[k].dst]++] = k;
      t.maxPairBytes = std::max(t.maxPairBytes, t.edges[k].bytes);
    }
  }
  // Undirected neighbours, both directions summed, sorted by partition.
  std::vector<std::pair<uint32_t, TrafficGraph::Neighbour>> und;
  und.reserve(2 * t.edges.size());
  for (const auto &e : t.edges) {
    und.push_back({e.src, {e.dst, e.bytes}});
    und.push_back({e.dst, {e.src, e.bytes}});
  }
  std::sort(und.begin(), und.end(), [](const auto &a, const auto &b) {
    return a.first != b.first ? a.first < b.first : a.second.part < b.second.part;
  });
  t.nbrBegin.assign(n + 1, 0);
  for (const auto &[p, nb] : und) {
    if (!t.nbrs.empty() && t.nbrBegin[p + 1] > 0 && t.nbrs.back().part == nb.part) {
      t.nbrs.back().bytes += nb.bytes;
      continue;
    }
    t.nbrs.push_back(nb);
    ++t.nbrBegin[p + 1];
  }
  for (uint32_t i = 0; i < n; ++i) t.nbrBegin[i + 1] += t.nbrBegin[i];
  return t;
}

uint32_t hops(const ChipDescriptor &chip, uint32_t a, uint32_t b) {
  return uint32_t(std::abs(int(chip.coreX(a)) - int(chip.coreX(b))) +
                  std::abs(int(chip.coreY(a)) - int(chip.coreY(b))));
}

uint64_t hopCost(const TrafficGraph &t, const ChipDescriptor &chip, const std::vector<uint32_t> &coreOf) {
  uint64_t cost = 0;
  for (const auto &e : t.edges) cost += e.bytes * hops(chip, coreOf[e.src], coreOf[e.dst]);
  return cost;
}

/// Calls f(link index) for every directed link of the XY path a -> b.
template <typename F> void forEachLink(const ChipDescriptor &chip, uint32_t a, uint32_t b, F &&f) {
  uint32_t x = chip.coreX(a), y = chip.coreY(a);
  const uint32_t bx = chip.coreX(b), by = chip.coreY(b);
  while (x < bx) f(chip.coreId(x++, y) * 4 + 0);
  while (x > bx) f(chip.coreId(x--, y) * 4 + 1);
  while (y < by) f(chip.coreId(x, y++) * 4 + 2);
  while (y > by) f(chip.coreId(x, y--) * 4 + 3);
}

std::vector<uint64_t> loadsOf(const TrafficGraph &t, const ChipDescriptor &chip, const std::vector<uint32_t> &coreOf) {
  std::vector<uint64_t> load(size_t(chip.numCores()) * 4, 0);
  for (const auto &e : t.edges) forEachLink(chip, coreOf[e.src], coreOf[e.dst], [&](uint32_t l) { load[l] += e.bytes; });
  return load;
}

double objectiveOf(uint64_t hopCost, __int128 sumSquares, double balanceWeight, uint64_t maxPairBytes) {
  if (balanceWeight == 0 || maxPairBytes == 0) return double(hopCost);
  return double(hopCost) + balanceWeight * double(sumSquares) / double(maxPairBytes);
}

__int128 sumSquares(const std::vector<uint64_t> &load) {
  __int128 s = 0;
  for (uint64_t l : load) s += __int128(l) * l;
  return s;
}

std::vector<uint32_t> coresOf(const std::vector<Partition> &parts) {
  std::vector<uint32_t> c(parts.size());
  for (size_t i = 0; i < parts.size(); ++i) c[i] = parts[i].core;
  return c;
}

std::optional<Error> tooSmall(const ChipDescriptor &chip, size_t parts, uint32_t spare) {
  if (parts + spare <= chip.numCores()) return std::nullopt;
  return Error{"the graph needs " + std::to_string(parts) + " cores (one per partition) but the " +
               std::to_string(chip.width) + "x" + std::to_string(chip.height) + " chip has " +
               std::to_string(chip.numCores()) +
               (spare ? " (" + std::to_string(spare) + " kept free for spawn)" : std::string())};
}

/// The greedy placement. Equivalent to trying every free core for every
/// partition (the cost is sum_q w_q (|x - x_q| + |y - y_q|) = fx(x) + fy(y),
/// convex in x), but it only looks, per row, at the free cores on either
/// side of the minimum of fx: O(parts x (W + H) x neighbours).
void placeGreedy(const ActorGraph &g, const ChipDescriptor &chip, const TrafficGraph &t,
                 std::vector<Partition> &parts, uint32_t spare) {
  const uint32_t W = chip.width, H = chip.height, usable = chip.numCores() - spare;
  std::vector<uint32_t> rank(g.actors.size());
  std::vector<uint32_t> order = g.topologicalOrder();
  for (uint32_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
  std::vector<uint32_t> seq(parts.size());
  for (uint32_t i = 0; i < seq.size(); ++i) seq[i] = i;
  std::stable_sort(seq.begin(), seq.end(),
                   [&](uint32_t a, uint32_t b) { return rank[parts[a].actor] < rank[parts[b].actor]; });
  for (Partition &p : parts) p.core = ~0u;

  // Free cores: one bit per core, rows of ceil(W / 64) words.
  const uint32_t words = (W + 63) / 64;
  std::vector<uint64_t> freeBits(size_t(words) * H, 0);
  std::vector<uint32_t> freeInRow(H, 0);
  for (uint32_t c = 0; c < usable; ++c) {
    freeBits[size_t(chip.coreY(c)) * words + chip.coreX(c) / 64] |= 1ull << (chip.coreX(c) % 64);
    ++freeInRow[chip.coreY(c)];
  }
  auto isFree = [&](uint32_t x, uint32_t y) { return (freeBits[size_t(y) * words + x / 64] >> (x % 64)) & 1; };
  // Lowest free x >= from in row y, or W.
  auto nextFree = [&](uint32_t y, uint32_t from) -> uint32_t {
    for (uint32_t w = from / 64; w < words; ++w) {
      uint64_t bits = freeBits[size_t(y) * words + w];
      if (w == from / 64) bits &= ~0ull << (from % 64);
      if (bits) return std::min(W, w * 64 + uint32_t(__builtin_ctzll(bits)));
    }
    return W;
  };
  // Highest free x < before in row y, or W.
  auto prevFree = [&](uint32_t y, uint32_t before) -> uint32_t {
    if (before == 0) return W;
    for (int w = int((before - 1) / 64); w >= 0; --w) {
      uint64_t bits = freeBits[size_t(y) * words + w];
      if (uint32_t(w) == (before - 1) / 64 && (before % 64)) bits &= (1ull << (before % 64)) - 1;
      if (bits) return uint32_t(w) * 64 + 63 - uint32_t(__builtin_clzll(bits));
    }
    return W;
  };

  std::vector<uint64_t> fx(W), fy(H);
  for (uint32_t p : seq) {
    std::fill(fx.begin(), fx.end(), 0);
    std::fill(fy.begin(), fy.end(), 0);
    for (uint32_t k = t.nbrBegin[p]; k < t.nbrBegin[p + 1]; ++k) {
      const uint32_t c = parts[t.nbrs[k].part].core;
      if (c == ~0u) continue;
      const uint64_t w = t.nbrs[k].bytes;
      const uint32_t qx = chip.coreX(c), qy = chip.coreY(c);
      for (uint32_t x = 0; x < W; ++x) fx[x] += w * uint64_t(x > qx ? x - qx : qx - x);
      for (uint32_t y = 0; y < H; ++y) fy[y] += w * uint64_t(y > qy ? y - qy : qy - y);
    }
    // The minimum plateau [lo, hi] of fx.
    const uint64_t fmin = *std::min_element(fx.begin(), fx.end());
    uint32_t lo = 0, hi = W - 1;
    while (fx[lo] != fmin) ++lo;
    while (fx[hi] != fmin) --hi;
    uint64_t best = UINT64_MAX;
    uint32_t bestCore = ~0u;
    for (uint32_t y = 0; y < H; ++y) {
      if (!freeInRow[y] || fy[y] >= best) continue; // fx >= 0: cannot beat best
      uint32_t x = nextFree(y, lo);
      if (x > hi) {
        const uint32_t left = prevFree(y, lo), right = x;
        if (left != W && (right == W || fx[left] <= fx[right])) x = left;
        else x = right;
      }
      if (x == W) continue;
      const uint64_t cost = fx[x] + fy[y];
      if (cost < best) best = cost, bestCore = chip.coreId(x, y);
    }
    parts[p].core = bestCore;
    const uint32_t bx = chip.coreX(bestCore), by = chip.coreY(bestCore);
    freeBits[size_t(by) * words + bx / 64] &= ~(1ull << (bx % 64));
    --freeInRow[by];
    (void)isFree;
  }
}


/// Simulated annealing over one-partition-per-core placements. A move picks
/// a partition and a core in a window around it (the window shrinks as the
/// acceptance rate falls, as in VPR); an occupied core means a swap. The
/// objective changes only on the edges of the one or two partitions moved,
/// so a move costs O(their edges x path length).
class Annealer {
public:
  Annealer(const ChipDescriptor &chip, const TrafficGraph &t, std::vector<uint32_t> coreOf, const PlaceOptions &o)
      : chip_(chip), t_(t), o_(o), coreOf_(std::move(coreOf)), rng_(o.seed) {
    occupant_.assign(chip.numCores(), ~0u);
    for (uint32_t p = 0; p < coreOf_.size(); ++p) occupant_[coreOf_[p]] = p;
    load_ = loadsOf(t, chip, coreOf_);
    hop_ = hopCost(t, chip, coreOf_);
    squares_ = sumSquares(load_);
    stamp_.assign(t.edges.size(), 0);
    scale_ = (o.balanceWeight == 0 || t.maxPairBytes == 0) ? 0 : o.balanceWeight / double(t.maxPairBytes);
  }

  double objective() const { return double(hop_) + scale_ * double(squares_); }
  const std::vector<uint32_t> &cores() const { return coreOf_; }
  uint64_t moves = 0, accepted = 0;

  /// tempScale: the start temperature relative to the mean uphill delta;
  /// window0: the initial move window (cores).
  void run(uint64_t iterations, double tempScale, double window0) {
    const uint32_t n = uint32_t(coreOf_.size());
    const uint32_t usable = chip_.numCores() - o_.spareCores;
    if (n == 0 || t_.edges.empty() || usable < 2) return;
    std::vector<uint32_t> best = coreOf_;
    double bestObj = objective();
    // Initial temperature: tempScale x the mean uphill delta of a sample of
    // moves, cooled geometrically to 1e-4 of that mean. At tempScale 1 a
    // large graph melts and ~200 moves per partition cannot freeze it back
    // (longer runs ended worse), so callers pass 0.2 or less (PlaceOptions).
    // From a greedy start, local moves are the useful ones: the window
    // starts small and then follows the acceptance rate.
    const double maxWindow = std::max(chip_.width, chip_.height);
    double window = std::min(maxWindow, window0);
    double uphill = 0;
    uint32_t ups = 0;
    for (uint32_t i = 0; i < 200; ++i) {
      double d;
      if (!propose(window, usable, d)) continue;
      undo();
      if (d > 0) uphill += d, ++ups;
    }
    if (ups == 0) return;
    double temp = tempScale * uphill / ups;
    const double tEnd = uphill / ups * 1e-4;
    const uint64_t perStep = std::max<uint64_t>(n, 256);
    const uint64_t steps = std::max<uint64_t>(1, iterations / perStep);
    const double cool = std::pow(tEnd / temp, 1.0 / double(steps));
    for (uint64_t s = 0; s < steps; ++s) {
      uint64_t acc = 0, tried = 0;
      for (uint64_t i = 0; i < perStep; ++i) {
        double d;
        if (!propose(window, usable, d)) continue;
        ++tried;
        if (d <= 0 || rng_.unit() < std::exp(-d / temp)) {
          ++acc;
          commit();
        } else {
          undo();
        }
      }
      moves += tried;
      accepted += acc;
      const double rate = tried ? double(acc) / double(tried) : 0;
      window = std::clamp(window * (1.0 - 0.44 + rate), 1.0, maxWindow);
      temp *= cool;
      if (objective() < bestObj) bestObj = objective(), best = coreOf_;
    }
    // The best placement seen at the end of a temperature step; the greedy
    // start unless annealing found a strictly better one.
    coreOf_ = best;
    resync();
  }

private:
  struct Change {
    uint32_t part, from, to;
  };

  /// Recomputes occupants, loads and costs from coreOf_.
  void resync() {
    std::fill(occupant_.begin(), occupant_.end(), ~0u);
    for (uint32_t p = 0; p < coreOf_.size(); ++p) occupant_[coreOf_[p]] = p;
    load_ = loadsOf(t_, chip_, coreOf_);
    hop_ = hopCost(t_, chip_, coreOf_);
    squares_ = sumSquares(load_);
  }

  /// Applies a random move, sets its objective delta; undo() or commit() next.
  bool propose(double window, uint32_t usable, double &delta) {
    const uint32_t p = rng_.below(uint32_t(coreOf_.size()));
    const uint32_t c = coreOf_[p];
    const int r = std::max(1, int(window));
    const int cx = int(chip_.coreX(c)), cy = int(chip_.coreY(c));
    const int x0 = std::max(0, cx - r), x1 = std::min(int(chip_.width) - 1, cx + r);
    const int y0 = std::max(0, cy - r), y1 = std::min(int(chip_.height) - 1, cy + r);
    const uint32_t x = uint32_t(x0) + rng_.below(uint32_t(x1 - x0 + 1));
    const uint32_t y = uint32_t(y0) + rng_.below(uint32_t(y1 - y0 + 1));
    const uint32_t target = chip_.coreId(x, y);
    if (target == c || target >= usable) return false;
    const uint32_t q = occupant_[target];
    changes_.clear();
    changes_.push_back({p, c, target});
    if (q != ~0u) changes_.push_back({q, target, c});
    // Edges touching the moved partitions, each once.
    ++epoch_;
    touched_.clear();
    for (const Change &ch : changes_)
      for (uint32_t k = t_.incidentBegin[ch.part]; k < t_.incidentBegin[ch.part + 1]; ++k) {
        const uint32_t e = t_.incident[k];
        if (stamp_[e] != epoch_) stamp_[e] = epoch_, touched_.push_back(e);
      }
    const uint64_t hop0 = hop_;
    const __int128 sq0 = squares_;
    apply(-1);
    for (const Change &ch : changes_) coreOf_[ch.part] = ch.to;
    apply(+1);
    delta = double(int64_t(hop_ - hop0)) + scale_ * double(squares_ - sq0);
    return true;
  }
  void undo() {
    apply(-1);
    for (const Change &ch : changes_) coreOf_[ch.part] = ch.from;
    apply(+1);
  }
  void commit() {
    for (const Change &ch : changes_) occupant_[ch.from] = ~0u;
    for (const Change &ch : changes_) occupant_[ch.to] = ch.part;
  }
  /// Adds (+1) or removes (-1) the touched edges' traffic at the current cores.
  void apply(int sign) {
    for (uint32_t e : touched_) {
      const auto &E = t_.edges[e];
      const uint32_t a = coreOf_[E.src], b = coreOf_[E.dst];
      const uint64_t h = hops(chip_, a, b) * E.bytes;
      hop_ = sign > 0 ? hop_ + h : hop_ - h;
      if (scale_ == 0) continue;
      const __int128 x = E.bytes;
      forEachLink(chip_, a, b, [&](uint32_t l) {
        const __int128 L = load_[l];
        if (sign > 0) {
          squares_ += 2 * L * x + x * x;
          load_[l] += E.bytes;
        } else {
          squares_ -= 2 * L * x - x * x;
          load_[l] -= E.bytes;
        }
      });
    }
  }

  const ChipDescriptor &chip_;
  const TrafficGraph &t_;
  const PlaceOptions &o_;
  std::vector<uint32_t> coreOf_, occupant_;
  std::vector<uint64_t> load_;
  uint64_t hop_ = 0;
  __int128 squares_ = 0;
  double scale_ = 0;
  Rng rng_;
  std::vector<Change> changes_;
  std::vector<uint32_t> stamp_, touched_;
  uint32_t epoch_ = 0;
};

/// Multilevel placement (docs/mapping.md): coarsen the traffic graph by
/// heavy-edge matching, one level per matching pass, while the chip is
/// coarsened alongside into blocks of 2^level cores (2x1, 2x2, 4x2, ...);
/// level l's clusters (at most 2^l partitions) are annealed over level l's
/// blocks (several clusters may share a block up to its core count), then
/// each block's clusters are split into their children and packed into the
/// block's two halves, and so on down to one partition per core.
class Multilevel {
public:
  Multilevel(const ChipDescriptor &chip, const TrafficGraph &t, const PlaceOptions &o, uint64_t run = 0)
      : chip_(chip), o_(o), rng_(o.seed ^ (0x6A09E667F3BCC909ull + run * 0x9E3779B97F4A7C15ull)) {
    Level l;
    const uint32_t n = t.numParts();
    l.begin.assign(t.nbrBegin.begin(), t.nbrBegin.end());
    l.adj.reserve(t.nbrs.size());
    for (const auto &nb : t.nbrs) l.adj.push_back({nb.part, nb.bytes});
    l.size.assign(n, 1);
    levels_.push_back(std::move(l));
  }

  /// Core of every partition; empty if the graph is too small to coarsen.
  std::vector<uint32_t> run() {
    // Coarsen while the matching still shrinks the graph by 10% and the
    // next level's blocks are at least 16.
    while (true) {
      const uint32_t next = uint32_t(levels_.size());
      const Grid g = grid(next);
      if (g.w * g.h < 16 || levels_.back().size.size() < 32) break;
      Level c;
      std::vector<uint32_t> parent;
      coarsen(levels_.back(), 1u << next, c, parent);
      if (c.size.size() * 10 > levels_.back().size.size() * 9) break;
      levels_.back().parent = std::move(parent);
      levels_.push_back(std::move(c));
    }
    if (levels_.size() < 2) return {};
    {
      const Grid g = grid(uint32_t(levels_.size() - 1));
      if (double(levels_.back().size.size()) * g.w * g.h > 5e7) return {}; // initial() would be too slow
    }
    // Coarsest level: every cluster on the free block nearest its placed
    // neighbours (BFS order), then annealing from hot.
    const uint32_t top = uint32_t(levels_.size() - 1);
    // A level whose clusters do not fit its blocks (fragmentation at the
    // chip edge or next to spare cores) gives up: greedy start instead.
    std::vector<uint32_t> cell = initial(top);
    if (cell.empty()) return {};
    anneal(top, cell, 1.0, 1e9);
    for (uint32_t l = top; l-- > 1;) {
      cell = refine(l + 1, cell);
      if (cell.empty()) return {};
      // Warm enough to reshape the coarse levels, cold at level 1.
      anneal(l, cell, l >= 2 ? 0.12 : 0.05, 3);
    }
    return refine(1, cell); // level 0 blocks are cores
  }

private:
  struct Level {
    std::vector<uint32_t> begin;                       // CSR
    std::vector<std::pair<uint32_t, uint64_t>> adj;    // (cluster, bytes both ways)
    std::vector<uint32_t> size;                        // partitions per cluster
    std::vector<uint32_t> parent;                      // cluster at the next level
  };
  struct Grid {
    uint32_t bw, bh, w, h;
  };
  Grid grid(uint32_t l) const {
    const uint32_t bw = 1u << ((l + 1) / 2), bh = 1u << (l / 2);
    return {bw, bh, (chip_.width + bw - 1) / bw, (chip_.height + bh - 1) / bh};
  }
  std::vector<uint32_t> capacities(uint32_t l) const {
    const Grid g = grid(l);
    const uint32_t usable = chip_.numCores() - o_.spareCores;
    std::vector<uint32_t> cap(size_t(g.w) * g.h, 0);
    for (uint32_t c = 0; c < usable; ++c) ++cap[(chip_.coreY(c) / g.bh) * g.w + chip_.coreX(c) / g.bw];
    return cap;
  }
  /// Twice the block centre, in cores.
  int64_t cx2(const Grid &g, uint32_t cell) const {
    const uint32_t x = cell % g.w;
    return int64_t(2 * x * g.bw) + std::min(g.bw, chip_.width - x * g.bw) - 1;
  }
  int64_t cy2(const Grid &g, uint32_t cell) const {
    const uint32_t y = cell / g.w;
    return int64_t(2 * y * g.bh) + std::min(g.bh, chip_.height - y * g.bh) - 1;
  }

  void coarsen(const Level &f, uint32_t cap, Level &c, std::vector<uint32_t> &parent) {
    const uint32_t n = uint32_t(f.size.size());
    std::vector<uint32_t> order(n);
    for (uint32_t i = 0; i < n; ++i) order[i] = i;
    for (uint32_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng_.below(i + 1)]);
    std::vector<uint32_t> mate(n, ~0u);
    for (uint32_t v : order) {
      if (mate[v] != ~0u) continue;
      // Rating w / (size_u x size_v) ("first choice"): heavy edges first,
      // small clusters preferred, so the clusters stay balanced and compact.
      uint32_t best = ~0u;
      double bestR = 0;
      for (uint32_t k = f.begin[v]; k < f.begin[v + 1]; ++k) {
        const auto [u, w] = f.adj[k];
        if (u == v || mate[u] != ~0u || f.size[u] + f.size[v] > cap) continue;
        const double r = double(w) / double(f.size[u]); // size_v is the same for every u
        if (r > bestR) best = u, bestR = r;
      }
      mate[v] = best == ~0u ? v : best;
      if (best != ~0u) mate[best] = v;
    }
    parent.assign(n, ~0u);
    uint32_t m = 0;
    for (uint32_t v = 0; v < n; ++v)
      if (parent[v] == ~0u) parent[v] = parent[mate[v]] = m++;
    c.size.assign(m, 0);
    for (uint32_t v = 0; v < n; ++v) c.size[parent[v]] += f.size[v];
    std::vector<std::pair<uint32_t, std::pair<uint32_t, uint64_t>>> e;
    for (uint32_t v = 0; v < n; ++v)
      for (uint32_t k = f.begin[v]; k < f.begin[v + 1]; ++k)
        if (parent[f.adj[k].first] != parent[v]) e.push_back({parent[v], {parent[f.adj[k].first], f.adj[k].second}});
    std::sort(e.begin(), e.end(), [](const auto &a, const auto &b) {
      return a.first != b.first ? a.first < b.first : a.second.first < b.second.first;
    });
    c.begin.assign(m + 1, 0);
    for (const auto &[p, q] : e) {
      if (c.begin[p + 1] > 0 && c.adj.back().first == q.first) {
        c.adj.back().second += q.second;
        continue;
      }
      c.adj.push_back(q);
      ++c.begin[p + 1];
    }
    for (uint32_t i = 0; i < m; ++i) c.begin[i + 1] += c.begin[i];
  }

  /// Nearest block (grid distance, then index) to (x2, y2) with room for s.
  uint32_t nearestWithRoom(const Grid &g, const std::vector<uint32_t> &room, uint32_t s, int64_t x2, int64_t y2) const {
    uint32_t best = ~0u;
    int64_t bestD = INT64_MAX;
    for (uint32_t c = 0; c < room.size(); ++c) {
      if (room[c] < s) continue;
      const int64_t d = std::abs(cx2(g, c) - x2) + std::abs(cy2(g, c) - y2);
      if (d < bestD) bestD = d, best = c;
    }
    return best;
  }

  std::vector<uint32_t> initial(uint32_t l) {
    const Level &L = levels_[l];
    const Grid g = grid(l);
    std::vector<uint32_t> room = capacities(l);
    const uint32_t n = uint32_t(L.size.size());
    std::vector<uint32_t> cell(n, ~0u);
    // Largest clusters first (they are the hardest to fit), each on the block
    // minimising traffic x distance to the clusters already placed.
    std::vector<uint32_t> order(n);
    for (uint32_t i = 0; i < n; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return L.size[a] > L.size[b]; });
    for (uint32_t v : order) {
      uint32_t best = ~0u;
      int64_t bestC = INT64_MAX;
      for (uint32_t c = 0; c < room.size(); ++c) {
        if (room[c] < L.size[v]) continue;
        int64_t cost = 0;
        for (uint32_t k = L.begin[v]; k < L.begin[v + 1]; ++k) {
          const uint32_t q = cell[L.adj[k].first];
          if (q != ~0u) cost += int64_t(L.adj[k].second) * (std::abs(cx2(g, c) - cx2(g, q)) + std::abs(cy2(g, c) - cy2(g, q)));
        }
        // Ties: towards the chip centre, so the clusters grow outwards.
        cost = cost * 4096 + std::abs(cx2(g, c) - int64_t(chip_.width)) + std::abs(cy2(g, c) - int64_t(chip_.height));
        if (cost < bestC) bestC = cost, best = c;
      }
      if (best == ~0u) return {}; // fragmented: no block has room for v
      cell[v] = best;
      room[best] -= L.size[v];
    }
    return cell;
  }

  /// Clusters of level l + 1 on its blocks -> clusters of level l on its blocks.
  std::vector<uint32_t> refine(uint32_t up, const std::vector<uint32_t> &upCell) {
    const uint32_t l = up - 1;
    const Level &L = levels_[l];
    const Grid g = grid(l), G = grid(up);
    std::vector<uint32_t> room = capacities(l);
    const uint32_t n = uint32_t(L.size.size());
    std::vector<uint32_t> cell(n, ~0u);
    // Children grouped by the block of their parent, largest first.
    std::vector<uint32_t> order(n);
    for (uint32_t i = 0; i < n; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      const uint32_t ca = upCell[L.parent[a]], cb = upCell[L.parent[b]];
      return ca != cb ? ca < cb : L.size[a] > L.size[b];
    });
    for (uint32_t v : order) {
      const uint32_t P = upCell[L.parent[v]];
      const uint32_t px = (P % G.w) * G.bw / g.bw, py = (P / G.w) * G.bh / g.bh;
      uint32_t best = ~0u;
      int64_t bestC = INT64_MAX;
      for (uint32_t dy = 0; dy < G.bh / g.bh; ++dy)
        for (uint32_t dx = 0; dx < G.bw / g.bw; ++dx) {
          if (px + dx >= g.w || py + dy >= g.h) continue;
          const uint32_t c = (py + dy) * g.w + px + dx;
          if (room[c] < L.size[v]) continue;
          int64_t cost = 0;
          for (uint32_t k = L.begin[v]; k < L.begin[v + 1]; ++k) {
            const uint32_t u = L.adj[k].first;
            const int64_t ux = cell[u] != ~0u ? cx2(g, cell[u]) : cx2(G, upCell[L.parent[u]]);
            const int64_t uy = cell[u] != ~0u ? cy2(g, cell[u]) : cy2(G, upCell[L.parent[u]]);
            cost += int64_t(L.adj[k].second) * (std::abs(cx2(g, c) - ux) + std::abs(cy2(g, c) - uy));
          }
          if (cost < bestC) bestC = cost, best = c;
        }
      if (best == ~0u) best = nearestWithRoom(g, room, L.size[v], cx2(G, P), cy2(G, P));
      if (best == ~0u) return {}; // fragmented: no block has room for v
      cell[v] = best;
      room[best] -= L.size[v];
    }
    return cell;
  }

  /// Annealing of level l's clusters over its blocks: move a cluster to a
  /// block with room, else swap it with one of the block's clusters when
  /// both fit. Cost: traffic x distance between block centres.
  void anneal(uint32_t l, std::vector<uint32_t> &cell, double tempScale, double window0) {
    const Level &L = levels_[l];
    const Grid g = grid(l);
    const uint32_t n = uint32_t(L.size.size());
    std::vector<uint32_t> room = capacities(l);
    std::vector<std::vector<uint32_t>> members(room.size());
    std::vector<uint32_t> slot(n);
    for (uint32_t v = 0; v < n; ++v) {
      room[cell[v]] -= L.size[v];
      slot[v] = uint32_t(members[cell[v]].size());
      members[cell[v]].push_back(v);
    }
    auto costOf = [&](uint32_t v) {
      int64_t c = 0;
      const int64_t x = cx2(g, cell[v]), y = cy2(g, cell[v]);
      for (uint32_t k = L.begin[v]; k < L.begin[v + 1]; ++k) {
        const uint32_t q = cell[L.adj[k].first];
        c += int64_t(L.adj[k].second) * (std::abs(x - cx2(g, q)) + std::abs(y - cy2(g, q)));
      }
      return c;
    };
    auto place = [&](uint32_t v, uint32_t to) {
      auto &from = members[cell[v]];
      from[slot[v]] = from.back();
      slot[from.back()] = slot[v];
      from.pop_back();
      room[cell[v]] += L.size[v];
      cell[v] = to;
      slot[v] = uint32_t(members[to].size());
      members[to].push_back(v);
      room[to] -= L.size[v];
    };
    // One move: v to block `to`, alone or swapped with u. Returns the delta.
    uint32_t v = 0, u = ~0u, vFrom = 0;
    auto propose = [&](double window, int64_t &delta) {
      v = rng_.below(n);
      vFrom = cell[v];
      const int r = std::max(1, int(window));
      const int x = int(vFrom % g.w), y = int(vFrom / g.w);
      const int x0 = std::max(0, x - r), x1 = std::min(int(g.w) - 1, x + r);
      const int y0 = std::max(0, y - r), y1 = std::min(int(g.h) - 1, y + r);
      const uint32_t to = uint32_t(y0 + int(rng_.below(uint32_t(y1 - y0 + 1)))) * g.w +
                          uint32_t(x0 + int(rng_.below(uint32_t(x1 - x0 + 1))));
      if (to == vFrom) return false;
      u = ~0u;
      if (room[to] < L.size[v]) {
        if (members[to].empty()) return false;
        u = members[to][rng_.below(uint32_t(members[to].size()))];
        if (room[to] + L.size[u] < L.size[v] || room[vFrom] + L.size[v] < L.size[u]) return false;
      }
      int64_t before = costOf(v) + (u != ~0u ? costOf(u) : 0);
      if (u != ~0u) place(u, vFrom);
      place(v, to);
      delta = costOf(v) + (u != ~0u ? costOf(u) : 0) - before;
      return true;
    };
    auto undo = [&]() {
      const uint32_t to = cell[v];
      place(v, vFrom);
      if (u != ~0u) place(u, to);
    };
    const double maxWindow = std::max(g.w, g.h);
    double window = std::min(maxWindow, window0);
    double uphill = 0;
    uint32_t ups = 0;
    for (uint32_t i = 0; i < 200; ++i) {
      int64_t d;
      if (!propose(window, d)) continue;
      undo();
      if (d > 0) uphill += double(d), ++ups;
    }
    if (ups == 0) return;
    double temp = tempScale * uphill / ups;
    const double tEnd = uphill / ups * 1e-3;
    if (temp <= tEnd) return;
    const uint64_t perStep = std::max<uint64_t>(n, 64);
    const uint64_t steps =
        std::max<uint64_t>(1, (o_.multilevelMovesPerCluster * uint64_t(n) + 50'000) / perStep);
    const double cool = std::pow(tEnd / temp, 1.0 / double(steps));
    for (uint64_t s = 0; s < steps; ++s) {
      uint64_t acc = 0, tried = 0;
      for (uint64_t i = 0; i < perStep; ++i) {
        int64_t d;
        if (!propose(window, d)) continue;
        ++tried;
        if (d <= 0 || rng_.unit() < std::exp(-double(d) / temp)) ++acc;
        else undo();
      }
      const double rate = tried ? double(acc) / double(tried) : 0;
      window = std::clamp(window * (1.0 - 0.44 + rate), 1.0, maxWindow);
      temp *= cool;
    }
  }

  const ChipDescriptor &chip_;
  const PlaceOptions &o_;
  Rng rng_;
  std::vector<Level> levels_;
};

uint64_t lowerBound(const ChipDescriptor &chip, const TrafficGraph &t) {
  const uint32_t n = t.numParts();
  auto degree = [&](uint32_t p) { return t.nbrBegin[p + 1] - t.nbrBegin[p]; };
  uint64_t bound = 0;
  std::vector<uint64_t> owned;
  for (uint32_t p = 0; p < n; ++p) {
    owned.clear();
    for (uint32_t k = t.nbrBegin[p]; k < t.nbrBegin[p + 1]; ++k) {
      const uint32_t q = t.nbrs[k].part;
      // Each pair is charged once, to its end with more neighbours (ties: lower id).
      if (degree(p) > degree(q) || (degree(p) == degree(q) && p < q)) owned.push_back(t.nbrs[k].bytes);
    }
    std::sort(owned.begin(), owned.end(), std::greater<>());
    uint64_t d = 1, left = 4; // cores left at distance d
    for (uint64_t w : owned) {
      bound += w * d;
      if (--left == 0) ++d, left = 4 * d;
    }
  }
  (void)chip;
  return bound;
}

} // namespace

const char *placeStrategyName(PlaceStrategy s) { return s == PlaceStrategy::Greedy ? "greedy" : "anneal"; }

std::optional<PlaceStrategy> placeStrategyFromName(const std::string &name) {
  if (name == "greedy") return PlaceStrategy::Greedy;
  if (name == "anneal") return PlaceStrategy::Anneal;
  return std::nullopt;
}

std::optional<Error> placePartitions(const ActorGraph &g, const ChipDescriptor &chip, std::vector<Partition> &parts) {
  PlaceOptions o;
  o.strategy = PlaceStrategy::Greedy;
  return placePartitions(g, chip, parts, o);
}

std::optional<Error> placePartitions(const ActorGraph &g, const ChipDescriptor &chip, std::vector<Partition> &parts,
                                     const PlaceOptions &opts, PlaceReport *report) {
  for (const Partition &p : parts)
    if (isPoolWorker(g, p)) return placeWithPoolWorkers(g, chip, parts, opts, report); // PoolPlacement.cpp
  if (auto err = tooSmall(chip, parts.size(), opts.spareCores)) return err;
  const TrafficGraph t = buildTraffic(g, parts);
  placeGreedy(g, chip, t, parts, opts.spareCores);
  std::vector<uint32_t> cores = coresOf(parts);
  const uint64_t greedyCost = hopCost(t, chip, cores);
  const double greedyObj =
      objectiveOf(greedyCost, sumSquares(loadsOf(t, chip, cores)), opts.balanceWeight, t.maxPairBytes);
  uint64_t moves = 0, accepted = 0;
  if (opts.strategy == PlaceStrategy::Anneal) {
    // Start from the best of the multilevel runs (own streams of the seed)
    // when its objective beats greedy's, and refine it cold; else anneal the
    // greedy placement from startTemperature. The runs differ in how the
    // coarse levels lay the graph out, which decides most of the final cost
    // (docs/mapping.md "Seeds").
    bool fromMultilevel = false;
    double bestObj = greedyObj;
    for (uint32_t run = 0; opts.multilevel && run < opts.multilevelRuns; ++run) {
      std::vector<uint32_t> ml = Multilevel(chip, t, opts, run).run();
      if (ml.empty()) break;
      const double obj =
          objectiveOf(hopCost(t, chip, ml), sumSquares(loadsOf(t, chip, ml)), opts.balanceWeight, t.maxPairBytes);
      if (obj < bestObj) {
        bestObj = obj;
        cores = std::move(ml);
        fromMultilevel = true;
      }
    }
    Annealer a(chip, t, cores, opts);
    const uint64_t n = parts.size();
    // From a multilevel start the cold refinement needs about a third of the moves.
    const uint64_t perPart = fromMultilevel ? 70 : 200;
    a.run(opts.iterations ? opts.iterations : std::clamp<uint64_t>(perPart * n, 20'000, 4'000'000),
          fromMultilevel ? opts.refineTemperature : opts.startTemperature, fromMultilevel ? 2.0 : 3.0);
    cores = a.cores();
    moves = a.moves;
    accepted = a.accepted;
    for (size_t i = 0; i < parts.size(); ++i) parts[i].core = cores[i];
  }
  if (report) {
    const std::vector<uint64_t> load = loadsOf(t, chip, cores);
    report->cost = hopCost(t, chip, cores);
    report->lowerBound = lowerBound(chip, t);
    report->greedyCost = greedyCost;
    report->greedyObjective = greedyObj;
    report->objective = objectiveOf(report->cost, sumSquares(load), opts.balanceWeight, t.maxPairBytes);
    report->maxLinkLoad = load.empty() ? 0 : *std::max_element(load.begin(), load.end());
    report->moves = moves;
    report->accepted = accepted;
  }
  return std::nullopt;
}

uint64_t placementCost(const ActorGraph &g, const ChipDescriptor &chip, const std::vector<Partition> &parts) {
  return hopCost(buildTraffic(g, parts), chip, coresOf(parts));
}

uint64_t placementLowerBound(const ActorGraph &g, const ChipDescriptor &chip, const std::vector<Partition> &parts) {
  return lowerBound(chip, buildTraffic(g, parts));
}

std::vector<uint64_t> linkLoads(const ActorGraph &g, const ChipDescriptor &chip, const std::vector<Partition> &parts) {
  return loadsOf(buildTraffic(g, parts), chip, coresOf(parts));
}

double placementObjective(const ActorGraph &g, const ChipDescriptor &chip, const std::vector<Partition> &parts,
                          double balanceWeight) {
  const TrafficGraph t = buildTraffic(g, parts);
  const std::vector<uint32_t> cores = coresOf(parts);
  return objectiveOf(hopCost(t, chip, cores), sumSquares(loadsOf(t, chip, cores)), balanceWeight, t.maxPairBytes);
}

} // namespace xpu::graph
