// Whole-file reads with C stdio: no exceptions, and directories are refused.
#include "xpu/FileIO.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>

namespace xpu {

Expected<std::vector<uint8_t>> readFileBytes(const std::string &path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return Error{path + ": error: cannot open file: " + std::strerror(errno)};
  if (S_ISDIR(st.st_mode))
    return Error{path + ": error: is a directory"};
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return Error{path + ": error: cannot open file: " + std::strerror(errno)};
  std::vector<uint8_t> bytes;
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
    bytes.insert(bytes.end(), buf, buf + n);
  const bool failed = std::ferror(f);
  std::fclose(f);
  if (failed)
    return Error{path + ": error: read failed"};
  return bytes;
}

Expected<std::string> readFileText(const std::string &path) {
  auto bytes = readFileBytes(path);
  if (!bytes)
    return bytes.error();
  return std::string(bytes->begin(), bytes->end());
}

} // namespace xpu
