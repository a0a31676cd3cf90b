// RUN: xpu-translate --xpu-to-exe %s -o %t.xpuexe
// RUN: xpu-sim %t.xpuexe --quiet --inputs x=3,5 --print-outputs | FileCheck %s
// REQUIRES: mlir
// A hand-written xpu program runs on the emulator: core (0, 0) computes a
// dense layer y = W x over host input x (one vmacs per input, as the ISA
// intends), sends the 32-bit sums to core (1, 0), which requantises them.

xpu.module @dense chip(#xpu.chip<width = 2, height = 1>) {
  xpu.channel @acts from (0, 0) to (1, 0) mailbox 0 bytes 16 overflow block
  xpu.core @layer at (0, 0) {
    // Row i of W^T: the weights of input i to the four outputs.
    xpu.buffer @w : tensor<8xi8> init dense<[1, 2, 3, 4, -1, -2, -3, -4]> : tensor<8xi8>
    xpu.buffer @x : tensor<2xi8> host input
    xpu.buffer @acc : tensor<4xi32>
    xpu.inst li r1, 0
    xpu.inst li r2, 2
    xpu.inst li r4, @acc
    xpu.inst li r5, @w
    xpu.inst li r6, 4
    xpu.label @loop
    xpu.inst lb r3, @x(r1)
    xpu.inst vmacs r4, r5, r3, r6
    xpu.inst addi r5, r5, 4
    xpu.inst addi r1, r1, 1
    xpu.inst blt r1, r2, @loop
    xpu.send @acts, @acc
    xpu.halt
  }
  xpu.core @requant at (1, 0) {
    xpu.buffer @in : tensor<4xi32>
    xpu.buffer @y : tensor<4xi8> host output
    xpu.recv @acts, @in
    xpu.vreq @y, @in count 4 shift 1
    xpu.halt
  }
}
// 3 * [1, 2, 3, 4] + 5 * [-1, -2, -3, -4] = [-2, -4, -6, -8]; >> 1, rounded.
// CHECK: output y (i8 x 4, core 1 @16): -1 -2 -3 -4
