//===- DLGradients.cpp - Vector-Jacobian products of dl ops ---------------===//
//
// Part of dlcc. Each differentiable op builds the gradient of its operands
// from the gradient of its results, as dl ops, for dl-autodiff. Broadcast
// operands get their gradient summed back to their own shape. The rules
// follow PyTorch's derivatives (for instance, ties of maximum/minimum share
// the gradient equally).
//
//===----------------------------------------------------------------------===//

#include "DL/IR/DLOps.h"

#include "mlir/IR/Builders.h"

#include <cmath>
#include <numeric>

using namespace mlir;
using namespace mlir::dl;

namespace {

RankedTensorType tensorOf(Value v) {
  return llvm::cast<RankedTensorType>(v.getType());
}

/// Builds dl ops at one location.
class GradBuilder {
public:
  GradBuilder(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  /// A rank-0 constant of `like`'s element type.
  Value constant(Value like, double value) {
    Type element = tensorOf(like).getElementType();
    auto type = RankedTensorType::get({}, element);
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, b.getFloatAttr(element, value)));
  }
  Value add(Value x, Value y) { return AddOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return SubOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return MulOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return DivOp::create(b, loc, x, y); }
  Value neg(Value x) { return NegOp::create(b, loc, x); }
  Value scale(Value x, double s) { return mul(x, constant(x, s)); }
  Value compare(ComparePredicate p, Value x, Value y) {
    return CompareOp::create(b, loc, p, x, y);
  }
  /// cond ? x : y, with x, y broadcast; zero where a value is null.
  Value select(Value cond, Value x, Value y) {
    return WhereOp::create(b, loc, cond, x, y);
  }
  Value reshape(Value x, RankedTensorType type) {
    if (tensorOf(x) == type)
      return x;
    return ReshapeOp::create(b, loc, type, x);
  }
  Value broadcast(Value x, RankedTensorType type) {
    if (tensorOf(x) == type)
      return x;
    return BroadcastOp::create(b, loc, type, x);
  }
  Value sum(Value x, ArrayRef<int64_t> axes, bool keepdim) {
    return SumOp::create(b, loc, x, b.getDenseI64ArrayAttr(axes),
                         keepdim ? b.getUnitAttr() : UnitAttr());
  }
  Value transposeLast(Value x) {
    int64_t rank = tensorOf(x).getRank();
    SmallVector<int64_t> perm(rank);
    std::iota(perm.begin(), perm.end(), 0);
    std::swap(perm[rank - 1], perm[rank - 2]);
    return TransposeOp::create(b, loc, x, b.getDenseI64ArrayAttr(perm));
  }
  Value matmul(Value x, Value y) { return MatmulOp::create(b, loc, x, y); }

  /// Sums a gradient of a broadcast result back to the operand's `type`.
  Value sumTo(Value g, RankedTensorType type) {
    ArrayRef<int64_t> from = tensorOf(g).getShape(), to = type.getShape();
    if (from == to)
      return g;
    size_t lead = from.size() - to.size();
    SmallVector<int64_t> axes;
    for (size_t i = 0; i < from.size(); ++i)
      if (i < lead || (to[i - lead] == 1 && from[i] != 1))
        axes.push_back(i);
    Value reduced = axes.empty() ? g : sum(g, axes, /*keepdim=*/true);
    return reshape(reduced, type);
  }

  /// Spreads the gradient of a reduction back over the reduced axes.
  Value unreduce(Value g, RankedTensorType input, ArrayRef<int64_t> axes,
                 bool keepdim) {
    SmallVector<int64_t> kept(input.getShape());
    SmallVector<int64_t> all = resolved(axes, input.getRank());
    for (int64_t axis : all)
      kept[axis] = 1;
    Value shaped =
        keepdim ? g
                : reshape(g, RankedTensorType::get(kept, input.getElementType()));
    return broadcast(shaped, input);
  }

  static SmallVector<int64_t> resolved(ArrayRef<int64_t> axes, int64_t rank) {
    SmallVector<int64_t> out;
    if (axes.empty())
      for (int64_t d = 0; d < rank; ++d)
        out.push_back(d);
    for (int64_t axis : axes)
      out.push_back(axis < 0 ? axis + rank : axis);
    return out;
  }

  OpBuilder &b;
  Location loc;
};

int64_t elementCount(Value v) { return tensorOf(v).getNumElements(); }

} // namespace

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
DL_UNARY_GRADIENT(ReluOp,
                  g.select(g.compare(ComparePredicate::gt, x, g.constant(x, 0)),
                           dy, g.constant(x, 0)))
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
// Linear algebra
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                      SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  Value a = getLhs(), b = getRhs(), dy = dys[0];
  dxs.push_back(g.sumTo(g.matmul(dy, g.transposeLast(b)), tensorOf(a)));
  dxs.push_back(g.sumTo(g.matmul(g.transposeLast(a), dy), tensorOf(b)));
  return success();
}

