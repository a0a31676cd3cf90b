// Pool actors (spawn): reference semantics on hand-computed steps, JSON
// diagnostics, and partition / placement on spare cores / route (no MLIR).
#include "ParseErrors.h"
#include "GraphBuilders.h"
#include "xpu/compiler/ActorGraph.h"
#include "xpu/compiler/DeadlockCheck.h"
#include "xpu/compiler/Mapping.h"
#include "xpu/compiler/Pool.h"
#include "xpu/compiler/ReferenceExecutor.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

using namespace xpu;
using namespace xpu::graph;
using json = nlohmann::json;

namespace {

/// A pool of N jobs of D = 2 features, O = 1 output: y = requant(1 + x0 + 2 x1).
Actor pool(uint32_t N, uint32_t J, uint32_t B, PoolOverflow onBound, Requantize rq = {0, false}) {
  Actor a;
  a.name = "p";
  a.kind = ActorKind::Pool;
  a.pointer = "/actors/1";
  a.inType = a.outType = DType::I8;
  PoolParams &m = a.pool;
  m.jobs = N;
  m.features = 2;
  m.outputs = 1;
  m.jobsPerWorker = J;
  m.maxWorkers = B;
  m.onBound = onBound;
  m.weight = {1, 2};
  m.bias = {1};
  m.requantize = rq;
  a.inSize = 1 + N * 2;
  a.outSize = N + 2;
  return a;
}

ActorGraph single(Actor a) { return test::singleActorGraph("pool", std::move(a)); }

/// Input of one step: count c, then the jobs (padded with `pad`).
std::vector<int32_t> jobs(int32_t c, std::vector<std::pair<int32_t, int32_t>> js, uint32_t N, int32_t pad = 9) {
  std::vector<int32_t> x = {c};
  for (auto [a, b] : js) x.insert(x.end(), {a, b});
  while (x.size() < 1 + 2 * N) x.push_back(pad);
  return x;
}

std::vector<std::vector<int32_t>> run(const ActorGraph &g, const std::vector<std::vector<int32_t>> &steps) {
  EXPECT_FALSE(validateActorGraph(g));
  ReferenceExecutor ex(g);
  std::vector<std::vector<int32_t>> out;
  for (const auto &x : steps) {
    auto r = ex.step({{"x", x}});
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    out.push_back(r ? r->at("y") : std::vector<int32_t>{});
  }
  return out;
}

using V = std::vector<int32_t>;

} // namespace

// Growth: ceil(c / J) workers, never retiring; results do not depend on who
// computes them. Padding beyond c is ignored (results 0).
TEST(PoolReference, WorkersGrowAndNeverRetire) {
  ActorGraph g = single(pool(4, 1, 4, PoolOverflow::Self));
  auto out = run(g, {jobs(0, {}, 4), jobs(1, {{3, 4}}, 4), jobs(3, {{1, 1}, {2, 2}, {-3, 0}}, 4), jobs(0, {}, 4),
                     jobs(2, {{0, 0}, {5, -1}}, 4)});
  EXPECT_EQ(out[0], (V{0, 0, 0, 0, /*workers*/ 0, /*dropped*/ 0}));
  EXPECT_EQ(out[1], (V{12, 0, 0, 0, 1, 0}));
  EXPECT_EQ(out[2], (V{4, 7, -2, 0, 3, 0}));
  EXPECT_EQ(out[3], (V{0, 0, 0, 0, 3, 0}));
  EXPECT_EQ(out[4], (V{1, 4, 0, 0, 3, 0}));
}

// Bound 2 with J = 1: jobs 2, 3 are beyond the workers; "self" computes them.
TEST(PoolReference, BoundReachedSelfComputesTheExcess) {
  ActorGraph g = single(pool(4, 1, 2, PoolOverflow::Self));
  auto out = run(g, {jobs(4, {{1, 1}, {2, 2}, {-3, 0}, {0, 1}}, 4), jobs(1, {{3, 4}}, 4)});
  EXPECT_EQ(out[0], (V{4, 7, -2, 3, 2, 0}));
  EXPECT_EQ(out[1], (V{12, 0, 0, 0, 2, 0}));
}

