// Network interface: packetisation, reassembly, mailboxes, overflow policies
// and spawn boots (docs/arch.md 6 and 9; timing in docs/emulator.md).
#include "xpu/emu/NetworkInterface.h"

#include "xpu/Semantics.h"

#include <algorithm>
#include <limits>
#include <sstream>

namespace xpu::emu {

namespace {
constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

inline uint8_t flitByte(const Flit &f, uint32_t i) {
  return uint8_t(f.data[i / 8] >> (8 * (i % 8)));
}
} // namespace

NetworkInterface::NetworkInterface(const ChipDescriptor &chip, uint32_t core,
                                   Network &network, ChipServices &services)
    : chip_(chip), id_(core), net_(network), services_(services),
      policies_(chip.mailboxes, MailboxPolicy::Block),
      capacities_(chip.mailboxes, chip.mailboxDepth),
      mailboxes_(chip.mailboxes), rx_(chip.virtualChannels) {
  rxLast_ = uint8_t(chip.virtualChannels - 1); // first scan starts at VC 0
}

void NetworkInterface::setPolicy(uint32_t mailbox, MailboxPolicy policy,
                                 uint32_t capacity) {
  if (mailbox >= policies_.size())
    return;
  policies_[mailbox] = policy;
  capacities_[mailbox] = capacity && capacity < chip_.mailboxDepth
                             ? capacity
                             : chip_.mailboxDepth;
}

// ---------------------------------------------------------------- outbound

std::vector<Flit> NetworkInterface::packetise(const ChipDescriptor &chip,
                                              uint32_t source,
                                              const OutboundMessage &msg,
                                              uint64_t packetId,
                                              uint64_t createdCycle) {
  const uint32_t F = chip.flitBytes;
  PacketHeader h;
  h.dest = uint16_t(msg.dest);
  h.source = uint16_t(source);
  h.kind = msg.kind;
  h.mcast = msg.kind == PacketKind::Message && msg.mcast;
  uint8_t vc = 0;
  std::vector<uint8_t> body;
  if (msg.kind == PacketKind::Spawn) {
    // One body flit: boot argument and image index (docs/arch.md 4). The
    // header's length is the 8 bytes of that word.
    const uint64_t w = packSpawnBody(msg.spawnArg, uint16_t(msg.spawnImage));
    for (int i = 0; i < 8; ++i)
      body.push_back(uint8_t(w >> (8 * i)));
    h.mailbox = 0;
  } else {
    h.mailbox = msg.mailbox;
    vc = uint8_t(msg.mailbox % chip.virtualChannels);
    body = msg.payload;
  }
  h.length = uint16_t(body.size());
  const uint32_t n = sem::packetFlits(uint32_t(body.size()), F);
  std::vector<Flit> flits(n);
  for (uint32_t i = 0; i < n; ++i) {
    Flit &f = flits[i];
    f.vc = vc;
    f.head = i == 0;
    f.tail = i == n - 1;
    f.packetId = packetId;
    f.seq = i;
    f.createdCycle = createdCycle;
  }
  flits[0].data[0] = packHeader(h);
  for (size_t b = 0; b < body.size(); ++b) {
    Flit &f = flits[1 + b / F];
    const size_t o = b % F;
    f.data[o / 8] |= uint64_t(body[b]) << (8 * (o % 8));
  }
  return flits;
}

bool NetworkInterface::outboundFree(uint64_t now) const {
  return !out_.active && now >= freeFrom_;
}

void NetworkInterface::post(OutboundMessage msg, uint64_t readyCycle) {
  // The head flit is created when the core's copy is done (readyCycle).
  const uint64_t packetId = (uint64_t(id_) << 40) | ++packetCount_;
  out_.flits = packetise(chip_, id_, msg, packetId, readyCycle);
  out_.active = true;
  out_.ready = readyCycle;
  out_.next = 0;
  ++stats_.packetsSent;
  if (msg.kind == PacketKind::Spawn)
    services_.spawnPosted();
}

bool NetworkInterface::transmit(uint64_t now) {
  if (!out_.active || now < out_.ready)
    return false;
  const Flit &f = out_.flits[out_.next];
  if (net_.injectCredits(id_, f.vc, now) == 0)
    return false;
  net_.inject(id_, f, now);
  ++stats_.flitsSent;
  if (++out_.next == out_.flits.size()) {
    out_.active = false;
    out_.flits.clear();
    freeFrom_ = now + 1; // empty again after the tail is injected
  }
  return true;
}

// ---------------------------------------------------------------- inbound

bool NetworkInterface::reassembling() const {
  for (const VcRx &rx : rx_)
    if (rx.mode != Rx::Idle)
      return true;
  return false;
}

uint32_t NetworkInterface::mailboxOccupancy(uint32_t mailbox) const {
  const Mailbox &m = mailboxes_[mailbox];
  return uint32_t(m.messages.size()) + (m.reserved ? 1 : 0);
}

bool NetworkInterface::canTake(const VcRx &rx, const Flit &f) const {
  if (rx.mode != Rx::Idle || !f.head)
    return true; // body flits of a packet already accepted
  const PacketHeader h = unpackHeader(f.data[0]);
  if (h.kind != PacketKind::Message || h.mailbox >= chip_.mailboxes)
    return true; // spawns are consumed immediately; bad mailboxes discarded
  if (mailboxOccupancy(h.mailbox) < capacities_[h.mailbox])
    return true;
  return policies_[h.mailbox] != MailboxPolicy::Block;
}

bool NetworkInterface::receive(uint64_t now) {
  const uint32_t V = chip_.virtualChannels;
  for (uint32_t i = 1; i <= V; ++i) {
    const uint8_t vc = uint8_t((rxLast_ + i) % V);
    const Flit *f = net_.ejectFront(id_, vc, now);
    if (!f || !canTake(rx_[vc], *f))
      continue;
    const Flit flit = *f; // ejectPop invalidates f
    net_.ejectPop(id_, vc, now);
    rxLast_ = vc;
    ++stats_.flitsReceived;
    take(vc, flit, now);
    return true;
  }
  return false;
}

void NetworkInterface::take(uint8_t vc, const Flit &f, uint64_t now) {
  VcRx &rx = rx_[vc];
  if (f.head) {
    rx.header = unpackHeader(f.data[0]);
    rx.payload.clear();
    rx.spawnBody = 0;
    const PacketHeader &h = rx.header;
    if (h.kind == PacketKind::Spawn) {
      rx.mode = Rx::Spawn;
    } else if (h.mailbox >= chip_.mailboxes) {
      rx.mode = Rx::Discard; // cannot happen with a checked sender
    } else {
      Mailbox &m = mailboxes_[h.mailbox];
      if (mailboxOccupancy(h.mailbox) < capacities_[h.mailbox]) {
        rx.mode = Rx::Message;
        m.reserved = true;
      } else {
        const MailboxPolicy p = policies_[h.mailbox];
        ++stats_.dropped[size_t(p)];
        if (p == MailboxPolicy::DropOldest && !m.messages.empty()) {
          m.messages.pop_front();
          rx.mode = Rx::Message;
          m.reserved = true;
        } else {
          rx.mode = Rx::Discard;
          if (p == MailboxPolicy::Error && core_)
            core_->fault(sem::Fault::MailboxOverflow);
        }
      }
      if (rx.mode == Rx::Message)
        rx.payload.reserve(h.length);
    }
  } else {
    const uint32_t F = chip_.flitBytes;
    if (rx.mode == Rx::Message) {
      const uint32_t have = uint32_t(rx.payload.size());
      const uint32_t n = std::min<uint32_t>(F, rx.header.length - have);
      for (uint32_t i = 0; i < n; ++i)
        rx.payload.push_back(flitByte(f, i));
    } else if (rx.mode == Rx::Spawn && f.seq == 1) {
      rx.spawnBody = f.data[0];
    }
  }
  if (f.tail)
    finish(rx, f, now);
}

void NetworkInterface::finish(VcRx &rx, const Flit &tail, uint64_t now) {
  stats_.packetLatencies.push_back(uint32_t(
      std::min<uint64_t>(now - std::min(now, tail.createdCycle), UINT32_MAX)));
  lastTail_ = now;
  anyTail_ = true;
  const PacketHeader &h = rx.header;
  switch (rx.mode) {
  case Rx::Message: {
    Mailbox &m = mailboxes_[h.mailbox];
    m.reserved = false;
    Stored s;
    s.msg.source = h.source;
    s.msg.payload = std::move(rx.payload);
    s.visibleCycle = now + 1;
    m.messages.push_back(std::move(s));
    ++stats_.messagesDelivered;
    break;
  }
  case Rx::Spawn: {
    services_.spawnConsumed();
    const uint32_t arg = uint32_t(rx.spawnBody);
    const uint32_t index = uint32_t((rx.spawnBody >> 32) & 0xFFFF);
    const ProgramImage *img = services_.image(index);
    const CoreState st = core_ ? core_->state() : CoreState::Running;
    if (img && (st == CoreState::Idle || st == CoreState::Halted)) {
      uint64_t dataBytes = 0;
      for (const DataSegment &seg : img->data)
        dataBytes += seg.bytes.size();
      const uint64_t bootCycles = 16 + img->code.size() + (dataBytes + 7) / 8;
      core_->boot(*img, arg, now + bootCycles);
      ++stats_.spawnsBooted;
    } else {
      ++stats_.spawnRejected;
    }
    break;
  }
  case Rx::Discard:
  case Rx::Idle:
    break;
  }
  rx.mode = Rx::Idle;
  rx.payload.clear();
}

uint64_t NetworkInterface::nextWake(uint64_t now) const {
  uint64_t next = kNever;
  if (out_.active)
    next = std::max(out_.ready, now + 1);
  if (freeFrom_ > now)
    next = std::min(next, freeFrom_);
  if (anyTail_ && lastTail_ + 1 > now)
    next = std::min(next, lastTail_ + 1);
  return next;
}

// ---------------------------------------------------------------- CoreIo

uint32_t NetworkInterface::mailboxCount(uint32_t mbox, uint64_t now) const {
  if (mbox >= mailboxes_.size())
    return 0;
  const auto &q = mailboxes_[mbox].messages;
  uint32_t n = uint32_t(q.size());
  // Only the newest messages can still be invisible.
  for (auto it = q.rbegin(); it != q.rend() && it->visibleCycle > now; ++it)
    --n;
  return n;
}

InboundMessage NetworkInterface::popMailbox(uint32_t mbox, uint64_t now) {
  auto &q = mailboxes_[mbox].messages;
  InboundMessage m = std::move(q.front().msg);
  q.pop_front();
  return m;
}

const InboundMessage *NetworkInterface::peekMailbox(uint32_t mbox,
                                                    uint64_t now) const {
  const auto &q = mailboxes_[mbox].messages;
  if (q.empty() || q.front().visibleCycle > now)
    return nullptr;
  return &q.front().msg;
}

bool NetworkInterface::isGroupSource(uint32_t group) const {
  return services_.isGroupSource(group, id_);
}
uint32_t NetworkInterface::imageCount() const { return services_.imageCount(); }
void NetworkInterface::arriveBarrier(uint64_t now) {
  services_.arriveBarrier(id_, now);
}
uint32_t NetworkInterface::timestep() const { return services_.timestep(); }

std::string NetworkInterface::describeMailboxes() const {
  std::ostringstream os;
  for (uint32_t m = 0; m < mailboxes_.size(); ++m) {
    const uint32_t occ = mailboxOccupancy(m);
    if (!occ)
      continue;
    os << "  core " << id_ << " mailbox " << m << ": " << occ << "/"
       << capacities_[m] << " (" << policyName(policies_[m]) << ")";
    if (mailboxes_[m].reserved)
      os << ", one being reassembled";
    os << "\n";
  }
  if (out_.active)
    os << "  core " << id_ << " outbound buffer: " << out_.flits.size() - out_.next
       << " flit(s) of a packet to " << (unpackHeader(out_.flits[0].data[0]).mcast ? "group " : "core ")
       << unpackHeader(out_.flits[0].data[0]).dest << " waiting\n";
  return os.str();
}

} // namespace xpu::emu
