// RUN: dlcc-opt --split-input-file --dl-autodiff --dl-expand-optimizer="fused-adamw=true" %s | FileCheck %s

// With fused-adamw, each f32 param's AdamW update is one dl.adamw_update
// reading its moments and the hyper arguments, written back in the order
// of the expanded update: exp_avg, exp_avg_sq, the param.
dl.parameter @w : tensor<3xf32> = #dl.init<constant(1.0)>
func.func @forward(%x: tensor<3xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %w = dl.param @w : tensor<3xf32>
  %p = dl.mul %x, %w : tensor<3xf32>, tensor<3xf32>
  %l = dl.sum %p : tensor<3xf32>
  return %l : tensor<f32>
}
// CHECK: dl.parameter @w.exp_avg : tensor<3xf32> = <constant(0.000000e+00)> state
// CHECK: dl.parameter @w.exp_avg_sq : tensor<3xf32> = <constant(0.000000e+00)> state
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: %[[LR:[a-z0-9]+]]: tensor<f32> {dl.hyper = "lr"}, %[[WD:[a-z0-9]+]]: tensor<f32> {dl.hyper = "weight_decay"}, %[[B1:[a-z0-9]+]]: tensor<f32> {dl.hyper = "beta1"}, %[[B2:[a-z0-9]+]]: tensor<f32> {dl.hyper = "beta2"}, %[[EPS:[a-z0-9]+]]: tensor<f32> {dl.hyper = "eps"}, %[[STEP:[a-z0-9]+]]: tensor<i64> {dl.hyper = "step"}
// CHECK: dl.broadcast
// CHECK: %[[W:.*]] = dl.param @w :
// CHECK-NEXT: %[[M:.*]] = dl.param @w.exp_avg :
// CHECK-NEXT: %[[V:.*]] = dl.param @w.exp_avg_sq :
// CHECK-NEXT: %[[P2:.*]], %[[M2:.*]], %[[V2:.*]] = dl.adamw_update %[[W]], %{{.*}}, %[[M]], %[[V]] hypers(%[[LR]], %[[WD]], %[[B1]], %[[B2]], %[[EPS]]) step %[[STEP]] : tensor<3xf32>
// CHECK-NEXT: dl.assign @w.exp_avg, %[[M2]]
// CHECK-NEXT: dl.assign @w.exp_avg_sq, %[[V2]]
// CHECK-NEXT: dl.assign @w, %[[P2]]
// CHECK-NOT: dl.sqrt

// -----

// Adam (decay in the gradient) keeps the expanded update.
module attributes {dl.train = {optimizer = {name = "adam", lr = 1.0e-3 : f64}}} {
  dl.parameter @w : tensor<3xf32> = #dl.init<constant(1.0)>
  func.func @forward(%x: tensor<3xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
    %w = dl.param @w : tensor<3xf32>
    %p = dl.mul %x, %w : tensor<3xf32>, tensor<3xf32>
    %l = dl.sum %p : tensor<3xf32>
    return %l : tensor<f32>
  }
}
// CHECK-LABEL: func.func @train_step
// CHECK-NOT: dl.adamw_update
// CHECK: dl.sqrt
// CHECK: dl.assign @w

// -----

// So does an f64 param under AdamW: the fused kernel is f32.
dl.parameter @w : tensor<3xf64> = #dl.init<constant(1.0)>
func.func @forward(%x: tensor<3xf64> {dl.input = "x"}) -> tensor<f64> attributes {dl.outputs = ["loss"]} {
  %w = dl.param @w : tensor<3xf64>
  %p = dl.mul %x, %w : tensor<3xf64>, tensor<3xf64>
  %l = dl.sum %p : tensor<3xf64>
  return %l : tensor<f64>
}
// CHECK-LABEL: func.func @train_step
// CHECK-NOT: dl.adamw_update
// CHECK: dl.sqrt
// CHECK: dl.assign @w
