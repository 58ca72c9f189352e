//===- Conv2DTest.cpp - The CPU direct convolution kernels ----------------===//
//
// Part of dlcc's tests. The kernels against the convolution and its
// gradients written out in double precision, over shapes that leave
// partial blocks of filters and positions, one channel, wide and tall
// kernels, no padding and the most padding, one image and more images than
// threads.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/Conv2D.h"
#include "InstructionSets.h"
#include "kernels/cpu/Winograd.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

struct Case {
  int64_t batch, channels, height, width, filters, kernelHeight, kernelWidth,
      padTop, padLeft;

  int64_t outHeight() const { return height + 2 * padTop - kernelHeight + 1; }
  int64_t outWidth() const { return width + 2 * padLeft - kernelWidth + 1; }
};

struct Tensors {
  std::vector<float> x, w, bias, dy;
};

Tensors randomTensors(const Case &c, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  auto fill = [&](int64_t n) {
    std::vector<float> v(n);
    for (float &e : v)
      e = u(rng);
    return v;
  };
  Tensors t;
  t.x = fill(c.batch * c.channels * c.height * c.width);
  t.w = fill(c.filters * c.channels * c.kernelHeight * c.kernelWidth);
  t.bias = fill(c.filters);
  t.dy = fill(c.batch * c.filters * c.outHeight() * c.outWidth());
  return t;
}

/// Calls body(n, f, ch, y, x, i, j, input index) for every product of the
/// convolution whose input element lies inside the image.
template <typename Body> void forEachProduct(const Case &c, Body body) {
  for (int64_t n = 0; n < c.batch; ++n)
    for (int64_t f = 0; f < c.filters; ++f)
      for (int64_t ch = 0; ch < c.channels; ++ch)
        for (int64_t y = 0; y < c.outHeight(); ++y)
          for (int64_t x = 0; x < c.outWidth(); ++x)
            for (int64_t i = 0; i < c.kernelHeight; ++i)
              for (int64_t j = 0; j < c.kernelWidth; ++j) {
                int64_t iy = y + i - c.padTop, ix = x + j - c.padLeft;
                if (iy < 0 || iy >= c.height || ix < 0 || ix >= c.width)
                  continue;
                body(n, f, ch, y, x, i, j,
                     ((n * c.channels + ch) * c.height + iy) * c.width + ix);
              }
}

void expectClose(const std::vector<float> &got, const std::vector<double> &want,
                 const char *what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double largest = 0;
  for (double v : want)
    largest = std::max(largest, std::abs(v));
  for (size_t e = 0; e < got.size(); ++e)
    ASSERT_NEAR(got[e], want[e], 1e-5 * std::max(1.0, largest))
        << what << " element " << e;
}

void checkWidest(const Case &c);

/// With the machine's widest vectors, then with AVX2 and SSE.
void check(const Case &c) {
  onEachInstructionSet([&] { checkWidest(c); });
}

