//===- flash_attention.cu - Attention without its weights (CUDA) ----------===//
//
// Part of dlcc's kernels. The algorithm of kernels/cpu/FlashAttention.cpp
// (see FlashAttention.h for the operands): keys and values are staged in
// shared memory a tile at a time, each query keeps a running maximum and
// sum, and the [Tq, Tk] weights are never stored. The backward recomputes
// the weights from the forward's row log-sum-exps in two kernels, one
// thread per query (dq) and one thread per key (dk, dv), so that no two
// threads add into one element. Compiled to PTX at build time and launched
// through the CUDA driver API (runtime/cuda/LibraryKernels.cpp), in f32,
// for head sizes up to 32, 64 and 128 (one build each: a thread's rows stay
// in registers).
//
// Launch (every kernel): blocks of kThreads threads, grid (rows / kThreads
// rounded up, batch), dynamic shared memory as each kernel's comment says.
//
//===----------------------------------------------------------------------===//

#include <cstdint>

namespace {

constexpr int kThreads = 64;
constexpr int kTile = 32; // keys (forward, dq) or queries (dk, dv) staged

/// What every kernel is told about the problem.
struct Sizes {
  int64_t queries, keys, dim, valueDim, maskStride;
  float scale;
  bool causal;
};

__device__ float maskAt(const float *mask, const Sizes &s, int64_t n,
                        int64_t i, int64_t j) {
  return mask ? mask[n * s.maskStride + i * s.keys + j] : 0.0f;
}

/// Copies rows [first, first + count) of a [rows, width] matrix into
/// shared memory, all threads of the block taking part.
__device__ void stage(const float *rows, int64_t first, int count,
                      int64_t width, float *tile) {
  for (int64_t e = threadIdx.x; e < count * width; e += blockDim.x)
    tile[e] = rows[first * width + e];
}

/// Shared memory: kTile * (dim + valueDim) floats.
template <int D>
__device__ void forward(const float *q, const float *k, const float *v,
                        const float *mask, float *out, float *lse,
                        const Sizes &s) {
  extern __shared__ float shared[];
  float *keyTile = shared, *valueTile = shared + kTile * s.dim;
  const int64_t n = blockIdx.y, i = blockIdx.x * int64_t(kThreads) + threadIdx.x;
  const bool active = i < s.queries;
  q += n * s.queries * s.dim;
  k += n * s.keys * s.dim;
  v += n * s.keys * s.valueDim;
  float query[D], acc[D];
#pragma unroll
  for (int c = 0; c < D; ++c) {
    query[c] = active && c < s.dim ? q[i * s.dim + c] : 0.0f;
    acc[c] = 0.0f;
  }
  float rowMax = -INFINITY, rowSum = 0.0f;
  // The block's last query bounds the keys any of its queries sees.
  int64_t lastQuery = min(s.queries, (blockIdx.x + 1) * int64_t(kThreads)) - 1;
  int64_t end = s.causal ? min(s.keys, lastQuery + 1) : s.keys;
  for (int64_t j0 = 0; j0 < end; j0 += kTile) {
    int count = int(min(int64_t(kTile), end - j0));
    __syncthreads();
    stage(k, j0, count, s.dim, keyTile);
    stage(v, j0, count, s.valueDim, valueTile);
    __syncthreads();
    if (!active)
      continue;
    for (int j = 0; j < count; ++j) {
      if (s.causal && j0 + j > i)
        break;
      float score = 0.0f;
#pragma unroll
      for (int c = 0; c < D; ++c)
        if (c < s.dim)
          score += query[c] * keyTile[j * s.dim + c];
      score = score * s.scale + maskAt(mask, s, n, i, j0 + j);
      if (score == -INFINITY)
        continue;
      float newMax = fmaxf(rowMax, score);
      float rescale = expf(rowMax - newMax), p = expf(score - newMax);
      rowSum = rowSum * rescale + p;
#pragma unroll
      for (int c = 0; c < D; ++c)
        if (c < s.valueDim)
          acc[c] = acc[c] * rescale + p * valueTile[j * s.valueDim + c];
      rowMax = newMax;
    }
  }
  if (!active)
    return;
  // A query whose every key is masked out gives NaN, as softmax does.
  float inverse = 1.0f / rowSum;
  out += (n * s.queries + i) * s.valueDim;
#pragma unroll
  for (int c = 0; c < D; ++c)
    if (c < s.valueDim)
      out[c] = acc[c] * inverse;
  lse[n * s.queries + i] = rowMax + logf(rowSum);
}

/// One thread per query: dq. Shared memory as the forward.
template <int D>
__device__ void backwardQueries(const float *q, const float *k, const float *v,
                                const float *out, const float *lse,
                                const float *dout, const float *mask,
                                float *dq, const Sizes &s) {
  extern __shared__ float shared[];
  float *keyTile = shared, *valueTile = shared + kTile * s.dim;
  const int64_t n = blockIdx.y, i = blockIdx.x * int64_t(kThreads) + threadIdx.x;
  const bool active = i < s.queries;
  q += n * s.queries * s.dim;
  k += n * s.keys * s.dim;
  v += n * s.keys * s.valueDim;
  const int64_t row = n * s.queries + i;
  float query[D], dOut[D], grad[D];
  float delta = 0.0f;
#pragma unroll
  for (int c = 0; c < D; ++c) {
    query[c] = active && c < s.dim ? q[i * s.dim + c] : 0.0f;
    dOut[c] = active && c < s.valueDim ? dout[row * s.valueDim + c] : 0.0f;
    if (active && c < s.valueDim)
      delta += dOut[c] * out[row * s.valueDim + c];
    grad[c] = 0.0f;
  }
  const float rowLse = active ? lse[row] : 0.0f;
  int64_t lastQuery = min(s.queries, (blockIdx.x + 1) * int64_t(kThreads)) - 1;
  int64_t end = s.causal ? min(s.keys, lastQuery + 1) : s.keys;
  for (int64_t j0 = 0; j0 < end; j0 += kTile) {
    int count = int(min(int64_t(kTile), end - j0));
    __syncthreads();
    stage(k, j0, count, s.dim, keyTile);
    stage(v, j0, count, s.valueDim, valueTile);
    __syncthreads();
    if (!active)
      continue;
    for (int j = 0; j < count; ++j) {
      if (s.causal && j0 + j > i)
        break;
      float score = 0.0f, dp = 0.0f;
#pragma unroll
      for (int c = 0; c < D; ++c) {
        if (c < s.dim)
          score += query[c] * keyTile[j * s.dim + c];
        if (c < s.valueDim)
          dp += dOut[c] * valueTile[j * s.valueDim + c];
      }
      score = score * s.scale + maskAt(mask, s, n, i, j0 + j);
      float p = expf(score - rowLse);
      float ds = p * (dp - delta) * s.scale;
#pragma unroll
      for (int c = 0; c < D; ++c)
        if (c < s.dim)
          grad[c] += ds * keyTile[j * s.dim + c];
    }
  }
  if (!active)
    return;
#pragma unroll
  for (int c = 0; c < D; ++c)
    if (c < s.dim)
      dq[row * s.dim + c] = grad[c];
}

/// One thread per key: dk and dv. Shared memory: kTile * (dim + valueDim
/// + 2) floats (the queries, their output gradients, log-sum-exps and
/// deltas).
template <int D>
__device__ void backwardKeys(const float *q, const float *k, const float *v,
                             const float *out, const float *lse,
                             const float *dout, const float *mask, float *dk,
                             float *dv, const Sizes &s) {
  extern __shared__ float shared[];
  float *queryTile = shared, *dOutTile = queryTile + kTile * s.dim,
        *lseTile = dOutTile + kTile * s.valueDim, *deltaTile = lseTile + kTile;
  const int64_t n = blockIdx.y, j = blockIdx.x * int64_t(kThreads) + threadIdx.x;
  const bool active = j < s.keys;
  q += n * s.queries * s.dim;
  dout += n * s.queries * s.valueDim;
  out += n * s.queries * s.valueDim;
  lse += n * s.queries;
  const int64_t keyRow = n * s.keys + j;
  float key[D], value[D], dKey[D], dValue[D];
#pragma unroll
  for (int c = 0; c < D; ++c) {
    key[c] = active && c < s.dim ? k[keyRow * s.dim + c] : 0.0f;
    value[c] = active && c < s.valueDim ? v[keyRow * s.valueDim + c] : 0.0f;
    dKey[c] = dValue[c] = 0.0f;
  }
  // Causal: the block's first key is seen from that query on.
  int64_t first = s.causal ? blockIdx.x * int64_t(kThreads) : 0;
  for (int64_t i0 = first; i0 < s.queries; i0 += kTile) {
    int count = int(min(int64_t(kTile), s.queries - i0));
    __syncthreads();
    stage(q, i0, count, s.dim, queryTile);
    stage(dout, i0, count, s.valueDim, dOutTile);
    for (int r = threadIdx.x; r < count; r += blockDim.x) {
      float d = 0.0f;
      for (int64_t c = 0; c < s.valueDim; ++c)
        d += dout[(i0 + r) * s.valueDim + c] * out[(i0 + r) * s.valueDim + c];
      deltaTile[r] = d;
      lseTile[r] = lse[i0 + r];
    }
    __syncthreads();
    if (!active)
      continue;
    for (int r = 0; r < count; ++r) {
      int64_t i = i0 + r;
      if (s.causal && j > i)
        continue;
      float score = 0.0f, dp = 0.0f;
#pragma unroll
      for (int c = 0; c < D; ++c) {
        if (c < s.dim)
          score += queryTile[r * s.dim + c] * key[c];
        if (c < s.valueDim)
          dp += dOutTile[r * s.valueDim + c] * value[c];
      }
      score = score * s.scale + maskAt(mask, s, n, i, j);
      float p = expf(score - lseTile[r]);
      float ds = p * (dp - deltaTile[r]) * s.scale;
#pragma unroll
      for (int c = 0; c < D; ++c) {
        if (c < s.valueDim)
          dValue[c] += p * dOutTile[r * s.valueDim + c];
        if (c < s.dim)
          dKey[c] += ds * queryTile[r * s.dim + c];
      }
    }
  }
  if (!active)
    return;
#pragma unroll
  for (int c = 0; c < D; ++c) {
    if (c < s.dim)
      dk[keyRow * s.dim + c] = dKey[c];
    if (c < s.valueDim)
      dv[keyRow * s.valueDim + c] = dValue[c];
  }
}

} // namespace

