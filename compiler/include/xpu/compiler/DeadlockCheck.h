// Static deadlock check of a routed actor graph (docs/mapping.md "Deadlock
// check").
//
// The generated programs block in three places: `recv` waits for a message,
// `send` waits while a full mailbox holds its packet back (block policy:
// the packet stalls in the network, and with it every packet queued behind
// it on the same links and virtual channel), and `barrier` waits for every
// core. The check builds the wait-for graph of two timesteps of the
// programs LowerToXpu emits (prologue, steps 0 and 1, both barriers) at the
// granularity of single messages, and rejects a routing whose graph has a
// cycle, naming the channels, mailboxes and barrier on it.
//
// It is conservative where timing decides: a packet that may stall is
// assumed to block every packet of another source that shares one of its
// links (or its ejection buffer) on its virtual channel.
#pragma once

#include "xpu/ChipDescriptor.h"
#include "xpu/compiler/ActorGraph.h"
#include "xpu/compiler/Mapping.h"

#include <optional>

namespace xpu::graph {

/// Returns an error describing one wait-for cycle, or nullopt if the
/// programs for `routing` cannot deadlock.
std::optional<Error> checkDeadlockFree(const ActorGraph &g, const ChipDescriptor &chip,
                                       const std::vector<Partition> &parts, const Routing &routing);

} // namespace xpu::graph
