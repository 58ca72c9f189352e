// RUN: dlcc-opt --split-input-file --dl-linalg-to-blas %s | FileCheck %s
// RUN: dlcc-opt --dl-linalg-to-blas="device=true" --split-input-file %s | FileCheck %s --check-prefix=DEVICE

// A plain product becomes one dlrt_sgemm call, accumulating (beta = 1).
// CHECK-LABEL: func.func @plain
func.func @plain(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>) {
  // CHECK-DAG: %[[NO:.*]] = arith.constant 0 : i32
  // CHECK-DAG: %[[M:.*]] = arith.constant 4 : i64
  // CHECK-DAG: %[[N:.*]] = arith.constant 16 : i64
  // CHECK-DAG: %[[K:.*]] = arith.constant 8 : i64
  // CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
  // CHECK: call @dlrt_sgemm(%[[NO]], %[[NO]], %[[M]], %[[N]], %[[K]], %[[ONE]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ONE]], %{{.*}}, %{{.*}})
  // CHECK-NOT: linalg.matmul
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  return
}
// CHECK: func.func private @dlrt_sgemm(i32, i32, i64, i64, i64, f32, !llvm.ptr, i64, !llvm.ptr, i64, f32, !llvm.ptr, i64)

// -----

// A transposed right-hand side (a linear layer's weight) sets transB.
// CHECK-LABEL: func.func @transposed
func.func @transposed(%a: memref<4x8xf32>, %b: memref<16x8xf32>, %c: memref<4x16xf32>) {
  // CHECK-DAG: %[[NO:.*]] = arith.constant 0 : i32
  // CHECK-DAG: %[[YES:.*]] = arith.constant 1 : i32
  // CHECK: call @dlrt_sgemm(%[[NO]], %[[YES]],
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : memref<4x8xf32>, memref<16x8xf32>) outs(%c : memref<4x16xf32>)
  return
}

// -----

// Batched products pass the batch count and strides.
// CHECK-LABEL: func.func @batched
func.func @batched(%a: memref<3x4x8xf32>, %b: memref<3x8x16xf32>, %c: memref<3x4x16xf32>) {
  // CHECK: %[[B:.*]] = arith.constant 3 : i64
  // CHECK: call @dlrt_sgemm_batched(%[[B]],
  linalg.batch_matmul ins(%a, %b : memref<3x4x8xf32>, memref<3x8x16xf32>) outs(%c : memref<3x4x16xf32>)
  return
}

// -----

// A strided row-major view (a slice) passes its row stride as the leading
// dimension and its offset in the address.
// CHECK-LABEL: func.func @strided
func.func @strided(%a: memref<4x8xf32, strided<[24, 1], offset: 8>>, %b: memref<8x16xf32>, %c: memref<4x16xf32>) {
  // CHECK-DAG: %[[LDA:.*]] = arith.constant 24 : i64
  // CHECK-DAG: %[[OFFSET:.*]] = arith.constant 32 : index
  // CHECK: arith.addi %{{.*}}, %[[OFFSET]] : index
  // CHECK: call @dlrt_sgemm(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[LDA]],
  linalg.matmul ins(%a, %b : memref<4x8xf32, strided<[24, 1], offset: 8>>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  return
}

// -----

// Column-strided operands and other element types stay as linalg.
// CHECK-LABEL: func.func @not_row_major
func.func @not_row_major(%a: memref<4x8xf32, strided<[1, 4]>>, %b: memref<8x16xf32>, %c: memref<4x16xf32>,
                         %d: memref<4x8xf64>, %e: memref<8x16xf64>, %f: memref<4x16xf64>) {
  // CHECK-NOT: call @dlrt_sgemm
  // CHECK: linalg.matmul
  // CHECK: linalg.matmul
  linalg.matmul ins(%a, %b : memref<4x8xf32, strided<[1, 4]>>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  linalg.matmul ins(%d, %e : memref<4x8xf64>, memref<8x16xf64>) outs(%f : memref<4x16xf64>)
  return
}

// -----

// A product into a buffer just zeroed: beta = 0 and no fill (an
// allocation or a view in between is no use of the buffer).
// CHECK-LABEL: func.func @zeroed
func.func @zeroed(%a: memref<4x8xf32>, %b: memref<8x16xf32>) -> memref<4x16xf32> {
  // CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
  // CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
  // CHECK-NOT: linalg.fill
  // CHECK: call @dlrt_sgemm(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ONE]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ZERO]], %{{.*}}, %{{.*}})
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<4x16xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<4x16xf32>)
  %other = memref.alloc() : memref<4xf32>
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  return %c : memref<4x16xf32>
}

// -----

// A fill with another value, or one whose buffer is used before the
// product, stays, and the product accumulates (beta = 1).
// CHECK-LABEL: func.func @filled
func.func @filled(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>, %d: memref<4x16xf32>) {
  // CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
  // CHECK: linalg.fill
  // CHECK: call @dlrt_sgemm(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ONE]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ONE]], %{{.*}}, %{{.*}})
  // CHECK: linalg.fill
  // CHECK: memref.copy
  // CHECK: call @dlrt_sgemm(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ONE]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ONE]], %{{.*}}, %{{.*}})
  %two = arith.constant 2.0 : f32
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%two : f32) outs(%c : memref<4x16xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  linalg.fill ins(%zero : f32) outs(%d : memref<4x16xf32>)
  memref.copy %d, %c : memref<4x16xf32> to memref<4x16xf32>
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%d : memref<4x16xf32>)
  return
}

// -----

