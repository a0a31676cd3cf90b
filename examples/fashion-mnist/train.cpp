// fmnist-train: trains a float MLP (784 -> 128 -> 10, ReLU) on Fashion-MNIST,
// deterministically, quantises it to the XPU fixed-point profile and exports
// it as an actor graph (model.json + .npy weights), with the float accuracy
// and the quantised model's accuracy on the reference executor.
//
// Reproducible: one xorshift generator with a fixed seed drives the
// initialisation and the per-epoch order, arithmetic is single-threaded, so
// the same binary on the same data writes the same model.
#include "FashionMnist.h"

#include "xpu/compiler/ActorGraph.h"
#include "xpu/compiler/Npy.h"
#include "xpu/compiler/ReferenceExecutor.h"

#include "../common/ExampleArgs.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

const char *kUsage = R"(usage: fmnist-train [options]

Trains a 784-128-10 ReLU MLP on Fashion-MNIST (Adam, deterministic), quantises
it to int8 weights / int32 accumulators / i8 hidden activations, and writes
OUT/model.json (actor graph, docs/actor-graph.md), its .npy weights and
OUT/train-report.json.

  --data DIR            IDX files (default /usr/share/datasets/fashion-mnist)
  --out DIR             output directory (default .)
  --epochs N            training epochs (default 8)
  --train-images N      use the first N training images (default 60000)
  --batch N             mini-batch size (default 32)
  --lr X                Adam learning rate (default 0.001)
  --seed N              generator seed (default 1)
  --calib-images N      training images used to calibrate the hidden
                        activation range (default 10000)
  --act-percentile P    calibrated range = this percentile of the positive
                        hidden accumulators (default 99.99)
  -h, --help            show this help
)";

constexpr uint32_t kIn = fmnist::kPixels, kHidden = 128, kOut = fmnist::kClasses;

/// xorshift64*: the same numbers on every platform.
class Rng {
public:
  explicit Rng(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull) {}
  uint64_t next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545F4914F6CDD1Dull;
  }
  /// Uniform in [0, 1).
  double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }
  uint32_t below(uint32_t n) { return uint32_t(next() % n); }

private:
  uint64_t s_;
};

struct Mlp {
  std::vector<float> w1 = std::vector<float>(size_t(kHidden) * kIn), b1 = std::vector<float>(kHidden);
  std::vector<float> w2 = std::vector<float>(size_t(kOut) * kHidden), b2 = std::vector<float>(kOut);
};

/// The float input of a pixel: exactly the quantised input times 1/127.
void floatInput(const uint8_t *pixels, float *x) {
  for (uint32_t i = 0; i < kIn; ++i) x[i] = float(fmnist::quantisePixel(pixels[i])) * (1.0f / 127.0f);
}

void forward(const Mlp &m, const float *x, float *h, float *z) {
  for (uint32_t o = 0; o < kHidden; ++o) {
    const float *w = m.w1.data() + size_t(o) * kIn;
    float acc = 0;
    for (uint32_t i = 0; i < kIn; ++i) acc += w[i] * x[i];
    acc += m.b1[o];
    h[o] = acc > 0 ? acc : 0;
  }
  for (uint32_t o = 0; o < kOut; ++o) {
    const float *w = m.w2.data() + size_t(o) * kHidden;
    float acc = m.b2[o];
    for (uint32_t i = 0; i < kHidden; ++i) acc += w[i] * h[i];
    z[o] = acc;
  }
}

struct Adam {
  float lr, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
  uint64_t t = 0;
  std::vector<float> m, v;
  Adam(size_t n, float lr_) : lr(lr_), m(n), v(n) {}
  void step(float *param, const float *grad, size_t n, size_t offset, float c1, float c2) {
    for (size_t i = 0; i < n; ++i) {
      float g = grad[i];
      float &mi = m[offset + i], &vi = v[offset + i];
      mi = beta1 * mi + (1 - beta1) * g;
      vi = beta2 * vi + (1 - beta2) * g * g;
      param[i] -= lr * (mi / c1) / (std::sqrt(vi / c2) + eps);
    }
  }
};

