// RUN: dlcc-opt --dl-thread-loops %s | FileCheck %s
// RUN: dlcc-opt --dl-thread-loops=min-work=1000000000 %s | FileCheck %s --check-prefix=SMALL

#id4 = affine_map<(n, c, h, w) -> (n, c, h, w)>
#chan = affine_map<(n, c, h, w) -> (c)>

// A large elementwise op: its outer dimension (64 iterations, enough to
// share) stays parallel, the others, contiguous in both buffers, merge into
// one sequential loop inside it, and the views it reads are rebuilt inside
// the loop.
// CHECK-LABEL: func.func @large_elementwise
// CHECK: scf.parallel ({{.*}}) = ({{.*}}) to (%c64) step
// CHECK: memref.view
// CHECK: memref.collapse_shape {{.*}} {{\[}}[0], [1, 2, 3]] : memref<64x32x28x28xf32> into memref<64x25088xf32>
// CHECK: scf.for {{.*}} to %c25088
// CHECK-NOT: scf.for
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
// n, h, w in that order (h and w as one loop over 784 elements), its sum carried by the loops (loaded once, stored
// once) and its addition reassociable.
// CHECK-LABEL: func.func @channel_sums
// CHECK: scf.parallel (%[[C:.*]]) = ({{.*}}) to (%c32) step
// CHECK: %[[INIT:.*]] = memref.load %arg1
// CHECK: %[[SUM:.*]] = scf.for %[[N:.*]] = {{.*}} to %c64{{.*}}iter_args(%{{.*}} = %[[INIT]])
// CHECK: scf.for %[[HW:.*]] = {{.*}} to %c784{{.*}}iter_args(%[[ACC:.*]] = %{{.*}})
// CHECK: %[[X:.*]] = memref.load %collapse_shape
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

// Per-channel operands keep the channel loop apart: only H and W merge,
// which every map keeps together.
// CHECK-LABEL: func.func @per_channel
// CHECK: scf.parallel ({{.*}}) = ({{.*}}) to (%c64) step
// CHECK: scf.for {{.*}} to %c32
// CHECK: scf.for {{.*}} to %c196
// CHECK-NOT: scf.for
// CHECK: arith.mulf
func.func @per_channel(%x: memref<64x32x14x14xf32>, %s: memref<32xf32>,
                       %y: memref<64x32x14x14xf32>) {
  linalg.generic {indexing_maps = [#id4, #chan, #id4],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %s : memref<64x32x14x14xf32>, memref<32xf32>)
      outs(%y : memref<64x32x14x14xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %r = arith.mulf %a, %b : f32
    linalg.yield %r : f32
  }
  return
}

// A view whose rows are not contiguous (the first 14 columns of 16) keeps
// its loops: merging them would need a copy.
// CHECK-LABEL: func.func @strided_rows
// CHECK-NOT: memref.collapse_shape
// CHECK: scf.parallel ({{.*}}) = ({{.*}}) to (%c64) step
// CHECK: scf.for {{.*}} to %c32
// CHECK: scf.for {{.*}} to %c14
// CHECK: scf.for {{.*}} to %c14
func.func @strided_rows(%x: memref<64x32x14x16xf32>,
                        %y: memref<64x32x14x14xf32>) {
  %v = memref.subview %x[0, 0, 0, 0] [64, 32, 14, 14] [1, 1, 1, 1]
      : memref<64x32x14x16xf32> to memref<64x32x14x14xf32, strided<[7168, 224, 16, 1]>>
  linalg.generic {indexing_maps = [#id4, #id4],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%v : memref<64x32x14x14xf32, strided<[7168, 224, 16, 1]>>)
      outs(%y : memref<64x32x14x14xf32>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  }
  return
}

// Windows (max-pooling's 2 x 2, an input index 2 * h + i) keep the loops
// they combine apart.
#window_in = affine_map<(n, c, h, w, i, j) -> (n, c, 2 * h + i, 2 * w + j)>
#window = affine_map<(n, c, h, w, i, j) -> (i, j)>
#window_out = affine_map<(n, c, h, w, i, j) -> (n, c, h, w)>
// CHECK-LABEL: func.func @windows
// CHECK-NOT: memref.collapse_shape
// CHECK: arith.maximumf
func.func @windows(%x: memref<64x32x28x28xf32>, %k: memref<2x2xf32>,
                   %y: memref<64x32x14x14xf32>) {
  linalg.generic {indexing_maps = [#window_in, #window, #window_out],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel",
                                    "reduction", "reduction"]}
      ins(%x, %k : memref<64x32x28x28xf32>, memref<2x2xf32>)
      outs(%y : memref<64x32x14x14xf32>) {
  ^bb0(%a: f32, %unused: f32, %acc: f32):
    %r = arith.maximumf %acc, %a : f32
    linalg.yield %r : f32
  }
  return
}

// An operand broadcast along the outer loop through a constant index (a
// softmax's maxima, [1, A, B] against [N, A, B]) keeps that index 0.
#row = affine_map<(n, a, b) -> (0, a, b)>
#id3 = affine_map<(n, a, b) -> (n, a, b)>
// CHECK-LABEL: func.func @broadcast_row
// CHECK-DAG: memref.collapse_shape %arg1 {{\[}}[0], [1, 2]] : memref<1x40x50xf32> into memref<1x2000xf32>
// CHECK-DAG: %[[ZERO:.*]] = affine.apply #{{.*}}()
// CHECK: scf.for {{.*}} to %c2000
// CHECK: memref.load %{{.*}}[%[[ZERO]], %{{.*}}] : memref<1x2000xf32>
func.func @broadcast_row(%x: memref<30x40x50xf32>, %m: memref<1x40x50xf32>,
                         %y: memref<30x40x50xf32>) {
  linalg.generic {indexing_maps = [#id3, #row, #id3],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %m : memref<30x40x50xf32>, memref<1x40x50xf32>)
      outs(%y : memref<30x40x50xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %r = arith.subf %a, %b : f32
    linalg.yield %r : f32
  }
  return
}
