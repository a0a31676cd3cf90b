// Actor-graph JSON: parsing with JSON-pointer diagnostics, and validation
// (docs/actor-graph.md is the format's specification).
#include "xpu/compiler/ActorGraph.h"
#include "xpu/compiler/Npy.h"
#include "xpu/compiler/Pool.h"
#include "xpu/FileIO.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

namespace xpu::graph {

using json = nlohmann::json;

const char *dtypeName(DType t) { return t == DType::I8 ? "i8" : "i32"; }

namespace {
struct KindName {
  ActorKind kind;
  const char *name;
};
const KindName kKinds[] = {
    {ActorKind::Input, "input"}, {ActorKind::Linear, "linear"}, {ActorKind::IF, "if"},
    {ActorKind::LIF, "lif"},     {ActorKind::CubaLIF, "cuba_lif"}, {ActorKind::LI, "li"},
    {ActorKind::Moe, "moe"}, {ActorKind::Pool, "pool"},
};
const char *kResetNames[] = {"zero", "subtract", "to_value", "none"};
} // namespace

const char *kindName(ActorKind k) {
  for (const KindName &kn : kKinds)
    if (kn.kind == k) return kn.name;
  return "?";
}

std::optional<ActorKind> kindFromName(const std::string &name) {
  for (const KindName &kn : kKinds)
    if (name == kn.name) return kn.kind;
  return std::nullopt;
}

NeuronModel Actor::neuronModel() const {
  switch (kind) {
  case ActorKind::IF: return NeuronModel::IF;
  case ActorKind::CubaLIF: return NeuronModel::CubaLIF;
  case ActorKind::LI: return NeuronModel::LI;
  default: return NeuronModel::LIF;
  }
}

std::optional<uint32_t> ActorGraph::find(const std::string &actorName) const {
  for (uint32_t i = 0; i < actors.size(); ++i)
    if (actors[i].name == actorName) return i;
  return std::nullopt;
}

std::vector<uint32_t> ActorGraph::topologicalOrder() const {
  // Kahn's algorithm over delay-0 channels, smallest index first so the
  // order is deterministic.
  std::vector<uint32_t> indegree(actors.size(), 0), order;
  std::vector<std::vector<uint32_t>> succ(actors.size());
  for (const Channel &c : channels)
    if (c.delay == 0) {
      succ[c.from].push_back(c.to);
      ++indegree[c.to];
    }
  std::set<uint32_t> ready;
  for (uint32_t i = 0; i < actors.size(); ++i)
    if (!indegree[i]) ready.insert(i);
  while (!ready.empty()) {
    uint32_t a = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(a);
    for (uint32_t s : succ[a])
      if (--indegree[s] == 0) ready.insert(s);
  }
  return order; // shorter than actors.size() iff there is a delay-0 cycle
}

std::optional<Error> validateActorGraph(const ActorGraph &g) {
  std::vector<std::string> errs;
  auto err = [&](const std::string &ptr, const std::string &msg) { errs.push_back(ptr + ": " + msg); };
  std::set<std::string> names;
  for (const Actor &a : g.actors) {
    if (a.name.empty()) err(a.pointer + "/name", "must not be empty");
    else if (!names.insert(a.name).second) err(a.pointer + "/name", "duplicate actor name '" + a.name + "'");
    if (a.outSize == 0) err(a.pointer, "actor '" + a.name + "' produces an empty vector");
    switch (a.kind) {
    case ActorKind::Input:
      break;
    case ActorKind::Linear:
      if (a.weight.size() != size_t(a.inSize) * a.outSize)
        err(a.pointer + "/weight", "expected " + std::to_string(a.outSize) + "x" + std::to_string(a.inSize) +
                                       " weights, got " + std::to_string(a.weight.size()));
      if (!a.bias.empty() && a.bias.size() != a.outSize)
        err(a.pointer + "/bias", "expected " + std::to_string(a.outSize) + " values, got " +
                                     std::to_string(a.bias.size()));
      if (a.requantize && a.requantize->shift > 31)
        err(a.pointer + "/requantize/shift", "must be in 0..31, got " + std::to_string(a.requantize->shift));
      break;
    case ActorKind::Moe: {
      const MoeParams &m = a.moe;
      const std::string T = std::to_string(m.tokens), E = std::to_string(m.experts);
      if (m.tokens < 1 || m.tokens > 256) err(a.pointer + "/tokens", "must be in 1..256, got " + T);
      if (m.experts < 1 || m.experts > 256) err(a.pointer + "/experts", "must be in 1..256, got " + E);
      if (m.dim < 1 || m.outDim < 1) err(a.pointer, "moe actor '" + a.name + "' needs in >= 1 and out >= 1");
      if (m.capacity < 1 || m.capacity > m.tokens)
        err(a.pointer + "/capacity", "must be in 1.." + T + " (tokens), got " + std::to_string(m.capacity));
      if (m.routing == MoeRouting::TopK && (m.k < 1 || m.k > m.experts))
        err(a.pointer + "/k", "must be in 1.." + E + " (experts), got " + std::to_string(m.k));
      if (m.gateShift > 31) err(a.pointer + "/gate_shift", "must be in 0..31, got " + std::to_string(m.gateShift));
      if (m.expertRequantize.shift > 31)
        err(a.pointer + "/requantize/shift", "must be in 0..31, got " + std::to_string(m.expertRequantize.shift));
      if (a.inSize != uint64_t(m.tokens) * m.dim || a.outSize != uint64_t(m.tokens) * m.outDim)
        err(a.pointer, "moe actor '" + a.name + "' consumes tokens x in and produces tokens x out values");
      if (a.inType != DType::I8 || a.outType != DType::I32)
        err(a.pointer, "moe actor '" + a.name + "' consumes i8 tokens and produces i32 values");
      if (m.routerWeight.size() != size_t(m.experts) * m.dim)
        err(a.pointer + "/router_weight", "expected " + E + "x" + std::to_string(m.dim) + " weights, got " +
                                              std::to_string(m.routerWeight.size()));
      if (m.expertWeight.size() != size_t(m.experts) * m.outDim * m.dim)
        err(a.pointer + "/weight", "expected " + E + "x" + std::to_string(m.outDim) + "x" + std::to_string(m.dim) +
                                       " weights, got " + std::to_string(m.expertWeight.size()));
      if (!m.expertBias.empty() && m.expertBias.size() != size_t(m.experts) * m.outDim)
        err(a.pointer + "/bias", "expected " + E + "x" + std::to_string(m.outDim) + " values, got " +
                                     std::to_string(m.expertBias.size()));
      break;
    }
    case ActorKind::Pool:
      validatePool(a, errs);
      break;
    default: // neurons
      if (a.params.dv < 0 || a.params.dv > sem::kDecayOne)
        err(a.pointer + "/dv", "must be in 0..4096, got " + std::to_string(a.params.dv));
      if (a.params.du < 0 || a.params.du > sem::kDecayOne)
        err(a.pointer + "/du", "must be in 0..4096, got " + std::to_string(a.params.du));
      if (a.inSize != a.outSize)
        err(a.pointer, "a neuron population consumes and produces one value per neuron");
      break;
    }
  }
  std::vector<unsigned> inCount(g.actors.size(), 0);
  for (const Channel &c : g.channels) {
    if (c.from >= g.actors.size() || c.to >= g.actors.size()) {
      err(c.pointer, "refers to an actor that does not exist");
      continue;
    }
    const Actor &src = g.actors[c.from], &dst = g.actors[c.to];
    ++inCount[c.to];
    if (c.capacity == 0) err(c.pointer + "/capacity", "must be at least 1");
    if (c.delay > 1) err(c.pointer + "/delay", "must be 0 or 1, got " + std::to_string(c.delay));
    if (dst.kind == ActorKind::Input) {
      err(c.pointer + "/to", "'" + dst.name + "' is a graph input and cannot receive from a channel");
      continue;
    }
    if (src.outSize != dst.inSize)
      err(c.pointer, "shape mismatch: '" + src.name + "' produces " + std::to_string(src.outSize) +
                         " values but '" + dst.name + "' consumes " + std::to_string(dst.inSize));
    if (src.outType != dst.inType)
      err(c.pointer, "type mismatch: '" + src.name + "' produces " + dtypeName(src.outType) + " but '" +
                         dst.name + "' consumes " + dtypeName(dst.inType));
    if (c.events()) {
      const bool spiking = src.kind == ActorKind::IF || src.kind == ActorKind::LIF || src.kind == ActorKind::CubaLIF;
      if (!spiking)
        err(c.pointer + "/encoding", "an events channel needs a spiking source (if, lif, cuba_lif); '" + src.name +
                                         "' is " + kindName(src.kind));
      if (dst.kind != ActorKind::Linear)
        err(c.pointer + "/encoding", "an events channel needs a linear consumer; '" + dst.name + "' is " +
                                         kindName(dst.kind));
      if (c.delay != 1)
        err(c.pointer + "/delay", "an events channel needs \"delay\": 1 (events of step t are consumed at step t + 1)");
      if (c.eventsPerMessage < 1 || c.eventsPerMessage > 1024)
        err(c.pointer + "/events_per_message", "must be in 1..1024, got " + std::to_string(c.eventsPerMessage));
      if (src.outSize > kMaxEventSource)
        err(c.pointer, "an events channel carries u16 indices: '" + src.name + "' has " +
                           std::to_string(src.outSize) + " neurons, more than 65536");
    }
  }
  for (uint32_t i = 0; i < g.actors.size(); ++i) {
    const Actor &a = g.actors[i];
    if ((a.kind == ActorKind::Linear || a.kind == ActorKind::Moe || a.kind == ActorKind::Pool) && inCount[i] != 1)
      err(a.pointer, std::string(kindName(a.kind)) + " actor '" + a.name + "' needs exactly one input channel, has " +
                         std::to_string(inCount[i]));
  }
  std::set<std::string> outNames;
  for (const GraphOutput &o : g.outputs) {
    if (o.actor >= g.actors.size()) err("/outputs", "output '" + o.name + "' refers to no actor");
    if (!outNames.insert(o.name).second) err("/outputs", "duplicate output name '" + o.name + "'");
  }
  if (g.outputs.empty()) err("/outputs", "a graph needs at least one output");
  if (errs.empty() && g.topologicalOrder().size() != g.actors.size()) {
    // Name the actors on a delay-free cycle.
    std::vector<uint32_t> order = g.topologicalOrder();
    std::set<uint32_t> done(order.begin(), order.end());
    std::string cyc;
    for (uint32_t i = 0; i < g.actors.size(); ++i)
      if (!done.count(i)) cyc += (cyc.empty() ? "" : ", ") + g.actors[i].name;
    err("/channels", "cycle without a delay through actors " + cyc +
                         " (give one channel of the cycle \"delay\": 1)");
  }
  if (errs.empty()) return std::nullopt;
  std::string all;
  for (const std::string &e : errs) all += (all.empty() ? "" : "\n") + e;
  return Error{all};
}

namespace {

/// Collects errors with their JSON pointers; typed accessors never throw.
class Reader {
public:
  Reader(std::string source, std::string baseDir) : source_(std::move(source)), baseDir_(std::move(baseDir)) {}
  std::vector<std::string> errors;