double floatAccuracy(const Mlp &m, const fmnist::Split &s) {
  std::vector<float> x(kIn), h(kHidden), z(kOut);
  uint32_t correct = 0;
  for (uint32_t n = 0; n < s.count; ++n) {
    floatInput(s.image(n), x.data());
    forward(m, x.data(), h.data(), z.data());
    correct += fmnist::argmax(z.data(), kOut) == s.labels[n];
  }
  return double(correct) / s.count;
}

void train(Mlp &m, const fmnist::Split &s, uint32_t trainImages, uint32_t epochs, uint32_t batch, float lr,
           Rng &rng) {
  const size_t n1 = m.w1.size(), n2 = m.w2.size();
  const size_t nParams = n1 + kHidden + n2 + kOut;
  Adam adam(nParams, lr);
  std::vector<float> grad(nParams);
  float *gw1 = grad.data(), *gb1 = gw1 + n1, *gw2 = gb1 + kHidden, *gb2 = gw2 + n2;
  std::vector<uint32_t> order(trainImages);
  for (uint32_t i = 0; i < trainImages; ++i) order[i] = i;
  std::vector<float> x(kIn), h(kHidden), z(kOut), dz(kOut), dh(kHidden);
  std::vector<uint32_t> nonzero(kIn);
  for (uint32_t epoch = 0; epoch < epochs; ++epoch) {
    for (uint32_t i = trainImages; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]); // Fisher-Yates
    double lossSum = 0;
    uint32_t correct = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (uint32_t start = 0; start < trainImages; start += batch) {
      uint32_t end = std::min(trainImages, start + batch);
      std::fill(grad.begin(), grad.end(), 0.0f);
      for (uint32_t k = start; k < end; ++k) {
        uint32_t n = order[k];
        floatInput(s.image(n), x.data());
        forward(m, x.data(), h.data(), z.data());
        // Softmax cross-entropy.
        float zmax = *std::max_element(z.begin(), z.end()), sum = 0;
        for (uint32_t o = 0; o < kOut; ++o) sum += (dz[o] = std::exp(z[o] - zmax));
        uint32_t label = s.labels[n];
        lossSum += -std::log(std::max(dz[label] / sum, 1e-30f));
        correct += fmnist::argmax(z.data(), kOut) == label;
        for (uint32_t o = 0; o < kOut; ++o) dz[o] = dz[o] / sum - (o == label ? 1.0f : 0.0f);
        // Backward.
        std::fill(dh.begin(), dh.end(), 0.0f);
        for (uint32_t o = 0; o < kOut; ++o) {
          float d = dz[o];
          gb2[o] += d;
          float *g = gw2 + size_t(o) * kHidden;
          const float *w = m.w2.data() + size_t(o) * kHidden;
          for (uint32_t i = 0; i < kHidden; ++i) {
            g[i] += d * h[i];
            dh[i] += d * w[i];
          }
        }
        uint32_t nz = 0; // about half the pixels are background: skip them
        for (uint32_t i = 0; i < kIn; ++i)
          if (x[i] != 0) nonzero[nz++] = i;
        for (uint32_t o = 0; o < kHidden; ++o) {
          if (h[o] <= 0) continue; // ReLU gradient
          float d = dh[o];
          gb1[o] += d;
          float *g = gw1 + size_t(o) * kIn;
          for (uint32_t j = 0; j < nz; ++j) g[nonzero[j]] += d * x[nonzero[j]];
        }
      }
      float scale = 1.0f / float(end - start);
      for (float &g : grad) g *= scale;
      ++adam.t;
      float c1 = 1 - std::pow(adam.beta1, float(adam.t)), c2 = 1 - std::pow(adam.beta2, float(adam.t));
      adam.step(m.w1.data(), gw1, n1, 0, c1, c2);
      adam.step(m.b1.data(), gb1, kHidden, n1, c1, c2);
      adam.step(m.w2.data(), gw2, n2, n1 + kHidden, c1, c2);
      adam.step(m.b2.data(), gb2, kOut, n1 + kHidden + n2, c1, c2);
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("epoch %u/%u: loss %.4f, training accuracy %.2f%% (%.1f s)\n", epoch + 1, epochs,
                lossSum / trainImages, 100.0 * correct / trainImages, secs);
    std::fflush(stdout);
  }
}

