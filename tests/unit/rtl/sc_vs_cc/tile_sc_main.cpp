// --cc vs --sc speed of the whole tile, driver (c): the --sc model (Verilator
// SystemC modules) on sc_signals and an sc_clock. The tile's link ports are
// packed (sc_bv<280>: four 70-bit links), so every tile has a glue method
// that assembles its link_in_i / link_credit_i from its neighbours' outputs;
// a host method on the falling edge drives the loader, boot and cycle
// inputs and stops the run.
#include "Vxpu_tile.h"
#include "Vxpu_tile___024root.h" // the SRAM, for the end state
#include "tile_workload.h"
#include "verilated.h"

#include <memory>
#include <systemc.h>

using namespace tile_bench;
using Link = sc_bv<4 * kLinkBits>;

/// One tile's signals (each output needs its own; constant inputs are shared).
struct TileSignals {
  sc_signal<uint32_t> coreId, x, y, codeLen, ldAddr, bootPc, creditIn, creditOut;
  sc_signal<bool> ldWe, ldImem, boot;
  sc_signal<uint64_t> ldData;
  sc_signal<Link> linkIn, linkOut;
  sc_signal<bool> barArrive, spawnReq, spawnPosted, spawnConsumed, halted, faulted, quiescent;
  sc_signal<uint32_t> state, block, fault, routerErr, spawnImage, spawnArg, pc;
};

/// Builds a tile's link inputs from its neighbours' link outputs.
SC_MODULE(LinkGlue) {
  const Workload &w;
  const uint32_t i;
  std::vector<std::unique_ptr<TileSignals>> &s;
  void update() {
    Link in;
    uint32_t credit = 0;
    for (unsigned p = 1; p <= 4; ++p) {
      const int j = w.neighbour(i, p);
      if (j < 0)
        continue;
      const unsigned q = Workload::opposite(p);  // j's port towards this tile
      in.range(p * kLinkBits - 1, (p - 1) * kLinkBits) =
          s[j]->linkOut.read().range(q * kLinkBits - 1, (q - 1) * kLinkBits);
      credit = copyCredit(s[j]->creditOut.read(), q, credit, p);
    }
    s[i]->linkIn.write(in);
    s[i]->creditIn.write(credit);
  }
  LinkGlue(sc_module_name name, const Workload &wl, uint32_t index,
           std::vector<std::unique_ptr<TileSignals>> &sig)
      : sc_module(name), w(wl), i(index), s(sig) {
    SC_METHOD(update);
    for (unsigned p = 1; p <= 4; ++p)
      if (const int j = w.neighbour(i, p); j >= 0)
        sensitive << s[j]->linkOut << s[j]->creditOut;
  }
  SC_HAS_PROCESS(LinkGlue);
};

/// The host on the falling edge: reset, loader words, boot, then cycle_i;
/// stops at the first falling edge after a chip cycle that left no core
/// running or blocked.
SC_MODULE(Host) {
  sc_in<bool> clk;
  sc_out<bool> rst;
  sc_out<uint32_t> cycle;
  const Workload &w;
  std::vector<std::unique_ptr<TileSignals>> &s;
  uint64_t step = 0, cycles = 0;
  void fall() {
    const uint64_t k = step++;
    if (k > w.hostSteps()) {
      cycles = k - w.hostSteps();
      bool live = false;
      for (const auto &t : s) {
        const uint32_t st = t->state.read();
        live |= st == kRunning || st == kBlocked;
      }
      if (!live || cycles >= kMaxCycles) {
        sc_stop();
        return;
      }
    }
    cycle.write(k < w.hostSteps() ? 0 : uint32_t(k - w.hostSteps()));
    if (k > w.hostSteps())
      return;  // host inputs idle from the first chip cycle on
    rst.write(k != 0);
    for (uint32_t i = 0; i < w.tiles(); ++i) {
      const HostInputs in = w.host(i, k);
      TileSignals &t = *s[i];
      t.ldWe.write(in.ldWe);
      t.ldImem.write(in.ldImem);
      t.ldAddr.write(in.ldAddr);
      t.ldData.write(in.ldData);
      t.boot.write(in.boot);
      t.bootPc.write(in.bootPc);
    }
  }
  Host(sc_module_name name, const Workload &wl, std::vector<std::unique_ptr<TileSignals>> &sig)
      : sc_module(name), w(wl), s(sig) {
    SC_METHOD(fall);
    sensitive << clk.neg();
    dont_initialize();
  }
  SC_HAS_PROCESS(Host);
};

