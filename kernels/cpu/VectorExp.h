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
#include <type_traits>

namespace dlcc::kernels {

// Always inlined: the attention kernels call these from functions built
// for AVX-512 or AVX2, whose vector registers they must use.
#define DL_LANES_INLINE inline __attribute__((always_inline))

namespace detail {
// Out parameters, as everywhere here: vectors are not passed by value
// (their ABI differs between instruction sets).

/// to = from converted, element by element for GCC vectors.
template <typename To, typename From>
DL_LANES_INLINE void convert(To &to, const From &from) {
  if constexpr (std::is_arithmetic_v<From>)
    to = static_cast<To>(from);
  else
    to = __builtin_convertvector(from, To);
}
/// to = the float (or float vector) with the bits of `bits`.
template <typename F, typename I>
DL_LANES_INLINE void fromBits(F &to, const I &bits) {
  if constexpr (std::is_arithmetic_v<I>)
    std::memcpy(&to, &bits, sizeof to);
  else
    to = (F)bits; // A cast between vectors of one size keeps the bits.
}
} // namespace detail

/// e^x for f32 lanes as straight-line arithmetic, so that it vectorizes
/// (libm's expf is a call per element): F is float with I = int32_t, or a
/// GCC vector of floats with I the vector of int32_t of the same size (the
/// CPU attention kernels write their loops on whole vectors). x = n ln2 + r
/// with |r| <= ln2 / 2, Cephes' polynomial for e^r, times 2^n built from its
/// bits (in two factors, so that n may reach the ends of the f32 range).
/// Within 2 ulp of expf; 0 below -87.34 (and for -inf), +inf above 88.72,
/// NaN for NaN. `F{} + c` is c, broadcast for vectors.
template <typename F, typename I> DL_LANES_INLINE void expInPlace(F &x) {
  const F minArg = F{} + -87.3365478515625f; // ln(FLT_MIN)
  const F maxArg = F{} + 88.72283935546875f; // ln(FLT_MAX)
  // Compare-and-select (maxps/minps), not fmaxf: NaN becomes minArg here
  // and is returned as itself at the end.
  F clamped = x > minArg ? x : minArg;
  clamped = clamped < maxArg ? clamped : maxArg;
  F t = clamped * 1.44269504088896341f + 0.5f;
  I n;
  F k;
  detail::convert(n, t);
  detail::convert(k, n);
  n = n - (t < k ? I{} + 1 : I{}); // floor for t < 0
  detail::convert(k, n);
  // r = x - k ln2, with ln2 split so that k * 0.693359375f is exact.
  F r = clamped - k * 0.693359375f;
  r = r + k * 2.12194440e-4f;
  F p = F{} + 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  F y = p * r * r + r + 1.0f;
  I half = n / 2;
  F scale1, scale2;
  detail::fromBits(scale1, I((half + 127) << 23));
  detail::fromBits(scale2, I((n - half + 127) << 23));
  y = y * scale1 * scale2;
  // Selects, not branches, so that the loop around vectorizes.
  y = x < minArg ? F{} : y;
  y = x > maxArg ? F{} + std::numeric_limits<float>::infinity() : y;
  x = x == x ? y : x;
}

/// e^x for one f32.
inline float vectorExp(float x) {
  expInPlace<float, int32_t>(x);
  return x;
}

/// e^x: vectorExp for f32, libm for f64 (whose tests need its accuracy).
inline float expOf(float x) { return vectorExp(x); }
inline double expOf(double x) { return std::exp(x); }

} // namespace dlcc::kernels

#endif // DLCC_KERNELS_CPU_VECTOREXP_H
