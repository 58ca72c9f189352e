// RUN: dlcc-opt --split-input-file --dl-sums-into-products %s | FileCheck %s
// RUN: dlcc-opt --split-input-file --dl-sums-into-products --dl-linalg-to-blas %s | FileCheck %s --check-prefix=BLAS

#id2 = affine_map<(i, j) -> (i, j)>
#row2 = affine_map<(i, j) -> (j)>

// A bias added to a product from zero into a fresh buffer: the bias is
// written into that buffer first (the product's operand now -0), and the
// product accumulates onto it (a GEMM with beta = 1); the zero fill and
// the product's own buffer go.
// CHECK-LABEL: func.func @bias
// CHECK-NOT: linalg.fill
// CHECK: %[[Y:.*]] = memref.alloc() : memref<8x6xf32>
// CHECK: linalg.generic {{.*}} ins(%arg2 : memref<6xf32>) outs(%[[Y]] : memref<8x6xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant -0.000000e+00 : f32
// CHECK: arith.addf %[[ZERO]], %in
// CHECK: linalg.matmul ins(%arg0, %arg1 : memref<8x4xf32>, memref<4x6xf32>) outs(%[[Y]] : memref<8x6xf32>)
// CHECK-NEXT: return %[[Y]]
// BLAS-LABEL: func.func @bias
// BLAS: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// BLAS: call @dlrt_sgemm({{.*}}, %[[ONE]], %{{.*}}, %[[ONE]],
func.func @bias(%a: memref<8x4xf32>, %w: memref<4x6xf32>, %b: memref<6xf32>) -> memref<8x6xf32> {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<8x6xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<8x6xf32>)
  linalg.matmul ins(%a, %w : memref<8x4xf32>, memref<4x6xf32>) outs(%c : memref<8x6xf32>)
  %y = memref.alloc() : memref<8x6xf32>
  linalg.generic {indexing_maps = [#id2, #row2, #id2], iterator_types = ["parallel", "parallel"]} ins(%c, %b : memref<8x6xf32>, memref<6xf32>) outs(%y : memref<8x6xf32>) {
  ^bb0(%p: f32, %bias: f32, %out: f32):
    %s = arith.addf %p, %bias : f32
    linalg.yield %s : f32
  }
  return %y : memref<8x6xf32>
}

// -----

#id3 = affine_map<(i, j, k) -> (i, j, k)>
#row3 = affine_map<(i, j, k) -> (k)>

// A transformer's residual: x + (product + bias), the product reshaped to
// [batch, tokens, width], the sum written over x. x + bias goes into x,
// and the product accumulates onto x seen as a matrix again.
// CHECK-LABEL: func.func @residual
// CHECK: linalg.generic {{.*}} ins(%arg3, %arg2 : memref<2x4x6xf32>, memref<6xf32>) outs(%arg3 : memref<2x4x6xf32>)
// CHECK: %[[X:.*]] = memref.collapse_shape %arg3 {{\[}}[0, 1], [2]] : memref<2x4x6xf32> into memref<8x6xf32>
// CHECK: linalg.matmul ins(%arg0, %arg1 : memref<8x5xf32>, memref<5x6xf32>) outs(%[[X]] : memref<8x6xf32>)
// CHECK-NOT: memref.alloc
func.func @residual(%a: memref<8x5xf32>, %w: memref<5x6xf32>, %b: memref<6xf32>, %x: memref<2x4x6xf32>) {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<8x6xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<8x6xf32>)
  linalg.matmul ins(%a, %w : memref<8x5xf32>, memref<5x6xf32>) outs(%c : memref<8x6xf32>)
  %c3 = memref.expand_shape %c [[0, 1], [2]] output_shape [2, 4, 6] : memref<8x6xf32> into memref<2x4x6xf32>
  linalg.generic {indexing_maps = [#id3, #id3, #row3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x, %c3, %b : memref<2x4x6xf32>, memref<2x4x6xf32>, memref<6xf32>) outs(%x : memref<2x4x6xf32>) {
  ^bb0(%in: f32, %p: f32, %bias: f32, %out: f32):
    %s = arith.addf %p, %bias : f32
    %t = arith.addf %in, %s : f32
    linalg.yield %t : f32
  }
  return
}

