// RUN: xpu-opt %s | xpu-opt | FileCheck %s
// RUN: xpu-opt %s --mlir-print-op-generic | xpu-opt | FileCheck %s
// RUN: xpu-opt %s --emit-bytecode | xpu-opt | FileCheck %s
// REQUIRES: mlir
// Round trip of every nact op, type and attribute.

// CHECK-LABEL: nact.graph @net dt 1.000000e-03 sync barrier
nact.graph @net dt 1.0e-3 sync barrier {
  // CHECK: nact.input @x : tensor<4xf32>
  nact.input @x : tensor<4xf32>
  // CHECK: nact.output @y : tensor<2x!nact.fixed<8, 0>>
  nact.output @y : tensor<2x!nact.fixed<8, 0>>
  // CHECK: nact.linear @lin : tensor<4xf32> -> tensor<3xf32> {weight = dense<1.000000e+00> : tensor<3x4xf32>}
  nact.linear @lin : tensor<4xf32> -> tensor<3xf32> {weight = dense<1.0> : tensor<3x4xf32>}
  // CHECK: nact.affine @aff : tensor<3xf32> -> tensor<2xf32> {bias = dense<0.000000e+00> : tensor<2xf32>, weight = dense<5.000000e-01> : tensor<2x3xf32>}
  nact.affine @aff : tensor<3xf32> -> tensor<2xf32> {weight = dense<0.5> : tensor<2x3xf32>, bias = dense<0.0> : tensor<2xf32>}
  // CHECK: nact.scale @sc : tensor<2xf32> -> tensor<2xf32> {scale = dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>}
  nact.scale @sc : tensor<2xf32> -> tensor<2xf32> {scale = dense<[1.0, 2.0]> : tensor<2xf32>}
  // CHECK: nact.threshold @th : tensor<2xf32> -> tensor<2xi1> {threshold = dense<1.000000e+00> : tensor<1xf32>}
  nact.threshold @th : tensor<2xf32> -> tensor<2xi1> {threshold = dense<1.0> : tensor<1xf32>}
  // CHECK: nact.delay @dl : tensor<2xf32> -> tensor<2xf32> {delay = dense<2.000000e-03> : tensor<1xf32>}
  nact.delay @dl : tensor<2xf32> -> tensor<2xf32> {delay = dense<2.0e-3> : tensor<1xf32>}
  // CHECK: nact.li @li : tensor<2xf32> -> tensor<2xf32> {r = dense<1.000000e+00> : tensor<1xf32>, tau = dense<2.000000e-02> : tensor<1xf32>, v_leak = dense<0.000000e+00> : tensor<1xf32>}
  nact.li @li : tensor<2xf32> -> tensor<2xf32> {tau = dense<0.02> : tensor<1xf32>, r = dense<1.0> : tensor<1xf32>, v_leak = dense<0.0> : tensor<1xf32>}
  // CHECK: nact.lif @lif : tensor<2xf32> -> tensor<2xf32> reset subtract {r =
  nact.lif @lif : tensor<2xf32> -> tensor<2xf32> reset subtract {tau = dense<0.02> : tensor<2xf32>, r = dense<1.0> : tensor<1xf32>, v_leak = dense<0.0> : tensor<1xf32>, v_threshold = dense<1.0> : tensor<1xf32>}
  // CHECK: nact.cuba_lif @cuba : tensor<2xf32> -> tensor<2xf32> reset to_value {{.*}}tau_mem = {{.*}}tau_syn = {{.*}}v_reset = dense<-1.000000e+00> : tensor<1xf32>{{.*}}w_in =
  nact.cuba_lif @cuba : tensor<2xf32> -> tensor<2xf32> reset to_value {tau_mem = dense<0.02> : tensor<1xf32>, tau_syn = dense<0.005> : tensor<1xf32>, r = dense<1.0> : tensor<1xf32>, v_leak = dense<0.0> : tensor<1xf32>, v_threshold = dense<1.0> : tensor<1xf32>, w_in = dense<1.0> : tensor<1xf32>, v_reset = dense<-1.0> : tensor<1xf32>}
  // CHECK: nact.if @if : tensor<2x!nact.fixed<24, 0>> -> tensor<2x!nact.fixed<8, 0>> reset zero {r = dense<1> : tensor<1xi32>, v_threshold = dense<64> : tensor<1xi32>}
  nact.if @if : tensor<2x!nact.fixed<24, 0>> -> tensor<2x!nact.fixed<8, 0>> reset zero {r = dense<1> : tensor<1xi32>, v_threshold = dense<64> : tensor<1xi32>}
  // CHECK: nact.channel @x -> @lin::@in capacity 4 overflow block
  nact.channel @x -> @lin::@in capacity 4 overflow block
  // CHECK: nact.channel @lin::@out -> @aff::@in capacity 1 overflow drop_newest
  nact.channel @lin::@out -> @aff::@in capacity 1 overflow drop_newest
  // CHECK: nact.multicast @aff::@out -> [@sc::@in, @dl::@in, @li::@in] capacity 2 overflow drop_oldest
  nact.multicast @aff::@out -> [@sc::@in, @dl::@in, @li::@in] capacity 2 overflow drop_oldest
  // A cycle through a delayed channel is fine in a barrier graph.
  // CHECK: nact.channel @sc::@out -> @lif::@in capacity 1 overflow error
  nact.channel @sc::@out -> @lif::@in capacity 1 overflow error
  // CHECK: nact.channel @lif::@out -> @sc::@in capacity 1 overflow block delayed
  nact.channel @lif::@out -> @sc::@in capacity 1 overflow block delayed
  // CHECK: nact.channel @dl::@out -> @cuba::@in
  nact.channel @dl::@out -> @cuba::@in capacity 1 overflow block
  // And so is a cycle through a delay actor.
  nact.channel @cuba::@out -> @dl::@in capacity 1 overflow block
}

