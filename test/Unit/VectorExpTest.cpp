//===- VectorExpTest.cpp - Tests of the kernels' vectorizable exp ---------===//
//
// Part of dlcc. vectorExp against libm's expf (in double, so the reference
// itself is exact to f32), over the whole range and at the edges.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/VectorExp.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using dlcc::kernels::vectorExp;

namespace {
/// The distance in units in the last place between two positive floats.
int64_t ulps(float a, float b) {
  int32_t ia, ib;
  std::memcpy(&ia, &a, sizeof a);
  std::memcpy(&ib, &b, sizeof b);
  return std::abs(int64_t(ia) - int64_t(ib));
}
} // namespace

TEST(VectorExp, WithinTwoUlpAcrossTheRange) {
  int64_t worst = 0;
  float worstAt = 0;
  for (float x = -87.3f; x < 88.7f; x += 0.00731f) {
    float expected = static_cast<float>(std::exp(double(x)));
    int64_t error = ulps(vectorExp(x), expected);
    if (error > worst) {
      worst = error;
      worstAt = x;
    }
  }
  EXPECT_LE(worst, 2) << "at x = " << worstAt;
}

TEST(VectorExp, SmallArgumentsAndExactValues) {
  EXPECT_EQ(vectorExp(0.0f), 1.0f);
  EXPECT_LE(ulps(vectorExp(1e-7f), float(std::exp(1e-7))), 1);
  EXPECT_LE(ulps(vectorExp(-1e-7f), float(std::exp(-1e-7))), 1);
  EXPECT_LE(ulps(vectorExp(1.0f), float(M_E)), 1);
}

// Underflow gives 0 (softmax's masked scores are -inf), overflow +inf, NaN
// stays NaN (a fully masked attention row).
TEST(VectorExp, EdgesOfTheRange) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(vectorExp(-inf), 0.0f);
  EXPECT_EQ(vectorExp(-100.0f), 0.0f);
  EXPECT_EQ(vectorExp(100.0f), inf);
  EXPECT_EQ(vectorExp(inf), inf);
  EXPECT_TRUE(std::isnan(vectorExp(std::nanf(""))));
  EXPECT_GT(vectorExp(-87.3f), 0.0f);
  EXPECT_LT(vectorExp(88.7f), inf);
}
