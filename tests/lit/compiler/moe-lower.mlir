// RUN: xpu-opt %s --pass-pipeline='builtin.module(xpu-compile{place=greedy})' | FileCheck %s
// RUN: xpu-opt %s --pass-pipeline='builtin.module(xpu-compile{place=greedy})' | xpu-translate --xpu-to-exe -o %t.xpuexe
// RUN: xpu-objdump %t.xpuexe | FileCheck %s --check-prefix=EXE
// RUN: xpu-cc %s --chip %S/Inputs/chip-4x4.json -o %t2.xpuexe --run --steps 2 --inputs x=5,-3,7,2,9,-1,4,4,4,-8,0,6 --print-outputs --check | FileCheck %s --check-prefix=EXEC
// REQUIRES: mlir
// Lowering an expert-choice mixture from nact IR: 4 tokens of 3 features,
// 3 experts taking 2 tokens each, every dispatch a full 2 x (2 + 3) bytes.

module attributes {xpu.chip = #xpu.chip<width = 4, height = 4>} {
  nact.graph @ec dt 1.0 sync barrier {
    nact.input @x : tensor<12xi8>
    nact.moe_router @m : tensor<12xi8> -> tensor<8xi32> experts [@a, @b, @c] mode expert_choice {weight = dense<[[1, 0, 0], [0, 1, 0], [0, 0, 1]]> : tensor<3x3xi8>, tokens = 4, capacity = 2, gate_shift = 2}
    nact.expert @a : tensor<3xi8> -> tensor<2xi8> {weight = dense<1> : tensor<2x3xi8>, bias = dense<[1, 2]> : tensor<2xi32>, nact.requantize = {shift = 1 : i32, relu = true}}
    nact.expert @b : tensor<3xi8> -> tensor<2xi8> {weight = dense<2> : tensor<2x3xi8>, bias = dense<0> : tensor<2xi32>, nact.requantize = {shift = 1 : i32, relu = true}}
    nact.expert @c : tensor<3xi8> -> tensor<2xi8> {weight = dense<-1> : tensor<2x3xi8>, bias = dense<0> : tensor<2xi32>, nact.requantize = {shift = 1 : i32, relu = true}}
    nact.output @y : tensor<8xi32>
    nact.channel @x -> @m::@in capacity 1 overflow block
    nact.channel @m::@out -> @y capacity 1 overflow block
  }
}

// CHECK: xpu.core @m at
// CHECK: xpu.buffer @_d : tensor<30xi8>
// Expert-major scores: the outer loop walks the router rows.
// CHECK: xpu.inst li r1, @_wr
// CHECK: xpu.label @moe_score_outer
// CHECK-NEXT: xpu.inst li r2, @_x
// CHECK: xpu.vreq @_g, @_s count 12 shift 2
// Each expert: its scores copied, then `capacity` picks by vargmax.
// CHECK: xpu.label @moe_expert
// CHECK: xpu.inst li r12, 2
// CHECK-NEXT: xpu.label @moe_pick
// CHECK: xpu.inst vargmax r13, r1, r3
// Full dispatch buffers: a constant length.
// CHECK: xpu.inst li r2, @_d
// CHECK-NEXT: xpu.inst li r3, 10
// CHECK-NEXT: xpu.inst send r1, r2, r3, 0
// CHECK: xpu.inst li r2, @_d + 20
// CHECK-NEXT: xpu.inst li r3, 10
// Three replies share one mailbox (depth 4).
// CHECK: xpu.inst li r9, 3
// CHECK: xpu.inst vmacs r6, r1, r7, r3
// CHECK: xpu.core @a at
// CHECK: xpu.buffer @_b : tensor<2xi32> init dense<[1, 2]>
// CHECK: xpu.inst shri r10, r2, 16
// CHECK: xpu.inst vreq r1, r4, r3, 1, relu
// CHECK: xpu.inst send r10, r2, r3,
// CHECK: xpu.core @b at
// CHECK: xpu.core @c at
// CHECK-NOT: nact.

// EXE: image 1 'm'
// EXE: image 4 'c'
// EXE: output 'y': core {{.*}} 32 bytes, i32

// Tokens [5, -3, 7], [2, 9, -1], [4, 4, 4], [-8, 0, 6]; scores = features.
// a takes t0, t2 (gates (5 + 2) >> 2 = 1, (4 + 2) >> 2 = 1), b takes t1, t2
// (gates 2, 1), c takes t0, t3 (gates 2, 2). y_a(t0) = [5, 6], y_a(t2) =
// [7, 7], y_b(t1) = [10, 10], y_b(t2) = [12, 12], y_c(t0) = relu: [0, 0],
// y_c(t3) = [1, 1].
// EXEC: step 0 y: 5 6 20 20 19 19 2 2
// EXEC: outputs equal the reference executor bit for bit