int sc_main(int argc, char **argv) {
  const Workload w = loadWorkload(argc, argv);
  const sc_time period(10, SC_NS);
  sc_clock clk("clk", period, 0.5, SC_ZERO_TIME, false);  // step k falls at k * period
  sc_signal<bool> rst("rst", true), zeroBit("zero_bit", false);
  sc_signal<uint32_t> cycle("cycle", 0), zero("zero", 0), images("images", w.imageCount);
  sc_signal<uint64_t> zero64("zero64", 0);
  std::vector<std::unique_ptr<TileSignals>> s;
  std::vector<std::unique_ptr<Vxpu_tile>> tiles;
  std::vector<std::unique_ptr<LinkGlue>> glue;
  for (uint32_t i = 0; i < w.tiles(); ++i) {
    s.push_back(std::make_unique<TileSignals>());
    TileSignals &t = *s.back();
    t.coreId.write(w.coreId(i));
    t.x.write(i % w.width);
    t.y.write(i / w.width);
    t.codeLen.write(w.codeLen[i]);
  }
  for (uint32_t i = 0; i < w.tiles(); ++i) {
    TileSignals &t = *s[i];
    tiles.push_back(std::make_unique<Vxpu_tile>(("tile" + std::to_string(i)).c_str()));
    Vxpu_tile &m = *tiles.back();
    m.clk_i(clk);
    m.rst_ni(rst);
    m.core_id_i(t.coreId);
    m.x_i(t.x);
    m.y_i(t.y);
    m.cycle_i(cycle);
    m.link_in_i(t.linkIn);
    m.link_credit_o(t.creditOut);
    m.link_out_o(t.linkOut);
    m.link_credit_i(t.creditIn);
    m.ld_we_i(t.ldWe);
    m.ld_imem_i(t.ldImem);
    m.ld_addr_i(t.ldAddr);
    m.ld_data_i(t.ldData);
    m.boot_i(t.boot);
    m.boot_pc_i(t.bootPc);
    m.boot_arg_i(zero);
    m.code_len_i(t.codeLen);
    m.mc_we_i(zeroBit);
    m.mc_addr_i(zero);
    m.mc_mask_i(zero);
    m.policy_we_i(zeroBit);
    m.policy_idx_i(zero);
    m.policy_i(zero);
    m.mc_source_i(zero64);
    m.image_count_i(images);
    m.bar_arrive_o(t.barArrive);
    m.bar_release_i(zeroBit);
    m.timestep_i(zero);
    m.spawn_req_o(t.spawnReq);
    m.spawn_image_o(t.spawnImage);
    m.spawn_arg_o(t.spawnArg);
    m.spawn_posted_o(t.spawnPosted);
    m.spawn_consumed_o(t.spawnConsumed);
    m.state_o(t.state);
    m.block_o(t.block);
    m.halted_o(t.halted);
    m.faulted_o(t.faulted);
    m.fault_o(t.fault);
    m.pc_o(t.pc);
    m.quiescent_o(t.quiescent);
    m.router_err_o(t.routerErr);
    glue.push_back(std::make_unique<LinkGlue>(("glue" + std::to_string(i)).c_str(), w, i, s));
  }
  Host host("host", w, s);
  host.clk(clk);
  host.rst(rst);
  host.cycle(cycle);
  sc_start(period * double(w.hostSteps()) - sc_time(2, SC_NS));  // the host steps
  Timer timer;
  timer.start();
  sc_start();
  timer.report("sc-modules", w, host.cycles);
  std::printf("cycles %llu\n", (unsigned long long)host.cycles);
  for (uint32_t i = 0; i < w.tiles(); ++i)
    printEndState(w.coreId(i), s[i]->state.read(), s[i]->pc.read(), s[i]->fault.read(),
                  tiles[i]->rootp->xpu_tile__DOT__u_cn__DOT__u_core__DOT__sram_q, kSramBytes);
  return 0;
}
