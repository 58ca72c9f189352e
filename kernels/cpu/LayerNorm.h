//===- LayerNorm.h - Layer normalization and its gradient (CPU) -*- C++ -*-===//
//
// Part of dlcc's kernels.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_KERNELS_CPU_LAYERNORM_H
#define DLCC_KERNELS_CPU_LAYERNORM_H

#include <cstdint>

extern "C" {

/// Layer normalization over the last dimension (dl.layernorm): `x` and `y`
/// are [rows, size], `weight` and `bias` [size]. Each row is normalized by
/// its mean and biased variance, then scaled by `weight` and shifted by
/// `bias`.
void dl_layernorm_f32(const float *x, const float *weight, const float *bias,
                      float *y, int64_t rows, int64_t size, double eps);

/// The gradient of layer normalization (dl.layernorm_grad): `x` and `dy`
/// are [rows, size], `weight` [size]. Each row's statistics are computed
/// again from x (the variance biased); with x^ = (x - mean) rstd and
/// g = dy * weight, over the row:
///   dx = rstd (g - mean(g) - x^ mean(g x^)),
/// and over the rows dweight = sum(dy x^), dbias = sum(dy). The rows are
/// split into blocks of `blockRows` (the last may be shorter), the tasks
/// the threads share; `partials` is scratch of 2 x size floats a block for
/// each block's sums, which are then added in block order, so that the
/// results do not depend on the number of threads.
void dl_layernorm_grad_f32(const float *x, const float *weight, const float *dy,
                           float *dx, float *dweight, float *dbias,
                           float *partials, int64_t rows, int64_t size,
                           int64_t blockRows, double eps);
}

#endif // DLCC_KERNELS_CPU_LAYERNORM_H
