// fmnist-snn-classify: compiles the spiking Fashion-MNIST network written by
// fmnist-snn-convert for a chip and classifies test images on the SystemC
// emulator, each image for T barrier timesteps; every step's outputs (the
// hidden spikes and the output membranes) must equal the reference
// executor's, bit for bit. Reports the float ANN, the SNN on the reference
// and on the emulator, spikes, cycles and energy per inference.
#include "SnnModel.h"

#include "../fashion-mnist/ClassifyCompile.h"
#include "../fashion-mnist/ClassifyOptions.h"

#include "compiler/lib/Driver/Driver.h"

#include "xpu/ChipDescriptor.h"
#include "xpu/Device.h"
#include "xpu/emu/EmulatorBackend.h"
#include "xpu/emu/Report.h"

#include "../common/ExampleArgs.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#ifndef XPU_DEFAULT_CHIP
#define XPU_DEFAULT_CHIP "examples/chips/8x8.json"
#endif

namespace {

const char *kUsage = R"(usage: fmnist-snn-classify [options]

Compiles the spiking Fashion-MNIST network (fmnist-snn-convert's model.json)
for a chip and runs test images on the SystemC emulator, each for T barrier
timesteps of rate-coded input spikes; the class is the argmax of the output
membranes after the last step. Every step's outputs (hidden spikes, output
membranes) must equal the reference executor's (exit 1 otherwise). The chip
is reloaded before every image so that each inference starts from zero state.

  --model FILE                 actor graph (default snn/model.json)
  --ann FILE                   fmnist-train's model.json, for the ANN
                               accuracies on the same images (default: the
                               "ann" of convert-report.json next to the model)
  --chip FILE                  chip descriptor (default examples/chips/8x8.json)
  --data DIR                   IDX files (default /usr/share/datasets/fashion-mnist)
  --images N                   test images to classify (default 300)
  --first K                    start at test image K (default 0)
  --steps T                    timesteps per image (default 8)
  --max-elements-per-core N    compute budget per core (default 8, as the
                               ANN example; 0: limited by SRAM only)
  --stats FILE                 statistics JSON: totals over all images and the
                               emulator's statistics of the first image
                               (default: snn-stats.json next to the model)
  --progress N                 print progress every N images (default 50; 0: off)
  --heatmap PREFIX             write PREFIX.links.svg and PREFIX.cores.svg of
                               the first image's inference
  --trace FILE.json            write a Perfetto/Chrome timeline of the first
                               image's T steps (open it in ui.perfetto.dev)
  --mapping-report             print the compiler's mapping report
  -h, --help                   show this help
)";

int usageError(const std::string &msg) { return xpu::examples::usageError("fmnist-snn-classify", msg); }

int fail(const std::string &msg) {
  std::cerr << msg << "\n";
  return 1;
}

using xpu::examples::parseUnsigned;

/// An emulator backend wrapped in a Device; `trace` records a timeline.
std::unique_ptr<xpu::Device> openEmulator(bool trace, xpu::emu::EmulatorBackend *&backendOut) {
  xpu::emu::EmulatorOptions emuOptions;
  if (trace) emuOptions.trace = xpu::emu::TraceOptions{};
  auto backend = std::make_unique<xpu::emu::EmulatorBackend>(xpu::BackendOptions{}, emuOptions);
  backendOut = backend.get();
  return std::make_unique<xpu::Device>(std::move(backend));
}

} // namespace

