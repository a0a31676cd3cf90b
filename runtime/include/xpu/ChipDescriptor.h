// The chip descriptor: every architectural parameter of an XPU v0 chip.
//
// One schema, loaded from JSON and validated once; every consumer (compiler,
// emulator, RTL parameters, executables) uses this struct. docs/arch.md
// section "Chip descriptor" lists each field's unit, default and range.
#pragma once

#include "xpu/Error.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace xpu {

/// Energy per event in picojoules (defaults documented in docs/arch.md).
struct EnergyModel {
  double aluOp = 0.5;            // per Alu/Control/Branch instruction
  double mulOp = 1.5;            // per Mul instruction
  double sramReadByte = 0.6;     // per byte read from SRAM (loads, vector ops, send)
  double sramWriteByte = 0.8;    // per byte written to SRAM
  double vectorMac = 0.7;        // per int8 x int8 MAC lane-op in vdot/vmacs
  double neuronUpdate = 2.0;     // per neuron updated by nstep
  double flitHop = 3.5;          // per flit crossing one router + link
  double routerBufferWrite = 0.9;// per flit written into a router input buffer
  double coreIdleCycle = 0.05;   // leakage per core per cycle (any state)
};

struct ChipDescriptor {
  std::string name = "xpu-v0";
  // mesh
  uint32_t width = 4;            // cores in x, 1..256
  uint32_t height = 4;           // cores in y, 1..256
  // core
  uint32_t sramBytes = 65536;    // data SRAM per core, 1 KiB..16 MiB, multiple of 8
  uint32_t imemInstructions = 4096; // instruction memory per core, 16..65536
  uint32_t vectorLanes = 16;     // 1..256, power of two
  uint32_t mailboxes = 8;        // per core, 1..256
  uint32_t mailboxDepth = 4;     // messages per mailbox, 1..1024
  uint32_t maxMessageBytes = 256;// payload bytes per message, 4..65535
  // network
  uint32_t virtualChannels = 2;  // per port, 1..8
  uint32_t bufferDepth = 4;      // flits per VC input buffer, 1..64
  uint32_t flitBytes = 8;        // payload bytes per flit: 8, 16 or 32
  uint32_t routerLatency = 1;    // cycles from buffer write to switch traversal, 1..8
  uint32_t linkLatency = 1;      // cycles per link, 1..16
  uint32_t multicastGroups = 64; // multicast table entries per router, 0..4096
  uint32_t barrierLatency = 0;   // cycles from global arrival to release; 0 = width + height
  // clock and energy
  double clockMhz = 1000.0;      // 1..10000
  EnergyModel energy;

  uint32_t numCores() const { return width * height; }
  uint32_t coreId(uint32_t x, uint32_t y) const { return y * width + x; }
  uint32_t coreX(uint32_t id) const { return id % width; }
  uint32_t coreY(uint32_t id) const { return id / width; }
  uint32_t effectiveBarrierLatency() const {
    return barrierLatency ? barrierLatency : width + height;
  }
};

/// Parses and validates a descriptor. Missing fields take their defaults;
/// unknown fields are errors (typos must not be silently ignored). Errors name
/// the JSON pointer and the allowed range, prefixed by `source` (a file name).
Expected<ChipDescriptor> parseChipDescriptor(const nlohmann::json &j,
                                             const std::string &source);
Expected<ChipDescriptor> loadChipDescriptor(const std::string &path);
/// Checks every field's range (the same rules as parseChipDescriptor), for
/// descriptors built in code; `source` prefixes the messages.
std::optional<Error> validateChipDescriptor(const ChipDescriptor &chip, const std::string &source);
/// Full JSON form (every field written), accepted back by parseChipDescriptor.
nlohmann::json toJson(const ChipDescriptor &chip);

} // namespace xpu
