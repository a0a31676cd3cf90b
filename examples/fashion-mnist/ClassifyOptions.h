// The command-line options both Fashion-MNIST classifiers take
// (fmnist-classify and fmnist-snn-classify): the model, the chip, the data,
// the images to classify and the outputs to write.
#pragma once

#include "FashionMnist.h"

#include "../common/ExampleArgs.h"

#include <cstdint>
#include <optional>
#include <string>

namespace fmnist {

struct ClassifyOptions {
  std::string modelPath, chipPath, dataDir = kDefaultDataDir, statsPath, heatmapPrefix, tracePath;
  uint32_t images = 300, first = 0, maxElements = 8, progress = 50;
  bool mappingReport = false;

  /// Takes option `a` with value `v` if it is one of these: its validity,
  /// or nullopt for an option of the classifier's own.
  std::optional<bool> take(const std::string &a, const char *v) {
    using xpu::examples::parseUnsigned;
    if (a == "--model") modelPath = v;
    else if (a == "--chip") chipPath = v;
    else if (a == "--data") dataDir = v;
    else if (a == "--stats") statsPath = v;
    else if (a == "--heatmap") heatmapPrefix = v;
    else if (a == "--trace") tracePath = v;
    else if (a == "--images") return parseUnsigned(v, images) && images > 0;
    else if (a == "--first") return parseUnsigned(v, first);
    else if (a == "--max-elements-per-core") return parseUnsigned(v, maxElements);
    else if (a == "--progress") return parseUnsigned(v, progress);
    else return std::nullopt;
    return true;
  }

  /// The directory of the model file ("." for a bare file name): the
  /// statistics go next to the model by default.
  std::string modelDir() const {
    const size_t slash = modelPath.rfind('/');
    return slash == std::string::npos ? "." : modelPath.substr(0, slash);
  }
};

} // namespace fmnist
