// RUN: xpu-opt %s -split-input-file -verify-diagnostics
// REQUIRES: mlir
// One case per nact verifier error.

// expected-error @+1 {{fixed-point width must be in 1..64, got 0}}
nact.graph @g dt 1.0 sync free { nact.input @x : !nact.fixed<0, 0> }

// -----

// expected-error @+1 {{fixed-point fraction bits must be in -64..64, got 65}}
nact.graph @g dt 1.0 sync free { nact.input @x : !nact.fixed<8, 65> }

// -----

// expected-error @+1 {{dt must be positive}}
nact.graph @g dt 0.0 sync barrier {
}

// -----

// expected-error @+1 {{has a cycle without a delay in a barrier graph}}
nact.graph @g dt 1.0 sync barrier {
  nact.scale @a : tensor<2xf32> -> tensor<2xf32> {scale = dense<1.0> : tensor<1xf32>}
  nact.scale @b : tensor<2xf32> -> tensor<2xf32> {scale = dense<1.0> : tensor<1xf32>}
  // expected-note @+1 {{channel of the cycle}}
  nact.channel @a::@out -> @b::@in capacity 1 overflow block
  // expected-note @+1 {{channel of the cycle}}
  nact.channel @b::@out -> @a::@in capacity 1 overflow block
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{parameter 'scale' has 3 elements; expected 1 or 2}}
  nact.scale @a : tensor<2xf32> -> tensor<2xf32> {scale = dense<1.0> : tensor<3xf32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{parameter 'tau' must be positive}}
  nact.li @a : tensor<2xf32> -> tensor<2xf32> {tau = dense<0.0> : tensor<1xf32>, r = dense<1.0> : tensor<1xf32>, v_leak = dense<0.0> : tensor<1xf32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{input and output shapes must be equal, got [2] and [3]}}
  nact.threshold @a : tensor<2xf32> -> tensor<3xi1> {threshold = dense<1.0> : tensor<1xf32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{weight has shape [4, 3]; expected [N_out, N_in] = [3, 4]}}
  nact.linear @a : tensor<4xf32> -> tensor<3xf32> {weight = dense<1.0> : tensor<4x3xf32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{bias has 2 elements; expected 3}}
  nact.affine @a : tensor<4xf32> -> tensor<3xf32> {weight = dense<1.0> : tensor<3x4xf32>, bias = dense<0.0> : tensor<2xf32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{'kernel_size' must have 2 entries (H, W)}}
  nact.sum_pool2d @p : tensor<1x4x4xi32> -> tensor<1x2x2xi32> {kernel_size = array<i64: 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{'stride' entries must be >= 1}}
  nact.sum_pool2d @p : tensor<1x4x4xi32> -> tensor<1x2x2xi32> {kernel_size = array<i64: 2, 2>, stride = array<i64: 0, 2>, padding = array<i64: 0, 0>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{output shape [1, 3, 3] does not match the computed shape [1, 2, 2]}}
  nact.sum_pool2d @p : tensor<1x4x4xi32> -> tensor<1x3x3xi32> {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{ports must be [C, H, W] tensors}}
  nact.sum_pool2d @p : tensor<4x4xi32> -> tensor<2x2xi32> {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{groups (2) must be positive and divide the 3 input channels}}
  nact.conv2d @c : tensor<3x8x8xi8> -> tensor<2x8x8xi32> {weight = dense<1> : tensor<2x1x3x3xi8>, bias = dense<0> : tensor<2xi32>, stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>, groups = 2}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{weight has shape [2, 3, 3]; expected [C_out, C_in / groups, kH, kW] with C_out = 2 and C_in / groups = 1}}
  nact.conv2d @c : tensor<1x8x8xi8> -> tensor<2x8x8xi32> {weight = dense<1> : tensor<2x3x3xi8>, bias = dense<0> : tensor<2xi32>, stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>, groups = 1}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{dimensions 1..3 are out of range for rank 3}}
  nact.flatten @f : tensor<2x2x2xi32> -> tensor<8xi32> {start_dim = 1, end_dim = 3}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{parameter 'delay' must be non-negative}}
  nact.delay @d : tensor<2xf32> -> tensor<2xf32> {delay = dense<-1.0> : tensor<1xf32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{reset to_value needs a 'v_reset' parameter}}
  nact.if @n : tensor<2xi32> -> tensor<2xi8> reset to_value {r = dense<1> : tensor<1xi32>, v_threshold = dense<64> : tensor<1xi32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{input must be [T, D] tokens and output one [D] token, got [4, 8] and [4]}}
  nact.moe_router @r : tensor<4x8xi8> -> tensor<4xi8> experts [] mode expert_choice {weight = dense<1> : tensor<2x8xi8>, capacity_factor = 1.0}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{needs at least one expert}}
  nact.moe_router @r : tensor<4x8xi8> -> tensor<8xi8> experts [] mode expert_choice {weight = dense<1> : tensor<2x8xi8>, capacity_factor = 1.0}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{weight has shape [2, 4]; expected [E, D] = [1, 8]}}
  nact.moe_router @r : tensor<4x8xi8> -> tensor<8xi8> experts [@e] mode expert_choice {weight = dense<1> : tensor<2x4xi8>, capacity_factor = 1.0}
  nact.expert @e : tensor<8xi8> -> tensor<8xi32> {weight = dense<1> : tensor<8x8xi8>, bias = dense<0> : tensor<8xi32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{token_choice needs 'k' in 1..1}}
  nact.moe_router @r : tensor<4x8xi8> -> tensor<8xi8> experts [@e] mode token_choice {weight = dense<1> : tensor<1x8xi8>, k = 2}
  nact.expert @e : tensor<8xi8> -> tensor<8xi32> {weight = dense<1> : tensor<8x8xi8>, bias = dense<0> : tensor<8xi32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{expert_choice needs a positive 'capacity_factor'}}
  nact.moe_router @r : tensor<4x8xi8> -> tensor<8xi8> experts [@e] mode expert_choice {weight = dense<1> : tensor<1x8xi8>}
  nact.expert @e : tensor<8xi8> -> tensor<8xi32> {weight = dense<1> : tensor<8x8xi8>, bias = dense<0> : tensor<8xi32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{'@e' is not a nact.expert}}
  nact.moe_router @r : tensor<4x8xi8> -> tensor<8xi8> experts [@e] mode expert_choice {weight = dense<1> : tensor<1x8xi8>, capacity_factor = 1.0}
  nact.affine @e : tensor<8xi8> -> tensor<8xi32> {weight = dense<1> : tensor<8x8xi8>, bias = dense<0> : tensor<8xi32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{expert @e takes 'tensor<8xi32>' but the router sends 'tensor<8xi8>'}}
  nact.moe_router @r : tensor<4x8xi8> -> tensor<8xi8> experts [@e] mode expert_choice {weight = dense<1> : tensor<1x8xi8>, capacity_factor = 1.0}
  // expected-note @+1 {{expert defined here}}
  nact.expert @e : tensor<8xi32> -> tensor<8xi32> {weight = dense<1> : tensor<8x8xi8>, bias = dense<0> : tensor<8xi32>}
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-error @+1 {{unknown template @missing}}
  nact.actor @a : @missing
}