// The same with "drop": the excess results are zeros and counted.
TEST(PoolReference, BoundReachedDropCountsTheExcess) {
  ActorGraph g = single(pool(4, 1, 2, PoolOverflow::Drop));
  auto out = run(g, {jobs(4, {{1, 1}, {2, 2}, {-3, 0}, {0, 1}}, 4), jobs(3, {{1, 1}, {2, 2}, {5, 5}}, 4),
                     jobs(2, {{1, 1}, {2, 2}}, 4)});
  EXPECT_EQ(out[0], (V{4, 7, 0, 0, 2, 2}));
  EXPECT_EQ(out[1], (V{4, 7, 0, 0, 2, 1}));
  EXPECT_EQ(out[2], (V{4, 7, 0, 0, 2, 0}));
}

// J = 2: workers = ceil(c / 2); c = N with B = 2 fills both exactly.
TEST(PoolReference, JobsPerWorkerAndFullLoad) {
  ActorGraph g = single(pool(4, 2, 2, PoolOverflow::Drop));
  auto out = run(g, {jobs(1, {{3, 4}}, 4), jobs(3, {{1, 1}, {2, 2}, {-3, 0}}, 4),
                     jobs(4, {{1, 1}, {2, 2}, {-3, 0}, {0, 1}}, 4)});
  EXPECT_EQ(out[0], (V{12, 0, 0, 0, 1, 0}));
  EXPECT_EQ(out[1], (V{4, 7, -2, 0, 2, 0}));
  EXPECT_EQ(out[2], (V{4, 7, -2, 3, 2, 0}));
}

// The count is clamped to 0..N; results requantise and saturate.
TEST(PoolReference, CountClampsAndResultsSaturate) {
  ActorGraph g = single(pool(2, 1, 1, PoolOverflow::Self, Requantize{1, true}));
  auto out = run(g, {jobs(-5, {{100, 100}}, 2), jobs(100, {{100, 100}, {-100, 0}}, 2)});
  EXPECT_EQ(out[0], (V{0, 0, 0, 0}));
  // (1 + 100 + 200 + 1) >> 1 = 151 -> 127; (1 - 100 + 1) >> 1 < 0 -> relu 0.
  EXPECT_EQ(out[1], (V{127, 0, 1, 0}));
}

TEST(PoolReference, WorkersAfter) {
  PoolParams p;
  p.jobsPerWorker = 3;
  p.maxWorkers = 2;
  EXPECT_EQ(poolWorkersAfter(p, 0, 0), 0u);
  EXPECT_EQ(poolWorkersAfter(p, 0, 1), 1u);
  EXPECT_EQ(poolWorkersAfter(p, 0, 4), 2u);
  EXPECT_EQ(poolWorkersAfter(p, 0, 9), 2u);
  EXPECT_EQ(poolWorkersAfter(p, 2, 0), 2u);
}

namespace {

json poolJson() {
  return json::parse(R"({
    "format": "xpu-actor-graph/1", "name": "p",
    "actors": [
      {"name": "x", "kind": "input", "size": 9},
      {"name": "p", "kind": "pool", "jobs": 4, "features": 2, "outputs": 3,
       "template": {"weight": [[1, 1], [1, -1], [0, 1]], "bias": [1, 2, 3],
                    "requantize": {"shift": 1, "relu": true}},
       "jobs_per_worker": 2, "max_workers": 2, "on_bound": "drop"}
    ],
    "channels": [{"from": "x", "to": "p"}],
    "outputs": [{"name": "y", "actor": "p"}]
  })");
}

using test::parseError;

} // namespace

