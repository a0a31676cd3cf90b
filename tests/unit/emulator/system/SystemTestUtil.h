// Helpers of the system tests: chips, in-process assembly, devices.
#pragma once

#include "xpu/Assembler.h"
#include "xpu/ChipDescriptor.h"
#include "xpu/Device.h"
#include "xpu/emu/EmulatorBackend.h"
#include "xpu/emu/Mesh.h"

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace xpu::test {

inline ChipDescriptor chip(uint32_t width, uint32_t height) {
  ChipDescriptor c;
  c.width = width;
  c.height = height;
  return c;
}

inline std::string readSource(const std::string &relative) {
  std::ifstream in(std::string(XPU_SOURCE_DIR) + "/" + relative);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Assembles `source`; fails the test (and returns an empty Executable) on
/// error.
inline Executable assembleOrFail(const std::string &source, const ChipDescriptor &c,
                                 const std::string &name = "test.s") {
  auto exe = assemble(source, name, c);
  EXPECT_TRUE(bool(exe)) << (exe ? "" : exe.error().message);
  return exe ? *exe : Executable{};
}

/// A device on the emulator with `exe` loaded. Skips the test when this
/// process already elaborated a mesh of another size (several tests run in
/// one process only when the binary is run by hand).
struct Loaded {
  std::unique_ptr<Device> device;
  emu::EmulatorBackend *backend = nullptr;
  bool skipped = false;
  Device &operator*() { return *device; }
  Device *operator->() { return device.get(); }
  emu::Mesh &mesh() { return *backend->mesh(); }
};

inline Loaded load(const Executable &exe, BackendOptions options = {}) {
  Loaded l;
  auto backend = std::make_unique<emu::EmulatorBackend>(options);
  l.backend = backend.get();
  l.device = std::make_unique<Device>(std::move(backend));
  if (auto err = l.device->load(exe)) {
    if (err->message.find("elaborates once per process") != std::string::npos)
      l.skipped = true;
    else
      ADD_FAILURE() << err->message;
    l.device.reset();
  }
  return l;
}

#define XPU_LOAD_OR_SKIP(var, exe, ...)                                        \
  auto var = ::xpu::test::load(exe, ##__VA_ARGS__);                            \
  if (var.skipped)                                                             \
    GTEST_SKIP() << "needs its own process (another mesh size was elaborated)"; \
  ASSERT_TRUE(var.device)

inline int64_t output1(Device &d, const std::string &name) {
  auto v = d.readOutput(name);
  EXPECT_TRUE(bool(v)) << (v ? "" : v.error().message);
  return v && !v->empty() ? (*v)[0] : INT64_MIN;
}

} // namespace xpu::test
