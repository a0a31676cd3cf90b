// A model network flit (emu::Flit, one 64-bit payload word: the RTL's
// flit_bytes is 8) as the RTL's link flit and back: where the RTL adapters
// and the lockstep harnesses hand flits between a Verilated port and
// emu::Network. The simulation bookkeeping (packet id, seq, creation cycle)
// is not on the link; whoever injects sets it.
#pragma once

#include "xpu/emu/Flit.h"
#include "xpu/rtl/PortBits.h"

namespace xpu::rtl {

inline LinkFlit linkFlitOf(const emu::Flit &f) { return {true, f.head, f.tail, f.vc, f.data[0]}; }

inline emu::Flit emuFlitOf(const LinkFlit &l) {
  emu::Flit f;
  f.data[0] = l.data;
  f.vc = l.vc;
  f.head = l.head;
  f.tail = l.tail;
  return f;
}

} // namespace xpu::rtl
