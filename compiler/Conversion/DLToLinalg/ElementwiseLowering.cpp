//===- ElementwiseLowering.cpp - dl elementwise ops to linalg -------------===//
//
// Part of dlcc.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/DLToLinalg/DLToLinalg.h"
#include "compiler/Conversion/DLToLinalg/LoweringUtils.h"

#include "DL/IR/DLOps.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace dlcc::lowering;

namespace {

//===----------------------------------------------------------------------===//
// Scalar bodies
//===----------------------------------------------------------------------===//

Value one(OpBuilder &b, Location loc, Value like) {
  return scalar(b, loc, like.getType(), 1.0);
}

/// 1 / (1 + exp(-x)).
Value sigmoid(OpBuilder &b, Location loc, Value x) {
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, one(b, loc, x),
                               arith::AddFOp::create(b, loc, one(b, loc, x), e));
}

Value unaryBody(dl::ReluOp, OpBuilder &b, Location loc, Value x) {
  return arith::MaximumFOp::create(b, loc, x, scalar(b, loc, x.getType(), 0));
}
Value unaryBody(dl::SiluOp, OpBuilder &b, Location loc, Value x) {
  return arith::MulFOp::create(b, loc, x, sigmoid(b, loc, x));
}
Value unaryBody(dl::SigmoidOp, OpBuilder &b, Location loc, Value x) {
  return sigmoid(b, loc, x);
}
Value unaryBody(dl::TanhOp, OpBuilder &b, Location loc, Value x) {
  return math::TanhOp::create(b, loc, x);
}
Value unaryBody(dl::ExpOp, OpBuilder &b, Location loc, Value x) {
  return math::ExpOp::create(b, loc, x);
}
Value unaryBody(dl::LogOp, OpBuilder &b, Location loc, Value x) {
  return math::LogOp::create(b, loc, x);
}
Value unaryBody(dl::SqrtOp, OpBuilder &b, Location loc, Value x) {
  return math::SqrtOp::create(b, loc, x);
}
Value unaryBody(dl::RsqrtOp, OpBuilder &b, Location loc, Value x) {
  return math::RsqrtOp::create(b, loc, x);
}
Value unaryBody(dl::AbsOp, OpBuilder &b, Location loc, Value x) {
  return math::AbsFOp::create(b, loc, x);
}
Value unaryBody(dl::ErfOp, OpBuilder &b, Location loc, Value x) {
  return math::ErfOp::create(b, loc, x);
}
Value unaryBody(dl::NegOp, OpBuilder &b, Location loc, Value x) {
  return arith::NegFOp::create(b, loc, x);
}

template <typename OpTy>
struct UnaryLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, elementwise(rewriter, op.getLoc(), op.getType(),
                        {adaptor.getInput()},
                        [&](OpBuilder &b, Location loc, ValueRange args) {
                          return unaryBody(op, b, loc, args[0]);
                        }));
    return success();
  }
};

struct GeluLowering : OpConversionPattern<dl::GeluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::GeluOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    bool useTanh = op.getApproximate() == dl::GeluApproximation::tanh;
    auto body = [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
      Value x = args[0];
      Type t = x.getType();
      Value half = scalar(b, loc, t, 0.5);
      Value inner;
      if (useTanh) {
        // tanh(sqrt(2/pi) * (x + 0.044715 x^3))
        Value x3 = arith::MulFOp::create(
            b, loc, x, arith::MulFOp::create(b, loc, x, x));
        Value poly = arith::AddFOp::create(
            b, loc, x,
            arith::MulFOp::create(b, loc, scalar(b, loc, t, 0.044715), x3));
        inner = math::TanhOp::create(
            b, loc,
            arith::MulFOp::create(
                b, loc, scalar(b, loc, t, std::sqrt(2.0 / M_PI)), poly));
      } else {
        // erf(x / sqrt(2))
        inner = math::ErfOp::create(
            b, loc,
            arith::MulFOp::create(b, loc, x, scalar(b, loc, t, M_SQRT1_2)));
      }
      Value onePlus = arith::AddFOp::create(b, loc, one(b, loc, x), inner);
      return arith::MulFOp::create(
          b, loc, arith::MulFOp::create(b, loc, half, x), onePlus);
    };
    rewriter.replaceOp(op, elementwise(rewriter, op.getLoc(), op.getType(),
                                       {adaptor.getInput()}, body));
    return success();
  }
};

