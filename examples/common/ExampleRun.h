// Running shared by the examples: an emulator device with the compiled
// executable loaded, and the check of every emulated step against the
// reference executor.
#pragma once

#include "compiler/lib/Driver/Driver.h"

#include "xpu/Device.h"
#include "xpu/Executable.h"
#include "xpu/compiler/ReferenceExecutor.h"
#include "xpu/emu/EmulatorBackend.h"

#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace xpu::examples {

/// A Device on a new SystemC emulator backend with `exe` loaded. SystemC
/// elaborates once per process: a later device of the same mesh size reuses
/// it. Prints the error and returns nullptr if loading fails.
inline std::unique_ptr<Device> loadOnEmulator(const Executable &exe) {
  auto device = std::make_unique<Device>(std::make_unique<emu::EmulatorBackend>());
  if (auto err = device->load(exe)) {
    std::cerr << err->message << "\n";
    return nullptr;
  }
  return device;
}

/// Steps `reference` on `input` and compares the result with `emulated`
/// (the device's outputs of that step). A difference is printed as
/// "<program>: error: <what>: the emulator differs ..." and counted in
/// `failures`; returns false (after printing it) if the reference fails.
inline bool checkStep(const char *program, const std::string &what, graph::ReferenceExecutor &reference,
                      const graph::Values &input, const std::vector<graph::Values> &emulated, uint32_t &failures) {
  auto expected = reference.step(input);
  if (!expected) {
    std::cerr << program << ": error: reference executor: " << expected.error().message << "\n";
    return false;
  }
  const std::string diff = driver::compareOutputs({*expected}, emulated);
  if (!diff.empty()) {
    std::cerr << program << ": error: " << what << ": the emulator differs from the reference executor: " << diff
              << "\n";
    ++failures;
  }
  return true;
}

} // namespace xpu::examples
