// Static deadlock check: the wait-for graph of the generated programs
// (see DeadlockCheck.h and docs/mapping.md "Deadlock check").
//
// Nodes are events of two timesteps (plus the prologue that sends the
// delay-1 messages of step -1): a core sending, receiving or arriving at the
// barrier, a message instance entering its mailbox, and the two barrier
// releases. Edges say "cannot happen before":
//   - program order on each core (LowerToXpu: receive inputs, send, receive
//     output gathers, barrier), and a step starts after the barrier;
//   - a receive after the delivery it pops; a delivery after its send;
//   - capacity: the k-th message into a mailbox of depth D enters only
//     after the receiver popped message k - D; until then it stalls in
//     the network, so the sender's next event waits for it (its NI is
//     stuck) and so does every delivery of another packet that shares a
//     link or the ejection buffer with it on its virtual channel;
//   - a barrier after every core arrived.
// A cycle is a set of events each waiting for the next: a possible deadlock.
#include "xpu/compiler/DeadlockCheck.h"

#include "xpu/Packet.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <unordered_map>

namespace xpu::graph {
namespace {

/// Router/dispatcher -> expert/worker messages, sent before the replies are drained.
bool isDispatchChannel(uint32_t c) { return c == kMoeDispatchChannel || c == kPoolDispatchChannel; }

constexpr uint32_t kGather = ~0u;
constexpr uint32_t kNone = ~0u;

enum class Kind : uint8_t { Send, Deliver, Recv, RecvShared, Arrive, Barrier };

struct Node {
  Kind kind;
  int32_t step = 0;       // -1 for the prologue
  uint32_t part = kNone;  // the core's partition (Deliver: the destination)
  uint32_t msg = kNone;   // Send/Deliver/Recv
  uint32_t mailbox = 0;   // Deliver/Recv/RecvShared
  uint32_t order = 0;     // position in its core's program
  bool stalls = false;    // Deliver: may wait for mailbox space
};

class WaitForGraph {
public:
  WaitForGraph(const ActorGraph &g, const ChipDescriptor &chip, const std::vector<Partition> &parts,
               const Routing &r)
      : g_(g), chip_(chip), parts_(parts), r_(r), bySrc_(parts.size()), byDst_(parts.size()) {
    for (uint32_t i = 0; i < r.messages.size(); ++i) {
      // Event streams are sent after compute and drained with poll after the
      // barrier: they wait for nothing and, within capacity (checked by
      // checkDeadlockFree), never stall, so no other event waits for them.
      if (isEventMessage(g, r.messages[i])) continue;
      bySrc_[r.messages[i].srcPart].push_back(i);
      for (uint32_t d : r.messages[i].dstParts) byDst_[d].push_back(i);
    }
    std::vector<uint32_t> count(g.actors.size(), 0);
    for (const Partition &p : parts) ++count[p.actor];
    for (const Partition &p : parts)
      partName_.push_back("'" + g.actors[p.actor].name +
                          (count[p.actor] > 1 ? "_" + std::to_string(p.index) : std::string()) + "'");
  }

  std::optional<Error> build() {
    barrier_[0] = add({Kind::Barrier, 0});
    barrier_[1] = add({Kind::Barrier, 1});
    for (uint32_t p = 0; p < parts_.size(); ++p)
      if (auto err = program(p)) return err;
    if (auto err = capacities()) return err;
    return std::nullopt;
  }

