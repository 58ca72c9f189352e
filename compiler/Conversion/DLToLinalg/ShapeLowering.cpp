//===- ShapeLowering.cpp - dl shape ops to tensor and linalg --------------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/DLToLinalg.h"
#include "compiler/Conversion/DLToLinalg/LoweringUtils.h"

#include "DL/IR/DLOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace dlcc::lowering;

namespace {

struct ReshapeLowering : OpConversionPattern<dl::ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, reshape(rewriter, op.getLoc(), adaptor.getInput(),
                                   op.getType().getShape()));
    return success();
  }
};

struct BroadcastLowering : OpConversionPattern<dl::BroadcastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::BroadcastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, broadcastTo(rewriter, op.getLoc(),
                                       adaptor.getInput(),
                                       op.getType().getShape()));
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<dl::TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, transpose(rewriter, op.getLoc(), adaptor.getInput(),
                                     op.getPermutation()));
    return success();
  }
};

/// A possibly negative axis as an index. ODS gives I64Attr values as
/// uint64_t: converted to int64_t first, -1 stays -1.
int64_t resolveAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

SmallVector<OpFoldResult> indexAttrs(OpBuilder &b, ArrayRef<int64_t> values) {
  SmallVector<OpFoldResult> out;
  for (int64_t v : values)
    out.push_back(b.getIndexAttr(v));
  return out;
}

struct SplitLowering : OpConversionPattern<dl::SplitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::SplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    int64_t rank = tensorType(input).getRank();
    int64_t axis = resolveAxis(op.getAxis(), rank);
    SmallVector<Value> pieces;
    int64_t start = 0;
    for (Value result : op.getResults()) {
      auto type = cast<RankedTensorType>(result.getType());
      SmallVector<int64_t> offsets(rank, 0), strides(rank, 1);
      offsets[axis] = start;
      start += type.getDimSize(axis);
      pieces.push_back(tensor::ExtractSliceOp::create(
          rewriter, op.getLoc(), type, input, indexAttrs(rewriter, offsets),
          indexAttrs(rewriter, type.getShape()),
          indexAttrs(rewriter, strides)));
    }
    rewriter.replaceOp(op, pieces);
    return success();
  }
};

struct SliceLowering : OpConversionPattern<dl::SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, tensor::ExtractSliceOp::create(
                rewriter, op.getLoc(), op.getType(), adaptor.getInput(),
                indexAttrs(rewriter, op.getStarts()),
                indexAttrs(rewriter, op.getType().getShape()),
                indexAttrs(rewriter, op.getStrides())));
    return success();
  }
};

/// Zeros of the input's shape with the gradient inserted where the slice
/// read.
struct SliceGradLowering : OpConversionPattern<dl::SliceGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::SliceGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value dy = adaptor.getGrad();
    Value zeros = filled(rewriter, op.getLoc(), op.getType(), 0.0);
    rewriter.replaceOp(op, tensor::InsertSliceOp::create(
                               rewriter, op.getLoc(), dy, zeros,
                               indexAttrs(rewriter, op.getStarts()),
                               indexAttrs(rewriter, tensorType(dy).getShape()),
                               indexAttrs(rewriter, op.getStrides())));
    return success();
  }
};

struct ConcatLowering : OpConversionPattern<dl::ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    int64_t rank = type.getRank();
    int64_t axis = resolveAxis(op.getAxis(), rank);
    Value result = tensor::EmptyOp::create(rewriter, op.getLoc(),
                                           type.getShape(),
                                           type.getElementType());
    int64_t start = 0;
    for (Value input : adaptor.getInputs()) {
      RankedTensorType part = tensorType(input);
      SmallVector<int64_t> offsets(rank, 0), strides(rank, 1);
      offsets[axis] = start;
      start += part.getDimSize(axis);
      result = tensor::InsertSliceOp::create(
          rewriter, op.getLoc(), input, result, indexAttrs(rewriter, offsets),
          indexAttrs(rewriter, part.getShape()), indexAttrs(rewriter, strides));
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void dlcc::populateShapeLowering(RewritePatternSet &patterns) {
  patterns.add<ReshapeLowering, BroadcastLowering, TransposeLowering,
               SplitLowering, SliceLowering, SliceGradLowering, ConcatLowering>(
      patterns.getContext());
}
