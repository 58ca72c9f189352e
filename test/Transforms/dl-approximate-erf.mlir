// RUN: dlcc-opt --dl-approximate-erf %s | FileCheck %s

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
