// RUN: xpu-opt %s --nact-partition | FileCheck %s --check-prefix=SRAM
// RUN: xpu-opt %s --nact-partition=max-elements-per-core=3 | FileCheck %s --check-prefix=BUDGET
// REQUIRES: mlir
// Partitioning records slice bounds; inputs are never split.

module attributes {xpu.chip = #xpu.chip<width = 4, height = 4>} {
  nact.graph @g dt 1.0 sync barrier {
    nact.input @x : tensor<8xi8>
    nact.linear @fc : tensor<8xi8> -> tensor<8xi32> {weight = dense<1> : tensor<8x8xi8>}
    nact.lif @pop : tensor<8xi32> -> tensor<8xi8> reset zero {tau = dense<1.0> : tensor<1xf32>, r = dense<1.0> : tensor<1xf32>, v_leak = dense<0.0> : tensor<1xf32>, v_threshold = dense<4.0> : tensor<1xf32>, nact.fixed_point = {dv = 0 : i32, du = 0 : i32, v_threshold = 4 : i32, v_reset = 0 : i32, bias = 0 : i32}}
    nact.output @s : tensor<8xi8>
    nact.channel @x -> @fc::@in capacity 1 overflow block
    nact.channel @fc::@out -> @pop::@in capacity 1 overflow block
    nact.channel @pop::@out -> @s capacity 1 overflow block
  }
}

// Everything fits one core's 64 KiB: one slice each.
// SRAM: nact.input @x {{.*}}xpu.partition = array<i32: 0, 8>
// SRAM: nact.linear @fc {{.*}}xpu.partition = array<i32: 0, 8>
// SRAM: nact.lif @pop {{.*}}xpu.partition = array<i32: 0, 8>
// SRAM-NOT: xpu.placement

// At most 3 rows per core: 8 = 3 + 3 + 2; the input stays whole.
// BUDGET: nact.input @x {{.*}}xpu.partition = array<i32: 0, 8>
// BUDGET: nact.linear @fc {{.*}}xpu.partition = array<i32: 0, 3, 6, 8>
// BUDGET: nact.lif @pop {{.*}}xpu.partition = array<i32: 0, 3, 6, 8>
