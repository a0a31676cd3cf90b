// The host port of a Verilated RTL tile (docs/rtl.md "Load and host
// access"), shared by the core + NI adapter (RtlCoreNi.h, model
// xpu_tile_core_ni) and the whole-tile adapter (RtlWholeTile.h, model
// xpu_tile): both tops have the xpu_core identity, reset, loader, boot and
// policy ports. Every access is one clock edge of that tile alone, outside
// chip time.
#pragma once

#include "xpu/ChipDescriptor.h"
#include "xpu/Executable.h"
#include "xpu/rtl/BootRom.h"

#include <cstddef>
#include <cstdint>

namespace xpu::rtl {

/// One clock edge outside chip time (clk ends low).
template <class Model> void hostEdge(Model &m) {
  m.clk_i = 0;
  m.eval();
  m.clk_i = 1;
  m.eval();
  m.clk_i = 0;
}

/// Identity straps of tile `id`, then a real falling edge of the
/// asynchronous reset.
template <class Model> void resetTile(Model &m, const ChipDescriptor &chip, uint32_t id) {
  m.core_id_i = uint16_t(id);
  m.x_i = uint8_t(chip.coreX(id));
  m.y_i = uint8_t(chip.coreY(id));
  m.clk_i = 0;
  m.rst_ni = 1;
  m.eval();
  m.rst_ni = 0;
  m.eval();
  m.rst_ni = 1;
  m.eval();
}

/// The chip-service straps of tile `id`: the image count and the multicast
/// groups it is the source of (ids below 64).
template <class Model> void strapChipServices(Model &m, const Executable &exe, uint32_t id) {
  m.image_count_i = uint32_t(exe.images.size());
  uint64_t src = 0;
  for (const MulticastGroup &g : exe.multicastGroups)
    if (g.source == id && g.id < 64)
      src |= uint64_t(1) << g.id;
  m.mc_source_i = src;
}

/// Writes the non-zero entries of a router's multicast table (`row`: the
/// output-port mask of each group id), one host edge each.
template <class Model, class Row> void multicastTableEdges(Model &m, const Row &row) {
  for (uint32_t g = 0; g < row.size(); ++g)
    if (row[g]) {
      m.mc_we_i = 1;
      m.mc_addr_i = g;
      m.mc_mask_i = row[g];
      hostEdge(m);
      m.mc_we_i = 0;
    }
}

/// One loader-port write (instruction or 8-byte SRAM word).
template <class Model> void loaderEdge(Model &m, const LoaderWord &w) {
  m.ld_we_i = 1;
  m.ld_imem_i = w.imem;
  m.ld_addr_i = w.addr;
  m.ld_data_i = w.data;
  hostEdge(m);
  m.ld_we_i = 0;
}

template <class Model> void policyEdge(Model &m, uint32_t mailbox, MailboxPolicy policy) {
  m.policy_we_i = 1;
  m.policy_idx_i = uint8_t(mailbox);
  m.policy_i = uint8_t(policy);
  hostEdge(m);
  m.policy_we_i = 0;
}

/// Streams an image through the loader port and sets its code length.
template <class Model> void loadImage(Model &m, const ProgramImage &img) {
  for (const LoaderWord &w : imageWords(img))
    loaderEdge(m, w);
  m.code_len_i = uint32_t(img.code.size());
}

/// Raises boot_i for one host edge: the first instruction issues in the
/// next chip cycle.
template <class Model> void bootEdge(Model &m, uint32_t pc, uint32_t arg = 0) {
  m.boot_i = 1;
  m.boot_pc_i = pc;
  m.boot_arg_i = arg;
  hostEdge(m);
  m.boot_i = 0;
}

/// Host SRAM write through the loader port: one edge per 8-byte word, the
/// bytes outside [address, address + size) read back from `sram` (the
/// model's SRAM array).
template <class Model, class Sram>
void writeSramWords(Model &m, const Sram &sram, uint32_t address, const uint8_t *data,
                    size_t size) {
  for (uint32_t w = address / 8; size && w < uint32_t((uint64_t(address) + size + 7) / 8); ++w) {
    uint64_t v = 0;
    for (uint32_t j = 0; j < 8; ++j) {
      const uint64_t a = uint64_t(w) * 8 + j;
      const uint8_t b = a >= address && a < address + size ? data[a - address] : sram[a];
      v |= uint64_t(b) << (8 * j);
    }
    loaderEdge(m, LoaderWord{false, w, v});
  }
}

} // namespace xpu::rtl
