//===- BatchNorm.cpp - Batch normalization's gradient (CPU) ---------------===//
//
// Part of dlcc's kernels. One channel at a time, each by one thread: its
// batch x size elements of x and dy (200 KB for cnn's 64 x 28 x 28) stay in
// the core's cache across the three passes (the mean; the variance; the
// sums of dy and dy x^), and the fourth writes dx; the written-out gradient
// made nine passes over whole tensors. Sums are in double precision, in a
// fixed order.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/BatchNorm.h"
#include "kernels/cpu/Parallel.h"

#include <cmath>

using namespace dlcc::kernels;

namespace {

/// A channel's elements: `batch` runs of `size`, `stride` apart.
struct Channel {
  const float *x, *dy;
  float *dx;
  int64_t batch, size, stride;

  template <typename Body> void forEach(Body body) const {
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t i = 0; i < size; ++i)
        body(n * stride + i);
  }
};

/// Sums f(e) over the channel's elements: a float sum per run (vectorized),
/// the runs' sums added in double.
template <typename F> double sumOver(const Channel &c, F f) {
  double total = 0;
  for (int64_t n = 0; n < c.batch; ++n) {
    float run = 0;
    for (int64_t i = 0; i < c.size; ++i)
      run += f(n * c.stride + i);
    total += run;
  }
  return total;
}

} // namespace

extern "C" void dl_batchnorm_grad_f32(const float *x, const float *weight,
                                      const float *dy, float *dx,
                                      float *dweight, float *dbias,
                                      int64_t batch, int64_t channels,
                                      int64_t size, double eps) {
  forEachTask(channels, [&](int64_t ch) {
    Channel c{x + ch * size, dy + ch * size, dx + ch * size,
              batch,         size,           channels * size};
    double count = double(batch * size);
    float mean = float(sumOver(c, [&](int64_t e) { return c.x[e]; }) / count);
    float var = float(sumOver(c,
                              [&](int64_t e) {
                                float d = c.x[e] - mean;
                                return d * d;
                              }) /
                      count);
    float rstd = float(1.0 / std::sqrt(double(var) + eps));
    double sumDy = sumOver(c, [&](int64_t e) { return c.dy[e]; });
    double sumDyXhat = sumOver(
        c, [&](int64_t e) { return c.dy[e] * ((c.x[e] - mean) * rstd); });
    dweight[ch] = float(sumDyXhat);
    dbias[ch] = float(sumDy);
    // mean(g) and mean(g x^), g = dy * weight.
    float w = weight[ch];
    float meanG = float(sumDy * w / count);
    float meanGXhat = float(sumDyXhat * w / count);
    c.forEach([&](int64_t e) {
      float xhat = (c.x[e] - mean) * rstd;
      c.dx[e] = rstd * (c.dy[e] * w - meanG - xhat * meanGXhat);
    });
  });
}
