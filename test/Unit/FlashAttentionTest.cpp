//===- FlashAttentionTest.cpp - The CPU flash-attention kernels -----------===//
//
// Part of dlcc's tests. The tiled kernels against attention written out in
// double precision (scores, softmax, products, and the backward's formulas),
// over sizes that leave partial tiles, with causal and additive masks, a
// shared and a per-entry mask, fewer queries than keys, and more entries
// than threads.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/FlashAttention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace {

struct Case {
  int64_t batch, queries, keys, dim, valueDim;
  bool causal;
  int maskKind; // 0: none, 1: one for all entries, 2: one per entry
};

struct Reference {
  std::vector<double> out, lse, dq, dk, dv;
};

/// Attention and its gradient for the loss sum(out * dout), written out.
Reference reference(const Case &c, const std::vector<double> &q,
                    const std::vector<double> &k, const std::vector<double> &v,
                    const std::vector<double> &mask,
                    const std::vector<double> &dout, double scale) {
  Reference r;
  r.out.assign(c.batch * c.queries * c.valueDim, 0);
  r.lse.assign(c.batch * c.queries, 0);
  r.dq.assign(q.size(), 0);
  r.dk.assign(k.size(), 0);
  r.dv.assign(v.size(), 0);
  int64_t maskStride = c.maskKind == 2 ? c.queries * c.keys : 0;
  for (int64_t n = 0; n < c.batch; ++n) {
    const double *Q = &q[n * c.queries * c.dim], *K = &k[n * c.keys * c.dim],
                 *V = &v[n * c.keys * c.valueDim],
                 *dO = &dout[n * c.queries * c.valueDim];
    std::vector<double> P(c.queries * c.keys);
    for (int64_t i = 0; i < c.queries; ++i) {
      double m = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < c.keys; ++j) {
        double s = 0;
        for (int64_t d = 0; d < c.dim; ++d)
          s += Q[i * c.dim + d] * K[j * c.dim + d];
        s *= scale;
        if (c.maskKind)
          s += mask[n * maskStride + i * c.keys + j];
        if (c.causal && j > i)
          s = -std::numeric_limits<double>::infinity();
        P[i * c.keys + j] = s;
        m = std::max(m, s);
      }
      double sum = 0;
      for (int64_t j = 0; j < c.keys; ++j)
        sum += std::exp(P[i * c.keys + j] - m);
      r.lse[n * c.queries + i] = m + std::log(sum);
      for (int64_t j = 0; j < c.keys; ++j)
        P[i * c.keys + j] = std::exp(P[i * c.keys + j] - m) / sum;
    }
    for (int64_t i = 0; i < c.queries; ++i)
      for (int64_t j = 0; j < c.keys; ++j)
        for (int64_t e = 0; e < c.valueDim; ++e) {
          double p = P[i * c.keys + j];
          r.out[(n * c.queries + i) * c.valueDim + e] +=
              p * V[j * c.valueDim + e];
          r.dv[(n * c.keys + j) * c.valueDim + e] += p * dO[i * c.valueDim + e];
        }
    for (int64_t i = 0; i < c.queries; ++i) {
      std::vector<double> dP(c.keys, 0);
      double dot = 0;
      for (int64_t j = 0; j < c.keys; ++j) {
        for (int64_t e = 0; e < c.valueDim; ++e)
          dP[j] += dO[i * c.valueDim + e] * V[j * c.valueDim + e];
        dot += dP[j] * P[i * c.keys + j];
      }
      for (int64_t j = 0; j < c.keys; ++j) {
        double dS = P[i * c.keys + j] * (dP[j] - dot) * scale;
        for (int64_t d = 0; d < c.dim; ++d) {
          r.dq[(n * c.queries + i) * c.dim + d] += dS * K[j * c.dim + d];
          r.dk[(n * c.keys + j) * c.dim + d] += dS * Q[i * c.dim + d];
        }
      }
    }
  }
  return r;
}

/// max |got - want| / max |want| (absolute where want is all zeros, as
/// the gradients of q and k are with a single key).
template <typename T>
double relativeError(const std::vector<T> &got,
                     const std::vector<double> &want) {
  double worst = 0, largest = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    worst = std::max(worst, std::abs(double(got[i]) - want[i]));
    largest = std::max(largest, std::abs(want[i]));
  }
  return largest > 0 ? worst / largest : worst;
}

template <typename T> struct Kernels;
template <> struct Kernels<float> {
  static constexpr auto forward = dl_attention_fwd_f32;
  static constexpr auto backward = dl_attention_bwd_f32;
};
template <> struct Kernels<double> {
  static constexpr auto forward = dl_attention_fwd_f64;
  static constexpr auto backward = dl_attention_bwd_f64;
};

