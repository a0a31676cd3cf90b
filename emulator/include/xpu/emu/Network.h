// The mesh network: every router and link of a chip, and the Local-port
// interface the network interfaces (or traffic sources) use.
//
// Cycle semantics (docs/arch.md section 5): everything a component does at
// cycle `now` becomes visible to others at `now + 1` or later (flits and
// credits are timestamped), so routers may be ticked in any order within a
// cycle. This is what lets each tile's SC_METHOD tick its own router.
//
// The network always checks flit conservation: every injected flit is
// ejected exactly once at each of its destinations, in order per
// (source, VC, destination), with packets never interleaved within a VC. A
// violation is a simulator bug and throws std::logic_error. docs/noc.md
// describes the router microarchitecture as implemented.
#pragma once

#include "xpu/ChipDescriptor.h"
#include "xpu/Executable.h"
#include "xpu/Multicast.h"
#include "xpu/Packet.h"
#include "xpu/emu/Flit.h"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace xpu::emu {

/// Counters kept by the network. Per-link counters are indexed
/// [router][port] for the router's *output* ports (Local = ejection).
struct NetworkStats {
  uint64_t flitsInjected = 0;
  uint64_t flitsEjected = 0;
  uint64_t flitHops = 0;            // router-to-router link traversals
  uint64_t bufferWrites = 0;        // flits written into router input buffers
  std::vector<std::array<uint64_t, kNumPorts>> linkFlits;
  // Same as linkFlits, counting only switch traversals at cycles in
  // [windowBegin, windowEnd) (see Network::setStatsWindow).
  std::vector<std::array<uint64_t, kNumPorts>> windowLinkFlits;
  uint64_t windowBegin = 0, windowEnd = 0;
  uint64_t packetsInjected = 0;     // head flits injected
  uint64_t packetCopiesEjected = 0; // tails consumed (a multicast counts once per destination)
};

/// Ways the conservation-checker test hook can corrupt an ejection buffer.
enum class EjectionCorruption : uint8_t {
  Drop,       // remove the front flit silently (it is never ejected)
  Duplicate,  // insert a copy of the front flit right behind it
  Misroute,   // move the front flit to another core's ejection buffer
  Reorder,    // swap the first two flits
};

class Network {
public:
  /// Builds routers, links and multicast tables (XY trees from `groups`).
  /// Throws nothing; groups must already be validated (validateExecutable).
  /// `routes`: explicit table entries (executable's multicast_routes); groups
  /// without any use their XY tree.
  Network(const ChipDescriptor &chip, const std::vector<MulticastGroup> &groups,
          const std::vector<MulticastRoute> &routes = {});
  ~Network();
  Network(const Network &) = delete;
  Network &operator=(const Network &) = delete;

  const ChipDescriptor &chip() const { return chip_; }
  uint32_t numRouters() const { return chip_.numCores(); }

  // ---- Local-port interface for the NI of core `core`, at cycle `now` ----
  /// Credits the NI holds for the router's Local input buffer of `vc` at
  /// cycle `now` (credits returned at cycle <= now count). Prefer this form.
  uint32_t injectCredits(uint32_t core, uint8_t vc, uint64_t now) const;
  /// Same, at the latest cycle this core has been seen at (the largest `now`
  /// passed to inject/ejectFront/ejectPop/tickRouter/injectCredits for it).
  /// Exact only if the tile made one of those calls for the current cycle
  /// first; use the three-argument form otherwise.
  uint32_t injectCredits(uint32_t core, uint8_t vc) const;
  /// Sends a flit into the Local input port (arrives at now + 1).
  /// Precondition: injectCredits(core, f.vc, now) > 0. The NI must send at
  /// most one flit per cycle, packets on one VC not interleaved, head
  /// `source` == core, `packetId` unique among packets in flight.
  void inject(uint32_t core, const Flit &f, uint64_t now);
  /// The oldest flit in the NI's ejection buffer for `vc` that has arrived by
  /// `now`, or nullptr.
  const Flit *ejectFront(uint32_t core, uint8_t vc, uint64_t now) const;
  /// Round-robin helper for an NI that consumes one flit per cycle: the
  /// first VC after `afterVc` (cyclically, `afterVc` itself last) whose
  /// front flit has arrived by `now`; returns that flit and sets `vc`, or
  /// nullptr. Same as calling ejectFront for each VC in that order.
  const Flit *ejectNext(uint32_t core, uint8_t afterVc, uint64_t now, uint8_t &vc) const;
  /// Removes that flit; its credit reaches the router at now + 1.
  void ejectPop(uint32_t core, uint8_t vc, uint64_t now);
  /// Flits in core `core`'s ejection buffers (arrived or still on the link).
  uint32_t ejectOccupancy(uint32_t core) const;
  /// The same for every core, [core], valid for the network's lifetime: a
  /// caller polling every tile every cycle tests it inline and calls
  /// ejectNext only when a flit is there.
  const uint32_t *ejectOccupancies() const;

