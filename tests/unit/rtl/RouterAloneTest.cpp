// One Verilated router with all five ports busy, no C++ model: a
// self-checking scoreboard (XY route of every head, packets never interleaved
// on an output VC, flits in order and complete) and the RTL's raw speed in
// router cycles per second.
#include "RouterCosim.h"
#include "RtlConfigs.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>

namespace xpu::rtl {
namespace {

template <class M> void routerAlone(uint64_t cycles, double stallRate, uint64_t seed) {
  using P = RtlParams<M>;
  constexpr uint32_t V = P::vcs, D = P::depth, W = P::meshWidth, H = 3;
  constexpr uint32_t X = 1, Y = 1;  // the centre of a 3 x 3 mesh
  std::mt19937_64 rng(seed);
  VerilatedContext ctx;
  M m(&ctx, "router");
  resetRouter(m, X, Y);

  struct Sender {
    uint32_t credits = D;
    uint32_t left = 0, seq = 0, packet = 0;
  };
  struct Receiver {       // per output (port, vc)
    bool inPacket = false;
    uint32_t src = 0, packet = 0, seq = 0;
  };
  Sender snd[kPorts][V];
  Receiver rcv[kPorts][V];
  uint32_t expectPacket[kPorts][V] = {};  // next packet number per source (port, vc)
  std::deque<uint8_t> owed[kPorts];       // credits the downstream side holds back
  uint32_t stall[kPorts] = {};
  uint32_t rr[kPorts] = {};
  uint64_t in = 0, out = 0;
  bool draining = false;

  auto anyLeft = [&] {
    for (auto &row : snd)
      for (auto &s : row)
        if (s.left) return true;
    return false;
  };
  auto expectedPort = [&](uint32_t dest) {
    return unsigned(routeXY(X, Y, dest % W, dest / W));
  };

  const auto t0 = std::chrono::steady_clock::now();
  uint64_t t = 0;
  for (; t < cycles || (draining = true, in != out || anyLeft()); ++t) {
    ASSERT_LT(t, cycles + 10000) << "router did not drain: " << in - out << " flits stuck";
    // Outputs of cycle t: check, and the downstream side owes a credit.
    for (unsigned o = 0; o < kPorts; ++o) {
      const LinkFlit f = outFlit(m, o);
      if (!f.valid) continue;
      ++out;
      ASSERT_LT(f.vc, V);
      Receiver &r = rcv[o][f.vc];
      if (f.head) {
        ASSERT_FALSE(r.inPacket) << "cycle " << t << ": packets interleaved on output "
                                 << portName(o) << " VC " << unsigned(f.vc);
        const PacketHeader h = unpackHeader(f.data);
        ASSERT_EQ(expectedPort(h.dest), o) << "cycle " << t << ": misrouted head to " << h.dest;
        const uint32_t sp = h.source / 8, sv = h.source % 8;
        ASSERT_EQ(sv, f.vc) << "VC changed along the path";
        ASSERT_EQ(h.mailbox, uint8_t(expectPacket[sp][sv]++)) << "packets reordered";
        r = {!f.tail, h.source, h.mailbox, 1};
      } else {
        ASSERT_TRUE(r.inPacket) << "cycle " << t << ": body flit without a head on "
                                << portName(o);
        ASSERT_EQ(f.data, (uint64_t(r.src) << 32) | (uint64_t(r.packet) << 8) | r.seq)
            << "cycle " << t << ": flit lost, duplicated or reordered";
        ++r.seq;
        if (f.tail) r.inPacket = false;
      }
      owed[o].push_back(f.vc);
    }
    // Credits returned by the router reach the senders (usable at t + 1).
    for (unsigned p = 0; p < kPorts; ++p) {
      const LinkCredit c = outCredit(m, p);
      if (c.valid) ++snd[p][c.vc].credits;
    }
    // Downstream: return at most one credit per port per cycle, unless stalled.
    for (unsigned o = 0; o < kPorts; ++o) {
      LinkCredit c;
      if (stall[o]) {
        --stall[o];
      } else if (!draining && std::uniform_real_distribution<>(0, 1)(rng) < stallRate) {
        stall[o] = 1 + uint32_t(rng() % 20);
      } else if (!owed[o].empty()) {
        c = {true, owed[o].front()};
        owed[o].pop_front();
      }
      setInCredit(m, o, c);
    }
    // Upstream: each input port sends at most one flit, round-robin over VCs.
    for (unsigned p = 0; p < kPorts; ++p) {
      LinkFlit f;
      for (uint32_t i = 0; i < V; ++i) {
        const uint32_t v = (rr[p] + 1 + i) % V;
        Sender &s = snd[p][v];
        if (!s.credits) continue;
        if (!s.left) {
          if (draining || rng() % 4) continue;  // some idle cycles; no new packet when draining
          PacketHeader h;
          h.dest = uint16_t(rng() % (W * H));
          h.source = uint16_t(p * 8 + v);
          h.mailbox = uint8_t(s.packet);
          h.length = uint16_t(rng() % (6 * 8 + 1));
          s.left = sem::packetFlits(h.length, 8);
          s.seq = 0;
          f.head = true;
          f.data = packHeader(h);
        } else {
          f.data = (uint64_t(p * 8 + v) << 32) | (uint64_t(s.packet & 0xff) << 8) | s.seq;
        }
        f.valid = true;
        f.vc = uint8_t(v);
        f.tail = s.left == 1;
        --s.left;
        ++s.seq;
        if (!s.left) ++s.packet;
        --s.credits;
        rr[p] = v;
        ++in;
        break;
      }
      setInFlit(m, p, f);
    }
    m.clk_i = 1;
    m.eval();
    m.clk_i = 0;
    m.eval();
    ASSERT_EQ(m.err_o, 0) << "cycle " << t;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("[router alone] %llu cycles in %.2f s: %.0f router cycles/s, %llu flits (%.2f per cycle)\n",
              (unsigned long long)t, secs, t / secs, (unsigned long long)out, double(out) / t);
  m.final();
}

TEST(RtlRouterAlone, AllPortsRandomTraffic) {
  const char *v = std::getenv("XPU_RTL_ALONE_CYCLES");
  routerAlone<Vxpu_router>(v && *v ? std::strtoull(v, nullptr, 10) : 2000000, 0.02, 3);
}

TEST(RtlRouterAlone, AllPortsRandomTrafficV3D5R2) {
  routerAlone<Vxpu_router_v3d5r2>(500000, 0.05, 4);
}

} // namespace
} // namespace xpu::rtl
