//===- LossLowering.cpp - dl losses and metrics to linalg -----------------===//
//
// Part of dlcc. Every loss is the mean over its rows (PyTorch's default
// reduction), computed in log space where that keeps it stable.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/DLToLinalg.h"
#include "compiler/Conversion/DLToLinalg/LoweringUtils.h"

#include "DL/IR/DLOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace dlcc::lowering;

namespace {

SmallVector<int64_t> allAxes(Value v) {
  SmallVector<int64_t> axes;
  for (int64_t d = 0; d < tensorType(v).getRank(); ++d)
    axes.push_back(d);
  return axes;
}

Value sumAll(OpBuilder &b, Location loc, Value v) {
  return reduce(b, loc, v, allAxes(v), Combine::Sum, false);
}

/// A binary op on two scalars held as rank-0 tensors.
Value scalarOp(OpBuilder &b, Location loc, Value x, Value y,
               function_ref<Value(OpBuilder &, Location, Value, Value)> fn) {
  return elementwise(b, loc, tensorType(x), {x, y},
                     [&](OpBuilder &nb, Location nl, ValueRange args) {
                       return fn(nb, nl, args[0], args[1]);
                     });
}

/// Logits as [rows, classes] and labels as [rows].
std::pair<Value, Value> asRows(OpBuilder &b, Location loc, Value logits,
                               Value labels) {
  RankedTensorType type = tensorType(logits);
  int64_t classes = type.getShape().back();
  int64_t rows = type.getNumElements() / classes;
  return {reshape(b, loc, logits, {rows, classes}),
          reshape(b, loc, labels, {rows})};
}

/// Rows not labeled `ignore`, as 1.0/0.0 in the logits' element type.
Value countedRows(OpBuilder &b, Location loc, Value labels, int64_t ignore,
                  Type element) {
  Type labelType = tensorType(labels).getElementType();
  auto rowType = RankedTensorType::get(tensorType(labels).getShape(), element);
  return elementwise(b, loc, rowType, {labels},
                     [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
                       Value valid = arith::CmpIOp::create(
                           nb, l, arith::CmpIPredicate::ne, args[0],
                           scalar(nb, l, labelType, double(ignore)));
                       return arith::UIToFPOp::create(nb, l, element, valid);
                     });
}

struct CrossEntropyLowering : OpConversionPattern<dl::CrossEntropyOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::CrossEntropyOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto [logits, labels] =
        asRows(rewriter, loc, adaptor.getLogits(), adaptor.getLabels());
    RankedTensorType type = tensorType(logits);
    Type element = type.getElementType();
    int64_t rows = type.getDimSize(0), classes = type.getDimSize(1);
    int64_t ignore = op.getIgnoreIndex();
    checkIndices(rewriter, loc, labels, classes, ignore,
                 "cross_entropy: label out of range");
    Value logp = logSoftmax(rewriter, loc, logits, 1);
    double smoothing = op.getLabelSmoothing().convertToDouble();
    Value rowMean = mean(rewriter, loc, logp, {1}, false);
    auto rowType = RankedTensorType::get({rows}, element);
    Type labelType = tensorType(labels).getElementType();
    // Per row: -((1 - s) logp[y] + s mean(logp)) if y is not ignored, else 0.
    Value perRow = elementwiseIndexed(
        rewriter, loc, rowType, {labels, rowMean},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value valid = arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::ne, args[0],
              scalar(b, l, labelType, double(ignore)));
          Value cls = arith::SelectOp::create(b, l, valid, args[0],
                                              scalar(b, l, labelType, 0.0));
          Value picked = tensor::ExtractOp::create(
              b, l, logp,
              ValueRange{args[2], arith::IndexCastOp::create(
                                      b, l, b.getIndexType(), cls)});
          Value loss = arith::AddFOp::create(
              b, l,
              arith::MulFOp::create(b, l, scalar(b, l, element, 1 - smoothing),
                                    picked),
              arith::MulFOp::create(b, l, scalar(b, l, element, smoothing),
                                    args[1]));
          return arith::SelectOp::create(b, l, valid,
                                         arith::NegFOp::create(b, l, loss),
                                         scalar(b, l, element, 0.0));
        });
    Value counted = countedRows(rewriter, loc, labels, ignore, element);
    rewriter.replaceOp(
        op, scalarOp(rewriter, loc, sumAll(rewriter, loc, perRow),
                     sumAll(rewriter, loc, counted),
                     [](OpBuilder &b, Location l, Value x, Value y) {
                       return arith::DivFOp::create(b, l, x, y);
                     }));
    return success();
  }
};

