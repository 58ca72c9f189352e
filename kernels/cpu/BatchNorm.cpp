//===- BatchNorm.cpp - Batch normalization in training (CPU) --------------===//
//
// Part of dlcc's kernels. One channel at a time, each by one thread: its
// batch x size elements (200 KB for cnn's 64 x 28 x 28) stay in the core's
// cache across the passes over them. The forward: the mean, the variance,
// then y. The gradient: the mean, the variance, the sums of dy and dy x^,
// then dx; written out, it made nine passes over whole tensors. Sums are in
// double precision, in a fixed order.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/BatchNorm.h"
#include "kernels/cpu/Parallel.h"

#include <cmath>

using namespace dlcc::kernels;

namespace {

/// A channel's elements: `batch` runs of `size`, `stride` apart.
struct Channel {
  const float *x, *dy; // dy: the gradient's only.
  float *out;          // y or dx.
  int64_t batch, size, stride;

  double count() const { return double(batch * size); }

  template <typename Body> void forEach(Body body) const {
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t i = 0; i < size; ++i)
        body(n * stride + i);
  }

  /// The sum of f(e) over the elements: a float sum per run (vectorized),
  /// the runs' sums added in double.
  template <typename F> double sum(F f) const {
    double total = 0;
    for (int64_t n = 0; n < batch; ++n) {
      float run = 0;
      for (int64_t i = 0; i < size; ++i)
        run += f(n * stride + i);
      total += run;
    }
    return total;
  }
};

/// The channel's batch mean and biased variance: the mean, then the squares
/// about it.
struct Statistics {
  float mean, var;

  explicit Statistics(const Channel &c) {
    mean = float(c.sum([&](int64_t e) { return c.x[e]; }) / c.count());
    float m = mean;
    var = float(c.sum([&](int64_t e) {
      float d = c.x[e] - m;
      return d * d;
    }) / c.count());
  }
};

} // namespace

extern "C" void
dl_batchnorm_train_f32(const float *x, const float *weight, const float *bias,
                       const float *runningMean, const float *runningVar,
                       float *y, float *newRunningMean, float *newRunningVar,
                       int64_t batch, int64_t channels, int64_t size,
                       double eps, double momentum) {
  double count = double(batch * size);
  float keep = float(1.0 - momentum), take = float(momentum);
  float takeUnbiased =
      float(momentum * (count > 1 ? count / (count - 1) : 1.0));
  forEachTask(channels, [&](int64_t ch) {
    Channel c{x + ch * size, nullptr, y + ch * size,
              batch,         size,    channels * size};
    Statistics s(c);
    float rstd = 1.0f / std::sqrt(s.var + float(eps));
    float w = weight[ch], b = bias[ch], mean = s.mean;
    c.forEach([&](int64_t e) { c.out[e] = (c.x[e] - mean) * rstd * w + b; });
    newRunningMean[ch] = keep * runningMean[ch] + take * s.mean;
    newRunningVar[ch] = keep * runningVar[ch] + takeUnbiased * s.var;
  });
}

extern "C" void dl_batchnorm_grad_f32(const float *x, const float *weight,
                                      const float *dy, float *dx,
                                      float *dweight, float *dbias,
                                      int64_t batch, int64_t channels,
                                      int64_t size, double eps) {
  forEachTask(channels, [&](int64_t ch) {
    Channel c{x + ch * size, dy + ch * size, dx + ch * size,
              batch,         size,           channels * size};
    Statistics s(c);
    float rstd = 1.0f / std::sqrt(s.var + float(eps)), mean = s.mean;
    double sumDy = c.sum([&](int64_t e) { return c.dy[e]; });
    double sumDyXhat =
        c.sum([&](int64_t e) { return c.dy[e] * ((c.x[e] - mean) * rstd); });
    dweight[ch] = float(sumDyXhat);
    dbias[ch] = float(sumDy);
    // mean(g) and mean(g x^), g = dy * weight.
    float w = weight[ch];
    float meanG = float(sumDy * w / c.count());
    float meanGXhat = float(sumDyXhat * w / c.count());
    c.forEach([&](int64_t e) {
      float xhat = (c.x[e] - mean) * rstd;
      c.out[e] = rstd * (c.dy[e] * w - meanG - xhat * meanGXhat);
    });
  });
}
