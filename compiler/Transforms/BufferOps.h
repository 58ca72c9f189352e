//===- BufferOps.h - Questions about ops on buffers -------------*- C++ -*-===//
//
// Part of dlcc. What the passes that rewrite matrix products on buffers
// after bufferization ask of the ops around them: whether they touch
// memory, which buffer a view is of, which fill zeroes a product's
// output, whether an op overwrites a buffer.
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_TRANSFORMS_BUFFEROPS_H
#define DLCC_TRANSFORMS_BUFFEROPS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace dlcc {

/// Whether `op` neither reads nor writes memory, or only allocates it.
bool touchesNoMemory(mlir::Operation *op);

/// The first op after `op` in its block that touches memory, or null.
mlir::Operation *nextOpTouchingMemory(mlir::Operation *op);

/// The buffer `value` is a view of (itself when it is not a view).
mlir::Value viewRoot(mlir::Value value);

/// The `linalg.fill` with 0 of `c` that comes before `product` with
/// nothing touching memory in between (views and allocations aside); null
/// when there is none.
mlir::linalg::FillOp zeroFillOf(mlir::Operation *product, mlir::Value c);

/// Whether `op` writes all of `buffer` without reading it first: a linalg
/// op with `buffer` as an output, not an input, whose old values it does
/// not use. (An op that reads `buffer` otherwise, by a load in its body,
/// does not overwrite it.)
bool overwrites(mlir::Operation *op, mlir::Value buffer);

} // namespace dlcc

#endif // DLCC_TRANSFORMS_BUFFEROPS_H
