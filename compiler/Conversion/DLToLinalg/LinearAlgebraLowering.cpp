//===- LinearAlgebraLowering.cpp - dl products, convolutions to linalg ----===//
//
// Part of dlcc. Products become linalg.matmul / linalg.batch_matmul on
// contiguous operands so that dl-linalg-to-blas can hand them to the GEMM of
// the runtime; a convolution is an im2col gather and one product, and so is
// each of its gradients (the input's, for stride 1, a convolution itself;
// for larger strides a product followed by a col2im gather).
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/DLToLinalg.h"
#include "compiler/Conversion/DLToLinalg/LoweringUtils.h"

#include "DL/IR/DLOps.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

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

/// im2col of an NCHW input for a [KH, KW] kernel and [OH, OW] outputs, one
/// row per kernel tap: [C*KH*KW, N*OH*OW] with
/// cols[(c, i, j), (n, y, x)] = padded[n, c, y*sh + i, x*sw + j].
/// The innermost loop runs along an output row, reading an input row: a
/// copy LLVM vectorizes (for stride 1), where one row per output position
/// would copy KW elements at a time.
Value kernelRows(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> kernel,
                 ArrayRef<int64_t> stride, ArrayRef<int64_t> padding,
                 ArrayRef<int64_t> outputSize) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType type = tensorType(x);
  Type element = type.getElementType();
  int64_t n = type.getDimSize(0), c = type.getDimSize(1);
  int64_t kh = kernel[0], kw = kernel[1], oh = outputSize[0],
          ow = outputSize[1];
  Value padded = padSpatial(b, loc, x, padding, 0.0);
  AffineExpr dc, di, dj, dn, dy, dx;
  bindDims(ctx, dc, di, dj, dn, dy, dx);
  auto colsType = RankedTensorType::get({c, kh, kw, n, oh, ow}, element);
  Value colsInit =
      tensor::EmptyOp::create(b, loc, colsType.getShape(), element);
  SmallVector<AffineMap> maps{
      AffineMap::get(6, 0, {dn, dc, dy * stride[0] + di, dx * stride[1] + dj},
                     ctx),
      AffineMap::getMultiDimIdentityMap(6, ctx)};
  Value cols =
      linalg::GenericOp::create(
          b, loc, TypeRange{colsType}, ValueRange{padded}, ValueRange{colsInit},
          maps,
          SmallVector<utils::IteratorType>(6, utils::IteratorType::parallel),
          [](OpBuilder &nb, Location l, ValueRange args) {
            linalg::YieldOp::create(nb, l, args[0]);
          })
          .getResult(0);
  return reshape(b, loc, cols, {c * kh * kw, n * oh * ow});
}

/// [C, N, H, W] -> [N, C, H, W], adding `bias` [C] on the way when given.
Value batchFirst(OpBuilder &b, Location loc, Value y, Value bias) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType type = tensorType(y);
  ArrayRef<int64_t> s = type.getShape();
  SmallVector<int64_t> shape{s[1], s[0], s[2], s[3]};
  AffineExpr dn, dc, dh, dw;
  bindDims(ctx, dn, dc, dh, dw);
  SmallVector<Value> inputs{y};
  SmallVector<AffineMap> maps{AffineMap::get(4, 0, {dc, dn, dh, dw}, ctx)};
  if (bias) {
    inputs.push_back(bias);
    maps.push_back(AffineMap::get(4, 0, {dc}, ctx));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
  Value init =
      tensor::EmptyOp::create(b, loc, shape, type.getElementType());
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
             SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value v = args[0];
               if (bias)
                 v = arith::AddFOp::create(nb, l, v, args[1]);
               linalg::YieldOp::create(nb, l, v);
             })
      .getResult(0);
}

/// [O, C*KH*KW] filters x [C*KH*KW, N*OH*OW] kernel rows -> NCHW output.
Value convolve(OpBuilder &b, Location loc, Value x, Value w, Value bias,
               ArrayRef<int64_t> stride, ArrayRef<int64_t> padding,
               RankedTensorType resultType) {
  ArrayRef<int64_t> ws = tensorType(w).getShape(),
                    out = resultType.getShape();
  int64_t n = out[0], o = out[1], oh = out[2], ow = out[3];
  Value rows =
      kernelRows(b, loc, x, ws.drop_front(2), stride, padding, {oh, ow});
  Value filters = reshape(b, loc, w, {o, ws[1] * ws[2] * ws[3]});
  Value y = matmul(b, loc, filters, rows, /*transposeRhs=*/false);
  return batchFirst(b, loc, reshape(b, loc, y, {o, n, oh, ow}), bias);
}

