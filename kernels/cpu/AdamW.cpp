//===- AdamW.cpp - Fused AdamW update (CPU) -------------------------------===//
//
// Part of dlcc's kernels.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/AdamW.h"

#include <cmath>

extern "C" void dl_adamw_f32(const float *param, const float *grad,
                             const float *m, const float *v, float *newParam,
                             float *newM, float *newV, int64_t n,
                             DLAdamWHypers hypers) {
  const float lr = *hypers.lr, beta1 = *hypers.beta1, beta2 = *hypers.beta2;
  const float keep = 1.0f - lr * *hypers.weightDecay;
  const float step = float(*hypers.step);
  const float correction1 = 1.0f - std::pow(beta1, step);
  const float correction2 = 1.0f - std::pow(beta2, step);
  const float stepSize = lr / correction1;
  const float rootCorrection = std::sqrt(correction2);
  const float weight1 = 1.0f - beta1, weight2 = 1.0f - beta2;
  const float eps = *hypers.eps;
  // One pass over the arrays; contiguous, so the compiler vectorizes it.
  for (int64_t i = 0; i < n; ++i) {
    float g = grad[i], mi = m[i], vi = v[i];
    float p = param[i] * keep;
    float avg = mi + weight1 * (g - mi);
    float sq = vi * beta2 + weight2 * g * g;
    float denom = std::sqrt(sq) / rootCorrection + eps;
    newM[i] = avg;
    newV[i] = sq;
    newParam[i] = p - stepSize * (avg / denom);
  }
}
