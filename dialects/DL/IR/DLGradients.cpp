//===- DLGradients.cpp - Vector-Jacobian products of elementwise ops ------===//
//
// Part of dlcc. Each differentiable op builds the gradient of its operands
// from the gradient of its results, as dl ops, for dl-autodiff. Broadcast
// operands get their gradient summed back to their own shape. The rules
// follow PyTorch's derivatives (for instance, ties of maximum/minimum share
// the gradient equally). This file holds the elementwise ops, softmax and
// dropout; the other families are in DLLinearGradients.cpp,
// DLNormGradients.cpp, DLShapeGradients.cpp and DLLossGradients.cpp, and
// every test of a rule against finite differences in test/Gradients.
//
//===----------------------------------------------------------------------===//

#include "DL/IR/DLGradientBuilder.h"

#include <cmath>

using namespace mlir;
using namespace mlir::dl;

using namespace mlir::dl::detail;

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

#define DL_UNARY_GRADIENT(OP, BODY)                                            \
  LogicalResult OP::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,     \
                                  SmallVectorImpl<Value> &dxs) {               \
    GradBuilder g(builder, getLoc());                                          \
    Value x = getInput(), y = getResult(), dy = dys[0];                        \
    (void)x;                                                                   \
    (void)y;                                                                   \
    dxs.push_back(BODY);                                                       \
    return success();                                                          \
  }

DL_UNARY_GRADIENT(NegOp, g.neg(dy))
DL_UNARY_GRADIENT(ExpOp, g.mul(dy, y))
DL_UNARY_GRADIENT(LogOp, g.div(dy, x))
DL_UNARY_GRADIENT(SqrtOp, g.div(g.scale(dy, 0.5), y))
// d/dx x^(-1/2) = -y / (2x)
DL_UNARY_GRADIENT(RsqrtOp, g.neg(g.div(g.mul(g.scale(dy, 0.5), y), x)))
// From the output, as PyTorch's threshold_backward (y > 0 exactly where
// x > 0): the input need not outlive the forward.
DL_UNARY_GRADIENT(ReluOp,
                  g.select(g.compare(ComparePredicate::gt, y, g.constant(y, 0)),
                           dy, g.constant(y, 0)))
DL_UNARY_GRADIENT(AbsOp,
                  g.select(g.compare(ComparePredicate::gt, x, g.constant(x, 0)),
                           dy,
                           g.select(g.compare(ComparePredicate::lt, x,
                                              g.constant(x, 0)),
                                    g.neg(dy), g.constant(x, 0))))
DL_UNARY_GRADIENT(SigmoidOp,
                  g.mul(dy, g.mul(y, g.sub(g.constant(y, 1), y))))
DL_UNARY_GRADIENT(TanhOp, g.mul(dy, g.sub(g.constant(y, 1), g.mul(y, y))))
// 2/sqrt(pi) exp(-x^2)
DL_UNARY_GRADIENT(ErfOp,
                  g.mul(dy, g.scale(ExpOp::create(builder, getLoc(),
                                                  g.neg(g.mul(x, x))),
                                    2.0 / std::sqrt(M_PI))))
#undef DL_UNARY_GRADIENT

// silu' = s (1 + x (1 - s)), s = sigmoid(x)
LogicalResult SiluOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                    SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  Value x = getInput();
  Value s = SigmoidOp::create(builder, getLoc(), x);
  Value one = g.constant(x, 1);
  dxs.push_back(
      g.mul(dys[0], g.mul(s, g.add(one, g.mul(x, g.sub(one, s))))));
  return success();
}

LogicalResult GeluOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                    SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  Value x = getInput(), one = g.constant(x, 1);
  Value derivative;
  if (getApproximate() == GeluApproximation::tanh) {
    // t = tanh(c (x + a x^3)): 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 a x^2)
    double c = std::sqrt(2.0 / M_PI), a = 0.044715;
    Value x2 = g.mul(x, x);
    Value inner = g.scale(g.add(x, g.scale(g.mul(x2, x), a)), c);
    Value t = TanhOp::create(builder, getLoc(), inner);
    Value left = g.scale(g.add(one, t), 0.5);
    Value slope = g.scale(g.add(one, g.scale(x2, 3 * a)), c);
    Value right =
        g.mul(g.scale(x, 0.5), g.mul(g.sub(one, g.mul(t, t)), slope));
    derivative = g.add(left, right);
  } else {
    // Phi(x) + x phi(x)
    Value cdf = g.scale(
        g.add(one, ErfOp::create(builder, getLoc(), g.scale(x, M_SQRT1_2))),
        0.5);
    Value pdf = g.scale(
        ExpOp::create(builder, getLoc(), g.scale(g.mul(x, x), -0.5)),
        1.0 / std::sqrt(2.0 * M_PI));
    derivative = g.add(cdf, g.mul(x, pdf));
  }
  dxs.push_back(g.mul(dys[0], derivative));
  return success();
}