/// The quantised model: what model.json holds.
struct QuantModel {
  std::vector<int8_t> w1, w2;
  std::vector<int32_t> b1, b2;
  uint32_t shift = 0;
  double sx = 1.0 / 127, sw1 = 0, sa1 = 0, sh = 0, sw2 = 0, sa2 = 0;
  int64_t calibRange = 0;
};

double maxAbs(const std::vector<float> &v) {
  double m = 0;
  for (float x : v) m = std::max(m, double(std::fabs(x)));
  return m;
}

std::vector<int8_t> quantiseWeights(const std::vector<float> &w, double scale) {
  std::vector<int8_t> q(w.size());
  for (size_t i = 0; i < w.size(); ++i)
    q[i] = int8_t(std::clamp(std::lround(double(w[i]) / scale), -127l, 127l));
  return q;
}

std::vector<int32_t> quantiseBias(const std::vector<float> &b, double scale) {
  std::vector<int32_t> q(b.size());
  for (size_t i = 0; i < b.size(); ++i)
    q[i] = int32_t(std::clamp(std::llround(double(b[i]) / scale), (long long)INT32_MIN, (long long)INT32_MAX));
  return q;
}

/// fc1's int32 accumulators for one image (the reference's `vdot` + bias).
void hiddenAccumulators(const QuantModel &q, const uint8_t *pixels, int32_t *acc) {
  int32_t x[kIn];
  for (uint32_t i = 0; i < kIn; ++i) x[i] = fmnist::quantisePixel(pixels[i]);
  for (uint32_t o = 0; o < kHidden; ++o) {
    const int8_t *w = q.w1.data() + size_t(o) * kIn;
    int32_t a = q.b1[o];
    for (uint32_t i = 0; i < kIn; ++i) a += int32_t(w[i]) * x[i];
    acc[o] = a;
  }
}

QuantModel quantise(const Mlp &m, const fmnist::Split &train, uint32_t calibImages, double percentile) {
  QuantModel q;
  q.sw1 = maxAbs(m.w1) / 127;
  q.w1 = quantiseWeights(m.w1, q.sw1);
  q.sa1 = q.sx * q.sw1;
  q.b1 = quantiseBias(m.b1, q.sa1);
  // Calibrate the hidden range: a high percentile of the positive
  // accumulators (ReLU drops the rest) over training images.
  std::vector<int32_t> positive;
  int32_t acc[kHidden];
  for (uint32_t n = 0; n < calibImages; ++n) {
    hiddenAccumulators(q, train.image(n), acc);
    for (int32_t a : acc)
      if (a > 0) positive.push_back(a);
  }
  if (!positive.empty()) {
    size_t k = std::min(positive.size() - 1, size_t(double(positive.size() - 1) * percentile / 100.0));
    std::nth_element(positive.begin(), positive.begin() + long(k), positive.end());
    q.calibRange = positive[k];
  }
  // The smallest shift that maps the range into [0, 127] after vreq's rounding.
  while (q.shift < 31 && ((q.calibRange + (q.shift ? (int64_t(1) << (q.shift - 1)) : 0)) >> q.shift) > 127)
    ++q.shift;
  q.sh = q.sa1 * double(int64_t(1) << q.shift);
  q.sw2 = maxAbs(m.w2) / 127;
  q.w2 = quantiseWeights(m.w2, q.sw2);
  q.sa2 = q.sh * q.sw2;
  q.b2 = quantiseBias(m.b2, q.sa2);
  return q;
}

