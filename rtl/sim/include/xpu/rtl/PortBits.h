// Packing fields into and out of Verilator's wide ports (arrays of 32-bit
// words, bit 0 = bit 0 of word 0): shared by the RTL drivers and the
// lockstep harnesses.
#pragma once

#include <algorithm>
#include <cstdint>

namespace xpu::rtl {

/// Writes the low `width` (<= 64) bits of `v` at bit `lsb` of `w`.
inline void putBits(uint32_t *w, unsigned lsb, unsigned width, uint64_t v) {
  for (unsigned done = 0; done < width;) {
    const unsigned bit = lsb + done, wi = bit / 32, off = bit % 32;
    const unsigned n = std::min(32 - off, width - done);
    const uint32_t mask = (n == 32 ? ~0u : ((1u << n) - 1)) << off;
    w[wi] = (w[wi] & ~mask) | ((uint32_t(v >> done) << off) & mask);
    done += n;
  }
}

/// Reads `width` (<= 64) bits at bit `lsb` of `w`.
inline uint64_t getBits(const uint32_t *w, unsigned lsb, unsigned width) {
  uint64_t v = 0;
  for (unsigned done = 0; done < width;) {
    const unsigned bit = lsb + done, wi = bit / 32, off = bit % 32;
    const unsigned n = std::min(32 - off, width - done);
    const uint64_t chunk = (w[wi] >> off) & (n == 32 ? ~0u : ((1u << n) - 1));
    v |= chunk << done;
    done += n;
  }
  return v;
}

} // namespace xpu::rtl
