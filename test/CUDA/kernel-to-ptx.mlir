// RUN: dlcc-opt %s --dl-linalg-to-gpu --gpu-launch-sink-index-computations --gpu-kernel-outlining \
// RUN:   --nvvm-attach-target="chip=sm_80 features=+ptx80" \
// RUN: | dlcc-opt --pass-pipeline="builtin.module(gpu.module(expand-strided-metadata,lower-affine,convert-scf-to-cf,convert-gpu-to-nvvm),reconcile-unrealized-casts,gpu-module-to-binary{format=isa})" \
// RUN:   | FileCheck %s

// REQUIRES: cuda

// A mapped kernel in PTX: each thread starts at ctaid.x * ntid.x + tid.x
// and strides by nctaid.x * ntid.x (the grid-stride loop); the host launches
// it by name from the binary @dl_kernels. exp and log come from the CUDA
// toolkit's libdevice.
// CHECK: gpu.launch_func @dl_kernels::@softplus_kernel_0
// CHECK: gpu.binary @dl_kernels
// CHECK-SAME: .target sm_80
// CHECK-SAME: .visible .entry softplus_kernel_0(
// CHECK-SAME: %nctaid.x
// CHECK-SAME: %ntid.x
// CHECK-SAME: %ctaid.x
// CHECK-SAME: %tid.x
func.func @softplus(%x: memref<64x1000xf32>, %y: memref<64x1000xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<64x1000xf32>) outs(%y : memref<64x1000xf32>) {
  ^bb0(%a: f32, %b: f32):
    %e = math.exp %a : f32
    %one = arith.constant 1.0 : f32
    %s = arith.addf %e, %one : f32
    %l = math.log %s : f32
    linalg.yield %l : f32
  }
  return
}
