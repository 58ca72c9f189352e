//===- Pooling.cpp - Max-pooling's gradient (CPU) -------------------------===//
//
// Part of dlcc's kernels. One pass per plane instead of the three of the
// written-out gradient (the window maxima again, the offset of each
// window's first maximum, a gather of every input element's windows):
// each window finds its first maximum and adds its gradient there. Planes
// (image, channel) are split between threads.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/Pooling.h"
#include "kernels/cpu/Parallel.h"

#include <algorithm>
#include <cmath>

using namespace dlcc::kernels;

namespace {

/// The offset in `in` (rows `width` apart) of the window's first element
/// holding its maximum, or its first NaN; -1 for a window all padding.
int64_t firstMaximum(const float *in, int64_t width, int64_t yBegin,
                     int64_t yEnd, int64_t xBegin, int64_t xEnd) {
  int64_t best = -1;
  for (int64_t y = yBegin; y < yEnd; ++y)
    for (int64_t x = xBegin; x < xEnd; ++x) {
      int64_t at = y * width + x;
      if (std::isnan(in[at]))
        return at;
      if (best < 0 || in[at] > in[best])
        best = at;
    }
  return best;
}

} // namespace

extern "C" void
dl_maxpool2d_grad_f32(const float *x, const float *dy, float *dx, int64_t batch,
                      int64_t channels, int64_t height, int64_t width,
                      int64_t outHeight, int64_t outWidth, int64_t kernelHeight,
                      int64_t kernelWidth, int64_t strideY, int64_t strideX,
                      int64_t padTop, int64_t padLeft) {
  int64_t plane = height * width, outPlane = outHeight * outWidth;
  forEachTask(batch * channels, [&](int64_t p) {
    const float *in = x + p * plane, *grad = dy + p * outPlane;
    float *out = dx + p * plane;
    std::fill_n(out, plane, 0.0f);
    for (int64_t oy = 0; oy < outHeight; ++oy) {
      int64_t y0 = oy * strideY - padTop;
      int64_t yBegin = std::max<int64_t>(y0, 0),
              yEnd = std::min(y0 + kernelHeight, height);
      for (int64_t ox = 0; ox < outWidth; ++ox) {
        int64_t x0 = ox * strideX - padLeft;
        int64_t best =
            firstMaximum(in, width, yBegin, yEnd, std::max<int64_t>(x0, 0),
                         std::min(x0 + kernelWidth, width));
        if (best >= 0)
          out[best] += grad[oy * outWidth + ox];
      }
    }
  });
}
