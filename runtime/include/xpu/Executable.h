// The XPU executable (.xpuexe): program images, placement, routing tables'
// sources and the host I/O map, in one versioned, checksummed container.
//
// Binary layout (little-endian), specified in docs/arch.md "Executable format":
//   header (40 bytes) | manifest (JSON, UTF-8) | sections (8-byte aligned)
// The manifest refers to sections by {offset, size} from the start of file.
#pragma once

#include "xpu/ChipDescriptor.h"
#include "xpu/Error.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xpu {

constexpr char kExeMagic[8] = {'X', 'P', 'U', 'E', 'X', 'E', '\0', '\0'};
constexpr uint16_t kExeVersionMajor = 1;
constexpr uint16_t kExeVersionMinor = 0;
constexpr uint32_t kExeHeaderBytes = 40;

/// Bytes placed in SRAM at `address` when the image boots.
struct DataSegment {
  uint32_t address = 0;
  std::vector<uint8_t> bytes;
};

/// A program: code for the instruction memory plus initial SRAM contents.
/// Several cores may run the same image; spawn boots an image by index.
struct ProgramImage {
  std::string name;
  std::vector<uint64_t> code;   // encoded instruction words
  std::vector<DataSegment> data;
  uint32_t entry = 0;           // initial pc (instruction index)
};

/// Core `core` boots image `image` at load time.
struct CoreAssignment {
  uint32_t core = 0;
  uint32_t image = 0;
};

/// What a mailbox does with a message that arrives while it is full.
enum class MailboxPolicy : uint8_t { Block, DropNewest, DropOldest, Error };
const char *policyName(MailboxPolicy p);
std::optional<MailboxPolicy> policyFromName(const std::string &name);

struct MailboxConfig {
  uint32_t core = 0;
  uint32_t mailbox = 0;
  MailboxPolicy policy = MailboxPolicy::Block;  // mailboxes not listed block
  /// Messages the mailbox holds before it is full (its policy applies):
  /// 1..chip mailbox_depth; 0 (or absent in JSON) = mailbox_depth.
  uint32_t capacity = 0;
};

/// A multicast group: one source core, a set of destination cores. The loader
/// derives every router's table entry from it (XY tree, docs/arch.md), unless
/// the executable lists the group's entries explicitly (MulticastRoute).
struct MulticastGroup {
  uint32_t id = 0;
  uint32_t source = 0;
  std::vector<uint32_t> destinations;  // sorted, unique, may include source
};

/// An explicit table entry: router `router` forwards packets of group
/// `group` to the output ports in `ports` (bit i = Port i). A group with any
/// explicit entry uses exactly its entries (checked: xpu/Multicast.h).
struct MulticastRoute {
  uint32_t group = 0;
  uint32_t router = 0;
  uint8_t ports = 0;
};

/// A named host-visible SRAM window: inputs are written before a run or at a
/// barrier, outputs read after.
struct IoBinding {
  std::string name;
  uint32_t core = 0;
  uint32_t address = 0;
  uint32_t bytes = 0;
  std::string dtype = "i8";           // i8, u8, i16, i32
  std::vector<int64_t> shape;         // informative; product * dtype size == bytes
};

struct Symbol {
  enum class Kind : uint8_t { Code, Data };
  std::string name;
  uint32_t image = 0;
  Kind kind = Kind::Code;
  uint32_t value = 0;                 // instruction index or SRAM address
};

struct Executable {
  ChipDescriptor chip;
  std::vector<ProgramImage> images;
  std::vector<CoreAssignment> cores;
  std::vector<uint32_t> spareCores;   // reserved for spawn, start idle
  std::vector<MulticastGroup> multicastGroups;
  std::vector<MulticastRoute> multicastRoutes;  // explicit entries (optional)
  std::vector<MailboxConfig> mailboxPolicies;
  std::vector<IoBinding> inputs, outputs;
  std::vector<Symbol> symbols;
  std::string producer;               // tool and version that wrote the file
};

/// Checks that the executable is consistent with its chip: core ids inside the
/// mesh and assigned once, image indices valid, code within imem, data within
/// SRAM, groups with valid sources/destinations and ids < multicast_groups,
/// mailbox indices valid, I/O windows inside SRAM.
std::optional<Error> validateExecutable(const Executable &exe);

std::vector<uint8_t> serializeExecutable(const Executable &exe);
/// Never crashes on any input: truncation, bad magic/version, checksum
/// mismatch, malformed manifest, sections out of bounds and inconsistent
/// contents are all reported as errors prefixed by `source`.
Expected<Executable> parseExecutable(const uint8_t *data, size_t size,
                                     const std::string &source);
Expected<Executable> loadExecutable(const std::string &path);
std::optional<Error> saveExecutable(const Executable &exe, const std::string &path);

/// CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320) used by the container.
uint32_t crc32(const uint8_t *data, size_t size);

} // namespace xpu
