// Deadlock watchdog and status reports.
#include "xpu/emu/Watchdog.h"

#include "xpu/emu/Mesh.h"

#include <algorithm>
#include <limits>
#include <sstream>

namespace xpu::emu {

namespace {
/// The core's line; tiles other than the model's are named ("[rtl]").
std::string describeTile(const MeshTile &t) {
  std::string line = t.describe();
  if (t.implementation() != "model")
    line += " [" + std::string(t.implementation()) + "]";
  return line;
}
} // namespace

uint64_t Watchdog::deadline(uint64_t quietSince) const {
  if (limit_ == 0)
    return std::numeric_limits<uint64_t>::max();
  return std::max(quietSince, postponed_) + limit_;
}

bool Watchdog::check(const Mesh &mesh, uint64_t cyclesDone) {
  if (limit_ == 0 || mesh.quietSince() + limit_ > cyclesDone)
    return false;
  bool blocked = false, running = false;
  for (uint32_t i = 0; i < mesh.numTiles(); ++i) {
    const CoreState s = mesh.tile(i).state();
    blocked |= s == CoreState::Blocked;
    running |= s == CoreState::Running;
  }
  if (blocked && !running)
    return true;
  postponed_ = cyclesDone;
  return false;
}

std::string Watchdog::status(const Mesh &mesh) {
  std::ostringstream os;
  os << "cores:\n";
  for (uint32_t i = 0; i < mesh.numTiles(); ++i)
    os << "  " << describeTile(mesh.tile(i)) << "\n";
  std::string boxes;
  for (uint32_t i = 0; i < mesh.numTiles(); ++i)
    boxes += mesh.tile(i).describeMailboxes();
  os << "mailboxes and NI buffers:\n" << (boxes.empty() ? "  all empty\n" : boxes);
  std::string bufs = mesh.network().describeBuffers();
  os << "router buffers:\n";
  if (bufs.empty()) {
    os << "  all empty\n";
  } else {
    std::istringstream in(bufs);
    for (std::string line; std::getline(in, line);)
      if (!line.empty())
        os << "  " << line << "\n";
  }
  return os.str();
}

std::string Watchdog::report(const Mesh &mesh, uint64_t quietSince,
                             uint64_t cyclesDone) {
  std::ostringstream os;
  os << "deadlock: no instruction issued and no flit moved for "
     << cyclesDone - quietSince << " cycles (cycles " << quietSince << ".."
     << cyclesDone - 1 << ") while cores are blocked\n";
  os << status(mesh);
  return os.str();
}

std::string Watchdog::faults(const Mesh &mesh) {
  std::ostringstream os;
  for (uint32_t i = 0; i < mesh.numTiles(); ++i) {
    const MeshTile &t = mesh.tile(i);
    if (t.state() == CoreState::Faulted)
      os << "fault: " << t.describe() << "\n"; // the model's line, untagged
  }
  return os.str();
}

} // namespace xpu::emu
