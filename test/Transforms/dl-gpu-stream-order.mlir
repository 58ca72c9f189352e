// RUN: dlcc-opt --dl-gpu-stream-order %s | FileCheck %s

// Every launch of a step goes on the stream named at the entry, in program
// order; the step waits for the stream before it returns, on every path.
module attributes {gpu.container_module} {
  gpu.module @dl_kernels {
    gpu.func @k(%a: memref<4xf32>) kernel {
      gpu.return
    }
  }
  func.func private @gemm(!llvm.ptr)

  // CHECK-LABEL: func.func @step
  // CHECK: %[[STREAM:.*]] = gpu.wait async
  // CHECK: gpu.launch_func async [%[[STREAM]]] @dl_kernels::@k
  // CHECK: call @gemm
  // CHECK: gpu.launch_func async [%[[STREAM]]] @dl_kernels::@k
  // CHECK: gpu.wait [%[[STREAM]]]
  // CHECK-NEXT: return
  // CHECK: gpu.wait [%[[STREAM]]]
  // CHECK-NEXT: return
  func.func @step(%a: memref<4xf32>, %p: !llvm.ptr, %early: i1) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @dl_kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<4xf32>)
    func.call @gemm(%p) : (!llvm.ptr) -> ()
    gpu.launch_func @dl_kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<4xf32>)
    cf.cond_br %early, ^done, ^more
  ^done:
    return
  ^more:
    return
  }

  // A function that launches nothing gets no stream.
  // CHECK-LABEL: func.func @host_only
  // CHECK-NOT: gpu.wait
  // CHECK: return
  func.func @host_only() {
    return
  }
}