// -----

nact.graph @g dt 1.0 sync free {
  nact.template @t {
    nact.port @go in : i32
    nact.handler @go {
    ^bb0(%x: i32):
      // expected-error @+1 {{unknown template @nowhere}}
      %a = nact.spawn @nowhere bound 2 : !nact.addr
      nact.yield
    }
  }
}

// -----

nact.graph @g dt 1.0 sync free {
  nact.template @t {
    nact.port @go in : i32
    nact.handler @go {
    ^bb0(%x: i32):
      // expected-error @+1 {{spawn of @t is unbounded; give it a static 'bound'}}
      %a = nact.spawn @t : !nact.addr
      nact.yield
    }
  }
}

// -----

nact.graph @g dt 1.0 sync free {
  nact.template @t {
    nact.port @go in : i32
    nact.handler @go {
    ^bb0(%x: i32):
      // expected-error @+1 {{bound must be positive, got 0}}
      %a = nact.spawn @t bound 0 : !nact.addr
      nact.yield
    }
  }
}

// -----

nact.graph @g dt 1.0 sync free {
  nact.template @t {
    nact.port @result out : i32
    // expected-error @+1 {{@result is not an input port of @t}}
    nact.handler @result {
    ^bb0(%x: i32):
      nact.yield
    }
  }
}

// -----

nact.graph @g dt 1.0 sync free {
  nact.template @t {
    nact.port @go in : i32
    // expected-error @+1 {{body must take one argument of the port's type 'i32'}}
    nact.handler @go {
    ^bb0(%x: i8):
      nact.yield
    }
  }
}

// -----

func.func @f() {
  // expected-error @+1 {{must be inside a nact.template}}
  %0 = nact.state_read @n : i32
  return
}

// -----

func.func @f(%v: i32) {
  // expected-error @+1 {{must be inside a nact.template}}
  nact.emit @out, %v : i32
  return
}

// -----

nact.graph @g dt 1.0 sync free {
  nact.template @t {
    nact.port @go in : i32
    nact.handler @go {
    ^bb0(%x: i32):
      // expected-error @+1 {{unknown state @n}}
      nact.state_write @n, %x : i32
      nact.yield
    }
  }
}

