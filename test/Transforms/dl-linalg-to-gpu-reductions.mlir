// RUN: dlcc-opt --split-input-file --dl-linalg-to-gpu --canonicalize --cse %s | FileCheck %s

// A sum of squares over rows of 1024: a block per row, each thread summing
// every 256th element, the partial sums combined by gpu.all_reduce, and
// thread 0 adding the total to the output.
// CHECK-LABEL: func.func @sum_rows
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK-DAG: %[[C1024:.*]] = arith.constant 1024 : index
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%[[GX:.*]] = %[[C4]], {{.*}} threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%[[BDX:.*]] = %[[C256]], {{.*}} function(@sum_rows_reduction_0)
// CHECK: scf.for %[[ROW:.*]] = %[[BX]] to %[[C4]] step %[[GX]]
// CHECK: %[[PART:.*]] = scf.for %[[COL:.*]] = %[[TX]] to %[[C1024]] step %[[BDX]] iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (f32)
// CHECK: %[[X:.*]] = memref.load %arg0[%[[ROW]], %[[COL]]]
// CHECK: %[[SQ:.*]] = arith.mulf %[[X]], %[[X]]
// CHECK: %[[NEXT:.*]] = arith.addf %[[ACC]], %[[SQ]]
// CHECK: scf.yield %[[NEXT]]
// CHECK: %[[TOTAL:.*]] = gpu.all_reduce add %[[PART]] uniform
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[TX]], %c0
// CHECK: scf.if %[[FIRST]]
// CHECK: %[[OLD:.*]] = memref.load %arg1[%[[ROW]]]
// CHECK: %[[NEW:.*]] = arith.addf %[[OLD]], %[[TOTAL]]
// CHECK: memref.store %[[NEW]], %arg1[%[[ROW]]]
func.func @sum_rows(%x: memref<4x1024xf32>, %out: memref<4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x1024xf32>) outs(%out : memref<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %sq = arith.mulf %a, %a : f32
    %s = arith.addf %o, %sq : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A maximum over two reduced dimensions to a scalar: one block, -inf as
// the threads' starting value, the linear index split back into (i, j).
// CHECK-LABEL: func.func @max_all
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: gpu.launch
// CHECK: scf.for %{{.*}} = %{{.*}} to %c512 step %{{.*}} iter_args(%{{.*}} = %[[NEGINF]])
// CHECK: arith.remui
// CHECK: arith.divui
// CHECK: arith.maximumf
// CHECK: gpu.all_reduce maximumf
func.func @max_all(%x: memref<16x32xf32>, %out: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> ()>],
                  iterator_types = ["reduction", "reduction"]}
      ins(%x : memref<16x32xf32>) outs(%out : memref<f32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %o, %a : f32
    linalg.yield %m : f32
  }
  return
}

// -----

// Short reductions stay sequential in one thread per output.
// CHECK-LABEL: func.func @short_rows
// CHECK-NOT: gpu.all_reduce
// CHECK: function(@short_rows_kernel_0)
// CHECK-NOT: gpu.all_reduce
func.func @short_rows(%x: memref<64x96xf32>, %out: memref<64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<64x96xf32>) outs(%out : memref<64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %o, %a : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A body that uses the output otherwise than to combine (a decaying sum)
// is not a block reduction: its order matters.
// CHECK-LABEL: func.func @decaying
// CHECK-NOT: gpu.all_reduce
// CHECK: function(@decaying_kernel_0)
func.func @decaying(%x: memref<1024xf32>, %out: memref<f32>) {
  %half = arith.constant 0.5 : f32
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> ()>],
                  iterator_types = ["reduction"]}
      ins(%x : memref<1024xf32>) outs(%out : memref<f32>) {
  ^bb0(%a: f32, %o: f32):
    %d = arith.mulf %o, %half : f32
    %s = arith.addf %d, %a : f32
    linalg.yield %s : f32
  }
  return
}