// -----

#id2 = affine_map<(i, j) -> (i, j)>
#row2 = affine_map<(i, j) -> (j)>

// The product's buffer used again later, overwritten first (the memory
// plan's reuse): rewritten.
// CHECK-LABEL: func.func @buffer_reused
// CHECK: linalg.matmul ins(%arg0, %arg1 : memref<8x4xf32>, memref<4x6xf32>) outs(%[[Y:.*]] : memref<8x6xf32>)
// CHECK-NEXT: linalg.fill ins(%{{.*}} : f32) outs(%[[C:.*]] : memref<8x6xf32>)
// CHECK-NEXT: return %[[Y]], %[[C]]
func.func @buffer_reused(%a: memref<8x4xf32>, %w: memref<4x6xf32>, %b: memref<6xf32>) -> (memref<8x6xf32>, memref<8x6xf32>) {
  %zero = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
  %c = memref.alloc() : memref<8x6xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<8x6xf32>)
  linalg.matmul ins(%a, %w : memref<8x4xf32>, memref<4x6xf32>) outs(%c : memref<8x6xf32>)
  %y = memref.alloc() : memref<8x6xf32>
  linalg.generic {indexing_maps = [#row2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%b, %c : memref<6xf32>, memref<8x6xf32>) outs(%y : memref<8x6xf32>) {
  ^bb0(%bias: f32, %p: f32, %out: f32):
    %s = arith.addf %bias, %p : f32
    linalg.yield %s : f32
  }
  linalg.fill ins(%two : f32) outs(%c : memref<8x6xf32>)
  return %y, %c : memref<8x6xf32>, memref<8x6xf32>
}

// -----

#id2 = affine_map<(i, j) -> (i, j)>
#row2 = affine_map<(i, j) -> (j)>

