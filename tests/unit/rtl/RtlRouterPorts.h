// Bit-level access to a Verilated xpu_router's packed-struct ports
// (rtl/xpu_pkg.sv: flit_link_t, credit_t), for any of its parameter sets.
#pragma once

#include "xpu/rtl/PortBits.h"
#include <algorithm>
#include <cstdint>
#include <verilated.h>

namespace xpu::rtl {

constexpr unsigned kFlitDataBits = 64;  // xpu_pkg::FlitDataW
constexpr unsigned kVcBits = 3;         // xpu_pkg::VcW
// flit_link_t, LSB first: data, vc, tail, head, valid.
constexpr unsigned kLinkBits = kFlitDataBits + kVcBits + 3;
constexpr unsigned kCreditBits = kVcBits + 1;  // credit_t: vc, valid

/// One direction of a link during one cycle.
struct LinkFlit {
  bool valid = false;
  bool head = false;
  bool tail = false;
  uint8_t vc = 0;
  uint64_t data = 0;

  friend bool operator==(const LinkFlit &a, const LinkFlit &b) {
    return a.valid == b.valid &&
           (!a.valid || (a.head == b.head && a.tail == b.tail && a.vc == b.vc && a.data == b.data));
  }
  friend bool operator!=(const LinkFlit &a, const LinkFlit &b) { return !(a == b); }
};

struct LinkCredit {
  bool valid = false;
  uint8_t vc = 0;
};

using ::xpu::rtl::putBits;

using ::xpu::rtl::getBits;

template <class M> void setInFlit(M &m, unsigned port, const LinkFlit &f) {
  uint32_t *w = m.in_i.data();
  const unsigned b = port * kLinkBits;
  putBits(w, b, kFlitDataBits, f.valid ? f.data : 0);
  putBits(w, b + 64, kVcBits, f.valid ? f.vc : 0);
  putBits(w, b + 67, 1, f.valid && f.tail);
  putBits(w, b + 68, 1, f.valid && f.head);
  putBits(w, b + 69, 1, f.valid);
}

template <class M> LinkFlit outFlit(const M &m, unsigned port) {
  const uint32_t *w = m.out_o.data();
  const unsigned b = port * kLinkBits;
  LinkFlit f;
  f.valid = getBits(w, b + 69, 1);
  if (!f.valid) return f;
  f.data = getBits(w, b, kFlitDataBits);
  f.vc = uint8_t(getBits(w, b + 64, kVcBits));
  f.tail = getBits(w, b + 67, 1);
  f.head = getBits(w, b + 68, 1);
  return f;
}

template <class M> void setInCredit(M &m, unsigned port, const LinkCredit &c) {
  uint32_t v = m.credit_i;
  putBits(&v, port * kCreditBits, kCreditBits, c.valid ? (8u | c.vc) : 0u);
  m.credit_i = v;
}

template <class M> LinkCredit outCredit(const M &m, unsigned port) {
  const uint32_t v = m.credit_o;
  const uint32_t c = uint32_t(getBits(&v, port * kCreditBits, kCreditBits));
  return {bool(c & 8u), uint8_t(c & 7u)};
}

} // namespace xpu::rtl