  // ---- clocking ----
  /// Evaluates router `r` for cycle `now` (allocation and switch traversal).
  /// Does nothing for an external router.
  void tickRouter(uint32_t r, uint64_t now);
  /// Ticks every (non-external) router for cycle `now`.
  void tick(uint64_t now);
  /// tickRouter(first + i, now) for every bit i set in `mask`, in one call
  /// (external routers skipped).
  void tickRouters(uint32_t first, uint64_t mask, uint64_t now);
  /// True if router `r` holds no flit and expects none: it can sleep. For an
  /// external router: no flit is queued on its input links.
  bool routerIdle(uint32_t r) const;
  /// routerIdle(r) and no flit in core r's ejection buffers (arrived or on
  /// the link): neither the router nor the NI's receive side has work.
  bool tileIdle(uint32_t r) const;
  /// Called when a flit is scheduled to reach an empty router `r` (or the
  /// empty ejection buffer of core `r`) at cycle `when`, and when a credit is
  /// scheduled to reach core `r`'s NI while it holds none for that VC. A
  /// router or NI that holds flits is awake anyway, so no other event needs a
  /// wake-up. The SystemC tile uses it to wake its SC_METHOD. Optional.
  void setWakeCallback(std::function<void(uint32_t r, uint64_t when)> cb);

  // ---- observation hooks (verification; zero cost when unset) ----
  /// Called for every switch traversal: router `router` sends `f` (the flit
  /// as it leaves, all fields) from input port `inPort` to output port
  /// `outPort` (Local = ejection) at cycle `now` (its SA cycle; it reaches
  /// the next router's buffer at now + L, the ejection buffer at now + 1).
  /// A multicast flit forking to several outputs is reported once per output.
  /// Pass an empty function to remove it. Both hooks are called in the
  /// middle of a router's evaluation: they must not call into the Network.
  void setTraverseCallback(std::function<void(uint32_t router, uint8_t inPort, uint8_t outPort,
                                              const Flit &f, uint64_t now)> cb);
  /// Called when router `router` frees a slot of input buffer (`inPort`,
  /// `vc`) at cycle `now` (the traversal of its last copy) and returns the
  /// credit upstream (it reaches the NI at now + 1, a neighbour at now + L).
  /// Credits the NI returns for ejection slots (ejectPop) are not reported.
  void setCreditCallback(std::function<void(uint32_t router, uint8_t inPort, uint8_t vc,
                                            uint64_t now)> cb);

