// --cc vs --sc speed of xpu_router: the --cc driver (run.sh builds it).
#include "Vxpu_router.h"
#include "verilated.h"
#include "stim.h"
#include <chrono>
#include <cstdio>
int main() {
  VerilatedContext ctx; Vxpu_router m(&ctx);
  m.x_i = 1; m.y_i = 1; m.rst_ni = 0; m.clk_i = 0; m.eval(); m.clk_i = 1; m.eval(); m.clk_i = 0; m.rst_ni = 1; m.eval();
  Stim s; const uint64_t N = 2000000;
  auto t0 = std::chrono::steady_clock::now();
  for (uint64_t t = 0; t < N; ++t) {
    uint32_t ci; s.step(m.out_o.data(), m.credit_o, m.in_i.data(), ci); m.credit_i = ci;
    m.clk_i = 1; m.eval(); m.clk_i = 0; m.eval();
  }
  double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("--cc: %llu cycles in %.2f s = %.0f cycles/s, %llu flits\n", (unsigned long long)N, sec, N / sec, (unsigned long long)s.flits);
}
