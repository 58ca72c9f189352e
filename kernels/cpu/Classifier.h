//===- Classifier.h - A linear classifier's backward, fused -----*- C++ -*-===//
//
// Part of dlcc's kernels. dl.classifier_grad on the CPU: the gradients of a
// linear classifier, logits = x w^T + b, under dl.cross_entropy's loss,
// computed a block of rows at a time so that the logits' gradient is never
// held whole (a vocabulary of 50k classes over 8k tokens would be 1.6 GB).
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_KERNELS_CPU_CLASSIFIER_H
#define DLCC_KERNELS_CPU_CLASSIFIER_H

#include <cstdint>

extern "C" {

/// With g = dl.cross_entropy_grad(logits, labels, *dloss) ([rows, classes],
/// by the kernels of SoftmaxCrossEntropy.h), x [rows, features] and w
/// [classes, features], all row-major:
///   dx = g w          [rows, features]
///   dw = g^T x        [classes, features]
///   db = sum(g, 0)    [classes]
/// g is computed blockRows rows at a time into `block` ([blockRows,
/// classes]); rowLse, rowWeight and rowLoss are [rows] scratch. Labels
/// outside [0, classes) other than ignoreIndex count as ignored: the
/// forward's dl.cross_entropy reports them.
void dl_classifier_grad_f32(const float *logits, const int32_t *labels,
                            const float *dloss, const float *x, const float *w,
                            float *dx, float *dw, float *db, float *block,
                            float *rowLse, float *rowWeight, float *rowLoss,
                            int64_t rows, int64_t classes, int64_t features,
                            int64_t blockRows, float labelSmoothing,
                            int64_t ignoreIndex);
}

#endif // DLCC_KERNELS_CPU_CLASSIFIER_H
