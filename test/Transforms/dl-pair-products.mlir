// RUN: dlcc-opt --split-input-file --dl-linalg-to-blas --dl-pair-products %s | FileCheck %s

#a = affine_map<(m, n, k) -> (m, k)>
#at = affine_map<(m, n, k) -> (k, m)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>

// A linear layer's backward: dx = dy w and dw = dy^T x, the same M N K
// (8 x 6 x 4 and 4 x 6 x 8), each into a buffer of its own: one call with
// the first product's operands, then the second's, where the second was.
// CHECK: func.func private @dlrt_sgemm_pair(i32, i32, i64, i64, i64, f32, !llvm.ptr, i64, !llvm.ptr, i64, f32, !llvm.ptr, i64, i32, i32, i64, i64, i64, f32, !llvm.ptr, i64, !llvm.ptr, i64, f32, !llvm.ptr, i64)
// CHECK-LABEL: func.func @linear_backward
// CHECK: memref.alloc() {{.*}}: memref<8x6xf32>
// CHECK-NOT: call @dlrt_sgemm(
// CHECK: %[[DW:.*]] = memref.alloc() {{.*}}: memref<4x6xf32>
// CHECK-NOT: call @dlrt_sgemm(
// CHECK: call @dlrt_sgemm_pair(%c0_i32, %c0_i32, %c8_i64, %c6_i64, %c4_i64, {{.*}}, %c1_i32, %c0_i32, %c4_i64, %c6_i64, %c8_i64,
// CHECK-NOT: call @dlrt_sgemm(
// CHECK: return
func.func @linear_backward(%dy: memref<8x4xf32>, %w: memref<4x6xf32>, %x: memref<8x6xf32>) -> (memref<8x6xf32>, memref<4x6xf32>) {
  %dx = memref.alloc() : memref<8x6xf32>
  linalg.matmul ins(%dy, %w : memref<8x4xf32>, memref<4x6xf32>) outs(%dx : memref<8x6xf32>)
  %dw = memref.alloc() : memref<4x6xf32>
  linalg.matmul indexing_maps = [#at, #b, #c] ins(%dy, %x : memref<8x4xf32>, memref<8x6xf32>) outs(%dw : memref<4x6xf32>)
  return %dx, %dw : memref<8x6xf32>, memref<4x6xf32>
}

// -----

// The second product reads the first's result: they stay apart.
// CHECK-LABEL: func.func @dependent
// CHECK: call @dlrt_sgemm(
// CHECK: call @dlrt_sgemm(
// CHECK-NOT: dlrt_sgemm_pair
func.func @dependent(%a: memref<4x4xf32>, %b: memref<4x4xf32>) -> memref<4x4xf32> {
  %c = memref.alloc() : memref<4x4xf32>
  linalg.matmul ins(%a, %b : memref<4x4xf32>, memref<4x4xf32>) outs(%c : memref<4x4xf32>)
  %d = memref.alloc() : memref<4x4xf32>
  linalg.matmul ins(%c, %b : memref<4x4xf32>, memref<4x4xf32>) outs(%d : memref<4x4xf32>)
  return %d : memref<4x4xf32>
}

// -----

// Through a view of it too.
// CHECK-LABEL: func.func @dependent_view
// CHECK-NOT: dlrt_sgemm_pair
func.func @dependent_view(%a: memref<4x4xf32>, %b: memref<4x8xf32>) -> memref<4x2xf32> {
  %c = memref.alloc() : memref<4x4xf32>
  linalg.matmul ins(%a, %a : memref<4x4xf32>, memref<4x4xf32>) outs(%c : memref<4x4xf32>)
  %v = memref.collapse_shape %c [[0, 1]] : memref<4x4xf32> into memref<16xf32>
  %w = memref.expand_shape %v [[0, 1]] output_shape [8, 2] : memref<16xf32> into memref<8x2xf32>
  %d = memref.alloc() : memref<4x2xf32>
  linalg.matmul ins(%b, %w : memref<4x8xf32>, memref<8x2xf32>) outs(%d : memref<4x2xf32>)
  return %d : memref<4x2xf32>
}

// -----

// Unequal work (8 x 6 x 4 and 8 x 6 x 8): side by side the larger would
// set the time alone.
// CHECK-LABEL: func.func @unequal
// CHECK-NOT: dlrt_sgemm_pair
func.func @unequal(%a: memref<8x4xf32>, %b: memref<4x6xf32>, %c: memref<8x8xf32>, %d: memref<8x6xf32>) {
  %x = memref.alloc() : memref<8x6xf32>
  linalg.matmul ins(%a, %b : memref<8x4xf32>, memref<4x6xf32>) outs(%x : memref<8x6xf32>)
  %y = memref.alloc() : memref<8x6xf32>
  linalg.matmul ins(%c, %d : memref<8x8xf32>, memref<8x6xf32>) outs(%y : memref<8x6xf32>)
  return
}

// -----

// Something between them writes memory: the first cannot move past it.
// CHECK-LABEL: func.func @store_between
// CHECK-NOT: dlrt_sgemm_pair
func.func @store_between(%a: memref<4x4xf32>, %b: memref<4x4xf32>, %s: memref<f32>, %v: f32) {
  %x = memref.alloc() : memref<4x4xf32>
  linalg.matmul ins(%a, %b : memref<4x4xf32>, memref<4x4xf32>) outs(%x : memref<4x4xf32>)
  memref.store %v, %s[] : memref<f32>
  %y = memref.alloc() : memref<4x4xf32>
  linalg.matmul ins(%b, %a : memref<4x4xf32>, memref<4x4xf32>) outs(%y : memref<4x4xf32>)
  return
}

// -----

// An output that is not a buffer of its own (an argument, which may be a
// view of anything) is not known to be apart from the other's operands.
// CHECK-LABEL: func.func @argument_output
// CHECK-NOT: dlrt_sgemm_pair
func.func @argument_output(%a: memref<4x4xf32>, %b: memref<4x4xf32>, %out: memref<4x4xf32>) {
  %x = memref.alloc() : memref<4x4xf32>
  linalg.matmul ins(%a, %b : memref<4x4xf32>, memref<4x4xf32>) outs(%x : memref<4x4xf32>)
  linalg.matmul ins(%b, %a : memref<4x4xf32>, memref<4x4xf32>) outs(%out : memref<4x4xf32>)
  return
}
