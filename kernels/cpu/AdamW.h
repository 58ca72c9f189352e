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

/// One tensor of an AdamW step: a parameter, its gradient and moments, and
/// where their new values go (which may be the same arrays); 64 bytes, as
/// the compiled step lays out its table (convert-dl-to-cpu-kernels).
struct DLAdamWTensor {
  const float *param, *grad, *m, *v;
  float *newParam, *newM, *newV;
  int64_t n; ///< Elements of each.
};
#ifdef __cplusplus
static_assert(sizeof(DLAdamWTensor) == 64, "the compiled step's table row");
#endif

/// One AdamW step on `n` elements, in PyTorch 1.13's order:
///   p = param * (1 - lr * weight_decay)
///   m' = m + (1 - beta1) (grad - m)            (exp_avg.lerp_)
///   v' = v beta2 + ((1 - beta2) grad) grad
///   param' = p - lr / (1 - beta1^step) * (m' / (sqrt(v') / sqrt(1 -
///   beta2^step) + eps))
/// The outputs may be the inputs (in place): each element is read before
/// it is written.
void dl_adamw_f32(const float *param, const float *grad, const float *m,
                  const float *v, float *newParam, float *newM, float *newV,
                  int64_t n, DLAdamWHypers hypers);

/// dl_adamw_f32 for `count` tensors at once, the step's threads sharing
/// all their elements evenly (one parallel region, not one per tensor).
/// The hyper-parameters are dl_adamw_f32's, each by address.
void dl_adamw_all_f32(const DLAdamWTensor *tensors, const float *lr,
                      const float *weightDecay, const float *beta1,
                      const float *beta2, const float *eps, const int64_t *step,
                      int64_t count);
}

#endif // DLCC_KERNELS_CPU_ADAMW_H
