//===- softmax_xent.cu - Fused softmax cross-entropy (CUDA) ---------------===//
//
// Part of dlcc's kernels. Same arithmetic, in the same order, as
// kernels/cpu/SoftmaxCrossEntropy.cpp (results agree to a few ulps: expf,
// logf and FMA contraction differ between the two); compiled to PTX at build
// time and launched through the CUDA driver API, so every parameter is a
// pointer, an int64 or a float.
//
// logits is (rows, C) row-major f32, labels is (rows) int32. The loss is
// dl.cross_entropy's: PyTorch's mean over the rows whose label is not
// ignore_index, with label smoothing eps mixing the one-hot target with the
// uniform distribution:
//   loss_r = lse_r - (1 - eps) x[r, y_r] - eps/C sum_j x[r, j]
// computed as log(sum_j exp(x_j - max)) + (1 - eps)(max - x_y)
//             + eps/C sum_j (max - x_j),
// whose terms are all non-negative, so logits of 1e4 lose nothing to
// cancellation.
//
// A training step launches, in order on one stream:
//   1. dl_softmax_xent_fwd_f32     per-row loss, logsumexp and weight;
//   2. dl_softmax_xent_reduce_f32  their mean, in a fixed order;
//   3. dl_softmax_xent_bwd_f32     (backward) dlogits from the saved rows.
//
//===----------------------------------------------------------------------===//

#include <cstdint>

namespace {

constexpr unsigned kFullMask = 0xffffffffu;

// Keep in step with kernels/cpu/SoftmaxCrossEntropy.h.
constexpr int32_t kNoError = 0; // DL_XENT_NO_ERROR

// Butterfly reductions: after them every lane holds the result, and lane l
// always adds its own value to lane l^offset's, so the order is fixed (the
// CPU version replays it).
__device__ float warpMax(float v) {
  for (int offset = 16; offset > 0; offset /= 2)
    v = fmaxf(v, __shfl_xor_sync(kFullMask, v, offset));
  return v;
}

__device__ float warpSum(float v) {
  for (int offset = 16; offset > 0; offset /= 2)
    v += __shfl_xor_sync(kFullMask, v, offset);
  return v;
}

} // namespace

/// Forward, one warp per row.
///   logits     (rows, C) f32, row-major
///   labels     (rows) int32
///   rowLoss    (rows) f32 out: the row's loss, 0 when it does not count
///   rowLse     (rows) f32 out: the row's logsumexp, kept for the backward
///   rowWeight  (rows) f32 out: 1 when the row counts, else 0 (ignored or
///              bad label)
///   error      one int32, set by the caller to DL_XENT_NO_ERROR (0) before
///              the launch; a label outside [0, C) that is not ignoreIndex
///              is stored there (one of them, if several) and its row does
///              not count. 0 is never a bad label, since C >= 1.
///   rows, classes (C >= 1), labelSmoothing (eps in [0, 1]), ignoreIndex
/// Launch: blockDim.x a multiple of 32 (256 suggested), any grid; warps
/// stride over the rows, so ceil(rows / (blockDim.x / 32)) blocks give each
/// warp one row. A warp rather than a block per row: the rows of a batch
/// (batch x sequence for a language model) give enough warps to fill the
/// GPU even at a vocabulary of 50k, and a warp needs no shared memory or
/// __syncthreads.
extern "C" __global__ void
dl_softmax_xent_fwd_f32(const float *logits, const int32_t *labels,
                        float *rowLoss, float *rowLse, float *rowWeight,
                        int32_t *error, int64_t rows, int64_t classes,
                        float labelSmoothing, int64_t ignoreIndex) {
  const int lane = threadIdx.x % 32;
  const int64_t firstWarp =
      (blockIdx.x * (int64_t)blockDim.x + threadIdx.x) / 32;
  const int64_t warps = gridDim.x * (int64_t)blockDim.x / 32;
  // `row` is the same for the whole warp, so the shuffles see every lane.
  for (int64_t row = firstWarp; row < rows; row += warps) {
    const float *x = logits + row * classes;
    // Lane l reads columns l, l+32, ...: consecutive lanes, consecutive
    // addresses.
    float max = -INFINITY;
    for (int64_t j = lane; j < classes; j += 32)
      max = fmaxf(max, x[j]);
    max = warpMax(max);
    // The second pass mostly hits L1/L2: a row is at most a few hundred KB.
    float sumExp = 0.0f, sumGap = 0.0f;
    for (int64_t j = lane; j < classes; j += 32) {
      float v = x[j];
      sumExp += expf(v - max);
      sumGap += max - v;
    }
    sumExp = warpSum(sumExp);
    sumGap = warpSum(sumGap);
    if (lane != 0)
      continue;

    const int32_t label = labels[row];
    const float logSum = logf(sumExp);
    rowLse[row] = max + logSum;
    const bool ignored = label == ignoreIndex;
    const bool bad = !ignored && (label < 0 || label >= classes);
    if (bad)
      atomicCAS(error, kNoError, label);
    if (ignored || bad) {
      rowLoss[row] = 0.0f;
      rowWeight[row] = 0.0f;
      continue;
    }
    float loss = logSum + (1.0f - labelSmoothing) * (max - x[label]);
    // Skipped at eps = 0 so that an overflowing sumGap cannot give 0 * inf.
    if (labelSmoothing != 0.0f)
      loss += labelSmoothing / (float)classes * sumGap;
    rowLoss[row] = loss;
    rowWeight[row] = 1.0f;
  }
}

