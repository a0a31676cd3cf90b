// Actor-graph JSON parsing, .npy weights and validation diagnostics.
#include "xpu/compiler/ActorGraph.h"
#include "xpu/compiler/Npy.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <fstream>

using namespace xpu;
using namespace xpu::graph;
using json = nlohmann::json;

namespace {

json mlp() {
  return json::parse(R"({
    "format": "xpu-actor-graph/1", "name": "mlp", "sync": "free",
    "actors": [
      {"name": "x", "kind": "input", "size": 3},
      {"name": "fc1", "kind": "linear", "in": 3, "out": 2,
       "weight": [[1, 2, 3], [-4, 5, -6]], "bias": [10, -10],
       "requantize": {"shift": 1, "relu": true}},
      {"name": "fc2", "kind": "linear", "in": 2, "out": 2, "weight": [[1, 0], [0, 1]]},
      {"name": "pop", "kind": "lif", "size": 2, "dv": 100, "v_threshold": 5, "reset": "subtract"}
    ],
    "channels": [
      {"from": "x", "to": "fc1", "capacity": 2},
      {"from": "fc1", "to": "fc2"},
      {"from": "fc2", "to": "pop", "policy": "block"}
    ],
    "outputs": [{"name": "spikes", "actor": "pop"}, {"name": "h", "actor": "fc1"}]
  })");
}

std::string parseError(const json &j, const std::string &dir = ".") {
  auto g = parseActorGraph(j, "g.json", dir);
  EXPECT_FALSE(g) << j.dump();
  return g ? "" : g.error().message;
}

} // namespace

TEST(ActorGraph, ParsesAValidGraph) {
  auto g = parseActorGraph(mlp(), "g.json", ".");
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_EQ(g->name, "mlp");
  EXPECT_EQ(g->sync, SyncMode::Free);
  ASSERT_EQ(g->actors.size(), 4u);
  const Actor &fc1 = g->actors[1];
  EXPECT_EQ(fc1.kind, ActorKind::Linear);
  EXPECT_EQ(fc1.weight, (std::vector<int8_t>{1, 2, 3, -4, 5, -6}));
  EXPECT_EQ(fc1.bias, (std::vector<int32_t>{10, -10}));
  ASSERT_TRUE(fc1.requantize);
  EXPECT_EQ(fc1.outType, DType::I8);
  EXPECT_EQ(g->actors[2].outType, DType::I32);
  EXPECT_EQ(g->actors[3].reset, ResetMode::Subtract);
  EXPECT_EQ(g->actors[3].params.vth, 5);
  EXPECT_EQ(g->channels[0].capacity, 2u);
  EXPECT_EQ(g->topologicalOrder(), (std::vector<uint32_t>{0, 1, 2, 3}));
}

TEST(ActorGraph, WeightsFromNpyFiles) {
  std::string dir = testing::TempDir();
  ASSERT_FALSE(saveNpy(dir + "/w.npy", "i1", {2, 3}, {1, 2, 3, -4, 5, -6}));
  ASSERT_FALSE(saveNpy(dir + "/b.npy", "i4", {2}, {100000, -7}));
  json j = mlp();
  j["actors"][1]["weight"] = {{"npy", "w.npy"}};
  j["actors"][1]["bias"] = {{"npy", "b.npy"}};
  auto g = parseActorGraph(j, "g.json", dir);
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_EQ(g->actors[1].weight, (std::vector<int8_t>{1, 2, 3, -4, 5, -6}));
  EXPECT_EQ(g->actors[1].bias, (std::vector<int32_t>{100000, -7}));

  // Mis-shaped, missing and out-of-range weight files.
  ASSERT_FALSE(saveNpy(dir + "/w32.npy", "i1", {3, 2}, {1, 2, 3, 4, 5, 6}));
  j["actors"][1]["weight"] = {{"npy", "w32.npy"}};
  EXPECT_NE(parseError(j, dir).find("g.json: /actors/1/weight/npy: 'w32.npy' has shape 3x2, expected 2x3"),
            std::string::npos);
  j["actors"][1]["weight"] = {{"npy", "nope.npy"}};
  EXPECT_NE(parseError(j, dir).find("/actors/1/weight/npy: cannot open"), std::string::npos);
  ASSERT_FALSE(saveNpy(dir + "/big.npy", "i4", {2, 3}, {1, 2, 300, 4, 5, 6}));
  j["actors"][1]["weight"] = {{"npy", "big.npy"}};
  EXPECT_NE(parseError(j, dir).find("element 2 = 300 is outside the int8 range"), std::string::npos);
}

TEST(ActorGraph, NpyReaderRejectsBadFiles) {
  std::string dir = testing::TempDir();
  std::ofstream(dir + "/garbage.npy") << "hello";
  auto a = loadNpy(dir + "/garbage.npy");
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("bad magic"), std::string::npos);
  // Truncated data.
  ASSERT_FALSE(saveNpy(dir + "/t.npy", "i4", {4}, {1, 2, 3, 4}));
  std::ifstream in(dir + "/t.npy", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir + "/t2.npy", std::ios::binary) << bytes.substr(0, bytes.size() - 3);
  auto t = loadNpy(dir + "/t2.npy");
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("truncated data"), std::string::npos) << t.error().message;
  // Float data is refused with a hint.
  std::string f = bytes;
  size_t p = f.find("<i4");
  f.replace(p, 3, "<f4");
  std::ofstream(dir + "/f.npy", std::ios::binary) << f;
  auto fl = loadNpy(dir + "/f.npy");
  ASSERT_FALSE(fl);
  EXPECT_NE(fl.error().message.find("float dtype"), std::string::npos);
}

