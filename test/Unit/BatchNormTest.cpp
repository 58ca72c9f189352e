//===- BatchNormTest.cpp - The CPU batch-norm kernels ---------------------===//
//
// Part of dlcc's tests. The training forward (output and running
// statistics) and the gradient against the formulas written out in double
// precision, for images ([N, C, H, W]) and rows ([N, C]), with statistics
// far from zero and one, alone and fused with a following ReLU.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/BatchNorm.h"
#include "InstructionSets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>
#include <vector>

namespace {

/// The gradient; with `relu`, of dy masked by a following ReLU's output y
/// (zero, negative, NaN and positive values).
void check(int64_t batch, int64_t channels, int64_t size, bool relu = false) {
  std::mt19937 rng(5);
  std::normal_distribution<double> normal(0.0, 1.0);
  int64_t total = batch * channels * size;
  std::vector<float> x(total), dy(total), w(channels), y(total);
  for (int64_t e = 0; e < total; ++e) {
    int64_t c = (e / size) % channels;
    x[e] = float(3.0 * c - 2.0 + (0.5 + c) * normal(rng));
    dy[e] = float(normal(rng));
    y[e] = e % 7 == 0 ? 0.0f : e % 11 == 0 ? NAN : float(normal(rng));
  }
  // The gradient the kernel sees.
  std::vector<float> g(dy);
  if (relu)
    for (int64_t e = 0; e < total; ++e)
      g[e] = y[e] > 0 ? dy[e] : 0.0f;
  for (float &v : w)
    v = float(normal(rng));
  const double eps = 1e-5;
  std::vector<float> dx(total, NAN), dw(channels, NAN), db(channels, NAN);
  if (relu)
    dl_batchnorm_relu_grad_f32(x.data(), w.data(), dy.data(), y.data(),
                               dx.data(), dw.data(), db.data(), batch, channels,
                               size, eps);
  else
    dl_batchnorm_grad_f32(x.data(), w.data(), dy.data(), dx.data(), dw.data(),
                          db.data(), batch, channels, size, eps);
  for (int64_t c = 0; c < channels; ++c) {
    std::vector<int64_t> at;
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t i = 0; i < size; ++i)
        at.push_back((n * channels + c) * size + i);
    double count = double(at.size()), mean = 0, var = 0;
    for (int64_t e : at)
      mean += x[e] / count;
    for (int64_t e : at)
      var += (x[e] - mean) * (x[e] - mean) / count;
    double rstd = 1 / std::sqrt(var + eps), sumDy = 0, sumDyXhat = 0;
    for (int64_t e : at) {
      sumDy += g[e];
      sumDyXhat += g[e] * (x[e] - mean) * rstd;
    }
    EXPECT_NEAR(db[c], sumDy, 1e-4 * count) << "channel " << c;
    EXPECT_NEAR(dw[c], sumDyXhat, 1e-4 * count) << "channel " << c;
    for (int64_t e : at) {
      double xhat = (x[e] - mean) * rstd;
      double want = rstd * (g[e] * w[c] - sumDy * w[c] / count -
                            xhat * sumDyXhat * w[c] / count);
      ASSERT_NEAR(dx[e], want, 1e-4 * (1 + std::abs(want)))
          << "channel " << c << " element " << e;
    }
  }
}