// CHECK-LABEL: nact.graph @conv dt 1.000000e+00 sync free
nact.graph @conv dt 1.0 sync free {
  nact.input @img : tensor<1x8x8xi8>
  // CHECK: nact.conv2d @c : tensor<1x8x8xi8> -> tensor<2x4x4xi32> {bias = dense<0> : tensor<2xi32>, dilation = array<i64: 1, 1>, groups = 1 : i64, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>, weight = dense<1> : tensor<2x1x3x3xi8>}
  nact.conv2d @c : tensor<1x8x8xi8> -> tensor<2x4x4xi32> {weight = dense<1> : tensor<2x1x3x3xi8>, bias = dense<0> : tensor<2xi32>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>, groups = 1}
  // CHECK: nact.sum_pool2d @p : tensor<2x4x4xi32> -> tensor<2x2x2xi32> {kernel_size = array<i64: 2, 2>, padding = array<i64: 0, 0>, stride = array<i64: 2, 2>}
  nact.sum_pool2d @p : tensor<2x4x4xi32> -> tensor<2x2x2xi32> {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>}
  // CHECK: nact.flatten @f : tensor<2x2x2xi32> -> tensor<8xi32> {end_dim = -1 : i64, start_dim = 0 : i64}
  nact.flatten @f : tensor<2x2x2xi32> -> tensor<8xi32> {start_dim = 0, end_dim = -1}
  nact.channel @img -> @c::@in capacity 1 overflow block
  nact.channel @c::@out -> @p::@in capacity 1 overflow block
  nact.channel @p::@out -> @f::@in capacity 1 overflow block
  // Cycles are allowed in free-running graphs.
  nact.scale @s : tensor<8xi32> -> tensor<8xi32> {scale = dense<2> : tensor<1xi32>}
  nact.channel @f::@out -> @s::@in capacity 1 overflow block
  nact.channel @s::@out -> @s::@in capacity 1 overflow block
}

