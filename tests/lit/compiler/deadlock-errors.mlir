// RUN: not xpu-opt %s --split-input-file --nact-check-deadlock 2>&1 | FileCheck %s
// REQUIRES: mlir
// Routings that could deadlock (hand-written: nact-route never assigns more
// messages to a mailbox than it holds). Chip: 3x1, mailboxes of depth 4,
// 2 VCs (mailbox m uses VC m mod 2). @a is on core 0, @b on core 1, @n on 2.

// @n first waits for @b's message (mailbox 2, VC 0) but @a sends six
// messages into mailbox 0 (VC 0): the fifth stalls in @n's ejection buffer
// on VC 0, in front of @b's.
module attributes {xpu.chip = #xpu.chip<width = 3, height = 1, mailbox_depth = 4>} {
  nact.graph @hol dt 1.0 sync barrier attributes {xpu.groups = [], xpu.messages = [{begin = 0 : i32, bytes = 32 : i32, channel = 1 : i32, delay = 0 : i32, dsts = array<i32: 2>, end = 48 : i32, group = -1 : i32, mailbox = 2 : i32, src = 1 : i32}, {begin = 0 : i32, bytes = 32 : i32, channel = 0 : i32, delay = 0 : i32, dsts = array<i32: 2>, end = 8 : i32, group = -1 : i32, mailbox = 0 : i32, src = 0 : i32}, {begin = 8 : i32, bytes = 32 : i32, channel = 0 : i32, delay = 0 : i32, dsts = array<i32: 2>, end = 16 : i32, group = -1 : i32, mailbox = 0 : i32, src = 0 : i32}, {begin = 16 : i32, bytes = 32 : i32, channel = 0 : i32, delay = 0 : i32, dsts = array<i32: 2>, end = 24 : i32, group = -1 : i32, mailbox = 0 : i32, src = 0 : i32}, {begin = 24 : i32, bytes = 32 : i32, channel = 0 : i32, delay = 0 : i32, dsts = array<i32: 2>, end = 32 : i32, group = -1 : i32, mailbox = 0 : i32, src = 0 : i32}, {begin = 32 : i32, bytes = 32 : i32, channel = 0 : i32, delay = 0 : i32, dsts = array<i32: 2>, end = 40 : i32, group = -1 : i32, mailbox = 0 : i32, src = 0 : i32}, {begin = 40 : i32, bytes = 32 : i32, channel = 0 : i32, delay = 0 : i32, dsts = array<i32: 2>, end = 48 : i32, group = -1 : i32, mailbox = 0 : i32, src = 0 : i32}]} {
    nact.input @a : tensor<48xi32> {xpu.partition = array<i32: 0, 48>, xpu.placement = array<i32: 0, 0>}
    nact.input @b : tensor<48xi32> {xpu.partition = array<i32: 0, 48>, xpu.placement = array<i32: 1, 0>}
    nact.lif @n : tensor<48xi32> -> tensor<48xi8> reset zero {nact.fixed_point = {bias = 0 : i32, du = 0 : i32, dv = 0 : i32, v_reset = 0 : i32, v_threshold = 4 : i32}, r = dense<1.0> : tensor<1xf32>, tau = dense<1.0> : tensor<1xf32>, v_leak = dense<0.0> : tensor<1xf32>, v_threshold = dense<4.0> : tensor<1xf32>, xpu.partition = array<i32: 0, 48>, xpu.placement = array<i32: 2, 0>}
    nact.output @y : tensor<48xi8>
    nact.channel @a -> @n::@in capacity 1 overflow block
    nact.channel @b -> @n::@in capacity 1 overflow block
    nact.channel @n::@out -> @y capacity 1 overflow block
  }
}

// CHECK: error: the programs could deadlock: a cycle of waits through channel 'a' -> 'n', channel 'b' -> 'n':
// CHECK-DAG: 'n' receives channel 'b' -> 'n' from mailbox 2 in step 0, which waits until
// CHECK-DAG: step 0's message of channel 'a' -> 'n' enters mailbox 0 of 'n' (full: depth 4), which waits until

