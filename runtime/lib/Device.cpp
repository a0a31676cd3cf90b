// The host API: backend registry, I/O value conversion and Device.
#include "xpu/Device.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <mutex>

namespace xpu {

const char *runStatusName(RunStatus s) {
  switch (s) {
  case RunStatus::Halted: return "halted";
  case RunStatus::CyclesDone: return "cycles-done";
  case RunStatus::StepsDone: return "steps-done";
  case RunStatus::CycleLimit: return "cycle-limit";
  case RunStatus::Fault: return "fault";
  case RunStatus::Deadlock: return "deadlock";
  case RunStatus::Error: return "error";
  }
  return "?";
}

// ---------------------------------------------------------------- registry

namespace {
struct Registry {
  std::mutex mutex;
  std::map<std::string, BackendFactory> factories;
};
Registry &registry() {
  static Registry r;
  return r;
}
} // namespace

void registerBackend(const std::string &name, BackendFactory factory) {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.factories[name] = std::move(factory);
}

std::vector<std::string> registeredBackends() {
  Registry &r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<std::string> names;
  for (const auto &[name, f] : r.factories)
    names.push_back(name);
  return names;
}

Expected<std::unique_ptr<Backend>> openBackend(const std::string &name,
                                               const BackendOptions &options) {
  BackendFactory factory;
  {
    Registry &r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.factories.find(name);
    if (it != r.factories.end())
      factory = it->second;
  }
  if (!factory) {
    std::string known;
    for (const std::string &n : registeredBackends())
      known += (known.empty() ? "" : ", ") + n;
    return Error{"unknown backend '" + name + "' (available: " +
                 (known.empty() ? std::string("none") : known) + ")"};
  }
  return factory(options);
}

// ---------------------------------------------------------------- values

uint32_t dtypeBytes(const std::string &dtype) {
  if (dtype == "i8" || dtype == "u8") return 1;
  if (dtype == "i16") return 2;
  if (dtype == "i32") return 4;
  return 0;
}

namespace {
void dtypeRange(const std::string &dtype, int64_t &lo, int64_t &hi) {
  if (dtype == "i8") { lo = -128; hi = 127; }
  else if (dtype == "u8") { lo = 0; hi = 255; }
  else if (dtype == "i16") { lo = -32768; hi = 32767; }
  else { lo = INT32_MIN; hi = INT64_C(0xFFFFFFFF); } // i32: signed or its bit pattern
}
} // namespace

Expected<std::vector<uint8_t>> encodeValues(const IoBinding &b,
                                            const std::vector<int64_t> &values) {
  const uint32_t size = dtypeBytes(b.dtype);
  if (size == 0)
    return Error{"'" + b.name + "': unknown dtype '" + b.dtype + "'"};
  const uint64_t count = b.bytes / size;
  if (values.size() != count)
    return Error{"'" + b.name + "' expects " + std::to_string(count) + " " +
                 b.dtype + " values, got " + std::to_string(values.size())};
  int64_t lo, hi;
  dtypeRange(b.dtype, lo, hi);
  std::vector<uint8_t> bytes;
  bytes.reserve(b.bytes);
  for (size_t i = 0; i < values.size(); ++i) {
    const int64_t v = values[i];
    if (v < lo || v > hi)
      return Error{"'" + b.name + "': value " + std::to_string(v) + " at index " +
                   std::to_string(i) + " does not fit " + b.dtype + " (" +
                   std::to_string(lo) + ".." + std::to_string(hi) + ")"};
    for (uint32_t k = 0; k < size; ++k)
      bytes.push_back(uint8_t(uint64_t(v) >> (8 * k)));
  }
  return bytes;
}

std::vector<int64_t> decodeValues(const IoBinding &b,
                                  const std::vector<uint8_t> &bytes) {
  const uint32_t size = dtypeBytes(b.dtype);
  std::vector<int64_t> values;
  if (size == 0)
    return values;
  for (size_t i = 0; i + size <= bytes.size(); i += size) {
    uint32_t u = 0;
    for (uint32_t k = 0; k < size; ++k)
      u |= uint32_t(bytes[i + k]) << (8 * k);
    if (b.dtype == "i8") values.push_back(int8_t(u));
    else if (b.dtype == "u8") values.push_back(uint8_t(u));
    else if (b.dtype == "i16") values.push_back(int16_t(u));
    else values.push_back(int32_t(u));
  }
  return values;
}

Expected<std::vector<int64_t>> parseValueList(const std::string &text) {
  std::vector<int64_t> values;
  if (text.empty())
    return values;
  size_t pos = 0;
  while (true) {
    size_t end = text.find(',', pos);
    std::string item = text.substr(pos, end == std::string::npos ? std::string::npos
                                                                 : end - pos);
    // trim blanks
    const auto first = item.find_first_not_of(" \t");
    const auto last = item.find_last_not_of(" \t");
    item = first == std::string::npos ? "" : item.substr(first, last - first + 1);
    bool neg = false;
    std::string digits = item;
    if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
      neg = digits[0] == '-';
      digits = digits.substr(1);
    }
    int base = 10;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
      base = 16;
      digits = digits.substr(2);
    }
    const bool allDigits =
        !digits.empty() && std::all_of(digits.begin(), digits.end(), [&](char c) {
          return base == 16 ? std::isxdigit(static_cast<unsigned char>(c)) != 0
                            : (c >= '0' && c <= '9');
        });
    if (!allDigits || digits.size() > 16)
      return Error{"bad value '" + item + "' in list '" + text +
                   "' (expected integers separated by commas)"};
    errno = 0;
    const unsigned long long u = std::strtoull(digits.c_str(), nullptr, base);
    if (errno || u > (unsigned long long)INT64_MAX)
      return Error{"value '" + item + "' is out of range"};
    values.push_back(neg ? -int64_t(u) : int64_t(u));
    if (end == std::string::npos)
      break;
    pos = end + 1;
  }
  return values;
}

