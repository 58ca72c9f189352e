// RUN: dlcc-opt --split-input-file --dl-autodiff --dl-expand-optimizer --verify-diagnostics %s | FileCheck %s

// AdamW (the default when the train section names no optimizer): decoupled
// decay, both moments as state declared after their parameter, bias
// corrections from the step, and the update written back with dl.assign.
// Every number is a hyper argument.
dl.parameter @w : tensor<3xf32> = #dl.init<constant(1.0)>
dl.parameter @frozen : tensor<3xf32> = #dl.init<constant(1.0)> frozen
func.func @forward(%x: tensor<3xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %w = dl.param @w : tensor<3xf32>
  %f = dl.param @frozen : tensor<3xf32>
  %p = dl.mul %x, %w : tensor<3xf32>, tensor<3xf32>
  %q = dl.mul %p, %f : tensor<3xf32>, tensor<3xf32>
  %l = dl.sum %q : tensor<3xf32>
  return %l : tensor<f32>
}
// CHECK: dl.parameter @w : tensor<3xf32>
// CHECK-NEXT: dl.parameter @w.exp_avg : tensor<3xf32> = <constant(0.000000e+00)> state
// CHECK-NEXT: dl.parameter @w.exp_avg_sq : tensor<3xf32> = <constant(0.000000e+00)> state
// CHECK-NEXT: dl.parameter @frozen : tensor<3xf32> = <constant(1.000000e+00)> frozen
// CHECK-NOT: @frozen.exp_avg
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %{{.*}}: tensor<3xf32> {dl.input = "x"}
// CHECK-SAME: %[[LR:[a-z0-9]+]]: tensor<f32> {dl.hyper = "lr"}, %[[WD:[a-z0-9]+]]: tensor<f32> {dl.hyper = "weight_decay"}, %[[B1:[a-z0-9]+]]: tensor<f32> {dl.hyper = "beta1"}, %[[B2:[a-z0-9]+]]: tensor<f32> {dl.hyper = "beta2"}, %[[STEP:[a-z0-9]+]]: tensor<i64> {dl.hyper = "step"}, %[[EPS:[a-z0-9]+]]: tensor<f32> {dl.hyper = "eps"})
// CHECK-SAME: -> tensor<f32> attributes {dl.outputs = ["loss"], dl.stats = []}
// CHECK: %[[G:.*]] = dl.mul %{{.*}}, %arg0 : tensor<3xf32>, tensor<3xf32>
// CHECK: %[[P:.*]] = dl.param @w
// CHECK: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[LRWD:.*]] = dl.mul %[[LR]], %[[WD]]
// CHECK: %[[KEEP:.*]] = dl.sub %[[ONE]], %[[LRWD]]
// CHECK: %[[DECAYED:.*]] = dl.mul %[[P]], %[[KEEP]]
// CHECK: %[[M:.*]] = dl.param @w.exp_avg
// CHECK: %[[V:.*]] = dl.param @w.exp_avg_sq
// m + (1 - beta1) (g - m), as PyTorch's lerp:
// CHECK: %[[GM:.*]] = dl.sub %[[G]], %[[M]]
// CHECK: %[[OMB1:.*]] = dl.sub %[[ONE]], %[[B1]]
// CHECK: %[[T1:.*]] = dl.mul %[[OMB1]], %[[GM]]
// CHECK: %[[M2:.*]] = dl.add %[[M]], %[[T1]]
// CHECK: %[[OMB2:.*]] = dl.sub %[[ONE]], %[[B2]]
// CHECK: %[[T2:.*]] = dl.mul %[[OMB2]], %[[G]]
// CHECK: %[[T3:.*]] = dl.mul %[[T2]], %[[G]]
// CHECK: %[[T4:.*]] = dl.mul %[[V]], %[[B2]]
// CHECK: %[[V2:.*]] = dl.add %[[T4]], %[[T3]]
// CHECK: dl.assign @w.exp_avg, %[[M2]]
// CHECK: dl.assign @w.exp_avg_sq, %[[V2]]
// CHECK: %[[T:.*]] = dl.cast %[[STEP]] : tensor<i64> -> tensor<f32>
// CHECK: %[[P1:.*]] = dl.pow %[[B1]], %[[T]]
// CHECK: %[[C1:.*]] = dl.sub %{{.*}}, %[[P1]]
// CHECK: %[[P2:.*]] = dl.pow %[[B2]], %[[T]]
// CHECK: %[[C2:.*]] = dl.sub %{{.*}}, %[[P2]]
// CHECK: %[[SIZE:.*]] = dl.div %[[LR]], %[[C1]]
// CHECK: %[[SQ:.*]] = dl.sqrt %[[V2]]
// CHECK: %[[C2S:.*]] = dl.sqrt %[[C2]]
// CHECK: %[[D1:.*]] = dl.div %[[SQ]], %[[C2S]]
// CHECK: %[[DENOM:.*]] = dl.add %[[D1]], %[[EPS]]
// CHECK: %[[RATIO:.*]] = dl.div %[[M2]], %[[DENOM]]
// CHECK: %[[STEPV:.*]] = dl.mul %[[SIZE]], %[[RATIO]]
// CHECK: %[[NEW:.*]] = dl.sub %[[DECAYED]], %[[STEPV]]
// CHECK: dl.assign @w, %[[NEW]]
// CHECK-NOT: dl.assign @frozen
// CHECK: return %{{.*}} : tensor<f32>

