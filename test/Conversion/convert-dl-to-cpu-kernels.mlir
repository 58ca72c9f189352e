// RUN: dlcc-opt --split-input-file --convert-dl-to-cpu-kernels %s | FileCheck %s
// RUN: dlcc-opt --split-input-file --convert-dl-to-cpu-kernels=fuse-relu=false %s | FileCheck %s --check-prefix=APART

// A stride-1 f32 convolution: the input, filters and bias read in place,
// the output a fresh buffer, then the sizes (batch, channels, height,
// width, filters, kernel height and width, padding).
// CHECK: func.func private @dl_conv2d_fwd_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-LABEL: func.func @conv2d
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : i64
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : i64
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : i64
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : i64
// CHECK-DAG: %[[C5:.*]] = arith.constant 5 : i64
// CHECK-DAG: %[[C6:.*]] = arith.constant 6 : i64
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : i64
// CHECK: %[[Y:.*]] = memref.alloc() : memref<2x4x6x2xf32>
// CHECK: bufferization.to_buffer %arg0 read_only
// CHECK: bufferization.to_buffer %arg1 read_only
// CHECK: bufferization.to_buffer %arg2 read_only
// CHECK: call @dl_conv2d_fwd_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[C2]], %[[C3]], %[[C6]], %[[C6]], %[[C4]], %[[C3]], %[[C5]], %[[C1]], %[[C0]])
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[Y]] restrict
// CHECK: return %[[R]]
func.func @conv2d(%x: tensor<2x3x6x6xf32>, %w: tensor<4x3x3x5xf32>, %b: tensor<4xf32>) -> tensor<2x4x6x2xf32> {
  %y = dl.conv2d %x, %w, %b {padding = array<i64: 1, 0>} : tensor<2x3x6x6xf32>, tensor<4x3x3x5xf32>, tensor<4xf32>
  return %y : tensor<2x4x6x2xf32>
}

// -----

