//===- ApproximateMath.cpp - f32 erf and exp as polynomials ---------------===//
//
// Part of dlcc. Implements `dl-approximate-math`; see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dlcc {
#define GEN_PASS_DEF_DLAPPROXIMATEMATH
#include "compiler/Transforms/Passes.h.inc"
} // namespace dlcc

using namespace mlir;

namespace {

/// `value` as a constant of `type` (f32, or a vector of f32).
Value constantLike(OpBuilder &b, Location loc, Type type, double value) {
  auto attr = b.getF32FloatAttr(static_cast<float>(value));
  if (auto shaped = dyn_cast<ShapedType>(type))
    return arith::ConstantOp::create(b, loc,
                                     DenseElementsAttr::get(shaped, attr));
  return arith::ConstantOp::create(b, loc, attr);
}

/// c[0] + c[1] t + c[2] t^2 + ... by Horner's rule, as multiplies and adds.
Value horner(OpBuilder &b, Location loc, Value t, ArrayRef<double> c) {
  Type type = t.getType();
  Value sum = constantLike(b, loc, type, c.back());
  for (double coefficient : llvm::reverse(c.drop_back()))
    sum = arith::AddFOp::create(b, loc, arith::MulFOp::create(b, loc, sum, t),
                                constantLike(b, loc, type, coefficient));
  return sum;
}

/// f32 erf(x) as x P(x^2) / Q(x^2) on x clamped to [-3.92, 3.92] (beyond,
/// erf rounds to +-1 in f32), the result clamped to [-1, 1]: 13 multiplies
/// and adds and one division, where MLIR's approximation selects each
/// coefficient among three intervals (its GELU loops spent more time on
/// the selects and on reloading the 21 coefficients than on arithmetic).
/// The coefficients are a weighted least-squares fit, iterated towards the
/// smallest largest error: within 4.1e-7 of erf everywhere, 5.7e-7
/// relative (a few ulps), measured in f32 over [-4.5, 4.5].
struct RationalErf : OpRewritePattern<math::ErfOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::ErfOp op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!getElementTypeOrSelf(type).isF32())
      return failure();
    static constexpr double kNumerator[] = {
        1.1283787806785637e+00, 2.0598162291812136e-01, 5.1379546111455281e-02,
        3.9672704426848690e-03, 1.4885465324035154e-04, -1.9939217416987879e-06,
        1.9926939973489571e-08};
    static constexpr double kDenominator[] = {
        1.0, 0.5158752592437612, 0.11750957348328137, 0.01487781959222664,
        0.00102276913152735};
    Location loc = op.getLoc();
    auto clamp = [&](Value v, double bound) {
      Value upper = arith::MinimumFOp::create(
          rewriter, loc, v, constantLike(rewriter, loc, type, bound));
      return arith::MaximumFOp::create(
          rewriter, loc, upper, constantLike(rewriter, loc, type, -bound));
    };
    Value x = clamp(op.getOperand(), 3.92);
    Value t = arith::MulFOp::create(rewriter, loc, x, x);
    Value ratio = arith::DivFOp::create(rewriter, loc,
                                        horner(rewriter, loc, t, kNumerator),
                                        horner(rewriter, loc, t, kDenominator));
    rewriter.replaceOp(
        op, clamp(arith::MulFOp::create(rewriter, loc, x, ratio), 1.0));
    return success();
  }
};

/// The polynomial's fused multiply-adds as a multiply and an add: the
/// default target (x86-64-v2) has no FMA instruction, and libm's fmaf,
/// which LLVM would call instead, is slow and keeps loops scalar.
struct SplitFma : OpRewritePattern<math::FmaOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::FmaOp op,
                                PatternRewriter &rewriter) const override {
    Value product =
        arith::MulFOp::create(rewriter, op.getLoc(), op.getA(), op.getB());
    rewriter.replaceOpWithNewOp<arith::AddFOp>(op, product, op.getC());
    return success();
  }
};

struct DLApproximateMathPass
    : dlcc::impl::DLApproximateMathBase<DLApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns, [](StringRef name) {
      return name == math::ExpOp::getOperationName();
    });
    patterns.add<RationalErf, SplitFma>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
