// fmnist-classify: compiles the Fashion-MNIST actor graph written by
// fmnist-train for a chip, classifies test images on the SystemC emulator
// (one image per timestep) and checks every image's logits against the
// golden reference executor, bit for bit; reports accuracy, cycles, latency
// and energy per image.
#include "ClassifyCompile.h"
#include "ClassifyOptions.h"
#include "FashionMnist.h"

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
#include <memory>
#include <optional>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#ifndef XPU_DEFAULT_CHIP
#define XPU_DEFAULT_CHIP "examples/chips/8x8.json"
#endif

namespace {

const char *kUsage = R"(usage: fmnist-classify [options]

Compiles the Fashion-MNIST model (fmnist-train's model.json) for a chip, runs
test images on the SystemC emulator, one image per timestep, and requires the
logits of every image to equal the reference executor's (exit 1 otherwise).

  --model FILE                 actor graph (default model.json)
  --chip FILE                  chip descriptor (default examples/chips/8x8.json)
  --data DIR                   IDX files (default /usr/share/datasets/fashion-mnist)
  --images N                   test images to classify (default 300)
  --first K                    start at test image K (default 0)
  --max-elements-per-core N    compute budget per core (default 8: fc1 on 16
                               cores, fc2 on 2; the fewest cycles per image
                               on the 8x8 chip; 0: limited by SRAM only)
  --stats FILE                 emulator statistics JSON (default: stats.json
                               next to the model)
  --progress N                 print progress every N images (default 50; 0: off)
  --heatmap PREFIX             write PREFIX.links.svg (link utilisation) and
                               PREFIX.cores.svg (busy fraction, energy per core)
  --trace FILE.json            write a Perfetto/Chrome timeline of the first
                               two images (open it in ui.perfetto.dev)
  --mapping-report             print the compiler's mapping report
  -h, --help                   show this help
)";

int usageError(const std::string &msg) { return xpu::examples::usageError("fmnist-classify", msg); }

using xpu::examples::parseUnsigned;

} // namespace

