// RUN: dlcc-opt --split-input-file --dl-fuse-classifier %s | FileCheck %s

// A classifier with a bias (mlp's head): the loss gradient and its three
// products become one dl.classifier_grad, built where the first product
// was; the forward's loss stays.
// CHECK-LABEL: func.func @head
// CHECK: %[[LOSS:.*]] = dl.cross_entropy %[[LOGITS:.*]], %arg3
// CHECK: %[[SEED:.*]] = arith.constant
// CHECK: %[[DX:.*]], %[[DW:.*]], %[[DB:.*]] = dl.classifier_grad %[[LOGITS]], %arg3, %[[SEED]], %arg0, %arg1 {label_smoothing = 1.000000e-01 : f64} : tensor<4x10xf32>, tensor<4xi32>, tensor<f32>, tensor<4x6xf32>, tensor<10x6xf32> -> tensor<10xf32>
// CHECK-NOT: dl.cross_entropy_grad
// CHECK-NOT: dl.matmul
// CHECK: return %[[LOSS]], %[[DX]], %[[DW]], %[[DB]]
func.func @head(%x: tensor<4x6xf32>, %w: tensor<10x6xf32>, %b: tensor<10xf32>, %y: tensor<4xi32>) -> (tensor<f32>, tensor<4x6xf32>, tensor<10x6xf32>, tensor<10xf32>) {
  %wt = dl.transpose %w {permutation = array<i64: 1, 0>} : tensor<10x6xf32>
  %z = dl.matmul %x, %wt : tensor<4x6xf32>, tensor<6x10xf32>
  %logits = dl.add %z, %b : tensor<4x10xf32>, tensor<10xf32>
  %loss = dl.cross_entropy %logits, %y {label_smoothing = 0.1 : f64} : tensor<4x10xf32>, tensor<4xi32>
  %seed = arith.constant dense<1.0> : tensor<f32>
  %g = dl.cross_entropy_grad %logits, %y, %seed {label_smoothing = 0.1 : f64} : tensor<4x10xf32>, tensor<4xi32>, tensor<f32>
  %dx = dl.matmul %g, %w : tensor<4x10xf32>, tensor<10x6xf32>
  %gt = dl.transpose %g {permutation = array<i64: 1, 0>} : tensor<4x10xf32>
  %dw = dl.matmul %gt, %x : tensor<10x4xf32>, tensor<4x6xf32>
  %db = dl.sum %g {axes = array<i64: 0>} : tensor<4x10xf32>
  return %loss, %dx, %dw, %db : tensor<f32>, tensor<4x6xf32>, tensor<10x6xf32>, tensor<10xf32>
}

// -----

// A language model's head (gpt's): [B, T, V] logits, the gradient reshaped
// to rows, no bias. The logits and labels are reshaped to rows for the op;
// its bias gradient goes unused.
// CHECK-LABEL: func.func @lm_head
// CHECK-DAG: %[[L2:.*]] = dl.reshape %{{.*}} : tensor<2x3x5xf32> -> tensor<6x5xf32>
// CHECK-DAG: %[[Y2:.*]] = dl.reshape %arg2 : tensor<2x3xi32> -> tensor<6xi32>
// CHECK: %[[DX:.*]], %[[DW:.*]], %{{.*}} = dl.classifier_grad %[[L2]], %[[Y2]], %{{.*}}, %arg0, %arg1 {ignore_index = 4 : i64} : tensor<6x5xf32>, tensor<6xi32>, tensor<f32>, tensor<6x8xf32>, tensor<5x8xf32> -> tensor<5xf32>
// CHECK-NOT: dl.cross_entropy_grad
// CHECK: return %[[DX]], %[[DW]]
func.func @lm_head(%h: tensor<6x8xf32>, %w: tensor<5x8xf32>, %y: tensor<2x3xi32>, %seed: tensor<f32>) -> (tensor<6x8xf32>, tensor<5x8xf32>, tensor<f32>) {
  %wt = dl.transpose %w {permutation = array<i64: 1, 0>} : tensor<5x8xf32>
  %z = dl.matmul %h, %wt : tensor<6x8xf32>, tensor<8x5xf32>
  %logits = dl.reshape %z : tensor<6x5xf32> -> tensor<2x3x5xf32>
  %loss = dl.cross_entropy %logits, %y {ignore_index = 4 : i64} : tensor<2x3x5xf32>, tensor<2x3xi32>
  %g = dl.cross_entropy_grad %logits, %y, %seed {ignore_index = 4 : i64} : tensor<2x3x5xf32>, tensor<2x3xi32>, tensor<f32>
  %g2 = dl.reshape %g : tensor<2x3x5xf32> -> tensor<6x5xf32>
  %dx = dl.matmul %g2, %w : tensor<6x5xf32>, tensor<5x8xf32>
  %gt = dl.transpose %g2 {permutation = array<i64: 1, 0>} : tensor<6x5xf32>
  %dw = dl.matmul %gt, %h : tensor<5x6xf32>, tensor<6x8xf32>
  return %dx, %dw, %loss : tensor<6x8xf32>, tensor<5x8xf32>, tensor<f32>
}

