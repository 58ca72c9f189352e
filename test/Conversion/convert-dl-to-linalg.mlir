// RUN: dlcc-opt --split-input-file --convert-dl-to-linalg --verify-diagnostics %s | FileCheck %s

// Unary ops are one elementwise linalg.generic.
// CHECK-LABEL: func.func @unary
func.func @unary(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
  // CHECK: arith.maximumf
  // CHECK-NOT: dl.
  %y = dl.relu %x : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Exact gelu goes through erf, the tanh form through tanh.
// CHECK-LABEL: func.func @gelu
func.func @gelu(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  // CHECK: math.erf
  %a = dl.gelu %x : tensor<4xf32>
  // CHECK: math.tanh
  %b = dl.gelu %x {approximate = #dl<gelu_approximation tanh>} : tensor<4xf32>
  return %a, %b : tensor<4xf32>, tensor<4xf32>
}

// -----

// Broadcasting reads size-1 and missing dimensions through the indexing maps.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @broadcasting
func.func @broadcasting(%x: tensor<4x8xf32>, %r: tensor<8xf32>, %c: tensor<4x1xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  // CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]]
  %a = dl.add %x, %r : tensor<4x8xf32>, tensor<8xf32>
  // CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[COL]], #[[ID]]]
  %b = dl.mul %x, %c : tensor<4x8xf32>, tensor<4x1xf32>
  return %a, %b : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Softmax: a max reduction, exp of the shifted input, a sum, a division.
// CHECK-LABEL: func.func @softmax
func.func @softmax(%x: tensor<4x10xf32>) -> tensor<4x10xf32> {
  // CHECK: arith.constant 0xFF800000 : f32
  // CHECK: iterator_types = ["parallel", "reduction"]
  // CHECK: arith.maximumf
  // CHECK: math.exp
  // CHECK: iterator_types = ["parallel", "reduction"]
  // CHECK: arith.addf
  // CHECK: arith.divf
  %y = dl.softmax %x : tensor<4x10xf32>
  return %y : tensor<4x10xf32>
}

// -----

// Reductions keep or drop the reduced axes.
// CHECK-LABEL: func.func @reductions
func.func @reductions(%x: tensor<4x8x2xf32>) -> (tensor<4x1x2xf32>, tensor<f32>) {
  // CHECK: iterator_types = ["parallel", "reduction", "parallel"]
  // CHECK: tensor.expand_shape {{.*}} into tensor<4x1x2xf32>
  %a = dl.mean %x {axes = array<i64: 1>, keepdim} : tensor<4x8x2xf32>
  // CHECK: iterator_types = ["reduction", "reduction", "reduction"]
  %b = dl.max %x : tensor<4x8x2xf32>
  return %a, %b : tensor<4x1x2xf32>, tensor<f32>
}

// -----

// A linear layer flattens the leading dimensions into one product with the
// transposed weight, then adds the bias.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[BT:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @linear
func.func @linear(%x: tensor<2x3x4xf32>, %w: tensor<5x4xf32>, %b: tensor<5xf32>) -> tensor<2x3x5xf32> {
  // CHECK: tensor.expand_shape {{.*}} into tensor<6x4xf32>
  // CHECK: linalg.matmul indexing_maps = [#[[A]], #[[BT]], #[[C]]] {{.*}} -> tensor<6x5xf32>
  // CHECK: arith.addf
  // CHECK: tensor.expand_shape {{.*}} into tensor<2x3x5xf32>
  %y = dl.linear %x, %w, %b : tensor<2x3x4xf32>, tensor<5x4xf32>, tensor<5xf32>
  return %y : tensor<2x3x5xf32>
}

// -----

// Batched products with a shared right-hand side are one matmul; otherwise a
// batch_matmul over the flattened batch dimensions.
// CHECK-LABEL: func.func @matmul
func.func @matmul(%a: tensor<2x3x4x8xf32>, %b: tensor<8x5xf32>, %c: tensor<3x8x5xf32>) -> (tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>) {
  // CHECK: linalg.matmul {{.*}} -> tensor<24x5xf32>
  %x = dl.matmul %a, %b : tensor<2x3x4x8xf32>, tensor<8x5xf32>
  // CHECK: linalg.batch_matmul {{.*}} -> tensor<6x4x5xf32>
  %y = dl.matmul %a, %c : tensor<2x3x4x8xf32>, tensor<3x8x5xf32>
  return %x, %y : tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>
}

// -----

// conv2d: zero padding, an im2col gather into one row per kernel tap
// [C*KH*KW, N*OH*OW] (loops (c, i, j, n, y, x), the strides in the
// indexing map), one product filters [O, C*KH*KW] x rows, [O, N, OH, OW]
// -> NCHW.
// CHECK-DAG: #[[GATHER:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d0, d4 * 2 + d1, d5 * 2 + d2)>
// CHECK-DAG: #[[SWAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d0, d2, d3)>
// CHECK-LABEL: func.func @conv
func.func @conv(%x: tensor<2x1x6x6xf32>, %w: tensor<3x1x3x3xf32>) -> tensor<2x3x3x3xf32> {
  // CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
  // CHECK: linalg.generic {indexing_maps = [#[[GATHER]],
  // CHECK-SAME: outs(%{{.*}} : tensor<1x3x3x2x3x3xf32>)
  // CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<3x9xf32>, tensor<9x18xf32>)
  // CHECK: linalg.generic {indexing_maps = [#[[SWAP]],
  // CHECK-SAME: outs(%{{.*}} : tensor<2x3x3x3xf32>)
  %y = dl.conv2d %x, %w {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : tensor<2x1x6x6xf32>, tensor<3x1x3x3xf32>
  return %y : tensor<2x3x3x3xf32>
}

// -----

// Embedding rows are gathered after a range check that stops the program.
// CHECK: llvm.mlir.global internal constant @dl_message_0("embedding: index out of range\00")
// CHECK: func.func private @dlrt_fail(!llvm.ptr, i64)
// CHECK-LABEL: func.func @embedding
func.func @embedding(%i: tensor<2x5xi32>, %t: tensor<10x4xf32>) -> tensor<2x5x4xf32> {
  // CHECK: arith.minsi
  // CHECK: arith.maxsi
  // CHECK: %[[BAD:.*]] = arith.ori
  // CHECK: scf.if %[[BAD]] {
  // CHECK:   func.call @dlrt_fail
  // CHECK: linalg.generic
  // CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<10x4xf32>
  %y = dl.embedding %i, %t : tensor<2x5xi32>, tensor<10x4xf32>
  return %y : tensor<2x5x4xf32>
}

// -----

// Pooling windows are reduction loops over a kernel-shaped operand.
// CHECK-LABEL: func.func @pool
func.func @pool(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  // CHECK: tensor.empty() : tensor<2x2xf32>
  // CHECK: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
  // CHECK: arith.maximumf
  %y = dl.maxpool2d %x {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<1x2x4x4xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// Layer norm: mean, centered squares, variance, rsqrt, scale and shift.
// CHECK-LABEL: func.func @layernorm
func.func @layernorm(%x: tensor<4x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  // CHECK: arith.divf
  // CHECK: arith.subf
  // CHECK: math.rsqrt
  // CHECK: arith.mulf
  // CHECK: arith.addf
  %y = dl.layernorm %x, %g, %b : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Shape ops are tensor reshapes, slices and linalg.transpose.
// CHECK-LABEL: func.func @shapes
func.func @shapes(%x: tensor<2x3x12xf32>) -> (tensor<6x12xf32>, tensor<2x3x4xf32>, tensor<2x12x3xf32>) {
  // CHECK: tensor.collapse_shape
  %a = dl.reshape %x : tensor<2x3x12xf32> -> tensor<6x12xf32>
  // CHECK: tensor.extract_slice %{{.*}}[0, 0, 0] [2, 3, 4] [1, 1, 1]
  // CHECK: tensor.extract_slice %{{.*}}[0, 0, 4] [2, 3, 4] [1, 1, 1]
  // CHECK: tensor.extract_slice %{{.*}}[0, 0, 8] [2, 3, 4] [1, 1, 1]
  %b:3 = dl.split %x {axis = -1 : i64, sizes = array<i64: 4, 4, 4>} : tensor<2x3x12xf32>
  // CHECK: linalg.transpose {{.*}} permutation = [0, 2, 1]
  %c = dl.transpose %x {permutation = array<i64: 0, 2, 1>} : tensor<2x3x12xf32>
  return %a, %b#1, %c : tensor<6x12xf32>, tensor<2x3x4xf32>, tensor<2x12x3xf32>
}

// -----

// Cross-entropy: a checked label, log-softmax, the picked log-probability,
// and a mean over the rows that are not ignored.
// CHECK: @dl_message_0("cross_entropy: label out of range\00")
// CHECK-LABEL: func.func @cross_entropy
func.func @cross_entropy(%l: tensor<4x10xf32>, %y: tensor<4xi32>) -> tensor<f32> {
  // CHECK: arith.constant -100 : i32
  // CHECK: scf.if
  // CHECK: math.log
  // CHECK: tensor.extract
  // CHECK: arith.divf %{{.*}}, %{{.*}} : f32
  %r = dl.cross_entropy %l, %y : tensor<4x10xf32>, tensor<4xi32>
  return %r : tensor<f32>
}

// -----

// A training dropout's mask is a function of seed, step, key and the
// element's row-major index (DropoutLowering.cpp): the key is mixed with
// the step and the seed once, then each element takes the top 24 bits of
// SplitMix64 at its index and is kept when they reach ceil(rate * 2^24).
// CHECK-LABEL: func.func @dropout_counter
func.func @dropout_counter(%x: tensor<2x3xf32>, %seed: tensor<i64>, %step: tensor<i64>) -> tensor<2x3xf32> {
  // CHECK-DAG: %[[STEP:.*]] = tensor.extract %{{.*}}[] : tensor<i64>
  // CHECK-DAG: %[[SEED:.*]] = tensor.extract %{{.*}}[] : tensor<i64>
  // CHECK: arith.xori %[[STEP]], %{{.*}} : i64
  // CHECK: arith.xori %[[SEED]], %{{.*}} : i64
  // CHECK: linalg.generic
  // CHECK: linalg.index 0
  // CHECK: linalg.index 1
  // CHECK: arith.index_castui %{{.*}} : index to i64
  // CHECK: %[[TOP:.*]] = arith.shrui %{{.*}}, %c40_i64 : i64
  // CHECK: %[[KEEP:.*]] = arith.cmpi uge, %[[TOP]], %c4194304_i64 : i64
  // CHECK: %[[SCALED:.*]] = arith.mulf %{{.*}}, %cst{{.*}} : f32
  // CHECK: arith.select %[[KEEP]], %[[SCALED]], %{{.*}} : f32
  %y = dl.dropout %x [%seed, %step] {rate = 0.25 : f64, key = 5 : i64} : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// A dropout that drops something needs its [seed, step] counter.
func.func @dropout(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{dropout in training mode needs the run's seed and the step; only training steps have them (dl-expand-optimizer binds them), not the forward of --forward-mode=train}}
  %y = dl.dropout %x {rate = 0.5 : f64, key = 0 : i64} : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// The input gradient of a convolution: one product dy [N*OH*OW, O] x
// W [O, C*KH*KW], then a gather over the kernel offsets (col2im) whose
// windows read each input element, with stride and padding.
// CHECK-LABEL: func.func @conv2d_grad_input
func.func @conv2d_grad_input(%w: tensor<3x2x3x3xf32>, %dy: tensor<1x3x3x3xf32>) -> tensor<1x2x5x5xf32> {
  // CHECK: linalg.transpose ins(%{{.*}} : tensor<1x3x3x3xf32>) {{.*}} permutation = [0, 2, 3, 1]
  // CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<9x3xf32>, tensor<3x18xf32>)
  // CHECK: tensor.expand_shape {{.*}} into tensor<1x3x3x2x3x3xf32>
  // CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
  // CHECK: arith.divsi
  // CHECK: arith.remsi
  // CHECK: tensor.extract
  // CHECK-NOT: dl.
  %dx = dl.conv2d_grad_input %dy, %w {input_shape = array<i64: 1, 2, 5, 5>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : tensor<1x3x3x3xf32>, tensor<3x2x3x3xf32>
  return %dx : tensor<1x2x5x5xf32>
}

// -----

// With stride 1 the input gradient is a convolution of dy, padded by
// K-1-p, with the filters flipped and their channels swapped.
// CHECK-DAG: #[[FLIP:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d0, -d2 + 2, -d3 + 2)>
// CHECK-LABEL: func.func @conv2d_grad_input_stride1
func.func @conv2d_grad_input_stride1(%w: tensor<3x2x3x3xf32>, %dy: tensor<1x3x5x5xf32>) -> tensor<1x2x5x5xf32> {
  // CHECK: linalg.generic {indexing_maps = [#[[FLIP]],
  // CHECK-SAME: outs(%{{.*}} : tensor<2x3x3x3xf32>)
  // CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
  // CHECK: outs(%{{.*}} : tensor<3x3x3x1x5x5xf32>)
  // CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x27xf32>, tensor<27x25xf32>)
  // CHECK-NOT: arith.divsi
  // CHECK: return
  %dx = dl.conv2d_grad_input %dy, %w {input_shape = array<i64: 1, 2, 5, 5>, stride = array<i64: 1, 1>, padding = array<i64: 1, 1>} : tensor<1x3x5x5xf32>, tensor<3x2x3x3xf32>
  return %dx : tensor<1x2x5x5xf32>
}

// -----

// The weight gradient: dy^T [O, N*OH*OW] x the forward's kernel rows
// [C*KH*KW, N*OH*OW], transposed.
// CHECK-LABEL: func.func @conv2d_grad_weight
func.func @conv2d_grad_weight(%x: tensor<1x2x5x5xf32>, %dy: tensor<1x3x3x3xf32>) -> tensor<3x2x3x3xf32> {
  // CHECK: tensor.pad
  // CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x2x7x7xf32>) outs(%{{.*}} : tensor<2x3x3x1x3x3xf32>)
  // CHECK: linalg.transpose ins(%{{.*}} : tensor<1x3x3x3xf32>) {{.*}} permutation = [1, 0, 2, 3]
  // CHECK: linalg.matmul indexing_maps = {{.*}} ins(%{{.*}}, %{{.*}} : tensor<3x9xf32>, tensor<18x9xf32>)
  // CHECK: tensor.expand_shape {{.*}} into tensor<3x2x3x3xf32>
  %dw = dl.conv2d_grad_weight %x, %dy {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : tensor<1x2x5x5xf32>, tensor<1x3x3x3xf32>
  return %dw : tensor<3x2x3x3xf32>
}

// -----

// Max pooling's gradient: the window maxima, the offset of each window's
// first maximum (a minimum over the offsets that hold it), then a gather.
// CHECK-LABEL: func.func @maxpool2d_grad
func.func @maxpool2d_grad(%x: tensor<1x1x4x4xf32>, %dy: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  // CHECK: arith.maximumf
  // CHECK: linalg.fill ins(%{{.*}} : i64) outs(%{{.*}} : tensor<1x1x2x2xi64>)
  // CHECK: arith.cmpf oeq
  // CHECK: arith.minsi
  // CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x1x4x4xf32>)
  // CHECK: arith.cmpi eq
  %dx = dl.maxpool2d_grad %x, %dy {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<1x1x4x4xf32>, tensor<1x1x2x2xf32>
  return %dx : tensor<1x1x4x4xf32>
}

// -----

// Average pooling's gradient: a gather of the windows' gradients, divided
// by the window size.
// CHECK-LABEL: func.func @avgpool2d_grad
func.func @avgpool2d_grad(%dy: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  // CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
  // CHECK: arith.constant 4.000000e+00 : f32
  // CHECK: arith.divf
  %dx = dl.avgpool2d_grad %dy {input_shape = array<i64: 1, 1, 4, 4>, kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<1x1x2x2xf32>
  return %dx : tensor<1x1x4x4xf32>
}

// -----

// The embedding's gradient: the indices checked, then a scatter-add of one
// gradient row at a time, in index order, into a zeroed table.
// CHECK: @dl_message_0("embedding: index out of range\00")
// CHECK-LABEL: func.func @embedding_grad
func.func @embedding_grad(%ids: tensor<2x3xi32>, %dy: tensor<2x3x4xf32>) -> tensor<5x4xf32> {
  // CHECK: func.call @dlrt_fail
  // CHECK: %[[ZERO:.*]] = linalg.fill {{.*}} -> tensor<5x4xf32>
  // CHECK: scf.for %[[P:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[ZERO]])
  // CHECK: %[[ROW:.*]] = arith.index_cast
  // CHECK: %[[SLOT:.*]] = tensor.extract_slice %[[ACC]][%[[ROW]], 0] [1, 4] [1, 1]
  // CHECK: tensor.extract_slice %{{.*}}[%[[P]], 0] [1, 4] [1, 1]
  // CHECK: %[[SUM:.*]] = linalg.generic {{.*}} outs(%[[SLOT]] : tensor<1x4xf32>)
  // CHECK: tensor.insert_slice %[[SUM]] into %[[ACC]][%[[ROW]], 0] [1, 4] [1, 1]
  %g = dl.embedding_grad %ids, %dy {num_embeddings = 5 : i64} : tensor<2x3xi32>, tensor<2x3x4xf32>
  return %g : tensor<5x4xf32>
}

// -----

// A slice's gradient: zeros with the gradient inserted at the strided box.
// CHECK-LABEL: func.func @slice_grad
func.func @slice_grad(%dy: tensor<4x3xf32>) -> tensor<4x8xf32> {
  // CHECK: %[[ZERO:.*]] = linalg.fill {{.*}} -> tensor<4x8xf32>
  // CHECK: tensor.insert_slice %{{.*}} into %[[ZERO]][0, 2] [4, 3] [1, 2]
  %0 = dl.slice_grad %dy {input_shape = array<i64: 4, 8>, starts = array<i64: 0, 2>, limits = array<i64: 4, 8>, strides = array<i64: 1, 2>} : tensor<4x3xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// batchnorm_grad without a kernel (the CUDA target, other element types):
// its formulas as dl ops, lowered in turn; nothing of dl is left.
// CHECK-LABEL: func.func @batchnorm_grad
// CHECK-NOT: dl.
// CHECK: math.rsqrt
// CHECK-NOT: dl.
// CHECK: return
func.func @batchnorm_grad(%x: tensor<4x3xf64>, %w: tensor<3xf64>, %dy: tensor<4x3xf64>) -> (tensor<4x3xf64>, tensor<3xf64>, tensor<3xf64>) {
  %dx, %dw, %db = dl.batchnorm_grad %x, %w, %dy : tensor<4x3xf64>, tensor<3xf64>, tensor<4x3xf64>
  return %dx, %dw, %db : tensor<4x3xf64>, tensor<3xf64>, tensor<3xf64>
}

// -----

// layernorm_grad likewise.
// CHECK-LABEL: func.func @layernorm_grad
// CHECK-NOT: dl.
// CHECK: math.rsqrt
// CHECK-NOT: dl.
// CHECK: return
func.func @layernorm_grad(%x: tensor<4x3xf32>, %w: tensor<3xf32>, %dy: tensor<4x3xf32>) -> (tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %dx, %dw, %db = dl.layernorm_grad %x, %w, %dy : tensor<4x3xf32>, tensor<3xf32>, tensor<4x3xf32>
  return %dx, %dw, %db : tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>
}
