// RUN: xpu-opt %s -split-input-file -verify-diagnostics
// REQUIRES: mlir
// The nact.pool verifier.

nact.graph @g dt 1.0 sync barrier {
  // expected-error @+1 {{'jobs' must be in 1..127, got 128}}
  nact.pool @p : tensor<257xi8> -> tensor<130xi8> {jobs = 128, jobs_per_worker = 1, max_workers = 2, on_bound = "self", weight = dense<1> : tensor<1x2xi8>}
}

// -----

nact.graph @g dt 1.0 sync barrier {
  // expected-error @+1 {{'on_bound' must be "self" or "drop", got "queue"}}
  nact.pool @p : tensor<9xi8> -> tensor<6xi8> {jobs = 4, jobs_per_worker = 1, max_workers = 2, on_bound = "queue", weight = dense<1> : tensor<1x2xi8>}
}

// -----

nact.graph @g dt 1.0 sync barrier {
  // expected-error @+1 {{input must have 1 + jobs x D = 9 elements}}
  nact.pool @p : tensor<8xi8> -> tensor<6xi8> {jobs = 4, jobs_per_worker = 1, max_workers = 2, on_bound = "self", weight = dense<1> : tensor<1x2xi8>}
}

// -----

nact.graph @g dt 1.0 sync barrier {
  // expected-error @+1 {{'jobs_per_worker' and 'max_workers' must be >= 1}}
  nact.pool @p : tensor<9xi8> -> tensor<6xi8> {jobs = 4, jobs_per_worker = 0, max_workers = 2, on_bound = "self", weight = dense<1> : tensor<1x2xi8>}
}
