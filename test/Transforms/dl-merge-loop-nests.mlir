// RUN: dlcc-opt --dl-merge-loop-nests %s | FileCheck %s

// Loop nests 0 and 1 are the same code on buffers at other offsets (two
// layers): one function serves both. Each distinct offset becomes a slot
// argument, disjoint slots noalias; the calls view the slots out of the
// arena where the buffers lie.
// The body of the parallel loop becomes a function of its own, whose
// slots are noalias too (OpenMP would pass them in a struct).
// CHECK-LABEL: func.func private @dl_train_step.loop0.body0(
// CHECK-SAME: %[[I:.*]]: index, %[[BODY_IN:.*]]: memref<64xi8> {llvm.noalias}, %[[BODY_OUT:.*]]: memref<64xi8> {llvm.noalias})
// CHECK-SAME: attributes {llvm.linkage = #llvm.linkage<internal>}
// CHECK: memref.view %[[BODY_IN]][%{{.*}}][] : memref<64xi8> to memref<16xf32>
// CHECK: memref.view %[[BODY_OUT]][%{{.*}}][] : memref<64xi8> to memref<16xf32>
// CHECK: memref.load
// CHECK: arith.mulf
// CHECK: memref.store
// CHECK-LABEL: func.func private @dl_train_step.loop0(
// CHECK-SAME: %[[IN:.*]]: memref<64xi8> {llvm.noalias}, %[[OUT:.*]]: memref<64xi8> {llvm.noalias})
// CHECK-SAME: attributes {dl.loop_nest, passthrough = ["noinline"]}
// CHECK: scf.parallel (%[[J:.*]]) =
// CHECK-NEXT: func.call @dl_train_step.loop0.body0(%[[J]], %[[IN]], %[[OUT]])
// CHECK-NEXT: scf.reduce
// CHECK-NOT: @dl_train_step.loop1

// Reading and writing one buffer in place: a single slot, still noalias (no
// other slot overlaps it). A view that overlaps another in part: neither
// is noalias.
// CHECK-LABEL: func.func private @dl_train_step.loop2(
// CHECK-SAME: %{{.*}}: memref<64xi8> {llvm.noalias})
// CHECK-LABEL: func.func private @dl_train_step.loop3.body0(
// CHECK-SAME: %{{.*}}: index, %{{.*}}: memref<64xi8>, %{{.*}}: memref<64xi8>)
// CHECK-LABEL: func.func private @dl_train_step.loop3(
// CHECK-SAME: %{{.*}}: memref<64xi8>, %{{.*}}: memref<64xi8>)

// Another constant in the body: not alike, kept.
// CHECK-LABEL: func.func private @dl_train_step.loop4(
// CHECK-SAME: memref<64xi8> {llvm.noalias}, %{{.*}}: memref<64xi8> {llvm.noalias})

// A memref that is not only viewed (the arena passed on whole): unchanged.
// CHECK-NOT: @dl_train_step.loop5.body0
// CHECK-LABEL: func.func private @dl_train_step.loop5(
// CHECK-SAME: %{{.*}}: memref<1024xi8>)
// CHECK-NEXT: arith.constant

// CHECK-LABEL: func.func @dl_train_step(
// CHECK-SAME: %[[ARENA:.*]]: memref<1024xi8>)
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[A:.*]] = memref.view %[[ARENA]][%[[C0]]][] : memref<1024xi8> to memref<64xi8>
// CHECK-NEXT: %[[C64:.*]] = arith.constant 64 : index
// CHECK-NEXT: %[[B:.*]] = memref.view %[[ARENA]][%[[C64]]][] : memref<1024xi8> to memref<64xi8>
// CHECK-NEXT: call @dl_train_step.loop0(%[[A]], %[[B]])
// CHECK-NEXT: %[[C128:.*]] = arith.constant 128 : index
// CHECK-NEXT: %[[C:.*]] = memref.view %[[ARENA]][%[[C128]]][] : memref<1024xi8> to memref<64xi8>
// CHECK-NEXT: %[[C192:.*]] = arith.constant 192 : index
// CHECK-NEXT: %[[D:.*]] = memref.view %[[ARENA]][%[[C192]]][] : memref<1024xi8> to memref<64xi8>
// CHECK-NEXT: call @dl_train_step.loop0(%[[C]], %[[D]])
// CHECK: call @dl_train_step.loop2(
// CHECK: call @dl_train_step.loop3(
// CHECK: call @dl_train_step.loop4(
// CHECK: call @dl_train_step.loop5(%[[ARENA]])

