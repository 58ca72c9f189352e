// RUN: dlcc-opt --split-input-file --dl-linalg-to-gpu --verify-diagnostics %s
// RUN: not dlcc-opt --dl-linalg-to-gpu="block-size=0" %s 2>&1 | FileCheck %s --check-prefix=ZERO
// ZERO: error: block-size and max-blocks must be positive

// Ops on tensors must be bufferized first.
func.func @on_tensors(%x: tensor<8xf32>) -> tensor<8xf32> {
  %zero = arith.constant 0.0 : f32
  // expected-error @below {{linalg ops must be on buffers to run on the GPU}}
  %y = linalg.fill ins(%zero : f32) outs(%x : tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