std::optional<std::string> writeModel(const QuantModel &q, const std::string &dir) {
  using xpu::graph::saveNpy;
  auto widen = [](const auto &v) { return std::vector<int64_t>(v.begin(), v.end()); };
  if (auto e = saveNpy(dir + "/fc1.weight.npy", "i1", {kHidden, kIn}, widen(q.w1))) return e->message;
  if (auto e = saveNpy(dir + "/fc1.bias.npy", "i4", {kHidden}, widen(q.b1))) return e->message;
  if (auto e = saveNpy(dir + "/fc2.weight.npy", "i1", {kOut, kHidden}, widen(q.w2))) return e->message;
  if (auto e = saveNpy(dir + "/fc2.bias.npy", "i4", {kOut}, widen(q.b2))) return e->message;
  nlohmann::ordered_json j = {
      {"format", "xpu-actor-graph/1"},
      {"name", "fashion-mnist-mlp"},
      {"sync", "barrier"},
      {"actors",
       {{{"name", "image"}, {"kind", "input"}, {"size", kIn}, {"dtype", "i8"}},
        {{"name", "fc1"},
         {"kind", "linear"},
         {"in", kIn},
         {"out", kHidden},
         {"weight", {{"npy", "fc1.weight.npy"}}},
         {"bias", {{"npy", "fc1.bias.npy"}}},
         {"requantize", {{"shift", q.shift}, {"relu", true}}}},
        {{"name", "fc2"},
         {"kind", "linear"},
         {"in", kHidden},
         {"out", kOut},
         {"weight", {{"npy", "fc2.weight.npy"}}},
         {"bias", {{"npy", "fc2.bias.npy"}}}}}},
      {"channels", {{{"from", "image"}, {"to", "fc1"}}, {{"from", "fc1"}, {"to", "fc2"}}}},
      {"outputs", {{{"name", "logits"}, {"actor", "fc2"}}}}};
  std::ofstream f(dir + "/model.json");
  f << j.dump(2) << "\n";
  if (!f) return dir + "/model.json: error: cannot write";
  return std::nullopt;
}

using xpu::examples::parseUnsigned;

} // namespace

