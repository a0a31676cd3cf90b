// Multicast routing tables (see xpu/Multicast.h).
#include "xpu/Multicast.h"

#include "xpu/Packet.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace xpu {
namespace {

const char *portWord(unsigned p) {
  static const char *names[kNumPorts] = {"local", "east", "west", "north", "south"};
  return p < kNumPorts ? names[p] : "?";
}

std::string at(const ChipDescriptor &chip, uint32_t router) {
  return "router (" + std::to_string(chip.coreX(router)) + ", " + std::to_string(chip.coreY(router)) + ")";
}

/// The router behind output port `p` of `router`, or nullopt at the edge.
std::optional<uint32_t> neighbour(const ChipDescriptor &chip, uint32_t router, unsigned p) {
  const uint32_t x = chip.coreX(router), y = chip.coreY(router);
  switch (Port(p)) {
  case Port::East: return x + 1 < chip.width ? std::optional(chip.coreId(x + 1, y)) : std::nullopt;
  case Port::West: return x > 0 ? std::optional(chip.coreId(x - 1, y)) : std::nullopt;
  case Port::North: return y > 0 ? std::optional(chip.coreId(x, y - 1)) : std::nullopt;
  case Port::South: return y + 1 < chip.height ? std::optional(chip.coreId(x, y + 1)) : std::nullopt;
  default: return std::nullopt;
  }
}

} // namespace

std::vector<MulticastRoute> xyTreeRoutes(const ChipDescriptor &chip, const MulticastGroup &g) {
  std::map<uint32_t, uint8_t> masks;
  const uint32_t sx = chip.coreX(g.source), sy = chip.coreY(g.source);
  for (uint32_t d : g.destinations) {
    const uint32_t dx = chip.coreX(d), dy = chip.coreY(d);
    uint32_t x = sx, y = sy;
    for (;;) {
      const Port p = routeXY(x, y, dx, dy);
      masks[chip.coreId(x, y)] |= uint8_t(1u << unsigned(p));
      if (p == Port::Local) break;
      if (p == Port::East) ++x;
      else if (p == Port::West) --x;
      else if (p == Port::North) --y;
      else ++y;
    }
  }
  std::vector<MulticastRoute> routes;
  for (auto [router, ports] : masks) routes.push_back({g.id, router, ports});
  return routes;
}

std::vector<std::vector<uint8_t>> buildMulticastTables(const ChipDescriptor &chip,
                                                       const std::vector<MulticastGroup> &groups,
                                                       const std::vector<MulticastRoute> &routes) {
  uint32_t entries = 0;
  for (const auto &g : groups) entries = std::max(entries, g.id + 1);
  std::vector<std::vector<uint8_t>> tables(chip.numCores(), std::vector<uint8_t>(entries, 0));
  std::set<uint32_t> explicitGroups;
  for (const MulticastRoute &r : routes) explicitGroups.insert(r.group);
  for (const MulticastRoute &r : routes)
    if (r.router < tables.size() && r.group < entries) tables[r.router][r.group] = r.ports;
  for (const auto &g : groups)
    if (!explicitGroups.count(g.id))
      for (const MulticastRoute &r : xyTreeRoutes(chip, g)) tables[r.router][g.id] = r.ports;
  return tables;
}

std::optional<Error> checkMulticastRoutes(const ChipDescriptor &chip, const MulticastGroup &g,
                                          const std::vector<MulticastRoute> &routes) {
  const std::string where = "multicast group " + std::to_string(g.id);
  std::map<uint32_t, uint8_t> entry;
  for (const MulticastRoute &r : routes) {
    if (r.router >= chip.numCores())
      return Error{where + ": table entry at router " + std::to_string(r.router) + " is outside the mesh"};
    if (r.ports == 0 || r.ports >= (1u << kNumPorts))
      return Error{where + ": " + at(chip, r.router) + ": port mask " + std::to_string(r.ports) +
                   " must name 1 to 5 ports"};
    if (!entry.emplace(r.router, r.ports).second)
      return Error{where + ": " + at(chip, r.router) + " has two entries"};
  }
  // Follow the entries from the source: a tree reaches every router once.
  std::set<uint32_t> visited, reached;
  std::vector<uint32_t> frontier = {g.source};
  visited.insert(g.source);
  while (!frontier.empty()) {
    const uint32_t router = frontier.back();
    frontier.pop_back();
    auto it = entry.find(router);
    if (it == entry.end())
      return Error{where + ": a copy reaches " + at(chip, router) + ", which has no entry for the group"};
    for (unsigned p = 0; p < kNumPorts; ++p) {
      if (!((it->second >> p) & 1)) continue;
      if (p == unsigned(Port::Local)) {
        reached.insert(router);
        continue;
      }
      auto next = neighbour(chip, router, p);
      if (!next)
        return Error{where + ": " + at(chip, router) + " sends a copy " + portWord(p) + ", off the mesh"};
      if (!visited.insert(*next).second)
        return Error{where + ": " + at(chip, router) + " sends a copy " + portWord(p) + " to " + at(chip, *next) +
                     ", which a copy already reaches (a loop or two paths: entries must form a tree)"};
      frontier.push_back(*next);
    }
  }
  for (uint32_t d : g.destinations)
    if (!reached.count(d))
      return Error{where + ": no copy reaches destination core " + std::to_string(d) + " (" +
                   at(chip, d).substr(7) + ")"};
  for (uint32_t r : reached)
    if (!std::binary_search(g.destinations.begin(), g.destinations.end(), r))
      return Error{where + ": " + at(chip, r) + " delivers a copy locally but core " + std::to_string(r) +
                   " is not a destination"};
  for (const auto &[router, ports] : entry)
    if (!visited.count(router))
      return Error{where + ": the entry at " + at(chip, router) + " is never reached from the source"};
  return std::nullopt;
}

} // namespace xpu
