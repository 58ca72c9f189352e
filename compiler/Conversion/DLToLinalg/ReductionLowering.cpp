//===- ReductionLowering.cpp - dl reductions, pooling and norms to linalg -===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/DLToLinalg.h"
#include "compiler/Conversion/DLToLinalg/LoweringUtils.h"

#include "DL/IR/DLOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace dlcc::lowering;

namespace {

SmallVector<int64_t> resolvedAxes(ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<int64_t> out;
  if (axes.empty())
    for (int64_t d = 0; d < rank; ++d)
      out.push_back(d);
  for (int64_t axis : axes)
    out.push_back(axis < 0 ? axis + rank : axis);
  return out;
}

template <typename OpTy, Combine kCombine, bool kMean = false>
struct ReduceLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    SmallVector<int64_t> axes =
        resolvedAxes(op.getAxes(), tensorType(input).getRank());
    Value result =
        kMean ? mean(rewriter, op.getLoc(), input, axes, op.getKeepdim())
              : reduce(rewriter, op.getLoc(), input, axes, kCombine,
                       op.getKeepdim());
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Pools windows of a NCHW tensor padded with `padValue`.
Value pool(OpBuilder &b, Location loc, Value input, RankedTensorType resultType,
           ArrayRef<int64_t> kernel, ArrayRef<int64_t> stride,
           ArrayRef<int64_t> padding, double padValue, Combine combine) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType type = tensorType(input);
  Type element = type.getElementType();
  Value padded = padSpatial(b, loc, input, padding, padValue);
  AffineExpr n, c, oh, ow, kh, kw;
  bindDims(ctx, n, c, oh, ow, kh, kw);
  SmallVector<AffineMap> maps{
      AffineMap::get(6, 0, {n, c, oh * stride[0] + kh, ow * stride[1] + kw},
                     ctx),
      AffineMap::get(6, 0, {kh, kw}, ctx),
      AffineMap::get(6, 0, {n, c, oh, ow}, ctx)};
  // The window operand only gives the loops over the kernel their extent.
  Value window = tensor::EmptyOp::create(b, loc, kernel, element);
  double init =
      combine == Combine::Max ? -std::numeric_limits<double>::infinity() : 0.0;
  Value acc = filled(b, loc, resultType, init);
  using utils::IteratorType;
  SmallVector<IteratorType> iterators(4, IteratorType::parallel);
  iterators.append(2, IteratorType::reduction);
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{padded, window},
      ValueRange{acc}, maps, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value r =
            combine == Combine::Max
                ? (Value)arith::MaximumFOp::create(nb, nl, args[2], args[0])
                : (Value)arith::AddFOp::create(nb, nl, args[2], args[0]);
        linalg::YieldOp::create(nb, nl, r);
      });
  return op.getResult(0);
}

struct MaxPoolLowering : OpConversionPattern<dl::MaxPool2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::MaxPool2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, pool(rewriter, op.getLoc(), adaptor.getInput(), op.getType(),
                 op.getKernel(), op.getStride(), op.getPadding(),
                 -std::numeric_limits<double>::infinity(), Combine::Max));
    return success();
  }
};

struct AvgPoolLowering : OpConversionPattern<dl::AvgPool2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::AvgPool2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value sum =
        pool(rewriter, loc, adaptor.getInput(), op.getType(), op.getKernel(),
             op.getStride(), op.getPadding(), 0.0, Combine::Sum);
    Value count = scalar(rewriter, loc, op.getType().getElementType(),
                         double(op.getKernel()[0] * op.getKernel()[1]));
    rewriter.replaceOp(
        op, elementwise(rewriter, loc, op.getType(), {sum},
                        [&](OpBuilder &b, Location l, ValueRange args) {
                          return arith::DivFOp::create(b, l, args[0], count);
                        }));
    return success();
  }
};

