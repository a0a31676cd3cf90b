// RUN: xpu-opt %s | FileCheck %s
// RUN: xpu-opt %s | xpu-opt | FileCheck %s
// REQUIRES: mlir
// The combining form of nact.moe_router round-trips, with 2-D or flat ports.

// CHECK-LABEL: nact.graph @moe
nact.graph @moe dt 1.0 sync barrier {
  nact.input @x : tensor<8xi8>
  // CHECK: nact.moe_router @flat : tensor<8xi8> -> tensor<12xi32> experts [@e0, @e1] mode token_choice {capacity = 2 : i64, gate_shift = 3 : i64, k = 1 : i64, tokens = 4 : i64, weight = dense<1> : tensor<2x2xi8>}
  nact.moe_router @flat : tensor<8xi8> -> tensor<12xi32> experts [@e0, @e1] mode token_choice {weight = dense<1> : tensor<2x2xi8>, k = 1, tokens = 4, capacity = 2, gate_shift = 3}
  // CHECK: nact.moe_router @shaped : tensor<4x2xi8> -> tensor<4x3xi32> experts [@f0] mode expert_choice {capacity = 4 : i64, weight = dense<1> : tensor<1x2xi8>}
  nact.moe_router @shaped : tensor<4x2xi8> -> tensor<4x3xi32> experts [@f0] mode expert_choice {weight = dense<1> : tensor<1x2xi8>, capacity = 4}
  // CHECK: nact.expert @e0 : tensor<2xi8> -> tensor<3xi8>
  nact.expert @e0 : tensor<2xi8> -> tensor<3xi8> {weight = dense<1> : tensor<3x2xi8>, bias = dense<0> : tensor<3xi32>}
  nact.expert @e1 : tensor<2xi8> -> tensor<3xi8> {weight = dense<2> : tensor<3x2xi8>, bias = dense<0> : tensor<3xi32>}
  nact.expert @f0 : tensor<2xi8> -> tensor<3xi8> {weight = dense<2> : tensor<3x2xi8>, bias = dense<0> : tensor<3xi32>}
  nact.channel @x -> @flat::@in capacity 1 overflow block
}
