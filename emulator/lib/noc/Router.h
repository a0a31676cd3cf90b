// One mesh router's state: input VC buffers, output VC credits and
// ownership, round-robin pointers (docs/arch.md section 5, docs/noc.md).
//
// Private to lib/noc: Network::Impl runs the allocation; this file only lays
// out the state so that a router's tick touches a few contiguous arrays and
// never allocates.
#pragma once

#include "xpu/Packet.h"
#include "xpu/emu/Flit.h"

#include <array>
#include <cstdint>
#include <vector>

namespace xpu::emu {

constexpr uint8_t kNoRoute = 0xff;
constexpr uint8_t kMulticastRoute = 0xfe;  // head of a multicast packet: see the table

/// Smallest power of two >= n (ring capacities, so indexing is a mask).
inline uint32_t ringCapacity(uint32_t n) {
  uint32_t c = 1;
  while (c < n) c <<= 1;
  return c;
}

/// A FIFO of flits with their arrival cycles. A flit sent over a link is
/// written at send time with its future arrival cycle; it is invisible
/// (not "arrived") until then. Credits bound the occupancy.
struct FlitRing {
  uint32_t head = 0;
  uint32_t count = 0;
};

/// Credits held by a sender for one downstream VC buffer: an absorbed count
/// plus credits still travelling back (a FIFO of arrival cycles, nondecreasing
/// because the link latency is fixed).
struct CreditCounter {
  uint32_t credits = 0;
  uint32_t pendHead = 0;
  uint32_t pendCount = 0;
};

/// State of one input VC beyond its flits.
struct InputVcState {
  uint8_t route = kNoRoute; // output port of the branch/packet being forwarded
  uint8_t mcMask = 0;       // multicast: branches not yet finished (incl. current)
  uint16_t mcFlits = 0;     // multicast: flits of the packet at the front
  uint16_t readPos = 0;     // multicast, non-last branch: next flit offset to send
};

class Router {
public:
  uint32_t id = 0, x = 0, y = 0;
  std::array<int32_t, kNumPorts> neighbor{};  // router id behind each output, -1 if none

  // [port * V + vc]
  std::vector<FlitRing> in;
  std::vector<InputVcState> inState;
  std::vector<CreditCounter> out;       // credits for the downstream buffer
  std::vector<uint8_t> owned;           // output VC owned by a packet
  // [(port * V + vc) * ringCap + slot]
  std::vector<Flit> buf;
  std::vector<uint64_t> arrival;
  std::vector<uint8_t> headRoute;       // heads: output port computed on arrival
  std::vector<uint64_t> creditTime;     // pending credit arrival cycles

  std::array<uint8_t, kNumPorts> inRR{};   // last VC granted per input port
  std::array<uint8_t, kNumPorts> outRR{};  // last input port granted per output port
  std::array<uint32_t, kNumPorts> portFlits{};
  uint32_t flits = 0;                       // flits in (or travelling to) the input buffers
  uint64_t pendingMask = 0;                 // output VCs with credits in flight
  const uint8_t *mcTable = nullptr;         // mask per group id
  uint32_t mcTableSize = 0;
};

} // namespace xpu::emu
