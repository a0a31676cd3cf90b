// Passes over the xpu dialect.
#ifndef XPU_COMPILER_TRANSFORMS_PASSES_TD
#define XPU_COMPILER_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def ExpandBufferOps : Pass<"xpu-expand-buffer-ops", "::xpu::mc::ModuleOp"> {
  let summary = "Expand buffer-level xpu ops into xpu.inst instructions";
  let description = [{
    Rewrites `xpu.vmacs`, `xpu.vadd32`, `xpu.vreq`, `xpu.nstep`, `xpu.send`,
    `xpu.recv`, `xpu.poll`, `xpu.mcast`, `xpu.spawn`, `xpu.barrier` and
    `xpu.halt` into the `xpu.inst` sequences the executable will contain.
    Operands are loaded with `li` into the scratch registers r12..r15;
    buffers, groups and images stay symbolic (`li r12, @acc + 16`), so SRAM
    placement is still free afterwards. `xpu-translate --xpu-to-exe` runs the
    same expansion, so this pass shows exactly what is emitted.
  }];
}

#endif // XPU_COMPILER_TRANSFORMS_PASSES_TD
