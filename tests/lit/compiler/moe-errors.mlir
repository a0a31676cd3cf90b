// RUN: not xpu-opt %s -split-input-file --nact-partition 2>&1 | FileCheck %s
// REQUIRES: mlir
// What the compiler lowers of the nact mixture-of-experts ops: a combining
// router with int8 experts that belong to it alone.

// CHECK: error: 'nact.moe_router' op a dispatch-only router is not lowered yet: give an integer 'capacity'
module attributes {xpu.chip = #xpu.chip<width = 4, height = 4>} {
  nact.graph @g dt 1.0 sync barrier {
    nact.moe_router @r : tensor<4x2xi8> -> tensor<2xi8> experts [@e] mode expert_choice {weight = dense<1> : tensor<1x2xi8>, capacity_factor = 1.0}
    nact.input @x : tensor<4x2xi8>
    nact.expert @e : tensor<2xi8> -> tensor<2xi8> {weight = dense<1> : tensor<2x2xi8>, bias = dense<0> : tensor<2xi32>, nact.requantize = {shift = 0 : i32, relu = false}}
    nact.channel @x -> @r::@in capacity 1 overflow block
  }
}

// -----

// CHECK: error: 'nact.expert' op needs 'nact.requantize' with 'shift' in 0..31: expert outputs are int8
module attributes {xpu.chip = #xpu.chip<width = 4, height = 4>} {
  nact.graph @g dt 1.0 sync barrier {
    nact.input @x : tensor<8xi8>
    nact.moe_router @r : tensor<8xi8> -> tensor<8xi32> experts [@e] mode expert_choice {weight = dense<1> : tensor<1x2xi8>, tokens = 4, capacity = 2}
    nact.expert @e : tensor<2xi8> -> tensor<2xi8> {weight = dense<1> : tensor<2x2xi8>, bias = dense<0> : tensor<2xi32>}
    nact.output @y : tensor<8xi32>
    nact.channel @x -> @r::@in capacity 1 overflow block
    nact.channel @r::@out -> @y capacity 1 overflow block
  }
}

// -----

// CHECK: error: 'nact.expert' op requantises differently from the other experts of @r; the moe kind has one 'requantize' for all experts
module attributes {xpu.chip = #xpu.chip<width = 4, height = 4>} {
  nact.graph @g dt 1.0 sync barrier {
    nact.input @x : tensor<8xi8>
    nact.moe_router @r : tensor<8xi8> -> tensor<8xi32> experts [@e0, @e1] mode expert_choice {weight = dense<1> : tensor<2x2xi8>, tokens = 4, capacity = 2}
    nact.expert @e0 : tensor<2xi8> -> tensor<2xi8> {weight = dense<1> : tensor<2x2xi8>, bias = dense<0> : tensor<2xi32>, nact.requantize = {shift = 0 : i32, relu = false}}
    nact.expert @e1 : tensor<2xi8> -> tensor<2xi8> {weight = dense<1> : tensor<2x2xi8>, bias = dense<0> : tensor<2xi32>, nact.requantize = {shift = 1 : i32, relu = false}}
    nact.output @y : tensor<8xi32>
    nact.channel @x -> @r::@in capacity 1 overflow block
    nact.channel @r::@out -> @y capacity 1 overflow block
  }
}

// -----

// CHECK: error: 'nact.expert' op is used by more than one router
// CHECK: note: used here
module attributes {xpu.chip = #xpu.chip<width = 4, height = 4>} {
  nact.graph @g dt 1.0 sync barrier {
    nact.input @x : tensor<8xi8>
    nact.moe_router @r : tensor<8xi8> -> tensor<8xi32> experts [@e] mode expert_choice {weight = dense<1> : tensor<1x2xi8>, tokens = 4, capacity = 2}
    nact.moe_router @r2 : tensor<8xi8> -> tensor<8xi32> experts [@e] mode expert_choice {weight = dense<1> : tensor<1x2xi8>, tokens = 4, capacity = 2}
    nact.expert @e : tensor<2xi8> -> tensor<2xi8> {weight = dense<1> : tensor<2x2xi8>, bias = dense<0> : tensor<2xi32>, nact.requantize = {shift = 0 : i32, relu = false}}
    nact.output @y : tensor<8xi32>
    nact.output @y2 : tensor<8xi32>
    nact.channel @x -> @r::@in capacity 1 overflow block
    nact.channel @x -> @r2::@in capacity 1 overflow block
    nact.channel @r::@out -> @y capacity 1 overflow block
    nact.channel @r2::@out -> @y2 capacity 1 overflow block
  }
}

// -----

// CHECK: error: 'nact.expert' op is not named by any combining nact.moe_router
module attributes {xpu.chip = #xpu.chip<width = 4, height = 4>} {
  nact.graph @g dt 1.0 sync barrier {
    nact.input @x : tensor<8xi8>
    nact.moe_router @r : tensor<8xi8> -> tensor<8xi32> experts [@e] mode expert_choice {weight = dense<1> : tensor<1x2xi8>, tokens = 4, capacity = 2}
    nact.expert @e : tensor<2xi8> -> tensor<2xi8> {weight = dense<1> : tensor<2x2xi8>, bias = dense<0> : tensor<2xi32>, nact.requantize = {shift = 0 : i32, relu = false}}
    nact.expert @lonely : tensor<2xi8> -> tensor<2xi8> {weight = dense<1> : tensor<2x2xi8>, bias = dense<0> : tensor<2xi32>, nact.requantize = {shift = 0 : i32, relu = false}}
    nact.output @y : tensor<8xi32>
    nact.channel @x -> @r::@in capacity 1 overflow block
    nact.channel @r::@out -> @y capacity 1 overflow block
  }
}

// -----

// An expert that does not fit a core names the actor.
// CHECK: error: {{.*}}moe actor 'r': expert 0 needs {{[0-9]+}} bytes of SRAM, more than a core has (1024)
module attributes {xpu.chip = #xpu.chip<width = 4, height = 4, sram_bytes = 1024>} {
  nact.graph @g dt 1.0 sync barrier {
    nact.input @x : tensor<32xi8>
    nact.moe_router @r : tensor<32xi8> -> tensor<32xi32> experts [@e] mode expert_choice {weight = dense<1> : tensor<1x32xi8>, tokens = 1, capacity = 1}
    nact.expert @e : tensor<32xi8> -> tensor<32xi8> {weight = dense<1> : tensor<32x32xi8>, bias = dense<0> : tensor<32xi32>, nact.requantize = {shift = 0 : i32, relu = false}}
    nact.output @y : tensor<32xi32>
    nact.channel @x -> @r::@in capacity 1 overflow block
    nact.channel @r::@out -> @y capacity 1 overflow block
  }
}
