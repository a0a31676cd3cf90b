// RUN: not xpu-opt %s -split-input-file --nact-infer-shapes --nact-quantize 2>&1 | FileCheck %s
// REQUIRES: mlir
// What quantisation cannot map onto the fixed-point profile is an error at
// the op.

// CHECK: error: 'nact.lif' op parameter 'tau' differs between neurons; the fixed-point profile has one value per population
nact.graph @g dt 1.0e-3 sync barrier {
  nact.input @x : tensor<2xf32>
  nact.linear @p : tensor<2xf32> -> tensor<2xf32> {weight = dense<1.0> : tensor<2x2xf32>}
  nact.lif @n : tensor<2xf32> -> tensor<2xf32> reset zero {tau = dense<[1.0e-2, 2.0e-2]> : tensor<2xf32>, r = dense<1.0> : tensor<1xf32>, v_leak = dense<0.0> : tensor<1xf32>, v_threshold = dense<1.0> : tensor<1xf32>}
  nact.output @s : tensor<2xf32>
  nact.channel @x -> @p::@in capacity 1 overflow block
  nact.channel @p::@out -> @n::@in capacity 1 overflow block
  nact.channel @n::@out -> @s capacity 1 overflow block
}

// -----

// CHECK: error: 'nact.lif' op dt / tau > 1: the time constant is shorter than the timestep
nact.graph @g dt 1.0 sync barrier {
  nact.input @x : tensor<2xf32>
  nact.linear @p : tensor<2xf32> -> tensor<2xf32> {weight = dense<1.0> : tensor<2x2xf32>}
  nact.lif @n : tensor<2xf32> -> tensor<2xf32> reset zero {tau = dense<0.5> : tensor<1xf32>, r = dense<1.0> : tensor<1xf32>, v_leak = dense<0.0> : tensor<1xf32>, v_threshold = dense<1.0> : tensor<1xf32>}
  nact.output @s : tensor<2xf32>
  nact.channel @x -> @p::@in capacity 1 overflow block
  nact.channel @p::@out -> @n::@in capacity 1 overflow block
  nact.channel @n::@out -> @s capacity 1 overflow block
}

// -----

// CHECK: error: 'nact.if' op v_threshold 1e+06 x membrane scale 127 does not fit the 24-bit membrane
nact.graph @g dt 1.0 sync barrier {
  nact.input @x : tensor<2xf32>
  nact.linear @p : tensor<2xf32> -> tensor<2xf32> {weight = dense<1.0> : tensor<2x2xf32>}
  nact.if @n : tensor<2xf32> -> tensor<2xf32> reset zero {r = dense<1.0> : tensor<1xf32>, v_threshold = dense<1.0e6> : tensor<1xf32>}
  nact.output @s : tensor<2xf32>
  nact.channel @x -> @p::@in capacity 1 overflow block
  nact.channel @p::@out -> @n::@in capacity 1 overflow block
  nact.channel @n::@out -> @s capacity 1 overflow block
}

// -----

// Two projections with different weight scales into one population.
// CHECK: error: 'nact.lif' op receives values at different scales (127 and 63.5); give its producers equal scales
// CHECK: note: producer at scale 63.5
nact.graph @g dt 1.0e-3 sync barrier {
  nact.input @x : tensor<2xf32>
  nact.linear @a : tensor<2xf32> -> tensor<2xf32> {weight = dense<1.0> : tensor<2x2xf32>}
  nact.linear @b : tensor<2xf32> -> tensor<2xf32> {weight = dense<2.0> : tensor<2x2xf32>}
  nact.lif @n : tensor<2xf32> -> tensor<2xf32> reset zero {tau = dense<1.0e-2> : tensor<1xf32>, r = dense<1.0> : tensor<1xf32>, v_leak = dense<0.0> : tensor<1xf32>, v_threshold = dense<1.0> : tensor<1xf32>}
  nact.output @s : tensor<2xf32>
  nact.channel @x -> @a::@in capacity 1 overflow block
  nact.channel @x -> @b::@in capacity 1 overflow block
  nact.channel @a::@out -> @n::@in capacity 1 overflow block
  nact.channel @b::@out -> @n::@in capacity 1 overflow block
  nact.channel @n::@out -> @s capacity 1 overflow block
}

// -----

// CHECK: error: 'nact.input' op graph inputs need a static shape, got 'tensor<?xf32>'
nact.graph @g dt 1.0e-3 sync barrier {
  nact.input @x : tensor<?xf32>
  nact.output @s : tensor<?xf32>
  nact.channel @x -> @s capacity 1 overflow block
}