// -----

// The gradient is needed whole (returned too): nothing changes.
// CHECK-LABEL: func.func @gradient_used
// CHECK-NOT: dl.classifier_grad
// CHECK: dl.cross_entropy_grad
func.func @gradient_used(%x: tensor<4x6xf32>, %w: tensor<10x6xf32>, %logits: tensor<4x10xf32>, %y: tensor<4xi32>, %seed: tensor<f32>) -> (tensor<f32>, tensor<4x6xf32>, tensor<10x6xf32>, tensor<4x10xf32>) {
  %loss = dl.cross_entropy %logits, %y : tensor<4x10xf32>, tensor<4xi32>
  %g = dl.cross_entropy_grad %logits, %y, %seed : tensor<4x10xf32>, tensor<4xi32>, tensor<f32>
  %dx = dl.matmul %g, %w : tensor<4x10xf32>, tensor<10x6xf32>
  %gt = dl.transpose %g {permutation = array<i64: 1, 0>} : tensor<4x10xf32>
  %dw = dl.matmul %gt, %x : tensor<10x4xf32>, tensor<4x6xf32>
  return %loss, %dx, %dw, %g : tensor<f32>, tensor<4x6xf32>, tensor<10x6xf32>, tensor<4x10xf32>
}

// -----

// Without the forward's loss nothing has checked the labels: nothing
// changes (the fused kernel does not report bad labels).
// CHECK-LABEL: func.func @no_forward_loss
// CHECK-NOT: dl.classifier_grad
func.func @no_forward_loss(%x: tensor<4x6xf32>, %w: tensor<10x6xf32>, %logits: tensor<4x10xf32>, %y: tensor<4xi32>, %seed: tensor<f32>) -> (tensor<4x6xf32>, tensor<10x6xf32>) {
  %g = dl.cross_entropy_grad %logits, %y, %seed : tensor<4x10xf32>, tensor<4xi32>, tensor<f32>
  %dx = dl.matmul %g, %w : tensor<4x10xf32>, tensor<10x6xf32>
  %gt = dl.transpose %g {permutation = array<i64: 1, 0>} : tensor<4x10xf32>
  %dw = dl.matmul %gt, %x : tensor<10x4xf32>, tensor<4x6xf32>
  return %dx, %dw : tensor<4x6xf32>, tensor<10x6xf32>
}

// -----

// i64 labels and f64 logits have no fused kernel.
// CHECK-LABEL: func.func @i64_labels
// CHECK-NOT: dl.classifier_grad
// CHECK-LABEL: func.func @f64_logits
// CHECK-NOT: dl.classifier_grad
func.func @i64_labels(%x: tensor<4x6xf32>, %w: tensor<10x6xf32>, %logits: tensor<4x10xf32>, %y: tensor<4xi64>, %seed: tensor<f32>) -> (tensor<f32>, tensor<4x6xf32>, tensor<10x6xf32>) {
  %loss = dl.cross_entropy %logits, %y : tensor<4x10xf32>, tensor<4xi64>
  %g = dl.cross_entropy_grad %logits, %y, %seed : tensor<4x10xf32>, tensor<4xi64>, tensor<f32>
  %dx = dl.matmul %g, %w : tensor<4x10xf32>, tensor<10x6xf32>
  %gt = dl.transpose %g {permutation = array<i64: 1, 0>} : tensor<4x10xf32>
  %dw = dl.matmul %gt, %x : tensor<10x4xf32>, tensor<4x6xf32>
  return %loss, %dx, %dw : tensor<f32>, tensor<4x6xf32>, tensor<10x6xf32>
}
func.func @f64_logits(%x: tensor<4x6xf64>, %w: tensor<10x6xf64>, %logits: tensor<4x10xf64>, %y: tensor<4xi32>, %seed: tensor<f64>) -> (tensor<f64>, tensor<4x6xf64>, tensor<10x6xf64>) {
  %loss = dl.cross_entropy %logits, %y : tensor<4x10xf64>, tensor<4xi32>
  %g = dl.cross_entropy_grad %logits, %y, %seed : tensor<4x10xf64>, tensor<4xi32>, tensor<f64>
  %dx = dl.matmul %g, %w : tensor<4x10xf64>, tensor<10x6xf64>
  %gt = dl.transpose %g {permutation = array<i64: 1, 0>} : tensor<4x10xf64>
  %dw = dl.matmul %gt, %x : tensor<10x4xf64>, tensor<4x6xf64>
  return %loss, %dx, %dw : tensor<f64>, tensor<4x6xf64>, tensor<10x6xf64>
}