// ---------------------------------------------------------------- device

Device::Device(std::unique_ptr<Backend> backend) : backend_(std::move(backend)) {}

Expected<Device> Device::open(const std::string &backendName,
                              const BackendOptions &options) {
  auto backend = openBackend(backendName, options);
  if (!backend)
    return backend.error();
  return Device(std::move(*backend));
}

std::optional<Error> Device::load(const Executable &exe) {
  if (auto err = validateExecutable(exe))
    return err;
  if (auto err = backend_->load(exe))
    return err;
  exe_ = std::make_shared<Executable>(exe);
  return std::nullopt;
}

std::optional<Error> Device::loadFile(const std::string &path) {
  auto exe = loadExecutable(path);
  if (!exe)
    return exe.error();
  return load(*exe);
}

namespace {
const IoBinding *findBinding(const std::vector<IoBinding> &list,
                             const std::string &name) {
  for (const IoBinding &b : list)
    if (b.name == name)
      return &b;
  return nullptr;
}
Error unknownName(const char *kind, const std::string &name,
                  const std::vector<IoBinding> &list) {
  std::string known;
  for (const IoBinding &b : list)
    known += (known.empty() ? "" : ", ") + b.name;
  return Error{std::string("unknown ") + kind + " '" + name + "' (" + kind +
               "s: " + (known.empty() ? std::string("none") : known) + ")"};
}
} // namespace

const IoBinding *Device::findInput(const std::string &name) const {
  return exe_ ? findBinding(exe_->inputs, name) : nullptr;
}
const IoBinding *Device::findOutput(const std::string &name) const {
  return exe_ ? findBinding(exe_->outputs, name) : nullptr;
}

std::optional<Error> Device::writeInput(const std::string &name,
                                        const std::vector<uint8_t> &bytes) {
  if (!exe_)
    return Error{"no executable loaded"};
  const IoBinding *b = findInput(name);
  if (!b)
    return unknownName("input", name, exe_->inputs);
  if (bytes.size() != b->bytes)
    return Error{"input '" + name + "' expects " + std::to_string(b->bytes) +
                 " bytes (" + b->dtype + " x " +
                 std::to_string(dtypeBytes(b->dtype) ? b->bytes / dtypeBytes(b->dtype) : 0) +
                 "), got " + std::to_string(bytes.size())};
  return backend_->writeSram(b->core, b->address, bytes.data(), bytes.size());
}

std::optional<Error> Device::writeInputValues(const std::string &name,
                                              const std::vector<int64_t> &values) {
  if (!exe_)
    return Error{"no executable loaded"};
  const IoBinding *b = findInput(name);
  if (!b)
    return unknownName("input", name, exe_->inputs);
  auto bytes = encodeValues(*b, values);
  if (!bytes)
    return Error{"input " + bytes.error().message};
  return backend_->writeSram(b->core, b->address, bytes->data(), bytes->size());
}

Expected<std::vector<uint8_t>> Device::readOutputBytes(const std::string &name) const {
  if (!exe_)
    return Error{"no executable loaded"};
  const IoBinding *b = findOutput(name);
  if (!b)
    return unknownName("output", name, exe_->outputs);
  std::vector<uint8_t> bytes(b->bytes);
  if (auto err = backend_->readSram(b->core, b->address, bytes.data(), bytes.size()))
    return *err;
  return bytes;
}

Expected<std::vector<int64_t>> Device::readOutput(const std::string &name) const {
  auto bytes = readOutputBytes(name);
  if (!bytes)
    return bytes.error();
  return decodeValues(*findOutput(name), *bytes);
}

RunResult Device::notLoaded() const {
  RunResult r;
  r.status = RunStatus::Error;
  r.report = "no executable loaded";
  return r;
}

RunResult Device::runCycles(uint64_t cycles) {
  return exe_ ? backend_->runCycles(cycles) : notLoaded();
}
RunResult Device::runSteps(uint64_t steps, uint64_t maxCycles) {
  return exe_ ? backend_->runSteps(steps, maxCycles) : notLoaded();
}
RunResult Device::runUntilHalt(uint64_t maxCycles) {
  return exe_ ? backend_->runUntilHalt(maxCycles) : notLoaded();
}
nlohmann::json Device::stats() const { return backend_->stats(); }
std::string Device::statusReport() const { return backend_->statusReport(); }

} // namespace xpu