// Without a bias the kernel gets a null pointer.
// CHECK-LABEL: func.func @conv2d_no_bias
// CHECK: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK: call @dl_conv2d_fwd_f32(%{{.*}}, %{{.*}}, %[[NULL]], %{{.*}},
func.func @conv2d_no_bias(%x: tensor<1x1x4x4xf32>, %w: tensor<2x1x3x3xf32>) -> tensor<1x2x4x4xf32> {
  %y = dl.conv2d %x, %w {padding = array<i64: 1, 1>} : tensor<1x1x4x4xf32>, tensor<2x1x3x3xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// The gradients: dx has the forward's input shape (the sizes are the
// forward's), dw the filters'.
// CHECK-LABEL: func.func @gradients
// CHECK: %[[DX:.*]] = memref.alloc() : memref<1x2x5x5xf32>
// CHECK: call @dl_conv2d_grad_input_f32(
// CHECK: bufferization.to_tensor %[[DX]] restrict
// CHECK: %[[DW:.*]] = memref.alloc() : memref<3x2x3x3xf32>
// CHECK: call @dl_conv2d_grad_weight_f32(
// CHECK: bufferization.to_tensor %[[DW]] restrict
func.func @gradients(%x: tensor<1x2x5x5xf32>, %w: tensor<3x2x3x3xf32>, %dy: tensor<1x3x5x5xf32>) -> (tensor<1x2x5x5xf32>, tensor<3x2x3x3xf32>) {
  %dx = dl.conv2d_grad_input %dy, %w {input_shape = array<i64: 1, 2, 5, 5>, padding = array<i64: 1, 1>} : tensor<1x3x5x5xf32>, tensor<3x2x3x3xf32>
  %dw = dl.conv2d_grad_weight %x, %dy {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>} : tensor<1x2x5x5xf32>, tensor<1x3x5x5xf32>
  return %dx, %dw : tensor<1x2x5x5xf32>, tensor<3x2x3x3xf32>
}

// -----

// Left to convert-dl-to-linalg: strided convolutions, f64, and an input
// gradient padded more than the kernel's size - 1.
// CHECK-LABEL: func.func @no_kernel
// CHECK-NOT: call
// CHECK: dl.conv2d {{.*}}stride
// CHECK: dl.conv2d %
// CHECK: dl.conv2d_grad_input
// CHECK-NOT: call
func.func @no_kernel(%x: tensor<1x1x6x6xf32>, %w: tensor<2x1x3x3xf32>, %xd: tensor<1x1x6x6xf64>, %wd: tensor<2x1x3x3xf64>, %dy: tensor<1x2x10x10xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x4x4xf64>, tensor<1x1x6x6xf32>) {
  %s = dl.conv2d %x, %w {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : tensor<1x1x6x6xf32>, tensor<2x1x3x3xf32>
  %d = dl.conv2d %xd, %wd : tensor<1x1x6x6xf64>, tensor<2x1x3x3xf64>
  %g = dl.conv2d_grad_input %dy, %w {input_shape = array<i64: 1, 1, 6, 6>, padding = array<i64: 3, 3>} : tensor<1x2x10x10xf32>, tensor<2x1x3x3xf32>
  return %s, %d, %g : tensor<1x2x3x3xf32>, tensor<1x2x4x4xf64>, tensor<1x1x6x6xf32>
}

// -----

// Max-pooling: the input read, y written; the sizes are the input's, the
// output's height and width, the kernel, the stride and the padding.
// CHECK: func.func private @dl_maxpool2d_f32(!llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-LABEL: func.func @maxpool
// CHECK-DAG: %[[C9:.*]] = arith.constant 9 : i64
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : i64
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : i64
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : i64
// CHECK-DAG: %[[C5:.*]] = arith.constant 5 : i64
// CHECK: %[[Y:.*]] = memref.alloc() : memref<2x3x5x5xf32>
// CHECK: call @dl_maxpool2d_f32(%{{.*}}, %{{.*}}, %[[C2]], %[[C3]], %[[C9]], %[[C9]], %[[C5]], %[[C5]], %[[C3]], %[[C3]], %[[C2]], %[[C2]], %[[C1]], %[[C1]])
// CHECK: bufferization.to_tensor %[[Y]] restrict
func.func @maxpool(%x: tensor<2x3x9x9xf32>) -> tensor<2x3x5x5xf32> {
  %y = dl.maxpool2d %x {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : tensor<2x3x9x9xf32>
  return %y : tensor<2x3x5x5xf32>
}

// -----

// Max-pooling's gradient: the input and dy read, dx (the input's shape)
// written; the sizes are the input's, the output's height and width, the
// kernel, the stride and the padding.
// CHECK: func.func private @dl_maxpool2d_grad_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-LABEL: func.func @maxpool_grad
// CHECK: %[[DX:.*]] = memref.alloc() : memref<2x3x8x8xf32>
// CHECK: call @dl_maxpool2d_grad_f32(
// CHECK: bufferization.to_tensor %[[DX]] restrict
func.func @maxpool_grad(%x: tensor<2x3x8x8xf32>, %dy: tensor<2x3x4x4xf32>) -> tensor<2x3x8x8xf32> {
  %dx = dl.maxpool2d_grad %x, %dy {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<2x3x8x8xf32>, tensor<2x3x4x4xf32>
  return %dx : tensor<2x3x8x8xf32>
}

// -----

// Layer norm: x, the weight and the bias read, y written; the sizes are
// the rows (every dimension but the last) and the row's length, then eps.
// CHECK: func.func private @dl_layernorm_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, f64)
// CHECK-LABEL: func.func @layernorm
// CHECK-DAG: %[[C6:.*]] = arith.constant 6 : i64
// CHECK-DAG: %[[C5:.*]] = arith.constant 5 : i64
// CHECK-DAG: %[[EPS:.*]] = arith.constant 1.000000e-05 : f64
// CHECK: %[[Y:.*]] = memref.alloc() : memref<2x3x5xf32>
// CHECK: call @dl_layernorm_f32({{.*}}, %[[C6]], %[[C5]], %[[EPS]])
// CHECK: bufferization.to_tensor %[[Y]] restrict
func.func @layernorm(%x: tensor<2x3x5xf32>, %w: tensor<5xf32>, %b: tensor<5xf32>) -> tensor<2x3x5xf32> {
  %y = dl.layernorm %x, %w, %b : tensor<2x3x5xf32>, tensor<5xf32>, tensor<5xf32>
  return %y : tensor<2x3x5xf32>
}

// -----

// Its gradient: dx, dweight and dbias written, then scratch for the
// column sums of each block of rows: 2 x 5 floats for each of the 64
// blocks of 3 rows that 190 rows make (the last one short); the sizes are
// the rows, the row's length and the block's rows, then eps. f64 has no
// kernel: its formulas are left to convert-dl-to-linalg.
// CHECK: func.func private @dl_layernorm_grad_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, f64)
// CHECK-LABEL: func.func @layernorm_grad
// CHECK-DAG: %[[ROWS:.*]] = arith.constant 190 : i64
// CHECK-DAG: %[[C5:.*]] = arith.constant 5 : i64
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : i64
// CHECK-DAG: %[[EPS:.*]] = arith.constant 1.000000e-03 : f64
// CHECK: %[[DX:.*]] = memref.alloc() : memref<19x10x5xf32>
// CHECK: %[[DW:.*]] = memref.alloc() : memref<5xf32>
// CHECK: %[[DB:.*]] = memref.alloc() : memref<5xf32>
// CHECK: memref.alloc() : memref<64x2x5xf32>
// CHECK: call @dl_layernorm_grad_f32({{.*}}, %[[ROWS]], %[[C5]], %[[C3]], %[[EPS]])
// CHECK: bufferization.to_tensor %[[DX]] restrict
// CHECK: dl.layernorm_grad %{{.*}} : tensor<4x5xf64>
func.func @layernorm_grad(%x: tensor<19x10x5xf32>, %w: tensor<5xf32>, %dy: tensor<19x10x5xf32>, %x64: tensor<4x5xf64>, %w64: tensor<5xf64>) -> (tensor<19x10x5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<4x5xf64>) {
  %dx, %dw, %db = dl.layernorm_grad %x, %w, %dy {eps = 1.0e-3 : f64} : tensor<19x10x5xf32>, tensor<5xf32>, tensor<19x10x5xf32>
  %d64:3 = dl.layernorm_grad %x64, %w64, %x64 : tensor<4x5xf64>, tensor<5xf64>, tensor<4x5xf64>
  return %dx, %dw, %db, %d64#0 : tensor<19x10x5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<4x5xf64>
}

// -----

// Batch norm's gradient: x, the weight and dy read; dx, dweight and dbias
// written; the sizes are the batch, the channels and H*W, then eps.
// CHECK: func.func private @dl_batchnorm_grad_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, f64)
// CHECK-LABEL: func.func @batchnorm_grad
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : i64
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : i64
// CHECK-DAG: %[[C20:.*]] = arith.constant 20 : i64
// CHECK-DAG: %[[EPS:.*]] = arith.constant 1.000000e-03 : f64
// CHECK: %[[DX:.*]] = memref.alloc() : memref<2x3x4x5xf32>
// CHECK: %[[DW:.*]] = memref.alloc() : memref<3xf32>
// CHECK: %[[DB:.*]] = memref.alloc() : memref<3xf32>
// CHECK: call @dl_batchnorm_grad_f32({{.*}}, %[[C2]], %[[C3]], %[[C20]], %[[EPS]])
// CHECK: bufferization.to_tensor %[[DX]] restrict
// CHECK: bufferization.to_tensor %[[DW]] restrict
// CHECK: bufferization.to_tensor %[[DB]] restrict
func.func @batchnorm_grad(%x: tensor<2x3x4x5xf32>, %w: tensor<3xf32>, %dy: tensor<2x3x4x5xf32>) -> (tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>) {
  %dx, %dw, %db = dl.batchnorm_grad %x, %w, %dy {eps = 1.0e-3 : f64} : tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<2x3x4x5xf32>
  return %dx, %dw, %db : tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>
}

// -----

// Training-mode batch norm: x, weight, bias and the running statistics
// read; y and the new running statistics written; then the sizes, eps and
// the momentum. Evaluation-mode batch norm is left to convert-dl-to-linalg.
// CHECK: func.func private @dl_batchnorm_train_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, f64, f64)
// CHECK-LABEL: func.func @batchnorm
// CHECK-DAG: %[[MOMENTUM:.*]] = arith.constant 2.000000e-01 : f64
// CHECK: %[[Y:.*]] = memref.alloc() : memref<6x4xf32>
// CHECK: call @dl_batchnorm_train_f32({{.*}}, %[[MOMENTUM]])
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[Y]] restrict
// CHECK: %[[E:.*]], %{{.*}}, %{{.*}} = dl.batchnorm
// CHECK-NOT: training
// CHECK: return %[[R]], %[[E]]
func.func @batchnorm(%x: tensor<6x4xf32>, %c: tensor<4xf32>) -> (tensor<6x4xf32>, tensor<6x4xf32>) {
  %y, %m, %v = dl.batchnorm %x, %c, %c, %c, %c {training, momentum = 0.2 : f64} : tensor<6x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  %e:3 = dl.batchnorm %x, %c, %c, %c, %c : tensor<6x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  return %y, %e#0 : tensor<6x4xf32>, tensor<6x4xf32>
}

// -----

// AdamW over every parameter in one call: a table of each tensor's seven
// addresses (param, grad, exp_avg, exp_avg_sq, then where their new values
// go) and its element count, the hyper-parameters by address, the number
// of tensors last. A param or moment read from the arena and only stored
// back into the same place (another view of it) is updated in place: its
// new value's address is its own, and the store is gone. Results used
// otherwise (the returned exp_avg_sq of the second) get fresh buffers.
// CHECK: func.func private @dl_adamw_all_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64)
// CHECK-LABEL: func.func @adamw_in_place
// CHECK-DAG: %[[TWO:.*]] = arith.constant 2 : i64
// CHECK-DAG: %[[N0:.*]] = arith.constant 32 : i64
// CHECK-DAG: %[[N1:.*]] = arith.constant 8 : i64
// CHECK: %[[NEWV:.*]] = memref.alloc() : memref<8xf32>
// CHECK: %[[TABLE:.*]] = memref.alloca() : memref<2x8xi64>
// CHECK: memref.extract_aligned_pointer_as_index %[[P:view[_0-9]*]] :
// CHECK: memref.store {{.*}}, %[[TABLE]][%c0, %c0]
// CHECK: memref.store {{.*}}, %[[TABLE]][%c0, %c1]
// CHECK: memref.store {{.*}}, %[[TABLE]][%c0, %c2]
// CHECK: memref.store {{.*}}, %[[TABLE]][%c0, %c3]
// CHECK: memref.extract_aligned_pointer_as_index %[[P]] :
// CHECK: memref.store {{.*}}, %[[TABLE]][%c0, %c4]
// CHECK: memref.store {{.*}}, %[[TABLE]][%c0, %c6]
// CHECK: memref.store %[[N0]], %[[TABLE]][%c0, %c7]
// CHECK: memref.extract_aligned_pointer_as_index %[[NEWV]]
// CHECK: memref.store {{.*}}, %[[TABLE]][%c1, %c6]
// CHECK: memref.store %[[N1]], %[[TABLE]][%c1, %c7]
// CHECK: call @dl_adamw_all_f32({{(%[0-9]+, )+}}%[[TWO]]) : (!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64)
// CHECK-NOT: materialize_in_destination
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[NEWV]] restrict
// CHECK-NOT: materialize_in_destination
// CHECK: return %[[R]]
func.func @adamw_in_place(%arena: memref<1024xi8>, %g: tensor<4x8xf32>, %h: tensor<8xf32>, %s: tensor<f32>, %t: tensor<i64>) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c128 = arith.constant 128 : index
  %c256 = arith.constant 256 : index
  %c384 = arith.constant 384 : index
  %c416 = arith.constant 416 : index
  %c448 = arith.constant 448 : index
  %vp = memref.view %arena[%c0][] : memref<1024xi8> to memref<4x8xf32>
  %p = bufferization.to_tensor %vp restrict : memref<4x8xf32> to tensor<4x8xf32>
  %vm = memref.view %arena[%c128][] : memref<1024xi8> to memref<4x8xf32>
  %m = bufferization.to_tensor %vm restrict : memref<4x8xf32> to tensor<4x8xf32>
  %vv = memref.view %arena[%c256][] : memref<1024xi8> to memref<4x8xf32>
  %v = bufferization.to_tensor %vv restrict : memref<4x8xf32> to tensor<4x8xf32>
  %vq = memref.view %arena[%c384][] : memref<1024xi8> to memref<8xf32>
  %q = bufferization.to_tensor %vq restrict : memref<8xf32> to tensor<8xf32>
  %vn = memref.view %arena[%c416][] : memref<1024xi8> to memref<8xf32>
  %n = bufferization.to_tensor %vn restrict : memref<8xf32> to tensor<8xf32>
  %vw = memref.view %arena[%c448][] : memref<1024xi8> to memref<8xf32>
  %w = bufferization.to_tensor %vw restrict : memref<8xf32> to tensor<8xf32>
  %p2:2, %m2:2, %v2:2 = dl.adamw_update (%p, %g, %m, %v : tensor<4x8xf32>), (%q, %h, %n, %w : tensor<8xf32>) hypers(%s, %s, %s, %s, %s) step %t
  %wp = memref.view %arena[%c0][] : memref<1024xi8> to memref<4x8xf32>
  bufferization.materialize_in_destination %p2#0 in restrict writable %wp : (tensor<4x8xf32>, memref<4x8xf32>) -> ()
  %wm = memref.view %arena[%c128][] : memref<1024xi8> to memref<4x8xf32>
  bufferization.materialize_in_destination %m2#0 in restrict writable %wm : (tensor<4x8xf32>, memref<4x8xf32>) -> ()
  %wv = memref.view %arena[%c256][] : memref<1024xi8> to memref<4x8xf32>
  bufferization.materialize_in_destination %v2#0 in restrict writable %wv : (tensor<4x8xf32>, memref<4x8xf32>) -> ()
  %wq = memref.view %arena[%c384][] : memref<1024xi8> to memref<8xf32>
  bufferization.materialize_in_destination %p2#1 in restrict writable %wq : (tensor<8xf32>, memref<8xf32>) -> ()
  %wn = memref.view %arena[%c416][] : memref<1024xi8> to memref<8xf32>
  bufferization.materialize_in_destination %m2#1 in restrict writable %wn : (tensor<8xf32>, memref<8xf32>) -> ()
  return %v2#1 : tensor<8xf32>
}

// -----

// A param read again after the update, or stored elsewhere, keeps its old
// value: its new one goes to a fresh buffer, stored as before.
// CHECK-LABEL: func.func @adamw_read_after
// CHECK: %[[NEWP:.*]] = memref.alloc() : memref<8xf32>
// CHECK: %[[NEWM:.*]] = memref.alloc() : memref<8xf32>
// CHECK-NOT: memref.alloc()
// CHECK: call @dl_adamw_all_f32
// CHECK-DAG: %[[P2:.*]] = bufferization.to_tensor %[[NEWP]] restrict
// CHECK-DAG: %[[M2:.*]] = bufferization.to_tensor %[[NEWM]] restrict
// CHECK: materialize_in_destination %[[P2]] in restrict writable
// CHECK: materialize_in_destination %[[M2]] in restrict writable %[[OTHER:view[_0-9]*]]
// CHECK: dl.mul
func.func @adamw_read_after(%arena: memref<1024xi8>, %g: tensor<8xf32>, %s: tensor<f32>, %t: tensor<i64>) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  %c96 = arith.constant 96 : index
  %vp = memref.view %arena[%c0][] : memref<1024xi8> to memref<8xf32>
  %p = bufferization.to_tensor %vp restrict : memref<8xf32> to tensor<8xf32>
  %vm = memref.view %arena[%c32][] : memref<1024xi8> to memref<8xf32>
  %m = bufferization.to_tensor %vm restrict : memref<8xf32> to tensor<8xf32>
  %vv = memref.view %arena[%c64][] : memref<1024xi8> to memref<8xf32>
  %v = bufferization.to_tensor %vv restrict : memref<8xf32> to tensor<8xf32>
  %p2, %m2, %v2 = dl.adamw_update (%p, %g, %m, %v : tensor<8xf32>) hypers(%s, %s, %s, %s, %s) step %t
  %wp = memref.view %arena[%c0][] : memref<1024xi8> to memref<8xf32>
  bufferization.materialize_in_destination %p2 in restrict writable %wp : (tensor<8xf32>, memref<8xf32>) -> ()
  %wm = memref.view %arena[%c96][] : memref<1024xi8> to memref<8xf32>
  bufferization.materialize_in_destination %m2 in restrict writable %wm : (tensor<8xf32>, memref<8xf32>) -> ()
  %wv = memref.view %arena[%c64][] : memref<1024xi8> to memref<8xf32>
  bufferization.materialize_in_destination %v2 in restrict writable %wv : (tensor<8xf32>, memref<8xf32>) -> ()
  %later = dl.mul %p, %g : tensor<8xf32>, tensor<8xf32>
  return %later : tensor<8xf32>
}

