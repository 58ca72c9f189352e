// RUN: dlcc-opt --split-input-file --dl-flash-attention %s | FileCheck %s

// gpt's attention as MLIRGen writes it: the scores divided by sqrt(d), the
// causal mask added, softmax over the keys: one dl.attention, causal, with
// scale 1/c, keeping the block tag; the weights are gone.
// CHECK-LABEL: func.func @causal_divided
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x8x6xf32>, %[[K:.*]]: tensor<2x4x8x6xf32>, %[[V:.*]]: tensor<2x4x8x6xf32>)
// CHECK: %[[O:.*]], %{{.*}} = dl.attention %[[Q]], %[[K]], %[[V]] {causal, dl.block = 3 : i64, scale = 2.500000e-01 : f64}
// CHECK-NOT: dl.softmax
// CHECK-NOT: dl.causal_mask
// CHECK: return %[[O]]
func.func @causal_divided(%q: tensor<2x4x8x6xf32>, %k: tensor<2x4x8x6xf32>, %v: tensor<2x4x8x6xf32>) -> tensor<2x4x8x6xf32> {
  %kt = dl.transpose %k {permutation = array<i64: 0, 1, 3, 2>} : tensor<2x4x8x6xf32>
  %s = dl.matmul %q, %kt : tensor<2x4x8x6xf32>, tensor<2x4x6x8xf32>
  %c = arith.constant dense<4.0> : tensor<f32>
  %d = dl.div %s, %c : tensor<2x4x8x8xf32>, tensor<f32>
  %m = dl.causal_mask : tensor<8x8xf32>
  %a = dl.add %d, %m : tensor<2x4x8x8xf32>, tensor<8x8xf32>
  %w = dl.softmax %a : tensor<2x4x8x8xf32>
  %o = dl.matmul %w, %v {dl.block = 3 : i64} : tensor<2x4x8x8xf32>, tensor<2x4x8x6xf32>
  return %o : tensor<2x4x8x6xf32>
}

// -----

// A multiplier on either side, an additive mask on the left of the add,
// softmax's axis spelled out, fewer queries than keys.
// CHECK-LABEL: func.func @masked_multiplied
// CHECK-SAME: (%[[Q:.*]]: tensor<3x5x4xf32>, %[[K:.*]]: tensor<3x7x4xf32>, %[[V:.*]]: tensor<3x7x2xf32>, %[[M:.*]]: tensor<5x7xf32>)
// CHECK: dl.attention %[[Q]], %[[K]], %[[V]], %[[M]] {scale = 5.000000e-01 : f64}
// CHECK-NOT: dl.softmax
func.func @masked_multiplied(%q: tensor<3x5x4xf32>, %k: tensor<3x7x4xf32>, %v: tensor<3x7x2xf32>, %mask: tensor<5x7xf32>) -> tensor<3x5x2xf32> {
  %kt = dl.transpose %k {permutation = array<i64: 0, 2, 1>} : tensor<3x7x4xf32>
  %s = dl.matmul %q, %kt : tensor<3x5x4xf32>, tensor<3x4x7xf32>
  %c = arith.constant dense<0.5> : tensor<f32>
  %d = dl.mul %c, %s : tensor<f32>, tensor<3x5x7xf32>
  %a = dl.add %mask, %d : tensor<5x7xf32>, tensor<3x5x7xf32>
  %w = dl.softmax %a {axis = 2 : i64} : tensor<3x5x7xf32>
  %o = dl.matmul %w, %v : tensor<3x5x7xf32>, tensor<3x7x2xf32>
  return %o : tensor<3x5x2xf32>
}

// -----

// No scale at all is a scale of 1 (not dl.attention's default 1/sqrt(d));
// a causal mask and another mask both, the scores on either side.
// CHECK-LABEL: func.func @unscaled_both_masks
// CHECK: dl.attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {causal, scale = 1.000000e+00 : f64}
func.func @unscaled_both_masks(%q: tensor<6x4xf32>, %v: tensor<6x4xf32>, %mask: tensor<6x6xf32>) -> tensor<6x4xf32> {
  %kt = dl.transpose %q {permutation = array<i64: 1, 0>} : tensor<6x4xf32>
  %s = dl.matmul %q, %kt : tensor<6x4xf32>, tensor<4x6xf32>
  %m = dl.causal_mask : tensor<6x6xf32>
  %a = dl.add %s, %m : tensor<6x6xf32>, tensor<6x6xf32>
  %b = dl.add %mask, %a : tensor<6x6xf32>, tensor<6x6xf32>
  %w = dl.softmax %b : tensor<6x6xf32>
  %o = dl.matmul %w, %v : tensor<6x6xf32>, tensor<6x4xf32>
  return %o : tensor<6x4xf32>
}

