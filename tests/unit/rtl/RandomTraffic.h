// Random traffic for the router cosimulations (RouterCosim.h,
// ExternalRouterCosimTest.cpp): a packet's flits with random mailbox and
// payload, and random multicast destination sets. The draws are in a fixed
// order, so a seed gives the same traffic to every side of a comparison.
#pragma once

#include "xpu/Packet.h"
#include "xpu/Semantics.h"
#include "xpu/emu/Flit.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace xpu::rtl {

/// The flits of a `bytes`-byte packet from `src` to `dest` (a group id when
/// `mcast`) on `vc`, packet id `id`: a random mailbox, then one random
/// payload word per body flit.
template <class Rng>
std::vector<emu::Flit> randomPacket(uint32_t src, uint32_t dest, bool mcast, uint32_t bytes,
                                    uint8_t vc, uint64_t id, uint32_t flitBytes, Rng &rng) {
  PacketHeader h;
  h.dest = uint16_t(dest);
  h.source = uint16_t(src);
  h.mailbox = uint8_t(rng() & 7);
  h.length = uint16_t(bytes);
  h.mcast = mcast;
  const uint32_t flits = sem::packetFlits(bytes, flitBytes);
  std::vector<emu::Flit> out;
  for (uint32_t i = 0; i < flits; ++i) {
    emu::Flit f;
    f.vc = vc;
    f.head = i == 0;
    f.tail = i + 1 == flits;
    f.packetId = id;
    f.seq = i;
    f.data[0] = f.head ? packHeader(h) : rng();
    out.push_back(f);
  }
  return out;
}

/// `n` (<= cores) distinct core ids below `cores`, sorted.
template <class Rng> std::vector<uint32_t> distinctCores(Rng &rng, uint32_t cores, uint32_t n) {
  std::vector<uint32_t> ds;
  while (ds.size() < n) {
    const uint32_t d = uint32_t(rng() % cores);
    if (std::find(ds.begin(), ds.end(), d) == ds.end())
      ds.push_back(d);
  }
  std::sort(ds.begin(), ds.end());
  return ds;
}

} // namespace xpu::rtl