// -----

// A classifier's backward: logits, labels, seed, input and weight read in
// place; the three gradients, then scratch (a block of the logits'
// gradient, and three floats per row) in fresh buffers; then rows,
// classes, features, rows per block, label smoothing and ignore index. Few
// classes: one block holds every row.
// CHECK: func.func private @dl_classifier_grad_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, f32, i64)
// CHECK-LABEL: func.func @classifier
// CHECK-DAG: %[[ROWS:.*]] = arith.constant 4 : i64
// CHECK-DAG: %[[CLASSES:.*]] = arith.constant 10 : i64
// CHECK-DAG: %[[FEATURES:.*]] = arith.constant 6 : i64
// CHECK-DAG: %[[SMOOTH:.*]] = arith.constant 1.000000e-01 : f32
// CHECK-DAG: %[[IGNORE:.*]] = arith.constant -100 : i64
// CHECK: %[[DX:.*]] = memref.alloc() : memref<4x6xf32>
// CHECK: %[[DW:.*]] = memref.alloc() : memref<10x6xf32>
// CHECK: %[[DB:.*]] = memref.alloc() : memref<10xf32>
// CHECK: memref.alloc() : memref<4x10xf32>
// CHECK-COUNT-3: memref.alloc() : memref<4xf32>
// CHECK-COUNT-5: bufferization.to_buffer {{.*}} read_only
// CHECK: call @dl_classifier_grad_f32({{(%[0-9]+, )+}}%[[ROWS]], %[[CLASSES]], %[[FEATURES]], %[[ROWS]], %[[SMOOTH]], %[[IGNORE]])
// CHECK-DAG: bufferization.to_tensor %[[DX]] restrict
// CHECK-DAG: bufferization.to_tensor %[[DW]] restrict
// CHECK-DAG: bufferization.to_tensor %[[DB]] restrict
func.func @classifier(%l: tensor<4x10xf32>, %y: tensor<4xi32>, %s: tensor<f32>, %x: tensor<4x6xf32>, %w: tensor<10x6xf32>) -> (tensor<4x6xf32>, tensor<10x6xf32>, tensor<10xf32>) {
  %dx, %dw, %db = dl.classifier_grad %l, %y, %s, %x, %w {label_smoothing = 0.1 : f64} : tensor<4x10xf32>, tensor<4xi32>, tensor<f32>, tensor<4x6xf32>, tensor<10x6xf32> -> tensor<10xf32>
  return %dx, %dw, %db : tensor<4x6xf32>, tensor<10x6xf32>, tensor<10xf32>
}

