//===- AdamW.cpp - Fused AdamW update (CPU) -------------------------------===//
//
// Part of dlcc's kernels.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/AdamW.h"
#include "kernels/cpu/Parallel.h"

#include <algorithm>
#include <cmath>

namespace {

/// The step's constants, derived once from the hyper-parameters.
struct Coefficients {
  explicit Coefficients(const DLAdamWHypers &hypers) {
    const float lr = *hypers.lr, step = float(*hypers.step);
    beta1 = *hypers.beta1;
    beta2 = *hypers.beta2;
    keep = 1.0f - lr * *hypers.weightDecay;
    stepSize = lr / (1.0f - std::pow(beta1, step));
    rootCorrection = std::sqrt(1.0f - std::pow(beta2, step));
    weight1 = 1.0f - beta1;
    weight2 = 1.0f - beta2;
    eps = *hypers.eps;
  }
  float beta1, beta2, keep, stepSize, rootCorrection, weight1, weight2, eps;
};

/// Elements [begin, end) of one tensor. One pass over contiguous arrays,
/// which the compiler vectorizes.
void update(const DLAdamWTensor &t, int64_t begin, int64_t end,
            const Coefficients &c) {
  for (int64_t i = begin; i < end; ++i) {
    float g = t.grad[i], mi = t.m[i], vi = t.v[i];
    float p = t.param[i] * c.keep;
    float avg = mi + c.weight1 * (g - mi);
    float sq = vi * c.beta2 + c.weight2 * g * g;
    float denom = std::sqrt(sq) / c.rootCorrection + c.eps;
    t.newM[i] = avg;
    t.newV[i] = sq;
    t.newParam[i] = p - c.stepSize * (avg / denom);
  }
}

/// Fewer elements than this are not worth waking a second thread for.
constexpr int64_t kElementsPerThread = 1 << 15;
/// Threads split the elements at multiples of a cache line of floats.
constexpr int64_t kSplitAlignment = 16;

} // namespace

extern "C" void dl_adamw_f32(const float *param, const float *grad,
                             const float *m, const float *v, float *newParam,
                             float *newM, float *newV, int64_t n,
                             DLAdamWHypers hypers) {
  DLAdamWTensor tensor{param, grad, m, v, newParam, newM, newV, n};
  update(tensor, 0, n, Coefficients(hypers));
}

extern "C" void dl_adamw_all_f32(const DLAdamWTensor *tensors, const float *lr,
                                 const float *weightDecay, const float *beta1,
                                 const float *beta2, const float *eps,
                                 const int64_t *step, int64_t count) {
  const Coefficients c(DLAdamWHypers{lr, weightDecay, beta1, beta2, eps, step});
  int64_t total = 0;
  for (int64_t k = 0; k < count; ++k)
    total += tensors[k].n;
  // Each thread takes an equal share of all the elements, in the tensors'
  // order, whatever tensor they are in.
  dlcc::kernels::onThreads(
      total / kElementsPerThread + 1, [&](int64_t thread, int64_t threads) {
        auto boundary = [&](int64_t t) {
          int64_t share = total * t / threads;
          return t == threads ? total : share - share % kSplitAlignment;
        };
        int64_t begin = boundary(thread), end = boundary(thread + 1);
        int64_t first = 0; // Where tensors[k] starts among all elements.
        for (int64_t k = 0; k < count && first < end; ++k) {
          int64_t last = first + tensors[k].n;
          if (last > begin)
            update(tensors[k], std::max(begin, first) - first,
                   std::min(end, last) - first, c);
          first = last;
        }
      });
}
