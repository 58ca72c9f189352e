//===- AdamWTest.cpp - Tests of the CPU AdamW kernel ----------------------===//
//
// Part of dlcc. Reference values follow torch.optim.AdamW's update rule.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/AdamW.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

// On the first step the bias-corrected moments are g and g^2, so the step is
// lr * g / (|g| + eps): about lr * sign(g), after the decoupled decay.
TEST(AdamW, FirstStepMovesByLearningRate) {
  std::vector<float> p{1.0f, -2.0f, 0.5f}, g{0.3f, -4.0f, 0.0f};
  std::vector<float> m(3, 0.0f), v(3, 0.0f);
  const float lr = 0.1f, wd = 0.01f, eps = 1e-8f;
  dl_adamw_f32(p.data(), g.data(), m.data(), v.data(), 3, lr, 0.9f, 0.999f,
               eps, wd, 1);
  EXPECT_NEAR(p[0], 1.0f * (1 - lr * wd) - lr * 0.3f / (0.3f + eps), 1e-6);
  EXPECT_NEAR(p[1], -2.0f * (1 - lr * wd) + lr * 4.0f / (4.0f + eps), 1e-6);
  EXPECT_NEAR(p[2], 0.5f * (1 - lr * wd), 1e-7); // Zero gradient: decay only.
  EXPECT_NEAR(m[1], -0.4f, 1e-6);
  EXPECT_NEAR(v[1], 0.016f, 1e-6);
}

// Two steps against the formula evaluated in double precision.
TEST(AdamW, SecondStepUsesBiasCorrection) {
  float p = 0.7f, m = 0, v = 0;
  const float g1 = 0.2f, g2 = -0.5f, lr = 1e-3f, b1 = 0.9f, b2 = 0.95f,
              eps = 1e-8f, wd = 0.1f;
  dl_adamw_f32(&p, &g1, &m, &v, 1, lr, b1, b2, eps, wd, 1);
  dl_adamw_f32(&p, &g2, &m, &v, 1, lr, b1, b2, eps, wd, 2);

  double rp = 0.7, rm = 0, rv = 0;
  for (int t = 1; t <= 2; ++t) {
    double g = t == 1 ? g1 : g2;
    rp *= 1 - double(lr) * wd;
    rm = b1 * rm + (1 - double(b1)) * g;
    rv = b2 * rv + (1 - double(b2)) * g * g;
    double mh = rm / (1 - std::pow(double(b1), t));
    double vh = rv / (1 - std::pow(double(b2), t));
    rp -= lr * mh / (std::sqrt(vh) + eps);
  }
  EXPECT_NEAR(p, rp, 1e-6);
  EXPECT_NEAR(m, rm, 1e-7);
  EXPECT_NEAR(v, rv, 1e-7);
}
