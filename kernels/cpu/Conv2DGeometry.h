//===- Conv2DGeometry.h - Sizes of a stride-1 convolution -------*- C++ -*-===//
//
// Part of dlcc's kernels. The sizes both convolution algorithms (direct,
// Conv2D.cpp; Winograd, Winograd.cpp) work from.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_KERNELS_CPU_CONV2DGEOMETRY_H
#define DLCC_KERNELS_CPU_CONV2DGEOMETRY_H

#include <cstdint>

namespace dlcc::kernels {

/// `channels` x `height` x `width` images, `filters` filters of
/// kernelHeight x kernelWidth taps, padTop rows above and below, padLeft
/// columns on each side, stride 1.
struct ConvGeometry {
  int64_t channels, height, width, filters, kernelHeight, kernelWidth, padTop,
      padLeft;

  int64_t paddedHeight() const { return height + 2 * padTop; }
  int64_t paddedWidth() const { return width + 2 * padLeft; }
  int64_t outHeight() const { return paddedHeight() - kernelHeight + 1; }
  int64_t outWidth() const { return paddedWidth() - kernelWidth + 1; }
  int64_t plane() const { return paddedHeight() * paddedWidth(); }
  int64_t imageSize() const { return channels * height * width; }
  int64_t outPlane() const { return outHeight() * outWidth(); }
  int64_t outSize() const { return filters * outPlane(); }
  int64_t taps() const { return channels * kernelHeight * kernelWidth; }
  /// Output (y, x) sits at y * paddedWidth() + x: positions [0, span())
  /// hold every output.
  int64_t span() const {
    return (outHeight() - 1) * paddedWidth() + outWidth();
  }
};

} // namespace dlcc::kernels

#endif // DLCC_KERNELS_CPU_CONV2DGEOMETRY_H