// -----

// Adam adds the decay to the gradient instead.
module attributes {dl.train = {optimizer = {name = "adam", lr = 1.0e-3 : f64}}} {
  dl.parameter @w : tensor<3xf32> = #dl.init<constant(1.0)>
  func.func @forward(%x: tensor<3xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
    %w = dl.param @w : tensor<3xf32>
    %p = dl.mul %x, %w : tensor<3xf32>, tensor<3xf32>
    %l = dl.sum %p : tensor<3xf32>
    return %l : tensor<f32>
  }
}
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[LR:[a-z0-9]+]]: tensor<f32> {dl.hyper = "lr"}, %[[WD:[a-z0-9]+]]: tensor<f32> {dl.hyper = "weight_decay"}
// CHECK: %[[G:.*]] = dl.mul %{{.*}}, %arg0 : tensor<3xf32>, tensor<3xf32>
// CHECK: %[[P:.*]] = dl.param @w
// CHECK: %[[DP:.*]] = dl.mul %[[WD]], %[[P]]
// CHECK: %[[G2:.*]] = dl.add %[[G]], %[[DP]]
// CHECK: dl.param @w.exp_avg
// CHECK: dl.sub %[[G2]],
// CHECK: dl.assign @w, %{{.*}}
// CHECK-NEXT: return

// -----

// SGD with Nesterov momentum and global-norm clipping: the squares are
// summed in f64, the factor is min(1, max_norm / (norm + 1e-6)), and the
// norm is returned as the statistic grad_norm.
module attributes {dl.train = {clip = 1.0 : f64, optimizer = {name = "sgd", lr = 0.1 : f64, momentum = 0.9 : f64, nesterov = true, weight_decay = 0.0 : f64}}} {
  dl.parameter @w : tensor<3xf32> = #dl.init<constant(1.0)>
  dl.parameter @b : tensor<f32> = #dl.init<constant(1.0)>
  func.func @forward(%x: tensor<3xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
    %w = dl.param @w : tensor<3xf32>
    %b = dl.param @b : tensor<f32>
    %p = dl.mul %x, %w : tensor<3xf32>, tensor<3xf32>
    %q = dl.add %p, %b : tensor<3xf32>, tensor<f32>
    %l = dl.sum %q : tensor<3xf32>
    return %l : tensor<f32>
  }
}
// CHECK: dl.parameter @w.momentum_buffer : tensor<3xf32> = <constant(0.000000e+00)> state
// CHECK: dl.parameter @b.momentum_buffer : tensor<f32> = <constant(0.000000e+00)> state
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[MAX:[a-z0-9]+]]: tensor<f32> {dl.hyper = "max_grad_norm"}
// CHECK-SAME: -> (tensor<f32>, tensor<f32>) attributes {dl.outputs = ["loss"], dl.stats = ["grad_norm"]}
// CHECK: %[[GB:.*]] = dl.reshape %{{.*}} : tensor<1xf32> -> tensor<f32>
// CHECK: %[[GW:.*]] = dl.mul %{{.*}}, %arg0 : tensor<3xf32>, tensor<3xf32>
// CHECK: %[[W64:.*]] = dl.cast %[[GW]] : tensor<3xf32> -> tensor<3xf64>
// CHECK: %[[SQW:.*]] = dl.mul %[[W64]], %[[W64]]
// CHECK: %[[SW:.*]] = dl.sum %[[SQW]]
// CHECK: %[[B64:.*]] = dl.cast %[[GB]] : tensor<f32> -> tensor<f64>
// CHECK: %[[SQB:.*]] = dl.mul %[[B64]], %[[B64]]
// CHECK: %[[SB:.*]] = dl.sum %[[SQB]]
// CHECK: %[[SS:.*]] = dl.add %[[SW]], %[[SB]]
// CHECK: %[[N64:.*]] = dl.sqrt %[[SS]]
// CHECK: %[[NORM:.*]] = dl.cast %[[N64]] : tensor<f64> -> tensor<f32>
// CHECK: %[[TINY:.*]] = arith.constant dense<9.99999997E-7> : tensor<f32>
// CHECK: %[[NE:.*]] = dl.add %[[NORM]], %[[TINY]]
// CHECK: %[[RATIO:.*]] = dl.div %[[MAX]], %[[NE]]
// CHECK: %[[FACTOR:.*]] = dl.minimum %[[RATIO]], %{{.*}}
// CHECK: %[[CW:.*]] = dl.mul %[[GW]], %[[FACTOR]]
// CHECK: %[[CB:.*]] = dl.mul %[[GB]], %[[FACTOR]]
// CHECK: %[[P:.*]] = dl.param @w
// CHECK: %[[D:.*]] = dl.add %[[CW]], %{{.*}}
// CHECK: %[[BUF:.*]] = dl.param @w.momentum_buffer
// CHECK: %[[MB:.*]] = dl.mul %[[BUF]], %[[MOM:.*]] :
// CHECK: %[[NB:.*]] = dl.add %[[MB]], %[[D]]
// CHECK: dl.assign @w.momentum_buffer, %[[NB]]
// CHECK: %[[LOOK:.*]] = dl.mul %[[MOM]], %[[NB]]
// CHECK: %[[DN:.*]] = dl.add %[[D]], %[[LOOK]]
// CHECK: %[[UPD:.*]] = dl.mul %{{.*}}, %[[DN]]
// CHECK: %[[NEW:.*]] = dl.sub %[[P]], %[[UPD]]
// CHECK: dl.assign @w, %[[NEW]]
// CHECK: dl.assign @b
// CHECK: return %{{.*}}, %[[NORM]] : tensor<f32>, tensor<f32>

