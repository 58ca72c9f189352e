//===- GemmTest.cpp - Tests of the GEMM entry points of generated code ----===//
//
// Part of dlcc. dlrt_sgemm and dlrt_sgemm_batched against a naive triple
// loop in double, with padded leading dimensions, for every transposition.
//
//===----------------------------------------------------------------------===//

#include "dlrt/ModelABI.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

std::vector<float> randomMatrix(size_t count, std::mt19937 &engine) {
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> values(count);
  for (float &v : values)
    v = dist(engine);
  return values;
}

/// C = alpha op(A) op(B) + beta C, row-major, in double.
void naiveGemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K,
               float alpha, const float *A, int64_t lda, const float *B,
               int64_t ldb, float beta, float *C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double sum = 0;
      for (int64_t k = 0; k < K; ++k) {
        double a = transA ? A[k * lda + i] : A[i * lda + k];
        double b = transB ? B[j * ldb + k] : B[k * ldb + j];
        sum += a * b;
      }
      C[i * ldc + j] = float(alpha * sum + beta * double(C[i * ldc + j]));
    }
}

struct Case {
  bool transA, transB;
};

class Gemm : public ::testing::TestWithParam<Case> {};

} // namespace

TEST_P(Gemm, MatchesNaiveLoop) {
  const Case c = GetParam();
  std::mt19937 engine(7);
  const int64_t M = 37, N = 29, K = 45;
  // Stored shapes: A is M x K or K x M, B is K x N or N x K; pad each row.
  int64_t aRows = c.transA ? K : M, aCols = c.transA ? M : K;
  int64_t bRows = c.transB ? N : K, bCols = c.transB ? K : N;
  int64_t lda = aCols + 3, ldb = bCols + 5, ldc = N + 2;
  std::vector<float> A = randomMatrix(aRows * lda, engine);
  std::vector<float> B = randomMatrix(bRows * ldb, engine);
  std::vector<float> C = randomMatrix(M * ldc, engine), expected = C;

  dlrt_sgemm(c.transA, c.transB, M, N, K, 0.75f, A.data(), lda, B.data(), ldb,
             -0.5f, C.data(), ldc);
  naiveGemm(c.transA, c.transB, M, N, K, 0.75f, A.data(), lda, B.data(), ldb,
            -0.5f, expected.data(), ldc);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < ldc; ++j)
      ASSERT_NEAR(C[i * ldc + j], expected[i * ldc + j], 1e-5)
          << "C[" << i << "][" << j << "]"; // Padding included: untouched.
}

TEST_P(Gemm, BatchedMatchesNaiveLoop) {
  const Case c = GetParam();
  std::mt19937 engine(8);
  const int64_t batch = 5, M = 6, N = 9, K = 11;
  int64_t lda = c.transA ? M : K, ldb = c.transB ? K : N, ldc = N;
  int64_t strideA = M * K + 7, strideB = K * N + 1, strideC = M * N + 4;
  std::vector<float> A = randomMatrix(batch * strideA, engine);
  std::vector<float> B = randomMatrix(batch * strideB, engine);
  std::vector<float> C = randomMatrix(batch * strideC, engine), expected = C;

  dlrt_sgemm_batched(batch, c.transA, c.transB, M, N, K, 1.0f, A.data(), lda,
                     strideA, B.data(), ldb, strideB, 0.0f, C.data(), ldc,
                     strideC);
  for (int64_t i = 0; i < batch; ++i)
    naiveGemm(c.transA, c.transB, M, N, K, 1.0f, A.data() + i * strideA, lda,
              B.data() + i * strideB, ldb, 0.0f, expected.data() + i * strideC,
              ldc);
  for (size_t i = 0; i < C.size(); ++i)
    ASSERT_NEAR(C[i], expected[i], 1e-5) << "element " << i;
}

INSTANTIATE_TEST_SUITE_P(Transpositions, Gemm,
                         ::testing::Values(Case{false, false},
                                           Case{false, true}, Case{true, false},
                                           Case{true, true}),
                         [](const ::testing::TestParamInfo<Case> &info) {
                           return std::string(info.param.transA ? "T" : "N") +
                                  (info.param.transB ? "T" : "N");
                         });

TEST(GemmEdges, EmptyInnerDimensionScalesC) {
  std::vector<float> C{1, 2, 3, 4};
  dlrt_sgemm(0, 0, 2, 2, 0, 1.0f, nullptr, 1, nullptr, 2, 0.5f, C.data(), 2);
  EXPECT_EQ(C, (std::vector<float>{0.5f, 1, 1.5f, 2}));
}

TEST(GemmEdges, EmptyOutputDoesNothing) {
  dlrt_sgemm(0, 0, 0, 4, 3, 1.0f, nullptr, 3, nullptr, 4, 0.0f, nullptr, 4);
  dlrt_sgemm_batched(0, 0, 0, 2, 2, 2, 1.0f, nullptr, 2, 4, nullptr, 2, 4, 0.0f,
                     nullptr, 2, 4);
}

TEST(GemmDeathTest, RejectsALeadingDimensionTooSmall) {
  std::vector<float> A(6), B(6), C(4);
  EXPECT_DEATH(
      dlrt_sgemm(0, 0, 2, 2, 3, 1.0f, A.data(), 2, B.data(), 2, 0.0f, C.data(),
                 2),
      "internal error: dlrt_sgemm: lda = 2 is less than the 3 columns");
}

TEST(FailDeathTest, PrintsTheMessageAndValue) {
  EXPECT_EXIT(dlrt_fail("class label out of range [0, 10)", 12),
              ::testing::ExitedWithCode(1),
              "error: class label out of range \\[0, 10\\) \\(got 12\\)");
}

// A pair of products (a linear layer's dx = dy w and dw = dy^T x, one
// accumulating) gives, bit for bit, what the two calls give one after the
// other. (The unit tests link the default OpenBLAS, which runs the pair one
// product after the other; compiled programs link OpenBLAS on OpenMP and
// run it side by side with two threads, which the models' end-to-end tests
// cover.)
TEST(Gemm, PairMatchesTwoCalls) {
  std::mt19937 engine(11);
  const int64_t T = 300, I = 70, O = 90;
  std::vector<float> dy = randomMatrix(T * O, engine);
  std::vector<float> w = randomMatrix(O * I, engine);
  std::vector<float> x = randomMatrix(T * I, engine);
  std::vector<float> dwStart = randomMatrix(O * I, engine);
  std::vector<float> dx1(T * I, -1.0f), dx2(T * I, -2.0f);
  std::vector<float> dw1 = dwStart, dw2 = dwStart;
  dlrt_sgemm(0, 0, T, I, O, 1.0f, dy.data(), O, w.data(), I, 0.0f, dx1.data(),
             I);
  dlrt_sgemm(1, 0, O, I, T, 0.5f, dy.data(), O, x.data(), I, 1.0f, dw1.data(),
             I);
  dlrt_sgemm_pair(0, 0, T, I, O, 1.0f, dy.data(), O, w.data(), I, 0.0f,
                  dx2.data(), I, 1, 0, O, I, T, 0.5f, dy.data(), O, x.data(), I,
                  1.0f, dw2.data(), I);
  EXPECT_EQ(dx1, dx2);
  EXPECT_EQ(dw1, dw2);
  // And both are the products.
  std::vector<float> expected = dwStart;
  naiveGemm(true, false, O, I, T, 0.5f, dy.data(), O, x.data(), I, 1.0f,
            expected.data(), I);
  for (int64_t i = 0; i < O * I; ++i)
    ASSERT_NEAR(dw2[i], expected[i], 1e-3) << i;
}
