// --cc vs --sc speed of the whole tile, driver (a): the --cc model driven by
// a plain C++ loop, two eval() per cycle (the shape of RtlMesh): falling
// edge with the host inputs, links to the neighbours, rising edge.
#include "Vxpu_tile.h"
#include "Vxpu_tile___024root.h" // the SRAM, for the end state
#include "tile_workload.h"
#include "verilated.h"

#include <memory>

using namespace tile_bench;

int main(int argc, char **argv) {
  const Workload w = loadWorkload(argc, argv);
  VerilatedContext ctx;
  std::vector<std::unique_ptr<Vxpu_tile>> tiles;
  for (uint32_t i = 0; i < w.tiles(); ++i) {
    tiles.push_back(std::make_unique<Vxpu_tile>(&ctx));
    Vxpu_tile &m = *tiles.back();
    m.core_id_i = uint16_t(w.coreId(i));
    m.x_i = uint8_t(i % w.width);
    m.y_i = uint8_t(i / w.width);
    m.image_count_i = w.imageCount;
    m.code_len_i = w.codeLen[i];
    m.rst_ni = 1;
    m.eval();
  }
  // One clock cycle of every tile; `step` < hostSteps() is a host step.
  auto cycle = [&](uint64_t step) {
    const bool host = step < w.hostSteps();
    for (uint32_t i = 0; i < w.tiles(); ++i) {
      Vxpu_tile &m = *tiles[i];
      const HostInputs in = w.host(i, step);
      m.rst_ni = in.rstN;
      m.ld_we_i = in.ldWe;
      m.ld_imem_i = in.ldImem;
      m.ld_addr_i = in.ldAddr;
      m.ld_data_i = in.ldData;
      m.boot_i = in.boot;
      m.boot_pc_i = in.bootPc;
      m.cycle_i = host ? 0 : uint32_t(step - w.hostSteps());
      m.clk_i = 0;
      m.eval();
    }
    for (uint32_t i = 0; i < w.tiles(); ++i)
      for (unsigned p = 1; p <= 4; ++p) {
        const int j = w.neighbour(i, p);
        if (j < 0)
          continue;
        Vxpu_tile &a = *tiles[i], &b = *tiles[j];
        const unsigned q = Workload::opposite(p);  // b's port towards a
        copyLink(a.link_out_o.data(), p, b.link_in_i.data(), q);
        b.link_credit_i = uint16_t(copyCredit(a.link_credit_o, p, b.link_credit_i, q));
      }
    for (auto &m : tiles) {
      m->clk_i = 1;
      m->eval();
    }
  };
  auto live = [&] {
    for (auto &m : tiles)
      if (m->state_o == kRunning || m->state_o == kBlocked)
        return true;
    return false;
  };
  uint64_t step = 0;
  for (; step < w.hostSteps(); ++step)
    cycle(step);
  Timer timer;
  timer.start();
  uint64_t cycles = 0;
  do {
    cycle(step++);
    ++cycles;
  } while (live() && cycles < kMaxCycles);
  timer.report("cc-loop", w, cycles);
  std::printf("cycles %llu\n", (unsigned long long)cycles);
  for (uint32_t i = 0; i < w.tiles(); ++i) {
    const Vxpu_tile &m = *tiles[i];
    printEndState(w.coreId(i), m.state_o, m.pc_o, m.fault_o,
                  m.rootp->xpu_tile__DOT__u_cn__DOT__u_core__DOT__sram_q, kSramBytes);
  }
  return 0;
}