  void error(const std::string &ptr, const std::string &msg) {
    errors.push_back(source_ + ": " + (ptr.empty() ? "/" : ptr) + ": " + msg);
  }
  const json *get(const json &obj, const std::string &ptr, const char *key, bool required) {
    auto it = obj.find(key);
    if (it == obj.end()) {
      if (required) error(ptr + "/" + key, "missing (required)");
      return nullptr;
    }
    return &*it;
  }
  std::optional<std::string> str(const json &obj, const std::string &ptr, const char *key, bool required) {
    const json *v = get(obj, ptr, key, required);
    if (!v) return std::nullopt;
    if (!v->is_string()) {
      error(ptr + "/" + key, std::string("expected a string, got ") + v->type_name());
      return std::nullopt;
    }
    return v->get<std::string>();
  }
  std::optional<int64_t> integer(const json &obj, const std::string &ptr, const char *key, bool required,
                                 int64_t lo, int64_t hi) {
    const json *v = get(obj, ptr, key, required);
    if (!v) return std::nullopt;
    if (!v->is_number_integer()) {
      error(ptr + "/" + key, std::string("expected an integer, got ") + v->type_name());
      return std::nullopt;
    }
    int64_t x = v->get<int64_t>();
    if (x < lo || x > hi) {
      error(ptr + "/" + key, "must be in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " +
                                 std::to_string(x));
      return std::nullopt;
    }
    return x;
  }
  void knownKeys(const json &obj, const std::string &ptr, std::initializer_list<const char *> keys) {
    for (auto it = obj.begin(); it != obj.end(); ++it)
      if (std::none_of(keys.begin(), keys.end(), [&](const char *k) { return it.key() == k; })) {
        std::string list;
        for (const char *k : keys) list += (list.empty() ? "" : ", ") + std::string(k);
        error(ptr + "/" + it.key(), "unknown field (expected one of: " + list + ")");
      }
  }
  /// An integer tensor given inline (nested arrays) or as {"npy": "file"}.
  std::optional<std::vector<int64_t>> tensor(const json &v, const std::string &ptr,
                                             const std::vector<int64_t> &shape, int64_t lo, int64_t hi,
                                             const char *what) {
    std::vector<int64_t> out;
    std::string shapeText;
    for (int64_t d : shape) shapeText += (shapeText.empty() ? "" : "x") + std::to_string(d);
    if (v.is_object()) {
      knownKeys(v, ptr, {"npy"});
      auto file = str(v, ptr, "npy", true);
      if (!file) return std::nullopt;
      std::string path = file->size() && (*file)[0] == '/' ? *file : baseDir_ + "/" + *file;
      auto arr = loadNpy(path);
      if (!arr) {
        error(ptr + "/npy", arr.error().message);
        return std::nullopt;
      }
      if (arr->shape != shape) {
        std::string got;
        for (int64_t d : arr->shape) got += (got.empty() ? "" : "x") + std::to_string(d);
        error(ptr + "/npy", "'" + *file + "' has shape " + (got.empty() ? "()" : got) + ", expected " + shapeText);
        return std::nullopt;
      }
      for (size_t i = 0; i < arr->values.size(); ++i)
        if (arr->values[i] < lo || arr->values[i] > hi) {
          error(ptr + "/npy", "'" + *file + "' element " + std::to_string(i) + " = " +
                                  std::to_string(arr->values[i]) + " is outside the " + what + " range " +
                                  std::to_string(lo) + ".." + std::to_string(hi));
          return std::nullopt;
        }
      return arr->values;
    }
    // Inline: nested arrays of exactly `shape`.
    std::function<bool(const json &, size_t, const std::string &)> walk =
        [&](const json &x, size_t dim, const std::string &p) -> bool {
      if (dim == shape.size()) {
        if (!x.is_number_integer()) {
          error(p, std::string("expected an integer ") + what + " value, got " + x.type_name());
          return false;
        }
        int64_t val = x.get<int64_t>();
        if (val < lo || val > hi) {
          error(p, std::string(what) + " value must be in " + std::to_string(lo) + ".." + std::to_string(hi) +
                       ", got " + std::to_string(val));
          return false;
        }
        out.push_back(val);
        return true;
      }
      if (!x.is_array() || int64_t(x.size()) != shape[dim]) {
        error(p, "expected an array of " + std::to_string(shape[dim]) + " elements (tensor shape " + shapeText +
                     "), got " + (x.is_array() ? std::to_string(x.size()) + " elements" : x.type_name()));
        return false;
      }
      for (size_t i = 0; i < x.size(); ++i)
        if (!walk(x[i], dim + 1, p + "/" + std::to_string(i))) return false;
      return true;
    };
    if (!walk(v, 0, ptr)) return std::nullopt;
    return out;
  }

private:
  std::string source_, baseDir_;
};

/// `requantize`: {"shift": 0..31, "relu": bool}.
std::optional<Requantize> parseRequantize(Reader &r, const json &q, const std::string &qp) {
  if (!q.is_object()) {
    r.error(qp, "expected an object {\"shift\": 0..31, \"relu\": bool}");
    return std::nullopt;
  }
  r.knownKeys(q, qp, {"shift", "relu"});
  Requantize rq;
  rq.shift = uint32_t(r.integer(q, qp, "shift", true, 0, 31).value_or(0));
  if (const json *relu = r.get(q, qp, "relu", false)) {
    if (!relu->is_boolean()) r.error(qp + "/relu", "expected true or false");
    else rq.relu = relu->get<bool>();
  }
  return rq;
}

/// A `moe` actor (docs/actor-graph.md "Mixture of experts").
void parseMoe(Reader &r, const json &aj, const std::string &p, Actor &a) {
  r.knownKeys(aj, p, {"name", "kind", "tokens", "experts", "in", "out", "routing", "k", "capacity", "gate_shift",
                      "router_weight", "weight", "bias", "requantize"});
  MoeParams &m = a.moe;
  a.inType = DType::I8;
  a.outType = DType::I32;
  auto tokens = r.integer(aj, p, "tokens", true, 1, 256);
  auto experts = r.integer(aj, p, "experts", true, 1, 256);
  auto in = r.integer(aj, p, "in", true, 1, 1 << 16);
  auto out = r.integer(aj, p, "out", true, 1, 1 << 16);
  if (auto routing = r.str(aj, p, "routing", true)) {
    if (*routing == "expert_choice") m.routing = MoeRouting::ExpertChoice;
    else if (*routing == "top_k") m.routing = MoeRouting::TopK;
    else r.error(p + "/routing", "expected \"expert_choice\" or \"top_k\", got \"" + *routing + "\"");
  }
  if (m.routing == MoeRouting::TopK) {
    if (auto k = r.integer(aj, p, "k", true, 1, 256)) {
      m.k = uint32_t(*k);
      if (experts && *k > *experts)
        r.error(p + "/k", "must be at most experts (" + std::to_string(*experts) + "), got " + std::to_string(*k));
    }
  } else if (aj.contains("k")) {
    r.error(p + "/k", "only top_k routing takes 'k'");
  }
  if (auto cap = r.integer(aj, p, "capacity", true, 1, 256)) {
    m.capacity = uint32_t(*cap);
    if (tokens && *cap > *tokens)
      r.error(p + "/capacity", "must be at most tokens (" + std::to_string(*tokens) + "), got " + std::to_string(*cap));
  }
  m.gateShift = uint32_t(r.integer(aj, p, "gate_shift", false, 0, 31).value_or(0));
  if (const json *q = r.get(aj, p, "requantize", true))
    if (auto rq = parseRequantize(r, *q, p + "/requantize")) m.expertRequantize = *rq;
  if (!tokens || !experts || !in || !out) return;
  m.tokens = uint32_t(*tokens);
  m.experts = uint32_t(*experts);
  m.dim = uint32_t(*in);
  m.outDim = uint32_t(*out);
  a.inSize = m.tokens * m.dim;
  a.outSize = m.tokens * m.outDim;
  if (*experts * *out * *in > (int64_t(1) << 30)) {
    r.error(p, "expert weights of " + std::to_string(*experts * *out * *in) + " elements are too large");
    return;
  }
  if (const json *w = r.get(aj, p, "router_weight", true))
    if (auto t = r.tensor(*w, p + "/router_weight", {*experts, *in}, -128, 127, "int8"))
      m.routerWeight.assign(t->begin(), t->end());
  if (const json *w = r.get(aj, p, "weight", true))
    if (auto t = r.tensor(*w, p + "/weight", {*experts, *out, *in}, -128, 127, "int8"))
      m.expertWeight.assign(t->begin(), t->end());
  if (const json *b = r.get(aj, p, "bias", false))
    if (auto t = r.tensor(*b, p + "/bias", {*experts, *out}, INT32_MIN, INT32_MAX, "int32"))
      m.expertBias.assign(t->begin(), t->end());
}

/// A `pool` actor (docs/actor-graph.md "Pools").
void parsePool(Reader &r, const json &aj, const std::string &p, Actor &a) {
  r.knownKeys(aj, p, {"name", "kind", "jobs", "features", "outputs", "template", "jobs_per_worker", "max_workers",
                      "on_bound"});
  PoolParams &m = a.pool;
  a.inType = a.outType = DType::I8;
  auto jobs = r.integer(aj, p, "jobs", true, 1, kPoolMaxJobs);
  auto features = r.integer(aj, p, "features", true, 1, 1 << 16);
  auto outputs = r.integer(aj, p, "outputs", true, 1, 1 << 16);
  m.jobsPerWorker = uint32_t(r.integer(aj, p, "jobs_per_worker", true, 1, kPoolMaxJobs).value_or(1));
  m.maxWorkers = uint32_t(r.integer(aj, p, "max_workers", true, 1, kPoolMaxJobs).value_or(1));
  if (auto ob = r.str(aj, p, "on_bound", false)) {
    if (*ob == "self") m.onBound = PoolOverflow::Self;
    else if (*ob == "drop") m.onBound = PoolOverflow::Drop;
    else r.error(p + "/on_bound", "expected \"self\" or \"drop\", got \"" + *ob + "\"");
  }
  if (!jobs || !features || !outputs) return;
  m.jobs = uint32_t(*jobs);
  m.features = uint32_t(*features);
  m.outputs = uint32_t(*outputs);
  a.inSize = 1 + m.jobs * m.features;
  a.outSize = m.jobs * m.outputs + 2;
  if (*outputs * *features > (int64_t(1) << 30)) {
    r.error(p + "/template", "template weights of " + std::to_string(*outputs * *features) + " elements are too large");
    return;
  }
  const json *t = r.get(aj, p, "template", true);
  if (!t) return;
  const std::string tp = p + "/template";
  if (!t->is_object()) {
    r.error(tp, "expected an object {\"weight\", \"bias\", \"requantize\"}");
    return;
  }
  r.knownKeys(*t, tp, {"weight", "bias", "requantize"});
  if (const json *w = r.get(*t, tp, "weight", true))
    if (auto v = r.tensor(*w, tp + "/weight", {*outputs, *features}, -128, 127, "int8"))
      m.weight.assign(v->begin(), v->end());
  if (const json *b = r.get(*t, tp, "bias", false))
    if (auto v = r.tensor(*b, tp + "/bias", {*outputs}, INT32_MIN, INT32_MAX, "int32")) m.bias.assign(v->begin(), v->end());
  if (const json *q = r.get(*t, tp, "requantize", true))
    if (auto rq = parseRequantize(r, *q, tp + "/requantize")) m.requantize = *rq;
}

} // namespace

Expected<ActorGraph> parseActorGraph(const json &j, const std::string &source, const std::string &baseDir) {
  Reader r(source, baseDir.empty() ? "." : baseDir);
  ActorGraph g;
  if (!j.is_object()) return Error{source + ": /: expected a JSON object, got " + std::string(j.type_name())};
  r.knownKeys(j, "", {"format", "name", "dt", "sync", "actors", "channels", "outputs"});
  if (auto f = r.str(j, "", "format", true); f && *f != "xpu-actor-graph/1")
    r.error("/format", "expected \"xpu-actor-graph/1\", got \"" + *f + "\"");
  g.name = r.str(j, "", "name", false).value_or("graph");
  if (const json *dt = r.get(j, "", "dt", false)) {
    if (!dt->is_number() || !(dt->get<double>() > 0)) r.error("/dt", "expected a positive number");
    else g.dt = dt->get<double>();
  }
  if (auto s = r.str(j, "", "sync", false)) {
    if (*s == "barrier") g.sync = SyncMode::Barrier;
    else if (*s == "free") g.sync = SyncMode::Free;
    else r.error("/sync", "expected \"barrier\" or \"free\", got \"" + *s + "\"");
  }

  const json *actors = r.get(j, "", "actors", true);
  if (actors && !actors->is_array()) r.error("/actors", "expected an array");
  if (actors && actors->is_array()) {
    for (size_t i = 0; i < actors->size(); ++i) {
      const json &aj = (*actors)[i];
      const std::string p = "/actors/" + std::to_string(i);
      if (!aj.is_object()) {
        r.error(p, "expected an object");
        continue;
      }
      Actor a;
      a.pointer = p;
      a.name = r.str(aj, p, "name", true).value_or("");
      auto kindText = r.str(aj, p, "kind", true);
      if (!kindText) continue;
      auto kind = kindFromName(*kindText);
      if (!kind) {
        r.error(p + "/kind", "unknown actor kind '" + *kindText +
                                 "' (expected one of: input, linear, if, lif, cuba_lif, li, moe, pool)");
        continue;
      }
      a.kind = *kind;
      constexpr int64_t kMaxElems = 1 << 24;
      if (a.kind == ActorKind::Input) {
        r.knownKeys(aj, p, {"name", "kind", "size", "dtype"});
        a.outSize = uint32_t(r.integer(aj, p, "size", true, 1, kMaxElems).value_or(0));
        std::string dt = r.str(aj, p, "dtype", false).value_or("i8");
        if (dt == "i8") a.outType = DType::I8;
        else if (dt == "i32") a.outType = DType::I32;
        else r.error(p + "/dtype", "expected \"i8\" or \"i32\", got \"" + dt + "\"");
      } else if (a.kind == ActorKind::Linear) {
        r.knownKeys(aj, p, {"name", "kind", "in", "out", "weight", "bias", "requantize"});
        auto in = r.integer(aj, p, "in", true, 1, kMaxElems);
        auto out = r.integer(aj, p, "out", true, 1, kMaxElems);
        a.inType = DType::I8;
        if (in && out) {
          a.inSize = uint32_t(*in);
          a.outSize = uint32_t(*out);
          if (*in * *out > (int64_t(1) << 30)) {
            r.error(p, "weight matrix of " + std::to_string(*in * *out) + " elements is too large");
          } else if (const json *w = r.get(aj, p, "weight", true)) {
            if (auto t = r.tensor(*w, p + "/weight", {*out, *in}, -128, 127, "int8"))
              a.weight.assign(t->begin(), t->end());
          }
          if (const json *b = r.get(aj, p, "bias", false))
            if (auto t = r.tensor(*b, p + "/bias", {*out}, INT32_MIN, INT32_MAX, "int32"))
              a.bias.assign(t->begin(), t->end());
        }
        if (const json *q = r.get(aj, p, "requantize", false)) {
          const std::string qp = p + "/requantize";
          if (!q->is_object()) {
            r.error(qp, "expected an object {\"shift\": 0..31, \"relu\": bool}");
          } else {
            r.knownKeys(*q, qp, {"shift", "relu"});
            Requantize rq;
            rq.shift = uint32_t(r.integer(*q, qp, "shift", true, 0, 31).value_or(0));
            if (const json *relu = r.get(*q, qp, "relu", false)) {
              if (!relu->is_boolean()) r.error(qp + "/relu", "expected true or false");
              else rq.relu = relu->get<bool>();
            }
            a.requantize = rq;
          }
        }
        a.outType = a.requantize ? DType::I8 : DType::I32;
      } else if (a.kind == ActorKind::Moe) {
        parseMoe(r, aj, p, a);
      } else if (a.kind == ActorKind::Pool) {
        parsePool(r, aj, p, a);
      } else {
        r.knownKeys(aj, p, {"name", "kind", "size", "dv", "du", "v_threshold", "v_reset", "bias", "reset"});
        a.outSize = a.inSize = uint32_t(r.integer(aj, p, "size", true, 1, kMaxElems).value_or(0));
        a.inType = DType::I32;
        a.outType = a.kind == ActorKind::LI ? DType::I32 : DType::I8;
        const int64_t m24 = sem::kMembraneMin, M24 = sem::kMembraneMax;
        a.params.dv = int32_t(r.integer(aj, p, "dv", a.kind != ActorKind::IF, 0, sem::kDecayOne).value_or(0));
        a.params.du = int32_t(r.integer(aj, p, "du", a.kind == ActorKind::CubaLIF, 0, sem::kDecayOne).value_or(0));
        a.params.vth = int32_t(r.integer(aj, p, "v_threshold", a.kind != ActorKind::LI, m24, M24).value_or(0));
        a.params.vReset = int32_t(r.integer(aj, p, "v_reset", false, m24, M24).value_or(0));
        a.params.bias = int32_t(r.integer(aj, p, "bias", false, m24, M24).value_or(0));
        std::string reset = r.str(aj, p, "reset", false).value_or(a.kind == ActorKind::LI ? "none" : "zero");
        auto it = std::find(std::begin(kResetNames), std::end(kResetNames), reset);
        if (it == std::end(kResetNames))
          r.error(p + "/reset", "expected one of zero, subtract, to_value, none; got \"" + reset + "\"");
        else
          a.reset = ResetMode(it - std::begin(kResetNames));
      }
      g.actors.push_back(std::move(a));
    }
  }

  std::map<std::string, uint32_t> byName;
  for (uint32_t i = 0; i < g.actors.size(); ++i)
    if (!byName.emplace(g.actors[i].name, i).second)
      r.error(g.actors[i].pointer + "/name", "duplicate actor name '" + g.actors[i].name + "'");
  auto actorRef = [&](const json &obj, const std::string &p, const char *key) -> std::optional<uint32_t> {
    auto name = r.str(obj, p, key, true);
    if (!name) return std::nullopt;
    auto it = byName.find(*name);
    if (it == byName.end()) {
      r.error(p + "/" + key, "no actor named '" + *name + "'");
      return std::nullopt;
    }
    return it->second;
  };

  if (const json *chans = r.get(j, "", "channels", false)) {
    if (!chans->is_array()) r.error("/channels", "expected an array");
    else
      for (size_t i = 0; i < chans->size(); ++i) {
        const json &cj = (*chans)[i];
        const std::string p = "/channels/" + std::to_string(i);
        if (!cj.is_object()) {
          r.error(p, "expected an object");
          continue;
        }
        r.knownKeys(cj, p, {"from", "to", "capacity", "policy", "delay", "encoding", "events_per_message"});
        Channel c;
        c.pointer = p;
        auto from = actorRef(cj, p, "from");
        auto to = actorRef(cj, p, "to");
        c.capacity = uint32_t(r.integer(cj, p, "capacity", false, 1, 1024).value_or(1));
        c.delay = uint32_t(r.integer(cj, p, "delay", false, 0, 1).value_or(0));
        if (auto pol = r.str(cj, p, "policy", false)) {
          if (auto mp = policyFromName(*pol)) c.policy = *mp;
          else r.error(p + "/policy", "expected one of block, drop_newest, drop_oldest, error; got \"" + *pol + "\"");
        }
        if (auto enc = r.str(cj, p, "encoding", false)) {
          if (*enc == "dense") c.encoding = ChannelEncoding::Dense;
          else if (*enc == "events") c.encoding = ChannelEncoding::Events;
          else r.error(p + "/encoding", "expected \"dense\" or \"events\", got \"" + *enc + "\"");
        }
        if (auto k = r.integer(cj, p, "events_per_message", false, 1, 1024)) {
          c.eventsPerMessage = uint32_t(*k);
          if (!c.events()) r.error(p + "/events_per_message", "only \"encoding\": \"events\" channels take it");
        }
        if (from && to) {
          c.from = *from;
          c.to = *to;
          g.channels.push_back(c);
        }
      }
  }

  if (const json *outs = r.get(j, "", "outputs", true)) {
    if (!outs->is_array()) r.error("/outputs", "expected an array");
    else
      for (size_t i = 0; i < outs->size(); ++i) {
        const json &oj = (*outs)[i];
        const std::string p = "/outputs/" + std::to_string(i);
        if (!oj.is_object()) {
          r.error(p, "expected an object {\"name\": ..., \"actor\": ...}");
          continue;
        }
        r.knownKeys(oj, p, {"name", "actor"});
        GraphOutput o;
        o.name = r.str(oj, p, "name", true).value_or("");
        if (auto a = actorRef(oj, p, "actor")) {
          o.actor = *a;
          g.outputs.push_back(o);
        }
      }
  }

  if (r.errors.empty())
    if (auto e = validateActorGraph(g)) {
      // validateActorGraph reports "pointer: message" lines; add the source.
      std::stringstream ss(e->message);
      std::string line;
      while (std::getline(ss, line)) r.errors.push_back(source + ": " + line);
    }
  if (!r.errors.empty()) {
    std::string all;
    for (const std::string &e : r.errors) all += (all.empty() ? "" : "\n") + e;
    return Error{all};
  }
  return g;
}

Expected<ActorGraph> loadActorGraph(const std::string &path) {
  auto text = readFileText(path);
  if (!text) return Error{text.error().message + " (actor graph)"};
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    // Re-run as SAX to learn where the syntax error is, without exceptions.
    struct Locator : nlohmann::json_sax<json> {
      std::string where;
      bool null() override { return true; }
      bool boolean(bool) override { return true; }
      bool number_integer(number_integer_t) override { return true; }
      bool number_unsigned(number_unsigned_t) override { return true; }
      bool number_float(number_float_t, const string_t &) override { return true; }
      bool string(string_t &) override { return true; }
      bool binary(binary_t &) override { return true; }
      bool start_object(std::size_t) override { return true; }
      bool key(string_t &) override { return true; }
      bool end_object() override { return true; }
      bool start_array(std::size_t) override { return true; }
      bool end_array() override { return true; }
      bool parse_error(std::size_t, const std::string &, const nlohmann::detail::exception &e) override {
        where = e.what();
        return false;
      }
    } locator;
    json::sax_parse(*text, &locator, nlohmann::detail::input_format_t::json, true, false);
    return Error{path + ": error: malformed JSON: " + locator.where};
  }
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  auto g = parseActorGraph(j, path, dir);
  if (!g) return Error{g.error().message};
  return g;
}

} // namespace xpu::graph