TEST(PoolParse, ValidModel) {
  auto g = parseActorGraph(poolJson(), "g.json", ".");
  ASSERT_TRUE(g) << g.error().message;
  const Actor &a = g->actors[1];
  EXPECT_EQ(a.kind, ActorKind::Pool);
  EXPECT_EQ(a.inSize, 9u);
  EXPECT_EQ(a.outSize, 14u);
  EXPECT_EQ(a.outType, DType::I8);
  EXPECT_EQ(a.pool.onBound, PoolOverflow::Drop);
  EXPECT_EQ(a.pool.weight[3], -1);
  EXPECT_EQ(a.pool.bias[2], 3);
  EXPECT_EQ(a.pool.jobsPerWorker, 2u);
  EXPECT_EQ(a.pool.maxWorkers, 2u);
  EXPECT_TRUE(a.pool.requantize.relu);
}

TEST(PoolParse, ErrorsNameTheJsonPointer) {
  auto with = [](auto &&edit) { return test::parseErrorWithActorEdit(poolJson(), 1, edit); };
  EXPECT_HAS(with([](json &a) { a["jobs"] = 128; }), "g.json: /actors/1/jobs: must be in 1..127, got 128");
  EXPECT_HAS(with([](json &a) { a["jobs_per_worker"] = 0; }), "g.json: /actors/1/jobs_per_worker: must be in 1..127, got 0");
  EXPECT_HAS(with([](json &a) { a["jobs_per_worker"] = 5; }), "g.json: /actors/1/jobs_per_worker: must be in 1..4 (jobs), got 5");
  EXPECT_HAS(with([](json &a) { a["max_workers"] = 0; }), "g.json: /actors/1/max_workers: must be in 1..127, got 0");
  EXPECT_HAS(with([](json &a) { a["max_workers"] = 3; }), "g.json: /actors/1/max_workers: must be in 1..2");
  EXPECT_HAS(with([](json &a) { a["on_bound"] = "queue"; }), "g.json: /actors/1/on_bound: expected \"self\" or \"drop\"");
  EXPECT_HAS(with([](json &a) { a["template"]["weight"] = json::parse("[[1, 1], [1, -1]]"); }),
             "g.json: /actors/1/template/weight: expected an array of 3 elements (tensor shape 3x2), got 2 elements");
  EXPECT_HAS(with([](json &a) { a["template"]["weight"][0] = json::parse("[1, 2, 3]"); }),
             "g.json: /actors/1/template/weight/0: expected an array of 2 elements");
  EXPECT_HAS(with([](json &a) { a["template"]["bias"] = json::parse("[1]"); }),
             "g.json: /actors/1/template/bias: expected an array of 3 elements");
  EXPECT_HAS(with([](json &a) { a["template"].erase("requantize"); }),
             "g.json: /actors/1/template/requantize: missing (required)");
  EXPECT_HAS(with([](json &a) { a.erase("template"); }), "g.json: /actors/1/template: missing (required)");
  EXPECT_HAS(with([](json &a) { a["template"]["scale"] = 2; }), "g.json: /actors/1/template/scale: unknown field");
  // The input must carry 1 + jobs x features values.
  json j = poolJson();
  j["actors"][0]["size"] = 8;
  EXPECT_HAS(parseError(j), "g.json: /channels/0: shape mismatch: 'x' produces 8 values but 'p' consumes 9");
}

namespace {

ChipDescriptor mesh(uint32_t w, uint32_t h) {
  ChipDescriptor c;
  c.width = w;
  c.height = h;
  return c;
}

} // namespace

