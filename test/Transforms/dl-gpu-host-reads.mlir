// RUN: dlcc-opt --split-input-file --verify-diagnostics --dl-gpu-host-reads %s | FileCheck %s

// A host read of an arena scalar (a dropout seed) becomes a copy from the
// device into a host slot, through the runtime; reads of host memory stay.
// CHECK-LABEL: func.func @step
// CHECK: %[[HOST:.*]] = memref.alloca() : memref<i64>
// CHECK: %[[VIEW:.*]] = memref.view
// CHECK: %[[SLOT:.*]] = memref.alloca() : memref<i64>
// CHECK: %[[C8:.*]] = arith.constant 8 : i64
// CHECK: memref.extract_aligned_pointer_as_index %[[SLOT]]
// CHECK: memref.extract_aligned_pointer_as_index %[[VIEW]]
// CHECK: call @dlrt_cuda_read(%{{.*}}, %{{.*}}, %[[C8]]) : (!llvm.ptr, !llvm.ptr, i64) -> ()
// CHECK: %[[SEED:.*]] = memref.load %[[SLOT]][] : memref<i64>
// CHECK: memref.load %[[HOST]][] : memref<i64>
// CHECK: arith.addi %[[SEED]]
// CHECK: func.func private @dlrt_cuda_read(!llvm.ptr, !llvm.ptr, i64)
func.func @step(%arena: memref<256xi8>) -> i64 {
  %host = memref.alloca() : memref<i64>
  %c64 = arith.constant 64 : index
  %view = memref.view %arena[%c64][] : memref<256xi8> to memref<i64>
  %seed = memref.load %view[] : memref<i64>
  %other = memref.load %host[] : memref<i64>
  %sum = arith.addi %seed, %other : i64
  return %sum : i64
}

// -----

// An element of a vector in the arena: its address counts the index.
// CHECK-LABEL: func.func @element
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: arith.muli %{{.*}}, %[[C4]] : index
// CHECK: call @dlrt_cuda_read
func.func @element(%arena: memref<256xi8>, %i: index) -> f32 {
  %c0 = arith.constant 0 : index
  %view = memref.view %arena[%c0][] : memref<256xi8> to memref<16xf32>
  %x = memref.load %view[%i] : memref<16xf32>
  return %x : f32
}

// -----

// The host must never write device memory.
func.func @store(%arena: memref<256xi8>, %x: f32) {
  %c0 = arith.constant 0 : index
  %view = memref.view %arena[%c0][] : memref<256xi8> to memref<f32>
  // expected-error @+1 {{host code would write device memory; this op cannot run on a CUDA target yet}}
  memref.store %x, %view[] : memref<f32>
  return
}
