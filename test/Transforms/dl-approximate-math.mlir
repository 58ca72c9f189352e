// RUN: dlcc-opt --dl-approximate-math %s | FileCheck %s

// f32 erf becomes a ratio of two polynomials in x^2 on x clamped to
// [-3.92, 3.92], its result clamped to [-1, 1]: arithmetic (no call left
// to make), multiplies and adds rather than fused multiply-adds, no
// selects; f64 erf stays for libm.
// CHECK-LABEL: func.func @erf
// CHECK-NOT: math.erf %{{.*}} : f32
// CHECK-NOT: math.fma
// CHECK-NOT: select
// CHECK: %[[HI:.*]] = arith.minimumf %{{.*}}, %{{.*}} : f32
// CHECK: %[[X:.*]] = arith.maximumf %[[HI]], %{{.*}} : f32
// CHECK: %[[T:.*]] = arith.mulf %[[X]], %[[X]] : f32
// CHECK: %[[RATIO:.*]] = arith.divf
// CHECK: %[[Y:.*]] = arith.mulf %[[X]], %[[RATIO]] : f32
// CHECK: arith.minimumf %[[Y]]
// CHECK-NOT: select
// CHECK: math.erf %{{.*}} : f64
func.func @erf(%x: f32, %y: f64) -> (f32, f64) {
  %a = math.erf %x : f32
  %b = math.erf %y : f64
  return %a, %b : f32, f64
}

// The same on vectors, with splat constants.
// CHECK-LABEL: func.func @erf_vector
// CHECK-NOT: math.erf
// CHECK: arith.constant dense<3.920000e+00> : vector<8xf32>
// CHECK: arith.divf %{{.*}}, %{{.*}} : vector<8xf32>
func.func @erf_vector(%x: vector<8xf32>) -> vector<8xf32> {
  %a = math.erf %x : vector<8xf32>
  return %a : vector<8xf32>
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
