// A reader for NumPy .npy files (format 1.0-3.0, little-endian, C order):
// the weight files that actor graphs refer to.
#pragma once

#include "xpu/Error.h"

#include <cstdint>
#include <string>
#include <optional>
#include <vector>

namespace xpu::graph {

struct NpyArray {
  std::string dtype;            // numpy descr without byte order: "i1", "i4", ...
  std::vector<int64_t> shape;
  std::vector<int64_t> values;  // integer arrays only, widened
};

/// Reads an integer .npy array (i1, u1, i2, u2, i4, u4, i8). Errors say what
/// is wrong with the file (not found, bad magic, big-endian, Fortran order,
/// float data, truncated).
Expected<NpyArray> loadNpy(const std::string &path);

/// Writes an integer array (dtype "i1" or "i4"); for tests and exporters.
std::optional<Error> saveNpy(const std::string &path, const std::string &dtype,
                             const std::vector<int64_t> &shape,
                             const std::vector<int64_t> &values);

} // namespace xpu::graph