/// The mean loss, summed in a fixed order so that it does not depend on
/// scheduling: thread t adds rows t, t + blockDim.x, ... in turn, then the
/// threads' sums are combined by warp butterflies and, across warps, through
/// shared memory by warp 0.
///   rowLoss, rowWeight  (rows) f32, from dl_softmax_xent_fwd_f32
///   loss                one f32 out: sum(rowLoss) / sum(rowWeight); NaN when
///                       no row counts, as in PyTorch
///   count               one f32 out: sum(rowWeight), read by the backward
///   rows
/// Launch: one block of 256 threads (the CPU version reproduces that order
/// bit for bit; any multiple of 32 up to 1024 is deterministic too).
extern "C" __global__ void dl_softmax_xent_reduce_f32(const float *rowLoss,
                                                      const float *rowWeight,
                                                      float *loss, float *count,
                                                      int64_t rows) {
  __shared__ float lossPart[32], countPart[32];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  float l = 0.0f, c = 0.0f;
  for (int64_t r = threadIdx.x; r < rows; r += blockDim.x) {
    l += rowLoss[r];
    c += rowWeight[r];
  }
  l = warpSum(l);
  c = warpSum(c);
  if (lane == 0) {
    lossPart[warp] = l;
    countPart[warp] = c;
  }
  __syncthreads();
  if (warp != 0)
    return;
  const int warps = blockDim.x / 32;
  l = warpSum(lane < warps ? lossPart[lane] : 0.0f);
  c = warpSum(lane < warps ? countPart[lane] : 0.0f);
  if (lane == 0) {
    *loss = l / c;
    *count = c;
  }
}

/// Backward: dlogits = dloss * (softmax(x) - target) / count, where
/// target = (1 - eps) onehot(y) + eps / C; rows that do not count get 0.
/// The softmax comes from the saved logsumexp: exp(x - lse), one pass.
///   dlogits    (rows, C) f32 out
///   logits     (rows, C) f32, as given to the forward
///   labels     (rows) int32
///   rowLse, rowWeight  (rows) f32, from dl_softmax_xent_fwd_f32
///   dloss      one f32: the gradient of the mean loss (1 for a plain loss)
///   count      one f32, from dl_softmax_xent_reduce_f32
///   rows, classes, labelSmoothing (the forward's)
/// Launch: any shape (grid-stride over rows * C; 256 threads and enough
/// blocks to fill the GPU suggested). Consecutive threads write consecutive
/// elements.
extern "C" __global__ void dl_softmax_xent_bwd_f32(
    float *dlogits, const float *logits, const int32_t *labels,
    const float *rowLse, const float *rowWeight, const float *dloss,
    const float *count, int64_t rows, int64_t classes, float labelSmoothing) {
  const float scale = *dloss / *count;
  const float offTarget = labelSmoothing / (float)classes;
  const float onTarget = 1.0f - labelSmoothing + offTarget;
  const int64_t n = rows * classes;
  const int64_t stride = gridDim.x * (int64_t)blockDim.x;
  int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
  // (row, col) of i is advanced by the stride's, not divided out for every
  // element: a 64-bit division costs tens of instructions on a GPU.
  int64_t row = i / classes, col = i % classes;
  const int64_t rowStep = stride / classes, colStep = stride % classes;
  for (; i < n; i += stride) {
    float g = 0.0f;
    if (rowWeight[row] != 0.0f) {
      float p = expf(logits[i] - rowLse[row]);
      float target = col == labels[row] ? onTarget : offTarget;
      g = (p - target) * scale;
    }
    dlogits[i] = g;
    row += rowStep;
    col += colStep;
    if (col >= classes) {
      col -= classes;
      ++row;
    }
  }
}