struct Conv2DLowering : OpConversionPattern<dl::Conv2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::Conv2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, convolve(rewriter, op.getLoc(), adaptor.getInput(),
                                    adaptor.getWeight(), adaptor.getBias(),
                                    op.getStride(), op.getPadding(),
                                    op.getType()));
    return success();
  }
};

/// The input gradient of a stride-1 convolution is itself a convolution:
/// of dy, padded by KH-1-ph (KW-1-pw), with the filters flipped and their
/// channels swapped, W'[c, o, i, j] = W[o, c, KH-1-i, KW-1-j]:
/// dx[n, c, h, w] = sum_{o,i,j} dy[n, o, h+ph-i, w+pw-j] W[o, c, i, j].
struct Conv2DGradInputAsConvolution
    : OpConversionPattern<dl::Conv2DGradInputOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::Conv2DGradInputOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value w = adaptor.getWeight();
    RankedTensorType wt = tensorType(w);
    ArrayRef<int64_t> ws = wt.getShape(), pad = op.getPadding();
    int64_t o = ws[0], c = ws[1], kh = ws[2], kw = ws[3];
    if (!llvm::all_of(op.getStride(), [](int64_t s) { return s == 1; }) ||
        pad[0] > kh - 1 || pad[1] > kw - 1)
      return rewriter.notifyMatchFailure(op, "strided or overpadded");
    MLIRContext *ctx = rewriter.getContext();
    AffineExpr dc, dout, di, dj;
    bindDims(ctx, dc, dout, di, dj);
    Value flippedInit = tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<int64_t>{c, o, kh, kw}, wt.getElementType());
    SmallVector<AffineMap> maps{
        AffineMap::get(4, 0, {dout, dc, kh - 1 - di, kw - 1 - dj}, ctx),
        AffineMap::getMultiDimIdentityMap(4, ctx)};
    Value flipped =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{flippedInit.getType()}, ValueRange{w},
            ValueRange{flippedInit}, maps,
            SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
            [](OpBuilder &nb, Location l, ValueRange args) {
              linalg::YieldOp::create(nb, l, args[0]);
            })
            .getResult(0);
    rewriter.replaceOp(
        op, convolve(rewriter, loc, adaptor.getGrad(), flipped, Value(),
                     op.getStride(), {kh - 1 - pad[0], kw - 1 - pad[1]},
                     op.getType()));
    return success();
  }
};

/// A strided convolution's input gradient: dcols = dy [N*OH*OW, O] x
/// W [O, C*KH*KW], one product; then each input element gathers the
/// columns that read it (col2im, deterministic).
struct Conv2DGradInputLowering : OpConversionPattern<dl::Conv2DGradInputOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::Conv2DGradInputOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value dy = adaptor.getGrad(), w = adaptor.getWeight();
    ArrayRef<int64_t> ds = tensorType(dy).getShape(),
                      ws = tensorType(w).getShape();
    int64_t n = ds[0], o = ds[1], oh = ds[2], ow = ds[3];
    int64_t c = ws[1], kh = ws[2], kw = ws[3];
    Value rows =
        reshape(rewriter, loc, transpose(rewriter, loc, dy, {0, 2, 3, 1}),
                {n * oh * ow, o});
    Value filters = reshape(rewriter, loc, w, {o, c * kh * kw});
    Value dcols =
        reshape(rewriter, loc,
                matmul(rewriter, loc, rows, filters, /*transposeRhs=*/false),
                {n, oh, ow, c, kh, kw});
    Value dx = windowGather(
        rewriter, loc, op.getType(), {kh, kw}, op.getStride(), op.getPadding(),
        {oh, ow}, [&](OpBuilder &b, Location l, ValueRange idx) -> Value {
          // idx is (n, c, y, x, i, j); dcols is [N, OH, OW, C, KH, KW].
          return tensor::ExtractOp::create(
              b, l, dcols,
              ValueRange{idx[0], idx[2], idx[3], idx[1], idx[4], idx[5]});
        });
    rewriter.replaceOp(op, dx);
    return success();
  }
};