// The entry points, one per head-size bound D: every parameter a pointer,
// an int64 or a float, as the driver API passes them.
#define DL_ATTENTION_KERNELS(D)                                                \
  extern "C" __global__ void __launch_bounds__(kThreads)                       \
      dl_attention_fwd_f32_d##D(const float *q, const float *k,                \
                                const float *v, const float *mask, float *out, \
                                float *lse, int64_t queries, int64_t keys,     \
                                int64_t dim, int64_t valueDim, float scale,    \
                                int64_t causal, int64_t maskStride) {          \
    forward<D>(q, k, v, mask, out, lse,                                        \
               Sizes{queries, keys, dim, valueDim, maskStride, scale,          \
                     causal != 0});                                            \
  }                                                                            \
  extern "C" __global__ void __launch_bounds__(kThreads)                       \
      dl_attention_bwd_dq_f32_d##D(                                            \
          const float *q, const float *k, const float *v, const float *out,    \
          const float *lse, const float *dout, const float *mask, float *dq,   \
          int64_t queries, int64_t keys, int64_t dim, int64_t valueDim,        \
          float scale, int64_t causal, int64_t maskStride) {                   \
    backwardQueries<D>(q, k, v, out, lse, dout, mask, dq,                      \
                       Sizes{queries, keys, dim, valueDim, maskStride, scale,  \
                             causal != 0});                                    \
  }                                                                            \
  extern "C" __global__ void __launch_bounds__(kThreads)                       \
      dl_attention_bwd_dkv_f32_d##D(                                           \
          const float *q, const float *k, const float *v, const float *out,    \
          const float *lse, const float *dout, const float *mask, float *dk,   \
          float *dv, int64_t queries, int64_t keys, int64_t dim,               \
          int64_t valueDim, float scale, int64_t causal, int64_t maskStride) { \
    backwardKeys<D>(q, k, v, out, lse, dout, mask, dk, dv,                     \
                    Sizes{queries, keys, dim, valueDim, maskStride, scale,     \
                          causal != 0});                                       \
  }

DL_ATTENTION_KERNELS(32)
DL_ATTENTION_KERNELS(64)
DL_ATTENTION_KERNELS(128)
