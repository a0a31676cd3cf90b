// RUN: xpu-opt %s --nact-partition "--nact-place=strategy=greedy report=true" 2>&1 | FileCheck %s --check-prefix=GREEDY
// RUN: xpu-opt %s --nact-partition "--nact-place=strategy=anneal seed=7 report=true" 2>&1 | FileCheck %s --check-prefix=ANNEAL
// RUN: xpu-opt %s --nact-partition "--nact-place=strategy=anneal seed=7 report=true" 2>&1 | FileCheck %s --check-prefix=ANNEAL
// RUN: xpu-opt %s --nact-partition "--nact-place=strategy=anneal seed=3 balance-weight=0.5 report=true" 2>&1 | FileCheck %s --check-prefix=ANNEAL
// RUN: not xpu-opt %s --nact-partition "--nact-place=strategy=best" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not xpu-opt %s --nact-partition "--nact-place=spare-cores=5" 2>&1 | FileCheck %s --check-prefix=SPARE
// REQUIRES: mlir
// Annealing beats greedy on a hub: the input feeds four layers, 8 bytes
// each. Greedy puts the input first, at (0, 0), so only two layers can be
// one hop away: 8 x (1 + 1 + 2 + 2) = 48. At most four cores lie one hop
// from any core, so 4 x 8 = 32 is a lower bound, and annealing reaches it
// with the input in the middle of the 3x3 chip.

module attributes {xpu.chip = #xpu.chip<width = 3, height = 3>} {
  nact.graph @hub dt 1.0 sync barrier {
    nact.input @x : tensor<8xi8>
    nact.linear @a : tensor<8xi8> -> tensor<2xi32> {weight = dense<1> : tensor<2x8xi8>}
    nact.linear @b : tensor<8xi8> -> tensor<2xi32> {weight = dense<1> : tensor<2x8xi8>}
    nact.linear @c : tensor<8xi8> -> tensor<2xi32> {weight = dense<1> : tensor<2x8xi8>}
    nact.linear @d : tensor<8xi8> -> tensor<2xi32> {weight = dense<1> : tensor<2x8xi8>}
    nact.output @ya : tensor<2xi32>
    nact.output @yb : tensor<2xi32>
    nact.output @yc : tensor<2xi32>
    nact.output @yd : tensor<2xi32>
    nact.channel @x -> @a::@in capacity 1 overflow block
    nact.channel @x -> @b::@in capacity 1 overflow block
    nact.channel @x -> @c::@in capacity 1 overflow block
    nact.channel @x -> @d::@in capacity 1 overflow block
    nact.channel @a::@out -> @ya capacity 1 overflow block
    nact.channel @b::@out -> @yb capacity 1 overflow block
    nact.channel @c::@out -> @yc capacity 1 overflow block
    nact.channel @d::@out -> @yd capacity 1 overflow block
  }
}

// GREEDY: remark: placement cost 48 (bytes per step x hops) over 5 cores, lower bound 32, gap 1.500, max link load {{[0-9]+}} B (greedy)
// GREEDY: nact.input @x {{.*}}xpu.placement = array<i32: 0, 0>

// ANNEAL: remark: placement cost 32 (bytes per step x hops) over 5 cores, lower bound 32, gap 1.000, max link load 8 B (anneal seed {{[0-9]+}}, greedy cost 48, {{[0-9]+}} moves)
// ANNEAL: nact.input @x {{.*}}xpu.placement = array<i32: 1, 1>

// BAD: error: unknown placement strategy 'best' (expected greedy or anneal)
// SPARE: error: the graph needs 5 cores (one per partition) but the 3x3 chip has 9 (5 kept free for spawn)