LogicalResult LinearOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                      SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  Value x = getInput(), w = getWeight(), dy = dys[0];
  RankedTensorType xType = getInput().getType();
  int64_t in = xType.getShape().back(), out = tensorOf(w).getShape()[0];
  int64_t rows = xType.getNumElements() / in;
  Type element = xType.getElementType();
  // dx = dy W; dW = dy^T x over all rows; db = the row sum of dy.
  dxs.push_back(g.matmul(dy, w));
  Value dyRows = g.reshape(dy, RankedTensorType::get({rows, out}, element));
  Value xRows = g.reshape(x, RankedTensorType::get({rows, in}, element));
  dxs.push_back(g.matmul(g.transposeLast(dyRows), xRows));
  if (getBias())
    dxs.push_back(g.sum(dyRows, {0}, /*keepdim=*/false));
  return success();
}

//===----------------------------------------------------------------------===//
// Shapes and reductions
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                       SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  dxs.push_back(g.reshape(dys[0], getInput().getType()));
  return success();
}

LogicalResult BroadcastOp::buildGradient(OpBuilder &builder,
                                         ArrayRef<Value> dys,
                                         SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  dxs.push_back(g.sumTo(dys[0], getInput().getType()));
  return success();
}

LogicalResult TransposeOp::buildGradient(OpBuilder &builder,
                                         ArrayRef<Value> dys,
                                         SmallVectorImpl<Value> &dxs) {
  ArrayRef<int64_t> perm = getPermutation();
  SmallVector<int64_t> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inverse[perm[i]] = i;
  dxs.push_back(TransposeOp::create(builder, getLoc(), dys[0],
                                    builder.getDenseI64ArrayAttr(inverse)));
  return success();
}

LogicalResult SumOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                   SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  dxs.push_back(
      g.unreduce(dys[0], getInput().getType(), getAxes(), getKeepdim()));
  return success();
}

LogicalResult MeanOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                    SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  int64_t count = elementCount(getInput()) / elementCount(getResult());
  Value spread =
      g.unreduce(dys[0], getInput().getType(), getAxes(), getKeepdim());
  dxs.push_back(g.scale(spread, 1.0 / double(count)));
  return success();
}

// amax: the gradient is shared equally by the elements equal to the maximum.
LogicalResult MaxOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                   SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  RankedTensorType type = getInput().getType();
  Value max = g.unreduce(getResult(), type, getAxes(), getKeepdim());
  Value hit = g.compare(ComparePredicate::eq, getInput(), max);
  Value one = g.constant(max, 1), zero = g.constant(max, 0);
  Value ones = g.select(hit, one, zero);
  SmallVector<int64_t> axes = GradBuilder::resolved(getAxes(), type.getRank());
  Value count = g.unreduce(g.sum(ones, axes, /*keepdim=*/true), type, axes,
                           /*keepdim=*/true);
  Value share =
      g.unreduce(dys[0], type, getAxes(), getKeepdim());
  dxs.push_back(g.select(hit, g.div(share, count), zero));
  return success();
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

LogicalResult CrossEntropyOp::buildGradient(OpBuilder &builder,
                                            ArrayRef<Value> dys,
                                            SmallVectorImpl<Value> &dxs) {
  dxs.push_back(CrossEntropyGradOp::create(
      builder, getLoc(), getLogits(), getLabels(), dys[0],
      getLabelSmoothingAttr(), getIgnoreIndexAttr()));
  dxs.push_back(Value()); // Labels carry no gradient.
  return success();
}

LogicalResult MSEOp::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                   SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  double n = double(elementCount(getInput()));
  Value d = g.mul(g.sub(getInput(), getTarget()), g.scale(dys[0], 2.0 / n));
  dxs.push_back(d);
  dxs.push_back(g.neg(d));
  return success();
}

LogicalResult L1Op::buildGradient(OpBuilder &builder, ArrayRef<Value> dys,
                                  SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  double n = double(elementCount(getInput()));
  Value diff = g.sub(getInput(), getTarget());
  Value zero = g.constant(diff, 0), step = g.scale(dys[0], 1.0 / n);
  Value d = g.select(g.compare(ComparePredicate::gt, diff, zero), step,
                     g.select(g.compare(ComparePredicate::lt, diff, zero),
                              g.neg(step), zero));
  d = g.broadcast(d, getInput().getType());
  dxs.push_back(d);
  dxs.push_back(g.neg(d));
  return success();
}

// d/dx = sigmoid(x) - t, d/dt = -x (each over the element count).
LogicalResult BinaryCrossEntropyOp::buildGradient(OpBuilder &builder,
                                                  ArrayRef<Value> dys,
                                                  SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  double n = double(elementCount(getInput()));
  Value step = g.scale(dys[0], 1.0 / n);
  Value s = SigmoidOp::create(builder, getLoc(), getInput());
  dxs.push_back(g.mul(g.sub(s, getTarget()), step));
  dxs.push_back(g.mul(g.neg(getInput()), step));
  return success();
}
