// RUN: xpu-opt %s --pass-pipeline='builtin.module(xpu-compile{max-elements-per-core=2 place=greedy})' | FileCheck %s
// RUN: xpu-opt %s --pass-pipeline='builtin.module(xpu-compile{max-elements-per-core=2 place=greedy})' | xpu-translate --xpu-to-exe -o %t.xpuexe
// RUN: xpu-objdump %t.xpuexe | FileCheck %s --check-prefix=EXE
// REQUIRES: mlir
// Lowering a mapped graph: a LIF population split in two slices, driven by a
// dense projection, with a recurrent delayed channel. Each core gets its
// buffers (state initialised with the fixed-point parameters) and the
// timestep loop: receive, compute, send, barrier.

module attributes {xpu.chip = #xpu.chip<width = 4, height = 4>} {
  nact.graph @snn dt 1.0 sync barrier {
    nact.input @x : tensor<2xi8>
    nact.linear @w : tensor<2xi8> -> tensor<4xi32> {weight = dense<[[1, 2], [3, 4], [5, 6], [7, 8]]> : tensor<4x2xi8>}
    nact.lif @pop : tensor<4xi32> -> tensor<4xi8> reset subtract {tau = dense<1.0> : tensor<1xf32>, r = dense<1.0> : tensor<1xf32>, v_leak = dense<0.0> : tensor<1xf32>, v_threshold = dense<9.0> : tensor<1xf32>, nact.fixed_point = {dv = 512 : i32, du = 0 : i32, v_threshold = 9 : i32, v_reset = 0 : i32, bias = 1 : i32}}
    nact.linear @rec : tensor<4xi8> -> tensor<4xi32> {weight = dense<1> : tensor<4x4xi8>}
    nact.output @s : tensor<4xi8>
    nact.channel @x -> @w::@in capacity 1 overflow block
    nact.channel @w::@out -> @pop::@in capacity 1 overflow block
    nact.channel @pop::@out -> @rec::@in capacity 1 overflow block
    nact.channel @rec::@out -> @pop::@in capacity 2 overflow block delayed
    nact.channel @pop::@out -> @s capacity 1 overflow block
  }
}

// The 4x4 chip is the default, so the attribute prints empty.
// CHECK: xpu.module @snn chip(#xpu.chip<>)
// CHECK: xpu.core @x at(0, 0)
// CHECK-NEXT: xpu.buffer @x : tensor<2xi8> host input
// CHECK: xpu.core @w_0 at
// CHECK: xpu.buffer @_w : tensor<4xi8> init dense<[1, 2, 3, 4]>
// CHECK: xpu.inst vdot r7, r1, r2, r3
// The population's slices sum two incoming channels with vadd32, then step.
// CHECK: xpu.core @pop_0 at
// CHECK: xpu.buffer @_state : tensor<7xi32> init dense<[512, 0, 9, 0, 1, 0, 0]>
// CHECK: xpu.buffer @_in0 : tensor<2xi32>
// CHECK: xpu.buffer @_in1 : tensor<2xi32>
// CHECK: xpu.buffer @s : tensor<4xi8> host output
// CHECK: xpu.label @step
// CHECK: xpu.vadd32 @_cur, @_in0, @_in1 count 2
// CHECK-NEXT: xpu.nstep @_spk, @_state, @_cur count 2 model lif reset subtract
// CHECK: xpu.inst vcopy r1, r2, r3
// CHECK: xpu.inst barrier
// CHECK-NEXT: xpu.inst jmp @step
// The recurrent layer sends its delay-1 messages once before the loop (the
// zeros of step -1), then every step.
// CHECK: xpu.core @rec_0 at
// CHECK-NOT: xpu.label @step
// CHECK: xpu.inst send r1, r2, r3
// CHECK: xpu.label @step
// CHECK-NOT: nact.

// EXE: image 0 'x'
// EXE: image 6 'rec_1'
// EXE: input 'x': core 0 (0,0), address 0, 2 bytes, i8
// EXE: output 's': core {{.*}} 4 bytes, i8