// CHECK-LABEL: nact.graph @moe
nact.graph @moe dt 1.0 sync free {
  nact.input @tokens : tensor<4x8xi8>
  // CHECK: nact.moe_router @r : tensor<4x8xi8> -> tensor<8xi8> experts [@e0, @e1] mode expert_choice {capacity_factor = 1.250000e+00 : f64, weight = dense<1> : tensor<2x8xi8>}
  nact.moe_router @r : tensor<4x8xi8> -> tensor<8xi8> experts [@e0, @e1] mode expert_choice {weight = dense<1> : tensor<2x8xi8>, capacity_factor = 1.25}
  // CHECK: nact.moe_router @r2 : tensor<4x8xi8> -> tensor<8xi8> experts [@e0, @e1] mode token_choice {k = 1 : i64,
  nact.moe_router @r2 : tensor<4x8xi8> -> tensor<8xi8> experts [@e0, @e1] mode token_choice {k = 1, weight = dense<1> : tensor<2x8xi8>}
  // CHECK: nact.expert @e0 : tensor<8xi8> -> tensor<8xi32>
  nact.expert @e0 : tensor<8xi8> -> tensor<8xi32> {weight = dense<1> : tensor<8x8xi8>, bias = dense<0> : tensor<8xi32>}
  nact.expert @e1 : tensor<8xi8> -> tensor<8xi32> {weight = dense<2> : tensor<8x8xi8>, bias = dense<0> : tensor<8xi32>}
  nact.channel @tokens -> @r::@in capacity 2 overflow block
}

// CHECK-LABEL: nact.graph @actors
nact.graph @actors dt 1.0e-3 sync barrier {
  // CHECK: nact.template @counter {
  nact.template @counter {
    // CHECK: nact.port @tick in : tensor<1xi8>
    nact.port @tick in : tensor<1xi8>
    // CHECK: nact.port @count out : tensor<1xi32>
    nact.port @count out : tensor<1xi32>
    // CHECK: nact.port @reply_to in : !nact.addr
    nact.port @reply_to in : !nact.addr
    // CHECK: nact.state @n : tensor<1xi32> = dense<0> : tensor<1xi32>
    nact.state @n : tensor<1xi32> = dense<0> : tensor<1xi32>
    // CHECK: nact.handler @tick {
    // CHECK-NEXT: ^bb0(%{{.*}}: tensor<1xi8>):
    nact.handler @tick {
    ^bb0(%msg: tensor<1xi8>):
      // CHECK: nact.state_read @n : tensor<1xi32>
      %n = nact.state_read @n : tensor<1xi32>
      %one = arith.constant dense<1> : tensor<1xi32>
      %next = arith.addi %n, %one : tensor<1xi32>
      // CHECK: nact.state_write @n, %{{.*}} : tensor<1xi32>
      nact.state_write @n, %next : tensor<1xi32>
      // CHECK: nact.emit @count, %{{.*}} : tensor<1xi32>
      nact.emit @count, %next : tensor<1xi32>
      // CHECK: nact.yield
      nact.yield
    }
    nact.handler @reply_to {
    ^bb0(%addr: !nact.addr):
      // CHECK: %[[SELF:.*]] = nact.self : !nact.addr
      %self = nact.self : !nact.addr
      // CHECK: nact.send %{{.*}}, "reply_to", %[[SELF]] : !nact.addr
      nact.send %addr, "reply_to", %self : !nact.addr
      // CHECK: nact.spawn @worker bound 4 : !nact.addr
      %w = nact.spawn @worker bound 4 : !nact.addr
      nact.yield
    }
  }
  nact.template @worker {
    nact.port @job in : tensor<1xi32>
  }
  nact.input @clock : tensor<1xi8>
  nact.output @total : tensor<1xi32>
  // CHECK: nact.actor @c0 : @counter
  nact.actor @c0 : @counter
  nact.channel @clock -> @c0::@tick capacity 1 overflow block
  nact.channel @c0::@count -> @total capacity 1 overflow block
  // Nested graphs are actors whose ports are their inputs and outputs.
  // CHECK: nact.graph @inner dt 1.000000e-03 sync barrier
  nact.graph @inner dt 1.0e-3 sync barrier {
    nact.input @a : tensor<1xi32>
    nact.output @b : tensor<1xi32>
    nact.channel @a -> @b capacity 1 overflow block
  }
  // CHECK: nact.channel @c0::@count -> @inner::@a
  nact.channel @c0::@count -> @inner::@a capacity 1 overflow block
}
