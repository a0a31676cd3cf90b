// RUN: xpu-opt %s --xpu-expand-buffer-ops | FileCheck %s
// REQUIRES: mlir
// Buffer-level ops become xpu.inst sequences over r12..r15; buffers, groups,
// channels and images stay symbolic.

xpu.module @m chip(#xpu.chip<width = 2, height = 2>) {
  xpu.channel @ch from (0, 0) to (1, 1) mailbox 3 bytes 16 overflow block
  xpu.group @g id 5 from (0, 0) to [(1, 0)]
  xpu.spare at (0, 1)
  // CHECK-LABEL: xpu.core @a at(0, 0)
  xpu.core @a at (0, 0) {
    xpu.buffer @acc : tensor<4xi32>
    xpu.buffer @w : tensor<16xi8>
    xpu.buffer @s : tensor<9xi32>
    xpu.buffer @o : tensor<4xi8>
    // CHECK:      xpu.inst li r12, @acc{{$}}
    // CHECK-NEXT: xpu.inst li r13, @w + 4
    // CHECK-NEXT: xpu.inst li r14, 2
    // CHECK-NEXT: xpu.inst li r15, 4
    // CHECK-NEXT: xpu.inst vmacs r12, r13, r14, r15
    xpu.vmacs @acc, @w[4] scale 2 count 4
    // CHECK-NEXT: xpu.inst li r12, @acc
    // CHECK-NEXT: xpu.inst li r13, @acc
    // CHECK-NEXT: xpu.inst li r14, @acc
    // CHECK-NEXT: xpu.inst li r15, 4
    // CHECK-NEXT: xpu.inst vadd32 r12, r13, r14, r15
    xpu.vadd32 @acc, @acc, @acc count 4
    // CHECK-NEXT: xpu.inst li r12, @o
    // CHECK-NEXT: xpu.inst li r13, @acc
    // CHECK-NEXT: xpu.inst li r15, 4
    // CHECK-NEXT: xpu.inst vreq r12, r13, r15, 6, relu
    xpu.vreq @o, @acc count 4 shift 6 relu
    // CHECK-NEXT: xpu.inst li r12, @o
    // CHECK-NEXT: xpu.inst li r13, @s
    // CHECK-NEXT: xpu.inst li r14, @acc
    // CHECK-NEXT: xpu.inst li r15, 4
    // CHECK-NEXT: xpu.inst nstep r12, r13, r14, r15, if, value
    xpu.nstep @o, @s, @acc count 4 model if reset value
    // Core (1, 1) is core 3 of the 2x2 mesh.
    // CHECK-NEXT: xpu.inst li r12, 3
    // CHECK-NEXT: xpu.inst li r13, @w
    // CHECK-NEXT: xpu.inst li r14, 16
    // CHECK-NEXT: xpu.inst send r12, r13, r14, @ch
    xpu.send @ch, @w
    // CHECK-NEXT: xpu.inst li r12, @g
    // CHECK-NEXT: xpu.inst li r13, @o
    // CHECK-NEXT: xpu.inst li r14, 4
    // CHECK-NEXT: xpu.inst mcast r12, r13, r14, 1
    xpu.mcast @g, @o mailbox 1
    // CHECK-NEXT: xpu.inst li r12, 2
    // CHECK-NEXT: xpu.inst li r13, 9
    // CHECK-NEXT: xpu.inst spawn r12, r13, @b
    xpu.spawn @b at (0, 1) arg 9
    // CHECK-NEXT: xpu.inst barrier
    xpu.barrier
    // CHECK-NEXT: xpu.inst halt
    xpu.halt
  }
  // CHECK-LABEL: xpu.core @r at(1, 1)
  xpu.core @r at (1, 1) {
    xpu.buffer @in : tensor<16xi8>
    // CHECK:      xpu.inst li r13, @in
    // CHECK-NEXT: xpu.inst recv r12, r13, @ch
    xpu.recv @ch, @in
    // CHECK-NEXT: xpu.inst poll r7, @ch
    xpu.poll @ch -> r7
    xpu.halt
  }
  xpu.core @b {
    xpu.halt
  }
}
