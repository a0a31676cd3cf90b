// xpu-objdump: prints an XPU executable (manifest, disassembly, data), or the
// ISA table that docs/arch.md embeds.
#include "xpu/Executable.h"
#include "xpu/Isa.h"
#include "xpu/Packet.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <map>

namespace {
const char *kUsage = R"(usage: xpu-objdump FILE.xpuexe [--no-data]
       xpu-objdump --isa-table-markdown

Prints an XPU executable: chip, program images with their disassembly and
data segments, core assignments, spare cores, multicast groups (and explicit
routing-table entries), mailbox
policies and host I/O windows.

  --no-data               do not dump data segment bytes
  --isa-table-markdown    print the instruction table of docs/arch.md 3.4
                          (generated from runtime/include/xpu/Opcodes.def)
  -h, --help              show this help
)";

const char *formatSyntax(xpu::Format f) {
  using xpu::Format;
  switch (f) {
  case Format::None: return "";
  case Format::RdRsRs: return "rd, rs1, rs2";
  case Format::RdRsImm: return "rd, rs1, imm";
  case Format::RdImm: return "rd, imm";
  case Format::Load: return "rd, imm(rs1)";
  case Format::Store: return "rs2, imm(rs1)";
  case Format::Branch: return "rs1, rs2, target";
  case Format::Target: return "target";
  case Format::RdTarget: return "rd, target";
  case Format::Rs: return "rs1";
  case Format::RdCsr: return "rd, csr";
  case Format::RdRsRsRs: return "rd, rs1, rs2, rs3";
  case Format::RdRsRs3: return "rd, rs1, rs3";
  case Format::Vreq: return "rd, rs1, rs3, shift[, relu]";
  case Format::Nstep: return "rd, rs1, rs2, rs3, model, reset";
  case Format::Send: return "rs1, rs2, rs3, mbox";
  case Format::Recv: return "rd, rs1, mbox";
  case Format::RdMbox: return "rd, mbox";
  case Format::Spawn: return "rs1, rs2, image";
  }
  return "?";
}

void printIsaTable() {
  std::printf("| opcode | mnemonic | operands | class | semantics |\n");
  std::printf("|---|---|---|---|---|\n");
  for (unsigned b = 0; b < 256; ++b) {
    const xpu::OpcodeInfo *oi = xpu::opcodeInfo(uint8_t(b));
    if (!oi)
      continue;
    std::string doc(oi->doc);
    for (size_t p = 0; (p = doc.find('|', p)) != std::string::npos; p += 2)
      doc.replace(p, 1, "\\|");
    const std::string syntax = *formatSyntax(oi->format) ? std::string("`") + formatSyntax(oi->format) + "`" : "-";
    std::printf("| 0x%02X | `%.*s` | %s | %.*s | %s |\n", b, int(oi->mnemonic.size()),
                oi->mnemonic.data(), syntax.c_str(), int(xpu::className(oi->cls).size()),
                xpu::className(oi->cls).data(), doc.c_str());
  }
}

std::string tile(const xpu::ChipDescriptor &chip, uint32_t core) {
  return std::to_string(core) + " (" + std::to_string(chip.coreX(core)) + "," +
         std::to_string(chip.coreY(core)) + ")";
}
} // namespace