// -----

// Many classes: blocks of 2^18 / 1000 = 262 rows, never a buffer for the
// 600 x 1000 gradient.
// CHECK-LABEL: func.func @classifier_blocks
// CHECK-NOT: memref.alloc() : memref<600x1000xf32>
// CHECK: memref.alloc() : memref<262x1000xf32>
// CHECK-NOT: memref.alloc() : memref<600x1000xf32>
// CHECK: call @dl_classifier_grad_f32({{(%[0-9]+, )+}}%c600_i64, %c1000_i64, %c8_i64, %c262_i64,
func.func @classifier_blocks(%l: tensor<600x1000xf32>, %y: tensor<600xi32>, %s: tensor<f32>, %x: tensor<600x8xf32>, %w: tensor<1000x8xf32>) -> (tensor<600x8xf32>, tensor<1000x8xf32>) {
  %dx, %dw, %db = dl.classifier_grad %l, %y, %s, %x, %w : tensor<600x1000xf32>, tensor<600xi32>, tensor<f32>, tensor<600x8xf32>, tensor<1000x8xf32> -> tensor<1000xf32>
  return %dx, %dw : tensor<600x8xf32>, tensor<1000x8xf32>
}

// -----

// A training batch norm whose output only a ReLU reads: one kernel for
// both, whose y replaces the ReLU's result; the batch norm's own output is
// never stored.
// CHECK: func.func private @dl_batchnorm_relu_train_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, f64, f64)
// CHECK-LABEL: func.func @batchnorm_relu
// CHECK: %[[Y:.*]] = memref.alloc() : memref<2x3x4x5xf32>
// CHECK: call @dl_batchnorm_relu_train_f32(
// CHECK-NOT: dl.relu
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[Y]] restrict
// CHECK-NOT: dl.relu
// CHECK: return %[[R]]
// Without fuse-relu (the memory report's plan without fusion), apart.
// APART-LABEL: func.func @batchnorm_relu(
// APART: call @dl_batchnorm_train_f32(
// APART: dl.relu
func.func @batchnorm_relu(%x: tensor<2x3x4x5xf32>, %c: tensor<3xf32>) -> (tensor<2x3x4x5xf32>, tensor<3xf32>) {
  %y, %m, %v = dl.batchnorm %x, %c, %c, %c, %c {training} : tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  %r = dl.relu %y : tensor<2x3x4x5xf32>
  return %r, %m : tensor<2x3x4x5xf32>, tensor<3xf32>
}