// Products on tensors are left for after bufferization.
// CHECK-LABEL: func.func @tensors
func.func @tensors(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>) -> tensor<4x16xf32> {
  // CHECK: linalg.matmul
  %r = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

// On a GPU target the same contract is the CUDA runtime's.
// DEVICE: func.func private @dlrt_cuda_sgemm(i32, i32, i64, i64, i64, f32, !llvm.ptr, i64, !llvm.ptr, i64, f32, !llvm.ptr, i64)
// DEVICE-LABEL: func.func @on_device
// DEVICE: call @dlrt_cuda_sgemm(
func.func @on_device(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>) {
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  return
}

// -----

// On a GPU target a bias added to a product that starts from zero is the
// product's epilogue (cuBLASLt's bias epilogue): one call, beta 0 implied,
// the bias's address where beta was; the add goes. Here the sum is written
// over the product. On the CPU (OpenBLAS has no epilogues) both stay.
// DEVICE: func.func private @dlrt_cuda_sgemm_bias(i32, i32, i64, i64, i64, f32, !llvm.ptr, i64, !llvm.ptr, i64, !llvm.ptr, !llvm.ptr, i64)
// DEVICE-LABEL: func.func @bias_in_place
// DEVICE-NOT: linalg.fill
// DEVICE: %[[ALLOC:.*]] = memref.alloc()
// DEVICE: memref.extract_aligned_pointer_as_index %[[ALLOC]]
// DEVICE-NEXT: arith.index_cast
// DEVICE-NEXT: %[[C:.*]] = llvm.inttoptr
// DEVICE: memref.extract_aligned_pointer_as_index %arg2
// DEVICE-NEXT: arith.index_cast
// DEVICE-NEXT: %[[BIAS:.*]] = llvm.inttoptr
// DEVICE: call @dlrt_cuda_sgemm_bias({{.*}}, %[[BIAS]], %[[C]], %{{.*}})
// DEVICE-NOT: linalg.generic
// CHECK-LABEL: func.func @bias_in_place
// CHECK: call @dlrt_sgemm(
// CHECK: linalg.generic
func.func @bias_in_place(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %bias: memref<16xf32>) -> memref<4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<4x16xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<4x16xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<4x16xf32>, memref<16xf32>) outs(%c : memref<4x16xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  return %c : memref<4x16xf32>
}

// -----

// The sum into another buffer (allocated after the product): the call
// moves to the add's place and writes that buffer; the product's own
// buffer is overwritten before anything reads it again.
// DEVICE-LABEL: func.func @bias_into_another_buffer
// DEVICE: %[[D:.*]] = memref.alloc() : memref<4x16xf32>
// DEVICE: call @dlrt_cuda_sgemm_bias(
// DEVICE-NOT: linalg.generic
// DEVICE: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : memref<4x16xf32>)
func.func @bias_into_another_buffer(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %bias: memref<16xf32>) -> (memref<4x16xf32>, memref<4x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %c = memref.alloc() : memref<4x16xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<4x16xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  %d = memref.alloc() : memref<4x16xf32>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<4x16xf32>, memref<16xf32>) outs(%d : memref<4x16xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %y, %x : f32
    linalg.yield %s : f32
  }
  linalg.fill ins(%one : f32) outs(%c : memref<4x16xf32>)
  return %c, %d : memref<4x16xf32>, memref<4x16xf32>
}

// -----

// Not an epilogue: the product itself is read after the add (by the
// copy), or the bias runs down the columns, or the product accumulates.
// DEVICE-LABEL: func.func @product_read_after
// DEVICE: call @dlrt_cuda_sgemm(
// DEVICE: linalg.generic
// DEVICE-LABEL: func.func @column_bias
// DEVICE: call @dlrt_cuda_sgemm(
// DEVICE: linalg.generic
// DEVICE-LABEL: func.func @accumulating
// DEVICE: call @dlrt_cuda_sgemm(
// DEVICE: linalg.generic
func.func @product_read_after(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %bias: memref<16xf32>, %e: memref<4x16xf32>) -> memref<4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<4x16xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<4x16xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  %d = memref.alloc() : memref<4x16xf32>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<4x16xf32>, memref<16xf32>) outs(%d : memref<4x16xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  memref.copy %c, %e : memref<4x16xf32> to memref<4x16xf32>
  return %d : memref<4x16xf32>
}
func.func @column_bias(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %bias: memref<4xf32>) -> memref<4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<4x16xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<4x16xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<4x16xf32>, memref<4xf32>) outs(%c : memref<4x16xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  return %c : memref<4x16xf32>
}
func.func @accumulating(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %bias: memref<16xf32>, %c: memref<4x16xf32>) {
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<4x16xf32>, memref<16xf32>) outs(%c : memref<4x16xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Nor when a view of the product's buffer, taken before it, reads it after
// the add.
// DEVICE-LABEL: func.func @product_read_through_a_view
// DEVICE: call @dlrt_cuda_sgemm(
// DEVICE: linalg.generic
func.func @product_read_through_a_view(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %bias: memref<16xf32>, %e: memref<4x8xf32>) -> memref<4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<4x16xf32>
  %left = memref.subview %c[0, 0] [4, 8] [1, 1] : memref<4x16xf32> to memref<4x8xf32, strided<[16, 1]>>
  linalg.fill ins(%zero : f32) outs(%c : memref<4x16xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  %d = memref.alloc() : memref<4x16xf32>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<4x16xf32>, memref<16xf32>) outs(%d : memref<4x16xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  memref.copy %left, %e : memref<4x8xf32, strided<[16, 1]>> to memref<4x8xf32>
  return %d : memref<4x16xf32>
}