template <typename T> void check(const Case &c, double tolerance) {
  std::mt19937 rng(7);
  std::normal_distribution<double> normal;
  auto draw = [&](size_t n, double scale) {
    std::vector<double> x(n);
    for (double &e : x)
      e = scale * normal(rng);
    return x;
  };
  std::vector<double> q = draw(c.batch * c.queries * c.dim, 1.5),
                      k = draw(c.batch * c.keys * c.dim, 1.5),
                      v = draw(c.batch * c.keys * c.valueDim, 1),
                      dout = draw(c.batch * c.queries * c.valueDim, 1),
                      mask = draw((c.maskKind == 2 ? c.batch : 1) * c.queries *
                                      c.keys,
                                  2);
  double scale = 1 / std::sqrt(double(c.dim));
  Reference want = reference(c, q, k, v, mask, dout, scale);

  auto cast = [](const std::vector<double> &x) {
    return std::vector<T>(x.begin(), x.end());
  };
  std::vector<T> tq = cast(q), tk = cast(k), tv = cast(v), tmask = cast(mask),
                 tdout = cast(dout);
  // Poisoned outputs: every element must be written.
  T poison = std::numeric_limits<T>::quiet_NaN();
  std::vector<T> out(want.out.size(), poison), lse(want.lse.size(), poison),
      dq(q.size(), poison), dk(k.size(), poison), dv(v.size(), poison);
  const T *maskArg = c.maskKind ? tmask.data() : nullptr;
  int64_t maskStride = c.maskKind == 2 ? c.queries * c.keys : 0;
  Kernels<T>::forward(tq.data(), tk.data(), tv.data(), maskArg, out.data(),
                      lse.data(), c.batch, c.queries, c.keys, c.dim, c.valueDim,
                      T(scale), c.causal, maskStride);
  Kernels<T>::backward(tq.data(), tk.data(), tv.data(), out.data(), lse.data(),
                       tdout.data(), maskArg, dq.data(), dk.data(), dv.data(),
                       c.batch, c.queries, c.keys, c.dim, c.valueDim, T(scale),
                       c.causal, maskStride);
  EXPECT_LT(relativeError(out, want.out), tolerance);
  EXPECT_LT(relativeError(lse, want.lse), tolerance);
  EXPECT_LT(relativeError(dq, want.dq), tolerance);
  EXPECT_LT(relativeError(dk, want.dk), tolerance);
  EXPECT_LT(relativeError(dv, want.dv), tolerance);
}

const Case kCases[] = {
    {1, 1, 1, 1, 1, false, 0},      // the smallest
    {3, 70, 70, 48, 48, true, 0},   // partial tiles, causal (gpt's shape, cut)
    {5, 33, 130, 16, 24, false, 1}, // fewer queries than keys, shared mask
    {2, 64, 64, 8, 8, true, 2},     // whole tiles, causal and per-entry masks
    {9, 17, 17, 5, 3, false, 0},    // more entries than threads
    {2, 45, 77, 100, 72, false, 1}, // widths past whole vectors, shared mask
    {2, 96, 96, 128, 64, true, 0},  // wide heads, causal
    {3, 3, 200, 33, 17, false, 2},  // fewer queries than a row block
};

TEST(FlashAttention, FloatMatchesWrittenOut) {
  for (const Case &c : kCases) {
    SCOPED_TRACE(::testing::Message() << "batch " << c.batch << " queries "
                                      << c.queries << " keys " << c.keys);
    check<float>(c, 2e-5);
  }
}

TEST(FlashAttention, DoubleMatchesWrittenOut) {
  for (const Case &c : kCases) {
    SCOPED_TRACE(::testing::Message() << "batch " << c.batch << " queries "
                                      << c.queries << " keys " << c.keys);
    check<double>(c, 1e-12);
  }
}

