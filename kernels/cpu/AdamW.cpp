//===- AdamW.cpp - Fused AdamW update (CPU) -------------------------------===//
//
// Part of dlcc's kernels.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/AdamW.h"

#include <cmath>

extern "C" void dl_adamw_f32(float *param, const float *grad, float *m,
                             float *v, size_t n, float lr, float beta1,
                             float beta2, float eps, float weight_decay,
                             long step) {
  const float decay = 1.0f - lr * weight_decay;
  const float correction1 = 1.0f - std::pow(beta1, float(step));
  const float correction2Sqrt = std::sqrt(1.0f - std::pow(beta2, float(step)));
  const float stepSize = lr / correction1;
  // One pass over the four arrays; contiguous, so LLVM/GCC vectorize it.
  for (size_t i = 0; i < n; ++i) {
    float g = grad[i];
    float mi = beta1 * m[i] + (1.0f - beta1) * g;
    float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    float denom = std::sqrt(vi) / correction2Sqrt + eps;
    param[i] = param[i] * decay - stepSize * mi / denom;
  }
}
