// RUN: dlcc-opt --split-input-file --dl-autodiff --verify-diagnostics %s | FileCheck %s

// A linear layer, relu and cross-entropy: the structure of each gradient.
dl.parameter @w : tensor<3x4xf32> = #dl.init<uniform(-0.5, 0.5)>
dl.parameter @b : tensor<3xf32> = #dl.init<uniform(-0.5, 0.5)>
func.func @forward(%x: tensor<8x4xf32> {dl.input = "x"}, %y: tensor<8xi32> {dl.input = "y"})
    -> (tensor<f32>, tensor<f32>) attributes {dl.outputs = ["loss", "accuracy"]} {
  %w = dl.param @w : tensor<3x4xf32>
  %b = dl.param @b : tensor<3xf32>
  %h = dl.linear %x, %w, %b : tensor<8x4xf32>, tensor<3x4xf32>, tensor<3xf32>
  %r = dl.relu %h : tensor<8x3xf32>
  %l = dl.cross_entropy %r, %y : tensor<8x3xf32>, tensor<8xi32>
  %a = dl.accuracy %r, %y : tensor<8x3xf32>, tensor<8xi32>
  return %l, %a : tensor<f32>, tensor<f32>
}
// The model function stays for evaluation.
// CHECK-LABEL: func.func @forward
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: -> (tensor<f32>, tensor<f32>, tensor<3x4xf32>, tensor<3xf32>)
// CHECK-SAME: dl.gradients = ["w", "b"], dl.outputs = ["loss", "accuracy"]
// CHECK: %[[H:.*]] = dl.linear %[[X:arg0]]
// CHECK: %[[R:.*]] = dl.relu %[[H]]
// CHECK: %[[L:.*]] = dl.cross_entropy %[[R]], %[[Y:arg1]]
// CHECK: %[[A:.*]] = dl.accuracy
// CHECK: %[[SEED:.*]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[DR:.*]] = dl.cross_entropy_grad %[[R]], %[[Y]], %[[SEED]]
// CHECK: %[[POS:.*]] = dl.compare gt, %[[H]]
// CHECK: %[[DH:.*]] = dl.where %[[POS]], %[[DR]]
// No gradient for the batch input x:
// CHECK-NOT: dl.matmul %[[DH]], %
// CHECK: %[[DHT:.*]] = dl.transpose %[[DH]] {permutation = array<i64: 1, 0>}
// CHECK: %[[DW:.*]] = dl.matmul %[[DHT]], %[[X]]
// CHECK: %[[DB:.*]] = dl.sum %[[DH]] {axes = array<i64: 0>}
// CHECK: return %[[L]], %[[A]], %[[DW]], %[[DB]]

// -----

// A value used twice sums its gradients; a broadcast operand gets its
// gradient summed back to its shape.
dl.parameter @s : tensor<4xf32> = #dl.init<constant(1.0)>
func.func @forward(%x: tensor<2x4xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %s = dl.param @s : tensor<4xf32>
  %m = dl.mul %x, %s : tensor<2x4xf32>, tensor<4xf32>
  %q = dl.mul %m, %m : tensor<2x4xf32>, tensor<2x4xf32>
  %l = dl.mean %q : tensor<2x4xf32>
  return %l : tensor<f32>
}
// CHECK-LABEL: func.func @train_step
// CHECK: %[[M:.*]] = dl.mul %{{.*}}, %{{.*}} : tensor<2x4xf32>, tensor<4xf32>
// CHECK: dl.reshape {{.*}} : tensor<f32> -> tensor<1x1xf32>
// CHECK: %[[SPREAD:.*]] = dl.broadcast {{.*}} -> tensor<2x4xf32>
// CHECK: %[[DQ:.*]] = dl.mul %[[SPREAD]]
// CHECK: %[[D1:.*]] = dl.mul %[[DQ]], %[[M]]
// CHECK: %[[D2:.*]] = dl.mul %[[DQ]], %[[M]]
// CHECK: %[[DM:.*]] = dl.add %[[D1]], %[[D2]]
// CHECK: %[[DS:.*]] = dl.mul %[[DM]], %arg0
// CHECK: %[[SUMMED:.*]] = dl.sum %[[DS]] {axes = array<i64: 0>, keepdim}
// CHECK: %[[DSC:.*]] = dl.reshape %[[SUMMED]] : tensor<1x4xf32> -> tensor<4xf32>
// CHECK: return %{{.*}}, %[[DSC]]

