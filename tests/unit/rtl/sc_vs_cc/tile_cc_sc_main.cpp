// --cc vs --sc speed of the whole tile, driver (b): the --cc model hosted
// the way the SystemC emulator hosts its tiles: one SC_METHOD per tile on
// the sc_clock's edges calling eval() on the model's plain port arrays.
// Falling edge: host inputs, eval, publish the link outputs; rising edge:
// take the neighbours' published link outputs (written only at the falling
// edge, so the methods' order within a delta does not matter), eval.
#include "Vxpu_tile.h"
#include "Vxpu_tile___024root.h" // the SRAM, for the end state
#include "tile_workload.h"
#include "verilated.h"

#include <memory>
#include <systemc.h>

using namespace tile_bench;

SC_MODULE(CcTile) {
  sc_in<bool> clk;
  Vxpu_tile m;
  const Workload &w;
  const uint32_t i;
  std::vector<CcTile *> *mesh = nullptr;
  uint64_t step = 0;                // host steps, then chip cycles
  uint32_t linkOut[9] = {}, creditOut = 0;  // published at the falling edge
  bool live = false;                // running or blocked after the last rising edge

  void edge() {
    if (!clk.read()) {
      const HostInputs in = w.host(i, step);
      m.rst_ni = in.rstN;
      m.ld_we_i = in.ldWe;
      m.ld_imem_i = in.ldImem;
      m.ld_addr_i = in.ldAddr;
      m.ld_data_i = in.ldData;
      m.boot_i = in.boot;
      m.boot_pc_i = in.bootPc;
      m.cycle_i = step < w.hostSteps() ? 0 : uint32_t(step - w.hostSteps());
      m.clk_i = 0;
      m.eval();
      std::copy(m.link_out_o.data(), m.link_out_o.data() + 9, linkOut);
      creditOut = m.link_credit_o;
      return;
    }
    for (unsigned p = 1; p <= 4; ++p) {
      const int j = w.neighbour(i, p);
      if (j < 0)
        continue;
      const CcTile &n = *(*mesh)[j];
      const unsigned q = Workload::opposite(p);  // n's port towards this tile
      copyLink(n.linkOut, q, m.link_in_i.data(), p);
      m.link_credit_i = uint16_t(copyCredit(n.creditOut, q, m.link_credit_i, p));
    }
    m.clk_i = 1;
    m.eval();
    live = m.state_o == kRunning || m.state_o == kBlocked;
    ++step;
  }

  CcTile(sc_module_name name, VerilatedContext *ctx, const Workload &wl, uint32_t index)
      : sc_module(name), m(ctx, "tile"), w(wl), i(index) {
    m.core_id_i = uint16_t(w.coreId(i));
    m.x_i = uint8_t(i % w.width);
    m.y_i = uint8_t(i / w.width);
    m.image_count_i = w.imageCount;
    m.code_len_i = w.codeLen[i];
    m.rst_ni = 1;
    m.eval();
    SC_METHOD(edge);
    sensitive << clk;
    dont_initialize();
  }
  SC_HAS_PROCESS(CcTile);
};

// Stops the simulation at the first falling edge after a chip cycle that
// left no core running or blocked.
SC_MODULE(Monitor) {
  sc_in<bool> clk;
  const Workload &w;
  std::vector<CcTile *> &mesh;
  uint64_t step = 0, cycles = 0;
  void check() {
    if (step > w.hostSteps()) {
      cycles = step - w.hostSteps();
      bool any = false;
      for (const CcTile *t : mesh)
        any |= t->live;
      if (!any || cycles >= kMaxCycles)
        sc_stop();
    }
    ++step;
  }
  Monitor(sc_module_name name, const Workload &wl, std::vector<CcTile *> &m)
      : sc_module(name), w(wl), mesh(m) {
    SC_METHOD(check);
    sensitive << clk.neg();
    dont_initialize();
  }
  SC_HAS_PROCESS(Monitor);
};

int sc_main(int argc, char **argv) {
  const Workload w = loadWorkload(argc, argv);
  VerilatedContext ctx;
  const sc_time period(10, SC_NS);
  sc_clock clk("clk", period, 0.5, SC_ZERO_TIME, false);  // step k falls at k * period
  std::vector<CcTile *> mesh;
  std::vector<std::unique_ptr<CcTile>> own;
  for (uint32_t i = 0; i < w.tiles(); ++i) {
    own.push_back(std::make_unique<CcTile>(("t" + std::to_string(i)).c_str(), &ctx, w, i));
    own.back()->clk(clk);
    own.back()->mesh = &mesh;
    mesh.push_back(own.back().get());
  }
  Monitor mon("monitor", w, mesh);
  mon.clk(clk);
  sc_start(period * double(w.hostSteps()) - sc_time(2, SC_NS));  // the host steps
  Timer timer;
  timer.start();
  sc_start();
  timer.report("cc-sc-method", w, mon.cycles);
  std::printf("cycles %llu\n", (unsigned long long)mon.cycles);
  for (uint32_t i = 0; i < w.tiles(); ++i) {
    const Vxpu_tile &m = mesh[i]->m;
    printEndState(w.coreId(i), m.state_o, m.pc_o, m.fault_o,
                  m.rootp->xpu_tile__DOT__u_cn__DOT__u_core__DOT__sram_q, kSramBytes);
  }
  return 0;
}
