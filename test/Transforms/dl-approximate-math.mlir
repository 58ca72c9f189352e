// RUN: dlcc-opt --dl-approximate-math %s | FileCheck %s

// f32 erf becomes arithmetic (no call left to make), multiplies and adds
// rather than fused multiply-adds; f64 erf, which has no such
// approximation, stays for libm.
// CHECK-LABEL: func.func @erf
// CHECK-NOT: math.erf %{{.*}} : f32
// CHECK-NOT: math.fma
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-NOT: math.fma
// CHECK: math.erf %{{.*}} : f64
func.func @erf(%x: f32, %y: f64) -> (f32, f64) {
  %a = math.erf %x : f32
  %b = math.erf %y : f64
  return %a, %b : f32, f64
}

// f32 exp likewise (range reduction and a polynomial: a floor, no call);
// f64 exp stays.
// CHECK-LABEL: func.func @exp
// CHECK-NOT: math.exp %{{.*}} : f32
// CHECK-NOT: math.fma
// CHECK: math.floor
// CHECK: arith.mulf
// CHECK-NOT: math.fma
// CHECK: math.exp %{{.*}} : f64
func.func @exp(%x: f32, %y: f64) -> (f32, f64) {
  %a = math.exp %x : f32
  %b = math.exp %y : f64
  return %a, %b : f32, f64
}
