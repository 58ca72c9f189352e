//===- CUDAKernelCalls.cpp - dl ops to hand-written CUDA kernels ----------===//
//
// Part of dlcc. Implements `convert-dl-to-cuda-kernels`; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/AdamWKernel.h"
#include "compiler/Conversion/DLToLinalg/AttentionKernels.h"
#include "compiler/Conversion/DLToLinalg/KernelCalls.h"
#include "compiler/Conversion/DLToLinalg/LoweringUtils.h"
#include "compiler/Conversion/Passes.h"

#include "DL/IR/DLOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dlcc {
#define GEN_PASS_DEF_CONVERTDLTOCUDAKERNELS
#include "compiler/Conversion/Passes.h.inc"
} // namespace dlcc

using namespace mlir;
using namespace dlcc::lowering;
using namespace dlcc::kernels;

namespace {

/// The operands of a softmax cross-entropy the kernels take: f32 logits
/// as [rows, classes] and i32 labels as [rows], or nullopt.
struct RowsAndClasses {
  Value logits, labels;
  int64_t rows, classes;
};

std::optional<RowsAndClasses> asKernelOperands(PatternRewriter &b, Location loc,
                                               Value logits, Value labels) {
  RankedTensorType type = tensorType(logits);
  if (!type.getElementType().isF32() ||
      !tensorType(labels).getElementType().isInteger(32) ||
      !type.hasStaticShape() || type.getRank() < 1)
    return std::nullopt;
  int64_t classes = type.getShape().back();
  int64_t rows = classes ? type.getNumElements() / classes : 0;
  if (rows == 0)
    return std::nullopt;
  return RowsAndClasses{reshape(b, loc, logits, {rows, classes}),
                        reshape(b, loc, labels, {rows}), rows, classes};
}

/// What the forward kernels write, in their parameters' order: per row the
/// loss, the log-sum-exp and the weight (1 when the row counts), then the
/// error slot, the mean loss and the count of rows that count.
SmallVector<Value> forwardBuffers(PatternRewriter &b, Location loc,
                                  int64_t rows) {
  Type f32 = b.getF32Type();
  return {newBuffer(b, loc, {rows}, f32), newBuffer(b, loc, {rows}, f32),
          newBuffer(b, loc, {rows}, f32), newBuffer(b, loc, {}, b.getI32Type()),
          newBuffer(b, loc, {}, f32),     newBuffer(b, loc, {}, f32)};
}
/// The mean loss among forwardBuffers().
constexpr size_t kLossBuffer = 4;

/// What both kernels share: the sizes, the smoothing, the ignored label.
SmallVector<Value> sizeArguments(PatternRewriter &b, Location loc,
                                 const RowsAndClasses &operands,
                                 double smoothing, int64_t ignore) {
  auto i64 = b.getI64Type();
  return {
      arith::ConstantIntOp::create(b, loc, i64, operands.rows),
      arith::ConstantIntOp::create(b, loc, i64, operands.classes),
      arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(smoothing))),
      arith::ConstantIntOp::create(b, loc, i64, ignore)};
}

struct CrossEntropyToKernel : OpRewritePattern<dl::CrossEntropyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::CrossEntropyOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    std::optional<RowsAndClasses> operands =
        asKernelOperands(b, loc, op.getLogits(), op.getLabels());
    if (!operands)
      return b.notifyMatchFailure(op, "not f32 logits and i32 labels");
    int64_t ignore = op.getIgnoreIndex();
    checkIndices(b, loc, operands->labels, operands->classes, ignore,
                 "cross_entropy: label out of range");
    Value logits = operands->logits;
    Value labels = operands->labels;
    SmallVector<Value> written = forwardBuffers(b, loc, operands->rows);
    SmallVector<Value> buffers{logits, labels};
    llvm::append_range(buffers, written);
    callKernel(b, loc, "dlrt_cuda_softmax_xent", buffers,
               sizeArguments(b, loc, *operands,
                             op.getLabelSmoothing().convertToDouble(), ignore));
    b.replaceOp(op, asResult(b, loc, written[kLossBuffer]));
    return success();
  }
};

struct CrossEntropyGradToKernel : OpRewritePattern<dl::CrossEntropyGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(dl::CrossEntropyGradOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    std::optional<RowsAndClasses> operands =
        asKernelOperands(b, loc, op.getLogits(), op.getLabels());
    if (!operands || !tensorType(op.getGrad()).getElementType().isF32())
      return b.notifyMatchFailure(op, "not f32 logits and i32 labels");
    Value logits = operands->logits;
    Value labels = operands->labels;
    Value seed = op.getGrad();
    Value grad =
        newBuffer(b, loc, {operands->rows, operands->classes}, b.getF32Type());
    SmallVector<Value> buffers{grad, logits, labels, seed};
    llvm::append_range(buffers, forwardBuffers(b, loc, operands->rows));
    callKernel(b, loc, "dlrt_cuda_softmax_xent_grad", buffers,
               sizeArguments(b, loc, *operands,
                             op.getLabelSmoothing().convertToDouble(),
                             op.getIgnoreIndex()));
    b.replaceOp(op, reshape(b, loc, asResult(b, loc, grad),
                            tensorType(op.getLogits()).getShape()));
    return success();
  }
};

struct ConvertDLToCUDAKernels
    : dlcc::impl::ConvertDLToCUDAKernelsBase<ConvertDLToCUDAKernels> {
  void runOnOperation() override {
    // The CUDA attention kernels compute in f32, with heads of up to 128.
    WalkResult unsupported = getOperation().walk([](Operation *op) {
      if (!isa<dl::AttentionOp, dl::AttentionGradOp>(op))
        return WalkResult::advance();
      int64_t widest =
          std::max(tensorType(op->getOperand(0)).getShape().back(),
                   tensorType(op->getOperand(2)).getShape().back());
      if (tensorType(op->getOperand(0)).getElementType().isF64())
        op->emitError("attention in f64 has no CUDA kernel; it is not "
                      "supported on --target=cuda yet");
      else if (widest > 128)
        op->emitError("attention with heads of ")
            << widest
            << " has no CUDA kernel (at most 128); it is not "
               "supported on --target=cuda yet";
      else
        return WalkResult::advance();
      return WalkResult::interrupt();
    });
    if (unsupported.wasInterrupted())
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    patterns.add<CrossEntropyToKernel, CrossEntropyGradToKernel>(&getContext());
    dlcc::populateAdamWKernelCall(patterns, "dlrt_cuda_adamw_all");
    dlcc::populateAttentionKernelCalls(patterns, dlcc::kCUDAAttentionKernels);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