struct CrossEntropyGradLowering : OpConversionPattern<dl::CrossEntropyGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::CrossEntropyGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto [logits, labels] =
        asRows(rewriter, loc, adaptor.getLogits(), adaptor.getLabels());
    RankedTensorType type = tensorType(logits);
    Type element = type.getElementType();
    int64_t rows = type.getDimSize(0), classes = type.getDimSize(1);
    int64_t ignore = op.getIgnoreIndex();
    double smoothing = op.getLabelSmoothing().convertToDouble();
    Value probs = elementwise(rewriter, loc, type,
                              {logSoftmax(rewriter, loc, logits, 1)},
                              [](OpBuilder &b, Location l, ValueRange args) {
                                return math::ExpOp::create(b, l, args[0]);
                              });
    // grad / count, one scalar for every element.
    Value count = sumAll(rewriter, loc,
                         countedRows(rewriter, loc, labels, ignore, element));
    Value factor = scalarOp(rewriter, loc, adaptor.getGrad(), count,
                            [](OpBuilder &b, Location l, Value x, Value y) {
                              return arith::DivFOp::create(b, l, x, y);
                            });
    Type labelType = tensorType(labels).getElementType();
    Value column = reshape(rewriter, loc, labels, {rows, 1});
    Value grad = elementwiseIndexed(
        rewriter, loc, type, {probs, column, factor},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value cls = arith::IndexCastOp::create(b, l, labelType, args[4]);
          Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                            args[1], cls);
          Value valid = arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::ne, args[1],
              scalar(b, l, labelType, double(ignore)));
          Value target = arith::SelectOp::create(
              b, l, hit,
              scalar(b, l, element, 1.0 - smoothing + smoothing / classes),
              scalar(b, l, element, smoothing / classes));
          Value g = arith::MulFOp::create(
              b, l, arith::SubFOp::create(b, l, args[0], target), args[2]);
          return arith::SelectOp::create(b, l, valid, g,
                                         scalar(b, l, element, 0.0));
        });
    rewriter.replaceOp(op, reshape(rewriter, loc, grad,
                                   op.getType().getShape()));
    return success();
  }
};

/// The mean over all elements of `fn(input, target)`.
template <typename OpTy>
struct PairLossLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getInput();
    Value terms = elementwise(rewriter, op.getLoc(), tensorType(x),
                              {x, adaptor.getTarget()},
                              [&](OpBuilder &b, Location l, ValueRange args) {
                                return term(op, b, l, args[0], args[1]);
                              });
    rewriter.replaceOp(op,
                       mean(rewriter, op.getLoc(), terms, allAxes(terms), false));
    return success();
  }

  static Value term(dl::MSEOp, OpBuilder &b, Location l, Value x, Value t) {
    Value d = arith::SubFOp::create(b, l, x, t);
    return arith::MulFOp::create(b, l, d, d);
  }
  static Value term(dl::L1Op, OpBuilder &b, Location l, Value x, Value t) {
    return math::AbsFOp::create(b, l, arith::SubFOp::create(b, l, x, t));
  }
  /// max(x, 0) - x t + log(1 + exp(-|x|)): never overflows.
  static Value term(dl::BinaryCrossEntropyOp, OpBuilder &b, Location l, Value x,
                    Value t) {
    Value zero = scalar(b, l, x.getType(), 0.0);
    Value relu = arith::MaximumFOp::create(b, l, x, zero);
    Value xt = arith::MulFOp::create(b, l, x, t);
    Value negAbs = arith::NegFOp::create(b, l, math::AbsFOp::create(b, l, x));
    Value softplus =
        math::Log1pOp::create(b, l, math::ExpOp::create(b, l, negAbs));
    return arith::AddFOp::create(b, l, arith::SubFOp::create(b, l, relu, xt),
                                 softplus);
  }
};

