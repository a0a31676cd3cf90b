// xpu-as: assembles an XPU assembly file into an executable (.xpuexe).
#include "xpu/Assembler.h"
#include "xpu/ChipDescriptor.h"
#include "xpu/Executable.h"
#include "xpu/FileIO.h"

#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

namespace {
const char *kUsage = R"(usage: xpu-as INPUT.s [--chip CHIP.json] [-o OUTPUT.xpuexe]

Assembles an XPU v0 assembly program (syntax: docs/assembly.md) into an
executable for the chip described by CHIP.json (docs/arch.md section 2).

  INPUT.s            assembly source ('-' reads standard input)
  --chip CHIP.json   chip descriptor; without it the default 4x4 chip is used
  -o OUTPUT.xpuexe   output file (default: INPUT with extension .xpuexe)
  -h, --help         show this help

Errors are printed as file:line:col: error: message; the exit code is 1.
)";
} // namespace

int main(int argc, char **argv) {
  std::string input, chipPath, output;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char *flag) -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "xpu-as: error: " << flag << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--chip") {
      chipPath = value("--chip");
    } else if (a == "-o") {
      output = value("-o");
    } else if (a.size() > 1 && a[0] == '-') {
      std::cerr << "xpu-as: error: unknown option '" << a << "' (see --help)\n";
      return 2;
    } else if (input.empty() || a == "-") {
      input = a;
    } else {
      std::cerr << "xpu-as: error: more than one input file ('" << input << "' and '" << a << "')\n";
      return 2;
    }
  }
  if (input.empty()) {
    std::cerr << "xpu-as: error: no input file (see --help)\n";
    return 2;
  }
  xpu::ChipDescriptor chip;
  if (!chipPath.empty()) {
    auto c = xpu::loadChipDescriptor(chipPath);
    if (!c) {
      std::cerr << c.error().message << "\n";
      return 1;
    }
    chip = *c;
  }
  std::stringstream source;
  if (input == "-") {
    source << std::cin.rdbuf();
  } else {
    auto text = xpu::readFileText(input);
    if (!text) {
      std::cerr << text.error().message << "\n";
      return 1;
    }
    source << *text;
  }
  auto exe = xpu::assemble(source.str(), input == "-" ? "<stdin>" : input, chip);
  if (!exe) {
    std::cerr << exe.error().message << "\n";
    return 1;
  }
  if (output.empty()) {
    output = input == "-" ? "a.xpuexe" : input;
    size_t dot = output.rfind('.');
    size_t slash = output.rfind('/');
    if (dot != std::string::npos && (slash == std::string::npos || dot > slash))
      output.resize(dot);
    output += ".xpuexe";
  }
  if (auto e = xpu::saveExecutable(*exe, output)) {
    std::cerr << e->message << "\n";
    return 1;
  }
  return 0;
}
