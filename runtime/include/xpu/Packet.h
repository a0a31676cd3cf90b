// Packet and flit format of the XPU network (docs/arch.md section 4).
//
// The head flit's first 64 payload bits carry the routing header; body flits
// carry message bytes. Shared by the emulator's NI and router, the RTL test
// benches and the traffic generators.
#pragma once

#include <cstdint>

namespace xpu {

enum class PacketKind : uint8_t { Message = 0, Spawn = 1 };

/// Router ports, in the order used by round-robin arbitration and by the
/// multicast branch order.
enum class Port : uint8_t { Local = 0, East = 1, West = 2, North = 3, South = 4 };
constexpr unsigned kNumPorts = 5;

struct PacketHeader {
  uint16_t dest = 0;        // core id, or multicast group id if mcast
  uint16_t source = 0;      // core id of the sender
  uint8_t mailbox = 0;
  uint16_t length = 0;      // payload bytes
  bool mcast = false;
  PacketKind kind = PacketKind::Message;

  friend bool operator==(const PacketHeader &a, const PacketHeader &b) {
    return a.dest == b.dest && a.source == b.source && a.mailbox == b.mailbox &&
           a.length == b.length && a.mcast == b.mcast && a.kind == b.kind;
  }
};

constexpr uint64_t packHeader(const PacketHeader &h) {
  return uint64_t(h.dest) | uint64_t(h.source) << 16 |
         uint64_t(h.mailbox) << 32 | uint64_t(h.length) << 40 |
         uint64_t(h.mcast) << 56 | uint64_t(h.kind) << 57;
}

constexpr PacketHeader unpackHeader(uint64_t w) {
  PacketHeader h;
  h.dest = uint16_t(w);
  h.source = uint16_t(w >> 16);
  h.mailbox = uint8_t(w >> 32);
  h.length = uint16_t(w >> 40);
  h.mcast = (w >> 56) & 1;
  h.kind = PacketKind((w >> 57) & 3);
  return h;
}

/// Spawn packet body (one flit): boot argument and image index.
constexpr uint64_t packSpawnBody(uint32_t arg, uint16_t image) {
  return uint64_t(arg) | uint64_t(image) << 32;
}

/// XY routing: the output port a unicast packet at (x, y) takes to (dx, dy).
constexpr Port routeXY(uint32_t x, uint32_t y, uint32_t dx, uint32_t dy) {
  if (dx > x) return Port::East;
  if (dx < x) return Port::West;
  if (dy < y) return Port::North;
  if (dy > y) return Port::South;
  return Port::Local;
}

} // namespace xpu
