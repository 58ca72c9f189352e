//===- Pooling.h - Max-pooling and its gradient (CPU) -----------*- C++ -*-===//
//
// Part of dlcc's kernels.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_KERNELS_CPU_POOLING_H
#define DLCC_KERNELS_CPU_POOLING_H

#include <cstdint>

extern "C" {

/// y [batch, channels, outHeight, outWidth], the maximum of each window of
/// `x` [batch, channels, height, width]: a NaN where the window holds one
/// (as arith.maximumf), -inf for a window all padding.
void dl_maxpool2d_f32(const float *x, float *y, int64_t batch, int64_t channels,
                      int64_t height, int64_t width, int64_t outHeight,
                      int64_t outWidth, int64_t kernelHeight,
                      int64_t kernelWidth, int64_t strideY, int64_t strideX,
                      int64_t padTop, int64_t padLeft);

/// dx, the gradient of max-pooling's input `x` [batch, channels, height,
/// width], from `dy` [batch, channels, outHeight, outWidth], that of its
/// output: each window's gradient goes to the first element (row-major
/// within the window) holding the window's maximum (a NaN, if the window
/// has one), summed where windows overlap, in the order of the windows;
/// padding receives none.
void dl_maxpool2d_grad_f32(const float *x, const float *dy, float *dx,
                           int64_t batch, int64_t channels, int64_t height,
                           int64_t width, int64_t outHeight, int64_t outWidth,
                           int64_t kernelHeight, int64_t kernelWidth,
                           int64_t strideY, int64_t strideX, int64_t padTop,
                           int64_t padLeft);
}

#endif // DLCC_KERNELS_CPU_POOLING_H
