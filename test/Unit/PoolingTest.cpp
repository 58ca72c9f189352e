//===- PoolingTest.cpp - The CPU max-pooling kernels ----------------------===//
//
// Part of dlcc's tests. The kernels against max-pooling written out: each
// window's maximum (NaN if it holds one), and its gradient at its first
// maximum, over disjoint and overlapping windows, padding, ties and NaNs,
// with each instruction set.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/Pooling.h"
#include "InstructionSets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>
#include <vector>

namespace {

struct Pool {
  int64_t batch, channels, height, width, kernel, stride, pad;
  int64_t outHeight() const { return (height + 2 * pad - kernel) / stride + 1; }
  int64_t outWidth() const { return (width + 2 * pad - kernel) / stride + 1; }
};

std::vector<float> reference(const Pool &p, const std::vector<float> &x,
                             const std::vector<float> &dy) {
  std::vector<float> dx(x.size(), 0.0f);
  for (int64_t plane = 0; plane < p.batch * p.channels; ++plane)
    for (int64_t oy = 0; oy < p.outHeight(); ++oy)
      for (int64_t ox = 0; ox < p.outWidth(); ++ox) {
        int64_t best = -1;
        bool nan = false;
        for (int64_t i = 0; i < p.kernel && !nan; ++i)
          for (int64_t j = 0; j < p.kernel && !nan; ++j) {
            int64_t y = oy * p.stride - p.pad + i,
                    xx = ox * p.stride - p.pad + j;
            if (y < 0 || y >= p.height || xx < 0 || xx >= p.width)
              continue;
            int64_t at = (plane * p.height + y) * p.width + xx;
            nan = std::isnan(x[at]);
            if (nan || best < 0 || x[at] > x[best])
              best = at;
          }
        if (best >= 0)
          dx[best] += dy[(plane * p.outHeight() + oy) * p.outWidth() + ox];
      }
  return dx;
}

std::vector<float> referenceMaxima(const Pool &p, const std::vector<float> &x) {
  std::vector<float> y(p.batch * p.channels * p.outHeight() * p.outWidth());
  for (int64_t plane = 0; plane < p.batch * p.channels; ++plane)
    for (int64_t oy = 0; oy < p.outHeight(); ++oy)
      for (int64_t ox = 0; ox < p.outWidth(); ++ox) {
        float best = -INFINITY;
        for (int64_t i = 0; i < p.kernel; ++i)
          for (int64_t j = 0; j < p.kernel; ++j) {
            int64_t yy = oy * p.stride - p.pad + i,
                    xx = ox * p.stride - p.pad + j;
            if (yy < 0 || yy >= p.height || xx < 0 || xx >= p.width)
              continue;
            float v = x[(plane * p.height + yy) * p.width + xx];
            best = std::isnan(v) || std::isnan(best) ? NAN : std::max(best, v);
          }
        y[(plane * p.outHeight() + oy) * p.outWidth() + ox] = best;
      }
  return y;
}

void check(const Pool &p, bool ties) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> small(0, 3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> x(p.batch * p.channels * p.height * p.width),
      dy(p.batch * p.channels * p.outHeight() * p.outWidth());
  for (float &v : x)
    v = ties ? float(small(rng)) : u(rng);
  for (float &v : dy)
    v = u(rng);
  // NaNs at each place of a 2x2 window: (0, 5), (1, 2), (2, 0), (3, 7).
  for (int64_t at : {5l, p.width + 2, 2 * p.width, 3 * p.width + 7})
    if (at < int64_t(x.size()))
      x[at] = NAN;
  std::vector<float> want = reference(p, x, dy),
                     wantMaxima = referenceMaxima(p, x);
  onEachInstructionSet([&] {
    std::vector<float> maxima(wantMaxima.size(), 1234.0f);
    dl_maxpool2d_f32(x.data(), maxima.data(), p.batch, p.channels, p.height,
                     p.width, p.outHeight(), p.outWidth(), p.kernel, p.kernel,
                     p.stride, p.stride, p.pad, p.pad);
    for (size_t e = 0; e < wantMaxima.size(); ++e)
      if (std::isnan(wantMaxima[e]))
        ASSERT_TRUE(std::isnan(maxima[e])) << "maximum " << e;
      else
        ASSERT_EQ(maxima[e], wantMaxima[e]) << "maximum " << e;
    std::vector<float> got(x.size(), 1234.0f);
    dl_maxpool2d_grad_f32(x.data(), dy.data(), got.data(), p.batch, p.channels,
                          p.height, p.width, p.outHeight(), p.outWidth(),
                          p.kernel, p.kernel, p.stride, p.stride, p.pad, p.pad);
    for (size_t e = 0; e < want.size(); ++e)
      ASSERT_FLOAT_EQ(got[e], want[e]) << "element " << e;
  });
}

TEST(MaxPool, DisjointWindows) { check({3, 4, 28, 28, 2, 2, 0}, false); }
TEST(MaxPool, Ties) { check({2, 3, 8, 8, 2, 2, 0}, true); }
TEST(MaxPool, OverlappingPadded) { check({2, 5, 9, 7, 3, 2, 1}, true); }
TEST(MaxPool, OddSizeLeavesEdges) { check({1, 2, 7, 7, 2, 2, 0}, false); }
// Rows of several vectors of windows (40 and 70 wide), and narrower than
// one (6 wide), on the 2x2 path.
TEST(MaxPool, WideRows) { check({2, 3, 6, 40, 2, 2, 0}, true); }
TEST(MaxPool, WiderRows) { check({3, 2, 4, 70, 2, 2, 0}, false); }
TEST(MaxPool, NarrowRows) { check({2, 5, 8, 6, 2, 2, 0}, true); }
// Planes smaller than a vector: one vector spans several rows.
TEST(MaxPool, TinyPlanes) { check({5, 8, 2, 4, 2, 2, 0}, true); }
// cnn's second pooling: rows of 7 windows, shorter than a vector.
TEST(MaxPool, SevenWindowRows) { check({3, 8, 14, 14, 2, 2, 0}, false); }

} // namespace
