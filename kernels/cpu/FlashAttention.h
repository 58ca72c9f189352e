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
}

#endif // DLCC_KERNELS_CPU_FLASHATTENTION_H
