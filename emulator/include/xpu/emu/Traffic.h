// Synthetic traffic for the mesh network (BookSim-style): a source and a sink
// at every node, Bernoulli injection, warm-up / measurement / drain, latency
// and throughput statistics (docs/noc.md "Traffic mode").
//
// Two drivers run the same per-tile model and give identical results:
// runTraffic (a plain C++ loop, for tests and sweeps) and runTrafficSystemC
// (one sc_module per tile on a clock; idle tiles stop being evaluated). The
// SystemC one can run once per process (SystemC elaborates once).
#pragma once

#include "xpu/ChipDescriptor.h"
#include "xpu/Error.h"
#include "xpu/emu/Network.h"

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xpu::emu {

enum class TrafficPattern : uint8_t {
  Uniform,        // destination uniform over all nodes (self included, as BookSim)
  Transpose,      // (x, y) -> (y, x); square meshes
  BitComplement,  // node id i -> N - 1 - i (bitwise complement for N = 2^b)
  BitReverse,     // node id bits reversed; N a power of two
  Hotspot,        // with probability hotspotFraction one of hotspotNodes, else uniform
  Neighbor,       // (x, y) -> ((x + 1) mod width, (y + 1) mod height), as BookSim
};
const char *patternName(TrafficPattern p);
std::optional<TrafficPattern> patternFromName(const std::string &name);

struct TrafficConfig {
  TrafficPattern pattern = TrafficPattern::Uniform;
  /// Offered load, flits per node per cycle. A packet is created at a node
  /// in a cycle with probability injectionRate / mean packet flits.
  double injectionRate = 0.1;
  /// Flits per packet (head included), fixed, or uniform in
  /// [packetFlits, packetFlitsMax] when packetFlitsMax > packetFlits.
  uint32_t packetFlits = 4;
  uint32_t packetFlitsMax = 0;
  std::vector<uint32_t> hotspotNodes;  // Hotspot pattern
  double hotspotFraction = 0.5;
  /// Fraction of packets sent as multicast to the source's group (group id =
  /// source id, multicastDestinations distinct random nodes). Multicast
  /// packets are capped at buffer_depth flits (docs/arch.md 6.4).
  double multicastFraction = 0.0;
  uint32_t multicastDestinations = 4;
  /// Nodes that inject (empty = all). Every node always sinks.
  std::vector<uint32_t> sources;
  uint64_t seed = 1;
  uint64_t warmupCycles = 1000;
  uint64_t measureCycles = 10000;
  /// Cycles after the measurement window within which every measurement
  /// packet must be delivered; otherwise the run stops and reports saturated.
  uint64_t drainLimit = 20000;
  /// false (BookSim): sources keep injecting while the measurement packets
  /// drain. true: injection stops after the measurement window and the run
  /// continues until every packet is delivered (then checks conservation).
  bool drainAll = false;
};

/// Checks a configuration against a chip; the message names the field.
std::optional<Error> validateTrafficConfig(const ChipDescriptor &chip, const TrafficConfig &cfg);
/// Parses {"pattern": "uniform", "rate": 0.1, "packet_flits": 4, ...}
/// (fields as in docs/noc.md); unknown fields are errors.
Expected<TrafficConfig> parseTrafficConfig(const nlohmann::json &j, const std::string &source);

struct TrafficResult {
  std::string pattern;
  uint32_t width = 0, height = 0, virtualChannels = 0;
  double offeredRate = 0;     // flits created per node per cycle in the window
  double acceptedRate = 0;    // flits consumed per node per cycle in the window
  /// Per source node: flits it sent that were consumed during the window,
  /// per cycle (multicast copies each count). The minimum over the nodes
  /// that inject is the rate every source got: under overload it is the
  /// network's saturation throughput for the pattern (docs/noc.md 4.3).
  std::vector<double> acceptedBySource;
  double minAcceptedBySource = 0;
  /// Per source node: flits it created during the window, per cycle.
  std::vector<double> offeredBySource;
  uint64_t packetsMeasured = 0;  // copies of measurement packets delivered
  double avgLatency = 0;      // cycles, NI creates head -> tail consumed
  uint64_t p50Latency = 0, p99Latency = 0, maxLatency = 0;
  double avgHops = 0;         // router-to-router hops per measured copy
  bool saturated = false;     // measurement packets not drained within drainLimit
  bool drained = false;       // drainAll: everything delivered and checked
  uint64_t cycles = 0;        // cycles simulated
  uint64_t flitsInjected = 0, flitsEjected = 0, flitHops = 0;
  /// linkUtilisation[router][port]: flits per cycle through each output port
  /// (Local = ejection) during the measurement window.
  std::vector<std::array<double, kNumPorts>> linkUtilisation;
  double maxLinkUtilisation = 0;

  friend bool operator==(const TrafficResult &a, const TrafficResult &b);
};

TrafficResult runTraffic(const ChipDescriptor &chip, const TrafficConfig &cfg);
/// Same model as runTraffic, scheduled by the SystemC kernel. Once per
/// process; a second call throws std::logic_error.
TrafficResult runTrafficSystemC(const ChipDescriptor &chip, const TrafficConfig &cfg);

nlohmann::json toJson(const TrafficResult &r);

/// Uniform analytic bound for the mesh: the bisection limit 4/k on a k x k
/// mesh (generalised: 4 / max(width, height) for uniform traffic).
double uniformBisectionBound(const ChipDescriptor &chip);

/// Precomputed constants for TrafficRng::below(n): the same values as
/// below(n) without a 64-bit division per draw (n < 2^32).
class RangeDraw {
public:
  explicit RangeDraw(uint64_t n = 1)
      : n_(n), limit_(UINT64_MAX - UINT64_MAX % n), m_(UINT64_MAX / n),
        pow2_((n & (n - 1)) == 0) {}
  uint64_t n() const { return n_; }
  uint64_t limit() const { return limit_; }
  /// x % n: q = floor(x * m / 2^64) is at most 2 below x / n.
  uint64_t mod(uint64_t x) const {
    if (pow2_) return x & (n_ - 1);
    const uint64_t q = uint64_t((static_cast<unsigned __int128>(x) * m_) >> 64);
    uint64_t r = x - q * n_;
    while (r >= n_) r -= n_;
    return r;
  }

private:
  uint64_t n_, limit_, m_;
  bool pow2_;
};

/// Deterministic random numbers: xoshiro256** (Blackman and Vigna, 2018;
/// 32 bytes of state, a few cycles per draw: the traffic sources draw once
/// or twice per packet, and std::mt19937_64's 2.5 KB per tile cost cache
/// misses) seeded through splitmix64, with our own bounded draws, because
/// the standard library's distributions differ between implementations.
class TrafficRng {
public:
  explicit TrafficRng(uint64_t seed) {
    for (uint64_t &w : s_) {  // splitmix64 expands the seed (never all zero)
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      w = z ^ (z >> 31);
    }
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// Uniform in [0, n), unbiased (rejection of the top partial range). n > 0.
  uint64_t below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = next(); while (x >= limit);
    return x % n;
  }
  /// Same as below(r.n()).
  uint64_t below(const RangeDraw &r) {
    uint64_t x;
    do x = next(); while (x >= r.limit());
    return r.mod(x);
  }
  /// Uniform in [0, 1) with 53 bits.
  double unit() { return double(next() >> 11) * 0x1.0p-53; }

private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

} // namespace xpu::emu
