//===- Conv2D.h - 2-D convolutions (CPU) ------------------------*- C++ -*-===//
//
// Part of dlcc's kernels. Stride-1 convolutions of NCHW f32 tensors and
// their gradients without an im2col matrix: each image is copied, padded,
// into a scratch buffer of its thread, and the products read it in place
// (direct), or, for 8 or more 3x3 filters over 8 or more channels, by
// Winograd's F(4x4, 3x3) or F(2x2, 3x3) (Winograd.h).
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_KERNELS_CPU_CONV2D_H
#define DLCC_KERNELS_CPU_CONV2D_H

#include <cstdint>

extern "C" {

// The sizes every entry takes: `batch` images of `channels` x `height` x
// `width`, `filters` filters of `channels` x `kernelHeight` x `kernelWidth`,
// padded by `padTop` rows above and below and `padLeft` columns on each
// side, stride 1: the outputs are `filters` x (height + 2 padTop -
// kernelHeight + 1) x (width + 2 padLeft - kernelWidth + 1).

/// y = x (*) w + bias. `x` [batch, channels, height, width], `w` [filters,
/// channels, kernelHeight, kernelWidth], `bias` [filters] or null, `y`
/// [batch, filters, outHeight, outWidth].
void dl_conv2d_fwd_f32(const float *x, const float *w, const float *bias,
                       float *y, int64_t batch, int64_t channels,
                       int64_t height, int64_t width, int64_t filters,
                       int64_t kernelHeight, int64_t kernelWidth,
                       int64_t padTop, int64_t padLeft);

/// dx, the gradient of the forward's input, from `dy`, that of its output:
/// the convolution of dy, padded by kernelHeight - 1 - padTop (and
/// kernelWidth - 1 - padLeft, neither may be negative), with the filters
/// flipped and their channels swapped.
void dl_conv2d_grad_input_f32(const float *dy, const float *w, float *dx,
                              int64_t batch, int64_t channels, int64_t height,
                              int64_t width, int64_t filters,
                              int64_t kernelHeight, int64_t kernelWidth,
                              int64_t padTop, int64_t padLeft);

/// dw, the gradient of the filters: dw[f, c, i, j] = sum over the images and
/// output positions (y, x) of dy[n, f, y, x] * padded x[n, c, y + i, x + j],
/// summed image by image in order.
void dl_conv2d_grad_weight_f32(const float *x, const float *dy, float *dw,
                               int64_t batch, int64_t channels, int64_t height,
                               int64_t width, int64_t filters,
                               int64_t kernelHeight, int64_t kernelWidth,
                               int64_t padTop, int64_t padLeft);
}

#endif // DLCC_KERNELS_CPU_CONV2D_H
