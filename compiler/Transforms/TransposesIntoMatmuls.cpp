//===- TransposesIntoMatmuls.cpp - Transposed operands read in place ------===//
//
// Part of dlcc. Implements `dl-fold-transposes-into-matmuls`; see
// Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dlcc {
#define GEN_PASS_DEF_DLFOLDTRANSPOSESINTOMATMULS
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlcc

using namespace mlir;

namespace {

/// matmul(transpose(x), y) -> matmul(x, y) with x's indexing map's two
/// results swapped (and the same for the second operand): the GEMM reads x
/// transposed, no transposed copy is made.
struct FoldTransposeIntoMatmul : OpRewritePattern<linalg::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::MatmulOp matmul,
                                PatternRewriter &rewriter) const override {
    if (!matmul.hasPureTensorSemantics())
      return failure();
    SmallVector<AffineMap> maps = matmul.getIndexingMapsArray();
    for (unsigned i = 0; i < 2; ++i) {
      auto transpose = matmul.getDpsInputOperand(i)
                           ->get()
                           .getDefiningOp<linalg::TransposeOp>();
      if (!transpose || transpose.getPermutation() != ArrayRef<int64_t>{1, 0} ||
          maps[i].getNumResults() != 2)
        continue;
      maps[i] = AffineMap::get(maps[i].getNumDims(), 0,
                               {maps[i].getResult(1), maps[i].getResult(0)},
                               rewriter.getContext());
      rewriter.modifyOpInPlace(matmul, [&] {
        matmul->setOperand(i, transpose.getInput());
        matmul.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
      });
      return success();
    }
    return failure();
  }
};

struct DLFoldTransposesIntoMatmulsPass
    : dlcc::impl::DLFoldTransposesIntoMatmulsBase<
          DLFoldTransposesIntoMatmulsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldTransposeIntoMatmul>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
