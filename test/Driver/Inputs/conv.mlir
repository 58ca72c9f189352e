// A convolution, a max pooling and a linear layer in f32, for the products
// of the gradient step.
module attributes {dl.model = "conv", dl.batch = 2 : i64} {
  dl.parameter @conv.weight : tensor<4x3x3x3xf32> = #dl.init<uniform(-0.2, 0.2)>
  dl.parameter @conv.bias : tensor<4xf32> = #dl.init<constant(0.0)>
  dl.parameter @fc.weight : tensor<10x36xf32> = #dl.init<uniform(-0.2, 0.2)>
  dl.parameter @frozen : tensor<10xf32> = #dl.init<constant(0.0)> frozen
  func.func @forward(%x: tensor<2x3x6x6xf32> {dl.input = "image"},
                     %y: tensor<2xi32> {dl.input = "label"})
      -> tensor<f32> attributes {dl.outputs = ["loss"]} {
    %w = dl.param @conv.weight : tensor<4x3x3x3xf32>
    %b = dl.param @conv.bias : tensor<4xf32>
    %h = dl.conv2d %x, %w, %b {padding = array<i64: 1, 1>} : tensor<2x3x6x6xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>
    %p = dl.maxpool2d %h {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<2x4x6x6xf32>
    %f = dl.reshape %p : tensor<2x4x3x3xf32> -> tensor<2x36xf32>
    %v = dl.param @fc.weight : tensor<10x36xf32>
    %c = dl.param @frozen : tensor<10xf32>
    %logits = dl.linear %f, %v, %c : tensor<2x36xf32>, tensor<10x36xf32>, tensor<10xf32>
    %l = dl.cross_entropy %logits, %y : tensor<2x10xf32>, tensor<2xi32>
    return %l : tensor<f32>
  }
}