// -----

// When something else reads the batch norm's output, the ReLU stays apart.
// CHECK-LABEL: func.func @batchnorm_relu_output_read
// CHECK: call @dl_batchnorm_train_f32(
// CHECK: dl.relu
func.func @batchnorm_relu_output_read(%x: tensor<2x3x4x5xf32>, %c: tensor<3xf32>) -> (tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>) {
  %y, %m, %v = dl.batchnorm %x, %c, %c, %c, %c {training} : tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  %r = dl.relu %y : tensor<2x3x4x5xf32>
  return %r, %y : tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>
}

// -----

// The gradient through a ReLU (dy where its output y > 0, else 0) into a
// batch norm's gradient: the kernel reads dy and y and masks as it goes.
// CHECK: func.func private @dl_batchnorm_relu_grad_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, f64)
// CHECK-LABEL: func.func @batchnorm_relu_grad
// CHECK-SAME: (%[[X:[^:]*]]: tensor<2x3x4x5xf32>, %[[W:[^:]*]]: tensor<3xf32>, %[[Y:[^:]*]]: tensor<2x3x4x5xf32>, %[[DY:[^:]*]]: tensor<2x3x4x5xf32>)
// CHECK-NOT: dl.where
// CHECK-DAG: bufferization.to_buffer %[[X]] read_only
// CHECK-DAG: bufferization.to_buffer %[[W]] read_only
// CHECK: bufferization.to_buffer %[[DY]] read_only
// CHECK: bufferization.to_buffer %[[Y]] read_only
// CHECK: call @dl_batchnorm_relu_grad_f32(
// CHECK-NOT: dl.where
// APART-LABEL: func.func @batchnorm_relu_grad(
// APART: dl.where
// APART: call @dl_batchnorm_grad_f32(
func.func @batchnorm_relu_grad(%x: tensor<2x3x4x5xf32>, %w: tensor<3xf32>, %y: tensor<2x3x4x5xf32>, %dy: tensor<2x3x4x5xf32>) -> (tensor<2x3x4x5xf32>, tensor<3xf32>) {
  %z = arith.constant dense<0.0> : tensor<f32>
  %mask = dl.compare gt, %y, %z : tensor<2x3x4x5xf32>, tensor<f32>
  %g = dl.where %mask, %dy, %z : tensor<2x3x4x5xi1>, tensor<2x3x4x5xf32>, tensor<f32>
  %dx, %dw, %db = dl.batchnorm_grad %x, %w, %g : tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<2x3x4x5xf32>
  return %dx, %dw : tensor<2x3x4x5xf32>, tensor<3xf32>
}