LogicalResult AddOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                   SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  dxs.push_back(g.sumTo(dys[0], getLhs().getType()));
  dxs.push_back(g.sumTo(dys[0], getRhs().getType()));
  return success();
}

LogicalResult SubOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                   SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  dxs.push_back(g.sumTo(dys[0], getLhs().getType()));
  dxs.push_back(g.sumTo(g.neg(dys[0]), getRhs().getType()));
  return success();
}

LogicalResult MulOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                   SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  dxs.push_back(g.sumTo(g.mul(dys[0], getRhs()), getLhs().getType()));
  dxs.push_back(g.sumTo(g.mul(dys[0], getLhs()), getRhs().getType()));
  return success();
}

LogicalResult DivOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                   SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  Value dyOverB = g.div(dys[0], getRhs());
  dxs.push_back(g.sumTo(dyOverB, getLhs().getType()));
  // d(a/b)/db = -(a/b)/b
  dxs.push_back(
      g.sumTo(g.neg(g.mul(dyOverB, getResult())), getRhs().getType()));
  return success();
}

LogicalResult PowOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                   SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  Value a = getLhs(), e = getRhs();
  Value lower = PowOp::create(builder, getLoc(), a, g.sub(e, g.constant(e, 1)));
  dxs.push_back(g.sumTo(g.mul(dys[0], g.mul(e, lower)), tensorOf(a)));
  Value logA = LogOp::create(builder, getLoc(), a);
  dxs.push_back(
      g.sumTo(g.mul(dys[0], g.mul(getResult(), logA)), tensorOf(e)));
  return success();
}

/// maximum/minimum: the gradient goes to the winner; ties share it equally.
static void extremumGradient(GradBuilder &g, Value dy, Value a, Value b,
                             ComparePredicate wins,
                             SmallVectorImpl<Value> &dxs) {
  Value half = g.scale(dy, 0.5), zero = g.constant(dy, 0);
  Value tie = g.compare(ComparePredicate::eq, a, b);
  Value aWins = g.compare(wins, a, b);
  Value bWins = g.compare(wins, b, a);
  Value da = g.select(aWins, dy, g.select(tie, half, zero));
  Value db = g.select(bWins, dy, g.select(tie, half, zero));
  dxs.push_back(g.sumTo(g.broadcast(da, tensorOf(dy)), tensorOf(a)));
  dxs.push_back(g.sumTo(g.broadcast(db, tensorOf(dy)), tensorOf(b)));
}

LogicalResult MaximumOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                       SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  extremumGradient(g, dys[0], getLhs(), getRhs(), ComparePredicate::gt, dxs);
  return success();
}

LogicalResult MinimumOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                       SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  extremumGradient(g, dys[0], getLhs(), getRhs(), ComparePredicate::lt, dxs);
  return success();
}

//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                       SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  Value y = getResult(), dy = dys[0];
  int64_t axis = getAxis();
  Value dot = g.sum(g.mul(dy, y), {axis}, /*keepdim=*/true);
  dxs.push_back(g.mul(y, g.sub(dy, dot)));
  return success();
}

LogicalResult LogSoftmaxOp::buildGradient(OpBuilder &builder,
                                          ArrayRef<Value> dys,
                                          SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  Value dy = dys[0];
  Value total = g.sum(dy, {static_cast<int64_t>(getAxis())}, /*keepdim=*/true);
  Value probs = ExpOp::create(builder, getLoc(), getResult());
  dxs.push_back(g.sub(dy, g.mul(probs, total)));
  return success();
}

//===----------------------------------------------------------------------===//
// Selection, casts, dropout
//===----------------------------------------------------------------------===//

// The condition carries no gradient; each branch gets the gradient where it
// was chosen.
LogicalResult WhereOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                     SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  Value dy = dys[0], zero = g.constant(dy, 0), cond = getCondition();
  dxs.push_back(Value());
  dxs.push_back(g.sumTo(g.broadcast(g.select(cond, dy, zero), tensorOf(dy)),
                        getLhs().getType()));
  dxs.push_back(g.sumTo(g.broadcast(g.select(cond, zero, dy), tensorOf(dy)),
                        getRhs().getType()));
  return success();
}

// The gradient converted back to the input's float type; integer and i1
// inputs carry none.
LogicalResult CastOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                    SmallVectorImpl<Value> &dxs) {
  RankedTensorType in = getInput().getType();
  if (!isa<FloatType>(in.getElementType())) {
    dxs.push_back(Value());
    return success();
  }
  dxs.push_back(
      in == dys[0].getType()
          ? dys[0]
          : CastOp::create(builder, getLoc(), in, dys[0]).getResult());
  return success();
}

// The same op with the same key draws the same mask: applied to the
// gradient it zeroes the dropped elements and scales the kept ones by
// 1 / (1 - rate), which is the vector-Jacobian product.
LogicalResult DropoutOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                       SmallVectorImpl<Value> &dxs) {
  dxs.push_back(DropoutOp::create(builder, getLoc(), dys[0], getCounter(),
                                  getRateAttr(), getKeyAttr()));
  return success();
}
