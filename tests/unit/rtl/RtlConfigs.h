// The parameter sets the Verilated router models were built with
// (rtl/CMakeLists.txt), and the chip descriptors that match them.
#pragma once

#include "Vxpu_router.h"
#include "Vxpu_router_bug_rr.h"
#include "Vxpu_router_v3d5r2.h"

#include "xpu/ChipDescriptor.h"

#include <cstdint>

namespace xpu::rtl {

template <class M> struct RtlParams;
// Reference: chip defaults (V 2, D 4, R 1), mesh width 3.
template <> struct RtlParams<Vxpu_router> {
  static constexpr uint32_t vcs = 2, depth = 4, routerLatency = 1, meshWidth = 3, groups = 64;
};
template <> struct RtlParams<Vxpu_router_bug_rr> : RtlParams<Vxpu_router> {};
template <> struct RtlParams<Vxpu_router_v3d5r2> {
  static constexpr uint32_t vcs = 3, depth = 5, routerLatency = 2, meshWidth = 3, groups = 64;
};

/// A chip matching model M, `height` rows, links of `linkLatency` cycles
/// (link latency lives in the harness, not in the router).
template <class M> ChipDescriptor chipFor(uint32_t height, uint32_t linkLatency) {
  using P = RtlParams<M>;
  ChipDescriptor c;
  c.width = P::meshWidth;
  c.height = height;
  c.virtualChannels = P::vcs;
  c.bufferDepth = P::depth;
  c.routerLatency = P::routerLatency;
  c.linkLatency = linkLatency;
  c.flitBytes = 8;
  c.multicastGroups = P::groups;
  return c;
}

} // namespace xpu::rtl
