//===- LinearAlgebraLowering.cpp - dl products, convolutions to linalg ----===//
//
// Part of dlcc. Products become linalg.matmul / linalg.batch_matmul on
// contiguous operands so that dl-linalg-to-blas can hand them to the GEMM of
// the runtime; a convolution is an im2col gather and one product.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/DLToLinalg.h"
#include "compiler/Conversion/DLToLinalg/LoweringUtils.h"

#include "DL/IR/DLOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace dlcc::lowering;

namespace {

Value addBias(OpBuilder &b, Location loc, Value y, Value bias) {
  if (!bias)
    return y;
  return elementwise(b, loc, tensorType(y), {y, bias},
                     [](OpBuilder &nb, Location nl, ValueRange args) {
                       return arith::AddFOp::create(nb, nl, args[0], args[1]);
                     });
}

struct MatmulLowering : OpConversionPattern<dl::MatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, batchedProduct(rewriter, op.getLoc(),
                                          adaptor.getLhs(), adaptor.getRhs(),
                                          /*transposeRhs=*/false,
                                          op.getType()));
    return success();
  }
};

struct LinearLowering : OpConversionPattern<dl::LinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::LinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    RankedTensorType type = tensorType(x);
    int64_t in = type.getShape().back();
    // x is (..., in) and weight (out, in): one product over all rows.
    Value rows = reshape(rewriter, loc, x, {type.getNumElements() / in, in});
    Value y = matmul(rewriter, loc, rows, adaptor.getWeight(),
                     /*transposeRhs=*/true);
    y = addBias(rewriter, loc, y, adaptor.getBias());
    rewriter.replaceOp(op, reshape(rewriter, loc, y, op.getType().getShape()));
    return success();
  }
};

struct Conv2DLowering : OpConversionPattern<dl::Conv2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::Conv2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput(), w = adaptor.getWeight();
    RankedTensorType xType = tensorType(x);
    Type element = xType.getElementType();
    ArrayRef<int64_t> ws = tensorType(w).getShape(),
                      out = op.getType().getShape();
    int64_t n = out[0], o = out[1], oh = out[2], ow = out[3];
    int64_t c = ws[1], kh = ws[2], kw = ws[3];
    ArrayRef<int64_t> stride = op.getStride(), padding = op.getPadding();

    Value padded = x;
    if (padding[0] || padding[1]) {
      SmallVector<int64_t> shape(xType.getShape());
      shape[2] += 2 * padding[0];
      shape[3] += 2 * padding[1];
      SmallVector<OpFoldResult> low{
          rewriter.getIndexAttr(0), rewriter.getIndexAttr(0),
          rewriter.getIndexAttr(padding[0]), rewriter.getIndexAttr(padding[1])};
      padded = tensor::PadOp::create(
          rewriter, loc, RankedTensorType::get(shape, element), x, low, low,
          scalar(rewriter, loc, element, 0.0));
    }
    // im2col: cols[n, y, x, c, i, j] = padded[n, c, y*sh + i, x*sw + j].
    AffineExpr dn, dy, dx, dc, di, dj;
    bindDims(ctx, dn, dy, dx, dc, di, dj);
    auto colsType = RankedTensorType::get({n, oh, ow, c, kh, kw}, element);
    Value colsInit = tensor::EmptyOp::create(rewriter, loc,
                                             colsType.getShape(), element);
    SmallVector<AffineMap> maps{
        AffineMap::get(6, 0,
                       {dn, dc, dy * stride[0] + di, dx * stride[1] + dj}, ctx),
        AffineMap::getMultiDimIdentityMap(6, ctx)};
    Value cols =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{colsType}, ValueRange{padded},
            ValueRange{colsInit}, maps,
            SmallVector<utils::IteratorType>(6, utils::IteratorType::parallel),
            [](OpBuilder &b, Location l, ValueRange args) {
              linalg::YieldOp::create(b, l, args[0]);
            })
            .getResult(0);
    // [N*OH*OW, C*KH*KW] x [O, C*KH*KW]^T -> [N*OH*OW, O]
    int64_t k = c * kh * kw;
    Value rows = reshape(rewriter, loc, cols, {n * oh * ow, k});
    Value filters = reshape(rewriter, loc, w, {o, k});
    Value y = matmul(rewriter, loc, rows, filters, /*transposeRhs=*/true);
    y = addBias(rewriter, loc, y, adaptor.getBias());
    y = reshape(rewriter, loc, y, {n, oh, ow, o});
    rewriter.replaceOp(op, transpose(rewriter, loc, y, {0, 3, 1, 2}));
    return success();
  }
};

