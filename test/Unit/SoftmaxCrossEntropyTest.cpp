//===- SoftmaxCrossEntropyTest.cpp - Tests of the CPU cross-entropy -------===//
//
// Part of dlcc. The reference is torch.nn.functional.cross_entropy's
// definition, -sum_j target_j log_softmax(x)_j averaged over the rows that are
// not ignored, evaluated in double precision.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/SoftmaxCrossEntropy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace {

constexpr int64_t kIgnore = -100;

// One row's loss, written as PyTorch defines it rather than as the kernel
// computes it.
double referenceRowLoss(const double *x, int64_t classes, int32_t label,
                        double eps) {
  double max = *std::max_element(x, x + classes), sum = 0;
  for (int64_t j = 0; j < classes; ++j)
    sum += std::exp(x[j] - max);
  const double lse = max + std::log(sum);
  double loss = 0;
  for (int64_t j = 0; j < classes; ++j) {
    double target = (j == label ? 1 - eps : 0) + eps / classes;
    loss -= target * (x[j] - lse);
  }
  return loss;
}

double referenceLoss(const std::vector<double> &logits,
                     const std::vector<int32_t> &labels, int64_t classes,
                     double eps, int64_t ignoreIndex = kIgnore) {
  double sum = 0, count = 0;
  for (size_t r = 0; r < labels.size(); ++r) {
    if (labels[r] == ignoreIndex)
      continue;
    sum +=
        referenceRowLoss(logits.data() + r * classes, classes, labels[r], eps);
    ++count;
  }
  return sum / count; // 0/0 is NaN, as in PyTorch.
}

struct Forward {
  std::vector<float> rowLoss, rowLse, rowWeight;
  float loss = 0, count = 0;
  int32_t error = DL_XENT_NO_ERROR;
};

Forward forward(const std::vector<float> &logits,
                const std::vector<int32_t> &labels, int64_t classes, float eps,
                int64_t ignoreIndex = kIgnore) {
  const int64_t rows = labels.size();
  Forward f;
  // Poisoned, so that a row the kernel leaves unwritten shows.
  const float poison = std::numeric_limits<float>::quiet_NaN();
  f.rowLoss.assign(rows, poison);
  f.rowLse.assign(rows, poison);
  f.rowWeight.assign(rows, poison);
  dl_softmax_xent_fwd_f32(logits.data(), labels.data(), f.rowLoss.data(),
                          f.rowLse.data(), f.rowWeight.data(), &f.error, rows,
                          classes, eps, ignoreIndex);
  dl_softmax_xent_reduce_f32(f.rowLoss.data(), f.rowWeight.data(), &f.loss,
                             &f.count, rows);
  return f;
}

std::vector<float> backward(const Forward &f, const std::vector<float> &logits,
                            const std::vector<int32_t> &labels, int64_t classes,
                            float eps, float dloss) {
  std::vector<float> dlogits(logits.size(),
                             std::numeric_limits<float>::quiet_NaN());
  dl_softmax_xent_bwd_f32(dlogits.data(), logits.data(), labels.data(),
                          f.rowLse.data(), f.rowWeight.data(), &dloss, &f.count,
                          labels.size(), classes, eps);
  return dlogits;
}

std::vector<float> randomLogits(int64_t n, float scale, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> x(n);
  for (float &v : x)
    v = normal(rng);
  return x;
}

std::vector<double> toDouble(const std::vector<float> &x) {
  return std::vector<double>(x.begin(), x.end());
}

} // namespace

// Classes fewer than, just over and several times the 32 lanes a row is
// split over; with and without smoothing; two rows ignored.
TEST(SoftmaxCrossEntropy, ForwardMatchesReference) {
  for (int64_t classes : {5, 33, 100}) {
    for (float eps : {0.0f, 0.1f}) {
      SCOPED_TRACE(testing::Message() << "C=" << classes << " eps=" << eps);
      const std::vector<int32_t> labels{
          0, 4, int32_t(kIgnore), 2, 3, int32_t(classes - 1), int32_t(kIgnore)};
      const int64_t rows = labels.size();
      const auto logits = randomLogits(rows * classes, 3.0f, classes);
      const auto x = toDouble(logits);
      Forward f = forward(logits, labels, classes, eps);

      EXPECT_EQ(f.error, DL_XENT_NO_ERROR);
      EXPECT_EQ(f.count, 5.0f);
      for (int64_t r = 0; r < rows; ++r) {
        const double *row = x.data() + r * classes;
        double max = *std::max_element(row, row + classes), sum = 0;
        for (int64_t j = 0; j < classes; ++j)
          sum += std::exp(row[j] - max);
        EXPECT_NEAR(f.rowLse[r], max + std::log(sum), 1e-5) << "row " << r;
        if (labels[r] == kIgnore) {
          EXPECT_EQ(f.rowWeight[r], 0.0f);
          EXPECT_EQ(f.rowLoss[r], 0.0f);
          continue;
        }
        EXPECT_EQ(f.rowWeight[r], 1.0f);
        EXPECT_NEAR(f.rowLoss[r],
                    referenceRowLoss(row, classes, labels[r], eps), 1e-5)
            << "row " << r;
      }
      EXPECT_NEAR(f.loss, referenceLoss(x, labels, classes, eps), 1e-5);
    }
  }
}

