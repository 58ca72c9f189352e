// RUN: dlcc-opt --dl-autodiff --dl-expand-optimizer --mlir-print-debuginfo %s | FileCheck %s

// The reverse sweep's ops are named "backward" and the update's
// "optimizer" in their locations (which lowering keeps), for the memory
// plan's classes; the forward's ops keep theirs.
dl.parameter @w : tensor<3xf32> = #dl.init<constant(1.0)>
func.func @forward(%x: tensor<3xf32> {dl.input = "x"}) -> tensor<f32> attributes {dl.outputs = ["loss"]} {
  %w = dl.param @w : tensor<3xf32> loc("model.dl":2:3)
  %p = dl.mul %x, %w : tensor<3xf32>, tensor<3xf32> loc("model.dl":3:5)
  %l = dl.sum %p : tensor<3xf32> loc("model.dl":4:7)
  return %l : tensor<f32>
}
// CHECK-LABEL: func.func @train_step
// CHECK: dl.mul %{{.*}}, %{{.*}} : tensor<3xf32>, tensor<3xf32> loc(#[[FORWARD:loc[0-9]*]])
// CHECK: dl.broadcast {{.*}} loc(#[[BACKWARD:loc[0-9]*]])
// CHECK: dl.assign @w.exp_avg, {{.*}} loc(#[[OPTIMIZER:loc[0-9]*]])
// CHECK-DAG: #[[FORWARD]] = loc("model.dl":3:5)
// CHECK-DAG: #[[BACKWARD]] = loc("backward"(#{{loc[0-9]*}}))
// CHECK-DAG: #[[OPTIMIZER]] = loc("optimizer"(#{{loc[0-9]*}}))
