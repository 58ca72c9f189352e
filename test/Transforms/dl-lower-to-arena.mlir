// RUN: dlcc-opt --split-input-file --dl-lower-to-arena --verify-diagnostics %s | FileCheck %s

// Parameters, buffers, inputs and outputs get 64-byte aligned offsets in that
// order; the descriptor lists them; dropout disappears from the eval step.
dl.parameter @w : tensor<4x3xf32> = #dl.init<uniform(-0.5, 0.5)>
dl.parameter @rm : tensor<4xf32> = #dl.init<constant(0.0)> buffer
func.func @forward(%x: tensor<2x3xf32> {dl.input = "x"}, %y: tensor<2xi32> {dl.input = "y"})
    -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %w = dl.param @w : tensor<4x3xf32>
  %w2 = dl.param @w : tensor<4x3xf32>
  %h = dl.linear %x, %w : tensor<2x3xf32>, tensor<4x3xf32>
  %h2 = dl.linear %x, %w2 : tensor<2x3xf32>, tensor<4x3xf32>
  %s = dl.add %h, %h2 : tensor<2x4xf32>, tensor<2x4xf32>
  %d = dl.dropout %s {rate = 0.5 : f64, key = 1 : i64} : tensor<2x4xf32>
  %l = dl.cross_entropy %d, %y : tensor<2x4xf32>, tensor<2xi32>
  return %l : tensor<f32>
}
// CHECK: llvm.mlir.global external constant @dl_model_json(
// CHECK-SAME: \22arena_bytes\22:320
// CHECK-SAME: \22name\22:\22w\22,\22offset\22:0,\22role\22:\22param\22,\22shape\22:[4,3]
// CHECK-SAME: \22name\22:\22rm\22,\22offset\22:64,\22role\22:\22buffer\22
// CHECK-SAME: \22name\22:\22x\22,\22offset\22:128,\22role\22:\22input\22
// CHECK-SAME: \22name\22:\22y\22,\22offset\22:192,\22role\22:\22input\22
// CHECK-SAME: \22name\22:\22loss\22,\22offset\22:256,\22role\22:\22output\22,\22shape\22:[]
// CHECK-LABEL: func.func @dl_eval_step(%{{.*}}: memref<320xi8>)
// The parameter is read through a single view, however often it is used.
// CHECK: %[[W:.*]] = bufferization.to_tensor %{{.*}} restrict : memref<4x3xf32>
// CHECK-NOT: memref<4x3xf32>
// CHECK: dl.linear %{{.*}}, %[[W]]
// CHECK: dl.linear %{{.*}}, %[[W]]
// CHECK-NOT: dl.dropout
// CHECK: %[[L:.*]] = dl.cross_entropy
// CHECK: %[[OUT:.*]] = memref.view %{{.*}}[%c256][] : memref<320xi8> to memref<f32>
// CHECK: bufferization.materialize_in_destination %[[L]] in restrict writable %[[OUT]]
// CHECK-NOT: func.func @forward
// CHECK-NOT: dl.parameter

// -----

// The eval step normalizes with the running statistics and does not write them.
dl.parameter @g : tensor<3xf32> = #dl.init<constant(1.0)>
dl.parameter @rm : tensor<3xf32> = #dl.init<constant(0.0)> buffer
func.func @forward(%x: tensor<2x3xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %g = dl.param @g : tensor<3xf32>
  %rm = dl.param @rm : tensor<3xf32>
  %y, %m, %v = dl.batchnorm %x, %g, %g, %rm, %g {training} : tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  dl.assign @rm, %m : tensor<3xf32>
  %l = dl.mse %y, %x : tensor<2x3xf32>, tensor<2x3xf32>
  return %l : tensor<f32>
}
// CHECK-LABEL: func.func @dl_eval_step
// CHECK: dl.batchnorm
// CHECK-NOT: training
// CHECK-NOT: dl.assign
// CHECK: return

// -----

// The model function is required.
// expected-error @+1 {{the module has no model function @forward}}
module {
  func.func @model() {
    return
  }
}

// -----

