//===- BatchNorm.h - Batch normalization's gradient (CPU) -------*- C++ -*-===//
//
// Part of dlcc's kernels.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_KERNELS_CPU_BATCHNORM_H
#define DLCC_KERNELS_CPU_BATCHNORM_H

#include <cstdint>

extern "C" {

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
}

#endif // DLCC_KERNELS_CPU_BATCHNORM_H
