//===- Pooling.cpp - Max-pooling and its gradient (CPU) -------------------===//
//
// Part of dlcc's kernels. The forward: each window's maximum, a plane at a
// time; over 2x2 windows of stride 2 a vector of windows of a row at a
// time (written as loops, LLVM gathered every other element).
// The gradient: one pass per plane instead of the three of the
// written-out gradient (the window maxima again, the offset of each
// window's first maximum, a gather of every input element's windows):
// each window finds its first maximum and adds its gradient there. Planes
// (image, channel) are split between threads. The common 2x2 windows of
// stride 2 that tile the plane take a vector path: a vector of windows of
// a row at a time, each input element written once (no fill).
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/Pooling.h"
#include "kernels/cpu/Parallel.h"
#include "kernels/cpu/Simd.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

using namespace dlcc::kernels;

namespace {

/// The offset in `in` (rows `width` apart) of the window's first element
/// holding its maximum, or its first NaN; -1 for a window all padding.
int64_t firstMaximum(const float *in, int64_t width, int64_t yBegin,
                     int64_t yEnd, int64_t xBegin, int64_t xEnd) {
  int64_t best = -1;
  for (int64_t y = yBegin; y < yEnd; ++y)
    for (int64_t x = xBegin; x < xEnd; ++x) {
      int64_t at = y * width + x;
      if (std::isnan(in[at]))
        return at;
      if (best < 0 || in[at] > in[best])
        best = at;
    }
  return best;
}

/// A max-pooling's windows over a plane of height x width.
struct Windows {
  int64_t height, width, outHeight, outWidth, kernelHeight, kernelWidth,
      strideY, strideX, padTop, padLeft;