int main(int argc, char **argv) {
  std::string dataDir = fmnist::kDefaultDataDir, outDir = ".";
  uint32_t epochs = 8, trainImages = 60000, batch = 32, seed = 1, calibImages = 10000;
  double lr = 1e-3, percentile = 99.99;
  auto onValue = [&](const std::string &a, const char *v) -> std::optional<bool> {
    bool ok = true;
    if (a == "--data") dataDir = v;
    else if (a == "--out") outDir = v;
    else if (a == "--epochs") ok = parseUnsigned(v, epochs);
    else if (a == "--train-images") ok = parseUnsigned(v, trainImages) && trainImages > 0;
    else if (a == "--batch") ok = parseUnsigned(v, batch) && batch > 0;
    else if (a == "--seed") ok = parseUnsigned(v, seed);
    else if (a == "--calib-images") ok = parseUnsigned(v, calibImages) && calibImages > 0;
    else if (a == "--lr" || a == "--act-percentile") {
      char *end = nullptr;
      double d = std::strtod(v, &end);
      ok = end && *end == 0 && d > 0 && (a == "--lr" || d <= 100);
      (a == "--lr" ? lr : percentile) = d;
    } else return std::nullopt;
    return ok;
  };
  if (auto exitCode = xpu::examples::parseCommandLine(argc, argv, {"fmnist-train", kUsage, {}, {}}, onValue))
    return *exitCode;

  std::string error;
  auto trainSet = fmnist::loadSplit(dataDir, "train", error);
  if (!trainSet) {
    std::cerr << error << "\n";
    return 1;
  }
  auto testSet = fmnist::loadSplit(dataDir, "t10k", error);
  if (!testSet) {
    std::cerr << error << "\n";
    return 1;
  }
  trainImages = std::min(trainImages, trainSet->count);
  calibImages = std::min(calibImages, trainImages);
  std::printf("fashion-mnist: %u training images (using %u), %u test images from %s\n", trainSet->count,
              trainImages, testSet->count, dataDir.c_str());

  // He-uniform initialisation.
  Rng rng(seed);
  Mlp m;
  auto init = [&](std::vector<float> &w, uint32_t fanIn) {
    double limit = std::sqrt(6.0 / fanIn);
    for (float &x : w) x = float((2 * rng.uniform() - 1) * limit);
  };
  init(m.w1, kIn);
  init(m.w2, kHidden);

  auto t0 = std::chrono::steady_clock::now();
  train(m, *trainSet, trainImages, epochs, batch, float(lr), rng);
  double trainSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double floatAcc = floatAccuracy(m, *testSet);
  std::printf("float model: test accuracy %.2f%% (training %.1f s)\n", 100 * floatAcc, trainSeconds);

  QuantModel q = quantise(m, *trainSet, calibImages, percentile);
  std::printf("quantised: weight scales fc1 %.3g fc2 %.3g; hidden range %lld (p%.4g of %u images) -> vreq shift %u\n",
              q.sw1, q.sw2, (long long)q.calibRange, percentile, calibImages, q.shift);
  std::error_code ec;
  std::filesystem::create_directories(outDir, ec);
  if (ec) {
    std::cerr << outDir << ": error: cannot create the directory: " << ec.message() << "\n";
    return 1;
  }
  if (auto e = writeModel(q, outDir)) {
    std::cerr << *e << "\n";
    return 1;
  }

  // The quantised model's accuracy: model.json as written, on the golden
  // reference executor, over the whole test set.
  auto graph = xpu::graph::loadActorGraph(outDir + "/model.json");
  if (!graph) {
    std::cerr << graph.error().message << "\n";
    return 1;
  }
  xpu::graph::ReferenceExecutor ref(*graph);
  uint32_t correct = 0;
  xpu::graph::Values in;
  std::vector<int32_t> &pixels = in["image"];
  pixels.resize(kIn);
  auto r0 = std::chrono::steady_clock::now();
  for (uint32_t n = 0; n < testSet->count; ++n) {
    for (uint32_t i = 0; i < kIn; ++i) pixels[i] = fmnist::quantisePixel(testSet->image(n)[i]);
    auto out = ref.step(in);
    if (!out) {
      std::cerr << "fmnist-train: error: reference executor: " << out.error().message << "\n";
      return 1;
    }
    const std::vector<int32_t> &logits = out->at("logits");
    correct += fmnist::argmax(logits.data(), kOut) == testSet->labels[n];
  }
  double refSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - r0).count();
  double quantAcc = double(correct) / testSet->count;
  std::printf("quantised model (reference executor): test accuracy %.2f%% on %u images (%.1f s)\n", 100 * quantAcc,
              testSet->count, refSeconds);

  nlohmann::ordered_json report = {
      {"model", "model.json"},
      {"architecture", "784-128-10 MLP, ReLU"},
      {"train_images", trainImages},
      {"epochs", epochs},
      {"batch", batch},
      {"learning_rate", lr},
      {"seed", seed},
      {"training_seconds", trainSeconds},
      {"float_test_accuracy", floatAcc},
      {"quantised_reference_test_accuracy", quantAcc},
      {"test_images", testSet->count},
      {"quantisation",
       {{"input", "pixel >> 1 (i8 0..127), scale 1/127"},
        {"fc1_weight_scale", q.sw1},
        {"fc1_accumulator_scale", q.sa1},
        {"hidden_calibration_images", calibImages},
        {"hidden_calibration_percentile", percentile},
        {"hidden_calibrated_range", q.calibRange},
        {"fc1_vreq_shift", q.shift},
        {"hidden_scale", q.sh},
        {"fc2_weight_scale", q.sw2},
        {"logit_scale", q.sa2}}}};
  std::ofstream rf(outDir + "/train-report.json");
  rf << report.dump(2) << "\n";
  if (!rf) {
    std::cerr << outDir << "/train-report.json: error: cannot write\n";
    return 1;
  }
  std::printf("wrote %s/model.json (+ fc1/fc2 .npy) and %s/train-report.json\n", outDir.c_str(), outDir.c_str());
  return 0;
}
