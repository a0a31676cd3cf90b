// NumPy .npy reader/writer for integer weight tensors.
// Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
#include "xpu/compiler/Npy.h"
#include "xpu/FileIO.h"

#include <cstring>
#include <fstream>
#include <iterator>

namespace xpu::graph {
namespace {

/// Value of `key` in the header dict, e.g. 'descr': '<i1' -> "<i1".
std::string dictValue(const std::string &h, const std::string &key) {
  size_t k = h.find("'" + key + "'");
  if (k == std::string::npos) return {};
  size_t colon = h.find(':', k);
  if (colon == std::string::npos) return {};
  size_t b = h.find_first_not_of(" ", colon + 1);
  if (b == std::string::npos) return {};
  if (h[b] == '\'') {
    size_t e = h.find('\'', b + 1);
    return e == std::string::npos ? std::string() : h.substr(b + 1, e - b - 1);
  }
  if (h[b] == '(') {
    size_t e = h.find(')', b);
    return e == std::string::npos ? std::string() : h.substr(b, e - b + 1);
  }
  size_t e = h.find_first_of(",}", b);
  return h.substr(b, e - b);
}

} // namespace

Expected<NpyArray> loadNpy(const std::string &path) {
  auto bytes = readFileBytes(path);
  if (!bytes) return Error{"cannot open '" + path + "'"};
  const std::vector<uint8_t> &b = *bytes;
  auto fail = [&](const std::string &m) { return Error{"'" + path + "': " + m}; };
  if (b.size() < 10 || std::memcmp(b.data(), "\x93NUMPY", 6) != 0) return fail("not a .npy file (bad magic)");
  const unsigned major = b[6];
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = b[8] | size_t(b[9]) << 8;
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (b.size() < 12) return fail("truncated header");
    headerLen = b[8] | size_t(b[9]) << 8 | size_t(b[10]) << 16 | size_t(b[11]) << 24;
    headerStart = 12;
  } else {
    return fail("unsupported .npy version " + std::to_string(major));
  }
  if (headerStart + headerLen > b.size()) return fail("truncated header");
  const std::string h(b.begin() + long(headerStart), b.begin() + long(headerStart + headerLen));
  std::string descr = dictValue(h, "descr");
  if (dictValue(h, "fortran_order").find("True") != std::string::npos)
    return fail("Fortran-order arrays are not supported (save with C order)");
  if (descr.size() < 3) return fail("missing dtype");
  const char order = descr[0];
  NpyArray arr;
  arr.dtype = descr.substr(1);
  if (order == '>' && arr.dtype != "i1" && arr.dtype != "u1") return fail("big-endian data is not supported");
  const char kind = arr.dtype[0];
  if (kind == 'f') return fail("has float dtype " + arr.dtype + "; integer weights are expected (quantise first)");
  if ((kind != 'i' && kind != 'u') || arr.dtype.size() != 2) return fail("unsupported dtype '" + descr + "'");
  const unsigned width = unsigned(arr.dtype[1] - '0');
  if (width != 1 && width != 2 && width != 4 && width != 8) return fail("unsupported dtype '" + descr + "'");
  std::string shape = dictValue(h, "shape");
  if (shape.empty()) return fail("missing shape");
  int64_t count = 1;
  for (size_t i = 1; i < shape.size();) {
    size_t e = shape.find_first_of(",)", i);
    std::string tok = shape.substr(i, e - i);
    size_t s = tok.find_first_not_of(' ');
    if (s != std::string::npos) {
      tok = tok.substr(s);
      int64_t d = 0;
      for (char c : tok) {
        if (c == ' ' || c == 'L') break;
        if (c < '0' || c > '9' || d > (int64_t(1) << 40)) return fail("bad shape " + shape);
        d = d * 10 + (c - '0');
      }
      arr.shape.push_back(d);
      count *= d;
      if (count > (int64_t(1) << 34)) return fail("array too large");
    }
    if (e == std::string::npos || shape[e] == ')') break;
    i = e + 1;
  }
  const size_t dataStart = headerStart + headerLen;
  if (uint64_t(count) * width > b.size() - dataStart)
    return fail("truncated data: expected " + std::to_string(count * width) + " bytes, file has " +
                std::to_string(b.size() - dataStart));
  arr.values.reserve(size_t(count));
  for (int64_t i = 0; i < count; ++i) {
    uint64_t u = 0;
    for (unsigned k = 0; k < width; ++k) u |= uint64_t(b[dataStart + size_t(i) * width + k]) << (8 * k);
    int64_t v;
    if (kind == 'u' || width == 8) v = int64_t(u);
    else v = int64_t(u << (64 - 8 * width)) >> (64 - 8 * width);
    if (kind == 'u' && width == 8 && int64_t(u) < 0) return fail("u8 value does not fit int64");
    arr.values.push_back(v);
  }
  return arr;
}

std::optional<Error> saveNpy(const std::string &path, const std::string &dtype, const std::vector<int64_t> &shape,
                             const std::vector<int64_t> &values) {
  unsigned width = dtype == "i1" ? 1 : dtype == "i4" ? 4 : 0;
  if (!width) return Error{"saveNpy: unsupported dtype " + dtype};
  std::string shapeText = "(";
  for (int64_t d : shape) shapeText += std::to_string(d) + ",";
  if (shape.size() > 1) shapeText.pop_back();
  shapeText += ")";
  std::string header = "{'descr': '<" + dtype + "', 'fortran_order': False, 'shape': " + shapeText + ", }";
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out) return Error{"cannot write '" + path + "'"};
  out.write("\x93NUMPY\x01\x00", 8);
  char len[2] = {char(header.size() & 0xFF), char(header.size() >> 8)};
  out.write(len, 2);
  out.write(header.data(), std::streamsize(header.size()));
  for (int64_t v : values)
    for (unsigned k = 0; k < width; ++k) out.put(char(uint64_t(v) >> (8 * k)));
  return out ? std::nullopt : std::optional<Error>(Error{"write failed: '" + path + "'"});
}

} // namespace xpu::graph
