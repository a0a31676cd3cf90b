// The golden reference executor: the integer semantics of docs/arch.md applied
// actor by actor, with no notion of cores, messages or cycles.
#include "xpu/compiler/ReferenceExecutor.h"
#include "xpu/compiler/Pool.h"

#include <algorithm>
#include <numeric>

namespace xpu::graph {
namespace {

/// One step of a mixture of experts (docs/actor-graph.md): scores, routing,
/// experts, gated combination, all in 32-bit wrapping integer arithmetic.
void moeStep(const Actor &a, const std::vector<int32_t> &x, std::vector<int32_t> &out) {
  const MoeParams &m = a.moe;
  const uint32_t T = m.tokens, E = m.experts, D = m.dim, O = m.outDim;
  auto dot = [&](const int8_t *w, uint32_t t, uint32_t acc) {
    for (uint32_t d = 0; d < D; ++d) acc += uint32_t(int32_t(w[d]) * int32_t(int8_t(x[size_t(t) * D + d])));
    return int32_t(acc);
  };
  std::vector<int32_t> score(size_t(T) * E); // [t][e]
  for (uint32_t t = 0; t < T; ++t)
    for (uint32_t e = 0; e < E; ++e) score[size_t(t) * E + e] = dot(&m.routerWeight[size_t(e) * D], t, 0);
  // Tokens each expert processes.
  std::vector<std::vector<uint32_t>> chosen(E);
  if (m.routing == MoeRouting::ExpertChoice) {
    for (uint32_t e = 0; e < E; ++e) {
      std::vector<uint32_t> order(T);
      std::iota(order.begin(), order.end(), 0u);
      std::stable_sort(order.begin(), order.end(), [&](uint32_t p, uint32_t q) {
        return score[size_t(p) * E + e] > score[size_t(q) * E + e];
      });
      chosen[e].assign(order.begin(), order.begin() + m.capacity);
    }
  } else {
    for (uint32_t t = 0; t < T; ++t) {
      std::vector<uint32_t> order(E);
      std::iota(order.begin(), order.end(), 0u);
      std::stable_sort(order.begin(), order.end(), [&](uint32_t p, uint32_t q) {
        return score[size_t(t) * E + p] > score[size_t(t) * E + q];
      });
      for (uint32_t j = 0; j < m.k; ++j)
        if (chosen[order[j]].size() < m.capacity) chosen[order[j]].push_back(t);
    }
  }
  std::vector<uint32_t> acc(size_t(T) * O, 0);
  for (uint32_t e = 0; e < E; ++e)
    for (uint32_t t : chosen[e]) {
      const int32_t gate = sem::requantise(score[size_t(t) * E + e], m.gateShift, false);
      for (uint32_t o = 0; o < O; ++o) {
        const size_t row = size_t(e) * O + o;
        const int32_t y = sem::requantise(dot(&m.expertWeight[row * D], t, m.expertBias.empty() ? 0u : uint32_t(m.expertBias[row])),
                                          m.expertRequantize.shift, m.expertRequantize.relu);
        acc[size_t(t) * O + o] += uint32_t(gate * y);
      }
    }
  for (size_t i = 0; i < acc.size(); ++i) out[i] = int32_t(acc[i]);
}

} // namespace

ReferenceExecutor::ReferenceExecutor(const ActorGraph &graph)
    : g_(graph), order_(graph.topologicalOrder()), out_(graph.actors.size()),
      prevOut_(graph.actors.size()), v_(graph.actors.size()), u_(graph.actors.size()),
      poolWorkers_(graph.actors.size(), 0), eventInput_(graph.channels.size()),
      dropped_(graph.channels.size(), 0), lastMessages_(graph.channels.size(), 0) {
  for (size_t ci = 0; ci < g_.channels.size(); ++ci)
    if (g_.channels[ci].events()) eventInput_[ci].assign(g_.actors[g_.channels[ci].from].outSize, 0);
  for (size_t i = 0; i < g_.actors.size(); ++i) {
    const Actor &a = g_.actors[i];
    prevOut_[i].assign(a.outSize, 0); // delay-1 channels deliver zeros at step 0
    if (isNeuron(a.kind)) {
      v_[i].assign(a.outSize, 0);
      u_[i].assign(a.outSize, 0);
    }
  }
}

Expected<Values> ReferenceExecutor::step(const Values &inputs) {
  for (uint32_t idx : order_) {
    const Actor &a = g_.actors[idx];
    std::vector<int32_t> &out = out_[idx];
    out.assign(a.outSize, 0);
    // The value each incoming channel delivers this step.
    auto incoming = [&](auto &&fn) {
      for (size_t ci = 0; ci < g_.channels.size(); ++ci) {
        const Channel &c = g_.channels[ci];
        if (c.to == idx) fn(c.events() ? eventInput_[ci] : c.delay ? prevOut_[c.from] : out_[c.from]);
      }
    };
    switch (a.kind) {
    case ActorKind::Input: {
      auto it = inputs.find(a.name);
      if (it == inputs.end()) return Error{"step " + std::to_string(steps_) + ": no value for input '" + a.name + "'"};
      if (it->second.size() != a.outSize)
        return Error{"input '" + a.name + "' expects " + std::to_string(a.outSize) + " values, got " +
                     std::to_string(it->second.size())};
      for (size_t i = 0; i < a.outSize; ++i) {
        int32_t v = it->second[i];
        if (a.outType == DType::I8 && (v < -128 || v > 127))
          return Error{"input '" + a.name + "' element " + std::to_string(i) + " = " + std::to_string(v) +
                       " does not fit i8"};
        out[i] = v;
      }
      break;
    }
    case ActorKind::Linear: {
      const std::vector<int32_t> *x = nullptr;
      incoming([&](const std::vector<int32_t> &v) { x = &v; });
      for (uint32_t o = 0; o < a.outSize; ++o) {
        // int32 accumulation with wrap-around, as vdot does.
        uint32_t acc = a.bias.empty() ? 0u : uint32_t(a.bias[o]);
        const int8_t *w = &a.weight[size_t(o) * a.inSize];
        for (uint32_t i = 0; i < a.inSize; ++i)
          acc += uint32_t(int32_t(w[i]) * int32_t(int8_t((*x)[i])));
        out[o] = a.requantize ? sem::requantise(int32_t(acc), a.requantize->shift, a.requantize->relu)
                              : int32_t(acc);
      }
      break;
    }
    case ActorKind::Moe: {
      const std::vector<int32_t> *x = nullptr;
      incoming([&](const std::vector<int32_t> &v) { x = &v; });
      moeStep(a, *x, out);
      break;
    }
    case ActorKind::Pool: {
      const std::vector<int32_t> *x = nullptr;
      incoming([&](const std::vector<int32_t> &v) { x = &v; });
      poolStep(a, *x, out, poolWorkers_[idx]);
      break;
    }
    default: { // neuron populations: input current = wrapping sum of channels
      std::vector<uint32_t> current(a.outSize, 0);
      incoming([&](const std::vector<int32_t> &v) {
        for (uint32_t i = 0; i < a.outSize; ++i) current[i] += uint32_t(v[i]);
      });
      for (uint32_t i = 0; i < a.outSize; ++i) {
        bool spike = sem::neuronStep(a.neuronModel(), a.reset, a.params, v_[idx][i], u_[idx][i],
                                     int32_t(current[i]));
        out[i] = a.kind == ActorKind::LI ? v_[idx][i] : int32_t(spike);
      }
      break;
    }
    }
  }
  // Events channels: ascending spike indices, K per message, into a mailbox
  // of `capacity` messages; what the policy keeps is next step's input.
  for (size_t ci = 0; ci < g_.channels.size(); ++ci) {
    const Channel &c = g_.channels[ci];
    if (!c.events()) continue;
    std::vector<uint32_t> events;
    for (uint32_t i = 0; i < out_[c.from].size(); ++i)
      if (out_[c.from][i]) events.push_back(i);
    const uint32_t K = c.eventsPerMessage, C = c.capacity;
    const uint32_t messages = eventMessages(uint32_t(events.size()), K);
    lastMessages_[ci] = messages;
    uint32_t first = 0, last = messages; // kept messages [first, last)
    if (messages > C) {
      const std::string where = "channel '" + g_.actors[c.from].name + "' -> '" + g_.actors[c.to].name + "' (" +
                                c.pointer + ") at step " + std::to_string(steps_) + ": " + std::to_string(messages) +
                                " messages, capacity " + std::to_string(C);
      switch (c.policy) {
      case MailboxPolicy::Error: return Error{"step " + std::to_string(steps_) + ": mailbox overflow on " + where};
      case MailboxPolicy::Block:
        return Error{"step " + std::to_string(steps_) + ": mailbox would block forever on " + where};
      case MailboxPolicy::DropNewest: last = C; break;
      case MailboxPolicy::DropOldest: first = messages - C; break;
      }
      dropped_[ci] += messages - C;
    }
    std::vector<int32_t> &x = eventInput_[ci];
    std::fill(x.begin(), x.end(), 0);
    for (size_t e = size_t(first) * K; e < std::min<size_t>(events.size(), size_t(last) * K); ++e) x[events[e]] = 1;
  }
  Values result;
  for (const GraphOutput &o : g_.outputs) result[o.name] = out_[o.actor];
  prevOut_ = out_;
  ++steps_;
  return result;
}

} // namespace xpu::graph
