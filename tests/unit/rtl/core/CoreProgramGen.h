// Program builders for the core lockstep tests: a tiny in-C++ assembler and
// the seeded random-program generator (valid-ish programs that terminate).
#pragma once

#include "CoreLockstep.h"

#include <algorithm>
#include <random>

namespace xpu::rtl::core {

inline Instruction ins(Opcode op, unsigned rd = 0, unsigned rs1 = 0, unsigned rs2 = 0,
                       unsigned rs3 = 0, int32_t imm = 0) {
  Instruction i;
  i.op = op;
  i.rd = uint8_t(rd);
  i.rs1 = uint8_t(rs1);
  i.rs2 = uint8_t(rs2);
  i.rs3 = uint8_t(rs3);
  i.imm = imm;
  return i;
}

/// Appends encoded instructions; labels are instruction indices.
struct Asm {
  std::vector<uint64_t> code;
  uint32_t here() const { return uint32_t(code.size()); }
  Asm &op(Opcode o, unsigned rd = 0, unsigned rs1 = 0, unsigned rs2 = 0, unsigned rs3 = 0,
          int32_t imm = 0) {
    code.push_back(encode(ins(o, rd, rs1, rs2, rs3, imm)));
    return *this;
  }
  Asm &li(unsigned rd, int64_t v) { return op(Opcode::Li, rd, 0, 0, 0, int32_t(uint32_t(v))); }
  Asm &rr(Opcode o, unsigned rd, unsigned a, unsigned b) { return op(o, rd, a, b); }
  Asm &ri(Opcode o, unsigned rd, unsigned a, int32_t imm) { return op(o, rd, a, 0, 0, imm); }
  Asm &load(Opcode o, unsigned rd, unsigned base, int32_t off) { return op(o, rd, base, 0, 0, off); }
  Asm &store(Opcode o, unsigned src, unsigned base, int32_t off) {
    return op(o, 0, base, src, 0, off);
  }
  Asm &br(Opcode o, unsigned a, unsigned b, uint32_t target) {
    return op(o, 0, a, b, 0, int32_t(target));
  }
  Asm &vec(Opcode o, unsigned rd, unsigned a, unsigned b, unsigned n, int32_t imm = 0) {
    return op(o, rd, a, b, n, imm);
  }
  Asm &halt() { return op(Opcode::Halt); }
  Asm &word(uint64_t w) {
    code.push_back(w);
    return *this;
  }
  /// Patches the immediate (branch target) of instruction `at`.
  void patch(uint32_t at, uint32_t target) {
    code[at] = (code[at] & 0xFFFFFFFFull) | uint64_t(target) << 32;
  }
};

inline Program program(const Asm &a, std::vector<uint8_t> sram = {}) {
  Program p;
  p.code = a.code;
  p.sram = std::move(sram);
  return p;
}

// ---------------------------------------------------------------- random programs

struct RandomProgramConfig {
  unsigned items = 300;        // generated items (one or a few instructions each)
  double faultRate = 0.0015;   // chance an item is made to fault on purpose
  double messageRate = 0.05;
};

/// A seeded random program and the NI script it runs against.
class RandomProgramGen {
public:
  explicit RandomProgramGen(uint64_t seed, ChipDescriptor chip = coreChip())
      : rng_(seed), chip_(chip) {}