// 1 + B partitions; workers on the highest core ids, pool by pool; traffic
// and routes between the dispatcher and its workers.
TEST(PoolMapping, WorkersGoToTheSpareCores) {
  ActorGraph g = single(pool(4, 1, 3, PoolOverflow::Self));
  Actor second = pool(4, 2, 2, PoolOverflow::Drop);
  second.name = "q";
  g.actors.push_back(second);
  Channel c;
  c.from = 0;
  c.to = 2;
  g.channels.push_back(c);
  g.outputs.push_back({"z", 2});
  ASSERT_FALSE(validateActorGraph(g));
  EXPECT_EQ(poolSpareCores(g), 5u);
  const ChipDescriptor chip = mesh(3, 3);
  auto parts = partitionGraph(g, chip);
  ASSERT_TRUE(parts) << parts.error().message;
  ASSERT_EQ(parts->size(), 1u + 4u + 3u);
  for (PlaceStrategy s : {PlaceStrategy::Greedy, PlaceStrategy::Anneal}) {
    PlaceOptions opts;
    opts.strategy = s;
    std::vector<Partition> placed = *parts;
    ASSERT_FALSE(placePartitions(g, chip, placed, opts));
    for (const Partition &p : placed) {
      if (isPoolWorker(g, p)) {
        const uint32_t base = p.actor == 1 ? 0 : 3;
        EXPECT_EQ(p.core, 8 - base - (p.index - 1)) << p.actor << " " << p.index;
      } else {
        EXPECT_LT(p.core, 4u); // the 5 highest cores are the workers'
      }
    }
    const Partition &disp = placed[1], &w0 = placed[2];
    EXPECT_EQ(trafficBytes(g, disp, w0), 2u);  // J x D
    EXPECT_EQ(trafficBytes(g, w0, disp), 1u);  // J x O
    auto r = routeMessages(g, chip, placed);
    ASSERT_TRUE(r) << r.error().message;
    uint32_t dispatches = 0, replies = 0;
    for (const Message &m : r->messages) {
      dispatches += m.channel == kPoolDispatchChannel;
      replies += m.channel == kPoolReplyChannel;
    }
    EXPECT_EQ(dispatches, 5u);
    EXPECT_EQ(replies, 5u);
    EXPECT_FALSE(checkDeadlockFree(g, chip, placed, *r));
  }
}

TEST(PoolMapping, ChipTooSmallNamesThePool) {
  ActorGraph g = single(pool(8, 1, 3, PoolOverflow::Self));
  g.actors[1].pointer = "/actors/1";
  auto parts = partitionGraph(g, mesh(2, 2));
  ASSERT_TRUE(parts) << parts.error().message;
  std::vector<Partition> placed = *parts;
  auto err = placePartitions(g, mesh(2, 2), placed, PlaceOptions{});
  ASSERT_TRUE(err);
  EXPECT_HAS(err->message, "/actors/1: pool actor 'p' keeps 3 spare cores for its workers (max_workers)");
  EXPECT_HAS(err->message, "2x2 chip has 4 cores");
  // One core more fits: input, dispatcher, 3 workers.
  std::vector<Partition> fits = *parts;
  EXPECT_FALSE(placePartitions(g, mesh(5, 1), fits, PlaceOptions{}));
}

// Random edits of a valid pool model: the reader reports (never aborts), and
// whatever it accepts runs on the reference executor.
TEST(PoolParse, MutatedModelsAreRejectedCleanly) {
  const char *keys[] = {"jobs", "features", "outputs", "jobs_per_worker", "max_workers", "on_bound", "template"};
  const json values[] = {0, -1, 1, 2, 3, 127, 128, 1 << 20, "self", "drop", json::array(), json::object(), nullptr, 2.5};
  uint64_t seed = 7;
  auto next = [&] { return seed = seed * 6364136223846793005ull + 1442695040888963407ull, uint32_t(seed >> 33); };
  for (int n = 0; n < 300; ++n) {
    json j = poolJson();
    json &a = j["actors"][1];
    for (int k = 0, m = 1 + next() % 3; k < m; ++k) {
      const char *key = keys[next() % std::size(keys)];
      const json &v = values[next() % std::size(values)];
      if (std::string(key) == "template" && next() % 2) a["template"]["weight"] = v;
      else a[key] = v;
    }
    auto g = parseActorGraph(j, "g.json", ".");
    if (!g) {
      EXPECT_EQ(g.error().message.rfind("g.json: ", 0), 0u) << g.error().message;
      continue;
    }
    ReferenceExecutor ex(*g);
    std::vector<int32_t> x(g->actors[0].outSize, 1);
    EXPECT_TRUE(ex.step({{"x", x}}));
  }
}
