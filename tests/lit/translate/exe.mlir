// RUN: xpu-translate --xpu-to-exe %s -o %t.xpuexe
// RUN: xpu-objdump %t.xpuexe | FileCheck %s
// REQUIRES: mlir
// A hand-written program using every buffer-level op next to plain
// instructions: the expansion (scratch r12..r15), symbol resolution (labels,
// buffers, images, groups, channels), data segments, spare cores, groups,
// mailbox policies and host windows, as xpu-objdump reads them back.

xpu.module @dense chip(#xpu.chip<width = 2, height = 2, sram_bytes = 4096>) {
  xpu.channel @acts from (0, 0) to (1, 0) mailbox 1 bytes 16 overflow drop_oldest
  xpu.group @fanout id 2 from (0, 0) to [(1, 1), (1, 0)]
  // An explicit tree (not the XY one, which goes through (1, 0)): the
  // executable carries these entries instead of the loader's XY tree.
  xpu.route at (0, 0) @fanout ports [east, south]
  xpu.route at (1, 0) @fanout ports [local]
  xpu.route at (0, 1) @fanout ports [east]
  xpu.route at (1, 1) @fanout ports [local]
  xpu.spare at (0, 1)

  // CHECK: XPU executable v1.0, producer 'xpu-translate
  // CHECK: chip 'xpu-v0': 2x2 mesh, 4096 B SRAM

  // CHECK-LABEL: image 0 'producer': 24 instructions, entry 0
  xpu.core @producer at (0, 0) {
    xpu.buffer @w : tensor<8xi8> init dense<[1, 2, 3, 4, -1, -2, -3, -4]> : tensor<8xi8>
    xpu.buffer @acc : tensor<4xi32>
    xpu.buffer @x : tensor<2xi8> host input
    // CHECK-NEXT: li r1, 2
    xpu.inst li r1, 2
    // CHECK-NEXT: li r2, 24
    xpu.inst li r2, @x
    // CHECK-NEXT: loop:
    xpu.label @loop
    // CHECK-NEXT: lb r3, 0(r2)
    xpu.inst lb r3, 0(r2)
    // CHECK-NEXT: li r12, 8
    // CHECK-NEXT: li r13, 0
    // CHECK-NEXT: li r14, 3
    // CHECK-NEXT: li r15, 4
    // CHECK-NEXT: vmacs r12, r13, r14, r15
    xpu.vmacs @acc, @w scale 3 count 4
    // CHECK-NEXT: addi r2, r2, 1
    xpu.inst addi r2, r2, 1
    // CHECK-NEXT: addi r1, r1, -1
    xpu.inst addi r1, r1, -1
    // CHECK-NEXT: bne r1, r0, 2
    xpu.inst bne r1, r0, @loop
    // CHECK-NEXT: li r12, 1
    // CHECK-NEXT: li r13, 8
    // CHECK-NEXT: li r14, 16
    // CHECK-NEXT: send r12, r13, r14, 1
    xpu.send @acts, @acc
    // CHECK-NEXT: li r12, 2
    // CHECK-NEXT: li r13, 24
    // CHECK-NEXT: li r14, 2
    // CHECK-NEXT: mcast r12, r13, r14, 0
    xpu.mcast @fanout, @x mailbox 0
    // CHECK-NEXT: li r12, 2
    // CHECK-NEXT: li r13, 5
    // CHECK-NEXT: spawn r12, r13, 2
    xpu.spawn @helper at (0, 1) arg 5
    // CHECK-NEXT: barrier
    xpu.barrier
    // CHECK-NEXT: halt
    xpu.halt
  }
  // CHECK: data at 0, 8 bytes
  // CHECK-NEXT: 0: 01 02 03 04 ff fe fd fc

  // CHECK-LABEL: image 1 'consumer': 14 instructions, entry 0
  xpu.core @consumer at (1, 0) {
    xpu.buffer @in : tensor<4xi32>
    xpu.buffer @out : tensor<4xi8> host output
    xpu.buffer @spikes : tensor<4xi8>
    xpu.buffer @state : tensor<9xi32> init dense<[256, 0, 10, 0, 0, 0, 0, 0, 0]> : tensor<9xi32>
    // CHECK-NEXT: li r13, 0
    // CHECK-NEXT: recv r12, r13, 1
    xpu.recv @acts, @in
    // CHECK-NEXT: poll r4, 1
    xpu.poll @acts -> r4
    // CHECK-NEXT: li r12, 16
    // CHECK-NEXT: li r13, 0
    // CHECK-NEXT: li r15, 4
    // CHECK-NEXT: vreq r12, r13, r15, 1, relu
    xpu.vreq @out, @in count 4 shift 1 relu
    // CHECK-NEXT: li r12, 20
    // CHECK-NEXT: li r13, 24
    // CHECK-NEXT: li r14, 0
    // CHECK-NEXT: li r15, 4
    // CHECK-NEXT: nstep r12, r13, r14, r15, lif, subtract
    xpu.nstep @spikes, @state, @in count 4 model lif reset subtract
    // CHECK-NEXT: barrier
    xpu.barrier
    // CHECK-NEXT: halt
    xpu.halt
  }
  // CHECK: data at 24, 36 bytes
  // CHECK-NEXT: 24: 00 01 00 00 00 00 00 00 0a 00 00 00

  // CHECK-LABEL: image 2 'helper': 2 instructions
  xpu.core @helper {
    // CHECK-NEXT: csrr r1, bootarg
    xpu.inst csrr r1, bootarg
    // CHECK-NEXT: halt
    xpu.halt
  }
}
// CHECK: cores:
// CHECK-NEXT: core 0 (0,0) runs image 0 'producer'
// CHECK-NEXT: core 1 (1,0) runs image 1 'consumer'
// CHECK-NEXT: core 2 (0,1) is a spare
// CHECK-NEXT: multicast group 2 from core 0 (0,0) to 1 3
// CHECK-NEXT:   route at core 0 (0,0): east south
// CHECK-NEXT:   route at core 1 (1,0): local
// CHECK-NEXT:   route at core 2 (0,1): east
// CHECK-NEXT:   route at core 3 (1,1): local
// CHECK-NEXT: mailbox 1 of core 1 (1,0): drop_oldest
// CHECK-NEXT: input 'x': core 0 (0,0), address 24, 2 bytes, i8
// CHECK-NEXT: output 'out': core 1 (1,0), address 16, 4 bytes, i8