/// For each window of a max pooling, the row-major offset i * KW + j of the
/// first element equal to the window's maximum `max` (as i64).
Value firstMaxOffset(OpBuilder &b, Location loc, Value input, Value max,
                     ArrayRef<int64_t> kernel, ArrayRef<int64_t> stride,
                     ArrayRef<int64_t> padding) {
  MLIRContext *ctx = b.getContext();
  RankedTensorType type = tensorType(input);
  Type element = type.getElementType();
  Value padded = padSpatial(b, loc, input, padding,
                            -std::numeric_limits<double>::infinity());
  AffineExpr n, c, oh, ow, kh, kw;
  bindDims(ctx, n, c, oh, ow, kh, kw);
  SmallVector<AffineMap> maps{
      AffineMap::get(6, 0, {n, c, oh * stride[0] + kh, ow * stride[1] + kw},
                     ctx),
      AffineMap::get(6, 0, {n, c, oh, ow}, ctx),
      AffineMap::get(6, 0, {kh, kw}, ctx),
      AffineMap::get(6, 0, {n, c, oh, ow}, ctx)};
  // The window operand only gives the loops over the kernel their extent.
  Value window = tensor::EmptyOp::create(b, loc, kernel, element);
  Type i64 = b.getI64Type();
  int64_t none = kernel[0] * kernel[1];
  auto offsetType = RankedTensorType::get(tensorType(max).getShape(), i64);
  using utils::IteratorType;
  SmallVector<IteratorType> iterators(4, IteratorType::parallel);
  iterators.append(2, IteratorType::reduction);
  // The minimum offset among the elements equal to the maximum: the same
  // answer in any order of the reduction.
  return linalg::GenericOp::create(
             b, loc, TypeRange{offsetType}, ValueRange{padded, max, window},
             ValueRange{filled(b, loc, offsetType, double(none))}, maps,
             iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value i = linalg::IndexOp::create(nb, nl, 4);
               Value j = linalg::IndexOp::create(nb, nl, 5);
               Value offset = arith::AddIOp::create(
                   nb, nl,
                   arith::MulIOp::create(
                       nb, nl, i,
                       arith::ConstantIndexOp::create(nb, nl, kernel[1])),
                   j);
               Value wide = arith::IndexCastOp::create(nb, nl, i64, offset);
               Value hit = arith::CmpFOp::create(
                   nb, nl, arith::CmpFPredicate::OEQ, args[0], args[1]);
               Value candidate = arith::SelectOp::create(
                   nb, nl, hit, wide, scalar(nb, nl, i64, double(none)));
               Value first = arith::MinSIOp::create(nb, nl, args[3], candidate);
               linalg::YieldOp::create(nb, nl, first);
             })
      .getResult(0);
}

/// Each input element gathers the gradients of the windows whose first
/// maximum it is.
struct MaxPoolGradLowering : OpConversionPattern<dl::MaxPool2DGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::MaxPool2DGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput(), dy = adaptor.getGrad();
    ArrayRef<int64_t> kernel = op.getKernel(), stride = op.getStride(),
                      padding = op.getPadding();
    RankedTensorType dyType = tensorType(dy);
    Value max = pool(rewriter, loc, x, dyType, kernel, stride, padding,
                     -std::numeric_limits<double>::infinity(), Combine::Max);
    Value first =
        firstMaxOffset(rewriter, loc, x, max, kernel, stride, padding);
    Type i64 = rewriter.getI64Type();
    rewriter.replaceOp(
        op, windowGather(
                rewriter, loc, op.getType(), kernel, stride, padding,
                dyType.getShape().drop_front(2),
                [&](OpBuilder &b, Location l, ValueRange idx) -> Value {
                  // idx is (n, c, y, x, i, j).
                  ValueRange at = idx.take_front(4);
                  Value offset = arith::AddIOp::create(
                      b, l,
                      arith::MulIOp::create(
                          b, l, idx[4],
                          arith::ConstantIndexOp::create(b, l, kernel[1])),
                      idx[5]);
                  Value wide = arith::IndexCastOp::create(b, l, i64, offset);
                  Value winner = arith::CmpIOp::create(
                      b, l, arith::CmpIPredicate::eq,
                      tensor::ExtractOp::create(b, l, first, at), wide);
                  return arith::SelectOp::create(
                      b, l, winner, tensor::ExtractOp::create(b, l, dy, at),
                      scalar(b, l, dyType.getElementType(), 0.0));
                }));
    return success();
  }
};