Value binaryBody(dl::AddOp, OpBuilder &b, Location loc, Value x, Value y) {
  return arith::AddFOp::create(b, loc, x, y);
}
Value binaryBody(dl::SubOp, OpBuilder &b, Location loc, Value x, Value y) {
  return arith::SubFOp::create(b, loc, x, y);
}
Value binaryBody(dl::MulOp, OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MulFOp::create(b, loc, x, y);
}
Value binaryBody(dl::DivOp, OpBuilder &b, Location loc, Value x, Value y) {
  return arith::DivFOp::create(b, loc, x, y);
}
Value binaryBody(dl::MaximumOp, OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MaximumFOp::create(b, loc, x, y);
}
Value binaryBody(dl::MinimumOp, OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MinimumFOp::create(b, loc, x, y);
}
Value binaryBody(dl::PowOp, OpBuilder &b, Location loc, Value x, Value y) {
  return math::PowFOp::create(b, loc, x, y);
}

template <typename OpTy>
struct BinaryLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, elementwise(rewriter, op.getLoc(), op.getType(),
                        {adaptor.getLhs(), adaptor.getRhs()},
                        [&](OpBuilder &b, Location loc, ValueRange args) {
                          return binaryBody(op, b, loc, args[0], args[1]);
                        }));
    return success();
  }
};

struct CompareLowering : OpConversionPattern<dl::CompareOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::CompareOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    dl::ComparePredicate predicate = op.getPredicate();
    auto body = [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
      if (isa<IntegerType>(args[0].getType())) {
        arith::CmpIPredicate p = arith::CmpIPredicate::eq;
        switch (predicate) {
        case dl::ComparePredicate::eq: p = arith::CmpIPredicate::eq; break;
        case dl::ComparePredicate::ne: p = arith::CmpIPredicate::ne; break;
        case dl::ComparePredicate::lt: p = arith::CmpIPredicate::slt; break;
        case dl::ComparePredicate::le: p = arith::CmpIPredicate::sle; break;
        case dl::ComparePredicate::gt: p = arith::CmpIPredicate::sgt; break;
        case dl::ComparePredicate::ge: p = arith::CmpIPredicate::sge; break;
        }
        return arith::CmpIOp::create(b, loc, p, args[0], args[1]);
      }
      // Ordered comparisons are false on NaN; `ne` is true, as in PyTorch.
      arith::CmpFPredicate p = arith::CmpFPredicate::OEQ;
      switch (predicate) {
      case dl::ComparePredicate::eq: p = arith::CmpFPredicate::OEQ; break;
      case dl::ComparePredicate::ne: p = arith::CmpFPredicate::UNE; break;
      case dl::ComparePredicate::lt: p = arith::CmpFPredicate::OLT; break;
      case dl::ComparePredicate::le: p = arith::CmpFPredicate::OLE; break;
      case dl::ComparePredicate::gt: p = arith::CmpFPredicate::OGT; break;
      case dl::ComparePredicate::ge: p = arith::CmpFPredicate::OGE; break;
      }
      return arith::CmpFOp::create(b, loc, p, args[0], args[1]);
    };
    rewriter.replaceOp(op, elementwise(rewriter, op.getLoc(), op.getType(),
                                       {adaptor.getLhs(), adaptor.getRhs()},
                                       body));
    return success();
  }
};

struct WhereLowering : OpConversionPattern<dl::WhereOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::WhereOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, elementwise(rewriter, op.getLoc(), op.getType(),
                        {adaptor.getCondition(), adaptor.getLhs(),
                         adaptor.getRhs()},
                        [](OpBuilder &b, Location loc, ValueRange args) {
                          return arith::SelectOp::create(b, loc, args[0],
                                                         args[1], args[2]);
                        }));
    return success();
  }
};

struct CastLowering : OpConversionPattern<dl::CastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::CastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type to = op.getType().getElementType();
    auto body = [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
      Value x = args[0];
      Type from = x.getType();
      if (from == to)
        return x;
      if (auto intType = dyn_cast<IntegerType>(from))
        return intType.getWidth() == 1
                   ? (Value)arith::UIToFPOp::create(b, loc, to, x)
                   : (Value)arith::SIToFPOp::create(b, loc, to, x);
      // bf16 converts only to and from f32, which holds every bf16 and f16
      // exactly; other pairs go through f32. From f64 that rounds twice, as
      // PyTorch's conversion does.
      if ((from.isBF16() || to.isBF16()) && !from.isF32() && !to.isF32()) {
        Type f32 = b.getF32Type();
        Value wide = from.isF64()
                         ? (Value)arith::TruncFOp::create(b, loc, f32, x)
                         : (Value)arith::ExtFOp::create(b, loc, f32, x);
        return to.isF64() ? (Value)arith::ExtFOp::create(b, loc, to, wide)
                          : (Value)arith::TruncFOp::create(b, loc, to, wide);
      }
      if (from.getIntOrFloatBitWidth() > to.getIntOrFloatBitWidth())
        return arith::TruncFOp::create(b, loc, to, x);
      return arith::ExtFOp::create(b, loc, to, x);
    };
    rewriter.replaceOp(op, elementwise(rewriter, op.getLoc(), op.getType(),
                                       {adaptor.getInput()}, body));
    return success();
  }
};

