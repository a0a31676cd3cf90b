// Mailbox overflow policies under load and per-(source, mailbox) ordering,
// end to end on the SystemC mesh.
#include "SystemTestUtil.h"

#include <map>

namespace xpu::test {
namespace {

// Core 0 sends 16 numbered 4-byte messages to mailbox 0 of core 1 and records
// the cycle its last send was accepted. Core 1 first spins ~1000 cycles,
// records how many messages wait, then receives `count` of them.
std::string floodProgram(const char *policy) {
  return std::string(".mailbox 1, 0, 0, ") + policy + R"(
.input count, 1, 0, 0x600, i32, 1
.output sent_at, 0, 0, 0x400, i32, 1
.output woke_at, 1, 0, 0x404, i32, 1
.output waiting, 1, 0, 0x408, i32, 1
.output got, 1, 0, 0x200, i32, 16
.image sender
.core 0, 0
        li    r1, 1
        li    r2, 0x100
        li    r3, 4
        li    r4, 0
        li    r5, 16
send:   sw    r4, 0(r2)
        send  r1, r2, r3, 0
        addi  r4, r4, 1
        bne   r4, r5, send
        csrr  r6, cycle
        sw    r6, 0x400(r0)
        halt
.image receiver
.core 1, 0
        li    r1, 500
delay:  addi  r1, r1, -1
        bne   r1, r0, delay
        csrr  r7, cycle
        sw    r7, 0x404(r0)
        poll  r8, 0
        sw    r8, 0x408(r0)
        li    r2, 0x200
        lw    r3, 0x600(r0)
recv:   recv  r10, r2, 0
        addi  r2, r2, 4
        addi  r3, r3, -1
        bne   r3, r0, recv
        halt
)";
}

struct Flood {
  RunResult result;
  std::vector<int64_t> got;
  int64_t sentAt = 0, wokeAt = 0, waiting = 0;
  nlohmann::json stats;
};

Flood flood(Device &dev, int64_t count) {
  Flood f;
  EXPECT_FALSE(dev.writeInputValues("count", {count}));
  f.result = dev.runUntilHalt();
  f.got = *dev.readOutput("got");
  f.sentAt = output1(dev, "sent_at");
  f.wokeAt = output1(dev, "woke_at");
  f.waiting = output1(dev, "waiting");
  f.stats = dev.stats();
  return f;
}

TEST(Policy, BlockLosesNothingAndBackPressuresTheSender) {
  Executable exe = assembleOrFail(floodProgram("block"), chip(2, 2));
  XPU_LOAD_OR_SKIP(dev, exe);
  const Flood f = flood(*dev, 16);
  ASSERT_EQ(f.result.status, RunStatus::Halted) << f.result.report;
  std::vector<int64_t> all(16);
  for (int i = 0; i < 16; ++i) all[i] = i;
  EXPECT_EQ(f.got, all);
  EXPECT_EQ(f.waiting, 4) << "a full mailbox (depth 4)";
  EXPECT_GT(f.sentAt, f.wokeAt) << "the sender waited for the receiver";
  EXPECT_EQ(f.stats["messages"]["dropped"]["total"], 0);
}

TEST(Policy, DropNewestKeepsTheFirstMessages) {
  Executable exe = assembleOrFail(floodProgram("drop_newest"), chip(2, 2));
  XPU_LOAD_OR_SKIP(dev, exe);
  const Flood f = flood(*dev, 4);
  ASSERT_EQ(f.result.status, RunStatus::Halted) << f.result.report;
  EXPECT_EQ(f.got, (std::vector<int64_t>{0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_LT(f.sentAt, f.wokeAt) << "nothing back-pressures the sender";
  EXPECT_EQ(f.stats["messages"]["dropped"]["drop_newest"], 12);
  EXPECT_EQ(f.stats["messages"]["dropped"]["total"], 12);
  EXPECT_EQ(f.stats["messages"]["delivered"], 4);
}

TEST(Policy, DropOldestKeepsTheLastMessages) {
  Executable exe = assembleOrFail(floodProgram("drop_oldest"), chip(2, 2));
  XPU_LOAD_OR_SKIP(dev, exe);
  const Flood f = flood(*dev, 4);
  ASSERT_EQ(f.result.status, RunStatus::Halted) << f.result.report;
  EXPECT_EQ(f.got, (std::vector<int64_t>{12, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(f.stats["messages"]["dropped"]["drop_oldest"], 12);
  EXPECT_EQ(f.stats["messages"]["delivered"], 16);
}

TEST(Policy, ErrorFaultsTheReceiver) {
  Executable exe = assembleOrFail(floodProgram("error"), chip(2, 2));
  XPU_LOAD_OR_SKIP(dev, exe);
  ASSERT_FALSE(dev->writeInputValues("count", {4}));
  const RunResult r = dev->runUntilHalt();
  ASSERT_EQ(r.status, RunStatus::Fault);
  EXPECT_NE(r.report.find("core 1 (1,0) faulted (MailboxOverflow)"), std::string::npos)
      << r.report;
  EXPECT_EQ(dev->stats()["messages"]["dropped"]["error"], 1);
  EXPECT_EQ(dev->stats()["cores"][1]["fault"], "MailboxOverflow");
}

// Three senders, eight messages each, to one mailbox: every sender's
// messages arrive in the order sent (docs/arch.md 6.3).
TEST(Policy, MessagesFromOneSourceToOneMailboxStayInOrder) {
  const std::string src = R"(
.output got, 1, 0, 0x200, i32, 24
.image sender
.core 0, 0
.core 0, 1
.core 1, 1
        li    r1, 1
        li    r2, 0x100
        li    r3, 4
        li    r4, 0
        li    r5, 8
send:   sw    r4, 0(r2)
        send  r1, r2, r3, 0
        addi  r4, r4, 1
        bne   r4, r5, send
        halt
.image receiver
.core 1, 0
        li    r2, 0x200
        li    r3, 24
        li    r6, 0x7000
recv:   recv  r10, r6, 0           ; r10 = source << 16 | length
        lw    r11, 0(r6)          ; sequence number
        srai  r10, r10, 16
        shli  r10, r10, 16
        or    r10, r10, r11
        sw    r10, 0(r2)
        addi  r2, r2, 4
        addi  r3, r3, -1
        bne   r3, r0, recv
        halt
)";
  Executable exe = assembleOrFail(src, chip(2, 2));
  XPU_LOAD_OR_SKIP(dev, exe);
  const RunResult r = dev->runUntilHalt();
  ASSERT_EQ(r.status, RunStatus::Halted) << r.report;
  auto got = dev->readOutput("got");
  ASSERT_TRUE(bool(got));
  std::map<int64_t, std::vector<int64_t>> bySource;
  for (int64_t v : *got)
    bySource[v >> 16].push_back(v & 0xFFFF);
  ASSERT_EQ(bySource.size(), 3u);
  for (int64_t s : {0, 2, 3})
    EXPECT_EQ(bySource[s], (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7})) << "source " << s;
}

} // namespace
} // namespace xpu::test

// Per-mailbox capacity (executable `mailbox_policies[].capacity`) below the
// chip's depth of 4: the mailbox is full at 2 messages under every policy.
namespace xpu::test {
namespace {

Executable floodWithCapacity(const char *policy, uint32_t capacity) {
  Executable exe = assembleOrFail(floodProgram(policy), chip(2, 2));
  EXPECT_EQ(exe.mailboxPolicies.size(), 1u);
  if (!exe.mailboxPolicies.empty()) exe.mailboxPolicies[0].capacity = capacity;
  return exe;
}

TEST(PolicyCapacity, BlockHoldsOnlyCapacityMessages) {
  Executable exe = floodWithCapacity("block", 2);
  XPU_LOAD_OR_SKIP(dev, exe);
  const Flood f = flood(*dev, 16);
  ASSERT_EQ(f.result.status, RunStatus::Halted) << f.result.report;
  std::vector<int64_t> all(16);
  for (int i = 0; i < 16; ++i) all[i] = i;
  EXPECT_EQ(f.got, all);
  EXPECT_EQ(f.waiting, 2) << "full at capacity 2, not at depth 4";
  EXPECT_GT(f.sentAt, f.wokeAt);
  EXPECT_EQ(f.stats["messages"]["dropped"]["total"], 0);
}

TEST(PolicyCapacity, DropNewestKeepsTheFirstCapacityMessages) {
  Executable exe = floodWithCapacity("drop_newest", 2);
  XPU_LOAD_OR_SKIP(dev, exe);
  const Flood f = flood(*dev, 2);
  ASSERT_EQ(f.result.status, RunStatus::Halted) << f.result.report;
  EXPECT_EQ(f.waiting, 2);
  EXPECT_EQ(f.got[0], 0);
  EXPECT_EQ(f.got[1], 1);
  EXPECT_EQ(f.stats["messages"]["dropped"]["drop_newest"], 14);
}

TEST(PolicyCapacity, DropOldestKeepsTheLastCapacityMessages) {
  Executable exe = floodWithCapacity("drop_oldest", 2);
  XPU_LOAD_OR_SKIP(dev, exe);
  const Flood f = flood(*dev, 2);
  ASSERT_EQ(f.result.status, RunStatus::Halted) << f.result.report;
  EXPECT_EQ(f.waiting, 2);
  EXPECT_EQ(f.got[0], 14);
  EXPECT_EQ(f.got[1], 15);
  EXPECT_EQ(f.stats["messages"]["dropped"]["drop_oldest"], 14);
}

TEST(PolicyCapacity, ErrorFaultsOnTheMessageBeyondCapacity) {
  Executable exe = floodWithCapacity("error", 1);
  XPU_LOAD_OR_SKIP(dev, exe);
  ASSERT_FALSE(dev->writeInputValues("count", {1}));
  const RunResult r = dev->runUntilHalt();
  ASSERT_EQ(r.status, RunStatus::Fault);
  EXPECT_NE(r.report.find("MailboxOverflow"), std::string::npos) << r.report;
  EXPECT_EQ(dev->stats()["messages"]["dropped"]["error"], 1);
}

} // namespace
} // namespace xpu::test