func.func private @dl_train_step.loop0(%arena: memref<1024xi8>) attributes {dl.loop_nest, passthrough = ["noinline"]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c64 = arith.constant 64 : index
  %two = arith.constant 2.0 : f32
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    %in = memref.view %arena[%c0][] : memref<1024xi8> to memref<16xf32>
    %out = memref.view %arena[%c64][] : memref<1024xi8> to memref<16xf32>
    %v = memref.load %in[%i] : memref<16xf32>
    %d = arith.mulf %v, %two : f32
    memref.store %d, %out[%i] : memref<16xf32>
  }
  return
}
func.func private @dl_train_step.loop1(%arena: memref<1024xi8>) attributes {dl.loop_nest, passthrough = ["noinline"]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c128 = arith.constant 128 : index
  %c192 = arith.constant 192 : index
  %two = arith.constant 2.0 : f32
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    %in = memref.view %arena[%c128][] : memref<1024xi8> to memref<16xf32>
    %out = memref.view %arena[%c192][] : memref<1024xi8> to memref<16xf32>
    %v = memref.load %in[%i] : memref<16xf32>
    %d = arith.mulf %v, %two : f32
    memref.store %d, %out[%i] : memref<16xf32>
  }
  return
}
func.func private @dl_train_step.loop2(%arena: memref<1024xi8>) attributes {dl.loop_nest, passthrough = ["noinline"]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c256 = arith.constant 256 : index
  %two = arith.constant 2.0 : f32
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    %in = memref.view %arena[%c256][] : memref<1024xi8> to memref<16xf32>
    %out = memref.view %arena[%c256][] : memref<1024xi8> to memref<16xf32>
    %v = memref.load %in[%i] : memref<16xf32>
    %d = arith.mulf %v, %two : f32
    memref.store %d, %out[%i] : memref<16xf32>
  }
  return
}
func.func private @dl_train_step.loop3(%arena: memref<1024xi8>) attributes {dl.loop_nest, passthrough = ["noinline"]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c320 = arith.constant 320 : index
  %c352 = arith.constant 352 : index
  %two = arith.constant 2.0 : f32
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    %in = memref.view %arena[%c320][] : memref<1024xi8> to memref<16xf32>
    %out = memref.view %arena[%c352][] : memref<1024xi8> to memref<16xf32>
    %v = memref.load %in[%i] : memref<16xf32>
    %d = arith.mulf %v, %two : f32
    memref.store %d, %out[%i] : memref<16xf32>
  }
  return
}
func.func private @dl_train_step.loop4(%arena: memref<1024xi8>) attributes {dl.loop_nest, passthrough = ["noinline"]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c512 = arith.constant 512 : index
  %c576 = arith.constant 576 : index
  %three = arith.constant 3.0 : f32
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    %in = memref.view %arena[%c512][] : memref<1024xi8> to memref<16xf32>
    %out = memref.view %arena[%c576][] : memref<1024xi8> to memref<16xf32>
    %v = memref.load %in[%i] : memref<16xf32>
    %d = arith.mulf %v, %three : f32
    memref.store %d, %out[%i] : memref<16xf32>
  }
  return
}
func.func private @dl_train_step.loop5(%arena: memref<1024xi8>) attributes {dl.loop_nest, passthrough = ["noinline"]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c1024 = arith.constant 1024 : index
  %zero = arith.constant 0 : i8
  scf.parallel (%i) = (%c0) to (%c1024) step (%c1) {
    memref.store %zero, %arena[%i] : memref<1024xi8>
  }
  return
}
func.func @dl_train_step(%arena: memref<1024xi8>) {
  call @dl_train_step.loop0(%arena) : (memref<1024xi8>) -> ()
  call @dl_train_step.loop1(%arena) : (memref<1024xi8>) -> ()
  call @dl_train_step.loop2(%arena) : (memref<1024xi8>) -> ()
  call @dl_train_step.loop3(%arena) : (memref<1024xi8>) -> ()
  call @dl_train_step.loop4(%arena) : (memref<1024xi8>) -> ()
  call @dl_train_step.loop5(%arena) : (memref<1024xi8>) -> ()
  return
}
