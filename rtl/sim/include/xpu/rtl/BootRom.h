// The host as the tiles' boot ROM (docs/rtl.md "Boot ROM is the host"),
// shared by the all-RTL mesh driver and the mixed mesh: an image becomes
// loader words (code, then 8-byte SRAM words), streamed one per cycle
// through a tile's loader port; boot_i rises at the end of the model's boot
// time, so the first instruction issues when the model's would.
#pragma once

#include "xpu/Executable.h"

#include <cstdint>
#include <deque>
#include <map>
#include <stdexcept>
#include <vector>

namespace xpu::rtl {

struct LoaderWord {
  bool imem = false;
  uint32_t addr = 0;   // instruction index, or SRAM address / 8
  uint64_t data = 0;
};

/// Code words, then the data segments packed into aligned 8-byte words.
inline std::vector<LoaderWord> imageWords(const ProgramImage &img) {
  std::vector<LoaderWord> out;
  for (uint32_t i = 0; i < img.code.size(); ++i) out.push_back({true, i, img.code[i]});
  std::map<uint32_t, uint64_t> words;
  for (const DataSegment &seg : img.data)
    for (uint32_t j = 0; j < seg.bytes.size(); ++j) {
      const uint32_t a = seg.address + j;
      uint64_t &w = words[a / 8];
      w &= ~(uint64_t(0xFF) << (8 * (a % 8)));
      w |= uint64_t(seg.bytes[j]) << (8 * (a % 8));
    }
  for (const auto &[addr, v] : words) out.push_back({false, addr, v});
  return out;
}

/// A spawn boot in progress on one tile.
struct BootRom {
  bool booting = false;
  std::deque<LoaderWord> words;
  uint64_t bootCycle = 0;  // the cycle boot_i is high
  uint32_t bootPc = 0, bootArg = 0, codeLen = 0;

  /// A spawn accepted at cycle `t`: the model boots the image
  /// 16 + code + ceil(data / 8) cycles later.
  void start(const ProgramImage &image, uint32_t arg, uint64_t t) {
    uint64_t dataBytes = 0;
    for (const DataSegment &seg : image.data) dataBytes += seg.bytes.size();
    const uint64_t bootCycles = 16 + image.code.size() + (dataBytes + 7) / 8;
    const std::vector<LoaderWord> w = imageWords(image);
    if (w.size() + 1 > bootCycles) throw std::runtime_error("spawn image does not fit the boot window");
    words.assign(w.begin(), w.end());
    bootCycle = t + bootCycles - 1;
    bootPc = image.entry;
    bootArg = arg;
    codeLen = uint32_t(image.code.size());
    booting = true;
  }

  /// Drives a tile model's loader and boot inputs for cycle `t` (before its
  /// eval); the model type has the xpu_core loader/boot port names.
  template <class Model> void drive(Model &m, uint64_t t) {
    m.ld_we_i = 0;
    m.boot_i = 0;
    if (!booting) return;
    if (!words.empty()) {
      const LoaderWord w = words.front();
      words.pop_front();
      m.ld_we_i = 1;
      m.ld_imem_i = w.imem;
      m.ld_addr_i = w.addr;
      m.ld_data_i = w.data;
    }
    if (t == bootCycle) {
      m.boot_i = 1;
      m.boot_pc_i = bootPc;
      m.boot_arg_i = bootArg;
      m.code_len_i = codeLen;
      booting = false;
    }
  }
};

} // namespace xpu::rtl