// -----

// Masks that are not a ReLU's gradient, or whose result something else
// reads, stay apart: the plain kernel reads the where's result.
// CHECK-LABEL: func.func @batchnorm_other_masks
// CHECK-NOT: dl_batchnorm_relu_grad_f32
// CHECK-COUNT-3: call @dl_batchnorm_grad_f32(
func.func @batchnorm_other_masks(%x: tensor<2x3x4x5xf32>, %w: tensor<3xf32>, %y: tensor<2x3x4x5xf32>, %dy: tensor<2x3x4x5xf32>) -> (tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>) {
  %z = arith.constant dense<0.0> : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %gt = dl.compare gt, %y, %z : tensor<2x3x4x5xf32>, tensor<f32>
  %lt = dl.compare lt, %y, %z : tensor<2x3x4x5xf32>, tensor<f32>
  %else1 = dl.where %gt, %dy, %one : tensor<2x3x4x5xi1>, tensor<2x3x4x5xf32>, tensor<f32>
  %a, %aw, %ab = dl.batchnorm_grad %x, %w, %else1 : tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<2x3x4x5xf32>
  %below = dl.where %lt, %dy, %z : tensor<2x3x4x5xi1>, tensor<2x3x4x5xf32>, tensor<f32>
  %b, %bw, %bb = dl.batchnorm_grad %x, %w, %below : tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<2x3x4x5xf32>
  %shared = dl.where %gt, %dy, %z : tensor<2x3x4x5xi1>, tensor<2x3x4x5xf32>, tensor<f32>
  %c, %cw, %cb = dl.batchnorm_grad %x, %w, %shared : tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<2x3x4x5xf32>
  return %a, %b, %c, %shared : tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>, tensor<2x3x4x5xf32>
}

// -----