// -----

// Almost attention, not rewritten: softmax over the queries' axis.
// CHECK-LABEL: func.func @other_axis
// CHECK-NOT: dl.attention
// CHECK: dl.softmax
func.func @other_axis(%q: tensor<6x4xf32>, %v: tensor<6x4xf32>) -> tensor<6x4xf32> {
  %kt = dl.transpose %q {permutation = array<i64: 1, 0>} : tensor<6x4xf32>
  %s = dl.matmul %q, %kt : tensor<6x4xf32>, tensor<4x6xf32>
  %w = dl.softmax %s {axis = 0 : i64} : tensor<6x6xf32>
  %o = dl.matmul %w, %v : tensor<6x6xf32>, tensor<6x4xf32>
  return %o : tensor<6x4xf32>
}

// -----

// Not rewritten: a scale that is not a constant, or is negative.
// CHECK-LABEL: func.func @variable_scale
// CHECK-NOT: dl.attention
// CHECK: dl.softmax
// CHECK: dl.softmax
func.func @variable_scale(%q: tensor<6x4xf32>, %v: tensor<6x4xf32>, %c: tensor<f32>) -> (tensor<6x4xf32>, tensor<6x4xf32>) {
  %kt = dl.transpose %q {permutation = array<i64: 1, 0>} : tensor<6x4xf32>
  %s = dl.matmul %q, %kt : tensor<6x4xf32>, tensor<4x6xf32>
  %d = dl.mul %s, %c : tensor<6x6xf32>, tensor<f32>
  %w = dl.softmax %d : tensor<6x6xf32>
  %o = dl.matmul %w, %v : tensor<6x6xf32>, tensor<6x4xf32>
  %kt2 = dl.transpose %v {permutation = array<i64: 1, 0>} : tensor<6x4xf32>
  %s2 = dl.matmul %q, %kt2 : tensor<6x4xf32>, tensor<4x6xf32>
  %n = arith.constant dense<-2.0> : tensor<f32>
  %d2 = dl.mul %s2, %n : tensor<6x6xf32>, tensor<f32>
  %w2 = dl.softmax %d2 : tensor<6x6xf32>
  %o2 = dl.matmul %w2, %v : tensor<6x6xf32>, tensor<6x4xf32>
  return %o, %o2 : tensor<6x4xf32>, tensor<6x4xf32>
}

// -----

// Not rewritten: the keys transposed along other dimensions.
// CHECK-LABEL: func.func @other_transpose
// CHECK-NOT: dl.attention
func.func @other_transpose(%q: tensor<4x4x4xf32>, %k: tensor<4x4x4xf32>, %v: tensor<4x4x4xf32>) -> tensor<4x4x4xf32> {
  %kt = dl.transpose %k {permutation = array<i64: 2, 1, 0>} : tensor<4x4x4xf32>
  %s = dl.matmul %q, %kt : tensor<4x4x4xf32>, tensor<4x4x4xf32>
  %w = dl.softmax %s : tensor<4x4x4xf32>
  %o = dl.matmul %w, %v : tensor<4x4x4xf32>, tensor<4x4x4xf32>
  return %o : tensor<4x4x4xf32>
}

// -----

// Not rewritten: the weights used elsewhere too (they must exist anyway),
// and dropout on the weights (not supported by dl.attention yet).
// CHECK-LABEL: func.func @weights_used
// CHECK-NOT: dl.attention
func.func @weights_used(%q: tensor<6x4xf32>, %v: tensor<6x4xf32>) -> (tensor<6x4xf32>, tensor<6x6xf32>, tensor<6x4xf32>) {
  %kt = dl.transpose %q {permutation = array<i64: 1, 0>} : tensor<6x4xf32>
  %s = dl.matmul %q, %kt : tensor<6x4xf32>, tensor<4x6xf32>
  %w = dl.softmax %s : tensor<6x6xf32>
  %o = dl.matmul %w, %v : tensor<6x6xf32>, tensor<6x4xf32>
  %kt2 = dl.transpose %v {permutation = array<i64: 1, 0>} : tensor<6x4xf32>
  %s2 = dl.matmul %q, %kt2 : tensor<6x4xf32>, tensor<4x6xf32>
  %w2 = dl.softmax %s2 : tensor<6x6xf32>
  %dropped = dl.dropout %w2 {rate = 0.1 : f64, key = 1 : i64} : tensor<6x6xf32>
  %o2 = dl.matmul %dropped, %v : tensor<6x6xf32>, tensor<6x4xf32>
  return %o, %w, %o2 : tensor<6x4xf32>, tensor<6x6xf32>, tensor<6x4xf32>
}
