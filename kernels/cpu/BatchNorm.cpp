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

#include <cmath>

using namespace dlcc::kernels;

namespace {

/// A channel's elements: `batch` runs of `size`, `stride` apart.
struct Channel {
  const float *x, *dy; // dy: the gradient's only.
  float *out;          // y or dx.
  int64_t batch, size, stride;

  double count() const { return double(batch * size); }
};

/// Sums over the channel of one value per element, or two (the same
/// loop feeds both), element e's being terms(e): a float sum per run in
/// two vectors of accumulators, their lanes added in order, then the
/// scalar tail; the runs' sums added in double.
template <int B, int N, typename Terms>
DL_INLINE void sumChannel(const Channel &c, Terms terms, double (&total)[N]) {
  using V = typename Vector<float, B>::Type;
  constexpr int64_t L = kLanes<float, B>;
  for (int k = 0; k < N; ++k)
    total[k] = 0;
  for (int64_t n = 0; n < c.batch; ++n) {
    int64_t run = n * c.stride, i = 0;
    V acc[N][2] = {};
    for (; i + 2 * L <= c.size; i += 2 * L)
      for (int half = 0; half < 2; ++half) {
        V t[N];
        terms.vector(run + i + half * L, t);
        for (int k = 0; k < N; ++k)
          acc[k][half] += t[k];
      }
    for (int k = 0; k < N; ++k) {
      float sum = sumOfLanes(acc[k][0] + acc[k][1]);
      for (int64_t j = i; j < c.size; ++j)
        sum += terms.scalar(run + j, k);
      total[k] += sum;
    }
  }
}

/// x, for the mean.
template <int B> struct Values {
  const float *x;
  template <typename V> DL_INLINE void vector(int64_t e, V (&t)[1]) const {
    loadVector(t[0], x + e);
  }
  DL_INLINE float scalar(int64_t e, int) const { return x[e]; }
};

/// (x - mean)^2, for the variance.
template <int B> struct Squares {
  const float *x;
  float mean;
  template <typename V> DL_INLINE void vector(int64_t e, V (&t)[1]) const {
    V v;
    loadVector(v, x + e);
    v -= mean;
    t[0] = v * v;
  }
  DL_INLINE float scalar(int64_t e, int) const {
    float d = x[e] - mean;
    return d * d;
  }
};

/// dy and dy x^, x^ = (x - mean) rstd, for the gradient's sums.
template <int B> struct GradientTerms {
  const float *x, *dy;
  float mean, rstd;
  template <typename V> DL_INLINE void vector(int64_t e, V (&t)[2]) const {
    V v, g;
    loadVector(v, x + e);
    loadVector(g, dy + e);
    t[0] = g;
    t[1] = g * ((v - mean) * rstd);
  }
  DL_INLINE float scalar(int64_t e, int k) const {
    return k == 0 ? dy[e] : dy[e] * ((x[e] - mean) * rstd);
  }
};

/// The channel's batch mean and biased variance: the mean, then the squares
/// about it.
struct Statistics {
  float mean, var;
};
template <int B> DL_INLINE Statistics statistics(const Channel &c) {
  double sum[1];
  sumChannel<B>(c, Values<B>{c.x}, sum);
  float mean = float(sum[0] / c.count());
  sumChannel<B>(c, Squares<B>{c.x, mean}, sum);
  return {mean, float(sum[0] / c.count())};
}

/// y = (x - mean) rstd w + b over the channel.
template <int B>
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
      storeVector(out + i, (v - mean) * rstd * w + b);
    }
    for (; i < c.size; ++i)
      out[i] = (x[i] - mean) * rstd * w + b;
  }
}

struct TrainChannel {
  Channel c;
  float weight, bias, eps;
};

/// y for one channel; returns its statistics.
template <int B> DL_INLINE Statistics trainChannel(const TrainChannel &t) {
  Statistics s = statistics<B>(t.c);
  float rstd = 1.0f / std::sqrt(s.var + t.eps);
  normalize<B>(t.c, s.mean, rstd, t.weight, t.bias);
  return s;
}

struct GradChannel {
  Channel c;
  float weight, eps;
  float *dweight, *dbias;
};

/// dx, dweight and dbias of one channel.
template <int B> DL_INLINE void gradChannel(const GradChannel &t) {
  using V = typename Vector<float, B>::Type;
  constexpr int64_t L = kLanes<float, B>;
  const Channel &c = t.c;
  Statistics s = statistics<B>(c);
  float rstd = 1.0f / std::sqrt(s.var + t.eps), mean = s.mean;
  double sums[2]; // dy, dy x^
  sumChannel<B>(c, GradientTerms<B>{c.x, c.dy, mean, rstd}, sums);
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
      loadVector(x, c.x + run + i);
      loadVector(dy, c.dy + run + i);
      V xhat = (x - mean) * rstd;
      storeVector(c.out + run + i, rstd * (dy * w - meanG - xhat * meanGXhat));
    }
    for (; i < c.size; ++i) {
      float xhat = (c.x[run + i] - mean) * rstd;
      c.out[run + i] = rstd * (c.dy[run + i] * w - meanG - xhat * meanGXhat);
    }
  }
}

// Each instruction set's version: called from the threads' lambdas, which
// the compiler does not build for the functions' targets.
Statistics trainSSE(const TrainChannel &t) { return trainChannel<16>(t); }
void gradSSE(const GradChannel &t) { gradChannel<16>(t); }
#if DL_HAVE_WIDE_VECTORS
DL_TARGET_AVX2 Statistics trainAVX2(const TrainChannel &t) {
  return trainChannel<32>(t);
}
DL_TARGET_AVX2 void gradAVX2(const GradChannel &t) { gradChannel<32>(t); }
DL_TARGET_AVX512 Statistics trainAVX512(const TrainChannel &t) {
  return trainChannel<64>(t);
}
DL_TARGET_AVX512 void gradAVX512(const GradChannel &t) { gradChannel<64>(t); }
#endif

using Train = Statistics (*)(const TrainChannel &);
using Grad = void (*)(const GradChannel &);

/// The versions for this machine's widest vectors.
std::pair<Train, Grad> forThisMachine() {
  switch (widestInstructionSet()) {
#if DL_HAVE_WIDE_VECTORS
  case InstructionSet::AVX512:
    return {trainAVX512, gradAVX512};
  case InstructionSet::AVX2:
    return {trainAVX2, gradAVX2};
#endif
  default:
    return {trainSSE, gradSSE};
  }
}

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
  Train train = forThisMachine().first;
  forEachTask(channels, [&](int64_t ch) {
    Channel c{x + ch * size, nullptr, y + ch * size,
              batch,         size,    channels * size};
    Statistics s = train({c, weight[ch], bias[ch], float(eps)});
    newRunningMean[ch] = keep * runningMean[ch] + take * s.mean;
    newRunningVar[ch] = keep * runningVar[ch] + takeUnbiased * s.var;
  });
}

extern "C" void dl_batchnorm_grad_f32(const float *x, const float *weight,
                                      const float *dy, float *dx,
                                      float *dweight, float *dbias,
                                      int64_t batch, int64_t channels,
                                      int64_t size, double eps) {
  Grad grad = forThisMachine().second;
  forEachTask(channels, [&](int64_t ch) {
    Channel c{x + ch * size, dy + ch * size, dx + ch * size,
              batch,         size,           channels * size};
    grad({c, weight[ch], float(eps), dweight + ch, dbias + ch});
  });
}