// q, k and v read from the rows of a [batch, tokens, 3, heads, dim]
// projection and out, dout, dq, dk, dv in [batch, tokens, heads, dim]
// layouts (rows padded by a few floats), as the compiler passes a
// transformer's heads without transposing them: the same bits as the
// contiguous kernels on transposed copies, every operand element written
// and the padding left alone.
TEST(FlashAttention, StridedOperandsMatchContiguous) {
  const int64_t batch = 2, heads = 3, tokens = 37, dim = 16;
  const int64_t width = heads * dim, entries = batch * heads;
  const int64_t qkvRow = 3 * width + 5, outRow = width + 3;
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  std::vector<float> qkv(batch * tokens * qkvRow),
      dout(batch * tokens * outRow);
  for (float &x : qkv)
    x = normal(rng);
  for (float &x : dout)
    x = normal(rng);
  // Entry (b, h) of a [batch, tokens, ..., heads, dim] layout whose token
  // rows are `row` floats, from `first` floats in.
  auto at = [&](int64_t b, int64_t h, int64_t t, int64_t row, int64_t first) {
    return b * tokens * row + t * row + first + h * dim;
  };
  // The contiguous copies: [entries, tokens, dim].
  auto gather = [&](const std::vector<float> &from, int64_t row,
                    int64_t first) {
    std::vector<float> to(entries * tokens * dim);
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t h = 0; h < heads; ++h)
        for (int64_t t = 0; t < tokens; ++t)
          for (int64_t d = 0; d < dim; ++d)
            to[((b * heads + h) * tokens + t) * dim + d] =
                from[at(b, h, t, row, first) + d];
    return to;
  };
  std::vector<float> q = gather(qkv, qkvRow, 0), k = gather(qkv, qkvRow, width),
                     v = gather(qkv, qkvRow, 2 * width),
                     dO = gather(dout, outRow, 0);
  float scale = 0.25f;
  std::vector<float> out(entries * tokens * dim), lse(entries * tokens),
      dq(q.size()), dk(k.size()), dv(v.size());
  dl_attention_fwd_f32(q.data(), k.data(), v.data(), nullptr, out.data(),
                       lse.data(), entries, tokens, tokens, dim, dim, scale, 1,
                       0);
  dl_attention_bwd_f32(q.data(), k.data(), v.data(), out.data(), lse.data(),
                       dO.data(), nullptr, dq.data(), dk.data(), dv.data(),
                       entries, tokens, tokens, dim, dim, scale, 1, 0);

  const float sentinel = 1234.5f;
  std::vector<float> sOut(dout.size(), sentinel),
      sLse(entries * tokens, sentinel), dqkv(qkv.size(), sentinel);
  const float *sq = qkv.data(), *sk = sq + width, *sv = sq + 2 * width;
  int64_t qkvOuter = tokens * qkvRow, outOuter = tokens * outRow;
  dl_attention_strided_fwd_f32(sq, sk, sv, nullptr, sOut.data(), sLse.data(),
                               batch, heads, tokens, tokens, dim, dim, scale, 1,
                               0, qkvOuter, dim, qkvRow, qkvOuter, dim, qkvRow,
                               qkvOuter, dim, qkvRow, outOuter, dim, outRow);
  float *dsq = dqkv.data(), *dsk = dsq + width, *dsv = dsq + 2 * width;
  dl_attention_strided_bwd_f32(
      sq, sk, sv, sOut.data(), sLse.data(), dout.data(), nullptr, dsq, dsk, dsv,
      batch, heads, tokens, tokens, dim, dim, scale, 1, 0, qkvOuter, dim,
      qkvRow, qkvOuter, dim, qkvRow, qkvOuter, dim, qkvRow, outOuter, dim,
      outRow, outOuter, dim, outRow, qkvOuter, dim, qkvRow, qkvOuter, dim,
      qkvRow, qkvOuter, dim, qkvRow);

  EXPECT_EQ(gather(sOut, outRow, 0), out);
  EXPECT_EQ(sLse, lse);
  EXPECT_EQ(gather(dqkv, qkvRow, 0), dq);
  EXPECT_EQ(gather(dqkv, qkvRow, width), dk);
  EXPECT_EQ(gather(dqkv, qkvRow, 2 * width), dv);
  // Within a row: the operands' elements, then the padding.
  auto check = [&](const std::vector<float> &x, int64_t row, int64_t used) {
    for (size_t i = 0; i < x.size(); ++i)
      ASSERT_EQ(x[i] == sentinel, int64_t(i) % row >= used) << i;
  };
  check(sOut, outRow, width);
  check(dqkv, qkvRow, 3 * width);
}

// A query whose every key is masked out has no distribution: NaN, as
// PyTorch's softmax over -inf gives.
TEST(FlashAttention, FullyMaskedRowIsNaN) {
  float q[2] = {1, 1}, k[2] = {1, 1}, v[2] = {1, 1}, out[2], lse[2];
  float inf = std::numeric_limits<float>::infinity();
  float mask[4] = {-inf, -inf, 0, 0};
  dl_attention_fwd_f32(q, k, v, mask, out, lse, 1, 2, 2, 1, 1, 1.0f, 0, 0);
  EXPECT_TRUE(std::isnan(out[0]));
  EXPECT_FLOAT_EQ(out[1], 1.0f);
}

} // namespace
