// RUN: xpu-opt %s --nact-check-deadlock | FileCheck %s
// RUN: xpu-opt %s --nact-partition --nact-place=strategy=greedy --nact-route --nact-check-deadlock | FileCheck %s --check-prefix=ROUTED
// REQUIRES: mlir
// Routings that cannot deadlock pass unchanged: @a's six messages over two
// mailboxes (4 + 2, as nact-route assigns them), and @b on VC 1.

module attributes {xpu.chip = #xpu.chip<width = 3, height = 1, mailbox_depth = 4>} {
  nact.graph @ok dt 1.0 sync barrier attributes {xpu.groups = [], xpu.messages = [{begin = 0 : i32, bytes = 32 : i32, channel = 1 : i32, delay = 0 : i32, dsts = array<i32: 2>, end = 48 : i32, group = -1 : i32, mailbox = 1 : i32, src = 1 : i32}, {begin = 0 : i32, bytes = 32 : i32, channel = 0 : i32, delay = 0 : i32, dsts = array<i32: 2>, end = 8 : i32, group = -1 : i32, mailbox = 0 : i32, src = 0 : i32}, {begin = 8 : i32, bytes = 32 : i32, channel = 0 : i32, delay = 0 : i32, dsts = array<i32: 2>, end = 16 : i32, group = -1 : i32, mailbox = 0 : i32, src = 0 : i32}, {begin = 16 : i32, bytes = 32 : i32, channel = 0 : i32, delay = 0 : i32, dsts = array<i32: 2>, end = 24 : i32, group = -1 : i32, mailbox = 0 : i32, src = 0 : i32}, {begin = 24 : i32, bytes = 32 : i32, channel = 0 : i32, delay = 0 : i32, dsts = array<i32: 2>, end = 32 : i32, group = -1 : i32, mailbox = 0 : i32, src = 0 : i32}, {begin = 32 : i32, bytes = 32 : i32, channel = 0 : i32, delay = 0 : i32, dsts = array<i32: 2>, end = 40 : i32, group = -1 : i32, mailbox = 4 : i32, src = 0 : i32}, {begin = 40 : i32, bytes = 32 : i32, channel = 0 : i32, delay = 0 : i32, dsts = array<i32: 2>, end = 48 : i32, group = -1 : i32, mailbox = 4 : i32, src = 0 : i32}]} {
    nact.input @a : tensor<48xi32> {xpu.partition = array<i32: 0, 48>, xpu.placement = array<i32: 0, 0>}
    nact.input @b : tensor<48xi32> {xpu.partition = array<i32: 0, 48>, xpu.placement = array<i32: 1, 0>}
    nact.lif @n : tensor<48xi32> -> tensor<48xi8> reset zero {nact.fixed_point = {bias = 0 : i32, du = 0 : i32, dv = 0 : i32, v_reset = 0 : i32, v_threshold = 4 : i32}, r = dense<1.0> : tensor<1xf32>, tau = dense<1.0> : tensor<1xf32>, v_leak = dense<0.0> : tensor<1xf32>, v_threshold = dense<4.0> : tensor<1xf32>, xpu.partition = array<i32: 0, 48>, xpu.placement = array<i32: 2, 0>}
    nact.output @y : tensor<48xi8>
    nact.channel @a -> @n::@in capacity 1 overflow block
    nact.channel @b -> @n::@in capacity 1 overflow block
    nact.channel @n::@out -> @y capacity 1 overflow block
  }
}

// CHECK: nact.graph @ok
// CHECK-SAME: mailbox = 1 : i32, src = 1 : i32
// CHECK-SAME: mailbox = 4 : i32, src = 0 : i32
// ROUTED: nact.graph @ok
// ROUTED-SAME: xpu.messages = [