// Smoothing moves the loss by eps * (mean of -log_softmax - the label's):
// a hand-computed case, independent of the reference above.
TEST(SoftmaxCrossEntropy, LabelSmoothingByHand) {
  // Logits 0, 0, log 2: softmax 1/4, 1/4, 1/2.
  const std::vector<float> logits{0.0f, 0.0f, float(std::log(2.0))};
  const std::vector<int32_t> labels{2};
  Forward f = forward(logits, labels, 3, 0.3f);
  // -log p = log 4, log 4, log 2; target 0.1, 0.1, 0.8.
  const double expected = 0.1 * std::log(4.0) * 2 + 0.8 * std::log(2.0);
  EXPECT_NEAR(f.loss, expected, 1e-6);
}

TEST(SoftmaxCrossEntropy, AllRowsIgnoredGiveNaN) {
  const std::vector<float> logits = randomLogits(3 * 4, 1.0f, 1);
  const std::vector<int32_t> labels(3, int32_t(kIgnore));
  Forward f = forward(logits, labels, 4, 0.1f);
  EXPECT_TRUE(std::isnan(f.loss));
  EXPECT_EQ(f.count, 0.0f);
  EXPECT_EQ(f.error, DL_XENT_NO_ERROR);
  // PyTorch's gradient is 0 there too, not NaN.
  for (float g : backward(f, logits, labels, 4, 0.1f, 1.0f))
    EXPECT_EQ(g, 0.0f);
}

// An ignore_index other than -100: that label is skipped, -100 is then a bad
// label like any other outside [0, C).
TEST(SoftmaxCrossEntropy, OtherIgnoreIndex) {
  const std::vector<float> logits = randomLogits(3 * 4, 1.0f, 2);
  const std::vector<int32_t> labels{3, 1, 2};
  Forward f = forward(logits, labels, 4, 0.0f, /*ignoreIndex=*/3);
  EXPECT_EQ(f.count, 2.0f);
  EXPECT_EQ(f.rowWeight[0], 0.0f);
  EXPECT_NEAR(f.loss, referenceLoss(toDouble(logits), labels, 4, 0.0, 3), 1e-6);
  EXPECT_EQ(f.error, DL_XENT_NO_ERROR);
}

// dloss * d(mean loss)/d(logits) against central differences of the
// double-precision reference; the ignored row's gradient is exactly 0.
TEST(SoftmaxCrossEntropy, BackwardMatchesFiniteDifferences) {
  const int64_t classes = 7;
  const std::vector<int32_t> labels{3, int32_t(kIgnore), 0, 6, 5, 3};
  const int64_t rows = labels.size();
  const float dloss = 0.7f;
  for (float eps : {0.0f, 0.2f}) {
    SCOPED_TRACE(testing::Message() << "eps=" << eps);
    const auto logits = randomLogits(rows * classes, 2.0f, 7);
    Forward f = forward(logits, labels, classes, eps);
    const auto dlogits = backward(f, logits, labels, classes, eps, dloss);

    auto x = toDouble(logits);
    const double h = 1e-6;
    for (int64_t i = 0; i < rows * classes; ++i) {
      const double saved = x[i];
      x[i] = saved + h;
      const double up = referenceLoss(x, labels, classes, eps);
      x[i] = saved - h;
      const double down = referenceLoss(x, labels, classes, eps);
      x[i] = saved;
      const double expected = dloss * (up - down) / (2 * h);
      if (labels[i / classes] == kIgnore)
        EXPECT_EQ(dlogits[i], 0.0f) << "element " << i;
      else
        EXPECT_NEAR(dlogits[i], expected, 1e-6) << "element " << i;
    }
  }
}

