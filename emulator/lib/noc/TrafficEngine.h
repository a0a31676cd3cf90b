// The per-tile synthetic traffic model shared by the plain C++ and SystemC
// drivers (private to lib/noc).
//
// A tile's tick(now) consumes at most one flit from its ejection buffers,
// creates and injects at most one flit, and ticks its router. Everything it
// reads was produced at an earlier cycle (Network timestamps), so tiles may be
// ticked in any order, and ticking a tile that has nothing to do changes
// nothing: a driver may skip a tile while tileBusy() is false until either
// the network wakes it or its next generation cycle comes.
#pragma once

#include "xpu/emu/Network.h"
#include "xpu/emu/Traffic.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

namespace xpu::emu {

class TrafficEngine {
public:
  static constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

  TrafficEngine(const ChipDescriptor &chip, const TrafficConfig &cfg);

  Network &network() { return *net_; }
  uint32_t numTiles() const { return uint32_t(tiles_.size()); }

  void tickTile(uint32_t t, uint64_t now);
  /// The plain driver's state for up to 64 consecutive tiles.
  struct TileBlock {
    uint32_t base = 0;     // first tile
    uint64_t awake = 0;    // bit i: tile base + i is busy or was woken by the network
    uint64_t nextGen = 0;  // no tile of the block generates before this cycle
  };
  /// The plain driver's cycle for one block: the same as tickTile for every
  /// awake tile and every tile whose generation cycle has come, done kind of
  /// work by kind of work (sinks, generation, injection, routers) over bit
  /// masks; then clears the awake bits of the tiles that are idle
  /// (!tileBusy). Do not mix with tickTile on the same engine.
  void tickTiles(TileBlock &b, uint64_t now);
  /// The tile must be ticked next cycle (router, ejection or source busy).
  bool tileBusy(uint32_t t) const;
  /// Next cycle the tile creates a packet (kNever if none).
  uint64_t tileNextGeneration(uint32_t t) const { return tiles_[t].nextGen; }
  /// Called once after every tile has been ticked for `now`; true = stop.
  bool endOfCycle(uint64_t now);
  TrafficResult result() const;

private:
  struct Pending {
    uint64_t id = 0;
    uint64_t created = 0;
    uint32_t dest = 0;
    uint16_t flits = 0;
    uint8_t vc = 0;
    bool mcast = false;
  };
  /// The source queue: a FIFO in one vector (no allocation in the steady
  /// state; the consumed prefix is dropped when it dominates).
  class PendingQueue {
  public:
    bool empty() const { return head_ == items_.size(); }
    const Pending &front() const { return items_[head_]; }
    void push_back(const Pending &p) { items_.push_back(p); }
    void pop_front() {
      if (++head_ == items_.size()) {
        items_.clear();
        head_ = 0;
      } else if (head_ >= 4096 && 2 * head_ >= items_.size()) {
        items_.erase(items_.begin(), items_.begin() + std::ptrdiff_t(head_));
        head_ = 0;
      }
    }

  private:
    std::vector<Pending> items_;
    size_t head_ = 0;
  };
  // The fields a tick touches come first and fit a couple of cache lines
  // (the generator's state is 32 bytes).
  struct Tile {
    explicit Tile(uint64_t seed) : rng(seed) {}
    uint64_t nextGen = kNever;
    PendingQueue queue;
    uint32_t sentFlits = 0;      // of queue.front()
    uint8_t sinkRR = 0;          // last VC consumed
    bool source = false;
    uint64_t packetCounter = 0;
    TrafficRng rng;
    std::array<uint32_t, 8> hopsInProgress{}; // per VC, hops of the copy being consumed
    std::array<uint32_t, 8> sourceInProgress{}; // per VC, source of the copy being consumed
    // statistics
    std::vector<uint64_t> latencyCounts;  // [latency] -> measured copies
    uint64_t hopSum = 0;
    uint64_t flitsCreatedInWindow = 0, flitsConsumedInWindow = 0;
  };

  uint64_t drawGap(Tile &tile);
  uint32_t drawDestination(Tile &tile, uint32_t self);
  void generate(Tile &tile, uint32_t self, uint64_t now);
  void sink(Tile &tile, uint32_t self, uint64_t now);
  void inject(Tile &tile, uint32_t self, uint64_t now);
  bool inWindow(uint64_t cycle) const { return cycle >= measureBegin_ && cycle < measureEnd_; }

  ChipDescriptor chip_;
  TrafficConfig cfg_;
  std::vector<MulticastGroup> groups_;
  std::unique_ptr<Network> net_;
  const uint32_t *ejectCounts_ = nullptr;  // net_->ejectOccupancies()
  std::vector<Tile> tiles_;
  std::vector<uint16_t> xOf_, yOf_;  // core coordinates (no division per packet)
  std::vector<uint64_t> consumedBySource_;  // flits consumed in the window, by source
  RangeDraw drawNode_, drawVc_, drawHotspot_, drawLength_;
  double packetProbability_ = 0;
  double logNoPacket_ = 0;
  uint64_t measureBegin_ = 0, measureEnd_ = 0, generationEnd_ = kNever;
  // Global counters (sums, so the order tiles add to them does not matter).
  uint64_t measuredExpected_ = 0, measuredDone_ = 0;
  uint64_t copiesExpected_ = 0, copiesDone_ = 0;
  uint64_t queued_ = 0;
  uint64_t cycles_ = 0;
  bool saturated_ = false, drained_ = false;
};

} // namespace xpu::emu