// Left alone: a ReLU after the bias (the product is not an added term);
// a product that reads the sum's output; a product read again after the
// sum; a product that accumulates (no zero fill); a product added twice.
// CHECK-LABEL: func.func @left_alone
// CHECK-COUNT-4: linalg.fill ins(%cst
// CHECK-NOT: -0.0
func.func @left_alone(%a: memref<8x4xf32>, %w: memref<4x6xf32>, %b: memref<6xf32>, %x: memref<8x4xf32>) -> (memref<8x6xf32>, memref<8x6xf32>, memref<8x6xf32>, memref<8x6xf32>, memref<8x6xf32>, memref<8x6xf32>) {
  %zero = arith.constant 0.0 : f32
  %c1 = memref.alloc() : memref<8x6xf32>
  linalg.fill ins(%zero : f32) outs(%c1 : memref<8x6xf32>)
  linalg.matmul ins(%a, %w : memref<8x4xf32>, memref<4x6xf32>) outs(%c1 : memref<8x6xf32>)
  %y1 = memref.alloc() : memref<8x6xf32>
  linalg.generic {indexing_maps = [#id2, #row2, #id2], iterator_types = ["parallel", "parallel"]} ins(%c1, %b : memref<8x6xf32>, memref<6xf32>) outs(%y1 : memref<8x6xf32>) {
  ^bb0(%p: f32, %bias: f32, %out: f32):
    %s = arith.addf %p, %bias : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  %c2 = memref.alloc() : memref<8x4xf32>
  linalg.fill ins(%zero : f32) outs(%c2 : memref<8x4xf32>)
  %wt = memref.alloc() : memref<4x4xf32>
  linalg.matmul ins(%x, %wt : memref<8x4xf32>, memref<4x4xf32>) outs(%c2 : memref<8x4xf32>)
  linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%c2, %x : memref<8x4xf32>, memref<8x4xf32>) outs(%x : memref<8x4xf32>) {
  ^bb0(%p: f32, %in: f32, %out: f32):
    %s = arith.addf %p, %in : f32
    linalg.yield %s : f32
  }
  %c3 = memref.alloc() : memref<8x6xf32>
  linalg.fill ins(%zero : f32) outs(%c3 : memref<8x6xf32>)
  linalg.matmul ins(%a, %w : memref<8x4xf32>, memref<4x6xf32>) outs(%c3 : memref<8x6xf32>)
  %y3 = memref.alloc() : memref<8x6xf32>
  linalg.generic {indexing_maps = [#id2, #row2, #id2], iterator_types = ["parallel", "parallel"]} ins(%c3, %b : memref<8x6xf32>, memref<6xf32>) outs(%y3 : memref<8x6xf32>) {
  ^bb0(%p: f32, %bias: f32, %out: f32):
    %s = arith.addf %p, %bias : f32
    linalg.yield %s : f32
  }
  %c4 = memref.alloc() : memref<8x6xf32>
  linalg.matmul ins(%a, %w : memref<8x4xf32>, memref<4x6xf32>) outs(%c4 : memref<8x6xf32>)
  %y4 = memref.alloc() : memref<8x6xf32>
  linalg.generic {indexing_maps = [#id2, #row2, #id2], iterator_types = ["parallel", "parallel"]} ins(%c4, %b : memref<8x6xf32>, memref<6xf32>) outs(%y4 : memref<8x6xf32>) {
  ^bb0(%p: f32, %bias: f32, %out: f32):
    %s = arith.addf %p, %bias : f32
    linalg.yield %s : f32
  }
  %c5 = memref.alloc() : memref<8x6xf32>
  linalg.fill ins(%zero : f32) outs(%c5 : memref<8x6xf32>)
  linalg.matmul ins(%a, %w : memref<8x4xf32>, memref<4x6xf32>) outs(%c5 : memref<8x6xf32>)
  %y5 = memref.alloc() : memref<8x6xf32>
  linalg.generic {indexing_maps = [#id2, #row2, #id2], iterator_types = ["parallel", "parallel"]} ins(%c5, %b : memref<8x6xf32>, memref<6xf32>) outs(%y5 : memref<8x6xf32>) {
  ^bb0(%p: f32, %bias: f32, %out: f32):
    %s = arith.addf %p, %bias : f32
    %t = arith.addf %s, %s : f32
    linalg.yield %t : f32
  }
  return %y1, %c3, %y3, %y4, %c5, %y5 : memref<8x6xf32>, memref<8x6xf32>, memref<8x6xf32>, memref<8x6xf32>, memref<8x6xf32>, memref<8x6xf32>
}

// -----

#id2 = affine_map<(i, j) -> (i, j)>
#row2 = affine_map<(i, j) -> (j)>

// The product's buffer read after the sum by a load in another op's body
// (a gather): that op does not overwrite it, so the product keeps it.
// CHECK-LABEL: func.func @read_by_a_load
// CHECK: linalg.fill ins(%cst
// CHECK-NOT: -0.0
func.func @read_by_a_load(%a: memref<8x4xf32>, %w: memref<4x6xf32>, %b: memref<6xf32>, %i: memref<8xindex>) -> (memref<8x6xf32>, memref<8xf32>) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c = memref.alloc() : memref<8x6xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<8x6xf32>)
  linalg.matmul ins(%a, %w : memref<8x4xf32>, memref<4x6xf32>) outs(%c : memref<8x6xf32>)
  %y = memref.alloc() : memref<8x6xf32>
  linalg.generic {indexing_maps = [#id2, #row2, #id2], iterator_types = ["parallel", "parallel"]} ins(%c, %b : memref<8x6xf32>, memref<6xf32>) outs(%y : memref<8x6xf32>) {
  ^bb0(%p: f32, %bias: f32, %out: f32):
    %s = arith.addf %p, %bias : f32
    linalg.yield %s : f32
  }
  %g = memref.alloc() : memref<8xf32>
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]} ins(%i : memref<8xindex>) outs(%g : memref<8xf32>) {
  ^bb0(%j: index, %out: f32):
    %v = memref.load %c[%j, %c0] : memref<8x6xf32>
    linalg.yield %v : f32
  }
  return %y, %g : memref<8x6xf32>, memref<8xf32>
}