  // ---- external routers (docs/noc.md "External routers") ----
  // A router simulated outside the network (e.g. a Verilated xpu_router, or
  // a whole RTL tile with its NI and core), driven cycle by cycle by its
  // owner with the RTL router's timing contract (docs/rtl.md section 2): a
  // link of latency L is L - 1 register stages, so what a model neighbour
  // sends at s is on the external router's link input during s + L - 1 and
  // in its buffer at s + L, exactly when a model router would have it.
  // The network keeps no state for it beyond those link queues; its Local
  // port belongs to the external tile (inject/ejectPop for that core are not
  // used; inject throws). Per cycle `now` the driver, after every model
  // router adjacent to `r` has been ticked for `now` (with L = 1 a link is a
  // wire, so their traversals at `now` are on the link during `now`):
  //   takeExternalFlit / takeExternalCredit for each side -> link_in_i /
  //   link_credit_i; and, in any order, externalFlit / externalCredit with
  //   link_out_o / link_credit_o of cycle `now` (registered outputs).
  // A queued flit or credit not taken during its cycle is a driver error
  // (std::logic_error): the driver must step `r` every cycle unless
  // externalIdle(r) and the external router itself is empty. The wake
  // callback fires for `r` when a flit is queued to an empty `r` with
  // `when` = its arrival cycle (link_in_i carries it during when - 1).
  //
  // Conservation checker: the network cannot see inside an external tile
  // (its NI injects and ejects there), so an external router is a boundary.
  // A model packet whose head enters it has the copies delivered through it
  // (its Local output and the subtree of its multicast route) counted as
  // delivered; flits the external router emits are trusted: they get a fresh
  // packetId ((source << 40) | 1 << 39 | n), seq numbers per packet and
  // createdCycle = the cycle they leave the external router, and are not
  // checked at ejection. What crosses an RTL router is checked by comparing
  // against an all-model run (tests/unit/rtl/ExternalRouterCosimTest.cpp).

  /// Marks router `r` external. Only before any traffic (throws
  /// std::logic_error otherwise); a link between two external routers is
  /// the driver's business (the network never sees it).
  void setExternalRouter(uint32_t r);
  bool isExternalRouter(uint32_t r) const;
  /// The flit external router `r`'s input link `inPort` (East..South)
  /// carries during `now` (a model neighbour sent it at now + 1 - L; it is
  /// in r's buffer at now + 1): returns true and fills `f` (all fields,
  /// bookkeeping included), or false for an idle link.
  bool takeExternalFlit(uint32_t r, uint8_t inPort, uint64_t now, Flit &f);
  /// The credit external router `r`'s output `outPort` receives during
  /// `now` (the neighbour freed the slot at now + 1 - L; usable by r at
  /// now + 1): returns true and sets `vc`, or false.
  bool takeExternalCredit(uint32_t r, uint8_t outPort, uint64_t now, uint8_t &vc);
  /// External router `r` sends `f` (payload, vc, head, tail) on output
  /// `outPort` during `now`: it enters the neighbour's input buffer at
  /// now + L (route computed there, wake callback as for a model link).
  /// Throws std::logic_error if the neighbour's buffer has no room (the
  /// external router broke the credit protocol) or packets interleave on a VC.
  void externalFlit(uint32_t r, uint8_t outPort, const Flit &f, uint64_t now);
  /// External router `r` frees a slot of input (`inPort`, `vc`) during
  /// `now`: the credit reaches the neighbour's output at now + L.
  void externalCredit(uint32_t r, uint8_t inPort, uint8_t vc, uint64_t now);
  /// No flit queued towards external router `r` and no credit owed to it
  /// (every flit it sent has had its credit taken back).
  bool externalIdle(uint32_t r) const;

  /// No flit anywhere: router buffers, links (including links towards
  /// external routers), ejection buffers. The contents of external routers
  /// are their driver's to add.
  bool quiescent() const;
  const NetworkStats &stats() const { return stats_; }
  /// Link counters restricted to switch traversals at cycles in [begin, end).
  void setStatsWindow(uint64_t begin, uint64_t end);
  /// Human-readable occupancy of every non-empty buffer (watchdog dump).
  std::string describeBuffers() const;

  // ---- conservation checker ----
  /// Throws std::logic_error unless every injected packet has been fully
  /// ejected at every destination (call once the network is drained).
  void checkAllDelivered() const;
  /// Test hook: corrupts core `core`'s ejection buffer of `vc` so that the
  /// conservation checker must report it. `otherCore` is the target of
  /// Misroute. Throws std::invalid_argument if the buffer lacks the flits.
  void testOnlyCorruptEjection(uint32_t core, uint8_t vc, EjectionCorruption kind,
                               uint32_t otherCore = 0);

private:
  ChipDescriptor chip_;
  NetworkStats stats_;
  std::function<void(uint32_t, uint64_t)> wake_;
  // The implementation owns routers, links, ejection buffers, credits and
  // the flit pool.
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The per-router multicast tables (one definition: xpu/Multicast.h).
using ::xpu::buildMulticastTables;

} // namespace xpu::emu