// Inputs are named.
// expected-error @+1 {{argument 0 of @forward must be a static tensor named by 'dl.input'}}
func.func @forward(%x: tensor<2xf32>) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %l = dl.sum %x : tensor<2xf32>
  return %l : tensor<f32>
}

// -----

// Outputs are named.
// expected-error @+1 {{result 0 of @forward must be a tensor named in 'dl.outputs'}}
func.func @forward(%x: tensor<2xf32> {dl.input = "x"}) -> tensor<f32> {
  %l = dl.sum %x : tensor<2xf32>
  return %l : tensor<f32>
}

// -----

// With @train_step (dl-autodiff's), each gradient gets a tensor of role grad,
// '<param>.grad', after the outputs, and dl_gradient_step runs the training
// forward (batch statistics, dropout kept), writes the outputs, then the
// gradients, and carries out the dl.assign of the running mean last.
dl.parameter @w : tensor<3xf32> = #dl.init<constant(1.0)>
dl.parameter @rm : tensor<3xf32> = #dl.init<constant(0.0)> buffer
func.func @forward(%x: tensor<2x3xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %w = dl.param @w : tensor<3xf32>
  %rm = dl.param @rm : tensor<3xf32>
  %y, %m, %v = dl.batchnorm %x, %w, %w, %rm, %w {training} : tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  dl.assign @rm, %m : tensor<3xf32>
  %d = dl.dropout %y {rate = 0.5 : f64, key = 1 : i64} : tensor<2x3xf32>
  %l = dl.sum %d : tensor<2x3xf32>
  return %l : tensor<f32>
}
func.func @train_step(%x: tensor<2x3xf32> {dl.input = "x"}) -> (tensor<f32>, tensor<3xf32>) attributes {dl.gradients = ["w"], dl.outputs = ["loss"]} {
  %w = dl.param @w : tensor<3xf32>
  %rm = dl.param @rm : tensor<3xf32>
  %y, %m, %v = dl.batchnorm %x, %w, %w, %rm, %w {training} : tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  dl.assign @rm, %m : tensor<3xf32>
  %d = dl.dropout %y {rate = 0.5 : f64, key = 1 : i64} : tensor<2x3xf32>
  %l = dl.sum %d : tensor<2x3xf32>
  %g = dl.sum %y {axes = array<i64: 0>} : tensor<2x3xf32>
  return %l, %g : tensor<f32>, tensor<3xf32>
}
// CHECK: llvm.mlir.global external constant @dl_model_json(
// CHECK-SAME: \22arena_bytes\22:320
// CHECK-SAME: \22name\22:\22loss\22,\22offset\22:192,\22role\22:\22output\22
// CHECK-SAME: {\22bytes\22:12,\22dtype\22:\22f32\22,\22name\22:\22w.grad\22,\22offset\22:256,\22role\22:\22grad\22,\22shape\22:[3]}
// The eval step is unchanged: running statistics, no dropout, no write.
// CHECK-LABEL: func.func @dl_eval_step
// CHECK-NOT: training
// CHECK-NOT: dl.dropout
// CHECK: return
// The running mean is written where it is assigned: nothing reads it later.
// CHECK-LABEL: func.func @dl_gradient_step(%{{.*}}: memref<320xi8>)
// CHECK: %[[Y:.*]], %[[M:.*]], %{{.*}} = dl.batchnorm {{.*}} {training}
// CHECK: %[[RM:.*]] = memref.view %{{.*}}[%c64{{.*}}][] : memref<320xi8> to memref<3xf32>
// CHECK: bufferization.materialize_in_destination %[[M]] in restrict writable %[[RM]]
// CHECK: dl.dropout %[[Y]]
// CHECK: %[[G:.*]] = dl.sum %[[Y]] {axes = array<i64: 0>}
// CHECK: memref.view %{{.*}}[%c192][] : memref<320xi8> to memref<f32>
// CHECK: %[[GRAD:.*]] = memref.view %{{.*}}[%c256][] : memref<320xi8> to memref<3xf32>
// CHECK: bufferization.materialize_in_destination %[[G]] in restrict writable %[[GRAD]]
// CHECK-NEXT: return
// CHECK-NOT: func.func @train_step

// -----