// A transformer's attention: q, k and v are heads of one projection that
// dl.transpose swaps from [batch, tokens, heads, dim] to [batch, heads,
// tokens, dim], and the results are swapped back. The kernels read the
// heads where they lie (their buffers' strides, outer/inner/row, are
// passed in the kernel's order: batch, head, token) and write the output
// and the gradients with the heads interleaved (60, 4, 12): no transpose
// is left. The backward is lowered after the forward and reads the
// output where the forward wrote it.
// CHECK-LABEL: func.func @attention_heads
// CHECK-NOT: dl.transpose
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<2x5x3x4xf32>
// CHECK: %[[Q:.*]] = bufferization.to_buffer %[[SPLIT:.*]]#0 read_only {{.*}} to memref<2x5x3x4xf32, strided<[?, ?, ?, 1], offset: ?>>
// CHECK: %{{.*}}, %{{.*}}, %{{.*}}, %[[QS:.*]]:4 = memref.extract_strided_metadata %[[Q]]
// CHECK: %[[QB:.*]] = arith.index_cast %[[QS]]#0
// CHECK: %[[QT:.*]] = arith.index_cast %[[QS]]#1
// CHECK: %[[QH:.*]] = arith.index_cast %[[QS]]#2
// CHECK: bufferization.to_buffer %[[SPLIT]]#1
// CHECK: bufferization.to_buffer %[[SPLIT]]#2
// CHECK: call @dl_attention_strided_fwd_f32({{.*}}, %c2_i64, %c3_i64, %c5_i64, %c5_i64, %c4_i64, %c4_i64, %cst, %c1_i64, %c0_i64, %[[QB]], %[[QH]], %[[QT]], {{.*}}, %c60_i64, %c4_i64, %c12_i64)
// CHECK: %[[OUTT:.*]] = bufferization.to_tensor %[[OUT]]
// CHECK: bufferization.to_buffer %[[OUTT]] read_only
// CHECK: call @dl_attention_strided_bwd_f32({{.*}}, %c60_i64, %c4_i64, %c12_i64, %c60_i64, %c4_i64, %c12_i64, %c60_i64, %c4_i64, %c12_i64)
// CHECK: return %[[OUTT]],
func.func @attention_heads(%qkv: tensor<2x5x3x12xf32>, %da: tensor<2x5x3x4xf32>) -> (tensor<2x5x3x4xf32>, tensor<2x5x3x4xf32>, tensor<2x5x3x4xf32>, tensor<2x5x3x4xf32>) {
  %q0, %k0, %v0 = dl.split %qkv {axis = 3 : i64, sizes = array<i64: 4, 4, 4>} : tensor<2x5x3x12xf32>
  %q = dl.transpose %q0 {permutation = array<i64: 0, 2, 1, 3>} : tensor<2x5x3x4xf32>
  %k = dl.transpose %k0 {permutation = array<i64: 0, 2, 1, 3>} : tensor<2x5x3x4xf32>
  %v = dl.transpose %v0 {permutation = array<i64: 0, 2, 1, 3>} : tensor<2x5x3x4xf32>
  %o, %lse = dl.attention %q, %k, %v {causal} : tensor<2x3x5x4xf32>, tensor<2x3x5x4xf32>, tensor<2x3x5x4xf32>
  %a = dl.transpose %o {permutation = array<i64: 0, 2, 1, 3>} : tensor<2x3x5x4xf32>
  %do = dl.transpose %da {permutation = array<i64: 0, 2, 1, 3>} : tensor<2x5x3x4xf32>
  %dq, %dk, %dv = dl.attention_grad %q, %k, %v, %o, %lse, %do {causal} : tensor<2x3x5x4xf32>, tensor<2x3x5x4xf32>, tensor<2x3x5x4xf32>, tensor<2x3x5x4xf32>, tensor<2x3x5xf32>, tensor<2x3x5x4xf32>
  %dq0 = dl.transpose %dq {permutation = array<i64: 0, 2, 1, 3>} : tensor<2x3x5x4xf32>
  %dk0 = dl.transpose %dk {permutation = array<i64: 0, 2, 1, 3>} : tensor<2x3x5x4xf32>
  %dv0 = dl.transpose %dv {permutation = array<i64: 0, 2, 1, 3>} : tensor<2x3x5x4xf32>
  return %a, %dq0, %dk0, %dv0 : tensor<2x5x3x4xf32>, tensor<2x5x3x4xf32>, tensor<2x5x3x4xf32>, tensor<2x5x3x4xf32>
}

// -----

// Operands of rank 3 are [batch, 1, tokens, dim] to the kernel, contiguous
// (strides 20, 20, 4 for q; 15, 15, 3 for the output).
// CHECK-LABEL: func.func @attention_rank3
// CHECK: memref.alloc() : memref<6x1x5x3xf32>
// CHECK: bufferization.to_buffer {{.*}} : tensor<6x1x5x4xf32> to memref<6x1x5x4xf32, strided<[?, ?, ?, 1], offset: ?>>
// CHECK: call @dl_attention_strided_fwd_f32({{.*}}, %c6_i64, %c1_i64, %c5_i64, %c7_i64, %c4_i64, %c3_i64, {{.*}}, %c15_i64, %c15_i64, %c3_i64)
func.func @attention_rank3(%q: tensor<6x5x4xf32>, %k: tensor<6x7x4xf32>, %v: tensor<6x7x3xf32>) -> tensor<6x5x3xf32> {
  %o, %lse = dl.attention %q, %k, %v : tensor<6x5x4xf32>, tensor<6x7x4xf32>, tensor<6x7x3xf32>
  return %o : tensor<6x5x3xf32>
}

// -----

