// Actors built in code for the compiler tests (the JSON reader builds the
// same structures from files).
#pragma once

#include "xpu/compiler/ActorGraph.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace xpu::graph::test {

inline Actor input(const std::string &name, uint32_t n, DType t = DType::I8) {
  Actor a;
  a.name = name;
  a.kind = ActorKind::Input;
  a.outSize = n;
  a.outType = t;
  return a;
}

inline Actor linear(const std::string &name, uint32_t in, uint32_t out, std::vector<int8_t> w,
                    std::vector<int32_t> b = {}, std::optional<Requantize> rq = std::nullopt) {
  Actor a;
  a.name = name;
  a.kind = ActorKind::Linear;
  a.inSize = in;
  a.outSize = out;
  a.weight = std::move(w);
  a.bias = std::move(b);
  a.requantize = rq;
  a.outType = rq ? DType::I8 : DType::I32;
  return a;
}

inline Actor neurons(const std::string &name, ActorKind k, uint32_t n, sem::NeuronParams p, ResetMode r) {
  Actor a;
  a.name = name;
  a.kind = k;
  a.inSize = a.outSize = n;
  a.inType = DType::I32;
  a.outType = k == ActorKind::LI ? DType::I32 : DType::I8;
  a.params = p;
  a.reset = r;
  return a;
}

/// A mixture of experts: T tokens of D features, E experts of O outputs.
/// `routerWeight` is [E][D], `weight` [E][O][D], `bias` [E][O] (or empty).
inline Actor moe(const std::string &name, uint32_t T, uint32_t E, uint32_t D, uint32_t O, MoeRouting routing,
                 uint32_t k, uint32_t capacity, uint32_t gateShift, std::vector<int8_t> routerWeight,
                 std::vector<int8_t> weight, std::vector<int32_t> bias, Requantize rq) {
  Actor a;
  a.name = name;
  a.kind = ActorKind::Moe;
  a.inSize = T * D;
  a.outSize = T * O;
  a.inType = DType::I8;
  a.outType = DType::I32;
  a.moe.tokens = T;
  a.moe.experts = E;
  a.moe.dim = D;
  a.moe.outDim = O;
  a.moe.routing = routing;
  a.moe.k = k;
  a.moe.capacity = capacity;
  a.moe.gateShift = gateShift;
  a.moe.routerWeight = std::move(routerWeight);
  a.moe.expertWeight = std::move(weight);
  a.moe.expertBias = std::move(bias);
  a.moe.expertRequantize = rq;
  return a;
}

/// A graph named `graphName` of one actor `a` fed by an input "x" of its
/// input size, its result the output "y".
inline ActorGraph singleActorGraph(const std::string &graphName, Actor a) {
  ActorGraph g;
  g.name = graphName;
  g.actors = {input("x", a.inSize), std::move(a)};
  Channel c;
  c.from = 0;
  c.to = 1;
  g.channels = {c};
  g.outputs = {{"y", 1}};
  return g;
}

} // namespace xpu::graph::test
