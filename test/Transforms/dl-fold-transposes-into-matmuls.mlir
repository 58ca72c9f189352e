// RUN: dlcc-opt --dl-fold-transposes-into-matmuls %s | FileCheck %s

// A weight gradient, x^T @ dy: the product reads x through a transposed
// indexing map, and the transposed copy goes.
// CHECK-DAG: #[[KM:.*]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG: #[[KN:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[MN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @weight_gradient(
// CHECK-SAME: %[[X:.*]]: tensor<32x8xf32>, %[[DY:.*]]: tensor<32x4xf32>
// CHECK-NOT: linalg.transpose
// CHECK: linalg.matmul indexing_maps = [#[[KM]], #[[KN]], #[[MN]]] ins(%[[X]], %[[DY]] : tensor<32x8xf32>, tensor<32x4xf32>)
func.func @weight_gradient(%x: tensor<32x8xf32>, %dy: tensor<32x4xf32>, %acc: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %e = tensor.empty() : tensor<8x32xf32>
  %xt = linalg.transpose ins(%x : tensor<32x8xf32>) outs(%e : tensor<8x32xf32>) permutation = [1, 0]
  %r = linalg.matmul ins(%xt, %dy : tensor<8x32xf32>, tensor<32x4xf32>) outs(%acc : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %r : tensor<8x4xf32>
}

// Both operands transposed, the second's map already transposed (a
// forward x @ w^T): each map's results swap.
// CHECK-LABEL: func.func @both(
// CHECK-SAME: %[[A:.*]]: tensor<16x8xf32>, %[[B:.*]]: tensor<16x4xf32>
// CHECK-NOT: linalg.transpose
// CHECK: linalg.matmul indexing_maps = [#[[KM]], #[[KN]], #[[MN]]] ins(%[[A]], %[[B]] :
func.func @both(%a: tensor<16x8xf32>, %b: tensor<16x4xf32>, %acc: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %ea = tensor.empty() : tensor<8x16xf32>
  %at = linalg.transpose ins(%a : tensor<16x8xf32>) outs(%ea : tensor<8x16xf32>) permutation = [1, 0]
  %eb = tensor.empty() : tensor<4x16xf32>
  %bt = linalg.transpose ins(%b : tensor<16x4xf32>) outs(%eb : tensor<4x16xf32>) permutation = [1, 0]
  %r = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>] ins(%at, %bt : tensor<8x16xf32>, tensor<4x16xf32>) outs(%acc : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %r : tensor<8x4xf32>
}

// A transpose something else reads stays for it; the product still reads
// the original.
// CHECK-LABEL: func.func @shared(
// CHECK-SAME: %[[S:.*]]: tensor<32x8xf32>
// CHECK: %[[T:.*]] = linalg.transpose
// CHECK: linalg.matmul indexing_maps = [#[[KM]], #[[KN]], #[[MN]]] ins(%[[S]],
// CHECK: return %{{.*}}, %[[T]]
func.func @shared(%x: tensor<32x8xf32>, %dy: tensor<32x4xf32>, %acc: tensor<8x4xf32>) -> (tensor<8x4xf32>, tensor<8x32xf32>) {
  %e = tensor.empty() : tensor<8x32xf32>
  %xt = linalg.transpose ins(%x : tensor<32x8xf32>) outs(%e : tensor<8x32xf32>) permutation = [1, 0]
  %r = linalg.matmul ins(%xt, %dy : tensor<8x32xf32>, tensor<32x4xf32>) outs(%acc : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %r, %xt : tensor<8x4xf32>, tensor<8x32xf32>
}

// A batched product's operands are 3-D: left alone.
// CHECK-LABEL: func.func @batched(
// CHECK: linalg.transpose
// CHECK: linalg.batch_matmul
func.func @batched(%x: tensor<2x8x32xf32>, %dy: tensor<2x8x4xf32>, %acc: tensor<2x32x4xf32>) -> tensor<2x32x4xf32> {
  %e = tensor.empty() : tensor<2x32x8xf32>
  %xt = linalg.transpose ins(%x : tensor<2x8x32xf32>) outs(%e : tensor<2x32x8xf32>) permutation = [0, 2, 1]
  %r = linalg.batch_matmul ins(%xt, %dy : tensor<2x32x8xf32>, tensor<2x8x4xf32>) outs(%acc : tensor<2x32x4xf32>) -> tensor<2x32x4xf32>
  return %r : tensor<2x32x4xf32>
}
