//===- LayerNormTest.cpp - The CPU layer-norm kernels ---------------------===//
//
// Part of dlcc's tests. The forward and the gradient against the formulas
// written out in double precision, with rows far from zero mean and unit
// variance, row lengths of whole vectors and with tails, and blocks of rows
// that do not divide the rows; the gradient's column sums do not depend on
// the number of threads.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/LayerNorm.h"
#include "InstructionSets.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <vector>

#include <omp.h>

namespace {

struct Data {
  std::vector<float> x, w, b, dy;
};

Data makeData(int64_t rows, int64_t size) {
  std::mt19937 rng(11);
  std::normal_distribution<double> normal(0.0, 1.0);
  Data d{std::vector<float>(rows * size), std::vector<float>(size),
         std::vector<float>(size), std::vector<float>(rows * size)};
  for (int64_t e = 0; e < rows * size; ++e) {
    int64_t r = e / size;
    d.x[e] = float(4.0 - 1.5 * (r % 5) + (0.5 + r % 3) * normal(rng));
    d.dy[e] = float(normal(rng));
  }
  for (int64_t c = 0; c < size; ++c) {
    d.w[c] = float(normal(rng));
    d.b[c] = float(normal(rng));
  }
  return d;
}

/// Row r's mean and inverse standard deviation in double.
std::pair<double, double> statistics(const Data &d, int64_t r, int64_t size,
                                     double eps) {
  double mean = 0, var = 0;
  for (int64_t c = 0; c < size; ++c)
    mean += d.x[r * size + c] / double(size);
  for (int64_t c = 0; c < size; ++c)
    var +=
        (d.x[r * size + c] - mean) * (d.x[r * size + c] - mean) / double(size);
  return {mean, 1 / std::sqrt(var + eps)};
}

void checkForward(int64_t rows, int64_t size) {
  Data d = makeData(rows, size);
  const double eps = 1e-5;
  std::vector<float> y(rows * size, NAN);
  dl_layernorm_f32(d.x.data(), d.w.data(), d.b.data(), y.data(), rows, size,
                   eps);
  for (int64_t r = 0; r < rows; ++r) {
    auto [mean, rstd] = statistics(d, r, size, eps);
    for (int64_t c = 0; c < size; ++c) {
      double want = (d.x[r * size + c] - mean) * rstd * d.w[c] + d.b[c];
      ASSERT_NEAR(y[r * size + c], want, 1e-5 * (1 + std::abs(want)))
          << "row " << r << " column " << c;
    }
  }
}

/// The gradient, with the rows in blocks of blockRows; dweight then dbias
/// in `sums` where given.
void checkGrad(int64_t rows, int64_t size, int64_t blockRows,
               std::vector<float> *sums = nullptr) {
  Data d = makeData(rows, size);
  const double eps = 1e-5;
  int64_t blocks = (rows + blockRows - 1) / blockRows;
  std::vector<float> dx(rows * size, NAN), dw(size, NAN), db(size, NAN),
      partials(blocks * 2 * size, NAN);
  dl_layernorm_grad_f32(d.x.data(), d.w.data(), d.dy.data(), dx.data(),
                        dw.data(), db.data(), partials.data(), rows, size,
                        blockRows, eps);
  std::vector<double> wantDw(size), wantDb(size);
  for (int64_t r = 0; r < rows; ++r) {
    auto [mean, rstd] = statistics(d, r, size, eps);
    double sumG = 0, sumGXhat = 0;
    for (int64_t c = 0; c < size; ++c) {
      double xhat = (d.x[r * size + c] - mean) * rstd,
             g = double(d.dy[r * size + c]) * d.w[c];
      sumG += g;
      sumGXhat += g * xhat;
      wantDw[c] += d.dy[r * size + c] * xhat;
      wantDb[c] += d.dy[r * size + c];
    }
    for (int64_t c = 0; c < size; ++c) {
      double xhat = (d.x[r * size + c] - mean) * rstd;
      double want = rstd * (double(d.dy[r * size + c]) * d.w[c] - sumG / size -
                            xhat * sumGXhat / size);
      ASSERT_NEAR(dx[r * size + c], want, 1e-4 * (1 + std::abs(want)))
          << "row " << r << " column " << c;
    }
  }
  for (int64_t c = 0; c < size; ++c) {
    EXPECT_NEAR(dw[c], wantDw[c], 1e-4 * rows) << "column " << c;
    EXPECT_NEAR(db[c], wantDb[c], 1e-4 * rows) << "column " << c;
  }
  if (sums) {
    *sums = dw;
    sums->insert(sums->end(), db.begin(), db.end());
  }
}

TEST(LayerNorm, WholeVectors) {
  onEachInstructionSet([] { checkForward(40, 192); });
}
TEST(LayerNorm, Tails) {
  onEachInstructionSet([] { checkForward(37, 37); });
}
TEST(LayerNorm, ShortRows) {
  onEachInstructionSet([] { checkForward(5, 3); });
}

TEST(LayerNormGrad, WholeVectors) {
  onEachInstructionSet([] { checkGrad(64, 192, 4); });
}
TEST(LayerNormGrad, TailsAndAShortLastBlock) {
  onEachInstructionSet([] { checkGrad(37, 37, 5); });
}
TEST(LayerNormGrad, OneBlock) {
  onEachInstructionSet([] { checkGrad(3, 20, 3); });
}

/// dweight and dbias come out the same, bit for bit, on one thread.
TEST(LayerNormGrad, SumsDoNotDependOnThreads) {
  std::vector<float> many, one;
  checkGrad(100, 48, 7, &many);
  int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  checkGrad(100, 48, 7, &one);
  omp_set_num_threads(threads);
  EXPECT_EQ(many, one);
}

} // namespace