// -----

nact.graph @g dt 1.0 sync free {
  nact.template @t {
    nact.port @go in : i32
    nact.state @n : i8
    nact.handler @go {
    ^bb0(%x: i32):
      // expected-error @+1 {{state @n has type 'i8', not 'i32'}}
      nact.state_write @n, %x : i32
      nact.yield
    }
  }
}

// -----

nact.graph @g dt 1.0 sync free {
  nact.template @t {
    nact.port @go in : i32
    nact.handler @go {
    ^bb0(%x: i32):
      // expected-error @+1 {{@go is not an output port of @t}}
      nact.emit @go, %x : i32
      nact.yield
    }
  }
}

// -----

nact.graph @g dt 1.0 sync free {
  nact.template @t {
    nact.port @go in : i32
    nact.port @out out : i8
    nact.handler @go {
    ^bb0(%x: i32):
      // expected-error @+1 {{port @out carries 'i8', not 'i32'}}
      nact.emit @out, %x : i32
      nact.yield
    }
  }
}

// -----

nact.graph @g dt 1.0 sync free {
  nact.output @y : i32
  // expected-error @+1 {{@y is not an input of the enclosing graph}}
  nact.channel @y -> @y capacity 1 overflow block
}

// -----

nact.graph @g dt 1.0 sync free {
  nact.input @x : i32
  // expected-error @+1 {{@x is not an output of the enclosing graph}}
  nact.channel @x -> @x capacity 1 overflow block
}

// -----

nact.graph @g dt 1.0 sync free {
  nact.input @x : i32
  // expected-error @+1 {{endpoint @a::@b::@c must be @actor::@port or @name}}
  nact.channel @x -> @a::@b::@c capacity 1 overflow block
}

// -----

nact.graph @g dt 1.0 sync free {
  nact.input @x : i32
  // expected-error @+1 {{unknown actor @nobody}}
  nact.channel @x -> @nobody::@in capacity 1 overflow block
}

// -----

nact.graph @g dt 1.0 sync free {
  nact.input @x : i32
  // expected-note @+1 {{defined here}}
  nact.template @t {
  }
  // expected-error @+1 {{@t is not an actor}}
  nact.channel @x -> @t::@in capacity 1 overflow block
}

// -----

nact.graph @g dt 1.0 sync free {
  nact.output @y : tensor<2xf32>
  // expected-note @+1 {{actor defined here}}
  nact.scale @s : tensor<2xf32> -> tensor<2xf32> {scale = dense<1.0> : tensor<1xf32>}
  // expected-error @+1 {{actor @s has no output port @spikes}}
  nact.channel @s::@spikes -> @y capacity 1 overflow block
}

// -----

nact.graph @g dt 1.0 sync free {
  nact.input @x : tensor<2xf32>
  // expected-note @+1 {{actor defined here}}
  nact.scale @s : tensor<2xf32> -> tensor<2xf32> {scale = dense<1.0> : tensor<1xf32>}
  // expected-error @+1 {{actor @s has no input port @out}}
  nact.channel @x -> @s::@out capacity 1 overflow block
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-note @+1 {{source port defined here}}
  nact.input @x : tensor<3xf32>
  // expected-note @+1 {{destination port defined here}}
  nact.scale @s : tensor<2xf32> -> tensor<2xf32> {scale = dense<1.0> : tensor<1xf32>}
  // expected-error @+1 {{shape mismatch: @x sends [3] but @s::@in expects [2]}}
  nact.channel @x -> @s::@in capacity 1 overflow block
}

// -----

nact.graph @g dt 1.0 sync free {
  // expected-note @+1 {{source port defined here}}
  nact.input @x : tensor<2xi8>
  // expected-note @+1 {{destination port defined here}}
  nact.scale @s : tensor<2xf32> -> tensor<2xf32> {scale = dense<1.0> : tensor<1xf32>}
  // expected-error @+1 {{type mismatch: @x sends 'tensor<2xi8>' but @s::@in expects 'tensor<2xf32>'}}
  nact.channel @x -> @s::@in capacity 1 overflow block
}

// -----

nact.graph @g dt 1.0 sync free {
  nact.input @x : i32
  nact.output @y : i32
  // expected-error @+1 {{mailbox capacity must be positive, got 0}}
  nact.channel @x -> @y capacity 0 overflow block
}

// -----

nact.graph @g dt 1.0 sync free {
  nact.input @x : i32
  // expected-error @+1 {{needs at least one destination}}
  nact.multicast @x -> [] capacity 1 overflow block
}