// A whole optimizer step (after dl-expand-optimizer) becomes dl_train_step:
// optimizer state gets role state (no initializer: it starts at zero), each
// hyper argument a scalar of role hyper, each statistic role stat. Every
// read of an old value comes before its write: the momentum buffer, read
// only by its own update, is written where it is assigned; the parameter,
// which the statistic reads after its assign, after the outputs.
dl.parameter @w : tensor<3xf32> = #dl.init<constant(1.0)>
dl.parameter @w.momentum_buffer : tensor<3xf32> = #dl.init<constant(0.0)> state
func.func @forward(%x: tensor<3xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %w = dl.param @w : tensor<3xf32>
  %p = dl.mul %x, %w : tensor<3xf32>, tensor<3xf32>
  %l = dl.sum %p : tensor<3xf32>
  return %l : tensor<f32>
}
func.func @train_step(%x: tensor<3xf32> {dl.input = "x"}, %lr: tensor<f32> {dl.hyper = "lr"}, %step: tensor<i64> {dl.hyper = "step"}) -> (tensor<f32>, tensor<f32>) attributes {dl.outputs = ["loss"], dl.stats = ["grad_norm"]} {
  %w = dl.param @w : tensor<3xf32>
  %p = dl.mul %x, %w : tensor<3xf32>, tensor<3xf32>
  %l = dl.sum %p : tensor<3xf32>
  %b = dl.param @w.momentum_buffer : tensor<3xf32>
  %nb = dl.add %b, %x : tensor<3xf32>, tensor<3xf32>
  dl.assign @w.momentum_buffer, %nb : tensor<3xf32>
  %u = dl.mul %lr, %nb : tensor<f32>, tensor<3xf32>
  %nw = dl.sub %w, %u : tensor<3xf32>, tensor<3xf32>
  dl.assign @w, %nw : tensor<3xf32>
  %r = dl.reshape %w : tensor<3xf32> -> tensor<1x3xf32>
  %n = dl.sum %r : tensor<1x3xf32>
  return %l, %n : tensor<f32>, tensor<f32>
}
// CHECK: llvm.mlir.global external constant @dl_model_json(
// CHECK-SAME: \22arena_bytes\22:448
// CHECK-SAME: {\22bytes\22:12,\22dtype\22:\22f32\22,\22name\22:\22w.momentum_buffer\22,\22offset\22:64,\22role\22:\22state\22,\22shape\22:[3]}
// CHECK-SAME: \22name\22:\22lr\22,\22offset\22:256,\22role\22:\22hyper\22,\22shape\22:[]}
// CHECK-SAME: {\22bytes\22:8,\22dtype\22:\22i64\22,\22name\22:\22step\22,\22offset\22:320,\22role\22:\22hyper\22,\22shape\22:[]}
// CHECK-SAME: \22name\22:\22grad_norm\22,\22offset\22:384,\22role\22:\22stat\22,\22shape\22:[]}
// CHECK-LABEL: func.func @dl_train_step(%{{.*}}: memref<448xi8>)
// CHECK: %[[WREAD:.*]] = memref.view %{{.*}}[%c0][] : memref<448xi8> to memref<3xf32>
// CHECK: %[[W:.*]] = bufferization.to_tensor %[[WREAD]] restrict
// CHECK: %[[LRREAD:.*]] = memref.view %{{.*}}[%c256][] : memref<448xi8> to memref<f32>
// CHECK: bufferization.to_tensor %[[LRREAD]] restrict
// CHECK: %[[NB:.*]] = dl.add
// CHECK: %[[B:.*]] = memref.view %{{.*}}[%c64{{.*}}][] : memref<448xi8> to memref<3xf32>
// CHECK: bufferization.materialize_in_destination %[[NB]] in restrict writable %[[B]]
// CHECK: %[[NW:.*]] = dl.sub %[[W]], %{{.*}}
// CHECK: %[[R:.*]] = dl.reshape %[[W]]
// CHECK: %[[N:.*]] = dl.sum %[[R]] : tensor<1x3xf32>
// CHECK: memref.view %{{.*}}[%c192][] : memref<448xi8> to memref<f32>
// CHECK: %[[STAT:.*]] = memref.view %{{.*}}[%c384][] : memref<448xi8> to memref<f32>
// CHECK: bufferization.materialize_in_destination %[[N]] in restrict writable %[[STAT]]
// CHECK: %[[WV:.*]] = memref.view %{{.*}}[%c0{{.*}}][] : memref<448xi8> to memref<3xf32>
// CHECK: bufferization.materialize_in_destination %[[NW]] in restrict writable %[[WV]]
// CHECK-NEXT: return
// CHECK-NOT: func.func @train_step