/// Each input element gathers the gradients of the windows that contain it,
/// divided by the window size.
struct AvgPoolGradLowering : OpConversionPattern<dl::AvgPool2DGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::AvgPool2DGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value dy = adaptor.getGrad();
    ArrayRef<int64_t> kernel = op.getKernel();
    RankedTensorType dyType = tensorType(dy);
    Value sum = windowGather(
        rewriter, loc, op.getType(), kernel, op.getStride(), op.getPadding(),
        dyType.getShape().drop_front(2),
        [&](OpBuilder &b, Location l, ValueRange idx) -> Value {
          return tensor::ExtractOp::create(b, l, dy, idx.take_front(4));
        });
    Value count = scalar(rewriter, loc, dyType.getElementType(),
                         double(kernel[0] * kernel[1]));
    rewriter.replaceOp(
        op, elementwise(rewriter, loc, op.getType(), {sum},
                        [&](OpBuilder &b, Location l, ValueRange args) {
                          return arith::DivFOp::create(b, l, args[0], count);
                        }));
    return success();
  }
};

/// (x - mean) * rsqrt(var + eps), with the statistics broadcasting to x.
Value normalize(OpBuilder &b, Location loc, Value x, Value mean, Value var,
                double eps) {
  Value e = scalar(b, loc, tensorType(x).getElementType(), eps);
  return elementwise(b, loc, tensorType(x), {x, mean, var},
                     [&](OpBuilder &nb, Location nl, ValueRange args) {
                       Value centered =
                           arith::SubFOp::create(nb, nl, args[0], args[1]);
                       Value inv = math::RsqrtOp::create(
                           nb, nl, arith::AddFOp::create(nb, nl, args[2], e));
                       return arith::MulFOp::create(nb, nl, centered, inv);
                     });
}

/// y * weight (+ bias), the parameters broadcasting to y.
Value affine(OpBuilder &b, Location loc, Value y, Value weight, Value bias) {
  SmallVector<Value> inputs{y, weight};
  if (bias)
    inputs.push_back(bias);
  return elementwise(
      b, loc, tensorType(y), inputs,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value r = arith::MulFOp::create(nb, nl, args[0], args[1]);
        return args.size() > 2
                   ? (Value)arith::AddFOp::create(nb, nl, r, args[2])
                   : r;
      });
}

struct LayerNormLowering : OpConversionPattern<dl::LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    int64_t last = tensorType(x).getRank() - 1;
    Value mu = mean(rewriter, loc, x, {last}, true);
    Value centered =
        elementwise(rewriter, loc, tensorType(x), {x, mu},
                    [](OpBuilder &b, Location l, ValueRange args) {
                      return arith::SubFOp::create(b, l, args[0], args[1]);
                    });
    Value squares =
        elementwise(rewriter, loc, tensorType(x), {centered},
                    [](OpBuilder &b, Location l, ValueRange args) {
                      return arith::MulFOp::create(b, l, args[0], args[0]);
                    });
    Value var = mean(rewriter, loc, squares, {last}, true);
    Value zero = filled(rewriter, loc, tensorType(var), 0.0);
    Value y = normalize(rewriter, loc, centered, zero, var,
                        op.getEps().convertToDouble());
    rewriter.replaceOp(
        op, affine(rewriter, loc, y, adaptor.getWeight(), adaptor.getBias()));
    return success();
  }
};

struct RMSNormLowering : OpConversionPattern<dl::RMSNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::RMSNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    int64_t last = tensorType(x).getRank() - 1;
    Value squares =
        elementwise(rewriter, loc, tensorType(x), {x},
                    [](OpBuilder &b, Location l, ValueRange args) {
                      return arith::MulFOp::create(b, l, args[0], args[0]);
                    });
    Value ms = mean(rewriter, loc, squares, {last}, true);
    Value zero = filled(rewriter, loc, tensorType(ms), 0.0);
    Value y =
        normalize(rewriter, loc, x, zero, ms, op.getEps().convertToDouble());
    rewriter.replaceOp(op,
                       affine(rewriter, loc, y, adaptor.getWeight(), Value()));
    return success();
  }
};