int main(int argc, char **argv) {
  fmnist::ClassifyOptions opt;
  opt.modelPath = "snn/model.json";
  opt.chipPath = XPU_DEFAULT_CHIP;
  std::string annPath;
  uint32_t steps = 8;
  const xpu::examples::CommandLine commandLine{
      "fmnist-snn-classify", kUsage, {{"--mapping-report", &opt.mappingReport}}, {}};
  auto onValue = [&](const std::string &a, const char *v) -> std::optional<bool> {
    if (a == "--ann") annPath = v;
    else if (a == "--steps") return parseUnsigned(v, steps) && steps > 0 && steps <= 4096;
    else return opt.take(a, v);
    return true;
  };
  if (auto exitCode = xpu::examples::parseCommandLine(argc, argv, commandLine, onValue)) return *exitCode;
  const std::string modelDir = opt.modelDir();
  if (opt.statsPath.empty()) opt.statsPath = modelDir + "/snn-stats.json";

  // The SNN and its interface.
  auto graph = xpu::graph::loadActorGraph(opt.modelPath);
  if (!graph) return fail(graph.error().message);
  {
    using xpu::graph::ActorKind;
    using xpu::graph::DType;
    auto input = graph->find(fmnist::snn::kInput);
    const xpu::graph::GraphOutput *membrane = nullptr, *hidden = nullptr;
    for (const auto &o : graph->outputs) {
      if (o.name == fmnist::snn::kMembraneOutput) membrane = &o;
      if (o.name == fmnist::snn::kHiddenOutput) hidden = &o;
    }
    bool ok = input && graph->actors[*input].kind == ActorKind::Input &&
              graph->actors[*input].outSize >= fmnist::kPixels && membrane &&
              graph->actors[membrane->actor].outSize == fmnist::kClasses &&
              graph->actors[membrane->actor].outType == DType::I32 && hidden &&
              graph->actors[hidden->actor].outType == DType::I8;
    if (!ok)
      return fail(opt.modelPath + ": error: expected an input '" + fmnist::snn::kInput +
                  "' of at least 784 elements, an i32 output '" + fmnist::snn::kMembraneOutput +
                  "' of 10 elements and an i8 output '" + fmnist::snn::kHiddenOutput +
                  "' (fmnist-snn-convert writes them)");
  }
  // The input lines after the pixels are fmnist-snn-convert's priming lines.
  const uint32_t primeLines = graph->actors[*graph->find(fmnist::snn::kInput)].outSize - fmnist::kPixels;
  // Every i8 graph output is a spiking population: its 1s are spikes.
  std::vector<std::string> spikeOutputs;
  for (const auto &o : graph->outputs)
    if (graph->actors[o.actor].outType == xpu::graph::DType::I8 && xpu::graph::isNeuron(graph->actors[o.actor].kind))
      spikeOutputs.push_back(o.name);

  // The ANN it was converted from (optional: only for the comparison).
  if (annPath.empty()) {
    std::ifstream rf(modelDir + "/convert-report.json");
    if (rf) {
      nlohmann::json report = nlohmann::json::parse(rf, nullptr, false);
      if (report.is_object() && report.contains("ann") && report["ann"].is_string()) annPath = report["ann"];
    }
  }
  std::optional<xpu::graph::ActorGraph> annGraph;
  std::optional<fmnist::snn::Ann> ann;
  if (!annPath.empty()) {
    auto g = xpu::graph::loadActorGraph(annPath);
    if (!g) return fail(g.error().message);
    auto a = fmnist::snn::annFromGraph(*g, annPath);
    if (!a) return fail(a.error().message);
    annGraph = std::move(*g);
    ann = std::move(*a);
  }

  std::string error;
  auto test = fmnist::loadSplit(opt.dataDir, "t10k", error);
  if (!test) return fail(error);
  if (opt.first >= test->count) return usageError("--first " + std::to_string(opt.first) + " is beyond the test set");
  opt.images = std::min(opt.images, test->count - opt.first);

  auto chip = xpu::loadChipDescriptor(opt.chipPath);
  if (!chip) return fail(chip.error().message);
  auto compiled = fmnist::compileClassifier(*graph, *chip, opt);
  if (!compiled) return 1;

  xpu::emu::EmulatorBackend *emulator = nullptr;
  std::unique_ptr<xpu::Device> device = openEmulator(!opt.tracePath.empty(), emulator);

  std::printf("classifying test images %u..%u on the emulator, %u barrier timesteps each\n", opt.first,
              opt.first + opt.images - 1, steps);
  std::fflush(stdout);
  uint32_t emuCorrect = 0, refCorrect = 0, floatCorrect = 0, int8Correct = 0, equal = 0;
  uint64_t inputSpikes = 0, cycles = 0, minCycles = UINT64_MAX, maxCycles = 0;
  std::map<std::string, uint64_t> layerSpikes;
  double energyPj = 0;
  std::map<std::string, double> energyBreakdown;
  uint64_t flitHops = 0, messages = 0, neuronUpdates = 0, vectorMacs = 0;
  nlohmann::json firstStats;
  uint32_t activeCores = 0;
  std::string firstDifference;
  std::optional<xpu::graph::ReferenceExecutor> annReference;
  if (annGraph) annReference.emplace(*annGraph);
  auto run0 = std::chrono::steady_clock::now();
  for (uint32_t n = 0; n < opt.images; ++n) {
    const uint32_t index = opt.first + n;
    const uint8_t *image = test->image(index);
    const uint32_t label = test->labels[index];
    uint64_t imageInputSpikes = 0;
    std::vector<xpu::graph::Values> in = fmnist::snn::encodeImage(image, primeLines, steps, imageInputSpikes);
    inputSpikes += imageInputSpikes;

    // A fresh load zeroes every membrane (and the cycle counter and the
    // statistics), as a fresh reference executor does.
    if (auto err = device->load(*compiled->exe)) return fail(err->message);
    auto emulated = xpu::driver::runSteps(*device, *graph, in);
    if (!emulated) return fail("fmnist-snn-classify: error: test image " + std::to_string(index) + ": " +
                               emulated.error().message);
    auto expected = xpu::driver::runReference(*graph, in);
    if (!expected) return fail("fmnist-snn-classify: error: reference executor: " + expected.error().message);

    const std::vector<int32_t> &emuV = emulated->back().at(fmnist::snn::kMembraneOutput);
    const std::vector<int32_t> &refV = expected->back().at(fmnist::snn::kMembraneOutput);
    const uint32_t emuClass = fmnist::argmax(emuV.data(), fmnist::kClasses);
    const uint32_t refClass = fmnist::argmax(refV.data(), fmnist::kClasses);
    emuCorrect += emuClass == label;
    refCorrect += refClass == label;
    std::string diff = xpu::driver::compareOutputs(*expected, *emulated);
    if (diff.empty()) ++equal;
    else if (firstDifference.empty()) firstDifference = "test image " + std::to_string(index) + ": " + diff;
    for (const auto &stepOut : *emulated)
      for (const std::string &name : spikeOutputs)
        for (int32_t s : stepOut.at(name)) layerSpikes[name] += uint64_t(s != 0);

    if (ann) {
      floatCorrect += fmnist::snn::floatClass(*ann, image) == label;
      xpu::graph::Values annIn;
      for (uint32_t i = 0; i < fmnist::kPixels; ++i) annIn["image"].push_back(fmnist::quantisePixel(image[i]));
      auto logits = annReference->step(annIn);
      if (!logits) return fail("fmnist-snn-classify: error: reference executor (ANN): " + logits.error().message);
      int8Correct += fmnist::argmax(logits->at("logits").data(), fmnist::kClasses) == label;
    }

    // This inference's statistics (the load reset them).
    const uint64_t imageCycles = device->cycle();
    cycles += imageCycles;
    minCycles = std::min(minCycles, imageCycles);
    maxCycles = std::max(maxCycles, imageCycles);
    nlohmann::json stats = device->stats();
    energyPj += stats["energy_pj"].value("total", 0.0);
    for (const auto &[k, v] : stats["energy_pj"]["breakdown"].items())
      if (v.is_number()) energyBreakdown[k] += v.get<double>();
    flitHops += stats["network"].value("flit_hops", uint64_t(0));
    for (const auto &core : stats["cores"]) {
      messages += core.value("messages_sent", uint64_t(0));
      neuronUpdates += core.value("neuron_updates", uint64_t(0));
      vectorMacs += core.value("vector_macs", uint64_t(0));
    }
    if (n == 0) {
      firstStats = stats;
      for (const auto &core : stats["cores"])
        if (core.value("instructions", uint64_t(0)) > 0) ++activeCores;
      if (!opt.tracePath.empty()) {
        std::ofstream f(opt.tracePath);
        f << emulator->traceJson().dump() << "\n";
        if (!f) return fail(opt.tracePath + ": error: cannot write");
        std::printf("timeline of the first image (%u steps) written to %s (open it in ui.perfetto.dev)\n", steps,
                    opt.tracePath.c_str());
        // The rest runs without recording (the mesh is elaborated once per
        // process; a new backend reuses it at its first load).
        device.reset();
        device = openEmulator(false, emulator);
      }
    }
    if (opt.progress && ((n + 1) % opt.progress == 0 || n + 1 == opt.images)) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - run0).count();
      std::printf("  %u/%u images: emulator %u correct, reference %u correct, %u equal; %.1f s\n", n + 1, opt.images,
                  emuCorrect, refCorrect, equal, secs);
      std::fflush(stdout);
    }
  }
  double runSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - run0).count();

  auto pct = [&](uint32_t c) { return 100.0 * c / opt.images; };
  const double perImage = 1.0 / opt.images;
  uint64_t spikingSpikes = 0;
  for (const auto &[name, count] : layerSpikes) spikingSpikes += count;
  const double hiddenPerImage = double(layerSpikes[fmnist::snn::kHiddenOutput]) * perImage;
  const double inputPerImage = double(inputSpikes) * perImage;
  // Synaptic events: every spike reaches every weight of its fan-out row.
  double synapticEvents = 0;
  for (const auto &c : graph->channels) {
    const auto &from = graph->actors[c.from];
    const auto &to = graph->actors[c.to];
    if (to.kind != xpu::graph::ActorKind::Linear) continue;
    if (from.name == fmnist::snn::kInput) synapticEvents += inputPerImage * to.outSize;
    else if (layerSpikes.count(from.name)) synapticEvents += double(layerSpikes[from.name]) * perImage * to.outSize;
  }
  if (ann)
    std::printf("ANN on the same images: float (dequantised) %.2f%%, int8 (reference executor) %.2f%%\n",
                pct(floatCorrect), pct(int8Correct));
  std::printf("SNN, T = %u steps: emulator accuracy %.2f%% = reference accuracy %.2f%%: %u/%u images equal at "
              "every step\n",
              steps, pct(emuCorrect), pct(refCorrect), equal, opt.images);
  std::printf("spikes per inference %.1f: input %.1f (host-encoded), hidden %.1f (emulator); synaptic events %.0f\n",
              inputPerImage + double(spikingSpikes) * perImage, inputPerImage, hiddenPerImage, synapticEvents);
  std::printf("cycles per inference %.1f (min %llu, max %llu; %.1f per step) on %u active cores; latency %.3f us at "
              "%.0f MHz\n",
              double(cycles) * perImage, (unsigned long long)minCycles, (unsigned long long)maxCycles,
              double(cycles) * perImage / steps, activeCores, double(cycles) * perImage / chip->clockMhz,
              chip->clockMhz);
  std::printf("energy per inference %.1f nJ:", energyPj * perImage / 1000.0);
  {
    std::vector<std::pair<double, std::string>> parts;
    for (const auto &[k, v] : energyBreakdown) parts.push_back({v, k});
    std::sort(parts.rbegin(), parts.rend());
    for (size_t i = 0; i < parts.size(); ++i)
      std::printf("%s %s %.1f", i ? "," : "", parts[i].second.c_str(), parts[i].first * perImage / 1000.0);
    std::printf("\n");
  }

  nlohmann::ordered_json out = {
      {"model", opt.modelPath},
      {"first_test_image", opt.first},
      {"images", opt.images},
      {"steps", steps},
      {"emulator_accuracy", emuCorrect * perImage},
      {"reference_accuracy", refCorrect * perImage},
      {"images_equal_to_reference", equal},
      {"input_spikes_per_inference", inputPerImage},
      {"hidden_spikes_per_inference", hiddenPerImage},
      {"synaptic_events_per_inference", synapticEvents},
      {"cycles_per_inference", double(cycles) * perImage},
      {"energy_pj_per_inference", energyPj * perImage},
      {"flit_hops_per_inference", double(flitHops) * perImage},
      {"messages_per_inference", double(messages) * perImage},
      {"neuron_updates_per_inference", double(neuronUpdates) * perImage},
      {"vector_macs_per_inference", double(vectorMacs) * perImage},
      {"first_image_stats", firstStats}};
  if (ann) {
    out["ann_float_accuracy"] = floatCorrect * perImage;
    out["ann_int8_reference_accuracy"] = int8Correct * perImage;
  }
  for (const auto &[k, v] : energyBreakdown) out["energy_pj_breakdown_per_inference"][k] = v * perImage;
  {
    std::ofstream f(opt.statsPath);
    f << out.dump(2) << "\n";
    if (!f) return fail(opt.statsPath + ": error: cannot write");
  }
  if (!opt.heatmapPrefix.empty()) {
    const bool ok =
        xpu::emu::writeTextFile(opt.heatmapPrefix + ".links.svg",
                                xpu::emu::linkHeatMap(chip->width, chip->height,
                                                      xpu::emu::linkUtilisationFromJson(firstStats),
                                                      "Fashion-MNIST SNN (one inference): link utilisation",
                                                      "flits/cycle")) &&
        xpu::emu::writeTextFile(opt.heatmapPrefix + ".cores.svg",
                                xpu::emu::coreHeatMaps(chip->width, chip->height,
                                                       xpu::emu::corePanelsFromStats(firstStats),
                                                       "Fashion-MNIST SNN (one inference): cores"));
    if (!ok) return fail(opt.heatmapPrefix + ": error: cannot write the heat maps");
    std::printf("heat maps of the first inference written to %s.links.svg and %s.cores.svg\n",
                opt.heatmapPrefix.c_str(), opt.heatmapPrefix.c_str());
  }
  std::printf("emulated %u images x %u steps in %.1f s (%.0f simulated cycles/s); statistics written to %s\n",
              opt.images, steps, runSeconds, double(cycles) / std::max(runSeconds, 1e-9), opt.statsPath.c_str());
  if (equal != opt.images)
    return fail("fmnist-snn-classify: error: the emulator differs from the reference executor on " +
                std::to_string(opt.images - equal) + " of " + std::to_string(opt.images) + " images; first: " +
                firstDifference);
  return 0;
}

// libsystemc references sc_main; this program has its own main.
int sc_main(int, char *[]) { return 1; }