struct ContrastiveLowering : OpConversionPattern<dl::ContrastiveOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::ContrastiveOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = tensorType(adaptor.getLhs());
    Type element = type.getElementType();
    int64_t n = type.getDimSize(0);
    // Rows scaled to unit length (F.normalize, eps 1e-12).
    auto normalize = [&](Value x) {
      Value squares =
          elementwise(rewriter, loc, type, {x},
                      [](OpBuilder &b, Location l, ValueRange args) {
                        return arith::MulFOp::create(b, l, args[0], args[0]);
                      });
      Value norms = reduce(rewriter, loc, squares, {1}, Combine::Sum, true);
      return elementwise(
          rewriter, loc, type, {x, norms},
          [&](OpBuilder &b, Location l, ValueRange args) -> Value {
            Value norm = arith::MaximumFOp::create(
                b, l, math::SqrtOp::create(b, l, args[1]),
                scalar(b, l, element, 1e-12));
            return arith::DivFOp::create(b, l, args[0], norm);
          });
    };
    Value a = normalize(adaptor.getLhs()), bb = normalize(adaptor.getRhs());
    Value sims = matmul(rewriter, loc, a, bb, /*transposeRhs=*/true);
    double inverseT = 1.0 / op.getTemperature().convertToDouble();
    auto simType = tensorType(sims);
    sims = elementwise(rewriter, loc, simType, {sims},
                       [&](OpBuilder &b, Location l, ValueRange args) {
                         return arith::MulFOp::create(
                             b, l, args[0], scalar(b, l, element, inverseT));
                       });
    // Row i matches column i, in both directions.
    Value byRow = logSoftmax(rewriter, loc, sims, 1);
    Value byColumn = logSoftmax(rewriter, loc, sims, 0);
    Value diagonal = elementwiseIndexed(
        rewriter, loc, RankedTensorType::get({n}, element), {},
        [&](OpBuilder &b, Location l, ValueRange idx) -> Value {
          Value r = tensor::ExtractOp::create(b, l, byRow,
                                              ValueRange{idx[0], idx[0]});
          Value c = tensor::ExtractOp::create(b, l, byColumn,
                                              ValueRange{idx[0], idx[0]});
          return arith::AddFOp::create(b, l, r, c);
        });
    Value total = sumAll(rewriter, loc, diagonal);
    rewriter.replaceOp(
        op, elementwise(rewriter, loc, tensorType(total), {total},
                        [&](OpBuilder &b, Location l, ValueRange args) {
                          return arith::DivFOp::create(
                              b, l, args[0], scalar(b, l, element, -2.0 * n));
                        }));
    return success();
  }
};

struct AccuracyLowering : OpConversionPattern<dl::AccuracyOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::AccuracyOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto [logits, labels] =
        asRows(rewriter, loc, adaptor.getLogits(), adaptor.getLabels());
    RankedTensorType type = tensorType(logits);
    Type element = type.getElementType();
    int64_t rows = type.getDimSize(0), classes = type.getDimSize(1);
    Type i64 = rewriter.getI64Type();
    // The first class holding the row maximum (torch.argmax); NaN is the
    // maximum, as for torch.argmax.
    Value max = reduce(rewriter, loc, logits, {1}, Combine::Max, true);
    auto argType = RankedTensorType::get({rows}, i64);
    Value init = filled(rewriter, loc, argType, double(classes));
    AffineExpr r, c;
    bindDims(ctx, r, c);
    SmallVector<AffineMap> maps{AffineMap::get(2, 0, {r, c}, ctx),
                                AffineMap::get(2, 0, {r, getAffineConstantExpr(0, ctx)}, ctx),
                                AffineMap::get(2, 0, {r}, ctx)};
    Value argmax =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{argType}, ValueRange{logits, max},
            ValueRange{init}, maps,
            {utils::IteratorType::parallel, utils::IteratorType::reduction},
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value cls = arith::IndexCastOp::create(
                  b, l, i64, linalg::IndexOp::create(b, l, 1));
              Value hit = arith::OrIOp::create(
                  b, l,
                  arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ,
                                        args[0], args[1]),
                  arith::CmpFOp::create(b, l, arith::CmpFPredicate::UNO,
                                        args[0], args[0]));
              Value candidate = arith::SelectOp::create(
                  b, l, hit, cls, scalar(b, l, i64, double(classes)));
              Value first = arith::MinSIOp::create(b, l, args[2], candidate);
              linalg::YieldOp::create(b, l, first);
            })
            .getResult(0);
    Value correct = elementwise(
        rewriter, loc, RankedTensorType::get({rows}, element),
        {argmax, labels}, [&](OpBuilder &b, Location l, ValueRange args) {
          Value label = args[1].getType() == i64
                            ? args[1]
                            : (Value)arith::ExtSIOp::create(b, l, i64, args[1]);
          Value same = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                             args[0], label);
          return arith::UIToFPOp::create(b, l, element, same);
        });
    rewriter.replaceOp(op, mean(rewriter, loc, correct, {0}, false));
    return success();
  }
};

} // namespace

void dlcc::populateLossLowering(RewritePatternSet &patterns) {
  patterns.add<CrossEntropyLowering, CrossEntropyGradLowering,
               PairLossLowering<dl::MSEOp>,
               PairLossLowering<dl::L1Op>,
               PairLossLowering<dl::BinaryCrossEntropyOp>, ContrastiveLowering,
               AccuracyLowering>(patterns.getContext());
}
