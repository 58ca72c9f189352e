//===- Classifier.cpp - A linear classifier's backward, fused -------------===//
//
// Part of dlcc's kernels.
//
//===----------------------------------------------------------------------===//

#include "kernels/cpu/Classifier.h"
#include "kernels/cpu/Parallel.h"
#include "kernels/cpu/SoftmaxCrossEntropy.h"

#include <cblas.h>

#include <algorithm>

using namespace dlcc::kernels;

namespace {

/// Rows per thread below which one thread does them all.
constexpr int64_t kRowsPerThread = 64;

} // namespace

extern "C" void dl_classifier_grad_f32(
    const float *logits, const int32_t *labels, const float *dloss,
    const float *x, const float *w, float *dx, float *dw, float *db,
    float *block, float *rowLse, float *rowWeight, float *rowLoss, int64_t rows,
    int64_t classes, int64_t features, int64_t blockRows, float labelSmoothing,
    int64_t ignoreIndex) {
  // Each row's log-sum-exp and weight (1, or 0 when ignored), then the
  // count of rows that are not, in the loss's order of summation.
  onShares(rows, kRowsPerThread, 1, [&](int64_t first, int64_t end) {
    int64_t count = end - first;
    int32_t error = DL_XENT_NO_ERROR; // Reported by the forward's loss.
    dl_softmax_xent_fwd_f32(logits + first * classes, labels + first,
                            rowLoss + first, rowLse + first, rowWeight + first,
                            &error, count, classes, labelSmoothing,
                            ignoreIndex);
  });
  float loss, counted;
  dl_softmax_xent_reduce_f32(rowLoss, rowWeight, &loss, &counted, rows);

  std::fill_n(db, classes, 0.0f);
  for (int64_t r0 = 0; r0 < rows; r0 += blockRows) {
    int64_t n = std::min(blockRows, rows - r0);
    onShares(n, kRowsPerThread, 1, [&](int64_t first, int64_t end) {
      int64_t row = r0 + first, count = end - first;
      dl_softmax_xent_bwd_f32(block + first * classes, logits + row * classes,
                              labels + row, rowLse + row, rowWeight + row,
                              dloss, &counted, count, classes, labelSmoothing);
    });
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(n),
                int(features), int(classes), 1.0f, block, int(classes), w,
                int(features), 0.0f, dx + r0 * features, int(features));
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(classes),
                int(features), int(n), 1.0f, block, int(classes),
                x + r0 * features, int(features), r0 == 0 ? 0.0f : 1.0f, dw,
                int(features));
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < classes; ++j)
        db[j] += block[i * classes + j];
  }
}
