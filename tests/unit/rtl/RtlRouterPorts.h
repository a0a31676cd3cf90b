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

/// Position straps, then one clock edge with the asynchronous reset low.
template <class M> void resetRouter(M &m, uint8_t x, uint8_t y) {
  m.x_i = x;
  m.y_i = y;
  m.clk_i = 0;
  m.rst_ni = 0;
  m.mc_we_i = 0;
  m.eval();
  m.clk_i = 1;
  m.eval();
  m.clk_i = 0;
  m.rst_ni = 1;
  m.eval();
}

/// The loader writes the router's multicast table, one entry per clock
/// (`table`: the output-port mask of each group id).
template <class M, class Table> void loadMulticastTable(M &m, const Table &table) {
  for (size_t g = 0; g < table.size(); ++g) {
    m.mc_we_i = 1;
    m.mc_addr_i = uint8_t(g);
    m.mc_mask_i = table[g];
    m.clk_i = 1;
    m.eval();
    m.clk_i = 0;
    m.eval();
  }
  m.mc_we_i = 0;
  m.eval();
}

} // namespace xpu::rtl
