// RUN: dlcc-opt --split-input-file --dl-linalg-to-gpu --cse %s | FileCheck %s
// RUN: dlcc-opt --split-input-file --dl-linalg-to-gpu="block-size=128 max-blocks=16" %s | FileCheck %s --check-prefix=SMALL

// An elementwise op on a 4x8 buffer: one block of 256 threads walking the
// 32 elements from its global thread index with the grid's size as stride,
// the last dimension fastest.
// CHECK-LABEL: func.func @elementwise
// CHECK-DAG: %[[C8:[a-z0-9_]+]] = arith.constant 8 : index
// CHECK-DAG: %[[TOTAL:[a-z0-9_]+]] = arith.constant 32 : index
// CHECK-DAG: %[[THREADS:[a-z0-9_]+]] = arith.constant 256 : index
// CHECK-DAG: %[[ONE:[a-z0-9_]+]] = arith.constant 1 : index
// CHECK: gpu.launch blocks(%[[BX:[a-z0-9_]+]], %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}) in (%[[GX:[a-z0-9_]+]] = %[[ONE]], %{{[a-z0-9_]+}} = %[[ONE]], %{{[a-z0-9_]+}} = %[[ONE]])
// CHECK-SAME: threads(%[[TX:[a-z0-9_]+]], %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}) in (%[[BDX:[a-z0-9_]+]] = %[[THREADS]], %{{[a-z0-9_]+}} = %[[ONE]], %{{[a-z0-9_]+}} = %[[ONE]])
// CHECK-SAME: module(@dl_kernels) function(@elementwise_kernel_0)
// CHECK: %[[BASE:[a-z0-9_]+]] = arith.muli %[[BX]], %[[BDX]]
// CHECK: %[[FIRST:[a-z0-9_]+]] = arith.addi %[[BASE]], %[[TX]]
// CHECK: %[[STRIDE:[a-z0-9_]+]] = arith.muli %[[GX]], %[[BDX]]
// CHECK: scf.for %[[I:[a-z0-9_]+]] = %[[FIRST]] to %[[TOTAL]] step %[[STRIDE]]
// CHECK: %[[COL:[a-z0-9_]+]] = arith.remui %[[I]], %[[C8]]
// CHECK: %[[ROW:[a-z0-9_]+]] = arith.divui %[[I]], %[[C8]]
// CHECK: %[[R:[a-z0-9_]+]] = affine.apply #{{.*}}(%[[ROW]])
// CHECK: %[[C:[a-z0-9_]+]] = affine.apply #{{.*}}(%[[COL]])
// CHECK: memref.load %{{.*}}[%[[R]], %[[C]]] : memref<4x8xf32>
// CHECK: math.exp
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[R]], %[[C]]]
// CHECK: gpu.terminator
// CHECK-NOT: linalg.
// SMALL-LABEL: func.func @elementwise
// SMALL: arith.constant 128 : index
// SMALL: module(@dl_kernels) function(@elementwise_kernel_0)
func.func @elementwise(%x: memref<4x8xf32>, %y: memref<4x8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<4x8xf32>) outs(%y : memref<4x8xf32>) {
  ^bb0(%a: f32, %b: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  }
  return
}

// -----

// A sum over the first dimension: the parallel dimension is moved outermost,
// one thread per output element loops over the 16 reduced rows.
// CHECK-LABEL: func.func @column_sums
// CHECK-DAG: %[[C16:[a-z0-9_]+]] = arith.constant 16 : index
// CHECK-DAG: %[[C8:[a-z0-9_]+]] = arith.constant 8 : index
// CHECK: gpu.launch
// CHECK-SAME: function(@column_sums_kernel_0)
// CHECK: scf.for %[[COL:[a-z0-9_]+]] = %{{.*}} to %[[C8]] step %{{.*}} {
// CHECK: scf.for %[[ROW:[a-z0-9_]+]] = %{{.*}} to %[[C16]] step %{{.*}} {
// CHECK: %[[R:[a-z0-9_]+]] = affine.apply #{{.*}}(%[[ROW]])
// CHECK: %[[C:[a-z0-9_]+]] = affine.apply #{{.*}}(%[[COL]])
// CHECK: memref.load %{{.*}}[%[[R]], %[[C]]] : memref<16x8xf32>
// CHECK: arith.addf
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[C]]] : memref<8xf32>
func.func @column_sums(%x: memref<16x8xf32>, %y: memref<8xf32>) {
  linalg.reduce ins(%x : memref<16x8xf32>) outs(%y : memref<8xf32>) dimensions = [0]
    (%a: f32, %acc: f32) {
      %s = arith.addf %a, %acc : f32
      linalg.yield %s : f32
    }
  return
}

// -----

// A reduction to a scalar has no parallel loop: it runs on a single thread.
// CHECK-LABEL: func.func @total
// CHECK-DAG: %[[ONE:[a-z0-9_]+]] = arith.constant 1 : index
// CHECK: gpu.launch blocks(%{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}) in (%{{[a-z0-9_]+}} = %[[ONE]],
// CHECK-SAME: function(@total_kernel_0)
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[ONE]] step
// CHECK: scf.for
// CHECK: arith.addf
func.func @total(%x: memref<64xf32>, %y: memref<f32>) {
  linalg.reduce ins(%x : memref<64xf32>) outs(%y : memref<f32>) dimensions = [0]
    (%a: f32, %acc: f32) {
      %s = arith.addf %a, %acc : f32
      linalg.yield %s : f32
    }
  return
}

// -----

// A large op: the grid stops at max-blocks and threads loop over the rest;
// a copy becomes a kernel too, and each kernel of a function gets its name.
// CHECK-LABEL: func.func @large
// CHECK-DAG: %[[TOTAL:[a-z0-9_]+]] = arith.constant 1048576 : index
// CHECK-DAG: %[[BLOCKS:[a-z0-9_]+]] = arith.constant 4096 : index
// CHECK: gpu.launch blocks(%{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}) in (%{{[a-z0-9_]+}} = %[[BLOCKS]],
// CHECK-SAME: function(@large_kernel_0)
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[TOTAL]] step
// CHECK: gpu.launch
// CHECK-SAME: function(@large_kernel_1)
// CHECK: memref.load
// CHECK-NOT: memref.copy
// SMALL-LABEL: func.func @large
// SMALL: arith.constant 16 : index
func.func @large(%x: memref<1024x1024xf32>, %y: memref<1024x1024xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%x : memref<1024x1024xf32>)
  memref.copy %x, %y : memref<1024x1024xf32> to memref<1024x1024xf32>
  return
}

// -----

// Kernels already launched stay as they are.
// CHECK-LABEL: func.func @launched
// CHECK: gpu.launch
// CHECK-NOT: module(@dl_kernels)
// CHECK: linalg.fill
// CHECK-NOT: gpu.launch
func.func @launched(%x: memref<8xf32>) {
  %one = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %one, %gy = %one, %gz = %one)
             threads(%tx, %ty, %tz) in (%sx = %one, %sy = %one, %sz = %one) {
    linalg.fill ins(%zero : f32) outs(%x : memref<8xf32>)
    gpu.terminator
  }
  return
}