int main(int argc, char **argv) {
  fmnist::ClassifyOptions opt;
  opt.modelPath = "model.json";
  opt.chipPath = XPU_DEFAULT_CHIP;
  const xpu::examples::CommandLine commandLine{
      "fmnist-classify", kUsage, {{"--mapping-report", &opt.mappingReport}}, {}};
  auto onValue = [&](const std::string &a, const char *v) { return opt.take(a, v); };
  if (auto exitCode = xpu::examples::parseCommandLine(argc, argv, commandLine, onValue)) return *exitCode;
  if (opt.statsPath.empty()) opt.statsPath = opt.modelDir() + "/stats.json";

  // The model and its interface.
  auto graph = xpu::graph::loadActorGraph(opt.modelPath);
  if (!graph) {
    std::cerr << graph.error().message << "\n";
    return 1;
  }
  auto inputActor = graph->find("image");
  bool shapeOk = inputActor && graph->actors[*inputActor].kind == xpu::graph::ActorKind::Input &&
                 graph->actors[*inputActor].outSize == fmnist::kPixels;
  const xpu::graph::GraphOutput *logitsOutput = nullptr;
  for (const auto &o : graph->outputs)
    if (o.name == "logits") logitsOutput = &o;
  shapeOk = shapeOk && logitsOutput && graph->actors[logitsOutput->actor].outSize == fmnist::kClasses &&
            graph->actors[logitsOutput->actor].outType == xpu::graph::DType::I32;
  if (!shapeOk) {
    std::cerr << opt.modelPath << ": error: expected an input 'image' of " << fmnist::kPixels
              << " elements and an i32 output 'logits' of " << fmnist::kClasses << " elements (fmnist-train writes it)\n";
    return 1;
  }

  std::string error;
  auto test = fmnist::loadSplit(opt.dataDir, "t10k", error);
  if (!test) {
    std::cerr << error << "\n";
    return 1;
  }
  if (opt.first >= test->count) return usageError("--first " + std::to_string(opt.first) + " is beyond the test set");
  opt.images = std::min(opt.images, test->count - opt.first);

  auto chip = xpu::loadChipDescriptor(opt.chipPath);
  if (!chip) {
    std::cerr << chip.error().message << "\n";
    return 1;
  }
  auto compiled = fmnist::compileClassifier(*graph, *chip, opt);
  if (!compiled) return 1;

  // The emulator backend directly (not through the registry) so that a
  // timeline can be recorded.
  xpu::emu::EmulatorOptions emuOptions;
  if (!opt.tracePath.empty()) {
    xpu::emu::TraceOptions to;
    to.endCycle = 2 * 1600; // about the first two images
    emuOptions.trace = to;
  }
  auto backend = std::make_unique<xpu::emu::EmulatorBackend>(xpu::BackendOptions{}, emuOptions);
  xpu::emu::EmulatorBackend *emulator = backend.get();
  std::optional<xpu::Device> device;
  device.emplace(std::move(backend));
  if (auto err = device->load(*compiled->exe)) {
    std::cerr << err->message << "\n";
    return 1;
  }

  std::printf("classifying test images %u..%u on the emulator, one per timestep\n", opt.first,
              opt.first + opt.images - 1);
  std::fflush(stdout);
  xpu::graph::ReferenceExecutor reference(*graph);
  uint32_t emuCorrect = 0, refCorrect = 0, equal = 0;
  uint64_t minCycles = UINT64_MAX, maxCycles = 0;
  std::string firstDifference;
  auto run0 = std::chrono::steady_clock::now();
  for (uint32_t n = 0; n < opt.images; ++n) {
    const uint32_t index = opt.first + n;
    std::vector<xpu::graph::Values> step(1);
    std::vector<int32_t> &pixels = step[0]["image"];
    for (uint32_t i = 0; i < fmnist::kPixels; ++i) pixels.push_back(fmnist::quantisePixel(test->image(index)[i]));

    uint64_t before = device->cycle();
    auto emulated = xpu::driver::runSteps(*device, *graph, step);
    if (!emulated) {
      std::cerr << "fmnist-classify: error: test image " << index << ": " << emulated.error().message << "\n";
      return 1;
    }
    uint64_t cycles = device->cycle() - before;
    minCycles = std::min(minCycles, cycles);
    maxCycles = std::max(maxCycles, cycles);
    auto expected = reference.step(step[0]);
    if (!expected) {
      std::cerr << "fmnist-classify: error: reference executor: " << expected.error().message << "\n";
      return 1;
    }
    const std::vector<int32_t> &emuLogits = (*emulated)[0].at("logits"), &refLogits = expected->at("logits");
    uint32_t emuClass = fmnist::argmax(emuLogits.data(), fmnist::kClasses);
    uint32_t refClass = fmnist::argmax(refLogits.data(), fmnist::kClasses);
    emuCorrect += emuClass == test->labels[index];
    refCorrect += refClass == test->labels[index];
    std::string diff = xpu::driver::compareOutputs({*expected}, *emulated);
    if (diff.empty() && emuClass == refClass) ++equal;
    else if (firstDifference.empty())
      firstDifference = "test image " + std::to_string(index) + ": " +
                        (diff.empty() ? "class " + std::to_string(emuClass) + ", reference " + std::to_string(refClass)
                                      : diff);
    if (opt.progress && ((n + 1) % opt.progress == 0 || n + 1 == opt.images)) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - run0).count();
      std::printf("  %u/%u images: emulator %u correct, reference %u correct, %u equal; %llu cycles; %.1f s\n", n + 1,
                  opt.images, emuCorrect, refCorrect, equal, (unsigned long long)device->cycle(), secs);
      std::fflush(stdout);
    }
  }
  double runSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - run0).count();

  nlohmann::json stats = device->stats();
  {
    std::ofstream f(opt.statsPath);
    f << stats.dump(2) << "\n";
    if (!f) {
      std::cerr << opt.statsPath << ": error: cannot write\n";
      return 1;
    }
  }
  uint32_t activeCores = 0;
  for (const auto &core : stats["cores"])
    if (core.value("instructions", uint64_t(0)) > 0) ++activeCores;
  const double totalCycles = double(device->cycle());
  const double cyclesPerImage = totalCycles / opt.images;
  const double energyPj = stats["energy_pj"].value("total", 0.0);

  std::printf("emulator accuracy %.2f%% = reference accuracy %.2f%%: %u/%u images equal\n",
              100.0 * emuCorrect / opt.images, 100.0 * refCorrect / opt.images, equal, opt.images);
  std::printf("cycles per image %.1f (min %llu, max %llu) on %u active cores; latency %.3f us at %.0f MHz\n",
              cyclesPerImage, (unsigned long long)minCycles, (unsigned long long)maxCycles, activeCores,
              cyclesPerImage / chip->clockMhz, chip->clockMhz);
  std::printf("energy per image %.1f nJ (%.0f pJ total)\n", energyPj / opt.images / 1000.0, energyPj);
  if (!opt.heatmapPrefix.empty()) {
    const bool ok =
        xpu::emu::writeTextFile(opt.heatmapPrefix + ".links.svg",
                                xpu::emu::linkHeatMap(chip->width, chip->height,
                                                      xpu::emu::linkUtilisationFromJson(stats),
                                                      "Fashion-MNIST: link utilisation", "flits/cycle")) &&
        xpu::emu::writeTextFile(opt.heatmapPrefix + ".cores.svg",
                                xpu::emu::coreHeatMaps(chip->width, chip->height,
                                                       xpu::emu::corePanelsFromStats(stats), "Fashion-MNIST: cores"));
    if (!ok) {
      std::cerr << opt.heatmapPrefix << ": error: cannot write the heat maps\n";
      return 1;
    }
    std::printf("heat maps written to %s.links.svg and %s.cores.svg\n", opt.heatmapPrefix.c_str(),
                opt.heatmapPrefix.c_str());
  }
  if (!opt.tracePath.empty()) {
    std::ofstream f(opt.tracePath);
    f << emulator->traceJson().dump() << "\n";
    if (!f) {
      std::cerr << opt.tracePath << ": error: cannot write\n";
      return 1;
    }
    std::printf("timeline of the first two images written to %s (open it in ui.perfetto.dev)\n", opt.tracePath.c_str());
  }
  std::printf("emulated %u images in %.1f s (%.0f simulated cycles/s); statistics written to %s\n", opt.images,
              runSeconds, totalCycles / std::max(runSeconds, 1e-9), opt.statsPath.c_str());
  if (equal != opt.images) {
    std::cerr << "fmnist-classify: error: the emulator differs from the reference executor on " << opt.images - equal
              << " of " << opt.images << " images; first: " << firstDifference << "\n";
    return 1;
  }
  return 0;
}

// libsystemc references sc_main; this program has its own main.
int sc_main(int, char *[]) { return 1; }
