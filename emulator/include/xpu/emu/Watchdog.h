// The always-on deadlock watchdog and the chip status report.
//
// The run loop asks the watchdog for a deadline: the cycle by which, if no
// core has issued an instruction and no flit has moved since `quietSince`,
// the chip is declared deadlocked (provided a core is blocked and none is
// running). Checking happens only at that deadline, so it costs nothing per
// cycle; the report names every core's state, pc and instruction, every
// non-empty mailbox and every non-empty router buffer.
#pragma once

#include <cstdint>
#include <string>

namespace xpu::emu {

class Mesh;

class Watchdog {
public:
  explicit Watchdog(uint64_t limit = 100000) : limit_(limit) {}
  uint64_t limit() const { return limit_; }
  void reset() { postponed_ = 0; }
  /// cyclesDone at which to check (UINT64_MAX when disabled).
  uint64_t deadline(uint64_t quietSince) const;
  /// At the deadline: true if deadlocked. Otherwise (a core is still running
  /// a long instruction or booting) the next check is `limit` cycles later.
  bool check(const Mesh &mesh, uint64_t cyclesDone);

  /// The deadlock report.
  static std::string report(const Mesh &mesh, uint64_t quietSince,
                            uint64_t cyclesDone);
  /// Every core's state line, faults, mailboxes and router buffers.
  static std::string status(const Mesh &mesh);
  /// "core 3 (1,1) faulted (BadAddress) at pc 12: lw r1, 0(r2)" lines.
  static std::string faults(const Mesh &mesh);

private:
  uint64_t limit_;
  uint64_t postponed_ = 0;
};

} // namespace xpu::emu
