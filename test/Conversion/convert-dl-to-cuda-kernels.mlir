// RUN: dlcc-opt --split-input-file --convert-dl-to-cuda-kernels --verify-diagnostics %s | FileCheck %s

// The loss: the labels checked, fresh buffers for what the kernels write,
// then, right before the call, the logits read in place as [rows, C] (each
// read distinct, so that CSE cannot move it to another kernel's), the loss
// as the result.
// CHECK: func.func private @dlrt_cuda_softmax_xent(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, f32, i64)
// CHECK: @dl_message_0("cross_entropy: label out of range\00")
// CHECK-LABEL: func.func @loss
// CHECK-DAG: %[[IGNORE:.*]] = arith.constant -1 : i64
// CHECK-DAG: %[[SMOOTHING:.*]] = arith.constant 1.000000e-01 : f32
// CHECK-DAG: %[[C10:.*]] = arith.constant 10 : i64
// CHECK-DAG: %[[C6:.*]] = arith.constant 6 : i64
// CHECK: scf.if
// CHECK: call @dlrt_fail
// CHECK-COUNT-3: memref.alloc() : memref<6xf32>
// CHECK: memref.alloc() : memref<i32>
// CHECK: %[[LOSS:.*]] = memref.alloc() : memref<f32>
// CHECK: memref.alloc() : memref<f32>
// CHECK: bufferization.to_buffer %{{.*}} read_only {dl.kernel_read = distinct[{{[0-9]+}}]<>} : tensor<6x10xf32> to memref<6x10xf32>
// CHECK: bufferization.to_buffer %{{.*}} read_only {dl.kernel_read = distinct[{{[0-9]+}}]<>} : tensor<6xi32> to memref<6xi32>
// CHECK-NOT: linalg
// CHECK: call @dlrt_cuda_softmax_xent(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[C6]], %[[C10]], %[[SMOOTHING]], %[[IGNORE]])
// CHECK: %[[RESULT:.*]] = bufferization.to_tensor %[[LOSS]] restrict :
// CHECK: return %[[RESULT]]
func.func @loss(%l: tensor<2x3x10xf32>, %y: tensor<2x3xi32>) -> tensor<f32> {
  %r = dl.cross_entropy %l, %y {label_smoothing = 0.1 : f64, ignore_index = -1 : i64} : tensor<2x3x10xf32>, tensor<2x3xi32>
  return %r : tensor<f32>
}

// -----

// The gradient: the seed read from its buffer, the gradient written into a
// fresh one and given the logits' shape back.
// CHECK-LABEL: func.func @gradient
// CHECK: %[[GRAD:.*]] = memref.alloc() : memref<6x10xf32>
// CHECK: bufferization.to_buffer %arg2 read_only {{.*}} : tensor<f32> to memref<f32>
// CHECK: call @dlrt_cuda_softmax_xent_grad(
// CHECK: bufferization.to_tensor %[[GRAD]] restrict : memref<6x10xf32>
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

// An AdamW update: one call for every parameter with a table of their
// addresses (a row of 7 addresses and the element count each, as on the
// CPU; the runtime puts up to 48 rows in a launch's parameters), the new
// params and moments in fresh buffers where they are not stored back in
// place; the results in the op's order (params, exp_avgs, exp_avg_sqs).
// CHECK: func.func private @dlrt_cuda_adamw_all(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64)
// CHECK-LABEL: func.func @adamw
// CHECK-DAG: %[[N:.*]] = arith.constant 32 : i64
// CHECK-DAG: %[[N2:.*]] = arith.constant 8 : i64
// CHECK-DAG: %[[TWO:.*]] = arith.constant 2 : i64
// CHECK-COUNT-3: memref.alloc() : memref<4x8xf32>
// CHECK-COUNT-3: memref.alloc() : memref<8xf32>
// CHECK: %[[TABLE:.*]] = memref.alloca() : memref<2x8xi64>
// CHECK: memref.store %[[N]], %[[TABLE]][%c0, %c7]
// CHECK: memref.store %[[N2]], %[[TABLE]][%c1, %c7]
// CHECK-NOT: call @dlrt_cuda_adamw_all
// CHECK: call @dlrt_cuda_adamw_all({{(%[0-9]+, )+}}%[[TWO]]) : (!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64) -> ()
// CHECK-NOT: call @dlrt_cuda_adamw_all
// CHECK: %[[P2:.*]] = bufferization.to_tensor {{.*}} restrict : memref<4x8xf32>
// CHECK: %[[M2:.*]] = bufferization.to_tensor {{.*}} restrict : memref<4x8xf32>
// CHECK: %[[V3:.*]] = bufferization.to_tensor {{.*}} restrict : memref<8xf32>
// CHECK: return %[[P2]], %[[M2]], %[[V3]]
func.func @adamw(%p: tensor<4x8xf32>, %g: tensor<4x8xf32>, %m: tensor<4x8xf32>, %v: tensor<4x8xf32>,
                 %q: tensor<8xf32>, %lr: tensor<f32>, %wd: tensor<f32>, %b1: tensor<f32>, %b2: tensor<f32>, %eps: tensor<f32>,
                 %t: tensor<i64>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<8xf32>) {
  %p2:2, %m2:2, %v2:2 = dl.adamw_update (%p, %g, %m, %v : tensor<4x8xf32>), (%q, %q, %q, %q : tensor<8xf32>) hypers(%lr, %wd, %b1, %b2, %eps) step %t
  return %p2#0, %m2#0, %v2#1 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<8xf32>
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

// -----

// Attention calls the flash kernels; the backward reads the forward's
// output and row log-sum-exps, which no op may write in place (their
// reads by address are invisible to bufferization once canonicalization
// folds to_buffer(to_tensor)).
// CHECK-LABEL: func.func @attention
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<4x8x16xf32>
// CHECK: %[[LSE:.*]] = memref.alloc() : memref<4x8xf32>
// CHECK-COUNT-3: bufferization.to_buffer
// CHECK: call @dlrt_cuda_attention_fwd_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c4_i64, %c8_i64, %c8_i64, %c16_i64, %c16_i64, %{{.*}}, %c1_i64, %c0_i64)
// CHECK: bufferization.to_tensor %[[OUT]] restrict :
// CHECK: memref.extract_aligned_pointer_as_index %[[LSE]]
// CHECK: call @dlrt_cuda_attention_bwd_f32
func.func @attention(%q: tensor<2x2x8x16xf32>, %d: tensor<2x2x8x16xf32>) -> (tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>) {
  %o, %lse = dl.attention %q, %q, %q {causal} : tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>
  %dq, %dk, %dv = dl.attention_grad %q, %q, %q, %o, %lse, %d {causal} : tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8xf32>, tensor<2x2x8x16xf32>
  return %o, %dq : tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>
}

// -----

// Attention in f64, or with heads wider than 128, has no CUDA kernel.
func.func @attention_f64(%q: tensor<8x16xf64>) -> tensor<8x16xf64> {
  // expected-error @+1 {{attention in f64 has no CUDA kernel; it is not supported on --target=cuda yet}}
  %o, %lse = dl.attention %q, %q, %q : tensor<8x16xf64>, tensor<8x16xf64>, tensor<8x16xf64>
  return %o : tensor<8x16xf64>
}
