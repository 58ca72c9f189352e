//===- FlashAttention.cpp - Attention without its weights (CPU) -----------===//
//
// Part of dlcc's kernels. Tiles of kQueryTile queries by kKeyTile keys fit
// in L1 with their scores. Each tile's products (scores = q k^T, out +=
// P v; in the backward dP = dout v^T, dv += P^T dout, dk += dS^T q, dq +=
// dS k) are small matrix products whose blocks of rows by whole vectors are
// summed in registers (product()), the keys and values transposed once per
// entry so that each operand is read along rows. The code is compiled for
// AVX-512, AVX2 and SSE, the widest the machine has being chosen at run
// time. Batch entries (heads) are independent and split between threads;
// each entry is computed by one thread in a fixed order, so results do not
// depend on the number of threads.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/FlashAttention.h"
#include "kernels/cpu/Parallel.h"
#include "kernels/cpu/Simd.h"
#include "kernels/cpu/VectorExp.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

using namespace dlcc::kernels;

namespace {

constexpr int64_t kQueryTile = 32;
constexpr int64_t kKeyTile = 64;
template <typename T>
constexpr T kMinusInfinity = -std::numeric_limits<T>::infinity();

template <typename T> struct Shape {
  int64_t queries, keys, dim, valueDim;
  T scale;
  bool causal;
  int64_t maskStride;
};

/// A batch entry's rows of one operand: row i at data + i * stride.
template <typename T> struct Rows {
  T *data;
  int64_t stride;
  T *row(int64_t i) const { return data + i * stride; }
};

/// One batch entry's operands (the mask already at this entry).
template <typename T> struct Entry {
  Rows<const T> q, k, v;
  const T *mask;
};

// The code below is compiled once for each instruction set, with vectors
// of B bytes, a machine register: 64 for AVX-512, 32 for AVX2, 16 for SSE
// (see dispatch()). It is all inlined into one function per instruction set.

/// c[i][:width] (+)= sum_k a[i * rowStride + k * depthStride] * b[k][:width]
/// for R rows and `width` = Vectors whole vectors: the R x Vectors
/// accumulators stay in registers over the depth loop, so each step loads
/// one row of b and R elements of a for R * Vectors fused multiply-adds.
template <typename T, int B, int R, int Vectors, bool Accumulate>
DL_INLINE void productBlock(int64_t depth, const T *a, int64_t rowStride,
                            int64_t depthStride, const T *b, int64_t ldb, T *c,
                            int64_t ldc) {
  using V = typename Vector<T, B>::Type;
  constexpr int64_t L = kLanes<T, B>;
  V acc[R][Vectors];
#pragma GCC unroll 8
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 8
    for (int v = 0; v < Vectors; ++v)
      if (Accumulate)
        loadVector(acc[i][v], c + i * ldc + v * L);
      else
        acc[i][v] = V{};
  for (int64_t k = 0; k < depth; ++k) {
    V row[Vectors];
#pragma GCC unroll 8
    for (int v = 0; v < Vectors; ++v)
      loadVector(row[v], b + k * ldb + v * L);
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) {
      T x = a[i * rowStride + k * depthStride];
#pragma GCC unroll 8
      for (int v = 0; v < Vectors; ++v)
        acc[i][v] += x * row[v];
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 8
    for (int v = 0; v < Vectors; ++v)
      std::memcpy(c + i * ldc + v * L, &acc[i][v], sizeof(V));
}

/// R rows of the product below: panels of kPanel vectors (four with the
/// 32 registers of AVX-512, two with 16), then one of the remaining whole
/// vectors, then the last columns one at a time.
template <typename T, int B, int R, bool Accumulate>
DL_INLINE void productRows(int64_t width, int64_t depth, const T *a,
                           int64_t rowStride, int64_t depthStride, const T *b,
                           int64_t ldb, T *c, int64_t ldc) {
  constexpr int64_t L = kLanes<T, B>;
  constexpr int kPanel = B == 64 ? 4 : 2;
  int64_t c0 = 0;
  for (; c0 + kPanel * L <= width; c0 += kPanel * L)
    productBlock<T, B, R, kPanel, Accumulate>(depth, a, rowStride, depthStride,
                                              b + c0, ldb, c + c0, ldc);
  int64_t left = (width - c0) / L;
  if (kPanel > 3 && left == 3)
    productBlock<T, B, R, 3, Accumulate>(depth, a, rowStride, depthStride,
                                         b + c0, ldb, c + c0, ldc);
  else if (kPanel > 2 && left == 2)
    productBlock<T, B, R, 2, Accumulate>(depth, a, rowStride, depthStride,
                                         b + c0, ldb, c + c0, ldc);
  else if (left == 1)
    productBlock<T, B, R, 1, Accumulate>(depth, a, rowStride, depthStride,
                                         b + c0, ldb, c + c0, ldc);
  c0 += left * L;
  for (int i = 0; i < R; ++i)
    for (int64_t j = c0; j < width; ++j) {
      T sum = Accumulate ? c[i * ldc + j] : T(0);
      for (int64_t k = 0; k < depth; ++k)
        sum += a[i * rowStride + k * depthStride] * b[k * ldb + j];
      c[i * ldc + j] = sum;
    }
}

/// The part of a tile's product that a block of rows computes: columns
/// [0, width) and depth [begin, end).
struct Span {
  int64_t width, begin, end;
};

/// Every block of rows computes the whole product.
struct Whole {
  DL_INLINE Span operator()(int64_t, int64_t, int64_t width,
                            int64_t depth) const {
    return {width, 0, depth};
  }
};

/// c[i][j] (+)= sum_k a[i * rowStride + k * depthStride] * b[k * ldb + j]
/// for i < rows, j < width, k < depth: a tile's matrix product, with `a`
/// read either way round (depthStride 1: rows of a; rowStride 1: a
/// transposed). Each element sums over k in order. span(i, R, width,
/// depth) narrows the work of rows [i, i + R) (a causal tile's masked
/// part, whose terms are zero): columns past its width are not written,
/// and terms outside its depth are left out.
template <typename T, int B, bool Accumulate, typename Narrow = Whole>
DL_INLINE void product(int64_t rows, int64_t width, int64_t depth, const T *a,
                       int64_t rowStride, int64_t depthStride, const T *b,
                       int64_t ldb, T *c, int64_t ldc, Narrow span = {}) {
  int64_t i = 0;
  for (; i + 4 <= rows; i += 4) {
    Span p = span(i, 4, width, depth);
    productRows<T, B, 4, Accumulate>(
        p.width, p.end - p.begin, a + i * rowStride + p.begin * depthStride,
        rowStride, depthStride, b + p.begin * ldb, ldb, c + i * ldc, ldc);
  }
  for (; i < rows; ++i) {
    Span p = span(i, 1, width, depth);
    productRows<T, B, 1, Accumulate>(
        p.width, p.end - p.begin, a + i * rowStride + p.begin * depthStride,
        rowStride, depthStride, b + p.begin * ldb, ldb, c + i * ldc, ldc);
  }
}

/// x = e^x lane by lane (GCC leaves the loops around the scalar vectorExp
/// scalar with AVX-512 and AVX2).
template <int B> DL_INLINE void expInPlace(typename Vector<float, B>::Type &x) {
  typedef int32_t I __attribute__((vector_size(B)));
  dlcc::kernels::expInPlace<typename Vector<float, B>::Type, I>(x);
}

/// The largest of row[0, n), n a multiple of kLanes (NaN-free rows).
template <int B> DL_INLINE float maxOf(const float *row, int64_t n) {
  using V = typename Vector<float, B>::Type;
  V m = V{} + kMinusInfinity<float>, x;
  for (int64_t j = 0; j < n; j += kLanes<float, B>) {
    loadVector(x, row + j);
    m = m > x ? m : x;
  }
  return foldLanes<MaxLanes>(m);
}
template <int B> DL_INLINE double maxOf(const double *row, int64_t n) {
  double result = kMinusInfinity<double>;
  for (int64_t j = 0; j < n; ++j)
    result = std::max(result, row[j]);
  return result;
}

/// row[j] = e^(row[j] * factor - shift) for j < n, a multiple of kLanes;
/// returns their sum (in a fixed order).
template <int B>
DL_INLINE float expAndSum(float *row, int64_t n, float factor, float shift) {
  using V = typename Vector<float, B>::Type;
  V sum = V{}, x;
  for (int64_t j = 0; j < n; j += kLanes<float, B>) {
    loadVector(x, row + j);
    x = x * factor - shift;
    expInPlace<B>(x);
    std::memcpy(row + j, &x, sizeof x);
    sum += x;
  }
  return foldLanes<AddLanes>(sum);
}
template <int B>
DL_INLINE double expAndSum(double *row, int64_t n, double factor,
                           double shift) {
  double sum = 0;
  for (int64_t j = 0; j < n; ++j) {
    row[j] = std::exp(row[j] * factor - shift);
    sum += row[j];
  }
  return sum;
}

/// a . b over n elements: a sum per lane, then over the lanes.
template <typename T, int B>
DL_INLINE T dot(const T *a, const T *b, int64_t n) {
  using V = typename Vector<T, B>::Type;
  constexpr int64_t L = kLanes<T, B>;
  V sum = V{}, x, y;
  int64_t j = 0;
  for (; j + L <= n; j += L) {
    loadVector(x, a + j);
    loadVector(y, b + j);
    sum += x * y;
  }
  T result = foldLanes<AddLanes>(sum);
  for (; j < n; ++j)
    result += a[j] * b[j];
  return result;
}

/// t[c * stride + j] = rows.row(j)[c]: [count, width] rows transposed,
/// zeros in the columns from count to `stride`.
template <typename T>
DL_INLINE void transpose(Rows<const T> rows, int64_t count, int64_t width,
                         int64_t stride, T *t) {
  for (int64_t c = 0; c < width; ++c)
    for (int64_t j = count; j < stride; ++j)
      t[c * stride + j] = T(0);
  // Eight rows at a time, written as runs of eight.
  int64_t j0 = 0;
  for (; j0 + 8 <= count; j0 += 8)
    for (int64_t c = 0; c < width; ++c) {
      T run[8];
      for (int j = 0; j < 8; ++j)
        run[j] = rows.row(j0 + j)[c];
      std::memcpy(t + c * stride + j0, run, sizeof run);
    }
  for (; j0 < count; ++j0)
    for (int64_t c = 0; c < width; ++c)
      t[c * stride + j0] = rows.row(j0)[c];
}

/// How many of the `cols` keys of the tile at j0 query i0 + r sees: all,
/// or with causal the first ones.
template <typename T>
DL_INLINE int64_t keysVisible(const Shape<T> &s, int64_t i0, int64_t r,
                              int64_t j0, int64_t cols) {
  return s.causal ? std::clamp<int64_t>(i0 + r + 1 - j0, 0, cols) : cols;
}

/// A tile's product whose rows are its queries i0 + i (the scores and dP,
/// whose columns are keys; P v and dS k, whose depth is keys): rows
/// [i, i + R) need the keys their last sees (columns to whole vectors).
template <typename T, int B> struct QueryRows {
  const Shape<T> &s;
  int64_t i0, j0, cols;
  bool keysAreColumns;
  DL_INLINE Span operator()(int64_t i, int64_t R, int64_t width,
                            int64_t depth) const {
    int64_t seen = keysVisible(s, i0, i + R - 1, j0, cols);
    if (keysAreColumns)
      return {std::min(width, roundUp(seen, kLanes<T, B>)), 0, depth};
    return {width, 0, std::min(depth, seen)};
  }
};

/// A tile's product whose rows are its keys j0 + i and whose depth is its
/// queries i0 + k (P^T dout, dS^T q): with causal, key j0 + i is seen from
/// query j0 + i on.
template <typename T> struct KeyRows {
  const Shape<T> &s;
  int64_t i0, j0;
  DL_INLINE Span operator()(int64_t i, int64_t, int64_t width,
                            int64_t depth) const {
    if (!s.causal)
      return {width, 0, depth};
    return {width, std::clamp<int64_t>(j0 + i - i0, 0, depth), depth};
  }
};

/// scores[r][j] = (q_{i0+r} . k_{j0+j}) * scale + mask, -inf where causal
/// masks it, for `rows` queries and `cols` keys (kt: key j0 of the keys
/// transposed, `stride` apart, readable to whole vectors past cols). The
/// scores past cols, to whole vectors, are -inf. Without a mask the scores
/// are left unscaled: the scale is positive, so their maximum is the
/// maximum of the scaled ones, and the exponentials multiply by it (one
/// pass less); returns the factor they take.
template <typename T, int B>
DL_INLINE T tileScores(const Shape<T> &s, const Entry<T> &e, int64_t i0,
                       int64_t rows, int64_t j0, int64_t cols, const T *kt,
                       int64_t stride, T *scores) {
  int64_t padded = roundUp(cols, kLanes<T, B>);
  product<T, B, false>(rows, padded, s.dim, e.q.row(i0), e.q.stride, 1, kt,
                       stride, scores, kKeyTile,
                       QueryRows<T, B>{s, i0, j0, cols, true});
  for (int64_t r = 0; r < rows; ++r) {
    T *row = scores + r * kKeyTile;
    int64_t last = keysVisible(s, i0, r, j0, cols);
    if (e.mask) {
      const T *m = e.mask + (i0 + r) * s.keys + j0;
      for (int64_t j = 0; j < last; ++j)
        row[j] = row[j] * s.scale + m[j];
    }
    for (int64_t j = last; j < padded; ++j)
      row[j] = kMinusInfinity<T>;
  }
  return e.mask ? T(1) : s.scale;
}

/// Each thread's working buffers, kept from one batch entry and call to the
/// next (the kernels run on the OpenMP runtime's long-lived threads): no
/// allocation, page faults or zeroing an entry. Each is written before it
/// is read.
template <typename T> struct Scratch {
  std::vector<T> keys, values, scores, dscores, acc, rowMax, rowSum;

  static Scratch &ofThisThread() {
    thread_local Scratch scratch;
    return scratch;
  }
  /// `buffer` with room for n elements.
  static T *atLeast(std::vector<T> &buffer, int64_t n) {
    if (int64_t(buffer.size()) < n)
      buffer.resize(n);
    return buffer.data();
  }
};

/// The keys a query tile starting at i0 with `rows` rows attends to.
template <typename T>
int64_t keysSeen(const Shape<T> &s, int64_t i0, int64_t rows) {
  return s.causal ? std::min(s.keys, i0 + rows) : s.keys;
}

template <typename T, int B>
DL_INLINE void forwardEntry(const Shape<T> &s, const Entry<T> &e, Rows<T> out,
                            T *lse) {
  int64_t stride = roundUp(s.keys, kLanes<T, B>);
  using Buffers = Scratch<T>;
  Buffers &buffers = Buffers::ofThisThread();
  T *kt = Buffers::atLeast(buffers.keys, s.dim * stride),
    *scores = Buffers::atLeast(buffers.scores, kQueryTile * kKeyTile),
    *acc = Buffers::atLeast(buffers.acc, kQueryTile * s.valueDim),
    *rowMax = Buffers::atLeast(buffers.rowMax, kQueryTile),
    *rowSum = Buffers::atLeast(buffers.rowSum, kQueryTile);
  transpose(e.k, s.keys, s.dim, stride, kt);
  for (int64_t i0 = 0; i0 < s.queries; i0 += kQueryTile) {
    int64_t rows = std::min(kQueryTile, s.queries - i0);
    std::fill_n(acc, rows * s.valueDim, T(0));
    std::fill_n(rowMax, rows, kMinusInfinity<T>);
    std::fill_n(rowSum, rows, T(0));
    int64_t end = keysSeen(s, i0, rows);
    for (int64_t j0 = 0; j0 < end; j0 += kKeyTile) {
      int64_t cols = std::min(kKeyTile, end - j0);
      T factor =
          tileScores<T, B>(s, e, i0, rows, j0, cols, kt + j0, stride, scores);
      int64_t padded = roundUp(cols, kLanes<T, B>);
      for (int64_t r = 0; r < rows; ++r) {
        T *row = scores + r * kKeyTile;
        T newMax = std::max(rowMax[r], maxOf<B>(row, padded) * factor);
        if (newMax == kMinusInfinity<T>) {
          // Every key so far masked out: no weights yet.
          for (int64_t j = 0; j < cols; ++j)
            row[j] = T(0);
          continue;
        }
        T rescale = dlcc::kernels::expOf(rowMax[r] - newMax);
        T sum = expAndSum<B>(row, padded, factor, newMax);
        rowSum[r] = rowSum[r] * rescale + sum;
        rowMax[r] = newMax;
        T *a = acc + r * s.valueDim;
        for (int64_t c = 0; c < s.valueDim; ++c)
          a[c] *= rescale;
      }
      // acc += weights . v_tile
      product<T, B, true>(rows, s.valueDim, cols, scores, kKeyTile, 1,
                          e.v.row(j0), e.v.stride, acc, s.valueDim,
                          QueryRows<T, B>{s, i0, j0, cols, false});
    }
    for (int64_t r = 0; r < rows; ++r) {
      // A row whose every key is masked out has no distribution: NaN, as
      // softmax over -inf gives.
      T inverse = T(1) / rowSum[r];
      const T *a = acc + r * s.valueDim;
      T *o = out.row(i0 + r);
      for (int64_t c = 0; c < s.valueDim; ++c)
        o[c] = a[c] * inverse;
      lse[i0 + r] = rowMax[r] + std::log(rowSum[r]);
    }
  }
}

/// Rows [0, count) of `rows`, `width` elements each, set to zero.
template <typename T>
DL_INLINE void zeroRows(Rows<T> rows, int64_t count, int64_t width) {
  for (int64_t i = 0; i < count; ++i)
    std::fill(rows.row(i), rows.row(i) + width, T(0));
}

/// The backward's operands of one batch entry beyond the forward's.
template <typename T> struct GradEntry {
  Rows<const T> out, dout;
  const T *lse;
  Rows<T> dq, dk, dv;
};

template <typename T, int B>
DL_INLINE void backwardEntry(const Shape<T> &s, const Entry<T> &e,
                             const GradEntry<T> &g) {
  using Buffers = Scratch<T>;
  Buffers &buffers = Buffers::ofThisThread();
  // delta[i] = rowsum(dout * out): the sum over keys of P * dP.
  T *delta = Buffers::atLeast(buffers.rowSum, s.queries);
  for (int64_t i = 0; i < s.queries; ++i)
    delta[i] = dot<T, B>(g.dout.row(i), g.out.row(i), s.valueDim);
  zeroRows(g.dq, s.queries, s.dim);
  zeroRows(g.dk, s.keys, s.dim);
  zeroRows(g.dv, s.keys, s.valueDim);
  int64_t stride = roundUp(s.keys, kLanes<T, B>);
  T *kt = Buffers::atLeast(buffers.keys, s.dim * stride),
    *vt = Buffers::atLeast(buffers.values, s.valueDim * stride),
    *probs = Buffers::atLeast(buffers.scores, kQueryTile * kKeyTile),
    *dscores = Buffers::atLeast(buffers.dscores, kQueryTile * kKeyTile);
  transpose(e.k, s.keys, s.dim, stride, kt);
  transpose(e.v, s.keys, s.valueDim, stride, vt);
  for (int64_t j0 = 0; j0 < s.keys; j0 += kKeyTile) {
    int64_t tileCols = std::min(kKeyTile, s.keys - j0);
    // Causal: only the query tiles that reach key j0 see this tile.
    int64_t first = s.causal ? j0 / kQueryTile * kQueryTile : 0;
    for (int64_t i0 = first; i0 < s.queries; i0 += kQueryTile) {
      int64_t rows = std::min(kQueryTile, s.queries - i0);
      // Causal: the keys of this tile that the query tile reaches (as the
      // tile's first query tiles leave its last keys out).
      int64_t cols = s.causal ? std::min(tileCols, i0 + rows - j0) : tileCols;
      T factor =
          tileScores<T, B>(s, e, i0, rows, j0, cols, kt + j0, stride, probs);
      // dP = dout_tile . v_tile^T
      product<T, B, false>(rows, roundUp(cols, kLanes<T, B>), s.valueDim,
                           g.dout.row(i0), g.dout.stride, 1, vt + j0, stride,
                           dscores, kKeyTile,
                           QueryRows<T, B>{s, i0, j0, cols, true});
      for (int64_t r = 0; r < rows; ++r) {
        T *p = probs + r * kKeyTile;
        T *ds = dscores + r * kKeyTile;
        T l = g.lse[i0 + r], d = delta[i0 + r];
        // P = exp(S - lse); dS = P (dP - delta) * scale, zero where masked
        // (dP was not computed there).
        expAndSum<B>(p, roundUp(cols, kLanes<T, B>), factor, l);
        int64_t last = keysVisible(s, i0, r, j0, cols);
        for (int64_t j = 0; j < last; ++j)
          ds[j] = p[j] * (ds[j] - d) * s.scale;
        for (int64_t j = last; j < cols; ++j)
          ds[j] = T(0);
      }
      // dv_tile += P^T . dout_tile
      product<T, B, true>(cols, s.valueDim, rows, probs, 1, kKeyTile,
                          g.dout.row(i0), g.dout.stride, g.dv.row(j0),
                          g.dv.stride, KeyRows<T>{s, i0, j0});
      // dk_tile += dS^T . q_tile
      product<T, B, true>(cols, s.dim, rows, dscores, 1, kKeyTile, e.q.row(i0),
                          e.q.stride, g.dk.row(j0), g.dk.stride,
                          KeyRows<T>{s, i0, j0});
      // dq_tile += dS . k_tile
      product<T, B, true>(rows, s.dim, cols, dscores, kKeyTile, 1, e.k.row(j0),
                          e.k.stride, g.dq.row(i0), g.dq.stride,
                          QueryRows<T, B>{s, i0, j0, cols, false});
    }
  }
}

/// Where an operand's batch entries and rows are: entry (o, i) of the
/// [outer, inner] entries starts at o * outer + i * inner elements from the
/// first, its rows `row` elements apart; the elements of a row are
/// adjacent.
struct Strides {
  int64_t outer, inner, row;
};

/// Every operand of a call: the forward's (q, k, v, mask; writing out and
/// lse) or the backward's (q, k, v, mask, out, lse, dout; writing dq, dk,
/// dv), with their strides. lse is [entries, queries], the mask's entries
/// are maskStride apart.
template <typename T> struct Operands {
  Shape<T> s;
  bool backward;
  int64_t inner; // Entries n = o * inner + i.
  const T *q, *k, *v, *mask, *savedOut, *savedLse, *dout;
  T *out, *lse, *dq, *dk, *dv;
  Strides qs, ks, vs, outs, douts, dqs, dks, dvs;

  template <typename E> Rows<E> rows(E *base, Strides st, int64_t n) const {
    return {base + n / inner * st.outer + n % inner * st.inner, st.row};
  }
};

/// Batch entry n of `o`, with vectors of B bytes.
template <typename T, int B>
DL_INLINE void runEntry(const Operands<T> &o, int64_t n) {
  const Shape<T> &s = o.s;
  Entry<T> e{o.rows(o.q, o.qs, n), o.rows(o.k, o.ks, n), o.rows(o.v, o.vs, n),
             o.mask ? o.mask + n * s.maskStride : nullptr};
  if (o.backward)
    backwardEntry<T, B>(
        s, e,
        GradEntry<T>{o.rows(o.savedOut, o.outs, n), o.rows(o.dout, o.douts, n),
                     o.savedLse + n * s.queries, o.rows(o.dq, o.dqs, n),
                     o.rows(o.dk, o.dks, n), o.rows(o.dv, o.dvs, n)});
  else
    forwardEntry<T, B>(s, e, o.rows(o.out, o.outs, n), o.lse + n * s.queries);
}

template <typename T>
using EntryFunction = void (*)(const Operands<T> &, int64_t);

template <typename T> void entrySSE(const Operands<T> &o, int64_t n) {
  runEntry<T, 16>(o, n);
}

#if DL_HAVE_WIDE_VECTORS
template <typename T>
DL_TARGET_AVX2 void entryAVX2(const Operands<T> &o, int64_t n) {
  runEntry<T, 32>(o, n);
}
template <typename T>
DL_TARGET_AVX512 void entryAVX512(const Operands<T> &o, int64_t n) {
  runEntry<T, 64>(o, n);
}
#endif

/// The version for this machine's widest vectors.
template <typename T> EntryFunction<T> dispatch() {
  switch (widestInstructionSet()) {
#if DL_HAVE_WIDE_VECTORS
  case InstructionSet::AVX512:
    return entryAVX512<T>;
  case InstructionSet::AVX2:
    return entryAVX2<T>;
#endif
  default:
    return entrySSE<T>;
  }
}

template <typename T> void run(const Operands<T> &o, int64_t batch) {
  EntryFunction<T> entry = dispatch<T>();
  forEachTask(batch, [&](int64_t n) { entry(o, n); });
}

/// The strides of contiguous [entries, rows, width] operands.
Strides contiguous(int64_t rows, int64_t width) {
  return {rows * width, 0, width};
}

template <typename T>
void forward(const T *q, const T *k, const T *v, const T *mask, T *out, T *lse,
             int64_t outer, int64_t inner, const Shape<T> &s, Strides qs,
             Strides ks, Strides vs, Strides outs) {
  Operands<T> o{s,       false,   inner, q,   k,       v,       mask,   nullptr,
                nullptr, nullptr, out,   lse, nullptr, nullptr, nullptr};
  o.qs = qs, o.ks = ks, o.vs = vs, o.outs = outs;
  run(o, outer * inner);
}

template <typename T>
void backward(const T *q, const T *k, const T *v, const T *out, const T *lse,
              const T *dout, const T *mask, T *dq, T *dk, T *dv, int64_t outer,
              int64_t inner, const Shape<T> &s, Strides qs, Strides ks,
              Strides vs, Strides outs, Strides douts, Strides dqs, Strides dks,
              Strides dvs) {
  Operands<T> o{s,   true, inner,   q,       k,  v,  mask, out,
                lse, dout, nullptr, nullptr, dq, dk, dv};
  o.qs = qs, o.ks = ks, o.vs = vs, o.outs = outs, o.douts = douts;
  o.dqs = dqs, o.dks = dks, o.dvs = dvs;
  run(o, outer * inner);
}

} // namespace

#define DL_ATTENTION_ENTRY_POINTS(T, suffix)                                   \
  extern "C" void dl_attention_strided_fwd_##suffix(                           \
      const T *q, const T *k, const T *v, const T *mask, T *out, T *lse,       \
      int64_t outer, int64_t inner, int64_t queries, int64_t keys,             \
      int64_t dim, int64_t valueDim, T scale, int64_t causal,                  \
      int64_t maskStride, int64_t qOuter, int64_t qInner, int64_t qRow,        \
      int64_t kOuter, int64_t kInner, int64_t kRow, int64_t vOuter,            \
      int64_t vInner, int64_t vRow, int64_t outOuter, int64_t outInner,        \
      int64_t outRow) {                                                        \
    forward(q, k, v, mask, out, lse, outer, inner,                             \
            Shape<T>{queries, keys, dim, valueDim, scale, causal != 0,         \
                     maskStride},                                              \
            {qOuter, qInner, qRow}, {kOuter, kInner, kRow},                    \
            {vOuter, vInner, vRow}, {outOuter, outInner, outRow});             \
  }                                                                            \
  extern "C" void dl_attention_strided_bwd_##suffix(                           \
      const T *q, const T *k, const T *v, const T *out, const T *lse,          \
      const T *dout, const T *mask, T *dq, T *dk, T *dv, int64_t outer,        \
      int64_t inner, int64_t queries, int64_t keys, int64_t dim,               \
      int64_t valueDim, T scale, int64_t causal, int64_t maskStride,           \
      int64_t qOuter, int64_t qInner, int64_t qRow, int64_t kOuter,            \
      int64_t kInner, int64_t kRow, int64_t vOuter, int64_t vInner,            \
      int64_t vRow, int64_t outOuter, int64_t outInner, int64_t outRow,        \
      int64_t doutOuter, int64_t doutInner, int64_t doutRow, int64_t dqOuter,  \
      int64_t dqInner, int64_t dqRow, int64_t dkOuter, int64_t dkInner,        \
      int64_t dkRow, int64_t dvOuter, int64_t dvInner, int64_t dvRow) {        \
    backward(q, k, v, out, lse, dout, mask, dq, dk, dv, outer, inner,          \
             Shape<T>{queries, keys, dim, valueDim, scale, causal != 0,        \
                      maskStride},                                             \
             {qOuter, qInner, qRow}, {kOuter, kInner, kRow},                   \
             {vOuter, vInner, vRow}, {outOuter, outInner, outRow},             \
             {doutOuter, doutInner, doutRow}, {dqOuter, dqInner, dqRow},       \
             {dkOuter, dkInner, dkRow}, {dvOuter, dvInner, dvRow});            \
  }                                                                            \
  extern "C" void dl_attention_fwd_##suffix(                                   \
      const T *q, const T *k, const T *v, const T *mask, T *out, T *lse,       \
      int64_t batch, int64_t queries, int64_t keys, int64_t dim,               \
      int64_t valueDim, T scale, int64_t causal, int64_t maskStride) {         \
    forward(q, k, v, mask, out, lse, batch, 1,                                 \
            Shape<T>{queries, keys, dim, valueDim, scale, causal != 0,         \
                     maskStride},                                              \
            contiguous(queries, dim), contiguous(keys, dim),                   \
            contiguous(keys, valueDim), contiguous(queries, valueDim));        \
  }                                                                            \
  extern "C" void dl_attention_bwd_##suffix(                                   \
      const T *q, const T *k, const T *v, const T *out, const T *lse,          \
      const T *dout, const T *mask, T *dq, T *dk, T *dv, int64_t batch,        \
      int64_t queries, int64_t keys, int64_t dim, int64_t valueDim, T scale,   \
      int64_t causal, int64_t maskStride) {                                    \
    Strides qs = contiguous(queries, dim), ks = contiguous(keys, dim),         \
            vs = contiguous(keys, valueDim),                                   \
            outs = contiguous(queries, valueDim);                              \
    backward(q, k, v, out, lse, dout, mask, dq, dk, dv, batch, 1,              \
             Shape<T>{queries, keys, dim, valueDim, scale, causal != 0,        \
                      maskStride},                                             \
             qs, ks, vs, outs, outs, qs, ks, vs);                              \
  }

DL_ATTENTION_ENTRY_POINTS(float, f32)
DL_ATTENTION_ENTRY_POINTS(double, f64)