// -----

// Dropouts, and the dropouts of their gradients, draw their masks from the
// run's seed and the step.
module attributes {dl.train = {optimizer = {name = "sgd", lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = false, weight_decay = 0.0 : f64}}} {
  dl.parameter @w : tensor<3xf32> = #dl.init<constant(1.0)>
  func.func @forward(%x: tensor<3xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
    %w = dl.param @w : tensor<3xf32>
    %p = dl.mul %x, %w : tensor<3xf32>, tensor<3xf32>
    %d = dl.dropout %p {rate = 0.5 : f64, key = 7 : i64} : tensor<3xf32>
    %n = dl.dropout %d {rate = 0.0 : f64, key = 8 : i64} : tensor<3xf32>
    %l = dl.sum %n : tensor<3xf32>
    return %l : tensor<f32>
  }
}
// CHECK-LABEL: func.func @forward
// CHECK: dl.dropout %{{.*}} {key = 7 : i64, rate = 5.000000e-01 : f64}
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[SEED:[a-z0-9]+]]: tensor<i64> {dl.hyper = "seed"}, %[[STEP:[a-z0-9]+]]: tensor<i64> {dl.hyper = "step"}, %{{.*}}: tensor<f32> {dl.hyper = "lr"}, %{{.*}}: tensor<f32> {dl.hyper = "weight_decay"})
// CHECK: dl.dropout %{{.*}}[%[[SEED]], %[[STEP]]] {key = 7 : i64, rate = 5.000000e-01 : f64}
// A dropout that drops nothing needs no counter:
// CHECK: dl.dropout %{{.*}} {key = 8 : i64, rate = 0.000000e+00 : f64}
// CHECK: dl.dropout %{{.*}}[%[[SEED]], %[[STEP]]] {key = 7 : i64, rate = 5.000000e-01 : f64}

// -----

// expected-error @+1 {{optimizer 'lion' is not supported yet}}
module attributes {dl.train = {optimizer = {name = "lion"}}} {
  dl.parameter @w : tensor<3xf32> = #dl.init<constant(1.0)>
  func.func @forward(%x: tensor<3xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
    %w = dl.param @w : tensor<3xf32>
    %p = dl.mul %x, %w : tensor<3xf32>, tensor<3xf32>
    %l = dl.sum %p : tensor<3xf32>
    return %l : tensor<f32>
  }
}

// -----

// expected-error @+1 {{sgd: nesterov needs a momentum above 0}}
module attributes {dl.train = {optimizer = {name = "sgd", lr = 0.1 : f64, momentum = 0.0 : f64, nesterov = true}}} {
  dl.parameter @w : tensor<3xf32> = #dl.init<constant(1.0)>
  func.func @forward(%x: tensor<3xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
    %w = dl.param @w : tensor<3xf32>
    %p = dl.mul %x, %w : tensor<3xf32>, tensor<3xf32>
    %l = dl.sum %p : tensor<3xf32>
    return %l : tensor<f32>
  }
}

// -----

// Nothing to update (the step is built where @forward is).
dl.parameter @w : tensor<3xf32> = #dl.init<constant(1.0)> frozen
// expected-error @+1 {{the model has no trained parameter to update}}
func.func @forward(%x: tensor<3xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %w = dl.param @w : tensor<3xf32>
  %p = dl.mul %x, %w : tensor<3xf32>, tensor<3xf32>
  %l = dl.sum %p : tensor<3xf32>
  return %l : tensor<f32>
}