/// dW [O, C*KH*KW] = dy^T [O, N*OH*OW] x kernel rows [C*KH*KW, N*OH*OW]^T,
/// the kernel rows being those of the forward convolution.
struct Conv2DGradWeightLowering : OpConversionPattern<dl::Conv2DGradWeightOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::Conv2DGradWeightOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput(), dy = adaptor.getGrad();
    ArrayRef<int64_t> ds = tensorType(dy).getShape(),
                      ws = op.getType().getShape();
    int64_t n = ds[0], o = ds[1], oh = ds[2], ow = ds[3];
    Value rows = kernelRows(rewriter, loc, x, op.getKernel(), op.getStride(),
                            op.getPadding(), {oh, ow});
    Value grads =
        reshape(rewriter, loc, transpose(rewriter, loc, dy, {1, 0, 2, 3}),
                {o, n * oh * ow});
    Value dw = matmul(rewriter, loc, grads, rows, /*transposeRhs=*/true);
    rewriter.replaceOp(op, reshape(rewriter, loc, dw, ws));
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

/// A scatter-add, one row of the gradient at a time in index order (so the
/// sums are deterministic), into a zeroed table.
struct EmbeddingGradLowering : OpConversionPattern<dl::EmbeddingGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::EmbeddingGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType type = op.getType();
    int64_t count = type.getDimSize(0), dim = type.getDimSize(1);
    checkIndices(rewriter, loc, adaptor.getIndices(), count, std::nullopt,
                 "embedding: index out of range");
    int64_t rows = tensorType(adaptor.getIndices()).getNumElements();
    Value ids = reshape(rewriter, loc, adaptor.getIndices(), {rows});
    Value grads = reshape(rewriter, loc, adaptor.getGrad(), {rows, dim});
    auto rowType = RankedTensorType::get({1, dim}, type.getElementType());
    auto indexAttr = [&](int64_t v) -> OpFoldResult {
      return rewriter.getIndexAttr(v);
    };
    SmallVector<OpFoldResult> sizes{indexAttr(1), indexAttr(dim)},
        strides{indexAttr(1), indexAttr(1)};
    Value lower = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value upper = arith::ConstantIndexOp::create(rewriter, loc, rows);
    Value step = arith::ConstantIndexOp::create(rewriter, loc, 1);
    auto loop = scf::ForOp::create(
        rewriter, loc, lower, upper, step,
        ValueRange{filled(rewriter, loc, type, 0.0)},
        [&](OpBuilder &b, Location l, Value p, ValueRange acc) {
          Value id = tensor::ExtractOp::create(b, l, ids, ValueRange{p});
          Value row = arith::IndexCastOp::create(b, l, b.getIndexType(), id);
          SmallVector<OpFoldResult> at{row, indexAttr(0)},
              from{p, indexAttr(0)};
          Value slot = tensor::ExtractSliceOp::create(b, l, rowType, acc[0], at,
                                                      sizes, strides);
          Value g = tensor::ExtractSliceOp::create(b, l, rowType, grads, from,
                                                   sizes, strides);
          // slot += g, written in place.
          auto identity = AffineMap::getMultiDimIdentityMap(2, ctx);
          Value sum =
              linalg::GenericOp::create(
                  b, l, TypeRange{rowType}, ValueRange{g}, ValueRange{slot},
                  SmallVector<AffineMap>{identity, identity},
                  SmallVector<utils::IteratorType>(
                      2, utils::IteratorType::parallel),
                  [](OpBuilder &nb, Location nl, ValueRange args) {
                    Value total =
                        arith::AddFOp::create(nb, nl, args[1], args[0]);
                    linalg::YieldOp::create(nb, nl, total);
                  })
                  .getResult(0);
          Value updated = tensor::InsertSliceOp::create(b, l, sum, acc[0], at,
                                                        sizes, strides);
          scf::YieldOp::create(b, l, updated);
        });
    rewriter.replaceOp(op, loop.getResult(0));
    return success();
  }
};

} // namespace

void dlcc::populateLinearAlgebraLowering(RewritePatternSet &patterns) {
  // The stride-1 input gradient as a convolution first; col2im otherwise.
  patterns.add<Conv2DGradInputAsConvolution>(patterns.getContext(),
                                             /*benefit=*/2);
  patterns.add<MatmulLowering, LinearLowering, Conv2DLowering,
               Conv2DGradInputLowering, Conv2DGradWeightLowering,
               EmbeddingLowering, EmbeddingGradLowering>(
      patterns.getContext());
}
