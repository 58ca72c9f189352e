//===- AdamWTest.cpp - Tests of the CPU AdamW kernel ----------------------===//
//
// Part of dlcc. Reference values follow torch.optim.AdamW's update rule.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/AdamW.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace {
struct Hypers {
  float lr, weightDecay, beta1, beta2, eps;
  int64_t step;
  DLAdamWHypers view() const {
    return {&lr, &weightDecay, &beta1, &beta2, &eps, &step};
  }
};
} // namespace

// On the first step the bias-corrected moments are g and g^2, so the step is
// lr * g / (|g| + eps): about lr * sign(g), after the decoupled decay. In
// place, the outputs being the inputs.
TEST(AdamW, FirstStepMovesByLearningRate) {
  std::vector<float> p{1.0f, -2.0f, 0.5f}, g{0.3f, -4.0f, 0.0f};
  std::vector<float> m(3, 0.0f), v(3, 0.0f);
  const float lr = 0.1f, wd = 0.01f, eps = 1e-8f;
  Hypers hypers{lr, wd, 0.9f, 0.999f, eps, 1};
  dl_adamw_f32(p.data(), g.data(), m.data(), v.data(), p.data(), m.data(),
               v.data(), 3, hypers.view());
  EXPECT_NEAR(p[0], 1.0f * (1 - lr * wd) - lr * 0.3f / (0.3f + eps), 1e-6);
  EXPECT_NEAR(p[1], -2.0f * (1 - lr * wd) + lr * 4.0f / (4.0f + eps), 1e-6);
  EXPECT_NEAR(p[2], 0.5f * (1 - lr * wd), 1e-7); // Zero gradient: decay only.
  EXPECT_NEAR(m[1], -0.4f, 1e-6);
  EXPECT_NEAR(v[1], 0.016f, 1e-6);
}

// Two steps against the formula evaluated in double precision, out of
// place: the inputs stay as they were.
TEST(AdamW, SecondStepUsesBiasCorrection) {
  float p = 0.7f, m = 0, v = 0;
  const float g1 = 0.2f, g2 = -0.5f;
  Hypers hypers{1e-3f, 0.1f, 0.9f, 0.95f, 1e-8f, 1};
  float p1, m1, v1, p2, m2, v2;
  dl_adamw_f32(&p, &g1, &m, &v, &p1, &m1, &v1, 1, hypers.view());
  hypers.step = 2;
  dl_adamw_f32(&p1, &g2, &m1, &v1, &p2, &m2, &v2, 1, hypers.view());
  EXPECT_EQ(p, 0.7f);
  EXPECT_EQ(m, 0.0f);

  double rp = 0.7, rm = 0, rv = 0;
  for (int t = 1; t <= 2; ++t) {
    double g = t == 1 ? g1 : g2;
    rp *= 1 - double(hypers.lr) * hypers.weightDecay;
    rm = hypers.beta1 * rm + (1 - double(hypers.beta1)) * g;
    rv = hypers.beta2 * rv + (1 - double(hypers.beta2)) * g * g;
    double mh = rm / (1 - std::pow(double(hypers.beta1), t));
    double vh = rv / (1 - std::pow(double(hypers.beta2), t));
    rp -= hypers.lr * mh / (std::sqrt(vh) + hypers.eps);
  }
  EXPECT_NEAR(p2, rp, 1e-6);
  EXPECT_NEAR(m2, rm, 1e-7);
  EXPECT_NEAR(v2, rv, 1e-7);
}
