// The xpu dialect definition: many-core programs for one XPU chip.
#ifndef XPU_DIALECTS_XPU_XPUDIALECT_TD
#define XPU_DIALECTS_XPU_XPUDIALECT_TD

include "mlir/IR/OpBase.td"

def Xpu_Dialect : Dialect {
  let name = "xpu";
  let cppNamespace = "::xpu::mc";
  let summary = "Many-core programs: a chip, one program per core, messages";
  let description = [{
    `xpu` is the last IR before the executable. An `xpu.module` carries the
    chip descriptor (`#xpu.chip`) and holds one `xpu.core` per tile that runs
    code, each with its SRAM buffers and its program. Programs mix
    buffer-level ops (`xpu.vmacs`, `xpu.nstep`, `xpu.send`, ...), whose
    operands are buffers and constants, with `xpu.inst`, one ISA instruction
    checked against the opcode table `runtime/include/xpu/Opcodes.def`.
    `xpu-translate --xpu-to-exe` turns a module into a `.xpuexe`.
  }];
  let useDefaultAttributePrinterParser = 1;
}

class Xpu_Op<string mnemonic, list<Trait> traits = []>
    : Op<Xpu_Dialect, mnemonic, traits>;

#endif // XPU_DIALECTS_XPU_XPUDIALECT_TD