void checkWidest(const Case &c) {
  Tensors t = randomTensors(c, 7);
  int64_t outPlane = c.outHeight() * c.outWidth();
  auto outIndex = [&](int64_t n, int64_t f, int64_t y, int64_t x) {
    return ((n * c.filters + f) * c.outHeight() + y) * c.outWidth() + x;
  };
  auto weightIndex = [&](int64_t f, int64_t ch, int64_t i, int64_t j) {
    return ((f * c.channels + ch) * c.kernelHeight + i) * c.kernelWidth + j;
  };
  std::vector<double> y(c.batch * c.filters * outPlane), dx(t.x.size()),
      dw(t.w.size());
  for (int64_t n = 0; n < c.batch; ++n)
    for (int64_t f = 0; f < c.filters; ++f)
      for (int64_t p = 0; p < outPlane; ++p)
        y[(n * c.filters + f) * outPlane + p] = t.bias[f];
  forEachProduct(c, [&](int64_t n, int64_t f, int64_t ch, int64_t oy,
                        int64_t ox, int64_t i, int64_t j, int64_t in) {
    double w = t.w[weightIndex(f, ch, i, j)], g = t.dy[outIndex(n, f, oy, ox)];
    y[outIndex(n, f, oy, ox)] += w * t.x[in];
    dx[in] += g * w;
    dw[weightIndex(f, ch, i, j)] += g * t.x[in];
  });

  std::vector<float> gotY(y.size(), NAN), gotDx(dx.size(), NAN),
      gotDw(dw.size(), NAN);
  dl_conv2d_fwd_f32(t.x.data(), t.w.data(), t.bias.data(), gotY.data(), c.batch,
                    c.channels, c.height, c.width, c.filters, c.kernelHeight,
                    c.kernelWidth, c.padTop, c.padLeft);
  expectClose(gotY, y, "y");
  dl_conv2d_grad_input_f32(t.dy.data(), t.w.data(), gotDx.data(), c.batch,
                           c.channels, c.height, c.width, c.filters,
                           c.kernelHeight, c.kernelWidth, c.padTop, c.padLeft);
  expectClose(gotDx, dx, "dx");
  dl_conv2d_grad_weight_f32(t.x.data(), t.dy.data(), gotDw.data(), c.batch,
                            c.channels, c.height, c.width, c.filters,
                            c.kernelHeight, c.kernelWidth, c.padTop, c.padLeft);
  expectClose(gotDw, dw, "dw");

  // Without a bias the outputs are the products alone.
  std::vector<float> noBias(y.size(), NAN);
  dl_conv2d_fwd_f32(t.x.data(), t.w.data(), nullptr, noBias.data(), c.batch,
                    c.channels, c.height, c.width, c.filters, c.kernelHeight,
                    c.kernelWidth, c.padTop, c.padLeft);
  for (int64_t e = 0; e < (int64_t)y.size(); ++e)
    y[e] -= t.bias[(e / outPlane) % c.filters];
  expectClose(noBias, y, "y without bias");
}

TEST(Conv2D, SameSize3x3) { check({3, 5, 28, 28, 11, 3, 3, 1, 1}); }
TEST(Conv2D, OneChannelManyFilters) { check({2, 1, 14, 14, 32, 3, 3, 1, 1}); }
TEST(Conv2D, NoPadding) { check({2, 3, 9, 13, 4, 3, 3, 0, 0}); }
TEST(Conv2D, WideTallKernelMostPadding) {
  check({2, 2, 7, 20, 9, 5, 10, 4, 9});
}
TEST(Conv2D, OneImage1x1) { check({1, 6, 5, 3, 17, 1, 1, 0, 0}); }
TEST(Conv2D, ManyImages) { check({9, 2, 6, 6, 3, 3, 3, 1, 1}); }
TEST(Conv2D, UnevenPadding) { check({2, 3, 8, 6, 5, 3, 2, 2, 0}); }

// 8 or more 3x3 filters over 8 or more channels: Winograd's F(MxM, 3x3),
// each with both tile sizes.
void checkWinograd(const Case &c) {
  for (const char *tile : {"2", "4"}) {
    SCOPED_TRACE(std::string("F(") + tile + "x" + tile + ", 3x3)");
    setenv("DLCC_WINOGRAD_TILE", tile, 1);
    check(c);
  }
  unsetenv("DLCC_WINOGRAD_TILE");
}

TEST(Conv2D, Winograd3x3) { checkWinograd({3, 16, 28, 28, 11, 3, 3, 1, 1}); }
TEST(Conv2D, WinogradOddSizesPartialTiles) {
  checkWinograd({2, 9, 7, 9, 13, 3, 3, 1, 1});
}
TEST(Conv2D, WinogradNoPadding) {
  checkWinograd({2, 8, 9, 12, 10, 3, 3, 0, 0});
}
TEST(Conv2D, WinogradMostPadding) {
  checkWinograd({2, 12, 5, 4, 9, 3, 3, 2, 2});
}
TEST(Conv2D, WinogradChunksOfImages) {
  checkWinograd({37, 10, 5, 6, 9, 3, 3, 1, 1});
}
TEST(Conv2D, WinogradManyChannels) {
  checkWinograd({2, 64, 14, 14, 64, 3, 3, 1, 1});
}

