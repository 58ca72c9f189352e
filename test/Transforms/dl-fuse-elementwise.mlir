// RUN: dlcc-opt --split-input-file --dl-fuse-elementwise %s | FileCheck %s

// Elementwise chains fuse into one linalg.generic.
// CHECK-LABEL: func.func @chain
func.func @chain(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.mulf %in, %in : f32
    linalg.yield %0 : f32
  } -> tensor<4xf32>
  %b = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%a : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %in, %in : f32
    linalg.yield %0 : f32
  } -> tensor<4xf32>
  // CHECK: linalg.generic
  // CHECK: arith.mulf
  // CHECK: arith.addf
  // CHECK-NOT: linalg.generic
  return %b : tensor<4xf32>
}

// -----

// A gather feeding a product through a reshape (an im2col) and an
// elementwise op on its result stay apart from it: the product remains a
// linalg.matmul, which dl-linalg-to-blas hands to the runtime's GEMM
// (linalg-fuse-elementwise-ops folds the reshape into the product, making
// it a linalg.generic, and fuses the gather into it).
// CHECK-LABEL: func.func @product
func.func @product(%x: tensor<4x4xf32>, %w: tensor<4x3xf32>) -> tensor<3x3xf32> {
  %e = tensor.empty() : tensor<3x2x2xf32>
  // CHECK: %[[COLS:.*]] = linalg.generic
  %cols = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0 + 1, d1 * 2 + d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x : tensor<4x4xf32>) outs(%e : tensor<3x2x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<3x2x2xf32>
  // CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[COLS]]
  %rows = tensor.collapse_shape %cols [[0], [1, 2]] : tensor<3x2x2xf32> into tensor<3x4xf32>
  %zero = arith.constant 0.0 : f32
  %r = tensor.empty() : tensor<3x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%r : tensor<3x3xf32>) -> tensor<3x3xf32>
  // CHECK: %[[Y:.*]] = linalg.matmul ins(%[[ROWS]], %{{.*}} : tensor<3x4xf32>, tensor<4x3xf32>)
  %y = linalg.matmul ins(%rows, %w : tensor<3x4xf32>, tensor<4x3xf32>) outs(%init : tensor<3x3xf32>) -> tensor<3x3xf32>
  // CHECK: linalg.generic {{.*}} ins(%[[Y]] : tensor<3x3xf32>)
  %z = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<3x3xf32>) outs(%r : tensor<3x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = math.exp %in : f32
    linalg.yield %0 : f32
  } -> tensor<3x3xf32>
  return %z : tensor<3x3xf32>
}
