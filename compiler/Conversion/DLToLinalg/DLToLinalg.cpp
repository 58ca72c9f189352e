//===- DLToLinalg.cpp - The convert-dl-to-linalg pass ---------------------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/DLToLinalg.h"
#include "compiler/Conversion/Passes.h"

#include "DL/IR/DLOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace dlcc {
#define GEN_PASS_DEF_CONVERTDLTOLINALG
#include "compiler/Conversion/Passes.h.inc"
} // namespace dlcc

using namespace mlir;

namespace {
struct ConvertDLToLinalgPass
    : dlcc::impl::ConvertDLToLinalgBase<ConvertDLToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // Ops the lowering cannot take yet get a message of their own rather
    // than a generic legalization failure.
    WalkResult unsupported = getOperation().walk([](dl::DropoutOp op) {
      if (op.getRate().convertToDouble() == 0.0 || !op.getCounter().empty())
        return WalkResult::advance();
      op.emitError("dropout in training mode needs the run's seed and the "
                   "step; only training steps have them (dl-expand-optimizer "
                   "binds them), not the forward of --forward-mode=train");
      return WalkResult::interrupt();
    });
    if (unsupported.wasInterrupted())
      return signalPassFailure();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<dl::DLDialect>();
    target.addLegalDialect<
        arith::ArithDialect, bufferization::BufferizationDialect,
        func::FuncDialect, linalg::LinalgDialect, LLVM::LLVMDialect,
        math::MathDialect, memref::MemRefDialect, scf::SCFDialect,
        tensor::TensorDialect>();
    target.addLegalOp<ModuleOp>();
    RewritePatternSet patterns(ctx);
    dlcc::populateElementwiseLowering(patterns);
    dlcc::populateDropoutLowering(patterns);
    dlcc::populateReductionLowering(patterns);
    dlcc::populateLinearAlgebraLowering(patterns);
    dlcc::populateShapeLowering(patterns);
    dlcc::populateLossLowering(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
