// RUN: xpu-opt %S/Inputs/float-snn.mlir --nact-infer-shapes | FileCheck %s --check-prefix=SHAPES
// RUN: xpu-opt %S/Inputs/float-snn.mlir --nact-infer-shapes --nact-quantize=input-scale=10 2>&1 | FileCheck %s
// RUN: xpu-opt %S/Inputs/float-snn.mlir --nact-infer-shapes --nact-quantize=input-scale=10 | xpu-opt --nact-quantize | FileCheck %s --check-prefix=IDEMPOTENT
// RUN: xpu-cc %S/Inputs/float-snn.mlir --chip %S/Inputs/chip-2x2.json --run --steps 6 --inputs x=10,0,7,3 --print-outputs --check | FileCheck %s --check-prefix=RUNOUT
// REQUIRES: mlir

// SHAPES: nact.linear @proj : tensor<4xf32> -> tensor<3xf32>
// SHAPES: nact.lif @pop : tensor<3xf32> -> tensor<3xf32>
// SHAPES: nact.output @spikes : tensor<3xf32>

// Weights: 127 / max|w| = 127 / 2 = 63.5 per unit; accumulators at
// 10 x 63.5 = 635 per unit. LIF: dv = 4096 * 1e-3 / 1e-2 = 410 (rounded);
// membrane scale 635 * tau / (dt * r) = 6350; threshold 0.5 -> 3175.
// CHECK: remark: input: values x10 as i8
// CHECK: remark: weights x63.5, outputs x635 as i32
// CHECK: remark: dv 410/4096, membrane x6350: threshold 3175, bias 0
// CHECK: nact.input @x : tensor<4xi8>
// CHECK: nact.linear @proj : tensor<4xi8> -> tensor<3xi32> {weight = dense<{{\[\[}}32, -16, 64, 0], [8, 32, -64, 127], [95, 95, 16, -32]]> : tensor<3x4xi8>}
// CHECK: nact.lif @pop : tensor<3xi32> -> tensor<3xi8> reset zero {nact.fixed_point = {bias = 0 : i32, du = 0 : i32, dv = 410 : i32, v_reset = 0 : i32, v_threshold = 3175 : i32}
// CHECK: nact.output @spikes : tensor<3xi8>

// Quantising again changes nothing.
// IDEMPOTENT: nact.lif @pop : tensor<3xi32> -> tensor<3xi8> reset zero {nact.fixed_point = {bias = 0 : i32, du = 0 : i32, dv = 410 : i32, v_reset = 0 : i32, v_threshold = 3175 : i32}

// The quantised graph compiles and runs bit exact against the reference.
// RUNOUT: step 5 spikes:
// RUNOUT: outputs equal the reference executor bit for bit
