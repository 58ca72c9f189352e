//===- FlashAttention.cpp - Attention without its weights (CPU) -----------===//
//
// Part of dlcc's kernels. Tiles of kQueryTile queries by kKeyTile keys fit
// in L1 with their scores; the key and value tiles are transposed once so
// that every inner loop runs along contiguous memory and vectorizes
// (target_clones picks AVX-512, AVX2 or SSE at load time). Batch entries
// (heads) are independent and split between threads; each entry is
// computed by one thread in a fixed order, so results do not depend on the
// number of threads.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/FlashAttention.h"
#include "kernels/cpu/VectorExp.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

namespace {

constexpr int64_t kQueryTile = 32;
constexpr int64_t kKeyTile = 64;
template <typename T>
constexpr T kMinusInfinity = -std::numeric_limits<T>::infinity();

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DL_VECTORIZED                                                          \
  __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define DL_VECTORIZED
#endif

template <typename T> struct Shape {
  int64_t queries, keys, dim, valueDim;
  T scale;
  bool causal;
  int64_t maskStride;
};

/// One batch entry's operands (the mask already at this entry).
template <typename T> struct Entry { const T *q, *k, *v, *mask; };

/// Runs `body(entry)` for entries [0, batch) on up to the machine's cores.
template <typename Body> void forEachEntry(int64_t batch, Body body) {
  int64_t threads = std::min<int64_t>(
      batch, std::max(1u, std::thread::hardware_concurrency()));
  if (threads <= 1) {
    for (int64_t n = 0; n < batch; ++n)
      body(n);
    return;
  }
  std::vector<std::thread> workers;
  for (int64_t t = 1; t < threads; ++t)
    workers.emplace_back([=] {
      for (int64_t n = t; n < batch; n += threads)
        body(n);
    });
  for (int64_t n = 0; n < batch; n += threads)
    body(n);
  for (std::thread &worker : workers)
    worker.join();
}

/// tile[c * cols + j] = rows[(first + j) * width + c]: a [cols, width] tile
/// of rows transposed.
template <typename T>
void transposeTile(const T *rows, int64_t first, int64_t cols, int64_t width,
                   T *tile) {
  for (int64_t j = 0; j < cols; ++j)
    for (int64_t c = 0; c < width; ++c)
      tile[c * cols + j] = rows[(first + j) * width + c];
}

/// scores[r][j] = (q_{i0+r} . k_{j0+j}) * scale + mask, -inf where causal
/// masks it, for `rows` queries and `cols` keys (kt: the keys transposed).
template <typename T>
DL_VECTORIZED void tileScores(const Shape<T> &s, const Entry<T> &e, int64_t i0,
                              int64_t rows, int64_t j0, int64_t cols,
                              const T *kt, T *scores) {
  for (int64_t r = 0; r < rows; ++r) {
    T *row = scores + r * kKeyTile;
    const T *qr = e.q + (i0 + r) * s.dim;
    for (int64_t j = 0; j < cols; ++j)
      row[j] = T(0);
    for (int64_t c = 0; c < s.dim; ++c) {
      T x = qr[c];
      const T *kc = kt + c * cols;
      for (int64_t j = 0; j < cols; ++j)
        row[j] += x * kc[j];
    }
    for (int64_t j = 0; j < cols; ++j)
      row[j] *= s.scale;
    if (e.mask) {
      const T *m = e.mask + (i0 + r) * s.keys + j0;
      for (int64_t j = 0; j < cols; ++j)
        row[j] += m[j];
    }
    if (s.causal)
      for (int64_t j = std::max<int64_t>(0, i0 + r + 1 - j0); j < cols; ++j)
        row[j] = kMinusInfinity<T>;
  }
}

/// The keys a query tile starting at i0 with `rows` rows attends to.
template <typename T>
int64_t keysSeen(const Shape<T> &s, int64_t i0, int64_t rows) {
  return s.causal ? std::min(s.keys, i0 + rows) : s.keys;
}

template <typename T>
DL_VECTORIZED void forwardEntry(const Shape<T> &s, const Entry<T> &e, T *out,
                                T *lse) {
  std::vector<T> kt(s.dim * kKeyTile), scores(kQueryTile * kKeyTile),
      acc(kQueryTile * s.valueDim), rowMax(kQueryTile), rowSum(kQueryTile);
  for (int64_t i0 = 0; i0 < s.queries; i0 += kQueryTile) {
    int64_t rows = std::min(kQueryTile, s.queries - i0);
    std::fill(acc.begin(), acc.end(), T(0));
    std::fill(rowMax.begin(), rowMax.end(), kMinusInfinity<T>);
    std::fill(rowSum.begin(), rowSum.end(), T(0));
    int64_t end = keysSeen(s, i0, rows);
    for (int64_t j0 = 0; j0 < end; j0 += kKeyTile) {
      int64_t cols = std::min(kKeyTile, end - j0);
      transposeTile(e.k, j0, cols, s.dim, kt.data());
      tileScores(s, e, i0, rows, j0, cols, kt.data(), scores.data());
      for (int64_t r = 0; r < rows; ++r) {
        T *row = scores.data() + r * kKeyTile;
        T newMax = rowMax[r];
        for (int64_t j = 0; j < cols; ++j)
          newMax = std::max(newMax, row[j]);
        if (newMax == kMinusInfinity<T>)
          continue; // every key so far masked out
        T rescale = dlcc::kernels::expOf(rowMax[r] - newMax);
        T sum = T(0);
        for (int64_t j = 0; j < cols; ++j) {
          row[j] = dlcc::kernels::expOf(row[j] - newMax);
          sum += row[j];
        }
        rowSum[r] = rowSum[r] * rescale + sum;
        rowMax[r] = newMax;
        T *a = acc.data() + r * s.valueDim;
        for (int64_t c = 0; c < s.valueDim; ++c)
          a[c] *= rescale;
        for (int64_t j = 0; j < cols; ++j) {
          T p = row[j];
          const T *vj = e.v + (j0 + j) * s.valueDim;
          for (int64_t c = 0; c < s.valueDim; ++c)
            a[c] += p * vj[c];
        }
      }
    }
    for (int64_t r = 0; r < rows; ++r) {
      // A row whose every key is masked out has no distribution: NaN, as
      // softmax over -inf gives.
      T inverse = T(1) / rowSum[r];
      const T *a = acc.data() + r * s.valueDim;
      T *o = out + (i0 + r) * s.valueDim;
      for (int64_t c = 0; c < s.valueDim; ++c)
        o[c] = a[c] * inverse;
      lse[i0 + r] = rowMax[r] + std::log(rowSum[r]);
    }
  }
}

template <typename T>
DL_VECTORIZED void backwardEntry(const Shape<T> &s, const Entry<T> &e,
                                 const T *out, const T *lse, const T *dout,
                                 T *dq, T *dk, T *dv) {
  // delta[i] = rowsum(dout * out): the sum over keys of P * dP.
  std::vector<T> delta(s.queries);
  for (int64_t i = 0; i < s.queries; ++i) {
    T d = T(0);
    for (int64_t c = 0; c < s.valueDim; ++c)
      d += dout[i * s.valueDim + c] * out[i * s.valueDim + c];
    delta[i] = d;
  }
  std::fill(dq, dq + s.queries * s.dim, T(0));
  std::fill(dk, dk + s.keys * s.dim, T(0));
  std::fill(dv, dv + s.keys * s.valueDim, T(0));
  std::vector<T> kt(s.dim * kKeyTile), vt(s.valueDim * kKeyTile),
      probs(kQueryTile * kKeyTile), dscores(kQueryTile * kKeyTile);
  for (int64_t j0 = 0; j0 < s.keys; j0 += kKeyTile) {
    int64_t cols = std::min(kKeyTile, s.keys - j0);
    transposeTile(e.k, j0, cols, s.dim, kt.data());
    transposeTile(e.v, j0, cols, s.valueDim, vt.data());
    // Causal: only the query tiles that reach key j0 see this tile.
    int64_t first = s.causal ? j0 / kQueryTile * kQueryTile : 0;
    for (int64_t i0 = first; i0 < s.queries; i0 += kQueryTile) {
      int64_t rows = std::min(kQueryTile, s.queries - i0);
      tileScores(s, e, i0, rows, j0, cols, kt.data(), probs.data());
      for (int64_t r = 0; r < rows; ++r) {
        T *p = probs.data() + r * kKeyTile;
        T l = lse[i0 + r];
        for (int64_t j = 0; j < cols; ++j)
          p[j] = dlcc::kernels::expOf(p[j] - l);
        // dv_j += p_rj dout_r
        const T *dor = dout + (i0 + r) * s.valueDim;
        for (int64_t j = 0; j < cols; ++j) {
          T pj = p[j];
          T *dvj = dv + (j0 + j) * s.valueDim;
          for (int64_t c = 0; c < s.valueDim; ++c)
            dvj[c] += pj * dor[c];
        }
        // dS_rj = p_rj (dout_r . v_j - delta_r) * scale
        T *ds = dscores.data() + r * kKeyTile;
        for (int64_t j = 0; j < cols; ++j)
          ds[j] = T(0);
        for (int64_t c = 0; c < s.valueDim; ++c) {
          T x = dor[c];
          const T *vc = vt.data() + c * cols;
          for (int64_t j = 0; j < cols; ++j)
            ds[j] += x * vc[j];
        }
        T d = delta[i0 + r];
        for (int64_t j = 0; j < cols; ++j)
          ds[j] = p[j] * (ds[j] - d) * s.scale;
        // dq_r += dS_rj k_j;  dk_j += dS_rj q_r
        T *dqr = dq + (i0 + r) * s.dim;
        const T *qr = e.q + (i0 + r) * s.dim;
        for (int64_t j = 0; j < cols; ++j) {
          T x = ds[j];
          const T *kj = e.k + (j0 + j) * s.dim;
          T *dkj = dk + (j0 + j) * s.dim;
          for (int64_t c = 0; c < s.dim; ++c) {
            dqr[c] += x * kj[c];
            dkj[c] += x * qr[c];
          }
        }
      }
    }
  }
}

template <typename T>
Entry<T> entryAt(const Shape<T> &s, int64_t n, const T *q, const T *k,
                 const T *v, const T *mask) {
  return {q + n * s.queries * s.dim, k + n * s.keys * s.dim,
          v + n * s.keys * s.valueDim,
          mask ? mask + n * s.maskStride : nullptr};
}

template <typename T>
void forward(const T *q, const T *k, const T *v, const T *mask, T *out, T *lse,
             int64_t batch, int64_t queries, int64_t keys, int64_t dim,
             int64_t valueDim, T scale, int64_t causal, int64_t maskStride) {
  Shape<T> s{queries, keys, dim, valueDim, scale, causal != 0, maskStride};
  forEachEntry(batch, [&](int64_t n) {
    forwardEntry(s, entryAt(s, n, q, k, v, mask), out + n * queries * valueDim,
                 lse + n * queries);
  });
}

template <typename T>
void backward(const T *q, const T *k, const T *v, const T *out, const T *lse,
              const T *dout, const T *mask, T *dq, T *dk, T *dv, int64_t batch,
              int64_t queries, int64_t keys, int64_t dim, int64_t valueDim,
              T scale, int64_t causal, int64_t maskStride) {
  Shape<T> s{queries, keys, dim, valueDim, scale, causal != 0, maskStride};
  forEachEntry(batch, [&](int64_t n) {
    backwardEntry(s, entryAt(s, n, q, k, v, mask), out + n * queries * valueDim,
                  lse + n * queries, dout + n * queries * valueDim,
                  dq + n * queries * dim, dk + n * keys * dim,
                  dv + n * keys * valueDim);
  });
}

} // namespace

#define DL_ATTENTION_ENTRY_POINTS(T, suffix)                                   \
  extern "C" void dl_attention_fwd_##suffix(                                   \
      const T *q, const T *k, const T *v, const T *mask, T *out, T *lse,       \
      int64_t batch, int64_t queries, int64_t keys, int64_t dim,               \
      int64_t valueDim, T scale, int64_t causal, int64_t maskStride) {         \
    forward(q, k, v, mask, out, lse, batch, queries, keys, dim, valueDim,      \
            scale, causal, maskStride);                                        \
  }                                                                            \
  extern "C" void dl_attention_bwd_##suffix(                                   \
      const T *q, const T *k, const T *v, const T *out, const T *lse,          \
      const T *dout, const T *mask, T *dq, T *dk, T *dv, int64_t batch,        \
      int64_t queries, int64_t keys, int64_t dim, int64_t valueDim, T scale,   \
      int64_t causal, int64_t maskStride) {                                    \
    backward(q, k, v, out, lse, dout, mask, dq, dk, dv, batch, queries, keys,  \
             dim, valueDim, scale, causal, maskStride);                        \
  }

DL_ATTENTION_ENTRY_POINTS(float, f32)
DL_ATTENTION_ENTRY_POINTS(double, f64)
