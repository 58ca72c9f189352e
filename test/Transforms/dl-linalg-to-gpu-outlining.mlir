// RUN: dlcc-opt --dl-linalg-to-gpu --gpu-launch-sink-index-computations --gpu-kernel-outlining %s | FileCheck %s

// Outlined, the kernels of every function land in the one module
// @dl_kernels, each launched by name with its buffers as its only arguments
// (constants are sunk into the kernels).
// CHECK: module attributes {gpu.container_module}
// CHECK-LABEL: func.func @step
// CHECK: gpu.launch_func @dl_kernels::@step_kernel_0 blocks in
// CHECK-SAME: args(%{{[a-z0-9_]+}} : memref<4x8xf32>, %{{[a-z0-9_]+}} : memref<4x8xf32>){{$}}
// CHECK: gpu.launch_func @dl_kernels::@step_kernel_1
// CHECK: gpu.module @dl_kernels
// CHECK: gpu.func @step_kernel_0(%{{.*}}: memref<4x8xf32>, %{{.*}}: memref<4x8xf32>) kernel
// CHECK: gpu.func @step_kernel_1(%{{.*}}: memref<4x8xf32>, %{{.*}}: memref<8xf32>) kernel
// CHECK: gpu.func @other_kernel_0(%{{.*}}: memref<8xf32>, %{{.*}}: memref<8xf32>) kernel
// CHECK-NOT: gpu.module
// CHECK-LABEL: func.func @other
// CHECK: gpu.launch_func @dl_kernels::@other_kernel_0
func.func @step(%x: memref<4x8xf32>, %y: memref<4x8xf32>, %s: memref<8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<4x8xf32>) outs(%y : memref<4x8xf32>) {
  ^bb0(%a: f32, %b: f32):
    %e = math.tanh %a : f32
    linalg.yield %e : f32
  }
  linalg.reduce ins(%y : memref<4x8xf32>) outs(%s : memref<8xf32>) dimensions = [0]
    (%a: f32, %acc: f32) {
      %m = arith.maximumf %a, %acc : f32
      linalg.yield %m : f32
    }
  return
}

func.func @other(%x: memref<8xf32>, %y: memref<8xf32>) {
  memref.copy %x, %y : memref<8xf32> to memref<8xf32>
  return
}