  std::pair<Program, Script> make(const RandomProgramConfig &cfg = {}) {
    cfg_ = cfg;
    a_ = Asm{};
    pending_.clear();
    itemStart_.clear();
    Program p;
    p.sram.resize(chip_.sramBytes);
    for (auto &b : p.sram)
      b = uint8_t(rng_());
    p.bootArg = uint32_t(rng_());
    // registers start at 0: give them values first
    for (unsigned r = 1; r < 15; ++r)
      a_.li(r, value());
    for (unsigned i = 0; i < cfg.items; ++i) {
      itemStart_.push_back(a_.here());
      item(i);
    }
    itemStart_.push_back(a_.here());
    a_.halt();
    for (auto [at, item] : pending_)
      a_.patch(at, itemStart_[std::min<size_t>(item, itemStart_.size() - 1)]);
    p.code = a_.code;
    return {p, script()};
  }

private:
  uint32_t u(uint32_t n) { return uint32_t(rng_() % n); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  int32_t value() {
    static const int32_t edge[] = {0, 1, -1, 2, 31, 32, 127, -128, 255, 4096, INT32_MAX, INT32_MIN,
                                   0x8000, -0x8000, 0x12345678};
    switch (u(4)) {
    case 0: return edge[u(std::size(edge))];
    case 1: return int32_t(u(64)) - 32;
    default: return int32_t(rng_());
    }
  }
  unsigned anyReg() { return u(16); }
  unsigned dstReg() { return 1 + u(14); } // never r15 (loop counter)

  void alu() {
    static const Opcode rr[] = {Opcode::Add, Opcode::Sub, Opcode::Mul, Opcode::Mulh, Opcode::And,
                                Opcode::Or, Opcode::Xor, Opcode::Shl, Opcode::Shr, Opcode::Sra,
                                Opcode::Slt, Opcode::Sltu, Opcode::Min, Opcode::Max};
    static const Opcode ri[] = {Opcode::Addi, Opcode::Muli, Opcode::Andi, Opcode::Ori,
                                Opcode::Xori, Opcode::Shli, Opcode::Shri, Opcode::Srai,
                                Opcode::Slti, Opcode::Li};
    if (u(3) != 0)
      a_.rr(rr[u(std::size(rr))], dstReg(), anyReg(), anyReg());
    else {
      Opcode o = ri[u(std::size(ri))];
      if (o == Opcode::Li)
        a_.li(dstReg(), value());
      else
        a_.ri(o, dstReg(), anyReg(), value());
    }
  }
  void memory() {
    static const Opcode ops[] = {Opcode::Lb, Opcode::Lbu, Opcode::Lh, Opcode::Lhu, Opcode::Lw,
                                 Opcode::Sb, Opcode::Sh, Opcode::Sw};
    const Opcode o = ops[u(std::size(ops))];
    const int size = (o == Opcode::Lh || o == Opcode::Lhu || o == Opcode::Sh) ? 2
                     : (o == Opcode::Lw || o == Opcode::Sw)                   ? 4
                                                                              : 1;
    // base in region A (scalar scratch), 4-aligned; offset aligned
    a_.li(12, 4 * u(240));
    int32_t off = int32_t(u(16)) * size;
    if (chance(cfg_.faultRate))
      off += chance(0.5) ? 1 : int32_t(chip_.sramBytes);
    if (o >= Opcode::Sb)
      a_.store(o, anyReg(), 12, off);
    else
      a_.load(o, dstReg(), 12, off);
  }
  void vector() {
    static const Opcode ops[] = {Opcode::Vdot, Opcode::Vmacs, Opcode::Vadd32, Opcode::Vreq,
                                 Opcode::Vcopy, Opcode::Vfill, Opcode::Vargmax};
    const Opcode o = ops[u(std::size(ops))];
    const uint32_t n = u(5) == 0 ? u(3) : u(48);
    const uint32_t B = 1024, C = 2048;
    uint32_t src1 = B + 4 * u(100), src2 = B + 4 * u(100), dst = C + 4 * u(200);
    const bool fault = chance(cfg_.faultRate);
    if (o == Opcode::Vcopy && chance(0.5)) { // overlapping (memmove), both directions
      src1 = C + u(300);
      dst = src1 + u(12) - 6;
    }
    if (o == Opcode::Vcopy || o == Opcode::Vfill) {
      src1 += u(4);
      dst += u(4);
    }
    if (fault)
      (chance(0.5) ? src1 : dst) += chance(0.5) ? 2 : chip_.sramBytes;
    a_.li(11, dst).li(12, src1).li(14, n);
    switch (o) {
    case Opcode::Vdot: a_.li(13, src2).vec(o, dstReg(), 12, 13, 14); break;
    case Opcode::Vmacs: a_.li(13, value()).vec(o, 11, 12, 13, 14); break;
    case Opcode::Vadd32: a_.li(13, src2).vec(o, 11, 12, 13, 14); break;
    case Opcode::Vreq: a_.vec(o, 11, 12, 0, 14, int32_t(u(32) | (u(2) << 8))); break;
    case Opcode::Vcopy: a_.vec(o, 11, 12, 0, 14); break;
    case Opcode::Vfill: a_.vec(o, 11, anyReg(), 0, 14); break;
    default: a_.vec(o, dstReg(), 12, 0, 14); break; // vargmax
    }
  }
  void nstep() {
    const uint32_t model = u(4), reset = u(4), n = u(4) == 0 ? 0 : 1 + u(20);
    const uint32_t state = 3072 + 4 * u(32);
    const bool bad = chance(cfg_.faultRate * 2);
    const int32_t dv = bad ? 4097 : int32_t(u(4097)), du = int32_t(u(4097));
    const int32_t params[5] = {dv, du, int32_t(u(1 << 20)) - (1 << 19), value(), int32_t(u(2000)) - 1000};
    a_.li(12, state);
    for (int k = 0; k < 5; ++k)
      a_.li(13, params[k]).store(Opcode::Sw, 13, 12, 4 * k);
    a_.li(13, 1024 + 4 * u(200)).li(11, 2048 + u(900)).li(14, n);
    a_.vec(Opcode::Nstep, 11, 12, 13, 14, int32_t(model | reset << 2));
  }
  void message() {
    switch (u(6)) {
    case 0:
    case 1: { // send / mcast
      const bool mc = chance(0.3);
      const uint32_t len = mc ? u(25) : u(65);
      a_.li(11, mc ? (chance(0.99) ? 1 + 2 * u(2) : u(8)) : (chance(0.995) ? u(9) : 9));
      a_.li(12, u(900)).li(13, len);
      a_.op(mc ? Opcode::Mcast : Opcode::Send, 0, 11, 12, 13,
            int32_t(chance(0.995) ? u(4) : 4));
      break;
    }
    case 2: // spawn
      a_.li(11, chance(0.995) ? u(9) : 9).op(Opcode::Spawn, 0, 11, anyReg(), 0,
                                              int32_t(chance(0.995) ? u(2) : 2));
      break;
    case 3:
    case 4: // recv
      a_.li(12, chance(0.995) ? u(950) : 4090).op(Opcode::Recv, dstReg(), 12, 0, 0, int32_t(u(4)));
      break;
    default: a_.op(Opcode::Poll, dstReg(), 0, 0, 0, int32_t(u(4))); break;
    }
  }
  void simple() {
    switch (u(10)) {
    case 0: case 1: case 2: case 3: alu(); break;
    case 4: case 5: case 6: memory(); break;
    case 7: case 8: vector(); break;
    default: a_.op(Opcode::Csrr, dstReg(), 0, 0, 0, int32_t(u(8))); break;
    }
  }
  void item(unsigned index) {
    const uint32_t r = u(1000);
    if (chance(cfg_.faultRate / 4)) { // malformed word
      a_.word(encode(ins(Opcode::Add, 1, 2, 3)) | uint64_t(1 + u(255)) << 24);
      return;
    }
    if (r < 40) { // forward branch over 1..4 items
      static const Opcode br[] = {Opcode::Beq, Opcode::Bne, Opcode::Blt, Opcode::Bge,
                                  Opcode::Bltu, Opcode::Bgeu};
      pending_.push_back({a_.here(), index + 2 + u(4)});
      a_.br(br[u(std::size(br))], anyReg(), anyReg(), 0);
    } else if (r < 55) { // jmp / jal / jr forward
      const unsigned k = u(3);
      if (k == 0) {
        pending_.push_back({a_.here(), index + 2 + u(3)});
        a_.op(Opcode::Jmp);
      } else if (k == 1) {
        pending_.push_back({a_.here(), index + 2 + u(3)});
        a_.op(Opcode::Jal, dstReg());
      } else {
        pending_.push_back({a_.here(), index + 2 + u(3)});
        a_.li(14, 0);
        a_.op(Opcode::Jr, 0, 14);
      }
    } else if (r < 85) { // a small counted loop
      a_.li(15, 1 + u(4));
      const uint32_t top = a_.here();
      for (unsigned k = 0, m = 2 + u(4); k < m; ++k)
        simple();
      a_.ri(Opcode::Addi, 15, 15, -1).br(Opcode::Bne, 15, 0, top);
    } else if (r < 115) {
      nstep();
    } else if (r < 115 + unsigned(cfg_.messageRate * 1000)) {
      message();
    } else if (r < 175) {
      a_.op(Opcode::Barrier);
    } else if (r < 180) {
      a_.op(Opcode::Nop);
    } else {
      simple();
    }
  }
  Script script() {
    Script s;
    s.drain = u(4);
    s.images = 2;
    s.groupSources = {1, 3};
    uint64_t at = 0;
    for (unsigned k = 0; k < 20; ++k) {
      at += 20 + u(400);
      s.outboundBusy.push_back({at, at + 1 + u(30)});
    }
    for (uint32_t mb = 0; mb < chip_.mailboxes; ++mb) {
      uint64_t c = u(50);
      while (c < 40000) {
        ScriptMessage m;
        m.mbox = mb;
        m.visibleAt = c;
        m.source = u(9);
        m.payload.resize(u(5) == 0 ? 0 : u(65));
        for (auto &b : m.payload)
          b = uint8_t(rng_());
        s.messages.push_back(std::move(m));
        c += 10 + u(200);
      }
    }
    const uint32_t salt = u(1000);
    s.barrierDelay = [salt](unsigned k) { return 1 + (k * 7 + salt) % 23; };
    s.maxCycles = 60000;
    return s;
  }

  std::mt19937_64 rng_;
  ChipDescriptor chip_;
  RandomProgramConfig cfg_;
  Asm a_;
  std::vector<std::pair<uint32_t, unsigned>> pending_; // instruction, target item
  std::vector<uint32_t> itemStart_;
};

} // namespace xpu::rtl::core
