// Packing fields into and out of Verilator's wide ports (arrays of 32-bit
// words, bit 0 = bit 0 of word 0), and the one C++ definition of the link
// types' bit layouts (rtl/xpu_pkg.sv flit_link_t and credit_t): shared by
// the RTL drivers and the lockstep harnesses.
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

constexpr unsigned kFlitDataBits = 64;  // xpu_pkg::FlitDataW (FlitBytes = 8)
constexpr unsigned kVcBits = 3;         // xpu_pkg::VcW
/// flit_link_t, LSB first: data, vc, tail, head, valid.
constexpr unsigned kLinkBits = kFlitDataBits + kVcBits + 3;
/// credit_t, LSB first: vc, valid.
constexpr unsigned kCreditBits = kVcBits + 1;

/// One cycle of a flit_link_t.
struct LinkFlit {
  bool valid = false, head = false, tail = false;
  uint8_t vc = 0;
  uint64_t data = 0;

  /// Equal as link values: an invalid flit's fields do not matter.
  friend bool operator==(const LinkFlit &a, const LinkFlit &b) {
    return a.valid == b.valid &&
           (!a.valid || (a.head == b.head && a.tail == b.tail && a.vc == b.vc && a.data == b.data));
  }
  friend bool operator!=(const LinkFlit &a, const LinkFlit &b) { return !(a == b); }
};
/// One cycle of a credit_t: vc [2:0], valid [3].
struct LinkCredit {
  bool valid = false;
  uint8_t vc = 0;
};
/// The flit_link_t at bit `lsb` of `w` (fields zero when not valid).
inline LinkFlit getFlitLink(const uint32_t *w, unsigned lsb = 0) {
  LinkFlit f;
  f.valid = getBits(w, lsb + 69, 1);
  if (!f.valid)
    return f;
  f.data = getBits(w, lsb, kFlitDataBits);
  f.vc = uint8_t(getBits(w, lsb + 64, kVcBits));
  f.tail = getBits(w, lsb + 67, 1);
  f.head = getBits(w, lsb + 68, 1);
  return f;
}
/// Writes `f` as a flit_link_t at bit `lsb` of `w` (all zero when not valid).
inline void putFlitLink(uint32_t *w, unsigned lsb, const LinkFlit &f) {
  putBits(w, lsb, kFlitDataBits, f.valid ? f.data : 0);
  putBits(w, lsb + 64, kVcBits, f.valid ? f.vc : 0);
  putBits(w, lsb + 67, 1, f.valid && f.tail);
  putBits(w, lsb + 68, 1, f.valid && f.head);
  putBits(w, lsb + 69, 1, f.valid);
}
/// A credit_t from its 4 bits, and back.
inline LinkCredit creditFromBits(uint32_t bits) { return {bool(bits & 8u), uint8_t(bits & 7u)}; }
inline uint32_t creditBits(const LinkCredit &c) { return c.valid ? (8u | c.vc) : 0u; }

} // namespace xpu::rtl
