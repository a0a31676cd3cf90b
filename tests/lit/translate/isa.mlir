// RUN: xpu-translate --xpu-to-exe %s -o %t.xpuexe
// RUN: xpu-objdump %t.xpuexe | FileCheck %s
// REQUIRES: mlir
// xpu.inst and the runtime agree on every operand format: the disassembly of
// the emitted words reads like the input.

xpu.module @m chip(#xpu.chip<width = 2, height = 1>) {
  xpu.channel @ch from (0, 0) to (0, 0) mailbox 5 bytes 4 overflow block
  xpu.group @g id 7 from (0, 0) to [(1, 0)]
  xpu.spare at (1, 0)
  xpu.core @c at (0, 0) {
    xpu.buffer @pad : tensor<8xi8>
    xpu.buffer @b : tensor<4xi32>
    // CHECK:      0: {{.*}}  nop
    xpu.inst nop
    // CHECK-NEXT: 1: {{.*}}  mulh r1, r2, r3
    xpu.inst mulh r1, r2, r3
    // CHECK-NEXT: 2: {{.*}}  srai r4, r5, -7
    xpu.inst srai r4, r5, -7
    // CHECK-NEXT: 3: {{.*}}  li r6, 12
    xpu.inst li r6, @b + 4
    // CHECK-NEXT: 4: {{.*}}  lhu r7, -2(r8)
    xpu.inst lhu r7, -2(r8)
    // CHECK-NEXT: 5: {{.*}}  sw r9, 8(r10)
    xpu.inst sw r9, @b(r10)
    // CHECK-NEXT: 6: {{.*}}  bgeu r11, r1, 9
    xpu.inst bgeu r11, r1, @end
    // CHECK-NEXT: 7: {{.*}}  jal r15, 0
    xpu.inst jal r15, 0
    // CHECK-NEXT: 8: {{.*}}  jr r15
    xpu.inst jr r15
    // CHECK-NEXT: end:
    xpu.label @end
    // CHECK-NEXT: 9: {{.*}}  csrr r2, timestep
    xpu.inst csrr r2, timestep
    // CHECK-NEXT: 10: {{.*}}  vadd32 r1, r2, r3, r4
    xpu.inst vadd32 r1, r2, r3, r4
    // CHECK-NEXT: 11: {{.*}}  vargmax r1, r2, r3
    xpu.inst vargmax r1, r2, r3
    // CHECK-NEXT: 12: {{.*}}  vreq r1, r2, r3, 31
    xpu.inst vreq r1, r2, r3, 31
    // CHECK-NEXT: 13: {{.*}}  nstep r1, r2, r3, r4, li, none
    xpu.inst nstep r1, r2, r3, r4, li, none
    // CHECK-NEXT: 14: {{.*}}  send r1, r2, r3, 5
    xpu.inst send r1, r2, r3, @ch
    // CHECK-NEXT: 15: {{.*}}  recv r1, r2, 5
    xpu.inst recv r1, r2, @ch
    // CHECK-NEXT: 16: {{.*}}  poll r1, 5
    xpu.inst poll r1, @ch
    // CHECK-NEXT: 17: {{.*}}  li r1, 7
    xpu.inst li r1, @g
    // CHECK-NEXT: 18: {{.*}}  spawn r1, r2, 1
    xpu.inst spawn r1, r2, @w
    // CHECK-NEXT: 19: {{.*}}  barrier
    xpu.inst barrier
    // CHECK-NEXT: 20: {{.*}}  halt
    xpu.inst halt
  }
  xpu.core @w {
    xpu.halt
  }
}
