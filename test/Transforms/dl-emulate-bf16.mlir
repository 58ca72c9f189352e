// RUN: dlcc-opt --split-input-file --dl-emulate-bf16 %s | FileCheck %s

// Arithmetic on bf16 runs in f32; the product is rounded to bf16 (the
// integer round-to-nearest-even: add 0x7fff plus the lowest kept bit, shift)
// before the sum, not folded into it.
// CHECK-LABEL: func.func @rounds_between
func.func @rounds_between(%a: bf16, %b: bf16, %c: bf16) -> bf16 {
  // CHECK: %[[P:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
  // CHECK: %[[BITS:.*]] = arith.bitcast %[[P]] : f32 to i32
  // CHECK: arith.addi %[[BITS]]
  // CHECK: %[[R:.*]] = arith.trunci %{{.*}} : i32 to i16
  // CHECK: arith.select %{{.*}}, %{{.*}}, %[[R]] : i16
  // CHECK: %[[S:.*]] = arith.addf %{{.*}}, %{{.*}} : f32
  // CHECK-NOT: arith.truncf
  // CHECK-NOT: arith.extf
  // CHECK: return
  %p = arith.mulf %a, %b : bf16
  %s = arith.addf %p, %c : bf16
  return %s : bf16
}

// -----

// Math on bf16 and f16 runs in f32 and rounds back; f16 keeps its
// conversions, which the host's libraries provide.
// CHECK-LABEL: func.func @math
func.func @math(%x: bf16, %h: f16) -> (bf16, f16) {
  // CHECK-NOT: bf16 to f32
  // CHECK: %[[HE:.*]] = arith.extf %{{.*}} : f16 to f32
  // CHECK: math.exp %{{.*}} : f32
  // CHECK: %[[HT:.*]] = math.tanh %[[HE]] : f32
  // CHECK: arith.truncf %[[HT]] : f32 to f16
  // CHECK-NOT: f32 to bf16
  // CHECK: return
  %e = math.exp %x : bf16
  %t = math.tanh %h : f16
  return %e, %t : bf16, f16
}

// -----

// f32 code is left alone.
// CHECK-LABEL: func.func @f32_untouched
func.func @f32_untouched(%x: f32, %y: f32) -> f32 {
  // CHECK-NEXT: %[[M:.*]] = arith.maximumf %{{.*}}, %{{.*}} : f32
  // CHECK-NEXT: return %[[M]]
  %m = arith.maximumf %x, %y : f32
  return %m : f32
}
