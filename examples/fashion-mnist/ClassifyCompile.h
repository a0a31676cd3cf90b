// The compile step both Fashion-MNIST classifiers share: the model for the
// chip with the command line's element budget, reported in one line.
#pragma once

#include "ClassifyOptions.h"

#include "../common/ExampleCompile.h"

#include "compiler/lib/Driver/Driver.h"

#include "xpu/ChipDescriptor.h"
#include "xpu/compiler/ActorGraph.h"

#include <cstdio>
#include <optional>

namespace fmnist {

/// Compiles `graph` (read from opt.modelPath) for `chip` and prints
/// "compiled <model> for <chip> ..., in <s> s" (after the mapping report if
/// asked). Returns nullopt after printing the compiler's error.
inline std::optional<xpu::driver::CompileResult> compileClassifier(const xpu::graph::ActorGraph &graph,
                                                                   const xpu::ChipDescriptor &chip,
                                                                   const ClassifyOptions &opt) {
  xpu::driver::CompileOptions options;
  options.maxElementsPerCore = opt.maxElements;
  options.mappingReport = opt.mappingReport;
  options.sourceName = opt.modelPath;
  double seconds = 0;
  auto compiled = xpu::examples::compileTimed(graph, chip, options, seconds);
  if (!compiled) return std::nullopt;
  std::printf("compiled %s for %s (%ux%u, %.0f MHz), max %u elements per core, in %.2f s\n", opt.modelPath.c_str(),
              chip.name.c_str(), chip.width, chip.height, chip.clockMhz, opt.maxElements, seconds);
  return compiled;
}

} // namespace fmnist
