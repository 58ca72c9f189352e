// RUN: dlcc-opt --dl-thread-loops %s | FileCheck %s
// RUN: dlcc-opt --dl-thread-loops=min-work=1000000000 %s | FileCheck %s --check-prefix=SMALL

#id4 = affine_map<(n, c, h, w) -> (n, c, h, w)>
#chan = affine_map<(n, c, h, w) -> (c)>

// A large elementwise op: its outer dimension (64 iterations, enough to
// share) stays parallel, the others become sequential loops inside it, and
// the views it reads are rebuilt inside the loop.
// CHECK-LABEL: func.func @large_elementwise
// CHECK: scf.parallel ({{.*}}) = ({{.*}}) to (%c64) step
// CHECK: memref.view
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK: arith.maximumf
// SMALL-LABEL: func.func @large_elementwise
// SMALL-NOT: scf.parallel
func.func @large_elementwise(%arena: memref<?xi8>) {
  %c0 = arith.constant 0 : index
  %c8m = arith.constant 8388608 : index
  %x = memref.view %arena[%c0][] : memref<?xi8> to memref<64x32x28x28xf32>
  %y = memref.view %arena[%c8m][] : memref<?xi8> to memref<64x32x28x28xf32>
  linalg.generic {indexing_maps = [#id4, #id4],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : memref<64x32x28x28xf32>) outs(%y : memref<64x32x28x28xf32>) {
  ^bb0(%a: f32, %b: f32):
    %zero = arith.constant 0.0 : f32
    %r = arith.maximumf %a, %zero : f32
    linalg.yield %r : f32
  }
  return
}

// A small op stays sequential.
// CHECK-LABEL: func.func @small
// CHECK-NOT: scf.parallel
// CHECK: scf.for
func.func @small(%x: memref<4x8xf32>, %y: memref<4x8xf32>) {
  linalg.copy ins(%x : memref<4x8xf32>) outs(%y : memref<4x8xf32>)
  return
}

// Batch norm's sum per channel, [N, C, H, W] -> [C]: the channel loop
// moves outside the batch loop and is shared; each channel still sums
// n, h, w in that order, its sum carried by the loops (loaded once, stored
// once) and its addition reassociable.
// CHECK-LABEL: func.func @channel_sums
// CHECK: scf.parallel (%[[C:.*]]) = ({{.*}}) to (%c32) step
// CHECK: %[[INIT:.*]] = memref.load %arg1
// CHECK: %[[SUM:.*]] = scf.for %[[N:.*]] = {{.*}} to %c64{{.*}}iter_args(%{{.*}} = %[[INIT]])
// CHECK: scf.for %[[H:.*]] = {{.*}} to %c28{{.*}}iter_args
// CHECK: scf.for %[[W:.*]] = {{.*}} to %c28{{.*}}iter_args(%[[ACC:.*]] = %{{.*}})
// CHECK: %[[X:.*]] = memref.load %arg0
// CHECK: arith.addf %[[ACC]], %[[X]] fastmath<reassoc>
// CHECK-NOT: memref.store
// CHECK: memref.store %[[SUM]], %arg1
func.func @channel_sums(%x: memref<64x32x28x28xf32>, %s: memref<32xf32>) {
  linalg.generic {indexing_maps = [#id4, #chan],
                  iterator_types = ["reduction", "parallel", "reduction", "reduction"]}
      ins(%x : memref<64x32x28x28xf32>) outs(%s : memref<32xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %acc, %a : f32
    linalg.yield %r : f32
  }
  return
}

// Sums over the rows of [2048, 768] (a bias's gradient): the column loop
// inside the row loop cannot be shared, so the op is cut into 8 blocks of
// 96 columns, in parallel, each summing all rows in order along memory.
// CHECK-LABEL: func.func @column_sums
// CHECK: scf.parallel (%[[B:.*]]) = ({{.*}}) to (%c8) step
// CHECK: %[[OFF:.*]] = arith.muli %[[B]], %c96
// CHECK: memref.subview %arg0[0, %[[OFF]]] [2048, 96] [1, 1]
// CHECK: memref.subview %arg1[%[[OFF]]] [96] [1]
// CHECK-NOT: scf.parallel
// CHECK: scf.for {{.*}} = {{.*}} to %c2048
// CHECK: scf.for {{.*}} = {{.*}} to %c96
// CHECK: memref.load
func.func @column_sums(%x: memref<2048x768xf32>, %s: memref<768xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>,
                                   affine_map<(i, j) -> (j)>],
                  iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<2048x768xf32>) outs(%s : memref<768xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %acc, %a : f32
    linalg.yield %r : f32
  }
  return
}

// A product left to loops (f64: not for BLAS), [i, k, j]: the rows are
// shared; the parallel j loop nested in the k loop runs sequentially.
// Its sums run along j, so no accumulator stays in a register.
// CHECK-LABEL: func.func @product
// CHECK: scf.parallel ({{.*}}) = ({{.*}}) to (%c256) step
// CHECK-NOT: scf.parallel
// CHECK-NOT: iter_args
// CHECK: scf.for {{.*}} = {{.*}} to %c64
// CHECK: scf.for {{.*}} = {{.*}} to %c128
// CHECK: arith.mulf
// CHECK-NOT: fastmath
// CHECK: memref.store
func.func @product(%a: memref<256x64xf64>, %b: memref<64x128xf64>,
                   %c: memref<256x128xf64>) {
  linalg.generic {indexing_maps = [affine_map<(i, k, j) -> (i, k)>,
                                   affine_map<(i, k, j) -> (k, j)>,
                                   affine_map<(i, k, j) -> (i, j)>],
                  iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %b : memref<256x64xf64>, memref<64x128xf64>)
      outs(%c : memref<256x128xf64>) {
  ^bb0(%x: f64, %y: f64, %acc: f64):
    %p = arith.mulf %x, %y : f64
    %r = arith.addf %acc, %p : f64
    linalg.yield %r : f64
  }
  return
}

// An input of one element for the whole op (a hyper-parameter) is read once
// before the loops, not in every iteration; an input that is also the
// output stays inside.
// CHECK-LABEL: func.func @scalar_inputs
// CHECK: %[[LR:.*]] = memref.load %arg1[] : memref<f32>
// CHECK: scf.parallel
// CHECK-NOT: memref.load %arg1
// CHECK: arith.mulf %{{.*}}, %[[LR]]
func.func @scalar_inputs(%p: memref<512x256xf32>, %lr: memref<f32>,
                         %g: memref<512x256xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>,
                                   affine_map<(i, j) -> ()>,
                                   affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%g, %lr : memref<512x256xf32>, memref<f32>)
      outs(%p : memref<512x256xf32>) {
  ^bb0(%gi: f32, %l: f32, %pi: f32):
    %step = arith.mulf %gi, %l : f32
    %r = arith.subf %pi, %step : f32
    linalg.yield %r : f32
  }
  return
}