  /// 2x2 windows of stride 2 that tile the plane exactly: the vector paths.
  bool tile2x2() const {
    return kernelHeight == 2 && kernelWidth == 2 && strideY == 2 &&
           strideX == 2 && padTop == 0 && padLeft == 0 && height % 2 == 0 &&
           width % 2 == 0;
  }
};

/// visit(window, best) for each window in row-major order, `best` the
/// offset in `in` of its first maximum (firstMaximum).
template <typename Visit>
void forEachWindow(const float *in, const Windows &w, Visit visit) {
  for (int64_t oy = 0; oy < w.outHeight; ++oy) {
    int64_t y0 = oy * w.strideY - w.padTop;
    int64_t yBegin = std::max<int64_t>(y0, 0),
            yEnd = std::min(y0 + w.kernelHeight, w.height);
    for (int64_t ox = 0; ox < w.outWidth; ++ox) {
      int64_t x0 = ox * w.strideX - w.padLeft;
      visit(oy * w.outWidth + ox,
            firstMaximum(in, w.width, yBegin, yEnd, std::max<int64_t>(x0, 0),
                         std::min(x0 + w.kernelWidth, w.width)));
    }
  }
}

/// The elements a b / c d of L 2x2 windows of stride 2 from window
/// (oy, ox) on, each a vector over the windows (rows `width` apart).
template <typename V>
DL_INLINE void loadWindows(const float *in, int64_t width, int64_t oy,
                           int64_t ox, V &a, V &b, V &c, V &d) {
  constexpr int64_t L = sizeof(V) / sizeof(float);
  const float *top = in + 2 * oy * width + 2 * ox, *bottom = top + width;
  V t0, t1, b0, b1;
  loadVector(t0, top);
  loadVector(t1, top + L);
  loadVector(b0, bottom);
  loadVector(b1, bottom + L);
  splitLanes(t0, t1, a, b);
  splitLanes(b0, b1, c, d);
}

//===----------------------------------------------------------------------===//
// Forward.
//===----------------------------------------------------------------------===//

/// One plane's window maxima, window by window.
void planeMaxima(const float *in, float *out, const Windows &w) {
  forEachWindow(in, w, [&](int64_t window, int64_t best) {
    out[window] = best < 0 ? -std::numeric_limits<float>::infinity() : in[best];
  });
}

/// A plane's maxima for 2x2 windows of stride 2 that tile it (height and
/// width even), L windows of a row at a time. Vectors past a row's end
/// read into the next rows, so the caller passes the last planes to
/// planeMaxima.
template <int B>
DL_INLINE void planeMaxima2x2(const float *in, float *out, int64_t height,
                              int64_t width) {
  using V = typename Vector<float, B>::Type;
  constexpr int64_t L = kLanes<float, B>;
  int64_t outWidth = width / 2;
  for (int64_t oy = 0; oy < height / 2; ++oy)
    for (int64_t ox = 0; ox < outWidth; ox += L) {
      V a, b, c, d;
      loadWindows(in, width, oy, ox, a, b, c, d);
      V ab = a > b ? a : b, cd = c > d ? c : d;
      V best = ab > cd ? ab : cd;
      // A NaN anywhere in the window is the result (as maximumf); one
      // select each (GCC did masks joined with | lane by lane).
      best = d != d ? d : best;
      best = c != c ? c : best;
      best = b != b ? b : best;
      best = a != a ? a : best;
      // A vector past the row's end writes into the next rows, which are
      // written after it, within the plane; the last row's tail alone
      // goes through `row`.
      float *to = out + oy * outWidth + ox;
      if (to + L <= out + outWidth * (height / 2)) {
        storeVector(to, best);
      } else {
        float row[L];
        storeVector(row, best);
        for (int64_t i = 0; i < outWidth - ox; ++i)
          to[i] = row[i];
      }
    }
}

//===----------------------------------------------------------------------===//
// Gradient.
//===----------------------------------------------------------------------===//

/// One plane's gradient, window by window.
void planeGradient(const float *in, const float *grad, float *out,
                   const Windows &w) {
  std::fill_n(out, w.height * w.width, 0.0f);
  forEachWindow(in, w, [&](int64_t window, int64_t best) {
    if (best >= 0)
      out[best] += grad[window];
  });
}

/// Stores the `count` first of 2 L floats (a then b) at `to`.
template <typename V>
DL_INLINE void storeRow(float *to, const V &a, const V &b, int64_t count) {
  constexpr int64_t L = sizeof(V) / sizeof(float);
  if (count == 2 * L) {
    storeVector(to, a);
    storeVector(to + L, b);
    return;
  }
  float row[2 * L];
  storeVector(row, a);
  storeVector(row + L, b);
  std::copy_n(row, count, to);
}

/// A plane's gradient for 2x2 windows of stride 2 that tile it exactly
/// (height and width even), L windows of a row at a time: the window's
/// elements a b / c d compared in that order, the first NaN or else the
/// first maximum taking the gradient, the others 0. Vectors past a row's
/// end read into the next rows, so the caller passes the last planes to
/// planeGradient.
template <int B>
DL_INLINE void planeGradient2x2(const float *in, const float *grad, float *out,
                                int64_t height, int64_t width) {
  using V = typename Vector<float, B>::Type;
  using M = typename Vector<int32_t, B>::Type;
  constexpr int64_t L = kLanes<float, B>;
  int64_t outWidth = width / 2;
  for (int64_t oy = 0; oy < height / 2; ++oy)
    for (int64_t ox = 0; ox < outWidth; ox += L) {
      V a, b, c, d, g;
      loadWindows(in, width, oy, ox, a, b, c, d);
      loadVector(g, grad + oy * outWidth + ox);
      // The winner's position 0..3: the first maximum, unless a NaN.
      M at = M{}, one = at + 1;
      V best = a;
      M later = b > best;
      at = later ? one : at;
      best = later ? b : best;
      later = c > best;
      at = later ? one + one : at;
      best = later ? c : best;
      later = d > best;
      at = later ? one + one + one : at;
      // Kept apart from the NaN tests: GCC joins d > best and d != d into
      // one unordered compare, which it then does lane by lane.
      keepInRegister(at);
      at = d != d ? one + one + one : at;
      at = c != c ? one + one : at;
      at = b != b ? one : at;
      at = a != a ? M{} : at;
      V zero = V{};
      V ga = at == 0 ? g : zero, gb = at == 1 ? g : zero,
        gc = at == 2 ? g : zero, gd = at == 3 ? g : zero;
      V row[4];
      interleaveLanes(ga, gb, row[0], row[1]);
      interleaveLanes(gc, gd, row[2], row[3]);
      float *first = out + 2 * oy * width + 2 * ox, *second = first + width;
      // Vectors past the row's end write into the next rows, which are
      // written after them where one vector spans a row, within the plane.
      int64_t valid = std::min(2 * L, width - 2 * ox);
      auto count = [&](const float *to) {
        return outWidth <= L && to + 2 * L <= out + height * width ? 2 * L
                                                                   : valid;
      };
      storeRow(first, row[0], row[1], count(first));
      storeRow(second, row[2], row[3], count(second));
    }
}

//===----------------------------------------------------------------------===//
// The 2x2 paths for each instruction set.
//===----------------------------------------------------------------------===//

/// The 2x2 paths for vectors of B bytes, and their lanes.
struct Versions {
  void (*maxima)(const float *in, float *out, int64_t height, int64_t width);
  void (*gradient)(const float *in, const float *grad, float *out,
                   int64_t height, int64_t width);
  int64_t lanes;
};

template <int B> Versions versions();
#define DL_POOLING_VERSIONS(target, B, name)                                   \
  target void maxima##name(const float *in, float *out, int64_t height,        \
                           int64_t width) {                                    \
    planeMaxima2x2<B>(in, out, height, width);                                 \
  }                                                                            \
  target void gradient##name(const float *in, const float *grad, float *out,   \
                             int64_t height, int64_t width) {                  \
    planeGradient2x2<B>(in, grad, out, height, width);                         \
  }                                                                            \
  template <> Versions versions<B>() {                                         \
    return {maxima##name, gradient##name, kLanes<float, B>};                   \
  }
DL_POOLING_VERSIONS(, 16, SSE)
#if DL_HAVE_WIDE_VECTORS
DL_POOLING_VERSIONS(DL_TARGET_AVX2, 32, AVX2)
DL_POOLING_VERSIONS(DL_TARGET_AVX512, 64, AVX512)
#endif
#undef DL_POOLING_VERSIONS

/// The versions for this machine's widest vectors.
Versions forThisMachine() {
  return forWidestVectors(
      [](auto bytes) { return versions<decltype(bytes)::value>(); });
}

/// Every plane's gradient for 2x2 windows of stride 2 that tile it.
void planes2x2(const float *x, const float *dy, float *dx, int64_t planes,
               int64_t height, int64_t width) {
  Versions versions = forThisMachine();
  int64_t L = versions.lanes;
  int64_t plane = height * width, outPlane = plane / 4;
  // The last planes, whose vectors would read past the end of x or dy,
  // window by window.
  int64_t tail = std::min(planes, 1 + std::max((2 * L + plane - 1) / plane,
                                               (L + outPlane - 1) / outPlane));
  forEachTask(planes, [&](int64_t p) {
    if (p < planes - tail)
      versions.gradient(x + p * plane, dy + p * outPlane, dx + p * plane,
                        height, width);
    else
      planeGradient(x + p * plane, dy + p * outPlane, dx + p * plane,
                    {height, width, height / 2, width / 2, 2, 2, 2, 2, 0, 0});
  });
}

} // namespace

