//===- ClassifierTest.cpp - Tests of the fused classifier backward -------===//
//
// Part of dlcc. dl_classifier_grad_f32 against the gradients written out in
// double: g = dloss (softmax(logits) - target) / count per row (0 for
// ignored rows), dx = g w, dw = g^T x, db = sum(g, 0).
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/Classifier.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

struct Problem {
  int64_t rows, classes, features, blockRows;
  float smoothing;
  int64_t ignoreIndex;
};

void check(const Problem &p, const std::vector<int32_t> &labels) {
  std::mt19937 engine(5);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  std::vector<float> logits(p.rows * p.classes), x(p.rows * p.features),
      w(p.classes * p.features);
  for (std::vector<float> *values : {&logits, &x, &w})
    for (float &v : *values)
      v = normal(engine);
  const float dloss = 0.75f;

  // The reference, in double.
  std::vector<double> g(p.rows * p.classes, 0.0);
  double count = 0;
  for (int64_t r = 0; r < p.rows; ++r)
    count += labels[r] != p.ignoreIndex;
  for (int64_t r = 0; r < p.rows; ++r) {
    if (labels[r] == p.ignoreIndex)
      continue;
    double top = -INFINITY, sum = 0;
    for (int64_t j = 0; j < p.classes; ++j)
      top = std::max(top, double(logits[r * p.classes + j]));
    for (int64_t j = 0; j < p.classes; ++j)
      sum += std::exp(logits[r * p.classes + j] - top);
    for (int64_t j = 0; j < p.classes; ++j) {
      double softmax = std::exp(logits[r * p.classes + j] - top) / sum;
      double target = (j == labels[r] ? 1.0 - p.smoothing : 0.0) +
                      p.smoothing / double(p.classes);
      g[r * p.classes + j] = dloss * (softmax - target) / count;
    }
  }
  std::vector<double> dx(p.rows * p.features, 0.0),
      dw(p.classes * p.features, 0.0), db(p.classes, 0.0);
  for (int64_t r = 0; r < p.rows; ++r)
    for (int64_t j = 0; j < p.classes; ++j) {
      double gj = g[r * p.classes + j];
      db[j] += gj;
      for (int64_t k = 0; k < p.features; ++k) {
        dx[r * p.features + k] += gj * w[j * p.features + k];
        dw[j * p.features + k] += gj * x[r * p.features + k];
      }
    }

  // The kernel, with garbage in every output and scratch buffer first.
  std::vector<float> gotDx(dx.size(), NAN), gotDw(dw.size(), NAN),
      gotDb(db.size(), NAN), block(p.blockRows * p.classes, NAN),
      rowLse(p.rows, NAN), rowWeight(p.rows, NAN), rowLoss(p.rows, NAN);
  dl_classifier_grad_f32(logits.data(), labels.data(), &dloss, x.data(),
                         w.data(), gotDx.data(), gotDw.data(), gotDb.data(),
                         block.data(), rowLse.data(), rowWeight.data(),
                         rowLoss.data(), p.rows, p.classes, p.features,
                         p.blockRows, p.smoothing, p.ignoreIndex);
  auto expectNear = [](const std::vector<float> &got,
                       const std::vector<double> &want, const char *what) {
    double scale = 0;
    for (double v : want)
      scale = std::max(scale, std::abs(v));
    for (size_t i = 0; i < want.size(); ++i)
      ASSERT_NEAR(got[i], want[i], 1e-5 * scale) << what << "[" << i << "]";
  };
  expectNear(gotDx, dx, "dx");
  expectNear(gotDw, dw, "dw");
  expectNear(gotDb, db, "db");
}

} // namespace

// Every row in one block.
TEST(Classifier, OneBlock) {
  check({6, 5, 3, 6, 0.0f, -100}, {0, 4, 2, 2, 1, 3});
}

// Blocks of 3 rows, the last one short; label smoothing; ignored rows in
// the first and the last block. dw and db add up over the blocks.
TEST(Classifier, BlocksOfRowsSmoothingIgnored) {
  check({8, 7, 4, 3, 0.1f, -100}, {-100, 6, 0, 3, 3, 1, 2, -100});
}

// A block of one row and many classes: the products see one row at a
// time.
TEST(Classifier, BlockOfOneRow) {
  check({5, 40, 9, 1, 0.0f, 7}, {7, 39, 0, 12, 7});
}
