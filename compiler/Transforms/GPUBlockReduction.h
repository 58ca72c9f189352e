//===- GPUBlockReduction.h - Large reductions as block reductions -*- C++ -*-===//
//
// Part of dlcc, used by dl-linalg-to-gpu. A reduction over many elements
// (a loss mean, a bias gradient's sum over the batch, the global gradient
// norm) would take one thread as long as the whole reduction; here each
// output gets a block, whose threads each reduce a strided part and then
// combine their partial results with gpu.all_reduce (warp shuffles, then
// shared memory across the warps).
//
//===----------------------------------------------------------------------===//

#ifndef DLCC_TRANSFORMS_GPUBLOCKREDUCTION_H
#define DLCC_TRANSFORMS_GPUBLOCKREDUCTION_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace dlcc {

/// Reductions of at least this many elements per output go to a block.
constexpr int64_t kMinBlockReduction = 256;

/// Replaces `op` by a gpu.launch of one block per output element (grid-
/// striding over the outputs beyond `maxBlocks`) when it is such a
/// reduction: one output, static bounds, at least kMinBlockReduction
/// elements reduced per output, and a body that combines the output with
/// a value computed from the inputs alone by an associative, commutative
/// operation (addf, addi, maximumf, minimumf, maxsi, minsi). Returns
/// whether it did; `op` is untouched when it did not.
bool reduceInBlocks(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op,
                    int64_t blockSize, int64_t maxBlocks,
                    mlir::FlatSymbolRefAttr module,
                    mlir::FlatSymbolRefAttr kernel);

} // namespace dlcc

#endif // DLCC_TRANSFORMS_GPUBLOCKREDUCTION_H