  /// One cycle of the graph, as a readable explanation, or nullopt.
  std::optional<std::string> findCycle() const {
    enum : uint8_t { White, Grey, Black };
    std::vector<uint8_t> colour(nodes_.size(), White);
    std::vector<std::pair<uint32_t, uint32_t>> stack;  // node, next edge
    for (uint32_t root = 0; root < nodes_.size(); ++root) {
      if (colour[root] != White) continue;
      stack.push_back({root, 0});
      colour[root] = Grey;
      while (!stack.empty()) {
        auto &[n, e] = stack.back();
        if (e == waits_[n].size()) {
          colour[n] = Black;
          stack.pop_back();
          continue;
        }
        const uint32_t m = waits_[n][e++];
        if (colour[m] == White) {
          colour[m] = Grey;
          stack.push_back({m, 0});
        } else if (colour[m] == Grey) {
          std::vector<uint32_t> cycle;
          for (size_t i = stack.size(); i-- > 0;) {
            cycle.push_back(stack[i].first);
            if (stack[i].first == m) break;
          }
          std::reverse(cycle.begin(), cycle.end());
          return explain(cycle);
        }
      }
    }
    return std::nullopt;
  }

private:
  uint32_t add(Node n) {
    nodes_.push_back(n);
    waits_.emplace_back();
    next_.push_back(kNone);
    return uint32_t(nodes_.size() - 1);
  }
  void wait(uint32_t n, uint32_t on) {
    if (on != kNone) waits_[n].push_back(on);
  }
  /// Appends an event to core `p`'s program after `prev`.
  uint32_t event(Node n, uint32_t &prev) {
    n.order = order_++;
    const uint32_t id = add(n);
    wait(id, prev);
    if (prev != kNone) next_[prev] = id;
    prev = id;
    return id;
  }

  uint32_t deliver(uint32_t msg, int32_t step, uint32_t dst) {
    auto [it, fresh] = deliveries_.try_emplace(key(msg, step, dst), kNone);
    if (fresh) {
      Node n{Kind::Deliver, step, dst, msg, r_.messages[msg].mailbox};
      it->second = add(n);
      pendingSendWaits_.push_back(it->second);
    }
    return it->second;
  }
  static uint64_t key(uint32_t msg, int32_t step, uint32_t dst) {
    return (uint64_t(msg) << 32) | (uint64_t(uint32_t(step + 1)) << 24) | dst;
  }

  std::optional<Error> program(uint32_t p) {
    uint32_t prev = kNone;
    for (uint32_t mi : bySrc_[p])
      if (r_.messages[mi].delay) sends_[{mi, -1}] = event({Kind::Send, -1, p, mi}, prev);
    for (int32_t s = 0; s < 2; ++s) {
      receive(p, s, false, prev);
      // A moe router (LowerToXpu): dispatch to its experts, then drain
      // their replies, then the usual sends. No other core has these.
      for (uint32_t mi : bySrc_[p])
        if (isDispatchChannel(r_.messages[mi].channel)) sends_[{mi, s}] = event({Kind::Send, s, p, mi}, prev);
      receive(p, s, false, prev, /*moeReplies=*/true);
      for (uint32_t mi : bySrc_[p])
        if (!isDispatchChannel(r_.messages[mi].channel)) sends_[{mi, s}] = event({Kind::Send, s, p, mi}, prev);
      receive(p, s, true, prev);
      const uint32_t arrive = event({Kind::Arrive, s, p}, prev);
      wait(barrier_[s], arrive);
      prev = barrier_[s];  // the next step starts at the release
    }
    return std::nullopt;
  }

