// The multi-layer perceptron of examples/mlp.dl, written by hand in the dl
// dialect: 784 -> 256 -> 256 -> 10 on a batch of 128 Fashion-MNIST images.
// Linear layers use PyTorch's default initialization,
// uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases.
module attributes {dl.model = "mlp", dl.batch = 128 : i64} {
  dl.parameter @fc1.weight : tensor<256x784xf32> = #dl.init<uniform(-0.0357142857, 0.0357142857)>
  dl.parameter @fc1.bias : tensor<256xf32> = #dl.init<uniform(-0.0357142857, 0.0357142857)>
  dl.parameter @fc2.weight : tensor<256x256xf32> = #dl.init<uniform(-0.0625, 0.0625)>
  dl.parameter @fc2.bias : tensor<256xf32> = #dl.init<uniform(-0.0625, 0.0625)>
  dl.parameter @fc3.weight : tensor<10x256xf32> = #dl.init<uniform(-0.0625, 0.0625)>
  dl.parameter @fc3.bias : tensor<10xf32> = #dl.init<uniform(-0.0625, 0.0625)>

  // Returns the loss and the accuracy of one batch.
  func.func @forward(%image: tensor<128x784xf32> {dl.input = "image"},
                     %label: tensor<128xi32> {dl.input = "label"})
      -> (tensor<f32>, tensor<f32>) attributes {dl.outputs = ["loss", "accuracy"]} {
    %w1 = dl.param @fc1.weight : tensor<256x784xf32>
    %b1 = dl.param @fc1.bias : tensor<256xf32>
    %h1 = dl.linear %image, %w1, %b1 : tensor<128x784xf32>, tensor<256x784xf32>, tensor<256xf32>
    %a1 = dl.relu %h1 : tensor<128x256xf32>
    %w2 = dl.param @fc2.weight : tensor<256x256xf32>
    %b2 = dl.param @fc2.bias : tensor<256xf32>
    %h2 = dl.linear %a1, %w2, %b2 : tensor<128x256xf32>, tensor<256x256xf32>, tensor<256xf32>
    %a2 = dl.relu %h2 : tensor<128x256xf32>
    %w3 = dl.param @fc3.weight : tensor<10x256xf32>
    %b3 = dl.param @fc3.bias : tensor<10xf32>
    %logits = dl.linear %a2, %w3, %b3 : tensor<128x256xf32>, tensor<10x256xf32>, tensor<10xf32>
    %loss = dl.cross_entropy %logits, %label : tensor<128x10xf32>, tensor<128xi32>
    %accuracy = dl.accuracy %logits, %label : tensor<128x10xf32>, tensor<128xi32>
    return %loss, %accuracy : tensor<f32>, tensor<f32>
  }
}