extern "C" void dl_maxpool2d_f32(const float *x, float *y, int64_t batch,
                                 int64_t channels, int64_t height,
                                 int64_t width, int64_t outHeight,
                                 int64_t outWidth, int64_t kernelHeight,
                                 int64_t kernelWidth, int64_t strideY,
                                 int64_t strideX, int64_t padTop,
                                 int64_t padLeft) {
  int64_t planes = batch * channels;
  if (planes == 0)
    return;
  Windows w{height,      width,   outHeight, outWidth, kernelHeight,
            kernelWidth, strideY, strideX,   padTop,   padLeft};
  int64_t plane = height * width, outPlane = outHeight * outWidth;
  Versions versions = forThisMachine();
  int64_t vectorPlanes = 0;
  if (w.tile2x2()) {
    // The last planes, whose vectors would read past the end of x.
    int64_t tail =
        std::min(planes, 1 + (2 * versions.lanes + plane - 1) / plane);
    vectorPlanes = planes - tail;
  }
  forEachTask(planes, [&](int64_t p) {
    if (p < vectorPlanes)
      versions.maxima(x + p * plane, y + p * outPlane, height, width);
    else
      planeMaxima(x + p * plane, y + p * outPlane, w);
  });
}

extern "C" void
dl_maxpool2d_grad_f32(const float *x, const float *dy, float *dx, int64_t batch,
                      int64_t channels, int64_t height, int64_t width,
                      int64_t outHeight, int64_t outWidth, int64_t kernelHeight,
                      int64_t kernelWidth, int64_t strideY, int64_t strideX,
                      int64_t padTop, int64_t padLeft) {
  int64_t planes = batch * channels;
  if (planes == 0)
    return;
  Windows w{height,      width,   outHeight, outWidth, kernelHeight,
            kernelWidth, strideY, strideX,   padTop,   padLeft};
  if (w.tile2x2()) {
    planes2x2(x, dy, dx, planes, height, width);
    return;
  }
  int64_t plane = height * width, outPlane = outHeight * outWidth;
  forEachTask(planes, [&](int64_t p) {
    planeGradient(x + p * plane, dy + p * outPlane, dx + p * plane, w);
  });
}
