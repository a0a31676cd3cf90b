// Random valid actor graphs (RandomGraph.h). The generator is deterministic
// per seed on every platform (its own xorshift, no std distributions).
#include "xpu/compiler/RandomGraph.h"
#include "xpu/compiler/Xorshift.h"

#include <nlohmann/json.hpp>

namespace xpu::graph {
namespace {

/// The shared xorshift with this file's own stream of graph generation.
struct Rng : Xorshift {
  explicit Rng(uint64_t seed) : Xorshift(seed, 0x1234567ull, 4) {}
};


Channel channel(uint32_t from, uint32_t to, uint32_t delay, Rng &rng) {
  Channel c;
  c.from = from;
  c.to = to;
  c.delay = delay;
  c.capacity = uint32_t(rng.range(1, 4));
  c.pointer = "/channels/?";
  return c;
}

} // namespace

ActorGraph randomActorGraph(const RandomGraphOptions &opts) {
  Rng rng(opts.seed);
  ActorGraph g;
  g.name = "random_" + std::to_string(opts.seed);
  g.sync = rng.chance(20) ? SyncMode::Free : SyncMode::Barrier;
  const uint32_t maxActors = std::max<uint32_t>(opts.maxActors, 2);
  auto width = [&] { return uint32_t(rng.range(1, int32_t(opts.maxWidth))); };
  auto addActor = [&](Actor a) {
    a.pointer = "/actors/" + std::to_string(g.actors.size());
    g.actors.push_back(std::move(a));
    return uint32_t(g.actors.size() - 1);
  };
  auto linear = [&](uint32_t in, uint32_t out, bool requant) {
    Actor a;
    a.name = "lin" + std::to_string(g.actors.size());
    a.kind = ActorKind::Linear;
    a.inSize = in;
    a.outSize = out;
    const int32_t wmax = rng.range(1, 60);
    for (size_t i = 0; i < size_t(in) * out; ++i) a.weight.push_back(int8_t(rng.range(-wmax, wmax)));
    if (rng.chance(50))
      for (uint32_t i = 0; i < out; ++i) a.bias.push_back(rng.range(-2000, 2000));
    if (requant) a.requantize = Requantize{uint32_t(rng.range(0, 9)), rng.chance(50)};
    a.outType = requant ? DType::I8 : DType::I32;
    return a;
  };

  // Values produced so far that a linear layer can consume (i8 outputs).
  std::vector<uint32_t> i8Producers;
  const uint32_t inputs = rng.chance(25) ? 2 : 1;
  for (uint32_t i = 0; i < inputs; ++i) {
    Actor a;
    a.name = "in" + std::to_string(i);
    a.kind = ActorKind::Input;
    a.outSize = width();
    i8Producers.push_back(addActor(a));
  }
  // Cores used so far: a moe actor takes E + 1 (router and experts).
  uint32_t cores = uint32_t(g.actors.size());
  std::vector<uint32_t> observe; // moe actors that must be graph outputs
  while (cores < maxActors) {
    const uint32_t room = maxActors - cores;
    const uint32_t src = i8Producers[rng.next() % i8Producers.size()];
    const uint32_t srcSize = g.actors[src].outSize;
    if (opts.moePercent && room >= 4 && rng.chance(opts.moePercent)) {
      // tokens -> moe (-> neuron population): 1 + (E + 1) [+ 1] cores.
      const uint32_t T = uint32_t(rng.range(1, 8)), D = uint32_t(rng.range(1, 12)), O = uint32_t(rng.range(1, 8));
      const uint32_t E = uint32_t(rng.range(1, int32_t(std::min<uint32_t>(room - 2, 8))));
      const uint32_t tok = addActor(linear(srcSize, T * D, true));
      g.channels.push_back(channel(src, tok, 0, rng));
      Actor m;
      m.name = "moe" + std::to_string(g.actors.size());
      m.kind = ActorKind::Moe;
      m.inSize = T * D;
      m.outSize = T * O;
      m.inType = DType::I8;
      m.outType = DType::I32;
      MoeParams &p = m.moe;
      p.tokens = T;
      p.experts = E;
      p.dim = D;
      p.outDim = O;
      p.routing = rng.chance(50) ? MoeRouting::TopK : MoeRouting::ExpertChoice;
      p.k = p.routing == MoeRouting::TopK ? uint32_t(rng.range(1, int32_t(E))) : 1;
      p.capacity = uint32_t(rng.range(1, int32_t(T)));
      p.gateShift = uint32_t(rng.range(0, 9));
      const int32_t wmax = rng.range(1, 60);
      for (size_t i = 0; i < size_t(E) * D; ++i) p.routerWeight.push_back(int8_t(rng.range(-wmax, wmax)));
      for (size_t i = 0; i < size_t(E) * O * D; ++i) p.expertWeight.push_back(int8_t(rng.range(-wmax, wmax)));
      if (rng.chance(50))
        for (size_t i = 0; i < size_t(E) * O; ++i) p.expertBias.push_back(rng.range(-2000, 2000));
      p.expertRequantize = Requantize{uint32_t(rng.range(0, 9)), rng.chance(50)};
      const uint32_t mi = addActor(m);
      g.channels.push_back(channel(tok, mi, 0, rng));
      cores += 1 + E + 1;
      observe.push_back(mi);
      if (cores < maxActors && rng.chance(50)) {
        Actor pop;
        pop.name = "pop" + std::to_string(g.actors.size());
        pop.kind = ActorKind::LIF;
        pop.inSize = pop.outSize = T * O;
        pop.inType = DType::I32;
        pop.outType = DType::I8;
        pop.params.dv = rng.range(0, 4096);
        pop.params.vth = rng.range(0, 20000);
        pop.reset = ResetMode::Subtract;
        const uint32_t popIdx = addActor(pop);
        g.channels.push_back(channel(mi, popIdx, 0, rng));
        i8Producers.push_back(popIdx);
        ++cores;
      }
      continue;
    }
    const size_t before = g.actors.size();
    auto full = [&] { return cores + uint32_t(g.actors.size() - before) >= maxActors; };
    if (room >= 2 && rng.chance(55)) {
      // Projection(s) into a neuron population, maybe recurrent.
      const uint32_t n = width();
      const uint32_t proj = addActor(linear(srcSize, n, false));
      g.channels.push_back(channel(src, proj, 0, rng));
      Actor pop;
      pop.name = "pop" + std::to_string(g.actors.size());
      const uint32_t k = rng.next() % 4;
      pop.kind = k == 0 ? ActorKind::IF : k == 1 ? ActorKind::LIF : k == 2 ? ActorKind::CubaLIF : ActorKind::LI;
      pop.inSize = pop.outSize = n;
      pop.inType = DType::I32;
      pop.outType = pop.kind == ActorKind::LI ? DType::I32 : DType::I8;
      pop.params.dv = pop.kind == ActorKind::IF ? 0 : rng.range(0, 4096);
      pop.params.du = pop.kind == ActorKind::CubaLIF ? rng.range(0, 4096) : 0;
      pop.params.vth = rng.range(0, 20000);
      pop.params.vReset = rng.range(-500, 500);
      pop.params.bias = rng.range(-300, 300);
      pop.reset = pop.kind == ActorKind::LI ? ResetMode::None : ResetMode(rng.next() % 4);
      const uint32_t popIdx = addActor(pop);
      g.channels.push_back(channel(proj, popIdx, 0, rng));
      // A second projection from another i8 value (currents are summed).
      if (!full() && rng.chance(30)) {
        const uint32_t src2 = i8Producers[rng.next() % i8Producers.size()];
        const uint32_t p2 = addActor(linear(g.actors[src2].outSize, n, false));
        g.channels.push_back(channel(src2, p2, 0, rng));
        g.channels.push_back(channel(p2, popIdx, 0, rng));
      }
      if (pop.kind != ActorKind::LI) {
        // Recurrent projection of the spikes (delay 1).
        if (!full() && rng.chance(40)) {
          const uint32_t rec = addActor(linear(n, n, false));
          g.channels.push_back(channel(popIdx, rec, 0, rng));
          g.channels.push_back(channel(rec, popIdx, 1, rng));
          g.channels.back().capacity = uint32_t(rng.range(2, 4));
        }
        i8Producers.push_back(popIdx);
      }
    } else {
      const uint32_t l = addActor(linear(srcSize, width(), true));
      g.channels.push_back(channel(src, l, 0, rng));
      i8Producers.push_back(l);
    }
    cores += uint32_t(g.actors.size() - before);
  }
  // Outputs: the last actor, plus up to two random others.
  g.outputs.push_back({"out0", uint32_t(g.actors.size() - 1)});
  const uint32_t extra = rng.next() % 3;
  for (uint32_t i = 0; i < extra; ++i) {
    const uint32_t a = rng.next() % uint32_t(g.actors.size());
    bool dup = false;
    for (const GraphOutput &o : g.outputs) dup |= o.actor == a;
    if (!dup) g.outputs.push_back({"out" + std::to_string(g.outputs.size()), a});
  }
  for (uint32_t a : observe) {
    bool dup = false;
    for (const GraphOutput &o : g.outputs) dup |= o.actor == a;
    if (!dup) g.outputs.push_back({"out" + std::to_string(g.outputs.size()), a});
  }
  for (size_t i = 0; i < g.channels.size(); ++i) g.channels[i].pointer = "/channels/" + std::to_string(i);
  return g;
}

std::vector<Values> randomInputs(const ActorGraph &g, uint32_t steps, uint64_t seed) {
  Rng rng(seed ^ 0xABCDEFull);
  std::vector<Values> inputs(steps);
  for (const Actor &a : g.actors) {
    if (a.kind != ActorKind::Input) continue;
    const bool spikes = rng.chance(40);
    for (auto &step : inputs)
      for (uint32_t i = 0; i < a.outSize; ++i)
        step[a.name].push_back(spikes ? int32_t(rng.chance(30)) : rng.range(-128, 127));
  }
  return inputs;
}

std::string actorGraphToJson(const ActorGraph &g) {
  using json = nlohmann::json;
  static const char *resets[] = {"zero", "subtract", "to_value", "none"};
  json j;
  j["format"] = "xpu-actor-graph/1";
  j["name"] = g.name;
  j["dt"] = g.dt;
  j["sync"] = g.sync == SyncMode::Barrier ? "barrier" : "free";
  j["actors"] = json::array();
  for (const Actor &a : g.actors) {
    json aj = {{"name", a.name}, {"kind", kindName(a.kind)}};
    switch (a.kind) {
    case ActorKind::Input:
      aj["size"] = a.outSize;
      aj["dtype"] = dtypeName(a.outType);
      break;
    case ActorKind::Moe: {
      const MoeParams &m = a.moe;
      aj["tokens"] = m.tokens;
      aj["experts"] = m.experts;
      aj["in"] = m.dim;
      aj["out"] = m.outDim;
      aj["routing"] = m.routing == MoeRouting::TopK ? "top_k" : "expert_choice";
      if (m.routing == MoeRouting::TopK) aj["k"] = m.k;
      aj["capacity"] = m.capacity;
      aj["gate_shift"] = m.gateShift;
      json rw = json::array(), w = json::array(), b = json::array();
      for (uint32_t e = 0; e < m.experts; ++e) {
        rw.push_back(std::vector<int>(m.routerWeight.begin() + size_t(e) * m.dim,
                                      m.routerWeight.begin() + size_t(e + 1) * m.dim));
        json we = json::array();
        for (uint32_t o = 0; o < m.outDim; ++o) {
          const size_t row = size_t(e) * m.outDim + o;
          we.push_back(std::vector<int>(m.expertWeight.begin() + row * m.dim, m.expertWeight.begin() + (row + 1) * m.dim));
        }
        w.push_back(we);
        if (!m.expertBias.empty())
          b.push_back(std::vector<int32_t>(m.expertBias.begin() + size_t(e) * m.outDim,
                                           m.expertBias.begin() + size_t(e + 1) * m.outDim));
      }
      aj["router_weight"] = rw;
      aj["weight"] = w;
      if (!m.expertBias.empty()) aj["bias"] = b;
      aj["requantize"] = {{"shift", m.expertRequantize.shift}, {"relu", m.expertRequantize.relu}};
      break;
    }
    case ActorKind::Linear: {
      aj["in"] = a.inSize;
      aj["out"] = a.outSize;
      json w = json::array();
      for (uint32_t o = 0; o < a.outSize; ++o)
        w.push_back(std::vector<int>(a.weight.begin() + size_t(o) * a.inSize,
                                     a.weight.begin() + size_t(o + 1) * a.inSize));
      aj["weight"] = w;
      if (!a.bias.empty()) aj["bias"] = a.bias;
      if (a.requantize) aj["requantize"] = {{"shift", a.requantize->shift}, {"relu", a.requantize->relu}};
      break;
    }
    default:
      aj["size"] = a.outSize;
      aj["dv"] = a.params.dv;
      if (a.kind == ActorKind::CubaLIF) aj["du"] = a.params.du;
      if (a.kind != ActorKind::LI) aj["v_threshold"] = a.params.vth;
      aj["v_reset"] = a.params.vReset;
      aj["bias"] = a.params.bias;
      aj["reset"] = resets[static_cast<int>(a.reset)];
      break;
    }
    j["actors"].push_back(aj);
  }
  j["channels"] = json::array();
  for (const Channel &c : g.channels)
    j["channels"].push_back({{"from", g.actors[c.from].name}, {"to", g.actors[c.to].name},
                             {"capacity", c.capacity}, {"policy", policyName(c.policy)}, {"delay", c.delay}});
  j["outputs"] = json::array();
  for (const GraphOutput &o : g.outputs) j["outputs"].push_back({{"name", o.name}, {"actor", g.actors[o.actor].name}});
  return j.dump(1);
}

} // namespace xpu::graph
