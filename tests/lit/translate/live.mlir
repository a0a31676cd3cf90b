// RUN: xpu-translate --xpu-to-exe %s -o %t.xpuexe
// RUN: xpu-objdump %t.xpuexe | FileCheck %s
// REQUIRES: mlir
// Buffers with disjoint live ranges share SRAM: @x (phases 0-1) and @out
// (2-3) get the same address; @acc (1-3) interferes with both; @w (no live
// range) with everything. Explicit addresses may overlap for disjoint ranges.

xpu.module @m chip(#xpu.chip<width = 1, height = 1, sram_bytes = 4096>) {
  xpu.core @c at (0, 0) {
    xpu.buffer @w : tensor<16xi8> init dense<1> : tensor<16xi8>
    xpu.buffer @x : tensor<64xi8> live [0, 1]
    xpu.buffer @acc : tensor<16xi32> live [1, 3]
    xpu.buffer @out : tensor<16xi8> live [2, 3]
    xpu.buffer @p : tensor<8xi8> at 1024 live [0, 0]
    xpu.buffer @q : tensor<8xi8> at 1028 live [1, 1]
    xpu.inst li r1, @x
    xpu.inst li r2, @acc
    xpu.inst li r3, @out
    xpu.inst li r4, @p
    xpu.inst li r5, @q
    xpu.halt
  }
}

// CHECK: li r1, 16
// CHECK-NEXT: li r2, 80
// CHECK-NEXT: li r3, 16
// CHECK-NEXT: li r4, 1024
// CHECK-NEXT: li r5, 1028
