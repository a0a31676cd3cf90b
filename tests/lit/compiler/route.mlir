// RUN: xpu-opt %s --nact-partition=max-elements-per-core=4 --nact-place --nact-route | FileCheck %s
// RUN: xpu-opt %s --nact-partition=max-elements-per-core=4 --nact-place --nact-route=multicast=false | FileCheck %s --check-prefix=UNICAST
// REQUIRES: mlir
// Routing: the input fans out to both slices of @fc with one multicast group
// (24-byte chunks: one 4-flit input buffer), each slice sends its 16 bytes of
// accumulators, and the partitioned output is gathered on slice 0.

module attributes {xpu.chip = #xpu.chip<width = 4, height = 4>} {
  nact.graph @g dt 1.0 sync barrier {
    nact.input @x : tensor<32xi8>
    nact.linear @fc : tensor<32xi8> -> tensor<8xi32> {weight = dense<1> : tensor<8x32xi8>}
    nact.output @y : tensor<8xi32>
    nact.channel @x -> @fc::@in capacity 1 overflow block
    nact.channel @fc::@out -> @y capacity 1 overflow block
  }
}

// CHECK: xpu.groups = [{destinations = array<i32: 1, 4>, id = 0 : i32, source = 0 : i32}]
// CHECK-SAME: xpu.messages = [
// CHECK-SAME: {begin = 0 : i32, bytes = 24 : i32, channel = 0 : i32, delay = 0 : i32, dsts = array<i32: 1, 2>, end = 24 : i32, group = 0 : i32, mailbox = 0 : i32, src = 0 : i32}
// CHECK-SAME: {begin = 24 : i32, bytes = 8 : i32, channel = 0 : i32, delay = 0 : i32, dsts = array<i32: 1, 2>, end = 32 : i32, group = 0 : i32, mailbox = 0 : i32, src = 0 : i32}
// The gather of slice 1's outputs (channel -1) into slice 0's output window.
// CHECK-SAME: {begin = 4 : i32, bytes = 16 : i32, channel = -1 : i32, delay = 0 : i32, dsts = array<i32: 1>, end = 8 : i32, group = -1 : i32, mailbox = 1 : i32, src = 2 : i32}

// Without multicast: one unicast message per slice (up to 256 bytes each).
// UNICAST: xpu.groups = []
// UNICAST-SAME: {begin = 0 : i32, bytes = 32 : i32, channel = 0 : i32, delay = 0 : i32, dsts = array<i32: 1>, end = 32 : i32, group = -1 : i32, mailbox = 0 : i32, src = 0 : i32}
// UNICAST-SAME: {begin = 0 : i32, bytes = 32 : i32, channel = 0 : i32, delay = 0 : i32, dsts = array<i32: 2>, end = 32 : i32, group = -1 : i32, mailbox = 0 : i32, src = 0 : i32}
