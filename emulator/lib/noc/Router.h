// One mesh router's state: input VC buffers, output VC credits and
// ownership, round-robin pointers (docs/arch.md section 5, docs/noc.md).
//
// Private to lib/noc: Network::Impl runs the allocation; this file only lays
// out the state so that a router's tick touches a few contiguous arrays and
// never allocates.
//
// Flits themselves live in one pool owned by the network (Network::Impl):
// a buffer slot holds the flit's pool index, its arrival cycle, head/tail
// marks and, for a head, its destination and output port. A flit moving one
// hop copies these 16 bytes; the flit is touched only at the NIs.
// All per-VC state of every router lives in flat arrays owned by the network
// (index [router * 5V + port * V + vc]); a Router holds pointers to its rows.
#pragma once

#include "xpu/Packet.h"
#include "xpu/emu/Flit.h"

#include <array>
#include <cstdint>
#include <vector>

namespace xpu::emu {

constexpr uint8_t kNoRoute = 0xff;
constexpr uint8_t kMulticastRoute = 0xfe;  // head of a multicast packet: see the table
constexpr uint8_t kBodyFlit = 0xfd;        // FlitSlot::route of a body or tail flit

/// Smallest power of two >= n (ring capacities, so indexing is a mask).
inline uint32_t ringCapacity(uint32_t n) {
  uint32_t c = 1;
  while (c < n) c <<= 1;
  return c;
}

/// One buffer slot. A flit sent over a link is written at send time with its
/// future arrival cycle; it is invisible (not "arrived") until then. Credits
/// bound the occupancy.
constexpr uint8_t kFlitHead = 1, kFlitTail = 2, kFlitMcast = 4;  // FlitSlot::flags

// (Small fields are uint16_t, not uint8_t: stores through a char type may
// alias anything and would make the compiler reload every pointer.)
struct FlitSlot {
  uint64_t arrival = 0;        // cycle the flit arrives; it may win SA at arrival + R
  uint32_t flit = 0;           // index into the network's flit pool
  uint16_t dest = 0;           // head: header destination (core, or group if mcast)
  uint16_t route : 8;          // head: output port (computed on arrival) or kMulticastRoute
  uint16_t flags : 8;          // kFlitHead | kFlitTail | kFlitMcast (copied from the flit)
  FlitSlot() : route(kBodyFlit), flags(0) {}
};

/// One input VC: a ring of D slots (capacity a power of two, <= 64) and the
/// state of the packet at its front.
struct InputVc {
  uint16_t head = 0;          // ring index of the front slot
  uint16_t count = 0;         // slots in use (flits arrived or still on the link)
  uint16_t route = kNoRoute;  // output port of the branch/packet being forwarded
  uint16_t mcMask = 0;        // multicast: branches not yet finished (incl. current)
  uint16_t mcFlits = 0;       // multicast: flits of the packet at the front
  uint16_t readPos = 0;      // multicast, non-last branch: next flit offset to send
};

/// Credits held by a sender for one downstream VC buffer, and ownership: an
/// absorbed count plus credits still travelling back (a ring of arrival
/// cycles, nondecreasing because the link latency is fixed). Credits whose
/// arrival cycle has come are absorbed when a request needs them.
struct OutputVc {
  uint16_t credits = 0;
  uint16_t owned = 0;      // owned by a packet (head sent, tail not yet)
  uint16_t pendHead = 0;   // ring index of the oldest credit in flight
  uint16_t pendCount = 0;  // credits in flight
};

struct Router {
  uint32_t id = 0, x = 0, y = 0;
  std::array<int32_t, kNumPorts> neighbor{};  // router id behind each output, -1 if none

  // Rows of the network's flat arrays, [port * V + vc] (slots and credit
  // times: [(port * V + vc) * ringCap + i]).
  InputVc *in = nullptr;
  uint64_t *readyAt = nullptr;  // per input VC: cycle its next flit becomes eligible
                                // (arrival + R), UINT64_MAX if it has none
  FlitSlot *slots = nullptr;
  OutputVc *out = nullptr;
  uint64_t *creditTime = nullptr;             // pending credit arrival cycles
  std::array<uint64_t, kNumPorts> *linkFlits = nullptr;  // NetworkStats row

  std::array<uint16_t, kNumPorts> inRR{};   // last VC granted per input port
  std::array<uint16_t, kNumPorts> outRR{};  // last input port granted per output port
  uint32_t flits = 0;                       // flits in (or travelling to) the input buffers
  // External router (Network::setExternalRouter): never ticked; its input
  // rings only queue the flits its model neighbours send over the links
  // (taken by the driver with takeExternalFlit), and its output credit rings
  // only queue the credits they return (takeExternalCredit).
  bool external = false;
  const uint8_t *mcTable = nullptr;         // mask per group id
  uint32_t mcTableSize = 0;
};

} // namespace xpu::emu