struct EmbeddingLowering : OpConversionPattern<dl::EmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::EmbeddingOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value ids = adaptor.getIndices(), table = adaptor.getTable();
    checkIndices(rewriter, loc, ids, tensorType(table).getDimSize(0),
                 std::nullopt, "embedding: index out of range");
    RankedTensorType type = op.getType();
    SmallVector<int64_t> idShape(tensorType(ids).getShape());
    idShape.push_back(1);
    Value column = reshape(rewriter, loc, ids, idShape);
    int64_t last = type.getRank() - 1;
    rewriter.replaceOp(
        op, elementwiseIndexed(
                rewriter, loc, type, {column},
                [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                  Value row = arith::IndexCastOp::create(b, l, b.getIndexType(),
                                                         args[0]);
                  return tensor::ExtractOp::create(
                      b, l, table, ValueRange{row, args[1 + last]});
                }));
    return success();
  }
};

/// softmax(q k^T * scale + mask) v, written out; the flash-attention kernel
/// replaces this later.
struct AttentionLowering : OpConversionPattern<dl::AttentionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value q = adaptor.getQuery(), k = adaptor.getKey(), v = adaptor.getValue();
    ArrayRef<int64_t> qs = tensorType(q).getShape(),
                      ks = tensorType(k).getShape();
    Type element = tensorType(q).getElementType();
    SmallVector<int64_t> scoreShape(qs.drop_back());
    scoreShape.push_back(ks[ks.size() - 2]);
    auto scoreType = RankedTensorType::get(scoreShape, element);
    Value scores =
        batchedProduct(rewriter, loc, q, k, /*transposeRhs=*/true, scoreType);
    double scale = op.getScale() ? op.getScale()->convertToDouble()
                                 : 1.0 / std::sqrt(double(qs.back()));
    Value s = scalar(rewriter, loc, element, scale);
    SmallVector<Value> inputs{scores};
    if (Value mask = adaptor.getMask())
      inputs.push_back(mask);
    bool causal = op.getCausal();
    int64_t rank = scoreType.getRank();
    auto body = [&](OpBuilder &b, Location l, ValueRange args) -> Value {
      Value r = arith::MulFOp::create(b, l, args[0], s);
      if (inputs.size() > 1)
        r = arith::AddFOp::create(b, l, r, args[1]);
      if (causal) {
        Value row = args[inputs.size() + rank - 2],
              col = args[inputs.size() + rank - 1];
        Value future = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ugt,
                                             col, row);
        r = arith::SelectOp::create(
            b, l, future,
            scalar(b, l, element, -std::numeric_limits<double>::infinity()),
            r);
      }
      return r;
    };
    scores = elementwiseIndexed(rewriter, loc, scoreType, inputs, body);
    int64_t axis = rank - 1;
    Value logp = logSoftmax(rewriter, loc, scores, axis);
    Value probs = elementwise(rewriter, loc, scoreType, {logp},
                              [](OpBuilder &b, Location l, ValueRange args) {
                                return math::ExpOp::create(b, l, args[0]);
                              });
    rewriter.replaceOp(op, batchedProduct(rewriter, loc, probs, v,
                                          /*transposeRhs=*/false,
                                          op.getType()));
    return success();
  }
};

} // namespace

void dlcc::populateLinearAlgebraLowering(RewritePatternSet &patterns) {
  patterns.add<MatmulLowering, LinearLowering, Conv2DLowering,
               EmbeddingLowering, AttentionLowering>(patterns.getContext());
}
