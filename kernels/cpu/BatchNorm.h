//===- BatchNorm.h - Batch normalization in training (CPU) ------*- C++ -*-===//
//
// Part of dlcc's kernels.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_KERNELS_CPU_BATCHNORM_H
#define DLCC_KERNELS_CPU_BATCHNORM_H

#include <cstdint>

extern "C" {

/// Training-mode batch normalization (dl.batchnorm {training}): `x` and `y`
/// are [batch, channels, size] (size = H * W, or 1), the rest [channels].
/// Each channel is normalized by its batch mean and biased variance, then
/// scaled by `weight` and shifted by `bias`; the running statistics are
/// updated as PyTorch does, (1 - momentum) running + momentum batch, with
/// the unbiased variance.
void dl_batchnorm_train_f32(const float *x, const float *weight,
                            const float *bias, const float *runningMean,
                            const float *runningVar, float *y,
                            float *newRunningMean, float *newRunningVar,
                            int64_t batch, int64_t channels, int64_t size,
                            double eps, double momentum);

/// The gradient of training-mode batch normalization (dl.batchnorm_grad):
/// `x` and `dy` are [batch, channels, size] (size = H * W, or 1), `weight`
/// [channels]. The channel's statistics are computed again from x (the
/// variance biased); with x^ = (x - mean) rstd and g = dy * weight:
///   dx = rstd (g - mean(g) - x^ mean(g x^)),
///   dweight = sum(dy x^), dbias = sum(dy), over batch and size.
void dl_batchnorm_grad_f32(const float *x, const float *weight, const float *dy,
                           float *dx, float *dweight, float *dbias,
                           int64_t batch, int64_t channels, int64_t size,
                           double eps);

/// dl_batchnorm_train_f32 followed by a ReLU: y = max(y, 0), NaN kept (as
/// arith.maximumf), in the same pass.
void dl_batchnorm_relu_train_f32(const float *x, const float *weight,
                                 const float *bias, const float *runningMean,
                                 const float *runningVar, float *y,
                                 float *newRunningMean, float *newRunningVar,
                                 int64_t batch, int64_t channels, int64_t size,
                                 double eps, double momentum);

/// dl_batchnorm_grad_f32 of dy where y > 0 and 0 elsewhere, y [batch,
/// channels, size] (a following ReLU's output, whose gradient that is),
/// without that masked gradient in memory.
void dl_batchnorm_relu_grad_f32(const float *x, const float *weight,
                                const float *dy, const float *y, float *dx,
                                float *dweight, float *dbias, int64_t batch,
                                int64_t channels, int64_t size, double eps);
}

#endif // DLCC_KERNELS_CPU_BATCHNORM_H