// -----

// Frozen parameters and buffers get no gradient; a trainable parameter the
// loss does not reach gets zeros.
dl.parameter @frozen : tensor<4xf32> = #dl.init<constant(1.0)> frozen
dl.parameter @stats : tensor<4xf32> = #dl.init<constant(0.0)> buffer
dl.parameter @unused : tensor<2xf32> = #dl.init<constant(0.0)>
func.func @forward(%x: tensor<4xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %f = dl.param @frozen : tensor<4xf32>
  %s = dl.param @stats : tensor<4xf32>
  %a = dl.mul %x, %f : tensor<4xf32>, tensor<4xf32>
  %b = dl.add %a, %s : tensor<4xf32>, tensor<4xf32>
  %l = dl.sum %b : tensor<4xf32>
  return %l : tensor<f32>
}
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: -> (tensor<f32>, tensor<2xf32>)
// CHECK-SAME: dl.gradients = ["unused"]
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<2xf32>
// CHECK-NOT: dl.
// CHECK: return %{{.*}}, %[[ZERO]]

// -----

// Elementwise rules: softmax, log_softmax, tanh, exp, gelu, maximum.
dl.parameter @p : tensor<2x3xf32> = #dl.init<normal(0.0, 1.0)>
func.func @forward(%x: tensor<2x3xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %p = dl.param @p : tensor<2x3xf32>
  %a = dl.softmax %p : tensor<2x3xf32>
  %b = dl.log_softmax %a : tensor<2x3xf32>
  %c = dl.tanh %b : tensor<2x3xf32>
  %d = dl.gelu %c : tensor<2x3xf32>
  %e = dl.maximum %d, %x : tensor<2x3xf32>, tensor<2x3xf32>
  %l = dl.sum %e : tensor<2x3xf32>
  return %l : tensor<f32>
}
// CHECK-LABEL: func.func @train_step
// maximum: ties share the gradient.
// CHECK: dl.compare eq
// CHECK: dl.compare gt
// gelu: Phi(x) + x phi(x), through erf and exp.
// CHECK: dl.erf
// CHECK: dl.exp
// tanh: 1 - y^2
// CHECK: dl.sub
// log_softmax: dy - exp(y) sum(dy)
// CHECK: dl.sum %{{.*}} {axes = array<i64: -1>, keepdim}
// CHECK: dl.exp
// softmax: y (dy - sum(dy y))
// CHECK: dl.sum %{{.*}} {axes = array<i64: -1>, keepdim}
// CHECK: return

// -----

// A loss that goes through an op without a gradient (a metric) is a clear
// error.
dl.parameter @w : tensor<4x3xf32> = #dl.init<constant(1.0)>
func.func @forward(%x: tensor<2x3xf32> {dl.input = "x"}, %y: tensor<2xi32> {dl.input = "y"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %w = dl.param @w : tensor<4x3xf32>
  %h = dl.linear %x, %w : tensor<2x3xf32>, tensor<4x3xf32>
  // expected-error @+1 {{autodiff: 'dl.accuracy' is not differentiable}}
  %a = dl.accuracy %h, %y : tensor<2x4xf32>, tensor<2xi32>
  return %a : tensor<f32>
}

// -----

// The loss comes first and is a scalar.
dl.parameter @w : tensor<4xf32> = #dl.init<constant(1.0)>
// expected-error @+1 {{the first result of @forward must be the scalar loss}}
func.func @forward(%x: tensor<4xf32> {dl.input = "x"}) -> tensor<4xf32> attributes {dl.outputs = ["y"]} {
  %w = dl.param @w : tensor<4xf32>
  %y = dl.mul %x, %w : tensor<4xf32>, tensor<4xf32>
  return %y : tensor<4xf32>
}
