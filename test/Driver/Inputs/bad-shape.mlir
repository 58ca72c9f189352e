// A linear layer whose input does not fit its weight.
dl.parameter @w : tensor<4x784xf32> = #dl.init<uniform(-0.1, 0.1)>
func.func @forward(%x: tensor<8x10xf32>) -> tensor<8x4xf32> {
  %w = dl.param @w : tensor<4x784xf32>
  %y = dl.linear %x, %w : tensor<8x10xf32>, tensor<4x784xf32>
  return %y : tensor<8x4xf32>
}
