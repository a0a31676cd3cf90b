// RUN: xpu-opt %s --pass-pipeline='builtin.module(xpu-compile{place=greedy})' | FileCheck %s
// RUN: xpu-opt %s --pass-pipeline='builtin.module(xpu-compile{place=greedy})' | xpu-translate --xpu-to-exe -o %t.xpuexe
// RUN: xpu-objdump %t.xpuexe | FileCheck %s --check-prefix=EXE
// RUN: xpu-cc %s --chip %S/Inputs/chip-4x4.json -o %t2.xpuexe --run --steps 1 --inputs x=3,1,1,2,2,-3,0,0,1 --print-outputs --check | FileCheck %s --check-prefix=EXEC
// REQUIRES: mlir
// Lowering a pool from nact IR: 4 jobs of 2 features, 1 result each,
// one job per worker, at most 2 workers spawned on the two highest cores.

module attributes {xpu.chip = #xpu.chip<width = 4, height = 4>} {
  nact.graph @g dt 1.0 sync barrier {
    nact.input @x : tensor<9xi8>
    nact.pool @p : tensor<9xi8> -> tensor<6xi8> {jobs = 4, jobs_per_worker = 1, max_workers = 2, on_bound = "self", weight = dense<[[1, 2]]> : tensor<1x2xi8>, bias = dense<[1]> : tensor<1xi32>, nact.requantize = {shift = 0 : i32, relu = false}}
    nact.output @y : tensor<6xi8>
    nact.channel @x -> @p::@in capacity 1 overflow block
    nact.channel @p::@out -> @y capacity 1 overflow block
  }
}

// The dispatcher: a placed core with the workers-needed table min(2, c).
// CHECK: xpu.core @p at
// CHECK: xpu.buffer @_need : tensor<5xi8> init dense<[0, 1, 2, 2, 2]>
// Newly needed workers are spawned, worker w on the w-th spare core (the
// highest core ids: 15 = (3, 3), 14 = (2, 3)) with its index as argument.
// CHECK: xpu.spawn @p.worker0 at(3, 3) arg 0
// CHECK: xpu.spawn @p.worker1 at(2, 3) arg 1
// CHECK: xpu.label @pool_spawned
// Every live worker gets one message per step (its jobs, maybe none).
// CHECK: xpu.inst send r1, r2, r3
// CHECK: xpu.label @pool_dispatched
// The excess is computed by the dispatcher (on_bound = self).
// CHECK: xpu.label @pool_excess
// Replies are placed by their source core (recv returns src << 16 | len).
// CHECK: xpu.inst recv r5, r1
// CHECK-NEXT: xpu.inst shri r9, r5, 16
// CHECK: xpu.label @pool_replied
// CHECK: xpu.inst barrier
// The spare cores stay idle at load; the worker images have no tile.
// CHECK: xpu.spare at(3, 3)
// CHECK-NEXT: xpu.core @p.worker0 {
// CHECK: xpu.label @step
// CHECK-NEXT: xpu.inst li r1, @_x
// CHECK-NEXT: xpu.inst recv r5, r1
// The reply goes to the source of the jobs (r7 = r5 >> 16), not to a fixed core.
// CHECK-NEXT: xpu.inst shri r7, r5, 16
// CHECK: xpu.label @reply
// CHECK: xpu.inst send r7, r2, r3
// CHECK-NEXT: xpu.inst barrier
// CHECK: xpu.spare at(2, 3)
// CHECK-NEXT: xpu.core @p.worker1 {

// EXE: image 1 'p'
// EXE: spawn r12, r13, 2
// EXE: spawn r12, r13, 3
// EXE: image 2 'p.worker0'
// EXE: image 3 'p.worker1'
// EXE: core 15 (3,3) is a spare
// EXE: core 14 (2,3) is a spare

// 3 jobs: y = 1 + x0 + 2 x1 = 4, 7, -2 (worker 0, worker 1, the dispatcher),
// then 2 live workers and none dropped.
// EXEC: step 0 y: 4 7 -2 0 2 0
// EXEC: outputs equal the reference executor bit for bit