/// The forward; with `relu`, followed by a ReLU.
void checkForward(int64_t batch, int64_t channels, int64_t size,
                  bool relu = false) {
  std::mt19937 rng(9);
  std::normal_distribution<double> normal(0.0, 1.0);
  int64_t total = batch * channels * size;
  std::vector<float> x(total), w(channels), b(channels), rm(channels),
      rv(channels);
  for (int64_t e = 0; e < total; ++e) {
    int64_t c = (e / size) % channels;
    x[e] = float(5.0 - 2.0 * c + (1.0 + c) * normal(rng));
  }
  for (int64_t c = 0; c < channels; ++c) {
    w[c] = float(normal(rng));
    b[c] = float(normal(rng));
    rm[c] = float(normal(rng));
    rv[c] = float(1.0 + std::abs(normal(rng)));
  }
  const double eps = 1e-5, momentum = 0.1;
  std::vector<float> y(total, NAN), newMean(channels, NAN),
      newVar(channels, NAN);
  (relu ? dl_batchnorm_relu_train_f32 : dl_batchnorm_train_f32)(
      x.data(), w.data(), b.data(), rm.data(), rv.data(), y.data(),
      newMean.data(), newVar.data(), batch, channels, size, eps, momentum);
  for (int64_t c = 0; c < channels; ++c) {
    double count = double(batch * size), mean = 0, var = 0;
    auto at = [&](int64_t n, int64_t i) {
      return (n * channels + c) * size + i;
    };
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t i = 0; i < size; ++i)
        mean += x[at(n, i)] / count;
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t i = 0; i < size; ++i)
        var += (x[at(n, i)] - mean) * (x[at(n, i)] - mean) / count;
    double rstd = 1 / std::sqrt(var + eps);
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t i = 0; i < size; ++i) {
        double want = (x[at(n, i)] - mean) * rstd * w[c] + b[c];
        if (relu)
          want = std::max(want, 0.0);
        ASSERT_NEAR(y[at(n, i)], want, 1e-5 * (1 + std::abs(want)))
            << "channel " << c;
      }
    EXPECT_NEAR(newMean[c], 0.9 * rm[c] + 0.1 * mean, 1e-5) << "channel " << c;
    EXPECT_NEAR(newVar[c], 0.9 * rv[c] + 0.1 * var * count / (count - 1),
                1e-5 * (1 + var))
        << "channel " << c;
  }
}

// On each instruction set: runs of 63 (vectors and a tail), 1 (all tail)
// and 784 (whole vectors).
TEST(BatchNormTrain, Images) {
  onEachInstructionSet([] { checkForward(8, 5, 7 * 9); });
}
TEST(BatchNormTrain, Rows) {
  onEachInstructionSet([] { checkForward(33, 6, 1); });
}
TEST(BatchNormTrain, Planes) {
  onEachInstructionSet([] { checkForward(3, 4, 28 * 28); });
}

TEST(BatchNormReluTrain, Images) {
  onEachInstructionSet([] { checkForward(8, 5, 7 * 9, /*relu=*/true); });
}
TEST(BatchNormReluTrain, Rows) {
  onEachInstructionSet([] { checkForward(33, 6, 1, /*relu=*/true); });
}

/// The ReLU keeps a NaN (as arith.maximumf): a channel with one is NaN
/// throughout, its neighbours are not.
TEST(BatchNormReluTrain, NaNStaysNaN) {
  onEachInstructionSet([] {
    int64_t batch = 2, channels = 3, size = 40, total = batch * channels * size;
    std::vector<float> x(total), w(channels, 1.0f), b(channels, 0.0f),
        rm(channels, 0.0f), rv(channels, 1.0f), y(total), mean(channels),
        var(channels);
    for (int64_t e = 0; e < total; ++e)
      x[e] = float(e % 5) - 2.0f;
    x[size + 3] = NAN; // Channel 1 of image 0.
    dl_batchnorm_relu_train_f32(x.data(), w.data(), b.data(), rm.data(),
                                rv.data(), y.data(), mean.data(), var.data(),
                                batch, channels, size, 1e-5, 0.1);
    for (int64_t e = 0; e < total; ++e) {
      bool nanChannel = (e / size) % channels == 1;
      EXPECT_EQ(std::isnan(y[e]), nanChannel) << "element " << e;
      if (!nanChannel) {
        EXPECT_GE(y[e], 0.0f) << "element " << e;
      }
    }
  });
}

TEST(BatchNormGrad, Images) {
  onEachInstructionSet([] { check(8, 5, 7 * 9); });
}
TEST(BatchNormGrad, Rows) {
  onEachInstructionSet([] { check(33, 6, 1); });
}
TEST(BatchNormGrad, OneImage) {
  onEachInstructionSet([] { check(1, 3, 28 * 28); });
}

TEST(BatchNormReluGrad, Images) {
  onEachInstructionSet([] { check(8, 5, 7 * 9, /*relu=*/true); });
}
TEST(BatchNormReluGrad, Rows) {
  onEachInstructionSet([] { check(33, 6, 1, /*relu=*/true); });
}

} // namespace
