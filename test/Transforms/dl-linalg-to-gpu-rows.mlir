// RUN: dlcc-opt --split-input-file --dl-linalg-to-gpu --canonicalize --cse %s | FileCheck %s

// An embedding's gradient: rows of g added into the rows of out that ids
// name. The row loop moves into the kernel: one launch, each thread adding
// its column of every row, in row order.
#map = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @rows
// CHECK-NOT: scf.for
// CHECK: gpu.launch
// CHECK: scf.for %[[COL:.*]] = %{{.*}} to %c4 step
// CHECK: scf.for %[[ROW:.*]] = %c0 to %c8 step %c1
// CHECK: memref.load %{{.*}}[%[[ROW]]] : memref<8xi32>
// CHECK: memref.subview %{{.*}}[%{{.*}}, 0] [1, 4] [1, 1] : memref<6x4xf32>
// CHECK: arith.addf
// CHECK: memref.store
// CHECK: gpu.terminator
// CHECK-NOT: gpu.launch
func.func @rows(%ids: memref<8xi32>, %g: memref<8x4xf32>, %out: memref<6x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %r = %c0 to %c8 step %c1 {
    %id = memref.load %ids[%r] : memref<8xi32>
    %row = arith.index_cast %id : i32 to index
    %slot = memref.subview %out[%row, 0] [1, 4] [1, 1] : memref<6x4xf32> to memref<1x4xf32, strided<[4, 1], offset: ?>>
    %src = memref.subview %g[%r, 0] [1, 4] [1, 1] : memref<8x4xf32> to memref<1x4xf32, strided<[4, 1], offset: ?>>
    linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%src : memref<1x4xf32, strided<[4, 1], offset: ?>>) outs(%slot : memref<1x4xf32, strided<[4, 1], offset: ?>>) {
    ^bb0(%in: f32, %o: f32):
      %s = arith.addf %o, %in : f32
      linalg.yield %s : f32
    }
  }
  return
}

// -----

// The row's column offset varies with the row: two threads could add into
// one element, so the loop stays on the host with a launch per row.
#map = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @shifted_rows
// CHECK: scf.for
// CHECK: memref.load
// CHECK: gpu.launch
func.func @shifted_rows(%ids: memref<8xi32>, %g: memref<8x4xf32>, %out: memref<6x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %r = %c0 to %c8 step %c1 {
    %id = memref.load %ids[%r] : memref<8xi32>
    %col = arith.index_cast %id : i32 to index
    %slot = memref.subview %out[0, %col] [1, 4] [1, 1] : memref<6x16xf32> to memref<1x4xf32, strided<[16, 1], offset: ?>>
    %src = memref.subview %g[%r, 0] [1, 4] [1, 1] : memref<8x4xf32> to memref<1x4xf32, strided<[4, 1], offset: ?>>
    linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%src : memref<1x4xf32, strided<[4, 1], offset: ?>>) outs(%slot : memref<1x4xf32, strided<[16, 1], offset: ?>>) {
    ^bb0(%in: f32, %o: f32):
      %s = arith.addf %o, %in : f32
      linalg.yield %s : f32
    }
  }
  return
}

// -----

// The ids the rows read are what the threads write: no swap.
#map = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @reads_what_it_writes
// CHECK: scf.for
// CHECK: gpu.launch
func.func @reads_what_it_writes(%table: memref<8x4xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %r = %c0 to %c8 step %c1 {
    %id = memref.load %table[%r, %c0] : memref<8x4xi32>
    %row = arith.index_cast %id : i32 to index
    %slot = memref.subview %table[%row, 0] [1, 4] [1, 1] : memref<8x4xi32> to memref<1x4xi32, strided<[4, 1], offset: ?>>
    linalg.generic {indexing_maps = [#map], iterator_types = ["parallel", "parallel"]} outs(%slot : memref<1x4xi32, strided<[4, 1], offset: ?>>) {
    ^bb0(%o: i32):
      %s = arith.addi %o, %o : i32
      linalg.yield %s : i32
    }
  }
  return
}