  /// The receive phase of LowerToXpu: mailboxes in order of first use; a
  /// mailbox with one source is read message by message, a shared one by a
  /// dispatch loop that takes its messages in any order.
  /// (`moeReplies`: the replies a moe router drains after its dispatches.)
  void receive(uint32_t p, int32_t s, bool gathers, uint32_t &prev, bool moeReplies = false) {
    std::vector<uint32_t> order;
    std::map<uint32_t, std::vector<uint32_t>> byMailbox;
    for (uint32_t mi : byDst_[p]) {
      const Message &m = r_.messages[mi];
      const bool reply = m.channel == kMoeReplyChannel || m.channel == kPoolReplyChannel;
      if (moeReplies ? !reply : reply || (m.channel == kGather) != gathers) continue;
      if (!byMailbox.count(m.mailbox)) order.push_back(m.mailbox);
      byMailbox[m.mailbox].push_back(mi);
    }
    for (uint32_t mb : order) {
      const auto &msgs = byMailbox[mb];
      std::set<uint32_t> sources;
      for (uint32_t mi : msgs) sources.insert(parts_[r_.messages[mi].srcPart].core);
      if (sources.size() == 1) {
        for (uint32_t mi : msgs) {
          const uint32_t n = event({Kind::Recv, s, p, mi, mb}, prev);
          wait(n, deliver(mi, s - int32_t(r_.messages[mi].delay), p));
          pops_[{p, mb}].push_back(n);
        }
      } else {
        const uint32_t n = event({Kind::RecvShared, s, p, kNone, mb}, prev);
        for (uint32_t mi : msgs) {
          wait(n, deliver(mi, s - int32_t(r_.messages[mi].delay), p));
          shared_[{p, mb}].push_back(mi);
        }
      }
    }
  }

  /// Deliveries wait for their sends; the capacity and head-of-line edges.
  std::optional<Error> capacities() {
    for (uint32_t d : pendingSendWaits_) {
      auto it = sends_.find({nodes_[d].msg, nodes_[d].step});
      wait(d, it == sends_.end() ? kNone : it->second);
    }
    const uint32_t depth = chip_.mailboxDepth;
    // A shared mailbox takes one message per source and step (routeMessages).
    for (const auto &[where, msgs] : shared_)
      if (msgs.size() / 2 > depth)  // two steps were recorded
        return Error{"mailbox " + std::to_string(where.second) + " of core " + partName_[where.first] +
                     " is shared by " + std::to_string(msgs.size() / 2) + " messages per step, more than its depth " +
                     std::to_string(depth) + ": the dispatch loop cannot guarantee progress"};
    // Arrivals into each single-source mailbox, in the source's send order.
    std::map<std::pair<uint32_t, uint32_t>, std::vector<uint32_t>> arrivals;
    std::vector<uint32_t> sendOrder;
    for (const auto &[k, n] : sends_) sendOrder.push_back(n);
    std::sort(sendOrder.begin(), sendOrder.end(),
              [&](uint32_t a, uint32_t b) { return nodes_[a].order < nodes_[b].order; });
    for (uint32_t sn : sendOrder) {
      const Node &s = nodes_[sn];
      for (uint32_t dst : r_.messages[s.msg].dstParts) {
        auto it = deliveries_.find(key(s.msg, s.step, dst));
        if (it != deliveries_.end() && !shared_.count({dst, r_.messages[s.msg].mailbox}))
          arrivals[{dst, r_.messages[s.msg].mailbox}].push_back(it->second);
      }
    }
    std::vector<uint32_t> stalling;
    for (const auto &[where, seq] : arrivals) {
      const auto &pops = pops_[where];
      for (size_t k = depth; k < seq.size(); ++k) {
        if (k - depth >= pops.size()) break;  // freed beyond the two modelled steps
        // A slot freed in an earlier step is free before the send: the
        // barrier between them orders the two.
        const uint32_t pop = pops[k - depth];
        if (nodes_[pop].step < nodes_[seq[k]].step) continue;
        wait(seq[k], pop);
        nodes_[seq[k]].stalls = true;
        stalling.push_back(seq[k]);
      }
    }
    if (stalling.empty()) return std::nullopt;

    // Resources a packet holds while it stalls: every link of its XY paths
    // and the destination's ejection buffer, on its virtual channel.
    std::vector<std::vector<uint64_t>> held(r_.messages.size());
    std::unordered_map<uint64_t, std::vector<uint32_t>> users;
    for (uint32_t mi = 0; mi < r_.messages.size(); ++mi) {
      const Message &m = r_.messages[mi];
      const uint32_t vc = m.mailbox % chip_.virtualChannels;
      std::set<uint64_t> links;
      const uint32_t src = parts_[m.srcPart].core;
      for (uint32_t d : m.dstParts) {
        uint32_t x = chip_.coreX(src), y = chip_.coreY(src);
        const uint32_t dx = chip_.coreX(parts_[d].core), dy = chip_.coreY(parts_[d].core);
        for (;;) {
          const Port port = routeXY(x, y, dx, dy);
          links.insert((uint64_t(chip_.coreId(x, y)) * kNumPorts + uint32_t(port)) * 8 + vc);
          if (port == Port::Local) break;
          if (port == Port::East) ++x;
          else if (port == Port::West) --x;
          else if (port == Port::North) --y;
          else ++y;
        }
      }
      held[mi].assign(links.begin(), links.end());
      for (uint64_t l : links) users[l].push_back(mi);
    }
    std::unordered_map<uint32_t, std::vector<uint32_t>> deliveriesOf;
    for (const auto &[k, n] : deliveries_) deliveriesOf[nodes_[n].msg].push_back(n);

    for (uint32_t st : stalling) {
      const Node blocked = nodes_[st];
      const uint32_t send = sends_.at({blocked.msg, blocked.step});
      // The sender's NI holds the rest of the packet.
      if (next_[send] != kNone) wait(next_[send], st);
      const uint32_t srcCore = parts_[r_.messages[blocked.msg].srcPart].core;
      std::set<uint32_t> victims;
      for (uint64_t l : held[blocked.msg])
        for (uint32_t mi : users[l]) victims.insert(mi);
      for (uint32_t mi : victims)
        for (uint32_t dn : deliveriesOf[mi]) {
          const Node &v = nodes_[dn];
          if (dn == st || (v.msg == blocked.msg && v.step == blocked.step)) continue;
          // Received in an earlier step than `blocked` is sent: long gone.
          if (v.step + int32_t(r_.messages[v.msg].delay) < blocked.step) continue;
          const uint32_t vs = sends_.at({v.msg, v.step});
          // Packets of the same source sent earlier are ahead of it.
          if (parts_[r_.messages[v.msg].srcPart].core == srcCore && nodes_[vs].order < nodes_[send].order)
            continue;
          wait(dn, st);
        }
    }
    return std::nullopt;
  }