// Logits of 1e4: exp would overflow without the max subtracted, and
// logsumexp - x[label] would lose the small loss of a right answer to
// cancellation (10000.31 has a float ulp of 1e-3).
TEST(SoftmaxCrossEntropy, LargeLogitsStayFinite) {
  const int64_t classes = 4;
  const std::vector<float> logits{1e4f,  1e4f - 1, -1e4f, 0.0f,      // right
                                  -1e4f, 1e4f,     5e3f,  1e4f - 2}; // wrong
  const std::vector<int32_t> labels{0, 0};
  for (float eps : {0.0f, 0.1f}) {
    SCOPED_TRACE(testing::Message() << "eps=" << eps);
    Forward f = forward(logits, labels, classes, eps);
    const auto x = toDouble(logits);
    EXPECT_NEAR(f.rowLoss[0], referenceRowLoss(x.data(), classes, 0, eps),
                1e-6 * (1 + 1e4 * eps));
    EXPECT_NEAR(f.rowLoss[1] / referenceRowLoss(x.data() + 4, classes, 0, eps),
                1.0, 1e-6);
    EXPECT_TRUE(std::isfinite(f.loss));
    EXPECT_TRUE(std::isfinite(f.rowLse[0]) && std::isfinite(f.rowLse[1]));

    // softmax and target both sum to 1, so a row's gradient sums to 0, up
    // to the float rounding of the saved logsumexp: exp(x - lse) is off by
    // up to ulp(1e4)/2 = 5e-4 relative.
    const auto dlogits = backward(f, logits, labels, classes, eps, 1.0f);
    for (int64_t r = 0; r < 2; ++r) {
      double rowSum = 0;
      for (int64_t j = 0; j < classes; ++j) {
        float g = dlogits[r * classes + j];
        EXPECT_TRUE(std::isfinite(g));
        rowSum += g;
      }
      EXPECT_NEAR(rowSum, 0.0, 5e-4 / 2);
    }
    // The wrong row: the label's logit is 2e4 below the max, so its
    // probability is 0 and its gradient -(1 - eps + eps/C) / count.
    EXPECT_NEAR(dlogits[4], -(1 - eps + eps / classes) / 2, 1e-7);
  }
}

// A label outside [0, C) is reported in the error slot, the first one in row
// order, and its row does not count; the call does not abort.
TEST(SoftmaxCrossEntropy, BadLabelSetsErrorSlot) {
  const int64_t classes = 5;
  const std::vector<float> logits = randomLogits(5 * classes, 1.0f, 3);
  const std::vector<int32_t> labels{1, 7, int32_t(kIgnore), -3, 4};
  Forward f = forward(logits, labels, classes, 0.0f);
  EXPECT_EQ(f.error, 7);
  EXPECT_EQ(f.count, 2.0f);
  EXPECT_EQ(f.rowWeight[1], 0.0f);
  EXPECT_EQ(f.rowWeight[3], 0.0f);
  EXPECT_TRUE(std::isfinite(f.loss));
  // The backward skips the bad rows instead of indexing with their labels.
  const auto dlogits = backward(f, logits, labels, classes, 0.0f, 1.0f);
  for (int64_t j = 0; j < classes; ++j) {
    EXPECT_EQ(dlogits[1 * classes + j], 0.0f);
    EXPECT_EQ(dlogits[3 * classes + j], 0.0f);
  }

  // A slot already holding an error keeps it.
  Forward again;
  again.error = 42;
  again.rowLoss.resize(5);
  again.rowLse.resize(5);
  again.rowWeight.resize(5);
  dl_softmax_xent_fwd_f32(logits.data(), labels.data(), again.rowLoss.data(),
                          again.rowLse.data(), again.rowWeight.data(),
                          &again.error, 5, classes, 0.0f, kIgnore);
  EXPECT_EQ(again.error, 42);

  // C itself is out of range; C - 1 and 0 are not.
  const std::vector<int32_t> edges{0, int32_t(classes - 1), int32_t(classes)};
  EXPECT_EQ(forward(logits, edges, classes, 0.0f).error, classes);
}

// Many rows: the reduction's fixed-order float sum stays close to the exact
// one, and the count is exact.
TEST(SoftmaxCrossEntropy, ReductionOverManyRows) {
  const int64_t rows = 10000;
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> uniform(0.0f, 10.0f);
  std::vector<float> rowLoss(rows), rowWeight(rows);
  double sum = 0, count = 0;
  for (int64_t r = 0; r < rows; ++r) {
    rowWeight[r] = r % 7 == 0 ? 0.0f : 1.0f;
    rowLoss[r] = rowWeight[r] * uniform(rng);
    sum += rowLoss[r];
    count += rowWeight[r];
  }
  float loss, countOut;
  dl_softmax_xent_reduce_f32(rowLoss.data(), rowWeight.data(), &loss, &countOut,
                             rows);
  EXPECT_EQ(countOut, float(count));
  EXPECT_NEAR(loss, sum / count, 1e-6 * sum / count);

  dl_softmax_xent_reduce_f32(rowLoss.data(), rowWeight.data(), &loss, &countOut,
                             0);
  EXPECT_TRUE(std::isnan(loss));
  EXPECT_EQ(countOut, 0.0f);
}
