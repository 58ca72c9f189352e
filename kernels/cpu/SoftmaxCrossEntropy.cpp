//===- SoftmaxCrossEntropy.cpp - Fused softmax cross-entropy (CPU) --------===//
//
// Part of dlcc's kernels. Each function replays its CUDA kernel
// (kernels/cuda/softmax_xent.cu) on one thread: per-lane partial sums over
// columns j = lane, lane + 32, ..., then the warp's butterfly; see there for
// the arithmetic.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/SoftmaxCrossEntropy.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace {

constexpr int kWarpSize = 32;
// The block size the CUDA reduction is launched with.
constexpr int kReduceThreads = 256;

/// __shfl_xor_sync's butterfly over 32 lanes: at each step lane l adds lane
/// l^offset's value to its own; returns what every lane ends with.
float warpSum(float (&lanes)[kWarpSize]) {
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
    float next[kWarpSize];
    for (int lane = 0; lane < kWarpSize; ++lane)
      next[lane] = lanes[lane] + lanes[lane ^ offset];
    std::copy(next, next + kWarpSize, lanes);
  }
  return lanes[0];
}

} // namespace

extern "C" void dl_softmax_xent_fwd_f32(const float *logits,
                                        const int32_t *labels, float *rowLoss,
                                        float *rowLse, float *rowWeight,
                                        int32_t *error, int64_t rows,
                                        int64_t classes, float labelSmoothing,
                                        int64_t ignoreIndex) {
  for (int64_t row = 0; row < rows; ++row) {
    const float *x = logits + row * classes;
    // fmaxf as on the GPU: NaN logits are skipped here and reach the loss
    // through the exponentials.
    float max = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < classes; ++j)
      max = std::fmax(max, x[j]);
    float sumExp[kWarpSize] = {}, sumGap[kWarpSize] = {};
    for (int64_t j = 0; j < classes; ++j) {
      sumExp[j % kWarpSize] += std::exp(x[j] - max);
      sumGap[j % kWarpSize] += max - x[j];
    }
    const float totalExp = warpSum(sumExp), totalGap = warpSum(sumGap);

    const int32_t label = labels[row];
    const float logSum = std::log(totalExp);
    rowLse[row] = max + logSum;
    const bool ignored = label == ignoreIndex;
    const bool bad = !ignored && (label < 0 || label >= classes);
    // Rows run in order, so this is the first bad label.
    if (bad && *error == DL_XENT_NO_ERROR)
      *error = label;
    if (ignored || bad) {
      rowLoss[row] = 0.0f;
      rowWeight[row] = 0.0f;
      continue;
    }
    float loss = logSum + (1.0f - labelSmoothing) * (max - x[label]);
    if (labelSmoothing != 0.0f)
      loss += labelSmoothing / (float)classes * totalGap;
    rowLoss[row] = loss;
    rowWeight[row] = 1.0f;
  }
}

extern "C" void dl_softmax_xent_reduce_f32(const float *rowLoss,
                                           const float *rowWeight, float *loss,
                                           float *count, int64_t rows) {
  // Thread t's sums, then each warp's butterfly, then warp 0's over the
  // warps' results (the lanes past the last warp adding 0).
  constexpr int kWarps = kReduceThreads / kWarpSize;
  float lossPart[kReduceThreads] = {}, countPart[kReduceThreads] = {};
  for (int64_t r = 0; r < rows; ++r) {
    lossPart[r % kReduceThreads] += rowLoss[r];
    countPart[r % kReduceThreads] += rowWeight[r];
  }
  float lossWarps[kWarpSize] = {}, countWarps[kWarpSize] = {};
  for (int w = 0; w < kWarps; ++w) {
    float l[kWarpSize], c[kWarpSize];
    std::copy(lossPart + w * kWarpSize, lossPart + (w + 1) * kWarpSize, l);
    std::copy(countPart + w * kWarpSize, countPart + (w + 1) * kWarpSize, c);
    lossWarps[w] = warpSum(l);
    countWarps[w] = warpSum(c);
  }
  const float l = warpSum(lossWarps), c = warpSum(countWarps);
  *loss = l / c;
  *count = c;
}

extern "C" void dl_softmax_xent_bwd_f32(
    float *dlogits, const float *logits, const int32_t *labels,
    const float *rowLse, const float *rowWeight, const float *dloss,
    const float *count, int64_t rows, int64_t classes, float labelSmoothing) {
  const float scale = *dloss / *count;
  const float offTarget = labelSmoothing / (float)classes;
  const float onTarget = 1.0f - labelSmoothing + offTarget;
  for (int64_t row = 0; row < rows; ++row) {
    float *g = dlogits + row * classes;
    if (rowWeight[row] == 0.0f) {
      std::fill(g, g + classes, 0.0f);
      continue;
    }
    const float *x = logits + row * classes;
    const float lse = rowLse[row];
    for (int64_t j = 0; j < classes; ++j)
      g[j] = (std::exp(x[j] - lse) - offTarget) * scale;
    // The label's column, with its own target: one branch per row rather
    // than per element.
    const int32_t label = labels[row];
    g[label] = (std::exp(x[label] - lse) - onTarget) * scale;
  }
}