/// F(4x4) where it does under 3/4 of F(2x2)'s products: images of 28 x 28
/// and 14 x 14 (cnn's); not 6 x 6 (4 tiles of 36 against 9 of 16).
TEST(Conv2D, WinogradTileSizeFollowsTheProducts) {
  using dlcc::kernels::ConvGeometry;
  using dlcc::kernels::winogradTileSize;
  EXPECT_EQ(winogradTileSize(ConvGeometry{32, 28, 28, 32, 3, 3, 1, 1}), 4);
  EXPECT_EQ(winogradTileSize(ConvGeometry{64, 14, 14, 64, 3, 3, 1, 1}), 4);
  EXPECT_EQ(winogradTileSize(ConvGeometry{64, 6, 6, 64, 3, 3, 1, 1}), 2);
  setenv("DLCC_WINOGRAD_TILE", "2", 1);
  EXPECT_EQ(winogradTileSize(ConvGeometry{32, 28, 28, 32, 3, 3, 1, 1}), 2);
  unsetenv("DLCC_WINOGRAD_TILE");
}

/// Each output element is computed by one thread in a fixed order: two
/// calls give the same bits.
TEST(Conv2D, Deterministic) {
  Case c{8, 4, 12, 12, 10, 3, 3, 1, 1};
  Tensors t = randomTensors(c, 11);
  std::vector<float> first(t.w.size()), second(t.w.size());
  for (std::vector<float> *dw : {&first, &second})
    dl_conv2d_grad_weight_f32(
        t.x.data(), t.dy.data(), dw->data(), c.batch, c.channels, c.height,
        c.width, c.filters, c.kernelHeight, c.kernelWidth, c.padTop, c.padLeft);
  EXPECT_EQ(first, second);
}

/// Nor do results depend on the number of threads: the Winograd weight
/// gradient sums its chunks in a fixed number of groups.
TEST(Conv2D, SameBitsOnAnyNumberOfThreads) {
  for (Case c : {Case{37, 16, 14, 14, 24, 3, 3, 1, 1},
                 Case{5, 4, 12, 12, 10, 3, 3, 1, 1}}) {
    Tensors t = randomTensors(c, 13);
    auto run = [&](int threads) {
      omp_set_num_threads(threads);
      std::vector<float> y(c.batch * c.filters * c.outHeight() * c.outWidth()),
          dx(t.x.size()), dw(t.w.size());
      dl_conv2d_fwd_f32(t.x.data(), t.w.data(), t.bias.data(), y.data(),
                        c.batch, c.channels, c.height, c.width, c.filters,
                        c.kernelHeight, c.kernelWidth, c.padTop, c.padLeft);
      dl_conv2d_grad_input_f32(t.dy.data(), t.w.data(), dx.data(), c.batch,
                               c.channels, c.height, c.width, c.filters,
                               c.kernelHeight, c.kernelWidth, c.padTop,
                               c.padLeft);
      dl_conv2d_grad_weight_f32(t.x.data(), t.dy.data(), dw.data(), c.batch,
                                c.channels, c.height, c.width, c.filters,
                                c.kernelHeight, c.kernelWidth, c.padTop,
                                c.padLeft);
      return std::vector<std::vector<float>>{y, dx, dw};
    };
    std::vector<std::vector<float>> one = run(1), three = run(3);
    omp_set_num_threads(omp_get_num_procs());
    EXPECT_EQ(one[0], three[0]) << "y";
    EXPECT_EQ(one[1], three[1]) << "dx";
    EXPECT_EQ(one[2], three[2]) << "dw";
  }
}

} // namespace
