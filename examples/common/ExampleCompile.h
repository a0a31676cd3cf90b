// Compilation steps shared by the examples: write the model for xpu-cc,
// compile it with the mapping report on request, timed, and find the cores
// of the compiled images.
#pragma once

#include "compiler/lib/Driver/Driver.h"

#include "xpu/ChipDescriptor.h"
#include "xpu/Executable.h"

#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>

namespace xpu::examples {

/// Validates `graph` and writes `modelJson` (its JSON form) to `modelPath`,
/// so that xpu-cc can rerun it. Prints "<program>: error: ..." and returns
/// false if the graph is invalid.
inline bool validateAndWriteModel(const char *program, const graph::ActorGraph &graph, const std::string &modelJson,
                                  const std::string &modelPath) {
  if (auto err = graph::validateActorGraph(graph)) {
    std::cerr << program << ": error: " << err->message << "\n";
    return false;
  }
  std::ofstream f(modelPath);
  f << modelJson << "\n";
  return true;
}

/// Compiles `graph` for `chip` and prints the mapping report when
/// `options.mappingReport` is set; `seconds` receives the compile time.
/// Prints the compiler's diagnostics and returns nullopt on failure.
inline std::optional<driver::CompileResult> compileTimed(const graph::ActorGraph &graph, const ChipDescriptor &chip,
                                                         const driver::CompileOptions &options, double &seconds) {
  const auto t0 = std::chrono::steady_clock::now();
  auto compiled = driver::compileGraph(graph, chip, options);
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!compiled) {
    std::cerr << compiled.error().message << "\n";
    return std::nullopt;
  }
  if (options.mappingReport) std::cout << compiled->mappingReport;
  return std::move(*compiled);
}

/// The examples' compile step: validates `graph`, writes `modelJson` to
/// `modelPath` (see validateAndWriteModel), compiles it timed (see
/// compileTimed). Returns nullopt after printing the error.
inline std::optional<driver::CompileResult> compileModel(const char *program, const graph::ActorGraph &graph,
                                                         const std::string &modelJson, const std::string &modelPath,
                                                         const ChipDescriptor &chip,
                                                         const driver::CompileOptions &options, double &seconds) {
  if (!validateAndWriteModel(program, graph, modelJson, modelPath)) return std::nullopt;
  return compileTimed(graph, chip, options, seconds);
}

/// The core of every image of an executable, by image name (an image's
/// name is its actor's, "<actor>.e<i>" for a moe expert and so on).
class ImageCores {
public:
  explicit ImageCores(const Executable &exe) {
    for (const CoreAssignment &ca : exe.cores) cores_[exe.images[ca.image].name] = ca.core;
  }
  /// The core running image `name`, or `missing` if none does.
  uint32_t operator()(const std::string &name, uint32_t missing = UINT32_MAX) const {
    auto it = cores_.find(name);
    return it == cores_.end() ? missing : it->second;
  }

private:
  std::map<std::string, uint32_t> cores_;
};

} // namespace xpu::examples
