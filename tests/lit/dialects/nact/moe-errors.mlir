// RUN: xpu-opt %s -split-input-file -verify-diagnostics
// REQUIRES: mlir
// The combining form of nact.moe_router (an integer `capacity`): one case
// per verifier error (the dispatch-only form is in errors.mlir).

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{input must be [T, D] tokens, or [T*D] with 'tokens' = T, got [9]}}
  nact.moe_router @r : tensor<9xi8> -> tensor<8xi32> experts [@e] mode token_choice {weight = dense<1> : tensor<1x2xi8>, k = 1, tokens = 4, capacity = 2}
  nact.expert @e : tensor<2xi8> -> tensor<2xi8> {weight = dense<1> : tensor<2x2xi8>, bias = dense<0> : tensor<2xi32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{input must be [T, D] tokens, or [T*D] with 'tokens' = T, got [4, 2]}}
  nact.moe_router @r : tensor<4x2xi8> -> tensor<8xi32> experts [@e] mode token_choice {weight = dense<1> : tensor<1x2xi8>, k = 1, tokens = 3, capacity = 2}
  nact.expert @e : tensor<2xi8> -> tensor<2xi8> {weight = dense<1> : tensor<2x2xi8>, bias = dense<0> : tensor<2xi32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{a combining router produces [T, O] (or [T*O]) i32 with T = 4, got 'tensor<8xi8>'}}
  nact.moe_router @r : tensor<8xi8> -> tensor<8xi8> experts [@e] mode token_choice {weight = dense<1> : tensor<1x2xi8>, k = 1, tokens = 4, capacity = 2}
  nact.expert @e : tensor<2xi8> -> tensor<2xi8> {weight = dense<1> : tensor<2x2xi8>, bias = dense<0> : tensor<2xi32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{a combining router produces [T, O] (or [T*O]) i32 with T = 4, got 'tensor<6xi32>'}}
  nact.moe_router @r : tensor<8xi8> -> tensor<6xi32> experts [@e] mode token_choice {weight = dense<1> : tensor<1x2xi8>, k = 1, tokens = 4, capacity = 2}
  nact.expert @e : tensor<2xi8> -> tensor<2xi8> {weight = dense<1> : tensor<2x2xi8>, bias = dense<0> : tensor<2xi32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{'capacity' must be in 1..4 (tokens), got 5}}
  nact.moe_router @r : tensor<8xi8> -> tensor<8xi32> experts [@e] mode expert_choice {weight = dense<1> : tensor<1x2xi8>, tokens = 4, capacity = 5}
  nact.expert @e : tensor<2xi8> -> tensor<2xi8> {weight = dense<1> : tensor<2x2xi8>, bias = dense<0> : tensor<2xi32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{'gate_shift' must be in 0..31, got 32}}
  nact.moe_router @r : tensor<8xi8> -> tensor<8xi32> experts [@e] mode expert_choice {weight = dense<1> : tensor<1x2xi8>, tokens = 4, capacity = 2, gate_shift = 32}
  nact.expert @e : tensor<2xi8> -> tensor<2xi8> {weight = dense<1> : tensor<2x2xi8>, bias = dense<0> : tensor<2xi32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{takes 'capacity' or 'capacity_factor', not both}}
  nact.moe_router @r : tensor<8xi8> -> tensor<8xi32> experts [@e] mode expert_choice {weight = dense<1> : tensor<1x2xi8>, tokens = 4, capacity = 2, capacity_factor = 1.0}
  nact.expert @e : tensor<2xi8> -> tensor<2xi8> {weight = dense<1> : tensor<2x2xi8>, bias = dense<0> : tensor<2xi32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{only token_choice takes 'k'}}
  nact.moe_router @r : tensor<8xi8> -> tensor<8xi32> experts [@e] mode expert_choice {weight = dense<1> : tensor<1x2xi8>, k = 1, tokens = 4, capacity = 2}
  nact.expert @e : tensor<2xi8> -> tensor<2xi8> {weight = dense<1> : tensor<2x2xi8>, bias = dense<0> : tensor<2xi32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{token_choice needs 'k' in 1..1}}
  nact.moe_router @r : tensor<8xi8> -> tensor<8xi32> experts [@e] mode token_choice {weight = dense<1> : tensor<1x2xi8>, k = 2, tokens = 4, capacity = 2}
  nact.expert @e : tensor<2xi8> -> tensor<2xi8> {weight = dense<1> : tensor<2x2xi8>, bias = dense<0> : tensor<2xi32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{weight has shape [1, 4]; expected [E, D] = [1, 2]}}
  nact.moe_router @r : tensor<8xi8> -> tensor<8xi32> experts [@e] mode expert_choice {weight = dense<1> : tensor<1x4xi8>, tokens = 4, capacity = 2}
  nact.expert @e : tensor<2xi8> -> tensor<2xi8> {weight = dense<1> : tensor<2x2xi8>, bias = dense<0> : tensor<2xi32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{expert @e takes 'tensor<4xi8>' but the router sends 'tensor<2xi8>'}}
  nact.moe_router @r : tensor<8xi8> -> tensor<8xi32> experts [@e] mode expert_choice {weight = dense<1> : tensor<1x2xi8>, tokens = 4, capacity = 2}
  // expected-note @+1 {{expert defined here}}
  nact.expert @e : tensor<4xi8> -> tensor<2xi8> {weight = dense<1> : tensor<2x4xi8>, bias = dense<0> : tensor<2xi32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{expert @e produces 'tensor<2xi32>' but the router combines 'tensor<2xi8>' per token}}
  nact.moe_router @r : tensor<8xi8> -> tensor<8xi32> experts [@e] mode expert_choice {weight = dense<1> : tensor<1x2xi8>, tokens = 4, capacity = 2}
  // expected-note @+1 {{expert defined here}}
  nact.expert @e : tensor<2xi8> -> tensor<2xi32> {weight = dense<1> : tensor<2x2xi8>, bias = dense<0> : tensor<2xi32>}
}
