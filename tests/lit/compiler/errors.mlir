// RUN: not xpu-opt %s -split-input-file --nact-partition 2>&1 | FileCheck %s --check-prefix=PART
// RUN: not xpu-opt %s -split-input-file --nact-place 2>&1 | FileCheck %s --check-prefix=PLACE
// REQUIRES: mlir
// Mapping errors name the problem at the graph or op that causes it.

// PART: error: no target chip: set the module attribute 'xpu.chip = #xpu.chip<...>'
// PLACE: error: no target chip
module {
  nact.graph @g dt 1.0 sync barrier {
    nact.input @x : tensor<4xi8>
    nact.output @y : tensor<4xi8>
    nact.channel @x -> @y capacity 1 overflow block
  }
}

// -----

// PART: error: 'nact.lif' op has no 'nact.fixed_point' parameters: quantise the graph first
module attributes {xpu.chip = #xpu.chip<width = 2, height = 2>} {
  nact.graph @g dt 1.0 sync barrier {
    nact.input @x : tensor<2xi32>
    nact.lif @pop : tensor<2xi32> -> tensor<2xi8> reset zero {tau = dense<1.0> : tensor<1xf32>, r = dense<1.0> : tensor<1xf32>, v_leak = dense<0.0> : tensor<1xf32>, v_threshold = dense<4.0> : tensor<1xf32>}
    nact.output @s : tensor<2xi8>
    nact.channel @x -> @pop::@in capacity 1 overflow block
    nact.channel @pop::@out -> @s capacity 1 overflow block
  }
}

// -----

// PART: error: 'nact.linear' op parameter 'weight' must be integer for lowering
module attributes {xpu.chip = #xpu.chip<width = 2, height = 2>} {
  nact.graph @g dt 1.0 sync barrier {
    nact.input @x : tensor<2xi8>
    nact.linear @fc : tensor<2xi8> -> tensor<2xi32> {weight = dense<0.5> : tensor<2x2xf32>}
    nact.output @y : tensor<2xi32>
    nact.channel @x -> @fc::@in capacity 1 overflow block
    nact.channel @fc::@out -> @y capacity 1 overflow block
  }
}

// -----

// PART: error: 'nact.input' op port type 'tensor<1x4x4xi8>' is not lowered yet: the compiler handles 1-D i8 and i32 vectors
module attributes {xpu.chip = #xpu.chip<width = 2, height = 2>} {
  nact.graph @conv dt 1.0 sync free {
    nact.input @img : tensor<1x4x4xi8>
    nact.conv2d @c : tensor<1x4x4xi8> -> tensor<1x4x4xi32> {weight = dense<1> : tensor<1x1x1x1xi8>, bias = dense<0> : tensor<1xi32>, stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, dilation = array<i64: 1, 1>, groups = 1}
    nact.output @o : tensor<1x4x4xi32>
    nact.channel @img -> @c::@in capacity 1 overflow block
    nact.channel @c::@out -> @o capacity 1 overflow block
  }
}

// -----

// PART: error: 'nact.scale' op is not lowered by the compiler yet
module attributes {xpu.chip = #xpu.chip<width = 2, height = 2>} {
  nact.graph @g dt 1.0 sync barrier {
    nact.input @x : tensor<2xi32>
    nact.scale @s : tensor<2xi32> -> tensor<2xi32> {scale = dense<2> : tensor<1xi32>}
    nact.output @y : tensor<2xi32>
    nact.channel @x -> @s::@in capacity 1 overflow block
    nact.channel @s::@out -> @y capacity 1 overflow block
  }
}

// -----

// A graph needing more cores than the chip has.
// PLACE: error: the graph needs 4 cores (one per partition) but the 1x2 chip has 2
module attributes {xpu.chip = #xpu.chip<width = 1, height = 2>} {
  nact.graph @g dt 1.0 sync barrier {
    nact.input @x : tensor<2xi8> {xpu.partition = array<i32: 0, 2>}
    nact.linear @a : tensor<2xi8> -> tensor<2xi32> {weight = dense<1> : tensor<2x2xi8>, xpu.partition = array<i32: 0, 2>}
    nact.lif @b : tensor<2xi32> -> tensor<2xi8> reset zero {tau = dense<1.0> : tensor<1xf32>, r = dense<1.0> : tensor<1xf32>, v_leak = dense<0.0> : tensor<1xf32>, v_threshold = dense<4.0> : tensor<1xf32>, nact.fixed_point = {dv = 0 : i32, du = 0 : i32, v_threshold = 4 : i32, v_reset = 0 : i32, bias = 0 : i32}, xpu.partition = array<i32: 0, 1, 2>}
    nact.output @s : tensor<2xi8>
    nact.channel @x -> @a::@in capacity 1 overflow block
    nact.channel @a::@out -> @b::@in capacity 1 overflow block
    nact.channel @b::@out -> @s capacity 1 overflow block
  }
}
