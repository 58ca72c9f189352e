//===- AdamW.h - Fused AdamW update (CPU) -----------------------*- C++ -*-===//
//
// Part of dlcc's kernels. The CPU counterpart of kernels/cuda/adamw.cu; both
// follow torch.optim.AdamW (decoupled weight decay, bias correction).
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_KERNELS_CPU_ADAMW_H
#define DLCC_KERNELS_CPU_ADAMW_H

#include <cstddef>

extern "C" {

/// One AdamW step on `n` elements, in place:
///   param *= 1 - lr * weight_decay
///   m = beta1 m + (1 - beta1) grad;   v = beta2 v + (1 - beta2) grad^2
///   param -= lr / (1 - beta1^step) * m / (sqrt(v / (1 - beta2^step)) + eps)
/// `step` counts from 1.
void dl_adamw_f32(float *param, const float *grad, float *m, float *v,
                  size_t n, float lr, float beta1, float beta2, float eps,
                  float weight_decay, long step);
}

#endif // DLCC_KERNELS_CPU_ADAMW_H
