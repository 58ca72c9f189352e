//===- PoolingTest.cpp - The CPU max-pooling gradient kernel --------------===//
//
// Part of dlcc's tests. The kernel against the gradient written out: each
// window's gradient at its first maximum, over disjoint and overlapping
// windows, padding, ties and NaNs, with each instruction set.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/Pooling.h"
#include "InstructionSets.h"

#include <gtest/gtest.h>

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
  std::vector<float> want = reference(p, x, dy);
  onEachInstructionSet([&] {
    std::vector<float> got(x.size(), 1234.0f);
    dl_maxpool2d_grad_f32(x.data(), dy.data(), got.data(), p.batch, p.channels,
                          p.height, p.width, p.outHeight(), p.outWidth(),
                          p.kernel, p.kernel, p.stride, p.stride, p.pad, p.pad);
    for (size_t e = 0; e < want.size(); ++e)
      ASSERT_FLOAT_EQ(got[e], want[e]) << "element " << e;
  });
}

TEST(MaxPoolGrad, DisjointWindows) { check({3, 4, 28, 28, 2, 2, 0}, false); }
TEST(MaxPoolGrad, Ties) { check({2, 3, 8, 8, 2, 2, 0}, true); }
TEST(MaxPoolGrad, OverlappingPadded) { check({2, 5, 9, 7, 3, 2, 1}, true); }
TEST(MaxPoolGrad, OddSizeLeavesEdges) { check({1, 2, 7, 7, 2, 2, 0}, false); }
// Rows of several vectors of windows (40 and 70 wide), and narrower than
// one (6 wide), on the 2x2 path.
TEST(MaxPoolGrad, WideRows) { check({2, 3, 6, 40, 2, 2, 0}, true); }
TEST(MaxPoolGrad, WiderRows) { check({3, 2, 4, 70, 2, 2, 0}, false); }
TEST(MaxPoolGrad, NarrowRows) { check({2, 5, 8, 6, 2, 2, 0}, true); }
// Planes smaller than a vector: one vector spans several rows.
TEST(MaxPoolGrad, TinyPlanes) { check({5, 8, 2, 4, 2, 2, 0}, true); }

} // namespace
