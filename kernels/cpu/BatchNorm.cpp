//===- BatchNorm.cpp - Batch normalization in training (CPU) --------------===//
//
// Part of dlcc's kernels. One channel at a time, each by one thread: its
// batch x size elements (200 KB for cnn's 64 x 28 x 28) stay in the core's
// cache across the passes over them. The forward: the mean, the variance,
// then y. The gradient: the mean, the variance, the sums of dy and dy x^,
// then dx; written out, it made nine passes over whole tensors. Sums are
// in vectors along each run of a channel, the runs' sums in double
// precision, in a fixed order. Each is built for AVX-512, AVX2 and SSE,
// chosen at run time.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/BatchNorm.h"
#include "kernels/cpu/Parallel.h"
#include "kernels/cpu/Simd.h"
#include "kernels/cpu/Sums.h"

#include <cmath>

using namespace dlcc::kernels;

namespace {

/// A channel's elements: `batch` runs of `size`, `stride` apart.
struct Channel {
  const float *x, *dy; // dy: the gradient's only.
  float *out;          // y or dx.
  // The gradient's only, or null: the output of a ReLU that follows the
  // batch norm; dy counts only where it is positive.
  const float *relu;
  int64_t batch, size, stride;

  double count() const { return double(batch * size); }
};

/// Sums over the channel of one value per element, or two (sumRun): a
/// float sum per run, the runs' sums added in double.
template <int B, int N, typename Terms>
DL_INLINE void sumChannel(const Channel &c, Terms terms, double (&total)[N]) {
  for (int k = 0; k < N; ++k)
    total[k] = 0;
  for (int64_t n = 0; n < c.batch; ++n) {
    float run[N];
    sumRun<B>(n * c.stride, c.size, terms, run);
    for (int k = 0; k < N; ++k)
      total[k] += run[k];
  }
}

/// dy at element e of the channel, 0 where a following ReLU's output is
/// not positive (Relu).
template <bool Relu, typename V>
DL_INLINE void loadGradient(const Channel &c, int64_t e, V &g) {
  loadVector(g, c.dy + e);
  if constexpr (Relu) {
    // A vector 0: compared with a scalar, GCC goes lane by lane.
    V y, zero = V{};
    loadVector(y, c.relu + e);
    g = y > zero ? g : zero;
  }
}
template <bool Relu>
DL_INLINE float scalarGradient(const Channel &c, int64_t e) {
  return !Relu || c.relu[e] > 0 ? c.dy[e] : 0.0f;
}

/// dy and dy x^, x^ = (x - mean) rstd, for the gradient's sums.
template <bool Relu> struct GradientTerms {
  const Channel &c;
  float mean, rstd;
  template <typename V> DL_INLINE void vector(int64_t e, V (&t)[2]) const {
    V v, g;
    loadGradient<Relu>(c, e, g);
    loadVector(v, c.x + e);
    t[0] = g;
    t[1] = g * ((v - mean) * rstd);
  }
  DL_INLINE void scalar(int64_t e, float (&t)[2]) const {
    float g = scalarGradient<Relu>(c, e);
    t[0] = g;
    t[1] = g * ((c.x[e] - mean) * rstd);
  }
};

/// The channel's batch mean and biased variance: the mean, then the squares
/// about it.
struct Statistics {
  float mean, var;
};
template <int B> DL_INLINE Statistics statistics(const Channel &c) {
  double sum[1];
  sumChannel<B>(c, Values{c.x}, sum);
  float mean = float(sum[0] / c.count());
  sumChannel<B>(c, Squares{c.x, mean}, sum);
  return {mean, float(sum[0] / c.count())};
}

/// y = (x - mean) rstd w + b over the channel, then max(y, 0) (NaN staying
/// NaN, as arith.maximumf) where Relu.
template <int B, bool Relu>
DL_INLINE void normalize(const Channel &c, float mean, float rstd, float w,
                         float b) {
  using V = typename Vector<float, B>::Type;
  constexpr int64_t L = kLanes<float, B>;
  for (int64_t n = 0; n < c.batch; ++n) {
    const float *x = c.x + n * c.stride;
    float *out = c.out + n * c.stride;
    int64_t i = 0;
    for (; i + L <= c.size; i += L) {
      V v;
      loadVector(v, x + i);
      v = (v - mean) * rstd * w + b;
      if constexpr (Relu) {
        // NaN < 0 is false: NaN stays; + 0 turns -0 into 0.
        V zero = V{};
        v = (v < zero ? zero : v) + zero;
      }
      storeVector(out + i, v);
    }
    for (; i < c.size; ++i) {
      float v = (x[i] - mean) * rstd * w + b;
      out[i] = !Relu || v > 0 || v != v ? v : 0.0f;
    }
  }
}

struct TrainChannel {
  Channel c;
  float weight, bias, eps;
};

/// y for one channel; returns its statistics.
template <int B, bool Relu>
DL_INLINE Statistics trainChannel(const TrainChannel &t) {
  Statistics s = statistics<B>(t.c);
  float rstd = 1.0f / std::sqrt(s.var + t.eps);
  normalize<B, Relu>(t.c, s.mean, rstd, t.weight, t.bias);
  return s;
}

struct GradChannel {
  Channel c;
  float weight, eps;
  float *dweight, *dbias;
};

/// dx, dweight and dbias of one channel.
template <int B, bool Relu> DL_INLINE void gradChannel(const GradChannel &t) {
  using V = typename Vector<float, B>::Type;
  constexpr int64_t L = kLanes<float, B>;
  const Channel &c = t.c;
  Statistics s = statistics<B>(c);
  float rstd = 1.0f / std::sqrt(s.var + t.eps), mean = s.mean;
  double sums[2]; // dy, dy x^
  sumChannel<B>(c, GradientTerms<Relu>{c, mean, rstd}, sums);
  *t.dweight = float(sums[1]);
  *t.dbias = float(sums[0]);
  // mean(g) and mean(g x^), g = dy * weight.
  float w = t.weight;
  float meanG = float(sums[0] * w / c.count());
  float meanGXhat = float(sums[1] * w / c.count());
  for (int64_t n = 0; n < c.batch; ++n) {
    int64_t run = n * c.stride, i = 0;
    for (; i + L <= c.size; i += L) {
      V x, dy;
      loadGradient<Relu>(c, run + i, dy);
      loadVector(x, c.x + run + i);
      V xhat = (x - mean) * rstd;
      storeVector(c.out + run + i, rstd * (dy * w - meanG - xhat * meanGXhat));
    }
    for (; i < c.size; ++i) {
      float xhat = (c.x[run + i] - mean) * rstd;
      float dy = scalarGradient<Relu>(c, run + i);
      c.out[run + i] = rstd * (dy * w - meanG - xhat * meanGXhat);
    }
  }
}

using Train = Statistics (*)(const TrainChannel &);
using Grad = void (*)(const GradChannel &);

/// Each instruction set's versions, without and with a ReLU: called from
/// the threads' lambdas, which the compiler does not build for the
/// functions' targets.
struct Versions {
  Train train[2];
  Grad grad[2];
};

template <int B> DL_INLINE Versions versions();
#define DL_BATCHNORM_VERSIONS(target, B, name)                                 \
  target Statistics train##name(const TrainChannel &t) {                       \
    return trainChannel<B, false>(t);                                          \
  }                                                                            \
  target Statistics trainRelu##name(const TrainChannel &t) {                   \
    return trainChannel<B, true>(t);                                           \
  }                                                                            \
  target void grad##name(const GradChannel &t) { gradChannel<B, false>(t); }   \
  target void gradRelu##name(const GradChannel &t) {                           \
    gradChannel<B, true>(t);                                                   \
  }                                                                            \
  template <> Versions versions<B>() {                                         \
    return {{train##name, trainRelu##name}, {grad##name, gradRelu##name}};     \
  }
DL_BATCHNORM_VERSIONS(, 16, SSE)
#if DL_HAVE_WIDE_VECTORS
DL_BATCHNORM_VERSIONS(DL_TARGET_AVX2, 32, AVX2)
DL_BATCHNORM_VERSIONS(DL_TARGET_AVX512, 64, AVX512)
#endif
#undef DL_BATCHNORM_VERSIONS

/// The versions for this machine's widest vectors.
Versions forThisMachine() {
  return forWidestVectors(
      [](auto bytes) { return versions<decltype(bytes)::value>(); });
}

/// Training-mode batch norm, with a ReLU after it where `relu`.
void train(const float *x, const float *weight, const float *bias,
           const float *runningMean, const float *runningVar, float *y,
           float *newRunningMean, float *newRunningVar, int64_t batch,
           int64_t channels, int64_t size, double eps, double momentum,
           bool relu) {
  double count = double(batch * size);
  float keep = float(1.0 - momentum), take = float(momentum);
  float takeUnbiased =
      float(momentum * (count > 1 ? count / (count - 1) : 1.0));
  Train train = forThisMachine().train[relu];
  forEachTask(channels, [&](int64_t ch) {
    Channel c{x + ch * size, nullptr, y + ch * size,  nullptr,
              batch,         size,    channels * size};
    Statistics s = train({c, weight[ch], bias[ch], float(eps)});
    newRunningMean[ch] = keep * runningMean[ch] + take * s.mean;
    newRunningVar[ch] = keep * runningVar[ch] + takeUnbiased * s.var;
  });
}

/// Its gradient, dy masked by a following ReLU's output y where not null.
void grad(const float *x, const float *weight, const float *dy,
          const float *reluOutput, float *dx, float *dweight, float *dbias,
          int64_t batch, int64_t channels, int64_t size, double eps) {
  Grad grad = forThisMachine().grad[reluOutput != nullptr];
  forEachTask(channels, [&](int64_t ch) {
    Channel c{x + ch * size,  dy + ch * size,
              dx + ch * size, reluOutput ? reluOutput + ch * size : nullptr,
              batch,          size,
              channels * size};
    grad({c, weight[ch], float(eps), dweight + ch, dbias + ch});
  });
}

} // namespace

extern "C" void
dl_batchnorm_train_f32(const float *x, const float *weight, const float *bias,
                       const float *runningMean, const float *runningVar,
                       float *y, float *newRunningMean, float *newRunningVar,
                       int64_t batch, int64_t channels, int64_t size,
                       double eps, double momentum) {
  train(x, weight, bias, runningMean, runningVar, y, newRunningMean,
        newRunningVar, batch, channels, size, eps, momentum, false);
}

extern "C" void dl_batchnorm_relu_train_f32(
    const float *x, const float *weight, const float *bias,
    const float *runningMean, const float *runningVar, float *y,
    float *newRunningMean, float *newRunningVar, int64_t batch,
    int64_t channels, int64_t size, double eps, double momentum) {
  train(x, weight, bias, runningMean, runningVar, y, newRunningMean,
        newRunningVar, batch, channels, size, eps, momentum, true);
}

extern "C" void dl_batchnorm_grad_f32(const float *x, const float *weight,
                                      const float *dy, float *dx,
                                      float *dweight, float *dbias,
                                      int64_t batch, int64_t channels,
                                      int64_t size, double eps) {
  grad(x, weight, dy, nullptr, dx, dweight, dbias, batch, channels, size, eps);
}

extern "C" void dl_batchnorm_relu_grad_f32(const float *x, const float *weight,
                                           const float *dy, const float *y,
                                           float *dx, float *dweight,
                                           float *dbias, int64_t batch,
                                           int64_t channels, int64_t size,
                                           double eps) {
  grad(x, weight, dy, y, dx, dweight, dbias, batch, channels, size, eps);
}
