// Bit-level access to a Verilated xpu_router's packed-struct ports
// (rtl/xpu_pkg.sv: flit_link_t, credit_t), for any of its parameter sets.
#pragma once

#include "xpu/rtl/PortBits.h"
#include <algorithm>
#include <cstdint>
#include <verilated.h>

namespace xpu::rtl {

// The link types (LinkFlit, LinkCredit) and their bit layouts are
// xpu/rtl/PortBits.h's.

template <class M> void setInFlit(M &m, unsigned port, const LinkFlit &f) {
  putFlitLink(m.in_i.data(), port * kLinkBits, f);
}

template <class M> LinkFlit outFlit(const M &m, unsigned port) {
  return getFlitLink(m.out_o.data(), port * kLinkBits);
}

template <class M> void setInCredit(M &m, unsigned port, const LinkCredit &c) {
  uint32_t v = m.credit_i;
  putBits(&v, port * kCreditBits, kCreditBits, creditBits(c));
  m.credit_i = v;
}

template <class M> LinkCredit outCredit(const M &m, unsigned port) {
  const uint32_t v = m.credit_o;
  return creditFromBits(uint32_t(getBits(&v, port * kCreditBits, kCreditBits)));
}

} // namespace xpu::rtl
