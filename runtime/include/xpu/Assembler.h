// The XPU textual assembler: assembly source -> Executable.
//
// Syntax in docs/arch.md "Assembly language". Diagnostics are LLVM-style
// "file:line:col: error: message" lines; all errors in a file are reported.
#pragma once

#include "xpu/ChipDescriptor.h"
#include "xpu/Error.h"
#include "xpu/Executable.h"

#include <string>
#include <string_view>

namespace xpu {

/// Assembles a whole source file (one or many `.core` sections) for `chip`.
/// On failure the Error holds every diagnostic, one per line.
Expected<Executable> assemble(std::string_view source,
                              const std::string &filename,
                              const ChipDescriptor &chip);

} // namespace xpu
