// A NIR-style float graph: dense projection into a LIF population, with
// shapes left for nact-infer-shapes. Used by quantize.mlir and xpu-cc runs.
nact.graph @float_snn dt 1.0e-3 sync barrier {
  nact.input @x : tensor<4xf32>
  nact.linear @proj : tensor<?xf32> -> tensor<?xf32> {weight = dense<[[0.5, -0.25, 1.0, 0.0], [0.125, 0.5, -1.0, 2.0], [1.5, 1.5, 0.25, -0.5]]> : tensor<3x4xf32>}
  nact.lif @pop : tensor<?xf32> -> tensor<?xf32> reset zero {tau = dense<1.0e-2> : tensor<1xf32>, r = dense<1.0> : tensor<1xf32>, v_leak = dense<0.0> : tensor<1xf32>, v_threshold = dense<0.5> : tensor<1xf32>}
  nact.output @spikes : tensor<?xf32>
  nact.channel @x -> @proj::@in capacity 1 overflow block
  nact.channel @proj::@out -> @pop::@in capacity 1 overflow block
  nact.channel @pop::@out -> @spikes capacity 1 overflow block
}
