// fmnist-snn-convert: converts the Fashion-MNIST MLP trained and quantised by
// fmnist-train (784-128-10, int8 weights) into a rate-coded spiking network
// (input spikes -> linear -> IF -> linear -> LI integrator) by threshold
// balancing on training data, exports it as an actor graph, and measures it
// on the reference executor against the ANN it came from.
#include "SnnModel.h"

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

const char *kUsage = R"(usage: fmnist-snn-convert [options]

Converts fmnist-train's quantised MLP (ANN/model.json) into a spiking network
and writes OUT/model.json (actor graph, docs/actor-graph.md), its .npy weights
and OUT/convert-report.json:

  spikes (input i8[784], rate-coded by the host) -> fc1 (linear, i32 current)
  -> hidden (IF, reset by subtraction) -> fc2 (linear, i32 current)
  -> out (LI without leak: integrates the class evidence; argmax = class)

The weights are the ANN's int8 weights unchanged; the hidden threshold is a
high percentile of the ANN's hidden activations on training images
(threshold balancing); the biases are rescaled to the spike rates. Then
measures, on the reference executor, the SNN's test accuracy after every
power-of-two number of timesteps up to --steps, next to the ANN's.

  --ann DIR             fmnist-train's output directory (default fmnist)
  --out DIR             output directory (default snn)
  --data DIR            IDX files (default /usr/share/datasets/fashion-mnist)
  --calib-images N      training images for threshold balancing (default 10000)
  --percentile P        hidden threshold = this percentile of the positive
                        hidden activations (default 99.9); 100: the maximum;
                        0: the int8 ANN's own clamp (127 << shift)
  --eval-images N       test images for the accuracy table (default 1000; 0: none)
  --first K             start at test image K (default 0)
  --steps T             longest run of the table (default 64)
  --prime 0|1           1: priming input lines that start every hidden
                        membrane at half the threshold (default 1)
  -h, --help            show this help
)";

constexpr uint32_t kIn = fmnist::kPixels, kHiddenSize = fmnist::snn::kHiddenSize, kOut = fmnist::kClasses;
using fmnist::snn::Ann;

using xpu::examples::parseUnsigned;

int usageError(const std::string &msg) { return xpu::examples::usageError("fmnist-snn-convert", msg); }

