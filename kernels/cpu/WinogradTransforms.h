//===- WinogradTransforms.h - The matrices of F(MxM, 3x3) -------*- C++ -*-===//
//
// Part of dlcc's kernels. Winograd's F(MxM, 3x3) computes each MxM tile of
// outputs from the TxT tile d of padded input under it, T = M + 2:
//   Y = A' [(G g G') . (B' d B)] A,
// with the matrices of Lavin and Gray ("Fast Algorithms for Convolutional
// Neural Networks", 2016). Each WinogradTransform<M> gives them as
// one-dimensional transforms of vectors (lanes: tiles, or filters) written
// out with their few nonzero coefficients, and G as numbers for the
// filters, which are transformed once a call, and their gradient.
//
//   M = 2: 16 products per 4 outputs (2.25x fewer than direct).
//   M = 4: 36 products per 16 outputs (4x fewer), larger coefficients:
//          ~10x the rounding error of M = 2, still ~1e-6 relative.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_KERNELS_CPU_WINOGRADTRANSFORMS_H
#define DLCC_KERNELS_CPU_WINOGRADTRANSFORMS_H

#include "kernels/cpu/Simd.h"

namespace dlcc::kernels::winograd {

template <int M> struct WinogradTransform;

template <> struct WinogradTransform<2> {
  static constexpr int kInput = 4; // T

  /// r = B' d.
  template <typename V>
  static DL_INLINE void input(const V (&d)[4], V (&r)[4]) {
    r[0] = d[0] - d[2];
    r[1] = d[1] + d[2];
    r[2] = d[2] - d[1];
    r[3] = d[1] - d[3];
  }
  /// y = A' m.
  template <typename V>
  static DL_INLINE void output(const V (&m)[4], V (&y)[2]) {
    y[0] = m[0] + m[1] + m[2];
    y[1] = m[1] - m[2] - m[3];
  }
  /// dm = A dy: the gradient of output().
  template <typename V>
  static DL_INLINE void outputGradient(const V (&dy)[2], V (&dm)[4]) {
    dm[0] = dy[0];
    dm[1] = dy[0] + dy[1];
    dm[2] = dy[0] - dy[1];
    dm[3] = -dy[1];
  }
  static constexpr double G[4][3] = {
      {1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
};

template <> struct WinogradTransform<4> {
  static constexpr int kInput = 6;

  template <typename V>
  static DL_INLINE void input(const V (&d)[6], V (&r)[6]) {
    V a = d[4] - 4.0f * d[2], b = d[3] - 4.0f * d[1];
    V c = d[4] - d[2], e = 2.0f * (d[3] - d[1]);
    r[0] = 4.0f * d[0] - 5.0f * d[2] + d[4];
    r[1] = a + b;
    r[2] = a - b;
    r[3] = c + e;
    r[4] = c - e;
    r[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];
  }
  template <typename V>
  static DL_INLINE void output(const V (&m)[6], V (&y)[4]) {
    V s12 = m[1] + m[2], d12 = m[1] - m[2];
    V s34 = m[3] + m[4], d34 = m[3] - m[4];
    y[0] = m[0] + s12 + s34;
    y[1] = d12 + 2.0f * d34;
    y[2] = s12 + 4.0f * s34;
    y[3] = d12 + 8.0f * d34 + m[5];
  }
  template <typename V>
  static DL_INLINE void outputGradient(const V (&dy)[4], V (&dm)[6]) {
    V even = dy[0] + dy[2], odd = dy[1] + dy[3];
    V even4 = dy[0] + 4.0f * dy[2], odd8 = 2.0f * dy[1] + 8.0f * dy[3];
    dm[0] = dy[0];
    dm[1] = even + odd;
    dm[2] = even - odd;
    dm[3] = even4 + odd8;
    dm[4] = even4 - odd8;
    dm[5] = dy[3];
  }
  static constexpr double G[6][3] = {{1.0 / 4, 0, 0},
                                     {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                     {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                     {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                     {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                     {0, 0, 1}};
};

} // namespace dlcc::kernels::winograd

#endif // DLCC_KERNELS_CPU_WINOGRADTRANSFORMS_H
