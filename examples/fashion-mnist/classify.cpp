// fmnist-classify: compiles the Fashion-MNIST actor graph written by
// fmnist-train for a chip, classifies test images on the SystemC emulator
// (one image per timestep) and checks every image's logits against the
// golden reference executor, bit for bit; reports accuracy, cycles, latency
// and energy per image.
#include "FashionMnist.h"

#include "compiler/lib/Driver/Driver.h"

#include "xpu/ChipDescriptor.h"
#include "xpu/Device.h"
#include "xpu/emu/EmulatorBackend.h"
#include "xpu/emu/Report.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
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

int usageError(const std::string &msg) {
  std::cerr << "fmnist-classify: error: " << msg << " (see --help)\n";
  return 2;
}

bool parseUnsigned(const char *s, uint32_t &out) {
  if (!*s || std::strspn(s, "0123456789") != std::strlen(s) || std::strlen(s) > 9) return false;
  out = uint32_t(std::stoul(s));
  return true;
}

std::string directoryOf(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

} // namespace

int main(int argc, char **argv) {
  std::string modelPath = "model.json", chipPath = XPU_DEFAULT_CHIP, dataDir = fmnist::kDefaultDataDir, statsPath;
  std::string heatmapPrefix, tracePath;
  uint32_t images = 300, first = 0, maxElements = 8, progress = 50;
  bool mappingReport = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if (a == "--mapping-report") {
      mappingReport = true;
      continue;
    }
    if (i + 1 >= argc) return usageError(a.rfind("--", 0) == 0 ? a + " needs a value" : "unexpected '" + a + "'");
    const char *v = argv[++i];
    bool ok = true;
    if (a == "--model") modelPath = v;
    else if (a == "--chip") chipPath = v;
    else if (a == "--data") dataDir = v;
    else if (a == "--stats") statsPath = v;
    else if (a == "--heatmap") heatmapPrefix = v;
    else if (a == "--trace") tracePath = v;
    else if (a == "--images") ok = parseUnsigned(v, images) && images > 0;
    else if (a == "--first") ok = parseUnsigned(v, first);
    else if (a == "--max-elements-per-core") ok = parseUnsigned(v, maxElements);
    else if (a == "--progress") ok = parseUnsigned(v, progress);
    else return usageError("unknown option '" + a + "'");
    if (!ok) return usageError("bad value '" + std::string(v) + "' for " + a);
  }
  if (statsPath.empty()) statsPath = directoryOf(modelPath) + "/stats.json";

  // The model and its interface.
  auto graph = xpu::graph::loadActorGraph(modelPath);
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
    std::cerr << modelPath << ": error: expected an input 'image' of " << fmnist::kPixels
              << " elements and an i32 output 'logits' of " << fmnist::kClasses << " elements (fmnist-train writes it)\n";
    return 1;
  }

  std::string error;
  auto test = fmnist::loadSplit(dataDir, "t10k", error);
  if (!test) {
    std::cerr << error << "\n";
    return 1;
  }
  if (first >= test->count) return usageError("--first " + std::to_string(first) + " is beyond the test set");
  images = std::min(images, test->count - first);

  auto chip = xpu::loadChipDescriptor(chipPath);
  if (!chip) {
    std::cerr << chip.error().message << "\n";
    return 1;
  }
  xpu::driver::CompileOptions options;
  options.maxElementsPerCore = maxElements;
  options.mappingReport = mappingReport;
  options.sourceName = modelPath;
  auto t0 = std::chrono::steady_clock::now();
  auto compiled = xpu::driver::compileGraph(*graph, *chip, options);
  if (!compiled) {
    std::cerr << compiled.error().message << "\n";
    return 1;
  }
  double compileSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (mappingReport) std::cout << compiled->mappingReport;
  std::printf("compiled %s for %s (%ux%u, %.0f MHz), max %u elements per core, in %.2f s\n", modelPath.c_str(),
              chip->name.c_str(), chip->width, chip->height, chip->clockMhz, maxElements, compileSeconds);

  // The emulator backend directly (not through the registry) so that a
  // timeline can be recorded.
  xpu::emu::EmulatorOptions emuOptions;
  if (!tracePath.empty()) {
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

  std::printf("classifying test images %u..%u on the emulator, one per timestep\n", first, first + images - 1);
  std::fflush(stdout);
  xpu::graph::ReferenceExecutor reference(*graph);
  uint32_t emuCorrect = 0, refCorrect = 0, equal = 0;
  uint64_t minCycles = UINT64_MAX, maxCycles = 0;
  std::string firstDifference;
  auto run0 = std::chrono::steady_clock::now();
  for (uint32_t n = 0; n < images; ++n) {
    const uint32_t index = first + n;
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
    if (progress && ((n + 1) % progress == 0 || n + 1 == images)) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - run0).count();
      std::printf("  %u/%u images: emulator %u correct, reference %u correct, %u equal; %llu cycles; %.1f s\n", n + 1,
                  images, emuCorrect, refCorrect, equal, (unsigned long long)device->cycle(), secs);
      std::fflush(stdout);
    }
  }
  double runSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - run0).count();

  nlohmann::json stats = device->stats();
  {
    std::ofstream f(statsPath);
    f << stats.dump(2) << "\n";
    if (!f) {
      std::cerr << statsPath << ": error: cannot write\n";
      return 1;
    }
  }
  uint32_t activeCores = 0;
  for (const auto &core : stats["cores"])
    if (core.value("instructions", uint64_t(0)) > 0) ++activeCores;
  const double totalCycles = double(device->cycle());
  const double cyclesPerImage = totalCycles / images;
  const double energyPj = stats["energy_pj"].value("total", 0.0);

  std::printf("emulator accuracy %.2f%% = reference accuracy %.2f%%: %u/%u images equal\n", 100.0 * emuCorrect / images,
              100.0 * refCorrect / images, equal, images);
  std::printf("cycles per image %.1f (min %llu, max %llu) on %u active cores; latency %.3f us at %.0f MHz\n",
              cyclesPerImage, (unsigned long long)minCycles, (unsigned long long)maxCycles, activeCores,
              cyclesPerImage / chip->clockMhz, chip->clockMhz);
  std::printf("energy per image %.1f nJ (%.0f pJ total)\n", energyPj / images / 1000.0, energyPj);
  if (!heatmapPrefix.empty()) {
    const bool ok =
        xpu::emu::writeTextFile(heatmapPrefix + ".links.svg",
                                xpu::emu::linkHeatMap(chip->width, chip->height,
                                                      xpu::emu::linkUtilisationFromJson(stats),
                                                      "Fashion-MNIST: link utilisation", "flits/cycle")) &&
        xpu::emu::writeTextFile(heatmapPrefix + ".cores.svg",
                                xpu::emu::coreHeatMaps(chip->width, chip->height,
                                                       xpu::emu::corePanelsFromStats(stats), "Fashion-MNIST: cores"));
    if (!ok) {
      std::cerr << heatmapPrefix << ": error: cannot write the heat maps\n";
      return 1;
    }
    std::printf("heat maps written to %s.links.svg and %s.cores.svg\n", heatmapPrefix.c_str(), heatmapPrefix.c_str());
  }
  if (!tracePath.empty()) {
    std::ofstream f(tracePath);
    f << emulator->traceJson().dump() << "\n";
    if (!f) {
      std::cerr << tracePath << ": error: cannot write\n";
      return 1;
    }
    std::printf("timeline of the first two images written to %s (open it in ui.perfetto.dev)\n", tracePath.c_str());
  }
  std::printf("emulated %u images in %.1f s (%.0f simulated cycles/s); statistics written to %s\n", images, runSeconds,
              totalCycles / std::max(runSeconds, 1e-9), statsPath.c_str());
  if (equal != images) {
    std::cerr << "fmnist-classify: error: the emulator differs from the reference executor on " << images - equal
              << " of " << images << " images; first: " << firstDifference << "\n";
    return 1;
  }
  return 0;
}

// libsystemc references sc_main; this program has its own main.
int sc_main(int, char *[]) { return 1; }
