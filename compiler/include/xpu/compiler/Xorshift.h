// A tiny deterministic generator (xorshift64) for everything the compiler and
// its tests randomise: the same numbers on every platform and standard
// library, unlike std:: distributions.
#pragma once

#include <cstdint>

namespace xpu::graph {

class Xorshift {
public:
  /// `salt` separates the streams of different users of the same seed;
  /// `warmup` draws are discarded to mix small seeds.
  explicit Xorshift(uint64_t seed, uint64_t salt = 1, int warmup = 0)
      : s_(seed * 0x9E3779B97F4A7C15ull + salt) {
    if (!s_) s_ = 1; // the all-zero state would stay zero
    for (int i = 0; i < warmup; ++i) next64();
  }
  uint64_t next64() {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 7;
    s_ ^= s_ << 17;
    return s_;
  }
  uint32_t next() { return uint32_t(next64() >> 16); }
  /// Uniform in lo..hi (inclusive); hi - lo < 2^32.
  int32_t range(int32_t lo, int32_t hi) { return lo + int32_t(next() % uint32_t(hi - lo + 1)); }
  bool chance(uint32_t percent) { return next() % 100 < percent; }
  /// Uniform in 0..n-1 from the high bits.
  uint32_t below(uint32_t n) { return uint32_t((next64() >> 11) % n); }
  /// Uniform in [0, 1).
  double unit() { return double(next64() >> 11) * (1.0 / 9007199254740992.0); }

private:
  uint64_t s_;
};

} // namespace xpu::graph