// -----

// Steps read only inputs of @forward and hyper scalars.
dl.parameter @w : tensor<3xf32> = #dl.init<constant(1.0)>
func.func @forward(%x: tensor<3xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %l = dl.sum %x : tensor<3xf32>
  return %l : tensor<f32>
}
// expected-error @+1 {{argument 1 of @train_step is input 'y', which @forward does not take}}
func.func @train_step(%x: tensor<3xf32> {dl.input = "x"}, %y: tensor<3xf32> {dl.input = "y"}) -> tensor<f32> attributes {dl.outputs = ["loss"], dl.stats = []} {
  %l = dl.sum %x : tensor<3xf32>
  return %l : tensor<f32>
}

// -----

dl.parameter @w : tensor<3xf32> = #dl.init<constant(1.0)>
func.func @forward(%x: tensor<3xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %l = dl.sum %x : tensor<3xf32>
  return %l : tensor<f32>
}
// expected-error @+1 {{argument 1 of @train_step must be a static tensor named by 'dl.input' or 'dl.hyper'}}
func.func @train_step(%x: tensor<3xf32> {dl.input = "x"}, %lr: tensor<f32>) -> tensor<f32> attributes {dl.outputs = ["loss"], dl.stats = []} {
  %l = dl.sum %x : tensor<3xf32>
  return %l : tensor<f32>
}

// -----

// The gradients of @train_step follow its outputs, one per name.
dl.parameter @w : tensor<3xf32> = #dl.init<constant(1.0)>
func.func @forward(%x: tensor<3xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %l = dl.sum %x : tensor<3xf32>
  return %l : tensor<f32>
}
// expected-error @+1 {{@train_step must return the results of @forward, then one result per name in 'dl.gradients'}}
func.func @train_step(%x: tensor<3xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.gradients = ["w"], dl.outputs = ["loss"]} {
  %l = dl.sum %x : tensor<3xf32>
  return %l : tensor<f32>
}

// -----

// Each gradient names a trained parameter and has its type.
dl.parameter @w : tensor<3xf32> = #dl.init<constant(1.0)>
dl.parameter @b : tensor<3xf32> = #dl.init<constant(1.0)> buffer
func.func @forward(%x: tensor<3xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %l = dl.sum %x : tensor<3xf32>
  return %l : tensor<f32>
}
// expected-error @+1 {{gradient "b" of @train_step does not match a parameter of type 'tensor<3xf32>'}}
func.func @train_step(%x: tensor<3xf32> {dl.input = "x"}) -> (tensor<f32>, tensor<3xf32>) attributes {dl.gradients = ["b"], dl.outputs = ["loss"]} {
  %l = dl.sum %x : tensor<3xf32>
  return %l, %x : tensor<f32>, tensor<3xf32>
}

// -----

// The inputs of @train_step are those of @forward.
dl.parameter @w : tensor<3xf32> = #dl.init<constant(1.0)>
func.func @forward(%x: tensor<3xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %l = dl.sum %x : tensor<3xf32>
  return %l : tensor<f32>
}
// expected-error @+1 {{argument 0 of @train_step ('x') has type 'tensor<4xf32>' but elsewhere 'tensor<3xf32>'}}
func.func @train_step(%x: tensor<4xf32> {dl.input = "x"}) -> (tensor<f32>, tensor<3xf32>) attributes {dl.gradients = ["w"], dl.outputs = ["loss"]} {
  %l = dl.sum %x : tensor<4xf32>
  %w = dl.param @w : tensor<3xf32>
  return %l, %w : tensor<f32>, tensor<3xf32>
}
