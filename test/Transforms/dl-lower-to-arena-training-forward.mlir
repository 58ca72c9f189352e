// RUN: dlcc-opt --split-input-file --dl-lower-to-arena=training-forward %s | FileCheck %s

// With training-forward, the eval step runs the forward as model.train()
// does: batch norm keeps `training` (batch statistics) and dropout stays;
// parameters are still not written.
dl.parameter @g : tensor<3xf32> = #dl.init<constant(1.0)>
dl.parameter @rm : tensor<3xf32> = #dl.init<constant(0.0)> buffer
func.func @forward(%x: tensor<2x3xf32> {dl.input = "x"})
    -> (tensor<2x3xf32>, tensor<3xf32>) attributes {dl.outputs = ["y", "mean"]} {
  %g = dl.param @g : tensor<3xf32>
  %rm = dl.param @rm : tensor<3xf32>
  %y, %m, %v = dl.batchnorm %x, %g, %g, %rm, %g {training} : tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  dl.assign @rm, %m : tensor<3xf32>
  %d = dl.dropout %y {rate = 0.0 : f64, key = 1 : i64} : tensor<2x3xf32>
  return %d, %m : tensor<2x3xf32>, tensor<3xf32>
}
// CHECK-LABEL: func.func @dl_eval_step
// CHECK: %[[Y:.*]], %[[M:.*]], %{{.*}} = dl.batchnorm {{.*}} {training}
// CHECK-NOT: dl.assign
// CHECK: %[[D:.*]] = dl.dropout %[[Y]]
// CHECK: bufferization.materialize_in_destination %[[D]]
// CHECK: bufferization.materialize_in_destination %[[M]]
