// Multicast routing tables: the one definition of what every router's table
// holds (docs/arch.md 6.4), used by the loader (emulator, RTL co-sim) and by
// the compiler's emitter.
//
// A group's table entries are either derived (the union of the XY paths from
// its source to its destinations) or given explicitly in the executable
// (`MulticastRoute`s, e.g. a tree that avoids a busy link). Explicit entries
// are checked to reproduce exactly the group's destinations.
#pragma once

#include "xpu/ChipDescriptor.h"
#include "xpu/Error.h"
#include "xpu/Executable.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace xpu {

/// Table entries of every router: result[router][group id] is a 5-bit mask
/// of output ports (bit i = Port i; 0 = no entry). Each row has
/// max(group id) + 1 entries (none without groups). Groups with explicit
/// routes in `routes` use those (and only those); the others their XY tree.
std::vector<std::vector<uint8_t>> buildMulticastTables(const ChipDescriptor &chip,
                                                       const std::vector<MulticastGroup> &groups,
                                                       const std::vector<MulticastRoute> &routes = {});

/// The XY tree of one group: (router, port mask) for every router on it.
std::vector<MulticastRoute> xyTreeRoutes(const ChipDescriptor &chip, const MulticastGroup &group);

/// Checks explicit entries of one group (all with route.group == group.id):
/// following them from the source router must reach every destination's
/// Local port exactly once and nothing else, never leave the mesh, visit no
/// router twice (a tree: no loops, no duplicate copies) and use every entry.
/// The error names the router and what is wrong.
std::optional<Error> checkMulticastRoutes(const ChipDescriptor &chip, const MulticastGroup &group,
                                          const std::vector<MulticastRoute> &routes);

} // namespace xpu