TEST(ActorGraph, DiagnosticsNameThePointer) {
  struct Case {
    std::function<void(json &)> mutate;
    const char *expected;
  };
  const Case cases[] = {
      {[](json &j) { j["actors"][1]["kind"] = "conv9d"; }, "g.json: /actors/1/kind: unknown actor kind 'conv9d'"},
      {[](json &j) { j["actors"][1].erase("out"); }, "g.json: /actors/1/out: missing (required)"},
      {[](json &j) { j["actors"][1]["weight"][1] = {1, 2}; },
       "/actors/1/weight/1: expected an array of 3 elements (tensor shape 2x3), got 2 elements"},
      {[](json &j) { j["actors"][1]["weight"][0][0] = 128; }, "/actors/1/weight/0/0: int8 value must be in -128..127, got 128"},
      {[](json &j) { j["actors"][1]["weight"][0][0] = "a"; }, "/actors/1/weight/0/0: expected an integer int8 value, got string"},
      {[](json &j) { j["actors"][1]["requantize"]["shift"] = 40; }, "/actors/1/requantize/shift: must be in 0..31, got 40"},
      {[](json &j) { j["actors"][3]["dv"] = 5000; }, "/actors/3/dv: must be in 0..4096, got 5000"},
      {[](json &j) { j["actors"][3]["reset"] = "sometimes"; }, "/actors/3/reset: expected one of zero, subtract"},
      {[](json &j) { j["actors"][3]["tau"] = 1; }, "/actors/3/tau: unknown field"},
      {[](json &j) { j["channels"][0]["to"] = "fc9"; }, "/channels/0/to: no actor named 'fc9'"},
      {[](json &j) { j["channels"][0]["capacity"] = 0; }, "/channels/0/capacity: must be in 1..1024, got 0"},
      {[](json &j) { j["channels"][0]["policy"] = "lossy"; }, "/channels/0/policy: expected one of block"},
      {[](json &j) { j["actors"][2]["in"] = 3; j["actors"][2]["weight"] = {{1,0,0},{0,1,0}}; },
       "/channels/1: shape mismatch: 'fc1' produces 2 values but 'fc2' consumes 3"},
      {[](json &j) { j["channels"][2]["from"] = "fc1"; },
       "/channels/2: type mismatch: 'fc1' produces i8 but 'pop' consumes i32"},
      {[](json &j) { j["channels"].push_back({{"from", "fc1"}, {"to", "fc2"}}); },
       "linear actor 'fc2' needs exactly one input channel, has 2"},
      {[](json &j) { j["actors"][2]["name"] = "fc1"; }, "/actors/2/name: duplicate actor name 'fc1'"},
      {[](json &j) { j["format"] = "onnx"; }, "/format: expected \"xpu-actor-graph/1\""},
      {[](json &j) { j["sync"] = "sometimes"; }, "/sync: expected \"barrier\" or \"free\""},
      {[](json &j) { j["outputs"] = json::array(); }, "/outputs: a graph needs at least one output"},
      {[](json &j) { j["channels"].push_back({{"from", "pop"}, {"to", "x"}}); },
       "'x' is a graph input and cannot receive from a channel"},
  };
  for (const Case &c : cases) {
    json j = mlp();
    c.mutate(j);
    std::string m = parseError(j);
    EXPECT_NE(m.find(c.expected), std::string::npos) << "got: " << m << "\nexpected: " << c.expected;
  }
}

TEST(ActorGraph, CyclesNeedADelay) {
  json j = json::parse(R"({
    "format": "xpu-actor-graph/1",
    "actors": [
      {"name": "x", "kind": "input", "size": 2, "dtype": "i32"},
      {"name": "pop", "kind": "lif", "size": 2, "dv": 0, "v_threshold": 1},
      {"name": "rec", "kind": "linear", "in": 2, "out": 2, "weight": [[0, 1], [1, 0]]}
    ],
    "channels": [
      {"from": "x", "to": "pop"}, {"from": "pop", "to": "rec"}, {"from": "rec", "to": "pop"}
    ],
    "outputs": [{"name": "s", "actor": "pop"}]
  })");
  EXPECT_NE(parseError(j).find("/channels: cycle without a delay through actors pop, rec"), std::string::npos);
  j["channels"][2]["delay"] = 1;
  auto g = parseActorGraph(j, "g.json", ".");
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_EQ(g->topologicalOrder(), (std::vector<uint32_t>{0, 1, 2}));
}

TEST(ActorGraph, MalformedJsonFileNamesThePosition) {
  std::string path = testing::TempDir() + "/bad.json";
  std::ofstream(path) << "{\"format\": \"xpu-actor-graph/1\",\n \"actors\": [ }";
  auto g = loadActorGraph(path);
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().message.find("bad.json: error: malformed JSON"), std::string::npos) << g.error().message;
  EXPECT_NE(g.error().message.find("line 2"), std::string::npos) << g.error().message;
  EXPECT_FALSE(loadActorGraph("/nonexistent/graph.json"));
}
