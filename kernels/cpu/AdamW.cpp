//===- AdamW.cpp - Fused AdamW update (CPU) -------------------------------===//
//
// Part of dlcc's kernels.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/AdamW.h"
#include "kernels/cpu/Parallel.h"
#include "kernels/cpu/Simd.h"

#include <algorithm>
#include <cmath>

using namespace dlcc::kernels;

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

/// Elements [begin, end) of one tensor, a vector of B bytes at a time:
/// every operand of a vector is loaded before its results are stored, so
/// the results may be written over the operands (in place). Compiled
/// without contracting multiplies and adds, operation by operation as the
/// expanded update (and PyTorch) rounds.
template <int B>
DL_INLINE void update(const DLAdamWTensor &t, int64_t begin, int64_t end,
                      const Coefficients &c) {
  using V = typename Vector<float, B>::Type;
  constexpr int64_t L = kLanes<float, B>;
  int64_t i = begin;
  for (; i + L <= end; i += L) {
    V g, m, v, param;
    loadVector(g, t.grad + i);
    loadVector(m, t.m + i);
    loadVector(v, t.v + i);
    loadVector(param, t.param + i);
    V p = param * c.keep;
    V avg = m + c.weight1 * (g - m);
    V sq = v * c.beta2 + c.weight2 * g * g;
    V root;
#pragma GCC unroll 16
    for (int64_t l = 0; l < L; ++l)
      root[l] = __builtin_sqrtf(sq[l]); // One vector square root.
    V denom = root / c.rootCorrection + c.eps;
    storeVector(t.newM + i, avg);
    storeVector(t.newV + i, sq);
    storeVector(t.newParam + i, p - c.stepSize * (avg / denom));
  }
  for (; i < end; ++i) {
    float g = t.grad[i], mi = t.m[i], vi = t.v[i];
    float p = t.param[i] * c.keep;
    float avg = mi + c.weight1 * (g - mi);
    float sq = vi * c.beta2 + c.weight2 * g * g;
    float denom = __builtin_sqrtf(sq) / c.rootCorrection + c.eps;
    t.newM[i] = avg;
    t.newV[i] = sq;
    t.newParam[i] = p - c.stepSize * (avg / denom);
  }
}

using UpdateRange = void (*)(const DLAdamWTensor &, int64_t, int64_t,
                             const Coefficients &);

void updateSSE(const DLAdamWTensor &t, int64_t begin, int64_t end,
               const Coefficients &c) {
  update<16>(t, begin, end, c);
}
#if DL_HAVE_WIDE_VECTORS
DL_TARGET_AVX2 void updateAVX2(const DLAdamWTensor &t, int64_t begin,
                               int64_t end, const Coefficients &c) {
  update<32>(t, begin, end, c);
}
DL_TARGET_AVX512 void updateAVX512(const DLAdamWTensor &t, int64_t begin,
                                   int64_t end, const Coefficients &c) {
  update<64>(t, begin, end, c);
}
#endif

UpdateRange updateForThisMachine() {
  switch (widestInstructionSet()) {
#if DL_HAVE_WIDE_VECTORS
  case InstructionSet::AVX512:
    return updateAVX512;
  case InstructionSet::AVX2:
    return updateAVX2;
#endif
  default:
    return updateSSE;
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
  updateForThisMachine()(tensor, 0, n, Coefficients(hypers));
}

extern "C" void dl_adamw_all_f32(const DLAdamWTensor *tensors, const float *lr,
                                 const float *weightDecay, const float *beta1,
                                 const float *beta2, const float *eps,
                                 const int64_t *step, int64_t count) {
  const Coefficients c(DLAdamWHypers{lr, weightDecay, beta1, beta2, eps, step});
  UpdateRange update = updateForThisMachine();
  int64_t total = 0;
  for (int64_t k = 0; k < count; ++k)
    total += tensors[k].n;
  // Threads take runs of all the elements, in the tensors'
  // order, whatever tensor they are in.
  onShares(total, kElementsPerThread, kSplitAlignment,
           [&](int64_t begin, int64_t end) {
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
