// RUN: dlcc-opt --split-input-file --dl-autodiff --dl-checkpoint="mode=blocks" --verify-diagnostics %s | FileCheck %s
// RUN: dlcc-opt --split-input-file --dl-autodiff --dl-checkpoint="mode=sqrt" --verify-diagnostics %s | FileCheck %s --check-prefix=SQRT
// RUN: dlcc-opt --split-input-file --dl-autodiff --dl-checkpoint="mode=none" %s | FileCheck %s --check-prefix=NONE

// Two blocks (ops tagged dl.block 0 and 1): each is computed again, from its
// input, right before the first backward op that needs its values, and the
// backward uses the copies; only the block outputs are kept.
dl.parameter @w0 : tensor<4xf32> = #dl.init<constant(0.5)>
dl.parameter @w1 : tensor<4xf32> = #dl.init<constant(0.5)>
func.func @forward(%x: tensor<4xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %w0 = dl.param @w0 {dl.block = 0 : i64} : tensor<4xf32>
  %a = dl.mul %x, %w0 {dl.block = 0 : i64} : tensor<4xf32>, tensor<4xf32>
  %b = dl.tanh %a {dl.block = 0 : i64} : tensor<4xf32>
  %w1 = dl.param @w1 {dl.block = 1 : i64} : tensor<4xf32>
  %c = dl.mul %b, %w1 {dl.block = 1 : i64} : tensor<4xf32>, tensor<4xf32>
  %d = dl.tanh %c {dl.block = 1 : i64} : tensor<4xf32>
  %l = dl.sum %d : tensor<4xf32>
  return %l : tensor<f32>
}
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: (%[[X:[a-z0-9]*]]: tensor<4xf32>
// CHECK: %[[B:.*]] = dl.tanh %{{.*}} {dl.block = 0 : i64}
// CHECK: %[[D:.*]] = dl.tanh %{{.*}} {dl.block = 1 : i64}
// CHECK: %[[L:.*]] = dl.sum %[[D]]
// The second block again, from the first block's kept output:
// CHECK: %[[W1:.*]] = dl.param @w1 : tensor<4xf32>
// CHECK-NEXT: %[[C2:.*]] = dl.mul %[[B]], %[[W1]] : tensor<4xf32>, tensor<4xf32>
// CHECK-NEXT: %[[D2:.*]] = dl.tanh %[[C2]] : tensor<4xf32>
// CHECK-NEXT: dl.mul %[[D2]], %[[D2]]
// The first block again, from the model's input:
// CHECK: %[[W0:.*]] = dl.param @w0 : tensor<4xf32>
// CHECK-NEXT: %[[A2:.*]] = dl.mul %[[X]], %[[W0]]
// CHECK-NEXT: %[[B2:.*]] = dl.tanh %[[A2]]
// CHECK-NEXT: dl.mul %{{.*}}, %[[B2]]
// CHECK-NEXT: dl.mul %[[B2]], %[[B2]]
// CHECK-NOT: %[[D]]
// CHECK: return %[[L]],

// Two blocks round to runs of one block (sqrt(2) ~ 1): the same.
// SQRT-LABEL: func.func @train_step
// SQRT: dl.param @w1 : tensor<4xf32>
// SQRT: dl.param @w0 : tensor<4xf32>

// NONE-LABEL: func.func @train_step
// NONE-NOT: dl.param @w1 : tensor<4xf32>
// NONE: return

// -----

// Four blocks: sqrt recomputes two at a time, each pair from its input.
dl.parameter @w : tensor<4xf32> = #dl.init<constant(0.5)>
func.func @forward(%x: tensor<4xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %w = dl.param @w : tensor<4xf32>
  %a = dl.mul %x, %w {dl.block = 0 : i64} : tensor<4xf32>, tensor<4xf32>
  %b = dl.tanh %a {dl.block = 1 : i64} : tensor<4xf32>
  %c = dl.tanh %b {dl.block = 2 : i64} : tensor<4xf32>
  %d = dl.tanh %c {dl.block = 3 : i64} : tensor<4xf32>
  %l = dl.sum %d : tensor<4xf32>
  return %l : tensor<f32>
}
// SQRT-LABEL: func.func @train_step
// SQRT-SAME: (%[[X:[a-z0-9]*]]: tensor<4xf32>
// SQRT: %[[A:.*]] = dl.mul %[[X]], %{{.*}} {dl.block = 0 : i64}
// SQRT: %[[B:.*]] = dl.tanh %[[A]] {dl.block = 1 : i64}
// SQRT: %[[C:.*]] = dl.tanh %[[B]] {dl.block = 2 : i64}
// Blocks 2 and 3 again from the kept output of block 1:
// SQRT: %[[C2:.*]] = dl.tanh %[[B]] : tensor<4xf32>
// SQRT-NEXT: %[[D2:.*]] = dl.tanh %[[C2]] : tensor<4xf32>
// Blocks 0 and 1 again from the input:
// SQRT: %[[A2:.*]] = dl.mul %[[X]], %{{.*}} : tensor<4xf32>, tensor<4xf32>
// SQRT-NEXT: %[[B2:.*]] = dl.tanh %[[A2]] : tensor<4xf32>
// blocks recomputes each block from the previous one's kept output.
// CHECK-LABEL: func.func @train_step
// CHECK: %[[B:.*]] = dl.tanh %{{.*}} {dl.block = 1 : i64}
// CHECK: %[[C:.*]] = dl.tanh %[[B]] {dl.block = 2 : i64}
// CHECK: dl.tanh %[[C]] : tensor<4xf32>
// CHECK: dl.tanh %[[B]] : tensor<4xf32>

// -----

// A model without blocks has nothing to checkpoint.
dl.parameter @w : tensor<4xf32> = #dl.init<constant(0.5)>
// expected-warning @+1 {{the model calls no block, nothing to checkpoint}}
func.func @forward(%x: tensor<4xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %w = dl.param @w : tensor<4xf32>
  %a = dl.mul %x, %w : tensor<4xf32>, tensor<4xf32>
  %l = dl.sum %a : tensor<4xf32>
  return %l : tensor<f32>
}