  std::string channelName(uint32_t mi) const {
    const Message &m = r_.messages[mi];
    if (m.channel == kGather) return "the output gather of " + partName_[m.srcPart];
    if (m.channel == kMoeDispatchChannel) return "the moe dispatch to " + partName_[m.dstParts[0]];
    if (m.channel == kMoeReplyChannel) return "the moe reply of " + partName_[m.srcPart];
    const Channel &c = g_.channels[m.channel];
    return "channel '" + g_.actors[c.from].name + "' -> '" + g_.actors[c.to].name + "'";
  }
  std::string stepName(int32_t s) const {
    return s < 0 ? "the prologue" : "step " + std::to_string(s);
  }
  std::string describe(uint32_t n) const {
    const Node &v = nodes_[n];
    switch (v.kind) {
    case Kind::Send:
      return partName_[v.part] + " sends " + stepName(v.step) + "'s message of " + channelName(v.msg);
    case Kind::Deliver:
      return stepName(v.step) + "'s message of " + channelName(v.msg) + " enters mailbox " +
             std::to_string(v.mailbox) + " of " + partName_[v.part] +
             (v.stalls ? " (full: depth " + std::to_string(chip_.mailboxDepth) + ")" : std::string());
    case Kind::Recv:
      return partName_[v.part] + " receives " + channelName(v.msg) + " from mailbox " + std::to_string(v.mailbox) +
             " in " + stepName(v.step);
    case Kind::RecvShared:
      return partName_[v.part] + " drains shared mailbox " + std::to_string(v.mailbox) + " in " + stepName(v.step);
    case Kind::Arrive:
      return partName_[v.part] + " arrives at the barrier of " + stepName(v.step);
    case Kind::Barrier:
      return "the barrier of " + stepName(v.step) + " (waits for every core)";
    }
    return "";
  }
  std::string explain(const std::vector<uint32_t> &cycle) const {
    std::set<std::string> channels;
    for (uint32_t n : cycle)
      if (nodes_[n].msg != kNone) channels.insert(channelName(nodes_[n].msg));
    std::string s = "the programs could deadlock: a cycle of waits through ";
    bool first = true;
    for (const std::string &c : channels) {
      s += (first ? "" : ", ") + c;
      first = false;
    }
    if (std::any_of(cycle.begin(), cycle.end(), [&](uint32_t n) { return nodes_[n].kind == Kind::Barrier; }))
      s += " and the timestep barrier";
    s += ":";
    for (size_t i = 0; i < cycle.size(); ++i) s += "\n  " + describe(cycle[i]) + ", which waits until";
    s += "\n  " + describe(cycle.front()) + " (the cycle closes); give the channels more capacity (mailboxes "
                                            "or core.mailbox_depth) or reorder them";
    return s;
  }

