//===- FuseElementwise.cpp - Elementwise fusion that keeps GEMMs whole ----===//
//
// Part of dlcc. Implements `dl-fuse-elementwise`; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dlcc {
#define GEN_PASS_DEF_DLFUSEELEMENTWISE
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlcc

using namespace mlir;

namespace {

/// A matrix product that dl-linalg-to-blas hands to the runtime's GEMM.
bool isProduct(Operation *op) {
  return op && isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op);
}

struct DLFuseElementwisePass
    : dlcc::impl::DLFuseElementwiseBase<DLFuseElementwisePass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    // As linalg-fuse-elementwise-ops: fuse a producer with a single use,
    // unless the producer or the consumer is a matrix product.
    linalg::ControlFusionFn control = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      return producer && producer->hasOneUse() && !isProduct(producer) &&
             !isProduct(fused->getOwner());
    };
    RewritePatternSet patterns(context);
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, control);
    tensor::populateBubbleUpExpandShapePatterns(patterns);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, context);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, context);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, context);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, context);
    context->getLoadedDialect<linalg::LinalgDialect>()
        ->getCanonicalizationPatterns(patterns);
    linalg::populateConstantFoldLinalgOperations(patterns, control);
    if (failed(applyPatternsGreedily(
            getOperation(), std::move(patterns),
            GreedyRewriteConfig().setUseTopDownTraversal())))
      signalPassFailure();
  }
};

} // namespace
