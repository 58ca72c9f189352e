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
// ReLU's gradient reads its output (y > 0 where x > 0), so that its input
// need not be kept for the backward pass.
// CHECK: %[[POS:.*]] = dl.compare gt, %[[R]]
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

// Convolution and pooling: the backward ops. The input gradient of the
// first convolution is not built (x is a batch input); its bias gets the
// gradient summed over batch and positions.
dl.parameter @w1 : tensor<2x1x3x3xf32> = #dl.init<uniform(-0.5, 0.5)>
dl.parameter @b1 : tensor<2xf32> = #dl.init<constant(0.0)>
dl.parameter @w2 : tensor<1x2x2x2xf32> = #dl.init<uniform(-0.5, 0.5)>
func.func @forward(%x: tensor<1x1x6x6xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %w1 = dl.param @w1 : tensor<2x1x3x3xf32>
  %b1 = dl.param @b1 : tensor<2xf32>
  %w2 = dl.param @w2 : tensor<1x2x2x2xf32>
  %h = dl.conv2d %x, %w1, %b1 {padding = array<i64: 1, 1>} : tensor<1x1x6x6xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>
  %p = dl.maxpool2d %h {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<1x2x6x6xf32>
  %y = dl.conv2d %p, %w2 {stride = array<i64: 2, 2>} : tensor<1x2x3x3xf32>, tensor<1x2x2x2xf32>
  %a = dl.avgpool2d %y {kernel = array<i64: 1, 1>, stride = array<i64: 1, 1>} : tensor<1x1x1x1xf32>
  %l = dl.sum %a : tensor<1x1x1x1xf32>
  return %l : tensor<f32>
}
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: dl.gradients = ["w1", "b1", "w2"]
// CHECK: %[[H:.*]] = dl.conv2d %[[X:arg0]]
// CHECK: %[[P:.*]] = dl.maxpool2d %[[H]]
// CHECK: %[[DY:.*]] = dl.avgpool2d_grad %{{.*}} {input_shape = array<i64: 1, 1, 1, 1>, kernel = array<i64: 1, 1>, stride = array<i64: 1, 1>}
// CHECK: %[[DP:.*]] = dl.conv2d_grad_input %[[DY]], %{{.*}} {input_shape = array<i64: 1, 2, 3, 3>, stride = array<i64: 2, 2>}
// CHECK: %[[DW2:.*]] = dl.conv2d_grad_weight %[[P]], %[[DY]] {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>}
// CHECK: %[[DH:.*]] = dl.maxpool2d_grad %[[H]], %[[DP]] {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>}
// CHECK-NOT: dl.conv2d_grad_input
// CHECK: %[[DW1:.*]] = dl.conv2d_grad_weight %[[X]], %[[DH]] {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>}
// CHECK: %[[DB1:.*]] = dl.sum %[[DH]] {axes = array<i64: 0, 2, 3>}
// CHECK: return %{{.*}}, %[[DW1]], %[[DB1]], %[[DW2]]

// -----

// Embedding and normalization: the table's gradient is a scatter-add (no
// gradient for the indices); the norms recompute their statistics; batch
// norm's running statistics get none, and their assigns stay.
dl.parameter @table : tensor<5x4xf32> = #dl.init<uniform(-0.5, 0.5)>
dl.parameter @g : tensor<4xf32> = #dl.init<constant(1.0)>
dl.parameter @rm : tensor<4xf32> = #dl.init<constant(0.0)> buffer
dl.parameter @rv : tensor<4xf32> = #dl.init<constant(1.0)> buffer
func.func @forward(%ids: tensor<2x3xi32> {dl.input = "ids"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %t = dl.param @table : tensor<5x4xf32>
  %g = dl.param @g : tensor<4xf32>
  %rm = dl.param @rm : tensor<4xf32>
  %rv = dl.param @rv : tensor<4xf32>
  %e = dl.embedding %ids, %t : tensor<2x3xi32>, tensor<5x4xf32>
  %n = dl.rmsnorm %e, %g : tensor<2x3x4xf32>, tensor<4xf32>
  %r = dl.reshape %n : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %y, %m, %v = dl.batchnorm %r, %g, %g, %rm, %rv {training} : tensor<6x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  dl.assign @rm, %m : tensor<4xf32>
  dl.assign @rv, %v : tensor<4xf32>
  %z = dl.layernorm %y, %g, %g : tensor<6x4xf32>, tensor<4xf32>, tensor<4xf32>
  %l = dl.mean %z : tensor<6x4xf32>
  return %l : tensor<f32>
}
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: -> (tensor<f32>, tensor<5x4xf32>, tensor<4xf32>)
// CHECK-SAME: dl.gradients = ["table", "g"]
// CHECK: %[[E:.*]] = dl.embedding %[[IDS:arg0]]
// CHECK: dl.assign @rm
// CHECK: dl.assign @rv
// layernorm: one op, which recomputes the statistics over the last
// dimension.
// CHECK: = dl.layernorm_grad %{{.*}}, %{{.*}}, %{{.*}} : tensor<6x4xf32>, tensor<4xf32>, tensor<6x4xf32>
// batch norm: one op, which recomputes the statistics over the batch.
// CHECK: = dl.batchnorm_grad %{{.*}}, %{{.*}}, %{{.*}} : tensor<6x4xf32>, tensor<4xf32>, tensor<6x4xf32>
// rmsnorm: no centering.
// CHECK: %[[SQ:.*]] = dl.mul %[[E]], %[[E]]
// CHECK: dl.mean %[[SQ]] {axes = array<i64: -1>, keepdim}
// CHECK: %[[DE:.*]] = dl.mul %{{.*}}, %{{.*}} : tensor<2x3x1xf32>, tensor<2x3x4xf32>
// CHECK: %[[DT:.*]] = dl.embedding_grad %[[IDS]], %[[DE]] {num_embeddings = 5 : i64}
// CHECK: return %{{.*}}, %[[DT]], %{{.*}}

// -----

// Attention: q, k and v get their gradients from dl.attention_grad (the
// flash backward, from the forward's output and row log-sum-exps); the
// mask, a param here, gets its own written out (probabilities recomputed,
// dS summed to the mask's shape).
dl.parameter @q : tensor<2x3x4xf32> = #dl.init<uniform(-0.5, 0.5)>
dl.parameter @m : tensor<3x3xf32> = #dl.init<constant(0.0)>
func.func @forward(%k: tensor<2x3x4xf32> {dl.input = "k"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %q = dl.param @q : tensor<2x3x4xf32>
  %m = dl.param @m : tensor<3x3xf32>
  %o, %lse = dl.attention %q, %k, %k, %m {causal, scale = 0.5 : f64} : tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<3x3xf32>
  %l = dl.sum %o : tensor<2x3x4xf32>
  return %l : tensor<f32>
}
// CHECK-LABEL: func.func @train_step
// CHECK: %[[O:.*]], %[[LSE:.*]] = dl.attention %[[Q:.*]], %[[K:arg0]], %[[K]], %[[M:.*]] {causal, scale = 5.000000e-01 : f64}
// CHECK: %[[DQ:.*]], %{{.*}}, %{{.*}} = dl.attention_grad %[[Q]], %[[K]], %[[K]], %[[O]], %[[LSE]], %{{.*}}, %[[M]] {causal, scale = 5.000000e-01 : f64} : tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3xf32>, tensor<2x3x4xf32>, tensor<3x3xf32>
// CHECK: %[[KT:.*]] = dl.transpose %[[K]] {permutation = array<i64: 0, 2, 1>}
// CHECK: %[[S:.*]] = dl.matmul %[[Q]], %[[KT]]
// CHECK: %[[SM:.*]] = dl.add %{{.*}}, %[[M]] : tensor<2x3x3xf32>, tensor<3x3xf32>
// CHECK: %[[CAUSAL:.*]] = dl.causal_mask : tensor<3x3xf32>
// CHECK: %[[SC:.*]] = dl.add %[[SM]], %[[CAUSAL]]
// CHECK: %[[P:.*]] = dl.softmax %[[SC]] {axis = 2 : i64}
// CHECK: %[[DS:.*]] = dl.mul %[[P]], %{{.*}}
// CHECK: %[[DM:.*]] = dl.sum %[[DS]] {axes = array<i64: 0>, keepdim}
// CHECK: %[[DMR:.*]] = dl.reshape %[[DM]] : tensor<1x3x3xf32> -> tensor<3x3xf32>
// CHECK: return %{{.*}}, %[[DQ]], %[[DMR]]

// -----

// A constant mask needs no gradient: only dl.attention_grad is left.
dl.parameter @q : tensor<2x3x4xf32> = #dl.init<uniform(-0.5, 0.5)>
func.func @forward(%k: tensor<2x3x4xf32> {dl.input = "k"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %q = dl.param @q : tensor<2x3x4xf32>
  %m = dl.causal_mask : tensor<3x3xf32>
  %o, %lse = dl.attention %q, %k, %k, %m : tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<3x3xf32>
  %l = dl.sum %o : tensor<2x3x4xf32>
  return %l : tensor<f32>
}
// CHECK-LABEL: func.func @train_step
// CHECK: dl.attention_grad
// CHECK-NOT: dl.softmax
// CHECK-NOT: dl.matmul
// CHECK: return

// -----

// Shapes, selection, casts and dropout: split joins its gradients back (zeros
// for an unused piece), concat splits its, slice scatters into zeros; where
// gives the condition none; cast converts back; dropout reapplies itself with
// the same rate and key.
dl.parameter @p : tensor<4x6xf32> = #dl.init<uniform(-0.5, 0.5)>
dl.parameter @a : tensor<4x6xf64> = #dl.init<uniform(-0.5, 0.5)>
func.func @forward(%c: tensor<4x6xi1> {dl.input = "c"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %p = dl.param @p : tensor<4x6xf32>
  %a = dl.param @a : tensor<4x6xf64>
  %x, %y, %z = dl.split %p {axis = 1 : i64, sizes = array<i64: 2, 2, 2>} : tensor<4x6xf32>
  %j = dl.concat %z, %x {axis = 1 : i64} : tensor<4x2xf32>, tensor<4x2xf32>
  %s = dl.slice %j {starts = array<i64: 1, 0>, limits = array<i64: 4, 4>, strides = array<i64: 2, 1>} : tensor<4x4xf32>
  %ac = dl.cast %a : tensor<4x6xf64> -> tensor<4x6xf32>
  %w = dl.where %c, %ac, %p : tensor<4x6xi1>, tensor<4x6xf32>, tensor<4x6xf32>
  %d = dl.dropout %w {rate = 0.25 : f64, key = 9 : i64} : tensor<4x6xf32>
  %l1 = dl.sum %s : tensor<2x4xf32>
  %l2 = dl.sum %d : tensor<4x6xf32>
  %l = dl.add %l1, %l2 : tensor<f32>, tensor<f32>
  return %l : tensor<f32>
}
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: -> (tensor<f32>, tensor<4x6xf32>, tensor<4x6xf64>)
// CHECK: %[[D:.*]] = dl.dropout %{{.*}} {key = 9 : i64, rate = 2.500000e-01 : f64} : tensor<4x6xf32>
// CHECK: %[[DD:.*]] = dl.dropout %{{.*}} {key = 9 : i64, rate = 2.500000e-01 : f64} : tensor<4x6xf32>
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<f32>
// CHECK: %[[DAC:.*]] = dl.where %[[C:arg0]], %[[DD]], %[[ZERO]]
// CHECK: %[[DW:.*]] = dl.where %[[C]], %[[ZERO]], %[[DD]]
// CHECK: %[[DA:.*]] = dl.cast %[[DAC]] : tensor<4x6xf32> -> tensor<4x6xf64>
// CHECK: %[[DJ:.*]] = dl.slice_grad %{{.*}} {input_shape = array<i64: 4, 4>, limits = array<i64: 4, 4>, starts = array<i64: 1, 0>, strides = array<i64: 2, 1>} : tensor<2x4xf32>
// CHECK: %[[PIECES:.*]]:2 = dl.split %[[DJ]] {axis = 1 : i64, sizes = array<i64: 2, 2>}
// CHECK: %[[UNUSED:.*]] = arith.constant dense<0.000000e+00> : tensor<4x2xf32>
// CHECK: %[[DSPLIT:.*]] = dl.concat %[[PIECES]]#1, %[[UNUSED]], %[[PIECES]]#0 {axis = 1 : i64}
// CHECK: %[[DP:.*]] = dl.add %[[DW]], %[[DSPLIT]]
// CHECK: return %{{.*}}, %[[DP]], %[[DA]]

// -----

// Contrastive: both directions' softmax against the identity (one_hot of
// the positions).
dl.parameter @a : tensor<4x3xf32> = #dl.init<uniform(-0.5, 0.5)>
func.func @forward(%b: tensor<4x3xf32> {dl.input = "b"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %a = dl.param @a : tensor<4x3xf32>
  %l = dl.contrastive %a, %b {temperature = 0.5 : f64} : tensor<4x3xf32>, tensor<4x3xf32>
  return %l : tensor<f32>
}
// CHECK-LABEL: func.func @train_step
// CHECK: %[[POS:.*]] = dl.positions : tensor<4xi64>
// CHECK: %[[EYE:.*]] = dl.one_hot %[[POS]] : tensor<4xi64> -> tensor<4x4xf32>
// CHECK: dl.softmax %{{.*}} {axis = 1 : i64}
// CHECK: dl.sub %{{.*}}, %[[EYE]]
// CHECK: dl.softmax %{{.*}} {axis = 0 : i64}
// CHECK: dl.sub %{{.*}}, %[[EYE]]
// CHECK: dl.compare gt
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