int fail(const std::string &msg) {
  std::cerr << msg << "\n";
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  std::string annDir = "fmnist", outDir = "snn", dataDir = fmnist::kDefaultDataDir;
  uint32_t calibImages = 10000, evalImages = 1000, first = 0, maxSteps = 64;
  double percentile = 97;
  uint32_t prime = 1;
  auto onValue = [&](const std::string &a, const char *v) -> std::optional<bool> {
    bool ok = true;
    if (a == "--ann") annDir = v;
    else if (a == "--out") outDir = v;
    else if (a == "--data") dataDir = v;
    else if (a == "--calib-images") ok = parseUnsigned(v, calibImages) && calibImages > 0;
    else if (a == "--eval-images") ok = parseUnsigned(v, evalImages);
    else if (a == "--first") ok = parseUnsigned(v, first);
    else if (a == "--prime") ok = parseUnsigned(v, prime) && prime <= 1;
    else if (a == "--steps") ok = parseUnsigned(v, maxSteps) && maxSteps > 0 && maxSteps <= 4096;
    else if (a == "--percentile") {
      char *end = nullptr;
      percentile = std::strtod(v, &end);
      ok = end && *end == 0 && percentile >= 0 && percentile <= 100;
    } else return std::nullopt;
    return ok;
  };
  if (auto exitCode = xpu::examples::parseCommandLine(argc, argv, {"fmnist-snn-convert", kUsage, {}, {}}, onValue))
    return *exitCode;

  // The ANN: fmnist-train's actor graph (image -> fc1 requantised -> fc2).
  const std::string annPath = annDir + "/model.json";
  auto annGraph = xpu::graph::loadActorGraph(annPath);
  if (!annGraph) return fail(annGraph.error().message);
  auto annOrError = fmnist::snn::annFromGraph(*annGraph, annPath);
  if (!annOrError) return fail(annOrError.error().message);
  const Ann &ann = *annOrError;

  std::string error;
  auto trainSet = fmnist::loadSplit(dataDir, "train", error);
  if (!trainSet) return fail(error);
  auto testSet = fmnist::loadSplit(dataDir, "t10k", error);
  if (!testSet) return fail(error);
  calibImages = std::min(calibImages, trainSet->count);
  if (evalImages > 0 && first >= testSet->count) return usageError("--first is beyond the test set");
  evalImages = std::min(evalImages, testSet->count - std::min(first, testSet->count));

  // Threshold balancing: the hidden activation that should fire every step,
  // lambda, is a high percentile of the ANN's positive hidden accumulators.
  int64_t lambda = int64_t(127) << ann.shift; // percentile 0: the ANN's clamp
  if (percentile > 0) {
    std::vector<int64_t> positive;
    int64_t acc[kHiddenSize];
    for (uint32_t n = 0; n < calibImages; ++n) {
      fmnist::snn::hiddenAccumulators(ann, trainSet->image(n), acc);
      for (int64_t a : acc)
        if (a > 0) positive.push_back(a);
    }
    if (positive.empty())
      return fail("fmnist-snn-convert: error: no positive hidden activation on the calibration images");
    size_t k = std::min(positive.size() - 1, size_t(double(positive.size() - 1) * percentile / 100.0));
    std::nth_element(positive.begin(), positive.begin() + long(k), positive.end());
    lambda = positive[k];
  }
  // Input spikes arrive at rate q/127, so a hidden neuron's mean current per
  // step is its ANN accumulator / 127: the threshold that turns lambda into
  // one spike per step is lambda / 127, and fc1's bias is divided the same way.
  const int32_t threshold = int32_t(std::max<int64_t>(1, std::llround(double(lambda) / 127.0)));
  std::vector<int64_t> b1(kHiddenSize), b2(kOut);
  for (uint32_t o = 0; o < kHiddenSize; ++o) b1[o] = std::llround(double(ann.b1[o]) / 127.0);
  // A hidden rate r stands for the ANN activation r * 127 * threshold, i.e.
  // r * 127 * threshold / 2^shift in the ANN's i8 hidden units: fc2's bias
  // is rescaled so that the evidence per step is proportional to the logits.
  const double biasScale = double(1u << ann.shift) / (127.0 * threshold);
  for (uint32_t o = 0; o < kOut; ++o) b2[o] = std::llround(double(ann.b2[o]) * biasScale);
  std::printf("threshold balancing: hidden lambda %lld (p%.4g of %u training images; the ANN clamps at %lld) -> IF "
              "threshold %d; fc2 bias scale %.5f\n",
              (long long)lambda, percentile, calibImages, (long long)(int64_t(127) << ann.shift), threshold,
              biasScale);

  // Priming: nstep state starts at zero, so an IF neuron's spike count
  // after t steps is floor(charge / threshold). Starting the membrane at
  // half the threshold makes it the rounded count: priming lines after the
  // pixels fire once, at step 0, with weights that sum to threshold / 2 into
  // every hidden neuron (int8 weights: as many lines as 127s are needed).
  const int32_t primeCharge = prime ? threshold / 2 : 0;
  const uint32_t primeLines = uint32_t((primeCharge + 126) / 127);
  const uint32_t fc1In = kIn + primeLines;
  std::vector<int64_t> w1(size_t(kHiddenSize) * fc1In);
  for (uint32_t o = 0; o < kHiddenSize; ++o) {
    for (uint32_t i = 0; i < kIn; ++i) w1[size_t(o) * fc1In + i] = ann.w1[size_t(o) * kIn + i];
    for (uint32_t k = 0; k < primeLines; ++k)
      w1[size_t(o) * fc1In + kIn + k] =
          primeCharge / int32_t(primeLines) + (int32_t(k) < primeCharge % int32_t(primeLines));
  }
  if (primeLines)
    std::printf("priming: %u input lines after the pixels fire at step 0, %d into every hidden membrane\n", primeLines,
                primeCharge);

  std::error_code ec;
  std::filesystem::create_directories(outDir, ec);
  if (ec) return fail(outDir + ": error: cannot create the directory: " + ec.message());
  {
    using xpu::graph::saveNpy;
    auto widen = [](const auto &v) { return std::vector<int64_t>(v.begin(), v.end()); };
    if (auto e = saveNpy(outDir + "/fc1.weight.npy", "i1", {kHiddenSize, fc1In}, w1)) return fail(e->message);
    if (auto e = saveNpy(outDir + "/fc1.bias.npy", "i4", {kHiddenSize}, b1)) return fail(e->message);
    if (auto e = saveNpy(outDir + "/fc2.weight.npy", "i1", {kOut, kHiddenSize}, widen(ann.w2))) return fail(e->message);
    if (auto e = saveNpy(outDir + "/fc2.bias.npy", "i4", {kOut}, b2)) return fail(e->message);
  }
  using fmnist::snn::kHidden;
  nlohmann::ordered_json model = {
      {"format", "xpu-actor-graph/1"},
      {"name", "fashion-mnist-snn"},
      {"sync", "barrier"},
      {"actors",
       {{{"name", fmnist::snn::kInput}, {"kind", "input"}, {"size", fc1In}, {"dtype", "i8"}},
        {{"name", "fc1"},
         {"kind", "linear"},
         {"in", fc1In},
         {"out", kHiddenSize},
         {"weight", {{"npy", "fc1.weight.npy"}}},
         {"bias", {{"npy", "fc1.bias.npy"}}}},
        {{"name", kHidden}, {"kind", "if"}, {"size", kHiddenSize}, {"v_threshold", threshold}, {"reset", "subtract"}},
        {{"name", "fc2"},
         {"kind", "linear"},
         {"in", kHiddenSize},
         {"out", kOut},
         {"weight", {{"npy", "fc2.weight.npy"}}},
         {"bias", {{"npy", "fc2.bias.npy"}}}},
        {{"name", "out"}, {"kind", "li"}, {"size", kOut}, {"dv", 0}}}},
      {"channels",
       {{{"from", fmnist::snn::kInput}, {"to", "fc1"}},
        {{"from", "fc1"}, {"to", kHidden}},
        {{"from", kHidden}, {"to", "fc2"}},
        {{"from", "fc2"}, {"to", "out"}}}},
      {"outputs",
       {{{"name", fmnist::snn::kMembraneOutput}, {"actor", "out"}},
        {{"name", fmnist::snn::kHiddenOutput}, {"actor", kHidden}}}}};
  const std::string modelPath = outDir + "/model.json";
  {
    std::ofstream f(modelPath);
    f << model.dump(2) << "\n";
    if (!f) return fail(modelPath + ": error: cannot write");
  }
  auto snnGraph = xpu::graph::loadActorGraph(modelPath); // as a user would read it
  if (!snnGraph) return fail(snnGraph.error().message);
  std::printf("wrote %s (+ fc1/fc2 .npy)\n", modelPath.c_str());

  nlohmann::ordered_json report = {
      {"model", "model.json"},
      {"ann", std::filesystem::absolute(annPath).lexically_normal().string()},
      {"encoder", "deterministic integrate-and-fire: q = pixel >> 1, rate q/127, accumulator starts at 64"},
      {"priming", "extra input lines firing at step 0 only, weights summing to threshold/2 into every hidden neuron"},
      {"hidden", "IF, reset by subtraction"},
      {"output", "LI with dv 0 (integrator); class = argmax of the membrane after T steps"},
      {"calibration_images", calibImages},
      {"percentile", percentile},
      {"hidden_lambda", lambda},
      {"ann_hidden_clamp", int64_t(127) << ann.shift},
      {"hidden_threshold", threshold},
      {"prime_lines", primeLines},
      {"prime_charge", primeCharge},
      {"fc2_bias_scale", biasScale}};

  if (evalImages > 0) {
    // The ANN (float and int8 on the reference executor) and the SNN (on the
    // reference executor, accuracy after every power-of-two step count).
    std::vector<uint32_t> checkpoints;
    for (uint32_t t = 1; t < maxSteps; t *= 2) checkpoints.push_back(t);
    checkpoints.push_back(maxSteps);
    std::vector<uint32_t> snnCorrect(checkpoints.size());
    std::vector<uint64_t> inputSpikes(checkpoints.size()), hiddenSpikes(checkpoints.size());
    uint32_t floatCorrect = 0, int8Correct = 0;
    xpu::graph::ReferenceExecutor annRef(*annGraph);
    xpu::graph::Values annIn;
    std::vector<int32_t> &pixels = annIn["image"];
    auto t0 = std::chrono::steady_clock::now();
    for (uint32_t n = 0; n < evalImages; ++n) {
      const uint32_t index = first + n;
      const uint8_t *image = testSet->image(index);
      const uint32_t label = testSet->labels[index];
      floatCorrect += fmnist::snn::floatClass(ann, image) == label;
      pixels.clear();
      for (uint32_t i = 0; i < kIn; ++i) pixels.push_back(fmnist::quantisePixel(image[i]));
      auto logits = annRef.step(annIn);
      if (!logits) return fail("fmnist-snn-convert: error: reference executor (ANN): " + logits.error().message);
      int8Correct += fmnist::argmax(logits->at("logits").data(), kOut) == label;

      xpu::graph::ReferenceExecutor snn(*snnGraph); // state starts at zero for every image
      fmnist::snn::RateEncoder encoder(image, primeLines);
      xpu::graph::Values in;
      uint64_t inSpikes = 0, hidSpikes = 0;
      size_t next = 0;
      for (uint32_t t = 1; t <= maxSteps; ++t) {
        inSpikes += encoder.step(in[fmnist::snn::kInput]);
        auto out = snn.step(in);
        if (!out) return fail("fmnist-snn-convert: error: reference executor (SNN): " + out.error().message);
        for (int32_t s : out->at(fmnist::snn::kHiddenOutput)) hidSpikes += uint64_t(s);
        if (t == checkpoints[next]) {
          const std::vector<int32_t> &v = out->at(fmnist::snn::kMembraneOutput);
          snnCorrect[next] += fmnist::argmax(v.data(), kOut) == label;
          inputSpikes[next] += inSpikes;
          hiddenSpikes[next] += hidSpikes;
          ++next;
        }
      }
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto pct = [&](uint32_t c) { return 100.0 * c / evalImages; };
    std::printf("test images %u..%u (%.1f s):\n", first, first + evalImages - 1, secs);
    std::printf("  ANN, float (dequantised weights):       %.2f%%\n", pct(floatCorrect));
    std::printf("  ANN, int8 (reference executor):         %.2f%%\n", pct(int8Correct));
    std::printf("  SNN (reference executor), T steps:\n");
    std::printf("  %6s %9s %14s %15s\n", "T", "accuracy", "input spikes", "hidden spikes");
    nlohmann::ordered_json table = nlohmann::ordered_json::array();
    for (size_t c = 0; c < checkpoints.size(); ++c) {
      double in = double(inputSpikes[c]) / evalImages, hid = double(hiddenSpikes[c]) / evalImages;
      std::printf("  %6u %8.2f%% %14.1f %15.1f\n", checkpoints[c], pct(snnCorrect[c]), in, hid);
      table.push_back({{"steps", checkpoints[c]},
                       {"accuracy", snnCorrect[c] / double(evalImages)},
                       {"input_spikes_per_image", in},
                       {"hidden_spikes_per_image", hid}});
    }
    report["evaluation"] = {{"first_test_image", first},
                            {"test_images", evalImages},
                            {"ann_float_accuracy", floatCorrect / double(evalImages)},
                            {"ann_int8_reference_accuracy", int8Correct / double(evalImages)},
                            {"snn_reference", table}};
  }
  // The float model's own figure, as fmnist-train measured it before
  // quantisation (its weights are not written, only the int8 ones).
  if (std::ifstream tf(annDir + "/train-report.json"); tf) {
    nlohmann::json train = nlohmann::json::parse(tf, nullptr, false);
    if (train.is_object() && train.contains("float_test_accuracy") && train["float_test_accuracy"].is_number()) {
      report["fmnist_train_float_test_accuracy"] = train["float_test_accuracy"];
      std::printf("fmnist-train's float model (before quantisation, %s/train-report.json): %.2f%% on the whole test "
                  "set\n",
                  annDir.c_str(), 100 * train["float_test_accuracy"].get<double>());
    }
  }
  std::ofstream rf(outDir + "/convert-report.json");
  rf << report.dump(2) << "\n";
  if (!rf) return fail(outDir + "/convert-report.json: error: cannot write");
  std::printf("wrote %s/convert-report.json\n", outDir.c_str());
  return 0;
}
