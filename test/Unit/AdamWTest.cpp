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

// Every tensor at once: the threads' shares of the elements cross tensor
// boundaries (sizes not multiples of anything, one tensor of a single
// element, one with more elements than a thread's minimum share), and each
// element ends as dl_adamw_f32 leaves it, bit for bit; one tensor in place,
// the others into new arrays.
TEST(AdamW, AllTensorsInOnePassMatchOneByOne) {
  const int64_t sizes[] = {100003, 1, 4097, 70001};
  constexpr int64_t kTensors = 4;
  std::vector<float> arrays[kTensors][7], expected[kTensors][3];
  std::vector<DLAdamWTensor> table;
  Hypers hypers{3e-4f, 0.1f, 0.9f, 0.95f, 1e-8f, 7};
  for (int64_t k = 0; k < kTensors; ++k) {
    int64_t n = sizes[k];
    for (int a = 0; a < 4; ++a) {
      arrays[k][a].resize(n);
      for (int64_t i = 0; i < n; ++i) // Moments non-negative where needed.
        arrays[k][a][i] = a == 3 ? 0.01f * float((i * 7 + k) % 13)
                                 : std::sin(float(i * (a + 2) + k));
    }
    for (int r = 0; r < 3; ++r) {
      expected[k][r].resize(n);
      arrays[k][4 + r].assign(n, -1.0f);
    }
    dl_adamw_f32(arrays[k][0].data(), arrays[k][1].data(), arrays[k][2].data(),
                 arrays[k][3].data(), expected[k][0].data(),
                 expected[k][1].data(), expected[k][2].data(), n,
                 hypers.view());
    bool inPlace = k == 2;
    float *out[3];
    for (int r = 0; r < 3; ++r)
      out[r] = inPlace ? arrays[k][r == 0 ? 0 : r + 1].data()
                       : arrays[k][4 + r].data();
    table.push_back({arrays[k][0].data(), arrays[k][1].data(),
                     arrays[k][2].data(), arrays[k][3].data(), out[0], out[1],
                     out[2], n});
  }
  dl_adamw_all_f32(table.data(), &hypers.lr, &hypers.weightDecay, &hypers.beta1,
                   &hypers.beta2, &hypers.eps, &hypers.step, kTensors);
  for (int64_t k = 0; k < kTensors; ++k)
    for (int r = 0; r < 3; ++r) {
      const float *got = k == 2 ? arrays[k][r == 0 ? 0 : r + 1].data()
                                : arrays[k][4 + r].data();
      for (int64_t i = 0; i < sizes[k]; ++i)
        ASSERT_EQ(got[i], expected[k][r][i])
            << "tensor " << k << ", result " << r << ", element " << i;
    }
}
