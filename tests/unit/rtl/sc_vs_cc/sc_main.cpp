// --cc vs --sc speed of xpu_router: the --sc driver (run.sh builds it).
#include "Vxpu_router.h"
#include "verilated.h"
#include "stim.h"
#include <systemc.h>
#include <chrono>
#include <cstdio>
SC_MODULE(Driver) {
  sc_in<bool> clk;
  sc_in<sc_bv<350>> out; sc_in<uint32_t> credit_o;
  sc_out<sc_bv<350>> in; sc_out<uint32_t> credit_i;
  Stim s;
  void tick() {
    uint32_t o[11], i[11] = {}; sc_bv<350> ob = out.read();
    for (int k = 0; k < 11; ++k) o[k] = ob.get_word(k);
    uint32_t ci; s.step(o, credit_o.read(), i, ci);
    sc_bv<350> ib; for (int k = 0; k < 11; ++k) ib.set_word(k, i[k]);
    in.write(ib); credit_i.write(ci);
  }
  SC_CTOR(Driver) { SC_METHOD(tick); sensitive << clk.neg(); dont_initialize(); }
};
int sc_main(int, char **) {
  sc_clock clk("clk", 10, SC_NS);
  sc_signal<bool> rst, we; sc_signal<uint32_t> x, y, addr, mask, co, ci, err;
  sc_signal<sc_bv<350>> in, out;
  Vxpu_router m("router"); Driver d("driver");
  m.clk_i(clk); m.rst_ni(rst); m.x_i(x); m.y_i(y); m.mc_we_i(we); m.mc_addr_i(addr); m.mc_mask_i(mask);
  m.in_i(in); m.credit_o(co); m.out_o(out); m.credit_i(ci); m.err_o(err);
  d.clk(clk); d.out(out); d.credit_o(co); d.in(in); d.credit_i(ci);
  x = 1; y = 1; rst = 0; sc_start(20, SC_NS); rst = 1;
  const uint64_t N = 2000000;
  auto t0 = std::chrono::steady_clock::now();
  sc_start(double(N) * 10, SC_NS);
  double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("--sc: %llu cycles in %.2f s = %.0f cycles/s, %llu flits\n", (unsigned long long)N, sec, N / sec, (unsigned long long)d.s.flits);
  return 0;
}
