//===- Winograd.h - 3x3 convolutions by Winograd's F(MxM, 3x3) --*- C++ -*-===//
//
// Part of dlcc's kernels. Conv2D.cpp's entries call these for 3x3 filters
// over enough channels; the direct kernels take the rest. The forward and
// the input gradient (a forward of dy) are in Winograd.cpp, the filters'
// gradient in WinogradGradient.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_KERNELS_CPU_WINOGRAD_H
#define DLCC_KERNELS_CPU_WINOGRAD_H

#include "kernels/cpu/Conv2DGeometry.h"

namespace dlcc::kernels {

/// Whether the Winograd kernels compute this convolution: 3x3 filters, at
/// least 8 of them over at least 8 channels (with fewer, the transforms
/// and the blocks' unused lanes outweigh the multiplies saved).
bool winogradApplies(const ConvGeometry &g);

/// M of the F(MxM, 3x3) that computes this convolution: 2 or 4, the one
/// that costs less, or DLCC_WINOGRAD_TILE's when it is set (to compare
/// them, or to test both).
int winogradTileSize(const ConvGeometry &g);

/// output[n] = input[n] (*) filters + bias for every image, as
/// dl_conv2d_fwd_f32: `filters` [g.filters, g.channels, 3, 3], `bias`
/// [g.filters] or null.
void winogradConvolve(const ConvGeometry &g, int64_t batch, const float *input,
                      const float *filters, const float *bias, float *output);

/// dw[f, c, i, j] = the sum over images and outputs (y, x) of dy[n, f, y,
/// x] * padded x[n, c, y + i, x + j], as dl_conv2d_grad_weight_f32.
void winogradFilterGradient(const ConvGeometry &g, int64_t batch,
                            const float *x, const float *dy, float *dw);

} // namespace dlcc::kernels

#endif // DLCC_KERNELS_CPU_WINOGRAD_H
