//===- DLToLinalg.h - Lowering patterns from dl to linalg -------*- C++ -*-===//
//
// Part of dlcc. One populate function per op family; the pass in
// DLToLinalg.cpp applies them all.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_CONVERSION_DLTOLINALG_DLTOLINALG_H
#define DLCC_CONVERSION_DLTOLINALG_DLTOLINALG_H

#include "mlir/Transforms/DialectConversion.h"

namespace dlcc {

/// Elementwise math, softmax, masks, positions, one-hot, casts.
void populateElementwiseLowering(mlir::RewritePatternSet &patterns);
/// Dropout, with its counter-based mask.
void populateDropoutLowering(mlir::RewritePatternSet &patterns);
/// Reductions, pooling, normalization layers.
void populateReductionLowering(mlir::RewritePatternSet &patterns);
/// Matrix products, linear and convolution layers, embeddings (attention:
/// AttentionKernels.h).
void populateLinearAlgebraLowering(mlir::RewritePatternSet &patterns);
/// Reshape, transpose, broadcast, split, concat, slice.
void populateShapeLowering(mlir::RewritePatternSet &patterns);
/// Losses and metrics.
void populateLossLowering(mlir::RewritePatternSet &patterns);

} // namespace dlcc

#endif // DLCC_CONVERSION_DLTOLINALG_DLTOLINALG_H
