//===- VectorExp.h - e^x in code loops vectorize ----------------*- C++ -*-===//
//
// Part of dlcc's kernels.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_KERNELS_CPU_VECTOREXP_H
#define DLCC_KERNELS_CPU_VECTOREXP_H

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace dlcc::kernels {

/// e^x for f32 as straight-line arithmetic, so that a loop over it
/// vectorizes (libm's expf is a call per element): x = n ln2 + r with
/// |r| <= ln2 / 2, Cephes' polynomial for e^r, times 2^n built from its
/// bits (in two factors, so that n may reach the ends of the f32 range).
/// Within 2 ulp of expf; 0 below -87.34 (and for -inf), +inf above 88.72,
/// NaN for NaN.
inline float vectorExp(float x) {
  constexpr float kMinArg = -87.3365478515625f; // ln(FLT_MIN)
  constexpr float kMaxArg = 88.72283935546875f; // ln(FLT_MAX)
  // Compare-and-select (maxps/minps), not fmaxf: NaN becomes kMinArg here
  // and is returned as itself at the end.
  float clamped = x > kMinArg ? x : kMinArg;
  clamped = clamped < kMaxArg ? clamped : kMaxArg;
  float t = clamped * 1.44269504088896341f + 0.5f;
  int32_t n = static_cast<int32_t>(t);
  n -= t < static_cast<float>(n); // floor for negative t
  float k = static_cast<float>(n);
  // r = x - k ln2, with ln2 split so that k * 0.693359375f is exact.
  float r = clamped - k * 0.693359375f;
  r = r + k * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float y = p * r * r + r + 1.0f;
  int32_t half = n / 2;
  int32_t bits1 = (half + 127) << 23, bits2 = (n - half + 127) << 23;
  float scale1, scale2;
  std::memcpy(&scale1, &bits1, sizeof scale1);
  std::memcpy(&scale2, &bits2, sizeof scale2);
  y = y * scale1 * scale2;
  // Selects, not branches, so that the loop around vectorizes.
  y = x < kMinArg ? 0.0f : y;
  y = x > kMaxArg ? std::numeric_limits<float>::infinity() : y;
  return x == x ? y : x;
}

/// e^x: vectorExp for f32, libm for f64 (whose tests need its accuracy).
inline float expOf(float x) { return vectorExp(x); }
inline double expOf(double x) { return std::exp(x); }

} // namespace dlcc::kernels

#endif // DLCC_KERNELS_CPU_VECTOREXP_H