int main(int argc, char **argv) {
  std::string input;
  bool data = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--isa-table-markdown") {
      printIsaTable();
      return 0;
    } else if (a == "--no-data") {
      data = false;
    } else if (a.size() > 1 && a[0] == '-') {
      std::cerr << "xpu-objdump: error: unknown option '" << a << "' (see --help)\n";
      return 2;
    } else if (input.empty()) {
      input = a;
    } else {
      std::cerr << "xpu-objdump: error: more than one input file\n";
      return 2;
    }
  }
  if (input.empty()) {
    std::cerr << "xpu-objdump: error: no input file (see --help)\n";
    return 2;
  }
  auto exe = xpu::loadExecutable(input);
  if (!exe) {
    std::cerr << exe.error().message << "\n";
    return 1;
  }
  const xpu::ChipDescriptor &chip = exe->chip;
  std::printf("%s: XPU executable v%u.%u, producer '%s'\n", input.c_str(), xpu::kExeVersionMajor,
              xpu::kExeVersionMinor, exe->producer.c_str());
  std::printf("chip '%s': %ux%u mesh, %u B SRAM, %u lanes, %u mailboxes x %u, %u VCs x %u flits, "
              "%u B flits\n",
              chip.name.c_str(), chip.width, chip.height, chip.sramBytes, chip.vectorLanes,
              chip.mailboxes, chip.mailboxDepth, chip.virtualChannels, chip.bufferDepth,
              chip.flitBytes);
  for (size_t i = 0; i < exe->images.size(); ++i) {
    const xpu::ProgramImage &im = exe->images[i];
    std::map<uint32_t, std::string> labels;
    for (const xpu::Symbol &s : exe->symbols)
      if (s.image == i && s.kind == xpu::Symbol::Kind::Code)
        labels[s.value] += (labels[s.value].empty() ? "" : ", ") + s.name;
    std::printf("\nimage %zu '%s': %zu instructions, entry %u\n", i, im.name.c_str(), im.code.size(),
                im.entry);
    for (size_t pc = 0; pc < im.code.size(); ++pc) {
      if (labels.count(uint32_t(pc)))
        std::printf("%s:\n", labels[uint32_t(pc)].c_str());
      std::string why;
      auto inst = xpu::decode(im.code[pc], &why);
      std::printf("  %4zu: %016llx  %s\n", pc, static_cast<unsigned long long>(im.code[pc]),
                  inst ? xpu::disassemble(*inst).c_str() : ("<malformed: " + why + ">").c_str());
    }
    for (const xpu::DataSegment &d : im.data) {
      std::printf("  data at %u, %zu bytes\n", d.address, d.bytes.size());
      if (!data)
        continue;
      for (size_t k = 0; k < d.bytes.size(); k += 16) {
        std::printf("    %6zu:", d.address + k);
        for (size_t b = k; b < k + 16 && b < d.bytes.size(); ++b)
          std::printf(" %02x", d.bytes[b]);
        std::printf("\n");
      }
    }
  }
  std::printf("\ncores:\n");
  for (const xpu::CoreAssignment &a : exe->cores)
    std::printf("  core %s runs image %u '%s'\n", tile(chip, a.core).c_str(), a.image,
                exe->images[a.image].name.c_str());
  for (uint32_t s : exe->spareCores)
    std::printf("  core %s is a spare\n", tile(chip, s).c_str());
  for (const xpu::MulticastGroup &g : exe->multicastGroups) {
    std::printf("multicast group %u from core %s to", g.id, tile(chip, g.source).c_str());
    for (uint32_t d : g.destinations)
      std::printf(" %u", d);
    std::printf("\n");
    // Explicit table entries replace the group's XY tree.
    static const char *kPorts[xpu::kNumPorts] = {"local", "east", "west", "north", "south"};
    for (const xpu::MulticastRoute &r : exe->multicastRoutes) {
      if (r.group != g.id) continue;
      std::printf("  route at core %s:", tile(chip, r.router).c_str());
      for (unsigned p = 0; p < xpu::kNumPorts; ++p)
        if ((r.ports >> p) & 1) std::printf(" %s", kPorts[p]);
      std::printf("\n");
    }
  }
  for (const xpu::MailboxConfig &m : exe->mailboxPolicies) {
    std::printf("mailbox %u of core %s: %s", m.mailbox, tile(chip, m.core).c_str(), xpu::policyName(m.policy));
    if (m.capacity) std::printf(", capacity %u", m.capacity);  // 0: the chip's mailbox_depth
    std::printf("\n");
  }
  for (const auto *list : {&exe->inputs, &exe->outputs})
    for (const xpu::IoBinding &b : *list)
      std::printf("%s '%s': core %s, address %u, %u bytes, %s\n",
                  list == &exe->inputs ? "input" : "output", b.name.c_str(),
                  tile(chip, b.core).c_str(), b.address, b.bytes, b.dtype.c_str());
  return 0;
}
