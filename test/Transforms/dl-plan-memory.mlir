// RUN: dlcc-opt --split-input-file --dl-plan-memory --verify-diagnostics %s | FileCheck %s

// Three temporaries of 1 KiB: %a dies when %c is made, so %c takes its
// place; %b lives across both. The scratch region (2 KiB) starts after the
// model's tensors (arena_bytes 128), the arena grows to hold it, and the
// descriptor records the plan's figures and where the peak is; the module
// attribute dl.memory_plan every temporary's offset, bytes, live ops and
// class (1: forward scratch), for dlcc --memory-plot.
module {
  llvm.mlir.global external constant @dl_model_json("{\22arena_bytes\22:128,\22model\22:\22m\22}\00") {addr_space = 0 : i32}
  func.func @dl_eval_step(%arena: memref<128xi8>) {
    %cst = arith.constant 1.0 : f32
    %a = memref.alloc() {alignment = 64 : i64} : memref<256xf32>
    linalg.fill ins(%cst : f32) outs(%a : memref<256xf32>)
    %b = memref.alloc() {alignment = 64 : i64} : memref<256xf32>
    linalg.copy ins(%a : memref<256xf32>) outs(%b : memref<256xf32>)
    %c = memref.alloc() {alignment = 64 : i64} : memref<16x16xf32>
    %flat = memref.collapse_shape %c [[0, 1]] : memref<16x16xf32> into memref<256xf32>
    linalg.copy ins(%b : memref<256xf32>) outs(%flat : memref<256xf32>)
    // A view keeps its buffer alive:
    linalg.copy ins(%flat : memref<256xf32>) outs(%b : memref<256xf32>)
    memref.dealloc %a : memref<256xf32>
    return
  }
}
// CHECK: module attributes {dl.memory_plan = {class_names = ["activations", "forward_scratch", "backward", "optimizer"], scratch_offset = 128 : i64, steps = {dl_eval_step = {bytes = array<i64: 1024, 1024, 1024>, class = array<i32: 1, 1, 1>, first = array<i64: 1, 3, 5>, last = array<i64: 4, 8, 8>, offset = array<i64: 0, 1024, 0>, ops = 11 : i64, peak_live_bytes = 2048 : i64, peak_loc = "{{.*}}dl-plan-memory.mlir:16:5", peak_op = "linalg.copy", peak_position = 3 : i64, scratch_bytes = 2048 : i64}}}}
// CHECK: llvm.mlir.global external constant @dl_model_json("{\22arena_bytes\22:2176,\22model\22:\22m\22,\22scratch\22:{\22bytes\22:2048,\22offset\22:128,\22steps\22:{\22dl_eval_step\22:{\22peak_by_class\22:{\22activations\22:0,\22backward\22:0,\22forward_scratch\22:2048,\22optimizer\22:0},\22peak_live_bytes\22:2048,\22peak_loc\22:\22{{.*}}dl-plan-memory.mlir:16:5\22,\22peak_op\22:\22linalg.copy\22,\22peak_stage\22:\22forward\22,\22scratch_bytes\22:2048,\22temporaries\22:3}}}}\00")
// CHECK-LABEL: func.func @dl_eval_step(%{{.*}}: memref<2176xi8>)
// CHECK-NOT: memref.alloc
// CHECK: %[[A:.*]] = memref.view %{{.*}}[%c[[OA:[0-9]+]]][] : memref<2176xi8> to memref<256xf32>
// CHECK: %[[B:.*]] = memref.view %{{.*}}[%c[[OB:[0-9]+]]][] : memref<2176xi8> to memref<256xf32>
// CHECK: %[[C:.*]] = memref.view %{{.*}}[%c[[OA]]{{(_[0-9]+)?}}][] : memref<2176xi8> to memref<16x16xf32>
// CHECK-NOT: memref.dealloc
// CHECK: return

// -----

// A buffer carried by a loop lives as long as the loop's result: %acc is
// copied out after the loop, so %late cannot take its place.
module {
  llvm.mlir.global external constant @dl_model_json("{\22arena_bytes\22:64}\00") {addr_space = 0 : i32}
  func.func @dl_eval_step(%arena: memref<64xi8>) {
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %c1 = arith.constant 1 : index
    %acc = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
    %r = scf.for %i = %c0 to %c2 step %c1 iter_args(%a = %acc) -> (memref<16xf32>) {
      scf.yield %a : memref<16xf32>
    }
    %late = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
    memref.copy %r, %late : memref<16xf32> to memref<16xf32>
    return
  }
}
// CHECK-LABEL: func.func @dl_eval_step(%{{.*}}: memref<192xi8>)
// CHECK: memref.view %{{.*}}[%c64][] : memref<192xi8> to memref<16xf32>
// CHECK: scf.for
// CHECK: memref.view %{{.*}}[%c128][] : memref<192xi8> to memref<16xf32>

// -----

// A buffer inside a loop is not planned (it stays an allocation).
module {
  llvm.mlir.global external constant @dl_model_json("{\22arena_bytes\22:64}\00") {addr_space = 0 : i32}
  func.func @dl_eval_step(%arena: memref<64xi8>) {
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %c1 = arith.constant 1 : index
    scf.for %i = %c0 to %c2 step %c1 {
      %t = memref.alloc() : memref<4xf32>
      memref.dealloc %t : memref<4xf32>
    }
    return
  }
}
// CHECK: \22arena_bytes\22:64,\22scratch\22:{\22bytes\22:0,\22offset\22:64
// CHECK: scf.for
// CHECK-NEXT: memref.alloc() : memref<4xf32>

// -----

// An address taken once and passed to two calls (CSE merges the address
// computations of kernel calls on one buffer): %in lives until the second
// call, so %out, made between them, cannot take its place.
module {
  llvm.mlir.global external constant @dl_model_json("{\22arena_bytes\22:64}\00") {addr_space = 0 : i32}
  func.func private @kernel(i64)
  func.func @dl_eval_step(%arena: memref<64xi8>) {
    %cst = arith.constant 1.0 : f32
    %in = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
    linalg.fill ins(%cst : f32) outs(%in : memref<16xf32>)
    %address = memref.extract_aligned_pointer_as_index %in : memref<16xf32> -> index
    %i = arith.index_cast %address : index to i64
    func.call @kernel(%i) : (i64) -> ()
    %out = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
    linalg.fill ins(%cst : f32) outs(%out : memref<16xf32>)
    func.call @kernel(%i) : (i64) -> ()
    return
  }
}
// CHECK-LABEL: func.func @dl_eval_step(%{{.*}}: memref<192xi8>)
// CHECK: memref.view %{{.*}}[%c64][] : memref<192xi8> to memref<16xf32>
// CHECK: memref.view %{{.*}}[%c128][] : memref<192xi8> to memref<16xf32>
