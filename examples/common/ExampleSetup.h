// Start-up shared by the examples: the target chip and the output directory.
#pragma once

#include "xpu/ChipDescriptor.h"

#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <system_error>

namespace xpu::examples {

/// Loads the chip descriptor at `chipPath` and creates `outDir`; prints the
/// error (with the file name) and returns nullopt if either fails.
inline std::optional<ChipDescriptor> loadChipAndOutputDir(const std::string &chipPath, const std::string &outDir) {
  auto chip = loadChipDescriptor(chipPath);
  if (!chip) {
    std::cerr << chip.error().message << "\n";
    return std::nullopt;
  }
  std::error_code ec;
  std::filesystem::create_directories(outDir, ec);
  if (ec) {
    std::cerr << outDir << ": error: cannot create the directory: " << ec.message() << "\n";
    return std::nullopt;
  }
  return *chip;
}

} // namespace xpu::examples