struct BatchNormLowering : OpConversionPattern<dl::BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::BatchNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    RankedTensorType type = tensorType(x);
    int64_t rank = type.getRank(), channels = type.getDimSize(1);
    // Per-channel vectors broadcast along dimension 1: [C] or [C, 1, 1].
    SmallVector<int64_t> channelShape{channels};
    if (rank == 4)
      channelShape.append({1, 1});
    auto perChannel = [&](Value v) {
      return reshape(rewriter, loc, v, channelShape);
    };
    double eps = op.getEps().convertToDouble();
    if (!op.getTraining()) {
      Value y =
          normalize(rewriter, loc, x, perChannel(adaptor.getRunningMean()),
                    perChannel(adaptor.getRunningVar()), eps);
      rewriter.replaceOp(
          op, {affine(rewriter, loc, y, perChannel(adaptor.getWeight()),
                      perChannel(adaptor.getBias())),
               adaptor.getRunningMean(), adaptor.getRunningVar()});
      return success();
    }
    SmallVector<int64_t> axes{0};
    if (rank == 4)
      axes.append({2, 3});
    int64_t count = type.getNumElements() / channels;
    Value mu = mean(rewriter, loc, x, axes, false);
    Value centered =
        elementwise(rewriter, loc, type, {x, perChannel(mu)},
                    [](OpBuilder &b, Location l, ValueRange args) {
                      return arith::SubFOp::create(b, l, args[0], args[1]);
                    });
    Value squares =
        elementwise(rewriter, loc, type, {centered},
                    [](OpBuilder &b, Location l, ValueRange args) {
                      return arith::MulFOp::create(b, l, args[0], args[0]);
                    });
    Value var = mean(rewriter, loc, squares, axes, false);
    Value zero = filled(rewriter, loc, type, 0.0);
    Value y = normalize(rewriter, loc, centered, zero, perChannel(var), eps);
    Value out = affine(rewriter, loc, y, perChannel(adaptor.getWeight()),
                       perChannel(adaptor.getBias()));
    // Running statistics: PyTorch's momentum update, unbiased variance.
    Type element = type.getElementType();
    double momentum = op.getMomentum().convertToDouble();
    double unbias = count > 1 ? double(count) / double(count - 1) : 1.0;
    auto update = [&](Value running, Value batch, double scale) {
      return elementwise(
          rewriter, loc, tensorType(running), {running, batch},
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value keep = arith::MulFOp::create(
                b, l, scalar(b, l, element, 1.0 - momentum), args[0]);
            Value add = arith::MulFOp::create(
                b, l, scalar(b, l, element, momentum * scale), args[1]);
            return arith::AddFOp::create(b, l, keep, add);
          });
    };
    rewriter.replaceOp(op, {out, update(adaptor.getRunningMean(), mu, 1.0),
                            update(adaptor.getRunningVar(), var, unbias)});
    return success();
  }
};

/// Without a kernel: a normalization's gradient as the formulas' dl ops,
/// which this conversion then lowers.
template <typename GradOp>
struct DecomposedGradLowering : OpConversionPattern<GradOp> {
  using OpConversionPattern<GradOp>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GradOp op, typename GradOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, op.decompose(rewriter));
    return success();
  }
};

} // namespace

void dlcc::populateReductionLowering(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ReduceLowering<dl::SumOp, Combine::Sum>,
               ReduceLowering<dl::MeanOp, Combine::Sum, /*kMean=*/true>,
               ReduceLowering<dl::MaxOp, Combine::Max>, MaxPoolLowering,
               AvgPoolLowering, MaxPoolGradLowering, AvgPoolGradLowering,
               LayerNormLowering, RMSNormLowering, BatchNormLowering,
               DecomposedGradLowering<dl::BatchNormGradOp>,
               DecomposedGradLowering<dl::LayerNormGradOp>>(ctx);
}
