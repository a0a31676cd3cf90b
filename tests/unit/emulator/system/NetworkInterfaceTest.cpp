// Network interface without SystemC: packetisation, reassembly over a real
// Network, visibility timing and the mailbox overflow policies.
#include "xpu/emu/Core.h"
#include "xpu/emu/Network.h"
#include "xpu/emu/NetworkInterface.h"
#include "xpu/Semantics.h"

#include <gtest/gtest.h>

#include <memory>

namespace xpu::emu {
namespace {

struct CountingServices : ChipServices {
  uint32_t barriers = 0;
  void arriveBarrier(uint32_t, uint64_t) override { ++barriers; }
  uint32_t timestep() const override { return 0; }
  const ProgramImage *image(uint32_t) const override { return nullptr; }
  uint32_t imageCount() const override { return 0; }
  bool isGroupSource(uint32_t, uint32_t) const override { return false; }
};

std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = uint8_t(seed * 131 + i * 7 + (i >> 3));
  return v;
}

OutboundMessage message(uint32_t dest, uint8_t mailbox, std::vector<uint8_t> payload) {
  OutboundMessage m;
  m.dest = dest;
  m.mailbox = mailbox;
  m.payload = std::move(payload);
  return m;
}

TEST(Packetise, FlitCountsHeaderAndPayloadForEveryLength) {
  for (uint32_t F : {8u, 16u, 32u}) {
    ChipDescriptor chip;
    chip.flitBytes = F;
    chip.virtualChannels = 3;
    for (uint32_t len = 0; len <= chip.maxMessageBytes; ++len) {
      const auto payload = pattern(len, len);
      const auto flits = NetworkInterface::packetise(
          chip, 5, message(9, uint8_t(len % 8), payload), 77, 1000);
      ASSERT_EQ(flits.size(), sem::packetFlits(len, F)) << "len " << len;
      const PacketHeader h = unpackHeader(flits[0].data[0]);
      EXPECT_EQ(h.dest, 9);
      EXPECT_EQ(h.source, 5);
      EXPECT_EQ(h.mailbox, len % 8);
      EXPECT_EQ(h.length, len);
      EXPECT_FALSE(h.mcast);
      EXPECT_EQ(h.kind, PacketKind::Message);
      for (int w = 1; w < 4; ++w)
        EXPECT_EQ(flits[0].data[w], 0u);
      std::vector<uint8_t> back;
      for (size_t i = 0; i < flits.size(); ++i) {
        EXPECT_EQ(flits[i].head, i == 0);
        EXPECT_EQ(flits[i].tail, i == flits.size() - 1);
        EXPECT_EQ(flits[i].vc, (len % 8) % 3);
        EXPECT_EQ(flits[i].packetId, 77u);
        EXPECT_EQ(flits[i].seq, i);
        if (i == 0)
          continue;
        for (uint32_t b = 0; b < F; ++b) {
          const uint8_t byte = uint8_t(flits[i].data[b / 8] >> (8 * (b % 8)));
          if (back.size() < len)
            back.push_back(byte);
          else
            EXPECT_EQ(byte, 0) << "padding must be zero";
        }
      }
      EXPECT_EQ(back, payload);
    }
  }
}

TEST(Packetise, SpawnAndMulticastHeads) {
  ChipDescriptor chip;
  OutboundMessage spawn;
  spawn.kind = PacketKind::Spawn;
  spawn.dest = 3;
  spawn.mailbox = 5; // ignored: spawns use VC 0, mailbox 0
  spawn.spawnArg = 0xDEADBEEF;
  spawn.spawnImage = 2;
  auto f = NetworkInterface::packetise(chip, 1, spawn, 1, 0);
  ASSERT_EQ(f.size(), 2u);
  const PacketHeader h = unpackHeader(f[0].data[0]);
  EXPECT_EQ(h.kind, PacketKind::Spawn);
  EXPECT_EQ(h.dest, 3);
  EXPECT_EQ(h.mailbox, 0);
  EXPECT_EQ(f[0].vc, 0);
  EXPECT_EQ(f[1].data[0], packSpawnBody(0xDEADBEEF, 2));

  OutboundMessage mc = message(7, 3, pattern(10, 1));
  mc.mcast = true;
  f = NetworkInterface::packetise(chip, 0, mc, 2, 0);
  EXPECT_TRUE(unpackHeader(f[0].data[0]).mcast);
  EXPECT_EQ(unpackHeader(f[0].data[0]).dest, 7); // the group id
  EXPECT_EQ(f[0].vc, 3 % chip.virtualChannels);
}

/// Two tiles on a 2x1 mesh, driven cycle by cycle without SystemC.
struct Pair {
  ChipDescriptor chip;
  CountingServices services;
  std::unique_ptr<Network> net;
  std::unique_ptr<NetworkInterface> a, b;
  std::unique_ptr<Core> coreB;
  uint64_t now = 0;

