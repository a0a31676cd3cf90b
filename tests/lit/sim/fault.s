; A faulting core stops the run with its core, pc, instruction and fault; exit code non-zero (3).
; RUN: xpu-as %s --chip %xpu_src/examples/chips/2x2.json -o %t
; RUN: not xpu-sim %t --status > %t.out 2> %t.err
; RUN: FileCheck %s < %t.err
; RUN: FileCheck %s --check-prefix=STATUS < %t.out
; CHECK: xpu-sim: fault: core 1 (1,0) faulted (Misaligned) at pc 2: lw r2, 2(r1)
; STATUS: xpu-sim: fault after 3 cycles, 0 timesteps
; STATUS: core 1 (1,0) faulted (Misaligned) at pc 2: lw r2, 2(r1)
.image bad
.core 1, 0
        li    r1, 0x100
        nop
        lw    r2, 2(r1)
        halt
