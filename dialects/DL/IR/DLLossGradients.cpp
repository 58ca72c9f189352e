//===- DLLossGradients.cpp - Gradients of the losses ----------------------===//
//
// Part of dlcc. Vector-Jacobian products of the losses (see
// DLGradients.cpp). Labels and other integer operands carry no gradient.
//
//===----------------------------------------------------------------------===//

#include "DL/IR/DLGradientBuilder.h"

using namespace mlir;
using namespace mlir::dl;
using namespace mlir::dl::detail;

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
  Value d = g.select(
      g.compare(ComparePredicate::gt, diff, zero), step,
      g.select(g.compare(ComparePredicate::lt, diff, zero), g.neg(step), zero));
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

// Z = a^ b^^T / T with rows scaled to unit length, n = max(|row|, 1e-12):
//   dZ = dL (softmax_rows(Z) - I + softmax_columns(Z) - I) / 2N,
//   da^ = dZ b^ / T, db^ = dZ^T a^ / T,
//   da = (da^ - a^ sum(a^ da^)) / n where |row| > 1e-12, else da^ / n.
LogicalResult ContrastiveOp::buildGradient(OpBuilder &builder,
                                           ArrayRef<Value> dys,
                                           SmallVectorImpl<Value> &dxs) {
  GradBuilder g(builder, getLoc());
  RankedTensorType type = getLhs().getType();
  int64_t n = type.getDimSize(0);
  double inverseT = 1.0 / getTemperature().convertToDouble();
  const double eps = 1e-12; // F.normalize's, as in the lowering.
  struct Rows {
    Value unit, length, norm;
  };
  auto normalize = [&](Value x) {
    Value length = g.sqrt(g.sum(g.mul(x, x), {1}, /*keepdim=*/true));
    Value norm = g.maximum(length, g.constant(x, eps));
    return Rows{g.div(x, norm), length, norm};
  };
  Rows a = normalize(getLhs()), b = normalize(getRhs());
  Value sims = g.scale(g.matmul(a.unit, g.transposeLast(b.unit)), inverseT);
  auto eyeType = RankedTensorType::get({n}, builder.getI64Type());
  Value eye = OneHotOp::create(
      builder, getLoc(), RankedTensorType::get({n, n}, type.getElementType()),
      PositionsOp::create(builder, getLoc(), eyeType));
  Value byRow = g.sub(g.softmax(sims, 1), eye);
  Value byColumn = g.sub(g.softmax(sims, 0), eye);
  Value dsims = g.mul(g.add(byRow, byColumn), g.scale(dys[0], 1.0 / (2.0 * n)));
  Value dunitA = g.scale(g.matmul(dsims, b.unit), inverseT);
  Value dunitB = g.scale(g.matmul(g.transposeLast(dsims), a.unit), inverseT);
  auto back = [&](Rows r, Value dunit) {
    Value along = g.mul(r.unit, g.sum(g.mul(r.unit, dunit), {1},
                                      /*keepdim=*/true));
    Value scaled =
        g.compare(ComparePredicate::gt, r.length, g.constant(r.length, eps));
    Value radial = g.select(scaled, along, g.constant(along, 0));
    return g.div(g.sub(dunit, radial), r.norm);
  };
  dxs.push_back(back(a, dunitA));
  dxs.push_back(back(b, dunitB));
  return success();
}
