// RUN: dlcc-opt --split-input-file --convert-dl-to-cuda-kernels %s | FileCheck %s

// The loss: the labels checked, the logits read in place as [rows, C],
// fresh buffers for what the kernels write, the loss as the result.
// CHECK: func.func private @dlrt_cuda_softmax_xent(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, f32, i64)
// CHECK: @dl_message_0("cross_entropy: label out of range\00")
// CHECK-LABEL: func.func @loss
// CHECK-DAG: %[[IGNORE:.*]] = arith.constant -1 : i64
// CHECK-DAG: %[[SMOOTHING:.*]] = arith.constant 1.000000e-01 : f32
// CHECK-DAG: %[[C10:.*]] = arith.constant 10 : i64
// CHECK-DAG: %[[C6:.*]] = arith.constant 6 : i64
// CHECK: scf.if
// CHECK: call @dlrt_fail
// CHECK: %[[LOGITS:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<6x10xf32> to memref<6x10xf32>
// CHECK: %[[LABELS:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<6xi32> to memref<6xi32>
// CHECK-COUNT-3: memref.alloc() : memref<6xf32>
// CHECK: memref.alloc() : memref<i32>
// CHECK: %[[LOSS:.*]] = memref.alloc() : memref<f32>
// CHECK: memref.alloc() : memref<f32>
// CHECK: call @dlrt_cuda_softmax_xent(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[C6]], %[[C10]], %[[SMOOTHING]], %[[IGNORE]])
// CHECK: %[[RESULT:.*]] = bufferization.to_tensor %[[LOSS]] restrict writable
// CHECK: return %[[RESULT]]
func.func @loss(%l: tensor<2x3x10xf32>, %y: tensor<2x3xi32>) -> tensor<f32> {
  %r = dl.cross_entropy %l, %y {label_smoothing = 0.1 : f64, ignore_index = -1 : i64} : tensor<2x3x10xf32>, tensor<2x3xi32>
  return %r : tensor<f32>
}

// -----

// The gradient: the seed read from its buffer, the gradient written into a
// fresh one and given the logits' shape back.
// CHECK-LABEL: func.func @gradient
// CHECK: %[[SEED:.*]] = bufferization.to_buffer %arg2 read_only : tensor<f32> to memref<f32>
// CHECK: %[[GRAD:.*]] = memref.alloc() : memref<6x10xf32>
// CHECK: call @dlrt_cuda_softmax_xent_grad(
// CHECK: bufferization.to_tensor %[[GRAD]] restrict writable : memref<6x10xf32>
// CHECK: tensor.expand_shape {{.*}} into tensor<2x3x10xf32>
func.func @gradient(%l: tensor<2x3x10xf32>, %y: tensor<2x3xi32>, %g: tensor<f32>) -> tensor<2x3x10xf32> {
  %r = dl.cross_entropy_grad %l, %y, %g : tensor<2x3x10xf32>, tensor<2x3xi32>, tensor<f32>
  return %r : tensor<2x3x10xf32>
}

// -----

// i64 labels and f16 logits have no kernel: the op stays for
// convert-dl-to-linalg.
// CHECK-LABEL: func.func @no_kernel
// CHECK: dl.cross_entropy %{{.*}}, %{{.*}} : tensor<4x10xf32>, tensor<4xi64>
// CHECK: dl.cross_entropy %{{.*}}, %{{.*}} : tensor<4x10xf16>, tensor<4xi32>
// CHECK-NOT: call
func.func @no_kernel(%l: tensor<4x10xf32>, %y: tensor<4xi64>, %h: tensor<4x10xf16>, %z: tensor<4xi32>) -> (tensor<f32>, tensor<f16>) {
  %r = dl.cross_entropy %l, %y : tensor<4x10xf32>, tensor<4xi64>
  %s = dl.cross_entropy %h, %z : tensor<4x10xf16>, tensor<4xi32>
  return %r, %s : tensor<f32>, tensor<f16>
}

// -----

// An AdamW update: every operand read in place, the new param and moments
// written into fresh buffers, the element count last.
// CHECK-LABEL: func.func @adamw
// CHECK: %[[N:.*]] = arith.constant 32 : i64
// CHECK-COUNT-10: bufferization.to_buffer {{.*}} read_only
// CHECK-COUNT-3: memref.alloc() : memref<4x8xf32>
// CHECK: call @dlrt_cuda_adamw({{(%[0-9]+, )+}}%[[N]]) : (!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64) -> ()
// CHECK-COUNT-3: bufferization.to_tensor {{.*}} restrict writable : memref<4x8xf32>
func.func @adamw(%p: tensor<4x8xf32>, %g: tensor<4x8xf32>, %m: tensor<4x8xf32>, %v: tensor<4x8xf32>,
                 %lr: tensor<f32>, %wd: tensor<f32>, %b1: tensor<f32>, %b2: tensor<f32>, %eps: tensor<f32>,
                 %t: tensor<i64>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %p2, %m2, %v2 = dl.adamw_update %p, %g, %m, %v hypers(%lr, %wd, %b1, %b2, %eps) step %t : tensor<4x8xf32>
  return %p2, %m2, %v2 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// A constant operand would be a global in host memory, which the kernel
// cannot read: autodiff's seed of 1 is filled into a buffer of its own.
// CHECK-LABEL: func.func @constant_seed
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[SEED:.*]] = linalg.fill ins(%[[ONE]] : f32) outs(%{{.*}} : tensor<f32>) -> tensor<f32>
// CHECK: bufferization.to_buffer %[[SEED]] read_only
// CHECK: call @dlrt_cuda_softmax_xent_grad
func.func @constant_seed(%l: tensor<4x10xf32>, %y: tensor<4xi32>) -> tensor<4x10xf32> {
  %g = arith.constant dense<1.0> : tensor<f32>
  %r = dl.cross_entropy_grad %l, %y, %g : tensor<4x10xf32>, tensor<4xi32>, tensor<f32>
  return %r : tensor<4x10xf32>
}
