// Fashion-MNIST for the examples: the gzip'd IDX files of Debian's
// dataset-fashion-mnist package, read with zlib, and the input mapping of
// the fixed-point profile (pixel 0..255 -> i8 0..127) shared by the trainer
// and the classifier so that both feed the model the same integers.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fmnist {

inline constexpr const char *kDefaultDataDir = "/usr/share/datasets/fashion-mnist";
inline constexpr uint32_t kPixels = 28 * 28;
inline constexpr uint32_t kClasses = 10;
inline constexpr const char *kClassNames[kClasses] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                      "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

struct Split {
  std::vector<uint8_t> images; // [count][784], row-major pixels 0..255
  std::vector<uint8_t> labels; // [count], 0..9
  uint32_t count = 0;
  const uint8_t *image(uint32_t i) const { return images.data() + size_t(i) * kPixels; }
};

/// The model's input integer for a pixel: i8 0..127.
inline int32_t quantisePixel(uint8_t p) { return int32_t(p >> 1); }

namespace detail {

inline std::optional<std::vector<uint8_t>> readGzip(const std::string &path, std::string &error) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) {
    error = path + ": error: cannot open (install the Debian package dataset-fashion-mnist, or pass --data DIR)";
    return std::nullopt;
  }
  std::vector<uint8_t> out;
  uint8_t buf[1 << 16];
  for (;;) {
    int n = gzread(f, buf, sizeof buf);
    if (n < 0) {
      int code = 0;
      error = path + ": error: gzip: " + gzerror(f, &code);
      gzclose(f);
      return std::nullopt;
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  gzclose(f);
  return out;
}

inline uint32_t be32(const uint8_t *p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

/// An IDX file of unsigned bytes with `dims` dimensions; returns the payload
/// and the first dimension.
inline std::optional<std::vector<uint8_t>> readIdx(const std::string &path, uint32_t dims,
                                                   const std::vector<uint32_t> &innerDims, uint32_t &count,
                                                   std::string &error) {
  auto bytes = readGzip(path, error);
  if (!bytes) return std::nullopt;
  size_t header = 4 + 4 * size_t(dims);
  if (bytes->size() < header || (*bytes)[0] != 0 || (*bytes)[1] != 0 || (*bytes)[2] != 0x08 ||
      (*bytes)[3] != dims) {
    error = path + ": error: not an IDX file of " + std::to_string(dims) + "-dimensional unsigned bytes";
    return std::nullopt;
  }
  count = be32(bytes->data() + 4);
  size_t elements = count;
  for (uint32_t d = 1; d < dims; ++d) {
    uint32_t n = be32(bytes->data() + 4 + 4 * d);
    if (n != innerDims[d - 1]) {
      error = path + ": error: dimension " + std::to_string(d) + " is " + std::to_string(n) + ", expected " +
              std::to_string(innerDims[d - 1]);
      return std::nullopt;
    }
    elements *= n;
  }
  if (bytes->size() != header + elements) {
    error = path + ": error: " + std::to_string(bytes->size() - header) + " payload bytes, expected " +
            std::to_string(elements);
    return std::nullopt;
  }
  return std::vector<uint8_t>(bytes->begin() + long(header), bytes->end());
}

} // namespace detail

/// Loads "train" or "t10k" from `dir`. On error returns nullopt and sets
/// `error` to "<file>: error: <what>".
inline std::optional<Split> loadSplit(const std::string &dir, const std::string &name, std::string &error) {
  Split s;
  uint32_t nImages = 0, nLabels = 0;
  auto images = detail::readIdx(dir + "/" + name + "-images-idx3-ubyte.gz", 3, {28, 28}, nImages, error);
  if (!images) return std::nullopt;
  auto labels = detail::readIdx(dir + "/" + name + "-labels-idx1-ubyte.gz", 1, {}, nLabels, error);
  if (!labels) return std::nullopt;
  if (nImages != nLabels) {
    error = dir + "/" + name + ": error: " + std::to_string(nImages) + " images but " + std::to_string(nLabels) +
            " labels";
    return std::nullopt;
  }
  for (uint8_t l : *labels)
    if (l >= kClasses) {
      error = dir + "/" + name + "-labels-idx1-ubyte.gz: error: label " + std::to_string(l) + " out of range";
      return std::nullopt;
    }
  s.images = std::move(*images);
  s.labels = std::move(*labels);
  s.count = nImages;
  return s;
}

/// Index of the largest value, the smallest index on ties (as `vargmax`).
template <typename T> uint32_t argmax(const T *v, uint32_t n) {
  uint32_t best = 0;
  for (uint32_t i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return best;
}

} // namespace fmnist
