//===- LoopOrder.h - Reordering the loops of linalg ops ---------*- C++ -*-===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_TRANSFORMS_LOOPORDER_H
#define DLCC_TRANSFORMS_LOOPORDER_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace dlcc {

/// `op` as a generic op whose parallel loops come first, so that they
/// become one outer scf.parallel; the reduction loops keep their order, so
/// every result is summed in the order it was. Generalizes a named op.
mlir::FailureOr<mlir::linalg::GenericOp>
parallelLoopsFirst(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op);

} // namespace dlcc

#endif // DLCC_TRANSFORMS_LOOPORDER_H
