// RUN: xpu-translate --xpu-to-exe %s -o %t.xpuexe
// RUN: xpu-objdump %t.xpuexe | FileCheck %s
// REQUIRES: mlir
// SRAM placement: buffers with `at` first, then the others in order, first
// fit, aligned.

xpu.module @m chip(#xpu.chip<width = 1, height = 1>) {
  xpu.core @c at (0, 0) {
    xpu.buffer @a : tensor<8xi8> at 0 init dense<1> : tensor<8xi8>
    // 16 bytes do not fit the gap [8, 16): after @c.
    xpu.buffer @b : tensor<4xi32> host output
    xpu.buffer @c : tensor<16xi8> at 16 init dense<2> : tensor<16xi8>
    // 8 bytes fit the gap.
    xpu.buffer @d : tensor<2xi32> host output
    // Gaps are full; after @b.
    xpu.buffer @e : tensor<1xi8> align 1 host input
    xpu.inst li r1, @e
    xpu.halt
  }
}
// CHECK:      0: 000000300000012f  li r1, 48
// CHECK:      data at 0, 8 bytes
// CHECK:      data at 16, 16 bytes
// CHECK:      input 'e': core 0 (0,0), address 48, 1 bytes, i8
// CHECK-NEXT: output 'b': core 0 (0,0), address 32, 16 bytes, i32
// CHECK-NEXT: output 'd': core 0 (0,0), address 8, 8 bytes, i32
