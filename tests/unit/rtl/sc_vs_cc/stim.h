// --cc vs --sc speed of xpu_router (docs/rtl.md section 6): the shared stimulus.
// Same stimulus for --cc and --sc: every port sends one-flit packets
// (random dest, alternating VC) whenever it has a credit; outputs return
// credits at once. Operates on 32-bit words of in_i / out_o.
#include <cstdint>
#include <random>
struct Stim {
  uint32_t credits[5][2];
  uint32_t vc[5] = {};
  std::mt19937 rng{1};
  uint64_t flits = 0;
  Stim() { for (auto &p : credits) p[0] = p[1] = 4; }
  static void put(uint32_t *w, unsigned lsb, unsigned width, uint64_t v) {
    for (unsigned done = 0; done < width;) {
      const unsigned bit = lsb + done, wi = bit / 32, off = bit % 32;
      const unsigned n = (32 - off) < (width - done) ? 32 - off : width - done;
      const uint32_t mask = (n == 32 ? ~0u : ((1u << n) - 1)) << off;
      w[wi] = (w[wi] & ~mask) | ((uint32_t(v >> done) << off) & mask);
      done += n;
    }
  }
  static uint64_t get(const uint32_t *w, unsigned lsb, unsigned width) {
    uint64_t v = 0;
    for (unsigned done = 0; done < width;) {
      const unsigned bit = lsb + done, wi = bit / 32, off = bit % 32;
      const unsigned n = (32 - off) < (width - done) ? 32 - off : width - done;
      v |= uint64_t((w[wi] >> off) & (n == 32 ? ~0u : ((1u << n) - 1))) << done;
      done += n;
    }
    return v;
  }
  // outputs of this cycle -> inputs of this cycle
  void step(const uint32_t *out, uint32_t creditOut, uint32_t *in, uint32_t &creditIn) {
    creditIn = 0;
    for (unsigned p = 0; p < 5; ++p) {
      if (get(out, p * 70 + 69, 1)) { creditIn |= (8u | uint32_t(get(out, p * 70 + 64, 3))) << (4 * p); ++flits; }
      uint32_t c = (creditOut >> (4 * p)) & 15;
      if (c & 8) ++credits[p][c & 7];
    }
    for (unsigned p = 0; p < 5; ++p) {
      uint32_t v = vc[p] ^= 1;
      if (!credits[p][v]) { put(in, p * 70, 70, 0); continue; }
      --credits[p][v];
      uint64_t hdr = uint64_t(rng() % 9) | (uint64_t(p) << 16);
      put(in, p * 70, 64, hdr); put(in, p * 70 + 64, 3, v); put(in, p * 70 + 67, 1, 1);
      put(in, p * 70 + 68, 1, 1); put(in, p * 70 + 69, 1, 1);
    }
  }
};
