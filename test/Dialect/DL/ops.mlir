// RUN: dlcc-opt %s | FileCheck %s
// RUN: dlcc-opt %s | dlcc-opt | FileCheck %s
// RUN: dlcc-opt --mlir-print-op-generic %s | dlcc-opt | FileCheck %s

// Every dl op, printed and parsed back.

// CHECK: dl.parameter @fc.weight : tensor<16x8xf32> = <uniform(-2.500000e-01, 2.500000e-01)>
dl.parameter @"fc.weight" : tensor<16x8xf32> = #dl.init<uniform(-0.25, 0.25)>
// CHECK: dl.parameter @fc.bias : tensor<16xf32> = <normal(0.000000e+00, 2.000000e-02)> frozen
dl.parameter @"fc.bias" : tensor<16xf32> = #dl.init<normal(0.0, 0.02)> frozen
// CHECK: dl.parameter @bn.running_mean : tensor<16xf32> = <constant(0.000000e+00)> buffer
dl.parameter @"bn.running_mean" : tensor<16xf32> = #dl.init<constant(0.0)> buffer
// CHECK: dl.parameter @fc.weight.exp_avg : tensor<16x8xf32> = <constant(0.000000e+00)> state
dl.parameter @"fc.weight.exp_avg" : tensor<16x8xf32> = #dl.init<constant(0.0)> state

// CHECK-LABEL: func.func @parameters
func.func @parameters(%x: tensor<16xf32>) -> tensor<16x8xf32> {
  // CHECK: dl.param @fc.weight : tensor<16x8xf32>
  %w = dl.param @"fc.weight" : tensor<16x8xf32>
  // CHECK: dl.assign @bn.running_mean, %{{.*}} : tensor<16xf32>
  dl.assign @"bn.running_mean", %x : tensor<16xf32>
  return %w : tensor<16x8xf32>
}

