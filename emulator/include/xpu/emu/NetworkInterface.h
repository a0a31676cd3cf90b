// The network interface of one tile (docs/arch.md sections 6 and 9): the
// core's single outbound message buffer, packetisation into flits, the
// mailboxes, reassembly, overflow policies and spawn handling.
//
// Plain C++, driven once per cycle by the tile: receive(now) consumes at most
// one flit from the ejection buffers, transmit(now) injects at most one flit.
// Everything is timestamped (a message is visible the cycle after its tail is
// consumed, the outbound buffer is free the cycle after its tail is injected),
// so the result does not depend on the order tiles are evaluated in.
#pragma once

#include "xpu/ChipDescriptor.h"
#include "xpu/Executable.h"
#include "xpu/emu/Core.h"
#include "xpu/emu/Flit.h"
#include "xpu/emu/Network.h"

#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace xpu::emu {

/// What an NI needs from the chip around it. The Mesh implements it; unit
/// tests may stub it.
class ChipServices {
public:
  virtual ~ChipServices() = default;
  /// The core of tile `core` executed `barrier` at `now`.
  virtual void arriveBarrier(uint32_t core, uint64_t now) = 0;
  /// Barriers released since load (CSR timestep).
  virtual uint32_t timestep() const = 0;
  /// The chip-level image store (docs/arch.md 9); nullptr if out of range.
  virtual const ProgramImage *image(uint32_t index) const = 0;
  virtual uint32_t imageCount() const = 0;
  /// True if multicast group `group` exists and has `core` as its source.
  virtual bool isGroupSource(uint32_t group, uint32_t core) const = 0;
  /// A spawn packet left / reached an NI (the chip is not finished while
  /// spawn requests are in flight).
  virtual void spawnPosted() {}
  virtual void spawnConsumed() {}
};

/// Counters of one NI (dropped messages are indexed by MailboxPolicy).
struct NiStats {
  uint64_t packetsSent = 0, flitsSent = 0;
  uint64_t flitsReceived = 0;
  uint64_t messagesDelivered = 0;     // placed in a mailbox
  std::array<uint64_t, 4> dropped{};  // [DropNewest], [DropOldest], [Error]
  uint64_t spawnsBooted = 0, spawnRejected = 0;
  std::vector<uint32_t> packetLatencies; // head creation -> tail consumed
};

class NetworkInterface final : public CoreIo {
public:
  NetworkInterface(const ChipDescriptor &chip, uint32_t core, Network &network,
                   ChipServices &services);

  /// The core this NI serves (spawn boots it, `error` overflows fault it).
  void attachCore(Core *core) { core_ = core; }
  /// `capacity`: messages before the mailbox is full (0: mailbox_depth).
  void setPolicy(uint32_t mailbox, MailboxPolicy policy, uint32_t capacity = 0);
  MailboxPolicy policy(uint32_t mailbox) const { return policies_[mailbox]; }
  uint32_t capacity(uint32_t mailbox) const { return capacities_[mailbox]; }

  // ---- per cycle (called by the tile) ----
  /// Consumes at most one flit from the ejection buffers (round-robin over
  /// VCs whose front flit has arrived and can be taken). True if one was.
  bool receive(uint64_t now);
  /// Injects at most one flit of the outbound message. True if one was.
  bool transmit(uint64_t now);
  /// Earliest cycle > now at which receive/transmit may act or a message
  /// becomes visible, ignoring flits that have not reached the ejection
  /// buffer yet (the network wakes the tile for those); UINT64_MAX if none.
  uint64_t nextWake(uint64_t now) const;
  /// True if the outbound buffer holds a message (barrier quiescence).
  bool outboundBusy() const { return out_.active; }
  /// True if a packet is partly consumed (its remaining flits are still in
  /// the network, so the network is not quiescent either).
  bool reassembling() const;

  // ---- inspection ----
  uint32_t mailboxOccupancy(uint32_t mailbox) const;
  /// "core 2 mailbox 0: 4/4 (block)" lines for non-empty mailboxes.
  std::string describeMailboxes() const;
  const NiStats &stats() const { return stats_; }

  // ---- CoreIo ----
  bool outboundFree(uint64_t now) const override;
  void post(OutboundMessage msg, uint64_t readyCycle) override;
  uint32_t mailboxCount(uint32_t mbox, uint64_t now) const override;
  InboundMessage popMailbox(uint32_t mbox, uint64_t now) override;
  const InboundMessage *peekMailbox(uint32_t mbox, uint64_t now) const override;
  bool isGroupSource(uint32_t group) const override;
  uint32_t imageCount() const override;
  void arriveBarrier(uint64_t now) override;
  uint32_t timestep() const override;

  /// Builds the flits of a message exactly as the NI injects them (exposed
  /// for tests and for the RTL test benches).
  static std::vector<Flit> packetise(const ChipDescriptor &chip, uint32_t source,
                                     const OutboundMessage &msg, uint64_t packetId,
                                     uint64_t createdCycle);

private:
  struct Stored {
    InboundMessage msg;
    uint64_t visibleCycle;
  };
  struct Mailbox {
    std::deque<Stored> messages;
    bool reserved = false; // a message is being reassembled into it
  };
  enum class Rx : uint8_t { Idle, Message, Discard, Spawn };
  struct VcRx {
    Rx mode = Rx::Idle;
    PacketHeader header;
    std::vector<uint8_t> payload;
    uint64_t spawnBody = 0;
  };
  struct Outbound {
    bool active = false;
    uint64_t ready = 0;
    size_t next = 0;
    std::vector<Flit> flits;
  };

  bool canTake(const VcRx &rx, const Flit &f) const;
  void take(uint8_t vc, const Flit &f, uint64_t now);
  void finish(VcRx &rx, const Flit &tail, uint64_t now);

  const ChipDescriptor &chip_;
  uint32_t id_;
  Network &net_;
  ChipServices &services_;
  Core *core_ = nullptr;
  std::vector<MailboxPolicy> policies_;
  std::vector<uint32_t> capacities_;  // per mailbox, 1..mailbox_depth
  std::vector<Mailbox> mailboxes_;
  std::vector<VcRx> rx_;
  uint8_t rxLast_ = 0;        // VC consumed last (round-robin)
  Outbound out_;
  uint64_t freeFrom_ = 0;     // outbound buffer free from this cycle on
  uint64_t lastTail_ = 0;     // cycle the last tail was consumed (+1 = visible)
  bool anyTail_ = false;
  uint64_t packetCount_ = 0;
  NiStats stats_;
};

} // namespace xpu::emu
