// RUN: dlcc-opt --dl-write-in-place --split-input-file %s | FileCheck %s
// RUN: dlcc-opt --dl-write-in-place --one-shot-bufferize --cse --canonicalize --split-input-file %s | FileCheck %s --check-prefix=BUFFERS

// An optimizer-like update: the new value of a tensor of the arena,
// computed from its old one, is stored back. Its loop gets the tensor
// read from that buffer as destination (made writable); bufferized, it
// writes the buffer in place: no temporary, no copy.
// CHECK-LABEL: func.func @update
// CHECK: %[[OLD:.*]] = bufferization.to_tensor %{{.*}} restrict writable
// CHECK: linalg.generic {{.*}} ins(%[[OLD]], %{{.*}} : tensor<16xf32>, tensor<16xf32>) outs(%[[OLD]] : tensor<16xf32>)
// CHECK-NOT: tensor.empty
// BUFFERS-LABEL: func.func @update
// BUFFERS-NOT: memref.alloc
// BUFFERS-NOT: memref.copy
// BUFFERS: linalg.generic
// BUFFERS-NOT: memref.copy
// BUFFERS: return
func.func @update(%arena: memref<1024xi8>) {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %p = memref.view %arena[%c0][] : memref<1024xi8> to memref<16xf32>
  %g = memref.view %arena[%c64][] : memref<1024xi8> to memref<16xf32>
  %old = bufferization.to_tensor %p restrict : memref<16xf32> to tensor<16xf32>
  %grad = bufferization.to_tensor %g restrict : memref<16xf32> to tensor<16xf32>
  %empty = tensor.empty() : tensor<16xf32>
  %new = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]} ins(%old, %grad : tensor<16xf32>, tensor<16xf32>) outs(%empty : tensor<16xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %d = arith.subf %a, %b : f32
    linalg.yield %d : f32
  } -> tensor<16xf32>
  %dest = memref.view %arena[%c0][] : memref<1024xi8> to memref<16xf32>
  bufferization.materialize_in_destination %new in restrict writable %dest : (tensor<16xf32>, memref<16xf32>) -> ()
  return
}

// -----

// The old value is still read after the update: the destination changes
// all the same, and bufferization keeps the old value in a copy.
// CHECK-LABEL: func.func @read_after
// CHECK: bufferization.to_tensor %{{.*}} restrict writable
// BUFFERS-LABEL: func.func @read_after
// BUFFERS: memref.alloc
// BUFFERS: memref.copy
func.func @read_after(%arena: memref<1024xi8>) {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %p = memref.view %arena[%c0][] : memref<1024xi8> to memref<16xf32>
  %o = memref.view %arena[%c64][] : memref<1024xi8> to memref<16xf32>
  %old = bufferization.to_tensor %p restrict : memref<16xf32> to tensor<16xf32>
  %empty = tensor.empty() : tensor<16xf32>
  %new = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]} ins(%old : tensor<16xf32>) outs(%empty : tensor<16xf32>) {
  ^bb0(%a: f32, %out: f32):
    %d = arith.addf %a, %a : f32
    linalg.yield %d : f32
  } -> tensor<16xf32>
  bufferization.materialize_in_destination %new in restrict writable %p : (tensor<16xf32>, memref<16xf32>) -> ()
  bufferization.materialize_in_destination %old in restrict writable %o : (tensor<16xf32>, memref<16xf32>) -> ()
  return
}

// -----

// Nothing in the function reads the destination buffer (another offset):
// the loop keeps its empty destination.
// CHECK-LABEL: func.func @no_read
// CHECK: bufferization.to_tensor %{{.*}} restrict :
// CHECK: %[[EMPTY:.*]] = tensor.empty()
// CHECK: outs(%[[EMPTY]] : tensor<16xf32>)
func.func @no_read(%arena: memref<1024xi8>) {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %p = memref.view %arena[%c0][] : memref<1024xi8> to memref<16xf32>
  %old = bufferization.to_tensor %p restrict : memref<16xf32> to tensor<16xf32>
  %empty = tensor.empty() : tensor<16xf32>
  %new = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]} ins(%old : tensor<16xf32>) outs(%empty : tensor<16xf32>) {
  ^bb0(%a: f32, %out: f32):
    %d = arith.addf %a, %a : f32
    linalg.yield %d : f32
  } -> tensor<16xf32>
  %dest = memref.view %arena[%c64][] : memref<1024xi8> to memref<16xf32>
  bufferization.materialize_in_destination %new in restrict writable %dest : (tensor<16xf32>, memref<16xf32>) -> ()
  return
}

// -----

// A filled destination that another op reads too: the stored loop gets a
// fill of its own, which becomes the buffer's tensor; bufferization keeps
// the old value the loop reads in a copy.
// CHECK-LABEL: func.func @shared_fill
// CHECK: %[[OLD:.*]] = bufferization.to_tensor %{{.*}} restrict writable
// CHECK: %[[ZEROS:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<16xf32>)
// CHECK: %[[OWN:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[OLD]] : tensor<16xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[OLD]] : tensor<16xf32>) outs(%[[OWN]] : tensor<16xf32>)
// CHECK: bufferization.materialize_in_destination %[[ZEROS]]
// BUFFERS-LABEL: func.func @shared_fill
// BUFFERS: memref.alloc
// BUFFERS: memref.copy
func.func @shared_fill(%arena: memref<1024xi8>) {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  %p = memref.view %arena[%c0][] : memref<1024xi8> to memref<16xf32>
  %o = memref.view %arena[%c64][] : memref<1024xi8> to memref<16xf32>
  %old = bufferization.to_tensor %p restrict : memref<16xf32> to tensor<16xf32>
  %empty = tensor.empty() : tensor<16xf32>
  %zeros = linalg.fill ins(%zero : f32) outs(%empty : tensor<16xf32>) -> tensor<16xf32>
  %new = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]} ins(%old : tensor<16xf32>) outs(%zeros : tensor<16xf32>) {
  ^bb0(%a: f32, %out: f32):
    %d = arith.addf %a, %out : f32
    linalg.yield %d : f32
  } -> tensor<16xf32>
  bufferization.materialize_in_destination %new in restrict writable %p : (tensor<16xf32>, memref<16xf32>) -> ()
  bufferization.materialize_in_destination %zeros in restrict writable %o : (tensor<16xf32>, memref<16xf32>) -> ()
  return
}

// -----

// Two products accumulate into one (CSE-merged) zero fill: each gets a
// fill of its own before it, so that bufferization does not copy the
// zeros for one of them.
// CHECK-LABEL: func.func @shared_zeros
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<4x16xf32>
// CHECK: %[[Z1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E1]] : tensor<4x16xf32>)
// CHECK: linalg.matmul ins({{.*}}) outs(%[[Z1]] : tensor<4x16xf32>)
// CHECK-NEXT: %[[E2:.*]] = tensor.empty() : tensor<4x16xf32>
// CHECK-NEXT: %[[Z2:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E2]] : tensor<4x16xf32>)
// CHECK-NEXT: linalg.matmul ins({{.*}}) outs(%[[Z2]] : tensor<4x16xf32>)
// BUFFERS-LABEL: func.func @shared_zeros
// BUFFERS-NOT: memref.copy
// BUFFERS: return
func.func @shared_zeros(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<8x16xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x16xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  %p = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>) outs(%z : tensor<4x16xf32>) -> tensor<4x16xf32>
  %q = linalg.matmul ins(%a, %c : tensor<4x8xf32>, tensor<8x16xf32>) outs(%z : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %p, %q : tensor<4x16xf32>, tensor<4x16xf32>
}
