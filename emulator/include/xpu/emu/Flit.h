// A flit as it moves through the emulated network (docs/arch.md section 4).
#pragma once

#include <array>
#include <cstdint>

namespace xpu::emu {

struct Flit {
  /// Payload: flit_bytes (8, 16 or 32) little-endian bytes in 64-bit words.
  /// For a head flit data[0] is packHeader(...) and the rest is zero.
  std::array<uint64_t, 4> data{};
  uint8_t vc = 0;
  bool head = false;
  bool tail = false;

  // Simulation bookkeeping, not architectural: statistics and the always-on
  // conservation check (every flit delivered exactly once, in order).
  uint64_t packetId = 0;     // unique per packet in a run
  uint32_t seq = 0;          // flit index within its packet
  uint64_t createdCycle = 0; // cycle the NI created the head flit
};

} // namespace xpu::emu
