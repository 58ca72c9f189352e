// RUN: dlcc-opt --dl-multiversion-loops %s | FileCheck %s
// RUN: dlcc-opt --dl-multiversion-loops='cpu=znver4 flag=use_wide' %s | FileCheck %s --check-prefix=OPTIONS
// RUN: dlcc-opt --dl-multiversion-loops %s | FileCheck %s --check-prefix=SEQUENTIAL

// Each loop-nest function with a parallel loop that computes with floats
// (itself or in a function it calls) gets two copies next to
// it, `.base` and `.wide` (for x86-64-v4), and becomes a choice between
// them on the runtime's flag, results passed on; loop nests without one
// (little work), other functions and the step's calls stay as they are.
// CHECK: llvm.mlir.global external @dlrt_wide_loops() {addr_space = 0 : i32} : i8
// CHECK-LABEL: func.func private @dl_train_step.loop0(%arg0: memref<16xf32>) {
// CHECK: %[[ADDRESS:.*]] = llvm.mlir.addressof @dlrt_wide_loops : !llvm.ptr
// CHECK: %[[BYTE:.*]] = llvm.load %[[ADDRESS]] : !llvm.ptr -> i8
// CHECK: %[[WIDE:.*]] = arith.cmpi ne, %[[BYTE]], %{{.*}} : i8
// CHECK: scf.if %[[WIDE]] {
// CHECK-NEXT: func.call @dl_train_step.loop0.wide(%arg0)
// CHECK-NEXT: } else {
// CHECK-NEXT: func.call @dl_train_step.loop0.base(%arg0)
// CHECK-NEXT: }
// CHECK-NEXT: return
// CHECK: func.func private @dl_train_step.loop0.base(%{{.*}}: memref<16xf32>) attributes {dl.loop_nest, passthrough = ["noinline"]}
// CHECK: scf.parallel
// CHECK: func.func private @dl_train_step.loop0.wide(%{{.*}}: memref<16xf32>) attributes {dl.loop_nest, passthrough = ["noinline", ["prefer-vector-width", "512"]], target_cpu = "x86-64-v4"}
// CHECK: scf.parallel
// CHECK: func.func private @dl_train_step.loop2(%{{.*}}: memref<16xf32>) attributes {dl.loop_nest, passthrough = ["noinline"]}
// CHECK-LABEL: func.func private @dl_train_step.loop1(%arg0: memref<16xf32>) -> f32 {
// CHECK: %[[WIDE1:.*]] = arith.cmpi ne
// CHECK: %[[SUM:.*]] = scf.if %[[WIDE1]] -> (f32) {
// CHECK-NEXT: %[[A:.*]] = func.call @dl_train_step.loop1.wide(%arg0)
// CHECK-NEXT: scf.yield %[[A]] : f32
// CHECK-NEXT: } else {
// CHECK-NEXT: %[[B:.*]] = func.call @dl_train_step.loop1.base(%arg0)
// CHECK-NEXT: scf.yield %[[B]] : f32
// CHECK-NEXT: }
// CHECK-NEXT: return %[[SUM]] : f32
// CHECK: func.func private @dl_train_step.loop1.base(%{{.*}}: memref<16xf32>) -> f32
// CHECK: func.func private @dl_train_step.loop1.wide(%{{.*}}: memref<16xf32>) -> f32 {{.*}}target_cpu = "x86-64-v4"
// The private functions a version calls (parallel bodies) are copied for
// the wide version too: LLVM inlines only code built for the caller's CPU.
// CHECK-LABEL: func.func private @dl_train_step.loop3.body0(
// CHECK-NOT: target_cpu
// CHECK-LABEL: func.func private @dl_train_step.loop3.body0.wide(
// CHECK-SAME: target_cpu = "x86-64-v4"
// A parallel loop that only moves data is bound by memory: one version.
// CHECK-LABEL: func.func private @dl_train_step.loop4(
// CHECK-SAME: attributes {dl.loop_nest, passthrough = ["noinline"]}
// CHECK-NOT: @dl_train_step.loop4.wide
// CHECK-LABEL: func.func private @dl_train_step.loop3(
// CHECK-LABEL: func.func private @dl_train_step.loop3.base(
// CHECK: call @dl_train_step.loop3.body0(%
// CHECK-LABEL: func.func private @dl_train_step.loop3.wide(
// CHECK: call @dl_train_step.loop3.body0.wide(%
// CHECK-NOT: @helper.wide
// CHECK-LABEL: func.func @dl_train_step
// CHECK-NEXT: call @dl_train_step.loop0(%arg0)
// CHECK-NEXT: %[[RESULT:.*]] = call @dl_train_step.loop1(%arg0)
// CHECK-NEXT: call @dl_train_step.loop2(%arg0)
// CHECK-NEXT: call @dl_train_step.loop3(%arg0)
// CHECK-NEXT: call @dl_train_step.loop4(%arg0, %arg0)
// CHECK-NEXT: call @helper(%[[RESULT]])
// CHECK-NEXT: return

