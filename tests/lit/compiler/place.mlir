// RUN: xpu-opt %s --nact-partition=max-elements-per-core=4 "--nact-place=strategy=greedy report=true" 2>&1 | FileCheck %s
// REQUIRES: mlir
// Greedy placement: each slice goes to the free core closest (in bytes x
// hops) to the slices it talks to; ties go to the lowest core id.

module attributes {xpu.chip = #xpu.chip<width = 4, height = 4>} {
  nact.graph @g dt 1.0 sync barrier {
    nact.input @x : tensor<8xi8>
    nact.linear @fc : tensor<8xi8> -> tensor<8xi32> {weight = dense<1> : tensor<8x8xi8>}
    nact.output @y : tensor<8xi32>
    nact.channel @x -> @fc::@in capacity 1 overflow block
    nact.channel @fc::@out -> @y capacity 1 overflow block
  }
}

// CHECK: remark: placement cost 40 (bytes per step x hops) over 3 cores
// CHECK: nact.input @x {{.*}}xpu.placement = array<i32: 0, 0>
// Slice 0 of @fc goes next to the input, (1, 0). Slice 1 receives 8 bytes
// from the input and sends 16 bytes (its half of the output) to slice 0 to be
// gathered, so it sits next to slice 0: (2, 0) costs 8*2 + 16*1 = 32, while
// (0, 1) would cost 8*1 + 16*2 = 40.
// CHECK: nact.linear @fc {{.*}}xpu.partition = array<i32: 0, 4, 8>, xpu.placement = array<i32: 1, 0, 2, 0>