// A transpose by another permutation is not read through (q is the
// transpose's result); an output that one user reads as it is and another
// swaps back is written interleaved, the first user reading its transpose.
// CHECK-LABEL: func.func @attention_other_layouts
// CHECK: %[[Q:.*]] = dl.transpose %arg0 {permutation = array<i64: 1, 0, 2, 3>}
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<2x5x3x4xf32>
// CHECK: bufferization.to_buffer %[[Q]] read_only {{.*}} : tensor<2x3x5x4xf32>
// CHECK: call @dl_attention_strided_fwd_f32({{.*}}, %c60_i64, %c4_i64, %c12_i64)
// CHECK: %[[OUTT:.*]] = bufferization.to_tensor %[[OUT]]
// CHECK: %[[SWAPPED:.*]] = dl.transpose %[[OUTT]] {permutation = array<i64: 0, 2, 1, 3>}
// CHECK: return %[[OUTT]], %[[SWAPPED]]
func.func @attention_other_layouts(%q0: tensor<3x2x5x4xf32>, %k: tensor<2x3x5x4xf32>, %v: tensor<2x3x5x4xf32>) -> (tensor<2x5x3x4xf32>, tensor<2x3x5x4xf32>) {
  %q = dl.transpose %q0 {permutation = array<i64: 1, 0, 2, 3>} : tensor<3x2x5x4xf32>
  %o, %lse = dl.attention %q, %k, %v : tensor<2x3x5x4xf32>, tensor<2x3x5x4xf32>, tensor<2x3x5x4xf32>
  %a = dl.transpose %o {permutation = array<i64: 0, 2, 1, 3>} : tensor<2x3x5x4xf32>
  return %a, %o : tensor<2x5x3x4xf32>, tensor<2x3x5x4xf32>
}

// -----

// The gradients joined into the qkv projection's: each swapped back,
// merged to [batch, tokens, heads * dim] and concatenated (here k, q, v).
// The backward writes dq, dk and dv into their columns of one buffer (rows
// of 36, heads 4 apart, batch entries 180 apart); no concat is left.
// CHECK-LABEL: func.func @attention_joined
// CHECK-NOT: dl.concat
// CHECK: %[[DQKV:.*]] = memref.alloc() : memref<2x5x36xf32>
// CHECK: memref.subview %[[DQKV]][0, 0, 12] [2, 5, 12] [1, 1, 1]
// CHECK: memref.subview %[[DQKV]][0, 0, 0] [2, 5, 12] [1, 1, 1]
// CHECK: memref.subview %[[DQKV]][0, 0, 24] [2, 5, 12] [1, 1, 1]
// CHECK: call @dl_attention_strided_bwd_f32({{.*}}, %c180_i64, %c4_i64, %c36_i64, %c180_i64, %c4_i64, %c36_i64, %c180_i64, %c4_i64, %c36_i64)
// CHECK: %[[RESULT:.*]] = bufferization.to_tensor %[[DQKV]]
// CHECK: return %[[RESULT]]
func.func @attention_joined(%qkv: tensor<2x5x3x12xf32>, %da: tensor<2x5x3x4xf32>) -> tensor<2x5x36xf32> {
  %q0, %k0, %v0 = dl.split %qkv {axis = 3 : i64, sizes = array<i64: 4, 4, 4>} : tensor<2x5x3x12xf32>
  %q = dl.transpose %q0 {permutation = array<i64: 0, 2, 1, 3>} : tensor<2x5x3x4xf32>
  %k = dl.transpose %k0 {permutation = array<i64: 0, 2, 1, 3>} : tensor<2x5x3x4xf32>
  %v = dl.transpose %v0 {permutation = array<i64: 0, 2, 1, 3>} : tensor<2x5x3x4xf32>
  %o, %lse = dl.attention %q, %k, %v {causal} : tensor<2x3x5x4xf32>, tensor<2x3x5x4xf32>, tensor<2x3x5x4xf32>
  %do = dl.transpose %da {permutation = array<i64: 0, 2, 1, 3>} : tensor<2x5x3x4xf32>
  %dq, %dk, %dv = dl.attention_grad %q, %k, %v, %o, %lse, %do {causal} : tensor<2x3x5x4xf32>, tensor<2x3x5x4xf32>, tensor<2x3x5x4xf32>, tensor<2x3x5x4xf32>, tensor<2x3x5xf32>, tensor<2x3x5x4xf32>
  %dq0 = dl.transpose %dq {permutation = array<i64: 0, 2, 1, 3>} : tensor<2x3x5x4xf32>
  %dq1 = dl.reshape %dq0 : tensor<2x5x3x4xf32> -> tensor<2x5x12xf32>
  %dk0 = dl.transpose %dk {permutation = array<i64: 0, 2, 1, 3>} : tensor<2x3x5x4xf32>
  %dk1 = dl.reshape %dk0 : tensor<2x5x3x4xf32> -> tensor<2x5x12xf32>
  %dv0 = dl.transpose %dv {permutation = array<i64: 0, 2, 1, 3>} : tensor<2x3x5x4xf32>
  %dv1 = dl.reshape %dv0 : tensor<2x5x3x4xf32> -> tensor<2x5x12xf32>
  %dqkv = dl.concat %dk1, %dq1, %dv1 {axis = 2 : i64} : tensor<2x5x12xf32>, tensor<2x5x12xf32>, tensor<2x5x12xf32>
  return %dqkv : tensor<2x5x36xf32>
}
