//===- Sums.h - Sums along a run of floats, in vectors ----------*- C++ -*-===//
//
// Part of dlcc's kernels: what the normalization kernels (BatchNorm.cpp,
// LayerNorm.cpp) sum over a channel's runs or a row.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_KERNELS_CPU_SUMS_H
#define DLCC_KERNELS_CPU_SUMS_H

#include "kernels/cpu/Simd.h"

namespace dlcc::kernels {

/// Sums over elements [first, first + count) of N values per element (the
/// same loop feeds them all), element e's being terms(e): two vectors of B
/// bytes of accumulators per value, their lanes added in order, then the
/// scalar tail. terms.vector(e, t) gives the values of elements e, ...,
/// e + lanes - 1; terms.scalar(e, t) those of element e. Each element's
/// terms are taken once (they may have effects of their own).
template <int B, int N, typename Terms>
DL_INLINE void sumRun(int64_t first, int64_t count, Terms terms,
                      float (&total)[N]) {
  using V = typename Vector<float, B>::Type;
  constexpr int64_t L = kLanes<float, B>;
  V acc[N][2] = {};
  int64_t i = 0;
  for (; i + 2 * L <= count; i += 2 * L)
    for (int half = 0; half < 2; ++half) {
      V t[N];
      terms.vector(first + i + half * L, t);
      for (int k = 0; k < N; ++k)
        acc[k][half] += t[k];
    }
  for (int k = 0; k < N; ++k)
    total[k] = sumOfLanes(acc[k][0] + acc[k][1]);
  for (; i < count; ++i) {
    float t[N];
    terms.scalar(first + i, t);
    for (int k = 0; k < N; ++k)
      total[k] += t[k];
  }
}

/// x, for a mean.
struct Values {
  const float *x;
  template <typename V> DL_INLINE void vector(int64_t e, V (&t)[1]) const {
    loadVector(t[0], x + e);
  }
  DL_INLINE void scalar(int64_t e, float (&t)[1]) const { t[0] = x[e]; }
};

/// (x - mean)^2, for a variance.
struct Squares {
  const float *x;
  float mean;
  template <typename V> DL_INLINE void vector(int64_t e, V (&t)[1]) const {
    V v;
    loadVector(v, x + e);
    v -= mean;
    t[0] = v * v;
  }
  DL_INLINE void scalar(int64_t e, float (&t)[1]) const {
    float d = x[e] - mean;
    t[0] = d * d;
  }
};

} // namespace dlcc::kernels

#endif // DLCC_KERNELS_CPU_SUMS_H
