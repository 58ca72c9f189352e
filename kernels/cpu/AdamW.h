//===- AdamW.h - Fused AdamW update (CPU) -----------------------*- C++ -*-===//
//
// Part of dlcc's kernels. The CPU counterpart of kernels/cuda/adamw.cu; both
// follow torch.optim.AdamW (decoupled weight decay, bias correction) with
// the arithmetic of dl-expand-optimizer, operation by operation.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_KERNELS_CPU_ADAMW_H
#define DLCC_KERNELS_CPU_ADAMW_H

#include <cstdint>

extern "C" {

/// The hyper-parameters of one AdamW step, each where the training step
/// keeps it (the arena's hyper scalars).
struct DLAdamWHypers {
  const float *lr, *weightDecay, *beta1, *beta2, *eps;
  const int64_t *step; ///< Counts from 1.
};

/// One AdamW step on `n` elements, in PyTorch 1.13's order:
///   p = param * (1 - lr * weight_decay)
///   m' = m + (1 - beta1) (grad - m)            (exp_avg.lerp_)
///   v' = v beta2 + ((1 - beta2) grad) grad
///   param' = p - lr / (1 - beta1^step) * (m' / (sqrt(v') / sqrt(1 - beta2^step) + eps))
/// The outputs may be the inputs (in place): each element is read before
/// it is written.
void dl_adamw_f32(const float *param, const float *grad, const float *m,
                  const float *v, float *newParam, float *newM, float *newV,
                  int64_t n, DLAdamWHypers hypers);
}

#endif // DLCC_KERNELS_CPU_ADAMW_H
