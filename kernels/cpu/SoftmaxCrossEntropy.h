//===- SoftmaxCrossEntropy.h - Fused softmax cross-entropy ------*- C++ -*-===//
//
// Part of dlcc's kernels. The CPU counterpart of kernels/cuda/softmax_xent.cu:
// the same functions with the same parameters, doing the same arithmetic in
// the same order (the GPU's lanes and warps replayed one after another), so
// the two agree to a few ulps. Semantics are dl.cross_entropy's (PyTorch's):
// the mean over rows whose label is not ignoreIndex, NaN when none counts,
// with label smoothing.
//
// logits is (rows, C) row-major, labels is (rows) int32. A step calls
// dl_softmax_xent_fwd_f32, then dl_softmax_xent_reduce_f32 for the mean and,
// in the backward, dl_softmax_xent_bwd_f32 with what the first two saved.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_KERNELS_CPU_SOFTMAXCROSSENTROPY_H
#define DLCC_KERNELS_CPU_SOFTMAXCROSSENTROPY_H

#include <cstdint>

extern "C" {

/// What the error slot holds until a bad label is found. 0 is a class of
/// every row (C >= 1), so it is never a bad label.
enum { DL_XENT_NO_ERROR = 0 };

/// Per-row forward. For each row r, with y = labels[r] and eps the label
/// smoothing:
///   rowLse[r]    = logsumexp(logits[r, :])
///   rowLoss[r]   = rowLse[r] - (1 - eps) logits[r, y]
///                  - eps/C sum(logits[r, :])
///   rowWeight[r] = 1
/// When y == ignoreIndex, or y is outside [0, C) (a bad label), rowLoss and
/// rowWeight are 0; the first bad label is stored in `*error` if it still
/// holds DL_XENT_NO_ERROR, which the caller sets before the call.
void dl_softmax_xent_fwd_f32(const float *logits, const int32_t *labels,
                             float *rowLoss, float *rowLse, float *rowWeight,
                             int32_t *error, int64_t rows, int64_t classes,
                             float labelSmoothing, int64_t ignoreIndex);

/// `*loss` = sum(rowLoss) / sum(rowWeight) (NaN when no row counts) and
/// `*count` = sum(rowWeight), summed in the order of the CUDA kernel launched
/// as one block of 256 threads.
void dl_softmax_xent_reduce_f32(const float *rowLoss, const float *rowWeight,
                                float *loss, float *count, int64_t rows);

/// Backward: dlogits[r, j] = *dloss * (softmax(logits[r, :])[j] - target_j)
/// / *count with target = (1 - eps) onehot(y) + eps/C, from the saved
/// logsumexp; 0 in rows whose weight is 0.
void dl_softmax_xent_bwd_f32(float *dlogits, const float *logits,
                             const int32_t *labels, const float *rowLse,
                             const float *rowWeight, const float *dloss,
                             const float *count, int64_t rows, int64_t classes,
                             float labelSmoothing);
}

#endif // DLCC_KERNELS_CPU_SOFTMAXCROSSENTROPY_H