// SEQUENTIAL-NOT: @dl_train_step.loop2.wide

// OPTIONS: llvm.mlir.global external @use_wide()
// OPTIONS: llvm.mlir.addressof @use_wide
// OPTIONS: @dl_train_step.loop0.wide({{.*}}target_cpu = "znver4"
func.func private @dl_train_step.loop0(%x: memref<16xf32>) attributes {dl.loop_nest, passthrough = ["noinline"]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %two = arith.constant 2.0 : f32
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    %v = memref.load %x[%i] : memref<16xf32>
    %d = arith.mulf %v, %two : f32
    memref.store %d, %x[%i] : memref<16xf32>
  }
  return
}
func.func private @dl_train_step.loop2(%x: memref<16xf32>) attributes {dl.loop_nest, passthrough = ["noinline"]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %one = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c16 step %c1 {
    memref.store %one, %x[%i] : memref<16xf32>
  }
  return
}
func.func private @dl_train_step.loop1(%x: memref<16xf32>) -> f32 attributes {dl.loop_nest, passthrough = ["noinline"]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    %v = memref.load %x[%i] : memref<16xf32>
    %d = arith.addf %v, %v : f32
    memref.store %d, %x[%i] : memref<16xf32>
  }
  %sum = scf.for %i = %c0 to %c16 step %c1 iter_args(%acc = %zero) -> f32 {
    %v = memref.load %x[%i] : memref<16xf32>
    %a = arith.addf %acc, %v : f32
    scf.yield %a : f32
  }
  return %sum : f32
}
func.func private @dl_train_step.loop3.body0(%i: index, %x: memref<16xf32>) attributes {llvm.linkage = #llvm.linkage<internal>} {
  %one = arith.constant 1.0 : f32
  %v = memref.load %x[%i] : memref<16xf32>
  %s = arith.addf %v, %one : f32
  memref.store %s, %x[%i] : memref<16xf32>
  return
}
func.func private @dl_train_step.loop4(%x: memref<16xf32>, %y: memref<16xf32>) attributes {dl.loop_nest, passthrough = ["noinline"]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    %v = memref.load %x[%i] : memref<16xf32>
    memref.store %v, %y[%i] : memref<16xf32>
  }
  return
}
func.func private @dl_train_step.loop3(%x: memref<16xf32>) attributes {dl.loop_nest, passthrough = ["noinline"]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    func.call @dl_train_step.loop3.body0(%i, %x) : (index, memref<16xf32>) -> ()
  }
  return
}
func.func private @helper(%s: f32) {
  return
}
func.func @dl_train_step(%x: memref<16xf32>) {
  call @dl_train_step.loop0(%x) : (memref<16xf32>) -> ()
  %sum = call @dl_train_step.loop1(%x) : (memref<16xf32>) -> f32
  call @dl_train_step.loop2(%x) : (memref<16xf32>) -> ()
  call @dl_train_step.loop3(%x) : (memref<16xf32>) -> ()
  call @dl_train_step.loop4(%x, %x) : (memref<16xf32>, memref<16xf32>) -> ()
  call @helper(%sum) : (f32) -> ()
  return
}