// -----

// Six delay-1 messages per step into one mailbox of depth 4: step 0's
// fifth needs a slot that @n frees only in step 1, after the barrier.
module attributes {xpu.chip = #xpu.chip<width = 3, height = 1, mailbox_depth = 4>} {
  nact.graph @barrier dt 1.0 sync barrier attributes {xpu.groups = [], xpu.messages = [{begin = 0 : i32, bytes = 32 : i32, channel = 0 : i32, delay = 1 : i32, dsts = array<i32: 2>, end = 8 : i32, group = -1 : i32, mailbox = 0 : i32, src = 0 : i32}, {begin = 8 : i32, bytes = 32 : i32, channel = 0 : i32, delay = 1 : i32, dsts = array<i32: 2>, end = 16 : i32, group = -1 : i32, mailbox = 0 : i32, src = 0 : i32}, {begin = 16 : i32, bytes = 32 : i32, channel = 0 : i32, delay = 1 : i32, dsts = array<i32: 2>, end = 24 : i32, group = -1 : i32, mailbox = 0 : i32, src = 0 : i32}, {begin = 24 : i32, bytes = 32 : i32, channel = 0 : i32, delay = 1 : i32, dsts = array<i32: 2>, end = 32 : i32, group = -1 : i32, mailbox = 0 : i32, src = 0 : i32}, {begin = 32 : i32, bytes = 32 : i32, channel = 0 : i32, delay = 1 : i32, dsts = array<i32: 2>, end = 40 : i32, group = -1 : i32, mailbox = 0 : i32, src = 0 : i32}, {begin = 40 : i32, bytes = 32 : i32, channel = 0 : i32, delay = 1 : i32, dsts = array<i32: 2>, end = 48 : i32, group = -1 : i32, mailbox = 0 : i32, src = 0 : i32}, {begin = 0 : i32, bytes = 32 : i32, channel = 1 : i32, delay = 0 : i32, dsts = array<i32: 2>, end = 48 : i32, group = -1 : i32, mailbox = 2 : i32, src = 1 : i32}]} {
    nact.input @a : tensor<48xi32> {xpu.partition = array<i32: 0, 48>, xpu.placement = array<i32: 0, 0>}
    nact.input @b : tensor<48xi32> {xpu.partition = array<i32: 0, 48>, xpu.placement = array<i32: 1, 0>}
    nact.lif @n : tensor<48xi32> -> tensor<48xi8> reset zero {nact.fixed_point = {bias = 0 : i32, du = 0 : i32, dv = 0 : i32, v_reset = 0 : i32, v_threshold = 4 : i32}, r = dense<1.0> : tensor<1xf32>, tau = dense<1.0> : tensor<1xf32>, v_leak = dense<0.0> : tensor<1xf32>, v_threshold = dense<4.0> : tensor<1xf32>, xpu.partition = array<i32: 0, 48>, xpu.placement = array<i32: 2, 0>}
    nact.output @y : tensor<48xi8>
    nact.channel @a -> @n::@in capacity 1 overflow block delayed
    nact.channel @b -> @n::@in capacity 1 overflow block
    nact.channel @n::@out -> @y capacity 1 overflow block
  }
}

// CHECK: error: the programs could deadlock: a cycle of waits through channel 'a' -> 'n' and the timestep barrier:
// CHECK: the barrier of step 0 (waits for every core)

// -----

// Not routed yet.
module attributes {xpu.chip = #xpu.chip<width = 3, height = 1>} {
  nact.graph @g dt 1.0 sync barrier {
    nact.input @a : tensor<4xi8>
    nact.output @y : tensor<4xi8>
    nact.channel @a -> @y capacity 1 overflow block
  }
}

// CHECK: error: is not routed: run --nact-route first
