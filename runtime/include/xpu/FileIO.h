// Reading whole files without exceptions: every tool's input goes through
// this, so a directory, an unreadable or a missing path is a clean error.
#pragma once

#include "xpu/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace xpu {

/// The file's bytes, or "<path>: error: <reason>".
Expected<std::vector<uint8_t>> readFileBytes(const std::string &path);
Expected<std::string> readFileText(const std::string &path);

} // namespace xpu