  explicit Pair(ChipDescriptor c) : chip(c) {
    chip.width = 2;
    chip.height = 1;
    net = std::make_unique<Network>(chip, std::vector<MulticastGroup>{});
    a = std::make_unique<NetworkInterface>(chip, 0, *net, services);
    b = std::make_unique<NetworkInterface>(chip, 1, *net, services);
    coreB = std::make_unique<Core>(chip, 1, *b);
    b->attachCore(coreB.get());
  }
  /// One cycle: b receives, a transmits, the routers move flits.
  void cycle() {
    b->receive(now);
    a->transmit(now);
    net->tick(now);
    ++now;
  }
};

TEST(NetworkInterface, ReassemblesEveryLengthInOrder) {
  ChipDescriptor c;
  c.flitBytes = 8;
  Pair p(c);
  std::vector<std::vector<uint8_t>> sent, got;
  uint64_t flits = 0;
  uint32_t next = 0;
  while (got.size() < c.maxMessageBytes + 1) {
    if (next <= c.maxMessageBytes && p.a->outboundFree(p.now)) {
      sent.push_back(pattern(next, next + 3));
      flits += sem::packetFlits(next, c.flitBytes);
      p.a->post(message(1, 2, sent.back()), p.now + 1);
      ++next;
    }
    while (p.b->mailboxCount(2, p.now) > 0) {
      InboundMessage m = p.b->popMailbox(2, p.now);
      EXPECT_EQ(m.source, 0u);
      got.push_back(std::move(m.payload));
    }
    p.cycle();
    ASSERT_LT(p.now, 200000u) << "messages stopped flowing";
  }
  EXPECT_EQ(got, sent);
  EXPECT_EQ(p.a->stats().flitsSent, flits);
  EXPECT_EQ(p.b->stats().flitsReceived, flits);
  EXPECT_EQ(p.b->stats().messagesDelivered, sent.size());
  EXPECT_EQ(p.net->stats().flitsInjected, flits);
}

TEST(NetworkInterface, MessageVisibleTheCycleAfterItsTail) {
  Pair p{ChipDescriptor{}};
  p.a->post(message(1, 0, pattern(20, 1)), 0); // 4 flits
  uint64_t tailCycle = 0;
  while (p.b->stats().messagesDelivered == 0) {
    p.cycle();
    tailCycle = p.now - 1;
    ASSERT_LT(p.now, 100u);
  }
  // Head created at 0 and injected at 0, so t0 = 1; one hop (R = L = 1), four
  // flits: the tail is consumed at t0 + H(R+L) + R + n = 1 + 2 + 1 + 4 = 8.
  EXPECT_EQ(tailCycle, 8u);
  EXPECT_EQ(p.b->mailboxCount(0, tailCycle), 0u);
  EXPECT_EQ(p.b->peekMailbox(0, tailCycle), nullptr);
  EXPECT_EQ(p.b->mailboxCount(0, tailCycle + 1), 1u);
  EXPECT_EQ(p.b->stats().packetLatencies, std::vector<uint32_t>{8});
}

TEST(NetworkInterface, OutboundBufferFreeTheCycleAfterItsTail) {
  Pair p{ChipDescriptor{}};
  EXPECT_TRUE(p.a->outboundFree(0));
  p.a->post(message(1, 0, pattern(16, 1)), 2); // 3 flits from cycle 2
  for (uint64_t t = 0; t <= 4; ++t) {
    EXPECT_FALSE(p.a->outboundFree(t)) << t;
    p.cycle();
  }
  // Flits injected at 2, 3, 4: free from 5.
  EXPECT_TRUE(p.a->outboundFree(5));
  EXPECT_FALSE(p.a->outboundBusy());
}

/// Sends `count` 4-byte messages numbered 0.. to mailbox 0 of b without
/// receiving; returns the numbers left in the mailbox after the traffic
/// settles.
std::vector<uint8_t> flood(Pair &p, uint32_t count, uint64_t cycles = 400) {
  uint32_t sent = 0;
  for (uint64_t i = 0; i < cycles; ++i) {
    if (sent < count && p.a->outboundFree(p.now)) {
      p.a->post(message(1, 0, {uint8_t(sent), 0, 0, 0}), p.now + 1);
      ++sent;
    }
    p.cycle();
  }
  std::vector<uint8_t> left;
  while (p.b->mailboxCount(0, p.now) > 0)
    left.push_back(p.b->popMailbox(0, p.now).payload[0]);
  return left;
}

TEST(MailboxPolicy, DropNewestKeepsTheFirstAndCounts) {
  ChipDescriptor c;
  c.mailboxDepth = 3;
  Pair p(c);
  p.b->setPolicy(0, MailboxPolicy::DropNewest);
  EXPECT_EQ(flood(p, 8), (std::vector<uint8_t>{0, 1, 2}));
  EXPECT_EQ(p.b->stats().dropped[size_t(MailboxPolicy::DropNewest)], 5u);
  EXPECT_TRUE(p.net->quiescent());
}

TEST(MailboxPolicy, DropOldestKeepsTheLastAndCounts) {
  ChipDescriptor c;
  c.mailboxDepth = 3;
  Pair p(c);
  p.b->setPolicy(0, MailboxPolicy::DropOldest);
  EXPECT_EQ(flood(p, 8), (std::vector<uint8_t>{5, 6, 7}));
  EXPECT_EQ(p.b->stats().dropped[size_t(MailboxPolicy::DropOldest)], 5u);
}

TEST(MailboxPolicy, ErrorFaultsTheCoreWithMailboxOverflow) {
  ChipDescriptor c;
  c.mailboxDepth = 2;
  Pair p(c);
  p.b->setPolicy(0, MailboxPolicy::Error);
  EXPECT_EQ(flood(p, 3), (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(p.coreB->state(), CoreState::Faulted);
  EXPECT_EQ(p.coreB->faultCode(), sem::Fault::MailboxOverflow);
  EXPECT_EQ(p.b->stats().dropped[size_t(MailboxPolicy::Error)], 1u);
}

TEST(MailboxPolicy, BlockBackPressuresAndLosesNothing) {
  ChipDescriptor c;
  c.mailboxDepth = 2;
  Pair p(c);
  // Without receiving, only `depth` messages enter the mailbox; the rest wait
  // in the ejection buffer, the router, and the sender's outbound buffer.
  uint32_t sent = 0;
  for (int i = 0; i < 400; ++i) {
    if (sent < 12 && p.a->outboundFree(p.now)) {
      p.a->post(message(1, 0, {uint8_t(sent), 0, 0, 0}), p.now + 1);
      ++sent;
    }
    p.cycle();
  }
  EXPECT_EQ(p.b->mailboxCount(0, p.now), 2u);
  EXPECT_LT(sent, 12u) << "the sender must be back-pressured";
  EXPECT_TRUE(p.a->outboundBusy());
  EXPECT_FALSE(p.net->quiescent());
  // Now receive everything: all 12 arrive, in order.
  std::vector<uint8_t> got;
  for (int i = 0; i < 2000 && got.size() < 12; ++i) {
    if (sent < 12 && p.a->outboundFree(p.now)) {
      p.a->post(message(1, 0, {uint8_t(sent), 0, 0, 0}), p.now + 1);
      ++sent;
    }
    while (p.b->mailboxCount(0, p.now) > 0)
      got.push_back(p.b->popMailbox(0, p.now).payload[0]);
    p.cycle();
  }
  std::vector<uint8_t> expect(12);
  for (int i = 0; i < 12; ++i)
    expect[i] = uint8_t(i);
  EXPECT_EQ(got, expect);
  uint64_t drops = 0;
  for (uint64_t d : p.b->stats().dropped)
    drops += d;
  EXPECT_EQ(drops, 0u);
}

TEST(MailboxPolicy, FullBlockingMailboxDoesNotStopOtherVcs) {
  ChipDescriptor c;
  c.mailboxDepth = 1;
  c.virtualChannels = 2;
  Pair p(c);
  // Fill mailbox 0 (VC 0) and leave a blocked head behind it...
  p.a->post(message(1, 0, {1}), 0);
  for (int i = 0; i < 20; ++i) p.cycle();
  p.a->post(message(1, 0, {2}), p.now);
  for (int i = 0; i < 20; ++i) p.cycle();
  // ...then a message for mailbox 1 (VC 1) still gets through.
  p.a->post(message(1, 1, {3}), p.now);
  for (int i = 0; i < 20; ++i) p.cycle();
  EXPECT_EQ(p.b->mailboxCount(0, p.now), 1u);
  EXPECT_EQ(p.b->mailboxCount(1, p.now), 1u);
}

} // namespace
} // namespace xpu::emu
