// The always-on conservation checker reports deliberately corrupted
// deliveries and NI protocol violations as std::logic_error.
#include "NocHarness.h"

#include <gtest/gtest.h>

#include <functional>

namespace xpu::emu::test {
namespace {

// Runs until core `core`'s ejection buffer holds `flits` arrived flits
// (its sink switched off), so the test can tamper with them.
void fillEjection(NocHarness &h, uint32_t core, uint32_t flits) {
  h.sinkOn[core] = false;
  for (int i = 0; i < 200; ++i) {
    h.step();
    uint32_t arrived = h.net.ejectOccupancy(core);
    if (arrived >= flits && h.net.ejectFront(core, 0, h.now)) {
      // one more cycle so the last flit has arrived, too
      h.step();
      return;
    }
  }
  FAIL() << "ejection buffer never filled";
}

std::string thrownMessage(const std::function<void()> &f) {
  try {
    f();
  } catch (const std::logic_error &e) {
    return e.what();
  }
  return "";
}

TEST(NocConservation, CleanRunPasses) {
  NocHarness h(makeChip(2, 1, 1, 4));
  h.send(0, 1, 0, 3);
  ASSERT_TRUE(h.drain());
  EXPECT_NO_THROW(h.net.checkAllDelivered());
}

TEST(NocConservation, DroppedBodyFlitIsReported) {
  NocHarness h(makeChip(2, 1, 1, 4));
  h.send(0, 1, 0, 3);
  fillEjection(h, 1, 3);
  h.sinkOn[1] = true;
  h.step();  // consumes the head
  h.net.testOnlyCorruptEjection(1, 0, EjectionCorruption::Drop);
  const std::string msg = thrownMessage([&] { h.drain(); });
  EXPECT_NE(msg.find("conservation check failed"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected packet"), std::string::npos) << msg;
}

TEST(NocConservation, DroppedPacketIsReportedAtTheEnd) {
  NocHarness h(makeChip(2, 1, 1, 4));
  h.send(0, 1, 0, 1);
  fillEjection(h, 1, 1);
  h.net.testOnlyCorruptEjection(1, 0, EjectionCorruption::Drop);
  h.sinkOn[1] = true;
  ASSERT_TRUE(h.drain());
  const std::string msg = thrownMessage([&] { h.net.checkAllDelivered(); });
  EXPECT_NE(msg.find("not delivered"), std::string::npos) << msg;
}

TEST(NocConservation, DuplicatedFlitIsReported) {
  for (uint32_t which : {0u, 1u}) {  // duplicate the head, or a body flit
    NocHarness h(makeChip(2, 1, 1, 4));
    h.send(0, 1, 0, 3);
    fillEjection(h, 1, 3);
    h.sinkOn[1] = true;
    if (which) h.step();
    h.net.testOnlyCorruptEjection(1, 0, EjectionCorruption::Duplicate);
    EXPECT_THROW(h.drain(), std::logic_error) << "duplicate of flit " << which;
  }
}

TEST(NocConservation, DuplicatedSingleFlitPacketIsReported) {
  NocHarness h(makeChip(2, 1, 1, 4));
  h.send(0, 1, 0, 1);
  fillEjection(h, 1, 1);
  h.net.testOnlyCorruptEjection(1, 0, EjectionCorruption::Duplicate);
  h.sinkOn[1] = true;
  const std::string msg = thrownMessage([&] { h.drain(); });
  EXPECT_NE(msg.find("not in flight"), std::string::npos) << msg;
}

TEST(NocConservation, MisroutedPacketIsReported) {
  NocHarness h(makeChip(3, 1, 1, 4));
  h.send(0, 1, 0, 2);
  fillEjection(h, 1, 2);
  h.net.testOnlyCorruptEjection(1, 0, EjectionCorruption::Misroute, 2);
  // Core 2's sink finds the head of a packet addressed to core 1.
  const std::string msg = thrownMessage([&] {
    for (int i = 0; i < 5; ++i) h.step();
  });
  EXPECT_NE(msg.find("misrouted"), std::string::npos) << msg;
}

TEST(NocConservation, ReorderedFlitsAreReported) {
  NocHarness h(makeChip(2, 1, 1, 4));
  h.send(0, 1, 0, 3);
  fillEjection(h, 1, 3);
  h.sinkOn[1] = true;
  h.step();
  h.net.testOnlyCorruptEjection(1, 0, EjectionCorruption::Reorder);
  EXPECT_THROW(h.drain(), std::logic_error);
}

TEST(NocConservation, ReorderedPacketsAreReported) {
  // Two one-flit packets from the same source and VC swapped at the sink.
  NocHarness h(makeChip(2, 1, 1, 4));
  h.send(0, 1, 0, 1);
  h.send(0, 1, 0, 1);
  fillEjection(h, 1, 2);
  h.net.testOnlyCorruptEjection(1, 0, EjectionCorruption::Reorder);
  h.sinkOn[1] = true;
  const std::string msg = thrownMessage([&] { h.drain(); });
  EXPECT_NE(msg.find("out of order"), std::string::npos) << msg;
}

TEST(NocConservation, NiProtocolViolationsAreReported) {
  const ChipDescriptor chip = makeChip(2, 1, 2, 4);
  {
    // Interleaving two packets on one VC.
    Network net(chip, {});
    Flit a;
    a.head = true;
    a.packetId = 1;
    a.data[0] = packHeader({1, 0, 0, 8, false, PacketKind::Message});
    net.inject(0, a, 0);
    Flit b = a;
    b.packetId = 2;
    EXPECT_THROW(net.inject(0, b, 1), std::logic_error);
  }
  {
    // Injecting without a credit.
    Network net(chip, {});
    for (uint64_t i = 0; i < 4; ++i) {
      Flit f;
      f.head = f.tail = true;
      f.packetId = i + 1;
      f.data[0] = packHeader({1, 0, 0, 0, false, PacketKind::Message});
      net.inject(0, f, i);
    }
    Flit f;
    f.head = f.tail = true;
    f.packetId = 9;
    f.data[0] = packHeader({1, 0, 0, 0, false, PacketKind::Message});
    EXPECT_EQ(net.injectCredits(0, 0, 4), 0u);
    EXPECT_THROW(net.inject(0, f, 4), std::logic_error);
  }
  {
    // A head whose source field is not the injecting core.
    Network net(chip, {});
    Flit f;
    f.head = f.tail = true;
    f.data[0] = packHeader({1, 1, 0, 0, false, PacketKind::Message});
    EXPECT_THROW(net.inject(0, f, 0), std::logic_error);
  }
}

} // namespace
} // namespace xpu::emu::test
