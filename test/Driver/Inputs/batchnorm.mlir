// A batch norm marked for training: statistics of the batch in training,
// running statistics in evaluation.
module attributes {dl.model = "bn", dl.batch = 4 : i64} {
  dl.parameter @g : tensor<3xf32> = #dl.init<constant(1.0)>
  dl.parameter @rm : tensor<3xf32> = #dl.init<constant(0.0)> buffer
  dl.parameter @rv : tensor<3xf32> = #dl.init<constant(1.0)> buffer
  func.func @forward(%x: tensor<4x3xf32> {dl.input = "x"}) -> tensor<4x3xf32>
      attributes {dl.outputs = ["y"]} {
    %g = dl.param @g : tensor<3xf32>
    %rm = dl.param @rm : tensor<3xf32>
    %rv = dl.param @rv : tensor<3xf32>
    %y, %m, %v = dl.batchnorm %x, %g, %g, %rm, %rv {training} : tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
    return %y : tensor<4x3xf32>
  }
}
