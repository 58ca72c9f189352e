// RUN: dlcc-opt --split-input-file --dl-autodiff --dl-expand-optimizer="fused-adamw=true" %s | FileCheck %s

// With fused-adamw, the AdamW updates of all f32 params are one
// dl.adamw_update, after every param and moment is read, reading the hyper
// arguments; its results are written back param by param in the order of
// the expanded update: exp_avg, exp_avg_sq, the param.
dl.parameter @w : tensor<3xf32> = #dl.init<constant(1.0)>
dl.parameter @b : tensor<f32> = #dl.init<constant(0.5)>
func.func @forward(%x: tensor<3xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %w = dl.param @w : tensor<3xf32>
  %b = dl.param @b : tensor<f32>
  %p = dl.mul %x, %w : tensor<3xf32>, tensor<3xf32>
  %s = dl.sum %p : tensor<3xf32>
  %l = dl.add %s, %b : tensor<f32>, tensor<f32>
  return %l : tensor<f32>
}
// CHECK: dl.parameter @w.exp_avg : tensor<3xf32> = <constant(0.000000e+00)> state
// CHECK: dl.parameter @w.exp_avg_sq : tensor<3xf32> = <constant(0.000000e+00)> state
// CHECK: dl.parameter @b.exp_avg : tensor<f32> = <constant(0.000000e+00)> state
// CHECK: dl.parameter @b.exp_avg_sq : tensor<f32> = <constant(0.000000e+00)> state
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: %[[LR:[a-z0-9]+]]: tensor<f32> {dl.hyper = "lr"}, %[[WD:[a-z0-9]+]]: tensor<f32> {dl.hyper = "weight_decay"}, %[[B1:[a-z0-9]+]]: tensor<f32> {dl.hyper = "beta1"}, %[[B2:[a-z0-9]+]]: tensor<f32> {dl.hyper = "beta2"}, %[[EPS:[a-z0-9]+]]: tensor<f32> {dl.hyper = "eps"}, %[[STEP:[a-z0-9]+]]: tensor<i64> {dl.hyper = "step"}
// CHECK: dl.broadcast
// CHECK: %[[W:.*]] = dl.param @w :
// CHECK-NEXT: %[[M:.*]] = dl.param @w.exp_avg :
// CHECK-NEXT: %[[V:.*]] = dl.param @w.exp_avg_sq :
// CHECK-NEXT: %[[B:.*]] = dl.param @b :
// CHECK-NEXT: %[[BM:.*]] = dl.param @b.exp_avg :
// CHECK-NEXT: %[[BV:.*]] = dl.param @b.exp_avg_sq :
// CHECK-NEXT: %[[P2:.*]]:2, %[[M2:.*]]:2, %[[V2:.*]]:2 = dl.adamw_update (%[[W]], %{{.*}}, %[[M]], %[[V]] : tensor<3xf32>), (%[[B]], %{{.*}}, %[[BM]], %[[BV]] : tensor<f32>) hypers(%[[LR]], %[[WD]], %[[B1]], %[[B2]], %[[EPS]]) step %[[STEP]]
// CHECK-NEXT: dl.assign @w.exp_avg, %[[M2]]#0
// CHECK-NEXT: dl.assign @w.exp_avg_sq, %[[V2]]#0
// CHECK-NEXT: dl.assign @w, %[[P2]]#0
// CHECK-NEXT: dl.assign @b.exp_avg, %[[M2]]#1
// CHECK-NEXT: dl.assign @b.exp_avg_sq, %[[V2]]#1
// CHECK-NEXT: dl.assign @b, %[[P2]]#1
// CHECK-NOT: dl.adamw_update
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

// -----

// f32 and f64 params together: the f32 one joins the fused update, the
// f64 one is expanded; both are written back.
dl.parameter @a : tensor<3xf32> = #dl.init<constant(1.0)>
dl.parameter @b : tensor<3xf64> = #dl.init<constant(1.0)>
func.func @forward(%x: tensor<3xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %a = dl.param @a : tensor<3xf32>
  %b = dl.param @b : tensor<3xf64>
  %bf = dl.cast %b : tensor<3xf64> -> tensor<3xf32>
  %p = dl.mul %x, %a : tensor<3xf32>, tensor<3xf32>
  %q = dl.mul %p, %bf : tensor<3xf32>, tensor<3xf32>
  %l = dl.sum %q : tensor<3xf32>
  return %l : tensor<f32>
}
// CHECK-LABEL: func.func @train_step
// CHECK: dl.sqrt {{.*}} : tensor<3xf64>
// CHECK: dl.assign @b,
// CHECK: %[[P:.*]], %[[M:.*]], %[[V:.*]] = dl.adamw_update (%{{.*}} : tensor<3xf32>) hypers
// CHECK-NOT: dl.adamw_update
// CHECK: dl.assign @a, %[[P]]
