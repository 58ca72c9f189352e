// RUN: dlcc-opt --split-input-file --dl-strided-copies-to-linalg %s | FileCheck %s

// A copy into a subview (a padded or concatenated tensor) becomes linalg.copy.
// CHECK-LABEL: func.func @into_subview
func.func @into_subview(%src: memref<2x3xf32>, %dst: memref<4x5xf32>) {
  %sub = memref.subview %dst[1, 1] [2, 3] [1, 1] : memref<4x5xf32> to memref<2x3xf32, strided<[5, 1], offset: 6>>
  // CHECK: linalg.copy ins(%{{.*}} : memref<2x3xf32>) outs(%{{.*}} : memref<2x3xf32, strided<[5, 1], offset: 6>>)
  // CHECK-NOT: memref.copy
  memref.copy %src, %sub : memref<2x3xf32> to memref<2x3xf32, strided<[5, 1], offset: 6>>
  return
}

// -----

// A copy out of a strided slice too.
// CHECK-LABEL: func.func @from_strided
func.func @from_strided(%src: memref<8xf32>, %dst: memref<4xf32>) {
  %sub = memref.subview %src[0] [4] [2] : memref<8xf32> to memref<4xf32, strided<[2]>>
  // CHECK: linalg.copy
  memref.copy %sub, %dst : memref<4xf32, strided<[2]>> to memref<4xf32>
  return
}

// -----

// Contiguous copies stay (they become memcpy), an offset contiguous one too.
// CHECK-LABEL: func.func @contiguous
func.func @contiguous(%a: memref<2x3xf32>, %b: memref<2x3xf32>, %c: memref<4x3xf32>) {
  // CHECK: memref.copy %{{.*}}, %{{.*}} : memref<2x3xf32> to memref<2x3xf32>
  memref.copy %a, %b : memref<2x3xf32> to memref<2x3xf32>
  %sub = memref.subview %c[2, 0] [2, 3] [1, 1] : memref<4x3xf32> to memref<2x3xf32, strided<[3, 1], offset: 6>>
  // CHECK: memref.copy %{{.*}}, %{{.*}} : memref<2x3xf32> to memref<2x3xf32, strided<[3, 1], offset: 6>>
  // CHECK-NOT: linalg.copy
  memref.copy %a, %sub : memref<2x3xf32> to memref<2x3xf32, strided<[3, 1], offset: 6>>
  return
}