int64_t resolve(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

struct SoftmaxLowering : OpConversionPattern<dl::SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    RankedTensorType type = op.getType();
    int64_t axis = resolve(op.getAxis(), type.getRank());
    Value max = reduce(rewriter, loc, x, {axis}, Combine::Max, true);
    Value exps =
        elementwise(rewriter, loc, type, {x, max},
                    [](OpBuilder &b, Location l, ValueRange args) {
                      return math::ExpOp::create(
                          b, l, arith::SubFOp::create(b, l, args[0], args[1]));
                    });
    Value sum = reduce(rewriter, loc, exps, {axis}, Combine::Sum, true);
    rewriter.replaceOp(
        op, elementwise(rewriter, loc, type, {exps, sum},
                        [](OpBuilder &b, Location l, ValueRange args) {
                          return arith::DivFOp::create(b, l, args[0], args[1]);
                        }));
    return success();
  }
};

struct LogSoftmaxLowering : OpConversionPattern<dl::LogSoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::LogSoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    int64_t axis = resolve(op.getAxis(), op.getType().getRank());
    rewriter.replaceOp(
        op, logSoftmax(rewriter, op.getLoc(), adaptor.getInput(), axis));
    return success();
  }
};

struct PositionsLowering : OpConversionPattern<dl::PositionsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::PositionsOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type element = op.getType().getElementType();
    rewriter.replaceOp(
        op, elementwiseIndexed(
                rewriter, op.getLoc(), op.getType(), {},
                [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
                  return arith::IndexCastOp::create(b, loc, element, args[0]);
                }));
    return success();
  }
};

struct CausalMaskLowering : OpConversionPattern<dl::CausalMaskOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::CausalMaskOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type element = op.getType().getElementType();
    rewriter.replaceOp(
        op, elementwiseIndexed(
                rewriter, op.getLoc(), op.getType(), {},
                [&](OpBuilder &b, Location loc, ValueRange idx) -> Value {
                  Value future = arith::CmpIOp::create(
                      b, loc, arith::CmpIPredicate::ugt, idx[1], idx[0]);
                  return arith::SelectOp::create(
                      b, loc, future,
                      scalar(b, loc, element,
                             -std::numeric_limits<double>::infinity()),
                      scalar(b, loc, element, 0.0));
                }));
    return success();
  }
};

struct OneHotLowering : OpConversionPattern<dl::OneHotOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(dl::OneHotOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    checkIndices(rewriter, loc, adaptor.getIndices(), type.getShape().back(),
                 std::nullopt, "one_hot: class index out of range");
    Type element = type.getElementType();
    // The indices broadcast along the new last dimension.
    SmallVector<int64_t> shape(tensorType(adaptor.getIndices()).getShape());
    shape.push_back(1);
    Value ids = reshape(rewriter, loc, adaptor.getIndices(), shape);
    int64_t last = type.getRank() - 1;
    rewriter.replaceOp(
        op, elementwiseIndexed(
                rewriter, loc, type, {ids},
                [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                  Value cls = arith::IndexCastOp::create(
                      b, l, args[0].getType(), args[1 + last]);
                  Value hit = arith::CmpIOp::create(
                      b, l, arith::CmpIPredicate::eq, args[0], cls);
                  return arith::SelectOp::create(b, l, hit,
                                                 scalar(b, l, element, 1.0),
                                                 scalar(b, l, element, 0.0));
                }));
    return success();
  }
};

} // namespace

void dlcc::populateElementwiseLowering(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<UnaryLowering<dl::ReluOp>, UnaryLowering<dl::SiluOp>,
               UnaryLowering<dl::SigmoidOp>, UnaryLowering<dl::TanhOp>,
               UnaryLowering<dl::ExpOp>, UnaryLowering<dl::LogOp>,
               UnaryLowering<dl::SqrtOp>, UnaryLowering<dl::RsqrtOp>,
               UnaryLowering<dl::AbsOp>, UnaryLowering<dl::ErfOp>,
               UnaryLowering<dl::NegOp>>(ctx);
  patterns.add<BinaryLowering<dl::AddOp>, BinaryLowering<dl::SubOp>,
               BinaryLowering<dl::MulOp>, BinaryLowering<dl::DivOp>,
               BinaryLowering<dl::MaximumOp>, BinaryLowering<dl::MinimumOp>,
               BinaryLowering<dl::PowOp>>(ctx);
  patterns.add<GeluLowering, CompareLowering, WhereLowering, CastLowering,
               SoftmaxLowering, LogSoftmaxLowering,
               PositionsLowering, CausalMaskLowering, OneHotLowering>(ctx);
}
