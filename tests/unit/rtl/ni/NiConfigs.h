// The parameter sets the Verilated NI models were built with
// (rtl/CMakeLists.txt, "the NI"), and the chip descriptors that match them.
#pragma once

#include "Vxpu_ni.h"
#include "Vxpu_ni_bug_drop_oldest.h"
#include "Vxpu_ni_bug_visible.h"
#include "Vxpu_ni_v1d2.h"
#include "Vxpu_ni_v3d5.h"

#include "xpu/ChipDescriptor.h"

#include <cstdint>

namespace xpu::rtl::ni {

template <class M> struct NiParams;
// Reference: 2 VCs, 4-flit buffers, 4 mailboxes of depth 2, 64-byte messages.
template <> struct NiParams<Vxpu_ni> {
  static constexpr uint32_t vcs = 2, depth = 4, mailboxes = 4, mailboxDepth = 2, maxBytes = 64;
  static constexpr uint32_t routerLatency = 1, linkLatency = 1;
};
template <> struct NiParams<Vxpu_ni_bug_visible> : NiParams<Vxpu_ni> {};
template <> struct NiParams<Vxpu_ni_bug_drop_oldest> : NiParams<Vxpu_ni> {};
// Non-powers of two: 3 VCs, 5-flit buffers, 5 mailboxes of depth 3, 37-byte
// messages; R 2 and L 2 in the model network around it.
template <> struct NiParams<Vxpu_ni_v3d5> {
  static constexpr uint32_t vcs = 3, depth = 5, mailboxes = 5, mailboxDepth = 3, maxBytes = 37;
  static constexpr uint32_t routerLatency = 2, linkLatency = 2;
};

// The small end: 1 VC, 2-flit buffers, 2 mailboxes of depth 1, 12-byte
// messages.
template <> struct NiParams<Vxpu_ni_v1d2> {
  static constexpr uint32_t vcs = 1, depth = 2, mailboxes = 2, mailboxDepth = 1, maxBytes = 12;
  static constexpr uint32_t routerLatency = 1, linkLatency = 1;
};

/// A 3x3 chip matching model M (the NI under test is core 4, the centre).
template <class M> ChipDescriptor niChipFor() {
  using P = NiParams<M>;
  ChipDescriptor c;
  c.width = 3;
  c.height = 3;
  c.sramBytes = 1024;  // the model core only records spawns and faults
  c.virtualChannels = P::vcs;
  c.bufferDepth = P::depth;
  c.mailboxes = P::mailboxes;
  c.mailboxDepth = P::mailboxDepth;
  c.maxMessageBytes = P::maxBytes;
  c.flitBytes = 8;
  c.routerLatency = P::routerLatency;
  c.linkLatency = P::linkLatency;
  return c;
}

} // namespace xpu::rtl::ni
