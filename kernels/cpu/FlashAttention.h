//===- FlashAttention.h - Attention without its weights (CPU) ---*- C++ -*-===//
//
// Part of dlcc's kernels. softmax(q k^T * scale + mask) v and its gradient
// by the flash algorithm: queries and keys are taken in tiles, the softmax
// is computed online with a running maximum and sum per query row, and the
// [Tq, Tk] weights are never stored. The forward keeps each row's
// log-sum-exp; the backward recomputes the weights from it. The CPU
// counterpart of kernels/cuda/flash_attention.cu.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_KERNELS_CPU_FLASHATTENTION_H
#define DLCC_KERNELS_CPU_FLASHATTENTION_H

#include <cstdint>

extern "C" {

/// Every operand is row-major f32 (f64 for the _f64 versions). `q` is
/// [batch, queries, dim], `k` [batch, keys, dim], `v` [batch, keys,
/// valueDim]; `out` is [batch, queries, valueDim] and `lse` [batch,
/// queries]. `mask`, when not null, is added to the scores: [queries, keys]
/// per batch entry, `maskStride` elements apart (0: one mask for all).
/// `causal` (0 or 1) masks the keys after each query (queries == keys).
/// `scale` is positive (dl.attention's verifier checks it; without a mask
/// the kernels take it into the exponentials, after the maximum).
void dl_attention_fwd_f32(const float *q, const float *k, const float *v,
                          const float *mask, float *out, float *lse,
                          int64_t batch, int64_t queries, int64_t keys,
                          int64_t dim, int64_t valueDim, float scale,
                          int64_t causal, int64_t maskStride);
void dl_attention_fwd_f64(const double *q, const double *k, const double *v,
                          const double *mask, double *out, double *lse,
                          int64_t batch, int64_t queries, int64_t keys,
                          int64_t dim, int64_t valueDim, double scale,
                          int64_t causal, int64_t maskStride);

/// The gradients dq, dk, dv (shaped as q, k, v) from the forward's operands,
/// its `out` and `lse`, and `dout`, the gradient of `out`.
void dl_attention_bwd_f32(const float *q, const float *k, const float *v,
                          const float *out, const float *lse, const float *dout,
                          const float *mask, float *dq, float *dk, float *dv,
                          int64_t batch, int64_t queries, int64_t keys,
                          int64_t dim, int64_t valueDim, float scale,
                          int64_t causal, int64_t maskStride);
void dl_attention_bwd_f64(const double *q, const double *k, const double *v,
                          const double *out, const double *lse,
                          const double *dout, const double *mask, double *dq,
                          double *dk, double *dv, int64_t batch,
                          int64_t queries, int64_t keys, int64_t dim,
                          int64_t valueDim, double scale, int64_t causal,
                          int64_t maskStride);

/// The same with operands anywhere in memory: the batch is [outer, inner]
/// entries (entry n = o * inner + i; lse and mask are indexed by n), and
/// each operand X is given by three strides in elements: entry (o, i)
/// starts at X + o * xOuter + i * xInner, its rows are xRow apart, and a
/// row's elements are adjacent. The heads of q, k and v taken from
/// [batch, tokens, heads, dim] rows, say, without transposing them.
void dl_attention_strided_fwd_f32(
    const float *q, const float *k, const float *v, const float *mask,
    float *out, float *lse, int64_t outer, int64_t inner, int64_t queries,
    int64_t keys, int64_t dim, int64_t valueDim, float scale, int64_t causal,
    int64_t maskStride, int64_t qOuter, int64_t qInner, int64_t qRow,
    int64_t kOuter, int64_t kInner, int64_t kRow, int64_t vOuter,
    int64_t vInner, int64_t vRow, int64_t outOuter, int64_t outInner,
    int64_t outRow);
void dl_attention_strided_fwd_f64(
    const double *q, const double *k, const double *v, const double *mask,
    double *out, double *lse, int64_t outer, int64_t inner, int64_t queries,
    int64_t keys, int64_t dim, int64_t valueDim, double scale, int64_t causal,
    int64_t maskStride, int64_t qOuter, int64_t qInner, int64_t qRow,
    int64_t kOuter, int64_t kInner, int64_t kRow, int64_t vOuter,
    int64_t vInner, int64_t vRow, int64_t outOuter, int64_t outInner,
    int64_t outRow);
void dl_attention_strided_bwd_f32(
    const float *q, const float *k, const float *v, const float *out,
    const float *lse, const float *dout, const float *mask, float *dq,
    float *dk, float *dv, int64_t outer, int64_t inner, int64_t queries,
    int64_t keys, int64_t dim, int64_t valueDim, float scale, int64_t causal,
    int64_t maskStride, int64_t qOuter, int64_t qInner, int64_t qRow,
    int64_t kOuter, int64_t kInner, int64_t kRow, int64_t vOuter,
    int64_t vInner, int64_t vRow, int64_t outOuter, int64_t outInner,
    int64_t outRow, int64_t doutOuter, int64_t doutInner, int64_t doutRow,
    int64_t dqOuter, int64_t dqInner, int64_t dqRow, int64_t dkOuter,
    int64_t dkInner, int64_t dkRow, int64_t dvOuter, int64_t dvInner,
    int64_t dvRow);
void dl_attention_strided_bwd_f64(
    const double *q, const double *k, const double *v, const double *out,
    const double *lse, const double *dout, const double *mask, double *dq,
    double *dk, double *dv, int64_t outer, int64_t inner, int64_t queries,
    int64_t keys, int64_t dim, int64_t valueDim, double scale, int64_t causal,
    int64_t maskStride, int64_t qOuter, int64_t qInner, int64_t qRow,
    int64_t kOuter, int64_t kInner, int64_t kRow, int64_t vOuter,
    int64_t vInner, int64_t vRow, int64_t outOuter, int64_t outInner,
    int64_t outRow, int64_t doutOuter, int64_t doutInner, int64_t doutRow,
    int64_t dqOuter, int64_t dqInner, int64_t dqRow, int64_t dkOuter,
    int64_t dkInner, int64_t dkRow, int64_t dvOuter, int64_t dvInner,
    int64_t dvRow);
}

#endif // DLCC_KERNELS_CPU_FLASHATTENTION_H
