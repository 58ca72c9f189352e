//===- LayerNorm.cpp - Layer normalization and its gradient (CPU) ---------===//
//
// Part of dlcc's kernels. A row at a time: its elements (768 bytes for
// gpt's 192) stay in the core's cache across the passes over them, so x and
// dy are read from memory once and y or dx written once; written out, the
// gradient made seven passes over whole tensors and kept x^ and dy * weight
// in memory between them. Sums are in vectors of accumulators along the row
// (sumRun), their lanes then the tail added in a fixed order. Each is built for
// AVX-512, AVX2 and SSE, chosen at run time.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/LayerNorm.h"
#include "kernels/cpu/Parallel.h"
#include "kernels/cpu/Simd.h"
#include "kernels/cpu/Sums.h"

#include <algorithm>
#include <cmath>

using namespace dlcc::kernels;

namespace {

/// A row's mean and inverse standard deviation (the variance biased): the
/// mean, then the squares about it.
struct RowStatistics {
  float mean, rstd;
};
template <int B>
DL_INLINE RowStatistics statistics(const float *x, int64_t size, float eps) {
  float sum[1];
  sumRun<B>(0, size, Values{x}, sum);
  float mean = sum[0] / float(size);
  sumRun<B>(0, size, Squares{x, mean}, sum);
  return {mean, 1.0f / std::sqrt(sum[0] / float(size) + eps)};
}

/// g = dy * weight and g x^, x^ = (x - mean) rstd, for a row's sums; adds
/// dy x^ and dy to the columns' sums in dweight and dbias as it goes.
struct GradientTerms {
  const float *x, *dy, *weight;
  float *dweight, *dbias;
  RowStatistics s;
  template <typename V> DL_INLINE void vector(int64_t c, V (&t)[2]) const {
    V v, d, w, dw, db;
    loadVector(v, x + c);
    loadVector(d, dy + c);
    loadVector(w, weight + c);
    loadVector(dw, dweight + c);
    loadVector(db, dbias + c);
    V xhat = (v - s.mean) * s.rstd;
    t[0] = d * w;
    t[1] = t[0] * xhat;
    storeVector(dweight + c, dw + d * xhat);
    storeVector(dbias + c, db + d);
  }
  DL_INLINE void scalar(int64_t c, float (&t)[2]) const {
    float xhat = (x[c] - s.mean) * s.rstd;
    t[0] = dy[c] * weight[c];
    t[1] = t[0] * xhat;
    dweight[c] += dy[c] * xhat;
    dbias[c] += dy[c];
  }
};

/// What one call's rows share.
struct Rows {
  const float *x, *weight, *bias,
      *dy;    // bias: the forward's; dy: the gradient's.
  float *out; // y or dx.
  int64_t size;
  float eps;
};

/// y for rows [begin, end).
template <int B>
DL_INLINE void forwardRows(const Rows &r, int64_t begin, int64_t end) {
  using V = typename Vector<float, B>::Type;
  constexpr int64_t L = kLanes<float, B>;
  for (int64_t row = begin; row < end; ++row) {
    const float *x = r.x + row * r.size;
    float *y = r.out + row * r.size;
    RowStatistics s = statistics<B>(x, r.size, r.eps);
    int64_t c = 0;
    for (; c + L <= r.size; c += L) {
      V v, w, b;
      loadVector(v, x + c);
      loadVector(w, r.weight + c);
      loadVector(b, r.bias + c);
      storeVector(y + c, (v - s.mean) * s.rstd * w + b);
    }
    for (; c < r.size; ++c)
      y[c] = (x[c] - s.mean) * s.rstd * r.weight[c] + r.bias[c];
  }
}

/// dx for rows [begin, end), and their sums of dy x^ and dy per column in
/// dweight and dbias (overwritten).
template <int B>
DL_INLINE void gradRows(const Rows &r, int64_t begin, int64_t end,
                        float *dweight, float *dbias) {
  using V = typename Vector<float, B>::Type;
  constexpr int64_t L = kLanes<float, B>;
  std::fill_n(dweight, r.size, 0.0f);
  std::fill_n(dbias, r.size, 0.0f);
  for (int64_t row = begin; row < end; ++row) {
    const float *x = r.x + row * r.size, *dy = r.dy + row * r.size;
    float *dx = r.out + row * r.size;
    RowStatistics s = statistics<B>(x, r.size, r.eps);
    // sum(g) and sum(g x^), and the columns' sums.
    float sums[2];
    sumRun<B>(0, r.size, GradientTerms{x, dy, r.weight, dweight, dbias, s},
              sums);
    float meanG = sums[0] / float(r.size), meanGXhat = sums[1] / float(r.size);
    int64_t c = 0;
    for (; c + L <= r.size; c += L) {
      V v, d, w;
      loadVector(v, x + c);
      loadVector(d, dy + c);
      loadVector(w, r.weight + c);
      V xhat = (v - s.mean) * s.rstd;
      storeVector(dx + c, s.rstd * (d * w - meanG - xhat * meanGXhat));
    }
    for (; c < r.size; ++c) {
      float xhat = (x[c] - s.mean) * s.rstd;
      dx[c] = s.rstd * (dy[c] * r.weight[c] - meanG - xhat * meanGXhat);
    }
  }
}

using Forward = void (*)(const Rows &, int64_t, int64_t);
using Grad = void (*)(const Rows &, int64_t, int64_t, float *, float *);

/// Each instruction set's versions: called from the threads' lambdas, which
/// the compiler does not build for the functions' targets.
struct Versions {
  Forward forward;
  Grad grad;
};

template <int B> Versions versions();
#define DL_LAYERNORM_VERSIONS(target, B, name)                                 \
  target void forward##name(const Rows &r, int64_t begin, int64_t end) {       \
    forwardRows<B>(r, begin, end);                                             \
  }                                                                            \
  target void grad##name(const Rows &r, int64_t begin, int64_t end,            \
                         float *dweight, float *dbias) {                       \
    gradRows<B>(r, begin, end, dweight, dbias);                                \
  }                                                                            \
  template <> Versions versions<B>() { return {forward##name, grad##name}; }
DL_LAYERNORM_VERSIONS(, 16, SSE)
#if DL_HAVE_WIDE_VECTORS
DL_LAYERNORM_VERSIONS(DL_TARGET_AVX2, 32, AVX2)
DL_LAYERNORM_VERSIONS(DL_TARGET_AVX512, 64, AVX512)
#endif
#undef DL_LAYERNORM_VERSIONS

/// The versions for this machine's widest vectors.
Versions forThisMachine() {
  return forWidestVectors(
      [](auto bytes) { return versions<decltype(bytes)::value>(); });
}

} // namespace

extern "C" void dl_layernorm_f32(const float *x, const float *weight,
                                 const float *bias, float *y, int64_t rows,
                                 int64_t size, double eps) {
  Forward forward = forThisMachine().forward;
  Rows r{x, weight, bias, nullptr, y, size, float(eps)};
  // Shares of at least 16 rows (a few KB), at row boundaries.
  onShares(rows, 16, 1,
           [&](int64_t begin, int64_t end) { forward(r, begin, end); });
}

extern "C" void dl_layernorm_grad_f32(const float *x, const float *weight,
                                      const float *dy, float *dx,
                                      float *dweight, float *dbias,
                                      float *partials, int64_t rows,
                                      int64_t size, int64_t blockRows,
                                      double eps) {
  Grad grad = forThisMachine().grad;
  Rows r{x, weight, nullptr, dy, dx, size, float(eps)};
  int64_t blocks = (rows + blockRows - 1) / blockRows;
  forEachTask(blocks, [&](int64_t block) {
    float *sums = partials + block * 2 * size;
    grad(r, block * blockRows, std::min(rows, (block + 1) * blockRows), sums,
         sums + size);
  });
  // The blocks' sums in block order, in double.
  for (int64_t c = 0; c < size; ++c) {
    double w = 0, b = 0;
    for (int64_t block = 0; block < blocks; ++block) {
      w += partials[block * 2 * size + c];
      b += partials[block * 2 * size + size + c];
    }
    dweight[c] = float(w);
    dbias[c] = float(b);
  }
}