  const ActorGraph &g_;
  const ChipDescriptor &chip_;
  const std::vector<Partition> &parts_;
  const Routing &r_;
  std::vector<std::vector<uint32_t>> bySrc_, byDst_;
  std::vector<std::string> partName_;

  std::vector<Node> nodes_;
  std::vector<std::vector<uint32_t>> waits_;  // node -> nodes it waits for
  std::vector<uint32_t> next_;                // program successor
  uint32_t order_ = 0;
  uint32_t barrier_[2] = {kNone, kNone};
  std::map<std::pair<uint32_t, int32_t>, uint32_t> sends_;      // (message, step) -> node
  std::unordered_map<uint64_t, uint32_t> deliveries_;           // key() -> node
  std::vector<uint32_t> pendingSendWaits_;
  std::map<std::pair<uint32_t, uint32_t>, std::vector<uint32_t>> pops_;   // (part, mailbox) -> recvs
  std::map<std::pair<uint32_t, uint32_t>, std::vector<uint32_t>> shared_; // (part, mailbox) -> messages
};

} // namespace

std::optional<Error> checkDeadlockFree(const ActorGraph &g, const ChipDescriptor &chip,
                                       const std::vector<Partition> &parts, const Routing &routing) {
  // An events stream under `block` whose worst step needs more messages than
  // the mailbox holds stalls its producer before the barrier, while the
  // consumer drains that mailbox only after the barrier.
  for (const Message &m : routing.messages) {
    if (!isEventMessage(g, m)) continue;
    const Channel &c = g.channels[m.channel];
    const uint32_t worst = eventMessages(g.actors[c.from].outSize, c.eventsPerMessage);
    if (c.policy == MailboxPolicy::Block && worst > c.capacity)
      return Error{"the programs could deadlock: a cycle of waits through channel '" + g.actors[c.from].name +
                   "' -> '" + g.actors[c.to].name + "' (" + c.pointer + ", events, policy block) and the timestep "
                   "barrier:\n  '" + g.actors[c.from].name + "' may send up to " + std::to_string(worst) +
                   " messages in one step (" + std::to_string(g.actors[c.from].outSize) + " neurons, " +
                   std::to_string(c.eventsPerMessage) + " events per message) into mailbox " +
                   std::to_string(m.mailbox) + " or " + std::to_string(m.mailbox + 1) + " of capacity " +
                   std::to_string(c.capacity) + ", which waits until\n  '" + g.actors[c.to].name +
                   "' drains it, after the barrier, which waits until\n  '" + g.actors[c.from].name +
                   "' finishes sending (the cycle closes); give the channel capacity >= " + std::to_string(worst) +
                   " or a drop or error policy"};
  }
  WaitForGraph wfg(g, chip, parts, routing);
  if (auto err = wfg.build()) return err;
  if (auto cycle = wfg.findCycle()) return Error{*cycle};
  return std::nullopt;
}

} // namespace xpu::graph