// CHECK-LABEL: func.func @linear_layers
func.func @linear_layers(%x: tensor<4x8xf32>, %w: tensor<16x8xf32>,
                         %b: tensor<16xf32>, %a: tensor<2x4x8xf32>,
                         %m: tensor<8x3xf32>, %img: tensor<2x1x6x6xf32>,
                         %k: tensor<3x1x3x3xf32>, %kb: tensor<3xf32>,
                         %ids: tensor<2x5xi32>, %table: tensor<10x4xf32>) {
  // CHECK: dl.linear %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<16x8xf32>, tensor<16xf32>
  %0 = dl.linear %x, %w, %b : tensor<4x8xf32>, tensor<16x8xf32>, tensor<16xf32>
  // CHECK: dl.linear %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<16x8xf32>
  %1 = dl.linear %x, %w : tensor<4x8xf32>, tensor<16x8xf32>
  // CHECK: dl.matmul %{{.*}}, %{{.*}} : tensor<2x4x8xf32>, tensor<8x3xf32>
  %2 = dl.matmul %a, %m : tensor<2x4x8xf32>, tensor<8x3xf32>
  // CHECK: dl.conv2d %{{.*}} {padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<2x1x6x6xf32>, tensor<3x1x3x3xf32>, tensor<3xf32>
  %3 = dl.conv2d %img, %k, %kb {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : tensor<2x1x6x6xf32>, tensor<3x1x3x3xf32>, tensor<3xf32>
  // CHECK: dl.conv2d %{{.*}}, %{{.*}} : tensor<2x1x6x6xf32>, tensor<3x1x3x3xf32>
  %4 = dl.conv2d %img, %k : tensor<2x1x6x6xf32>, tensor<3x1x3x3xf32>
  // CHECK: dl.embedding %{{.*}}, %{{.*}} : tensor<2x5xi32>, tensor<10x4xf32>
  %5 = dl.embedding %ids, %table : tensor<2x5xi32>, tensor<10x4xf32>
  return
}

// CHECK-LABEL: func.func @norms
func.func @norms(%x: tensor<4x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>,
                 %img: tensor<2x3x4x4xf32>, %c: tensor<3xf32>) {
  // CHECK: dl.layernorm %{{.*}} {eps = 9.9999999999999995E-7 : f64} : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>
  %0 = dl.layernorm %x, %g, %b {eps = 1.0e-6 : f64} : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>
  // CHECK: dl.rmsnorm %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<8xf32>
  %1 = dl.rmsnorm %x, %g : tensor<4x8xf32>, tensor<8xf32>
  // CHECK: dl.batchnorm %{{.*}} {training} : tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  %2:3 = dl.batchnorm %img, %c, %c, %c, %c {training} : tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
  // CHECK: dl.batchnorm_grad %{{.*}}, %{{.*}}, %{{.*}} {eps = 1.000000e-03 : f64} : tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<2x3x4x4xf32>
  %3:3 = dl.batchnorm_grad %img, %c, %img {eps = 1.0e-3 : f64} : tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<2x3x4x4xf32>
  // CHECK: dl.layernorm_grad %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<8xf32>, tensor<4x8xf32>
  %4:3 = dl.layernorm_grad %x, %g, %x : tensor<4x8xf32>, tensor<8xf32>, tensor<4x8xf32>
  return
}

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%x: tensor<4x8xf32>, %y: tensor<8xf32>, %s: tensor<f32>) {
  // CHECK: dl.relu
  %0 = dl.relu %x : tensor<4x8xf32>
  // CHECK: dl.gelu %{{.*}} : tensor<4x8xf32>
  %1 = dl.gelu %x : tensor<4x8xf32>
  // CHECK: dl.gelu %{{.*}} {approximate = #dl<gelu_approximation tanh>} : tensor<4x8xf32>
  %2 = dl.gelu %x {approximate = #dl<gelu_approximation tanh>} : tensor<4x8xf32>
  // CHECK: dl.silu
  %3 = dl.silu %x : tensor<4x8xf32>
  // CHECK: dl.sigmoid
  %4 = dl.sigmoid %x : tensor<4x8xf32>
  // CHECK: dl.tanh
  %5 = dl.tanh %x : tensor<4x8xf32>
  // CHECK: dl.exp
  %6 = dl.exp %x : tensor<4x8xf32>
  // CHECK: dl.log
  %7 = dl.log %x : tensor<4x8xf32>
  // CHECK: dl.sqrt
  %8 = dl.sqrt %x : tensor<4x8xf32>
  // CHECK: dl.rsqrt
  %9 = dl.rsqrt %x : tensor<4x8xf32>
  // CHECK: dl.abs
  %10 = dl.abs %x : tensor<4x8xf32>
  // CHECK: dl.neg
  %11 = dl.neg %x : tensor<4x8xf32>
  // CHECK: dl.add %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<8xf32>
  %12 = dl.add %x, %y : tensor<4x8xf32>, tensor<8xf32>
  // CHECK: dl.sub
  %13 = dl.sub %x, %s : tensor<4x8xf32>, tensor<f32>
  // CHECK: dl.mul
  %14 = dl.mul %x, %y : tensor<4x8xf32>, tensor<8xf32>
  // CHECK: dl.div
  %15 = dl.div %x, %s : tensor<4x8xf32>, tensor<f32>
  // CHECK: dl.maximum
  %16 = dl.maximum %x, %y : tensor<4x8xf32>, tensor<8xf32>
  // CHECK: dl.minimum
  %17 = dl.minimum %x, %y : tensor<4x8xf32>, tensor<8xf32>
  // CHECK: dl.pow
  %18 = dl.pow %x, %s : tensor<4x8xf32>, tensor<f32>
  // CHECK: dl.compare gt, %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<f32>
  %19 = dl.compare gt, %x, %s : tensor<4x8xf32>, tensor<f32>
  // CHECK: dl.where %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x8xi1>, tensor<4x8xf32>, tensor<f32>
  %20 = dl.where %19, %x, %s : tensor<4x8xi1>, tensor<4x8xf32>, tensor<f32>
  // CHECK: dl.cast %{{.*}} : tensor<4x8xf32> -> tensor<4x8xbf16>
  %21 = dl.cast %x : tensor<4x8xf32> -> tensor<4x8xbf16>
  return
}

// CHECK-LABEL: func.func @softmax_dropout_attention
func.func @softmax_dropout_attention(%x: tensor<4x10xf32>,
    %q: tensor<2x3x5x8xf32>, %mask: tensor<5x5xf32>, %seed: tensor<i64>,
    %step: tensor<i64>) {
  // CHECK: dl.softmax %{{.*}} : tensor<4x10xf32>
  %0 = dl.softmax %x : tensor<4x10xf32>
  // CHECK: dl.softmax %{{.*}} {axis = 0 : i64} : tensor<4x10xf32>
  %1 = dl.softmax %x {axis = 0 : i64} : tensor<4x10xf32>
  // CHECK: dl.log_softmax
  %2 = dl.log_softmax %x : tensor<4x10xf32>
  // CHECK: dl.dropout %{{.*}} {key = 3 : i64, rate = 1.000000e-01 : f64} : tensor<4x10xf32>
  %3 = dl.dropout %x {rate = 0.1 : f64, key = 3 : i64} : tensor<4x10xf32>
  // CHECK: dl.dropout %{{.*}}[%{{.*}}, %{{.*}}] {key = 4 : i64, rate = 1.000000e-01 : f64} : tensor<4x10xf32>
  %6 = dl.dropout %x [%seed, %step] {rate = 0.1 : f64, key = 4 : i64} : tensor<4x10xf32>
  // CHECK: %{{.*}}, %[[LSE:.*]] = dl.attention %{{.*}}, %{{.*}}, %{{.*}} {causal} : tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32>
  %4, %lse = dl.attention %q, %q, %q {causal} : tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32>
  // CHECK: dl.attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {scale = 2.500000e-01 : f64} : tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32>, tensor<5x5xf32>
  %5:2 = dl.attention %q, %q, %q, %mask {scale = 0.25 : f64} : tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32>, tensor<5x5xf32>
  // CHECK: dl.attention_grad %{{.*}}, %[[LSE]], %{{.*}} {causal} : tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32>, tensor<2x3x5xf32>, tensor<2x3x5x8xf32>
  %7:3 = dl.attention_grad %q, %q, %q, %4, %lse, %4 {causal} : tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32>, tensor<2x3x5x8xf32>, tensor<2x3x5xf32>, tensor<2x3x5x8xf32>
  return
}

// CHECK-LABEL: func.func @shapes
func.func @shapes(%x: tensor<2x3x12xf32>, %y: tensor<2x3x4xf32>, %ids: tensor<6xi32>) {
  // CHECK: dl.reshape %{{.*}} : tensor<2x3x12xf32> -> tensor<6x12xf32>
  %0 = dl.reshape %x : tensor<2x3x12xf32> -> tensor<6x12xf32>
  // CHECK: dl.broadcast %{{.*}} : tensor<2x3x4xf32> -> tensor<5x2x3x4xf32>
  %1 = dl.broadcast %y : tensor<2x3x4xf32> -> tensor<5x2x3x4xf32>
  // CHECK: dl.transpose %{{.*}} {permutation = array<i64: 0, 2, 1>} : tensor<2x3x12xf32>
  %2 = dl.transpose %x {permutation = array<i64: 0, 2, 1>} : tensor<2x3x12xf32>
  // CHECK: dl.split %{{.*}} {axis = 2 : i64, sizes = array<i64: 4, 4, 4>} : tensor<2x3x12xf32>
  %3:3 = dl.split %x {axis = 2 : i64, sizes = array<i64: 4, 4, 4>} : tensor<2x3x12xf32>
  // CHECK: dl.concat %{{.*}}, %{{.*}} {axis = -1 : i64} : tensor<2x3x12xf32>, tensor<2x3x4xf32>
  %4 = dl.concat %x, %y {axis = -1 : i64} : tensor<2x3x12xf32>, tensor<2x3x4xf32>
  // CHECK: dl.slice %{{.*}} {limits = array<i64: 2, 3, 12>, starts = array<i64: 0, 1, 0>, strides = array<i64: 1, 1, 3>} : tensor<2x3x12xf32>
  %5 = dl.slice %x {starts = array<i64: 0, 1, 0>, limits = array<i64: 2, 3, 12>, strides = array<i64: 1, 1, 3>} : tensor<2x3x12xf32>
  // CHECK: dl.positions : tensor<128xi32>
  %6 = dl.positions : tensor<128xi32>
  // CHECK: dl.causal_mask : tensor<5x5xf32>
  %7 = dl.causal_mask : tensor<5x5xf32>
  // CHECK: dl.one_hot %{{.*}} : tensor<6xi32> -> tensor<6x10xf32>
  %8 = dl.one_hot %ids : tensor<6xi32> -> tensor<6x10xf32>
  return
}

// CHECK-LABEL: func.func @reductions_and_pooling
func.func @reductions_and_pooling(%x: tensor<4x8xf32>, %img: tensor<2x3x8x8xf32>) {
  // CHECK: dl.sum %{{.*}} : tensor<4x8xf32>
  %0 = dl.sum %x : tensor<4x8xf32>
  // CHECK: dl.mean %{{.*}} {axes = array<i64: 1>, keepdim} : tensor<4x8xf32>
  %1 = dl.mean %x {axes = array<i64: 1>, keepdim} : tensor<4x8xf32>
  // CHECK: dl.max %{{.*}} {axes = array<i64: -1>} : tensor<4x8xf32>
  %2 = dl.max %x {axes = array<i64: -1>} : tensor<4x8xf32>
  // CHECK: dl.maxpool2d %{{.*}} {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<2x3x8x8xf32>
  %3 = dl.maxpool2d %img {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<2x3x8x8xf32>
  // CHECK: dl.avgpool2d %{{.*}} {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 1, 1>} : tensor<2x3x8x8xf32>
  %4 = dl.avgpool2d %img {kernel = array<i64: 3, 3>, stride = array<i64: 1, 1>, padding = array<i64: 1, 1>} : tensor<2x3x8x8xf32>
  return
}

// CHECK-LABEL: func.func @losses_and_metrics
func.func @losses_and_metrics(%logits: tensor<4x10xf32>, %labels: tensor<4xi32>,
                              %x: tensor<4x8xf32>, %y: tensor<4x8xf32>) {
  // CHECK: dl.cross_entropy %{{.*}}, %{{.*}} : tensor<4x10xf32>, tensor<4xi32>
  %0 = dl.cross_entropy %logits, %labels : tensor<4x10xf32>, tensor<4xi32>
  // CHECK: dl.cross_entropy %{{.*}}, %{{.*}} {ignore_index = 0 : i64, label_smoothing = 1.000000e-01 : f64}
  %1 = dl.cross_entropy %logits, %labels {label_smoothing = 0.1 : f64, ignore_index = 0 : i64} : tensor<4x10xf32>, tensor<4xi32>
  // CHECK: dl.binary_cross_entropy %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<4x8xf32>
  %2 = dl.binary_cross_entropy %x, %y : tensor<4x8xf32>, tensor<4x8xf32>
  // CHECK: dl.mse
  %3 = dl.mse %x, %y : tensor<4x8xf32>, tensor<4x8xf32>
  // CHECK: dl.l1
  %4 = dl.l1 %x, %y : tensor<4x8xf32>, tensor<4x8xf32>
  // CHECK: dl.contrastive %{{.*}}, %{{.*}} {temperature = 1.000000e-01 : f64} : tensor<4x8xf32>, tensor<4x8xf32>
  %5 = dl.contrastive %x, %y {temperature = 0.1 : f64} : tensor<4x8xf32>, tensor<4x8xf32>
  // CHECK: dl.accuracy %{{.*}}, %{{.*}} : tensor<4x10xf32>, tensor<4xi32>
  %6 = dl.accuracy %logits, %labels : tensor<4x10xf32>, tensor<4xi32>
  return
}

// CHECK-LABEL: func.func @backward
func.func @backward(%img: tensor<2x3x7x7xf32>, %w: tensor<4x3x3x3xf32>,
                    %dconv: tensor<2x4x4x4xf32>, %dpool: tensor<2x3x3x3xf32>,
                    %ids: tensor<2x5xi32>, %demb: tensor<2x5x6xf32>,
                    %dslice: tensor<4x3xf32>, %logits: tensor<4x10xf32>,
                    %labels: tensor<4xi32>, %seed: tensor<f32>) {
  // CHECK: dl.conv2d_grad_input %{{.*}}, %{{.*}} {input_shape = array<i64: 2, 3, 7, 7>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<2x4x4x4xf32>, tensor<4x3x3x3xf32>
  %0 = dl.conv2d_grad_input %dconv, %w {input_shape = array<i64: 2, 3, 7, 7>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : tensor<2x4x4x4xf32>, tensor<4x3x3x3xf32>
  // CHECK: dl.conv2d_grad_weight %{{.*}}, %{{.*}} {kernel = array<i64: 3, 3>, padding = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<2x3x7x7xf32>, tensor<2x4x4x4xf32>
  %1 = dl.conv2d_grad_weight %img, %dconv {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : tensor<2x3x7x7xf32>, tensor<2x4x4x4xf32>
  // CHECK: dl.maxpool2d_grad %{{.*}}, %{{.*}} {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>} : tensor<2x3x7x7xf32>, tensor<2x3x3x3xf32>
  %2 = dl.maxpool2d_grad %img, %dpool {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>} : tensor<2x3x7x7xf32>, tensor<2x3x3x3xf32>
  // CHECK: dl.avgpool2d_grad %{{.*}} {input_shape = array<i64: 2, 3, 7, 7>, kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>} : tensor<2x3x3x3xf32>
  %3 = dl.avgpool2d_grad %dpool {input_shape = array<i64: 2, 3, 7, 7>, kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>} : tensor<2x3x3x3xf32>
  // CHECK: dl.embedding_grad %{{.*}}, %{{.*}} {num_embeddings = 10 : i64} : tensor<2x5xi32>, tensor<2x5x6xf32>
  %4 = dl.embedding_grad %ids, %demb {num_embeddings = 10 : i64} : tensor<2x5xi32>, tensor<2x5x6xf32>
  // CHECK: dl.slice_grad %{{.*}} {input_shape = array<i64: 4, 8>, limits = array<i64: 4, 8>, starts = array<i64: 0, 2>, strides = array<i64: 1, 2>} : tensor<4x3xf32>
  %5 = dl.slice_grad %dslice {input_shape = array<i64: 4, 8>, starts = array<i64: 0, 2>, limits = array<i64: 4, 8>, strides = array<i64: 1, 2>} : tensor<4x3xf32>
  // CHECK: dl.cross_entropy_grad %{{.*}}, %{{.*}}, %{{.*}} {label_smoothing = 1.000000e-01 : f64} : tensor<4x10xf32>, tensor<4xi32>, tensor<f32>
  %6 = dl.cross_entropy_grad %logits, %labels, %seed {label_smoothing = 0.1 : f64} : tensor<4x10xf32>, tensor<4xi32>, tensor<f32>
  return
}

// CHECK-LABEL: func.func @classifier_grad
func.func @classifier_grad(%l: tensor<4x10xf32>, %y: tensor<4xi32>, %s: tensor<f32>, %x: tensor<4x6xf32>, %w: tensor<10x6xf32>) -> (tensor<4x6xf32>, tensor<10x6xf32>, tensor<10xf32>) {
  // CHECK: %input_grad, %weight_grad, %bias_grad = dl.classifier_grad %arg0, %arg1, %arg2, %arg3, %arg4 {label_smoothing = 1.000000e-01 : f64} : tensor<4x10xf32>, tensor<4xi32>, tensor<f32>, tensor<4x6xf32>, tensor<10x6xf32> -> tensor<10xf32>
  %dx, %dw, %db = dl.classifier_grad %l, %y, %s, %x, %w {label_smoothing = 0.1 : f64} : tensor<4x10xf32>, tensor<4xi32>, tensor<f32>, tensor<4x6xf32>, tensor<10x6xf32> -> tensor<10xf32>
  return %dx, %dw, %db : tensor<4x6xf32>, tensor<10x6xf32>, tensor<10xf32>
}

// CHECK-LABEL: func.func @adamw_update
func.func @adamw_update(%p: tensor<4x8xf32>, %g: tensor<4x8xf32>, %m: tensor<4x8xf32>, %v: tensor<4x8xf32>,
                        %q: tensor<8xf32>, %h: tensor<8xf32>, %n: tensor<8xf32>, %w: tensor<8xf32>,
                        %lr: tensor<f32>, %wd: tensor<f32>, %b1: tensor<f32>, %b2: tensor<f32>, %eps: tensor<f32>,
                        %t: tensor<i64>) -> (tensor<4x8xf32>, tensor<8xf32>, tensor<4x8xf32>, tensor<8xf32>) {
  // CHECK: %[[P:.*]]:2, %[[M:.*]]:2, %[[V:.*]]:2 = dl.adamw_update (%arg0, %arg1, %arg2, %arg3 : tensor<4x8xf32>), (%arg4, %arg5, %arg6, %arg7 : tensor<8xf32>) hypers(%arg8, %arg9, %arg10, %arg11, %arg12) step %arg13
  // CHECK: return %[[P]]#0, %[[P]]#1, %[[M]]#0, %[[V]]#1 : tensor<4x8xf32>, tensor<8xf32>, tensor<4x8xf32>, tensor<8xf32>
  %r:6 = dl.adamw_update (%p, %g, %m, %v : tensor<4x8xf32>), (%q, %h, %n, %w : tensor<8xf32>) hypers(%lr, %wd, %b1, %b2, %eps) step %t
  return %r#0, %r#1, %r#2, %r#5 : tensor<4x8xf32>, tensor<8xf32>, tensor<4x8xf32>, tensor<8xf32>
}

// A single parameter.
// CHECK-LABEL: func.func @adamw_update_one
func.func @adamw_update_one(%p: tensor<3xf32>, %s: tensor<f32>, %t: tensor<i64>) -> tensor<3xf32> {
  // CHECK: dl.adamw_update (%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<3xf32>) hypers
  %p2, %m2, %v2 = dl.adamw_update (%p, %p, %p, %p : tensor<3xf32>) hypers(%s, %s, %s, %s, %s) step %t
  return %p2 : tensor<3xf32>
}
