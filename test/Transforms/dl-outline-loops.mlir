// RUN: dlcc-opt --dl-outline-loops %s | FileCheck %s

// Each loop nest at the top of an entry point becomes a private,
// never-inlined function called in its place; the arena view and the
// constants (and views) it uses are rebuilt inside, so only the arena and
// what is not pure (an allocation) are passed. A loop whose result is used
// after it returns it. A loop that uses a memref of dynamic shape stays
// (the bare-pointer convention cannot pass it).
// CHECK: func.func private @dl_train_step.loop0(%{{.*}}: memref<4096xi8>) attributes {dl.loop_nest, passthrough = ["noinline"]}
// CHECK: memref.view
// CHECK: scf.for
// CHECK: func.func private @dl_train_step.loop1(%{{.*}}: memref<4096xi8>) -> f32 attributes {dl.loop_nest, passthrough = ["noinline"]}
// CHECK: scf.for {{.*}} iter_args
// CHECK: func.func private @dl_train_step.loop2(%{{.*}}: memref<4096xi8>, %{{.*}}: memref<8xf32>)
// CHECK: memref.subview
// CHECK-LABEL: func.func @dl_train_step
// CHECK: call @dl_train_step.loop0(%arg0) : (memref<4096xi8>) -> ()
// CHECK-NEXT: %[[SUM:.*]] = call @dl_train_step.loop1(%arg0) : (memref<4096xi8>) -> f32
// CHECK: call @dl_train_step.loop2
// CHECK: scf.for
// CHECK: memref.load %arg1
// CHECK: memref.store %[[SUM]]
// CHECK-NOT: call
// CHECK: return
func.func @dl_train_step(%arena: memref<4096xi8>, %dynamic: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  %x = memref.view %arena[%c0][] : memref<4096xi8> to memref<16xf32>
  scf.for %i = %c0 to %c16 step %c1 {
    memref.store %zero, %x[%i] : memref<16xf32>
  }
  %sum = scf.for %i = %c0 to %c16 step %c1 iter_args(%acc = %zero) -> f32 {
    %v = memref.load %x[%i] : memref<16xf32>
    %a = arith.addf %acc, %v : f32
    scf.yield %a : f32
  }
  %strided = memref.subview %x[0] [8] [2] : memref<16xf32> to memref<8xf32, strided<[2]>>
  %y = memref.alloc() : memref<8xf32>
  scf.for %i = %c0 to %c1 step %c1 {
    %v = memref.load %strided[%i] : memref<8xf32, strided<[2]>>
    memref.store %v, %y[%i] : memref<8xf32>
  }
  scf.for %i = %c0 to %c1 step %c1 {
    %v = memref.load %dynamic[%i] : memref<?xf32>
    memref.store %v, %x[%i] : memref<16xf32>
  }
  memref.store %sum, %x[%c0] : memref<16xf32>
  return
}
